/**
 * The dashboard's Reconciliation page (`/dashboard/reconciliation`): the differences found (each
 * kind with what to do, highlighted), the payouts received with gross, fees and net, each payout's
 * lines and the payment each one is (`/dashboard/reconciliation/payouts/:id`), the report files
 * received and those a folder or maildir refused, and every line as CSV
 * (`/dashboard/reconciliation/lines.csv`). Reads `app.reconciliation` and `app.reportWatcher`.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PaymentFilter } from './backend.js';
import { fill } from './i18n.js';
import { layout, pageContext, send } from './layout.js';
import { escapeHtml, formatAmount } from '../../../checkout/index.js';
import type { Difference } from '../../../reconcile/index.js';
import * as repo from '../../db/repositories/index.js';
import { csvCell, type ReconciliationDetail } from '../../reconciliation/index.js';
import { isStorableText } from '../../text.js';
import { paymentsCsv, type PaymentCsvFilter } from '../../reconciliation/index.js';
import { differencesOfPayout, linesOfPayout, payoutView, sortedPayouts } from '../reconciliation/view.js';

/** The dashboard's sign-in guard and page options, from its routes. */
export type Guarded = {
  onRequest: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
} & Record<string, unknown>;

/** The page's own words, in the dashboard's two languages. */
const WORDS = {
  es: {
    title: 'Conciliación',
    back: '← Pagos',
    back_recon: '← Conciliación',
    as_of: 'Al {as_of} UTC, pagos desde {since}.',
    csv: 'Descargar las líneas en CSV',
    lines: 'líneas recibidas',
    matched: 'con su pago',
    payouts: 'payouts',
    differences: 'diferencias',
    differences_title: 'Diferencias',
    no_differences: 'Sin diferencias: cada línea tiene su pago y cada pago debido fue pagado.',
    payouts_title: 'Payouts',
    payouts_empty:
      'Aún no llega ningún payout: los traen los reportes (subida, carpeta, maildir) y la lectura diaria de la API de payouts.',
    files_title: 'Reportes recibidos',
    files_empty:
      'Ningún reporte recibido. Súbalo (POST /api/reports) o configure PASARELA_REPORTS_DIR o PASARELA_REPORTS_MAILDIR.',
    refused_title: 'Reportes rechazados',
    lines_title: 'Líneas',
    from_files: 'según reportes',
    not_found: 'No hay payout',
    cols_diff: ['Tipo', 'Pago', 'Objeto', 'Payout', 'Esperado', 'Fintoc dice', 'Dónde', 'Qué hacer'],
    cols_payout: [
      'Payout',
      'Estado',
      'Creado (UTC)',
      'Líneas',
      'Bruto',
      'Comisiones',
      'Neto',
      'Pagado (API)',
      'Diferencias',
    ],
    cols_file: ['Archivo', 'Tipo', 'Fecha', 'Líneas', 'Columnas extra', 'Origen', 'Recibido (UTC)'],
    cols_refused: ['A las (UTC)', 'Origen', 'Archivo', 'Código', 'Línea', 'Columna', 'Por qué'],
    cols_line: ['Transacción', 'Tipo', 'Pago', 'Monto', 'Comisión', 'Cuándo', 'Dónde'],
    facts: ['Estado', 'Bruto', 'Comisiones', 'Neto', 'Pagado (API de payouts)'],
  },
  en: {
    title: 'Reconciliation',
    back: '← Payments',
    back_recon: '← Reconciliation',
    as_of: 'As of {as_of} UTC, payments since {since}.',
    csv: 'Download the lines as CSV',
    lines: 'lines received',
    matched: 'matched to a payment',
    payouts: 'payouts',
    differences: 'differences',
    differences_title: 'Differences',
    no_differences: 'No differences: every line matches a payment, every payment due was paid out.',
    payouts_title: 'Payouts',
    payouts_empty:
      'No payouts received yet: report files (upload, folder, maildir) and the daily Payouts API read bring them.',
    files_title: 'Report files received',
    files_empty:
      'No report files received. Upload one (POST /api/reports), or set PASARELA_REPORTS_DIR or PASARELA_REPORTS_MAILDIR.',
    refused_title: 'Files refused',
    lines_title: 'Lines',
    from_files: 'from report files',
    not_found: 'No payout',
    cols_diff: ['Kind', 'Payment', 'Object', 'Payout', 'Expected', 'Fintoc says', 'Where', 'What to do'],
    cols_payout: [
      'Payout',
      'Status',
      'Created (UTC)',
      'Lines',
      'Gross',
      'Fees',
      'Net',
      'Paid (API)',
      'Differences',
    ],
    cols_file: ['File', 'Kind', 'Date', 'Lines', 'Extra columns', 'From', 'Received (UTC)'],
    cols_refused: ['At (UTC)', 'From', 'File', 'Code', 'Line', 'Column', 'Why'],
    cols_line: ['Transaction', 'Type', 'Payment', 'Amount', 'Fee', 'When', 'Where'],
    facts: ['Status', 'Gross', 'Fees', 'Net', 'Paid (Payouts API)'],
  },
} as const;
type Words = (typeof WORDS)[keyof typeof WORDS];

const head = (cols: readonly string[]) =>
  `<thead><tr>${cols.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead>`;

/** What to do about each kind of difference (docs/reconciliation.md says more), in both languages. */
export const WHAT_TO_DO: Record<'es' | 'en', Record<Difference['kind'], string>> = {
  en: {
    unknown_payment:
      'Fintoc paid an intent that is none of your payments: find the order, record it or refund it.',
    not_succeeded_locally:
      'Paid at Fintoc but not succeeded here (lost webhook): mark it paid, then fulfil or refund.',
    missing_from_payout:
      'Succeeded here, its payout was due, no payout holds it: check the next reports, then ask Fintoc.',
    amount_mismatch:
      'Fintoc’s amount is not your payment’s: compare with Fintoc’s dashboard (a file edited by hand shows here).',
    fee_mismatch: 'A fee differs from your agreed rate: check it against your contract.',
    unknown_refund: 'A refund you did not make here: record it against its payment.',
    refund_adjustment:
      'A refund failed and the money came back: the customer was not refunded, refund again.',
    paid_after_cancel: 'Paid after this service gave it up: fulfil or refund it (LATE_PAYMENT_POLICY).',
    duplicate_settlement: 'One transaction in two payouts: if neither was returned, ask Fintoc (paid twice).',
    payout_total_mismatch:
      'The payout’s amount is not its lines less fees: receive the report again or reconcile from the API.',
  },
  es: {
    unknown_payment:
      'Fintoc pagó un intent que no es ninguno de sus pagos: busque la orden, regístrela o reembólsela.',
    not_succeeded_locally:
      'Pagado en Fintoc pero no aquí (webhook perdido): márquelo pagado y luego entregue o reembolse.',
    missing_from_payout:
      'Pagado aquí, su payout ya correspondía y ninguno lo trae: revise los próximos reportes y consulte a Fintoc.',
    amount_mismatch:
      'El monto de Fintoc no es el de su pago: compare con el dashboard de Fintoc (un archivo editado a mano aparece aquí).',
    fee_mismatch: 'Una comisión no es la tarifa acordada: revísela con su contrato.',
    unknown_refund: 'Un reembolso que no se hizo aquí: regístrelo en su pago.',
    refund_adjustment:
      'Un reembolso falló y el dinero volvió: el cliente no fue reembolsado, reembolse de nuevo.',
    paid_after_cancel:
      'Pagado después de que el servicio lo dio por perdido: entregue o reembolse (LATE_PAYMENT_POLICY).',
    duplicate_settlement:
      'Una transacción en dos payouts: si ninguno fue devuelto, consulte a Fintoc (pagado dos veces).',
    payout_total_mismatch:
      'El monto del payout no es la suma de sus líneas menos comisiones: reciba el reporte de nuevo o concilie desde la API.',
  },
};

const PAYMENT_ID = /^pay_[A-Za-z0-9]{16,64}$/;

function money(value: number | null, currency: string | null): string {
  if (value === null) return '—';
  try {
    return escapeHtml(formatAmount(value, currency ?? 'CLP'));
  } catch {
    return `${value} ${escapeHtml(currency ?? '')}`;
  }
}

function paymentLink(id: string | null): string {
  if (!id) return '—';
  return PAYMENT_ID.test(id)
    ? `<a href="/dashboard/payments/${escapeHtml(id)}"><code>${escapeHtml(id)}</code></a>`
    : `<code>${escapeHtml(id)}</code>`;
}

function payoutLink(id: string | null): string {
  if (!id) return '—';
  return `<a href="/dashboard/reconciliation/payouts/${encodeURIComponent(id)}"><code>${escapeHtml(id)}</code></a>`;
}

const utc = (iso: string) => escapeHtml(iso.slice(0, 19).replace('T', ' '));

function differencesTable(w: Words, lang: 'es' | 'en', differences: readonly Difference[]): string {
  if (differences.length === 0)
    return `<p class="muted" data-testid="no-differences">${escapeHtml(w.no_differences)}</p>`;
  const rows = differences
    .map(
      (d) =>
        `<tr class="late" data-testid="difference-row" data-kind="${escapeHtml(d.kind)}">` +
        `<td><b>${escapeHtml(d.kind)}</b></td><td>${paymentLink(d.payment_id)}</td><td><code>${escapeHtml(d.object_id ?? '—')}</code></td>` +
        `<td>${payoutLink(d.payout_id)}</td><td>${money(d.expected, d.currency)}</td><td>${money(d.actual, d.currency)}</td>` +
        `<td class="wrap">${d.source ? `${escapeHtml(d.source.file ?? '')}${d.source.line !== null ? `:${d.source.line}` : ''}` : 'API'}</td>` +
        `<td class="wrap">${escapeHtml(d.message)}<br><span class="muted">${escapeHtml(WHAT_TO_DO[lang][d.kind])}</span></td></tr>`,
    )
    .join('');
  return `<table data-testid="differences-table">${head(w.cols_diff)}<tbody>${rows}</tbody></table>`;
}

function payoutsTable(w: Words, detail: ReconciliationDetail): string {
  const views = sortedPayouts(detail.result.payouts.map((p) => payoutView(p, detail)));
  if (views.length === 0)
    return `<p class="muted" data-testid="payouts-empty">${escapeHtml(w.payouts_empty)}</p>`;
  const rows = views
    .map(
      (p) =>
        `<tr data-testid="payout-row" data-payout-id="${escapeHtml(p.id)}"${p.differences > 0 ? ' class="late"' : ''}>` +
        `<td>${payoutLink(p.id)}</td><td>${escapeHtml(p.status ?? w.from_files)}</td><td>${p.created_at ? utc(p.created_at) : '—'}</td>` +
        `<td>${p.lines}</td><td>${money(p.gross, p.currency)}</td><td>${money(p.fees, p.currency)}${p.fees_derived ? ' <span class="muted">*</span>' : ''}</td>` +
        `<td>${money(p.net, p.currency)}</td><td>${money(p.amount, p.currency)}</td>` +
        `<td${p.differences > 0 ? ' class="late-flag"' : ''} data-testid="payout-differences">${p.differences}</td></tr>`,
    )
    .join('');
  return `<table data-testid="payouts-table">${head(w.cols_payout)}<tbody>${rows}</tbody></table>`;
}

/**
 * Registers the Reconciliation pages on the dashboard's routes, behind its sign-in (`guarded`).
 *
 * @example
 * reconciliationPages(app, guarded, parseFilter);
 */
export function reconciliationPages(
  app: FastifyInstance,
  guarded: Guarded,
  /** The Payments page's filters from its query string (its Download CSV keeps them). */
  parseFilter: (query: Record<string, string>) => Pick<PaymentFilter, 'status' | 'orderId' | 'from' | 'to'>,
): void {
  app.get('/dashboard/reconciliation', guarded, async (request, reply) => {
    const ctx = pageContext(app, request);
    const w = WORDS[ctx.lang];
    const [detail, files] = await Promise.all([
      app.reconciliation.detail(),
      repo.listReportFiles(app.database.db, { limit: 20 }),
    ]);
    const { result } = detail;
    const byKind = new Map<string, number>();
    for (const d of result.differences) byKind.set(d.kind, (byKind.get(d.kind) ?? 0) + 1);
    const rejections = app.reportWatcher.rejections;
    const cards =
      `<div class="dash-cards">` +
      `<div class="dash-card"><b data-testid="recon-lines">${result.lines}</b><span>${escapeHtml(w.lines)}</span></div>` +
      `<div class="dash-card"><b data-testid="recon-matched">${result.matched}</b><span>${escapeHtml(w.matched)}</span></div>` +
      `<div class="dash-card"><b>${result.payouts.length}</b><span>${escapeHtml(w.payouts)}</span></div>` +
      `<div class="dash-card${result.differences.length > 0 ? ' dash-alert' : ''}"><b data-testid="recon-differences">${result.differences.length}</b><span>${escapeHtml(w.differences)}</span></div>` +
      [...byKind]
        .map(
          ([k, n]) =>
            `<a class="dash-card dash-alert" href="#kind-${escapeHtml(k)}"><b>${n}</b><span>${escapeHtml(k)}</span></a>`,
        )
        .join('') +
      `</div>`;
    const filesTable =
      files.length === 0
        ? `<p class="muted" data-testid="reports-empty">${escapeHtml(w.files_empty)}</p>`
        : `<table data-testid="reports-table">${head(w.cols_file)}<tbody>${files
            .map(
              (f) =>
                `<tr data-testid="report-row"><td class="wrap">${escapeHtml(f.filename ?? f.sha256.slice(0, 12))}</td><td>${escapeHtml(f.kind ?? '—')}</td><td>${escapeHtml(f.report_date ?? '—')}</td>` +
                `<td>${f.line_count}</td><td class="wrap">${escapeHtml(f.extra_columns.join(', '))}</td><td>${escapeHtml(f.source)}</td><td>${utc(f.received_at.toISOString())}</td></tr>`,
            )
            .join('')}</tbody></table>`;
    const refused =
      rejections.length === 0
        ? ''
        : `<h2>${escapeHtml(w.refused_title)}</h2><div class="dash-panel"><table data-testid="rejections-table">${head(w.cols_refused)}<tbody>${rejections
            .map(
              (r) =>
                `<tr class="late"><td>${utc(r.at)}</td><td>${escapeHtml(r.source)}</td><td class="wrap">${escapeHtml(r.name)}</td><td><code>${escapeHtml(r.code)}</code></td><td>${r.line ?? ''}</td><td>${r.column ?? ''}</td><td class="wrap">${escapeHtml(r.message)}</td></tr>`,
            )
            .join('')}</tbody></table></div>`;
    const grouped = [...byKind.keys()]
      .map(
        (k) =>
          `<h3 id="kind-${escapeHtml(k)}">${escapeHtml(k)}</h3>${differencesTable(
            w,
            ctx.lang,
            result.differences.filter((d) => d.kind === k),
          )}`,
      )
      .join('');
    const body =
      `<p><a href="/dashboard">${escapeHtml(w.back)}</a></p><h1>${escapeHtml(w.title)}</h1>` +
      `<p class="muted">${escapeHtml(fill(w.as_of, { as_of: result.as_of.slice(0, 19).replace('T', ' '), since: detail.since.toISOString().slice(0, 10) }))} ` +
      `<a href="/dashboard/reconciliation/lines.csv" data-testid="recon-csv">${escapeHtml(w.csv)}</a></p>` +
      cards +
      `<h2>${escapeHtml(w.differences_title)}</h2><div class="dash-panel">${result.differences.length === 0 ? differencesTable(w, ctx.lang, []) : grouped}</div>` +
      `<h2>${escapeHtml(w.payouts_title)}</h2><div class="dash-panel">${payoutsTable(w, detail)}</div>` +
      `<h2>${escapeHtml(w.files_title)}</h2><div class="dash-panel">${filesTable}</div>` +
      refused;
    return send(reply, layout(ctx, w.title, body));
  });

  app.get<{ Params: { id: string } }>(
    '/dashboard/reconciliation/payouts/:id',
    guarded,
    async (request, reply) => {
      const ctx = pageContext(app, request);
      const w = WORDS[ctx.lang];
      const { id } = request.params;
      const detail = await app.reconciliation.detail();
      const p =
        id.length <= 300 && isStorableText(id) ? detail.result.payouts.find((x) => x.id === id) : undefined;
      if (!p)
        return send(
          reply,
          layout(ctx, w.not_found, `<h1>${escapeHtml(w.not_found)} ${escapeHtml(id.slice(0, 80))}</h1>`),
          404,
        );
      const view = payoutView(p, detail);
      const differences = differencesOfPayout(p, detail.result.differences);
      const flagged = new Set(differences.map((d) => d.object_id));
      const lines = linesOfPayout(p.id, detail)
        .map(
          (l) =>
            `<tr data-testid="line-row" data-line-id="${escapeHtml(l.id)}"${flagged.has(l.id) || flagged.has(l.payment_intent_id) ? ' class="late"' : ''}>` +
            `<td><code>${escapeHtml(l.id)}</code></td><td>${escapeHtml(l.type)}</td><td>${paymentLink(l.payment_id)}</td>` +
            `<td>${money(l.amount, l.currency)}</td><td>${money(l.fee, l.currency)}</td><td>${escapeHtml(l.transaction_at ?? l.created_at ?? '—')}</td>` +
            `<td class="wrap">${escapeHtml(l.file ?? 'API')}${l.line !== null ? `:${l.line}` : ''}</td></tr>`,
        )
        .join('');
      const [fStatus, fGross, fFees, fNet, fPaid] = w.facts;
      const body =
        `<p><a href="/dashboard/reconciliation">${escapeHtml(w.back_recon)}</a></p><h1>Payout <code data-testid="payout-id">${escapeHtml(p.id)}</code></h1>` +
        `<div class="dash-panel"><dl class="dash-facts"><dt>${fStatus}</dt><dd>${escapeHtml(view.status ?? w.from_files)}</dd>` +
        `<dt>${fGross}</dt><dd>${money(view.gross, view.currency)}</dd><dt>${fFees}</dt><dd>${money(view.fees, view.currency)}</dd>` +
        `<dt>${fNet}</dt><dd data-testid="payout-net">${money(view.net, view.currency)}</dd><dt>${fPaid}</dt><dd>${money(view.amount, view.currency)}</dd></dl></div>` +
        `<h2>${escapeHtml(w.differences_title)}</h2><div class="dash-panel">${differencesTable(w, ctx.lang, differences)}</div>` +
        `<h2>${escapeHtml(w.lines_title)}</h2><div class="dash-panel"><table data-testid="lines-table">${head(w.cols_line)}<tbody>${lines}</tbody></table></div>`;
      return send(reply, layout(ctx, `Payout ${p.id}`, body));
    },
  );

  // The Payments page's Download CSV: GET /api/payments.csv for the filters on screen (a filter
  // that does not parse is dropped, as the page drops it).
  app.get<{ Querystring: Record<string, string> }>(
    '/dashboard/payments.csv',
    guarded,
    async (request, reply) => {
      const { status, orderId, from, to } = parseFilter(request.query ?? {});
      const filter: PaymentCsvFilter = {
        ...(status === 'paid_after_cancel' ? { paidAfterCancel: true } : status ? { status } : {}),
        ...(orderId !== undefined ? { orderId } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      };
      const stamp = new Date(app.clock.now()).toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="payments-${stamp}.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(paymentsCsv(app.database.db, filter)));
    },
  );

  app.get('/dashboard/reconciliation/lines.csv', guarded, async (_request, reply) => {
    const detail = await app.reconciliation.detail();
    const kindsOf = new Map<string, string[]>();
    for (const d of detail.result.differences) {
      for (const key of [d.object_id, d.payment_intent_id]) {
        if (key) kindsOf.set(key, [...(kindsOf.get(key) ?? []), d.kind]);
      }
    }
    async function* rows(): AsyncGenerator<string> {
      yield 'payout_id,id,type,payment_intent_id,payment_id,amount,fee,currency,created_at,transaction_at,file,line,differences\r\n';
      let chunk = '';
      for (const l of detail.lines) {
        const payment = l.payment_intent_id
          ? (detail.paymentByIntent.get(l.payment_intent_id) ?? null)
          : null;
        const kinds = [
          ...new Set([
            ...(kindsOf.get(l.id) ?? []),
            ...(l.type === 'payment_intent' && l.payment_intent_id
              ? (kindsOf.get(l.payment_intent_id) ?? [])
              : []),
          ]),
        ];
        chunk +=
          [
            csvCell(l.payout_id),
            csvCell(l.id),
            csvCell(l.type),
            csvCell(l.payment_intent_id),
            csvCell(payment),
            csvCell(l.amount, false),
            csvCell(l.fee, false),
            csvCell(l.currency),
            csvCell(l.created_at),
            csvCell(l.transaction_at),
            csvCell(l.file),
            csvCell(l.line, false),
            csvCell(kinds.join(' ')),
          ].join(',') + '\r\n';
        if (chunk.length > 64_000) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk) yield chunk;
    }
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="reconciliation-lines.csv"')
      .header('cache-control', 'no-store')
      .send(Readable.from(rows()));
  });
}
