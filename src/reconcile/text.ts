/**
 * Reconciliation as people read it, and the shop's payments as the service exports them: a
 * reconciliation as a plain-text table (what `pasarela reconcile` prints) or its differences as CSV,
 * and the rows of `GET /api/payments.csv` read back as the engine's payments.
 */
import { CsvReader } from './csv.js';
import { ReportParseError } from './errors.js';
import type { LocalPayment, Reconciliation } from './match.js';

const REQUIRED = ['id', 'amount', 'currency', 'status', 'payment_intent_id'] as const;
const INTEGER = /^-?\d{1,15}$/;

/**
 * The payments of a `GET /api/payments.csv` export (comma CSV, header row), as the engine reads
 * them. Throws a {@link ReportParseError} `payments_file_invalid` with the line and column at fault.
 *
 * @example
 * const payments = paymentsFromCsv(await (await fetch(`${url}/api/payments.csv`, { headers })).text());
 */
export function paymentsFromCsv(text: string): LocalPayment[] {
  const reader = new CsvReader({ separator: ',' });
  const records = [...reader.push(text), ...reader.end()];
  const [header, ...rows] = records;
  if (!header) throw new ReportParseError('payments_file_invalid', 'The payments file is empty.', 1);
  const index = new Map(header.fields.map((name, i) => [name.trim(), i]));
  for (const name of REQUIRED) {
    if (!index.has(name))
      throw new ReportParseError('payments_file_invalid', `The payments file has no ${name} column.`, 1);
  }
  const at = (fields: string[], name: string) => {
    const i = index.get(name);
    return i === undefined ? undefined : fields[i];
  };
  return rows.map((r) => {
    if (r.fields.length !== header.fields.length) {
      throw new ReportParseError(
        'payments_file_invalid',
        `A line has ${r.fields.length} fields, the header ${header.fields.length}.`,
        r.line,
      );
    }
    const amount = at(r.fields, 'amount') ?? '';
    if (!INTEGER.test(amount)) {
      throw new ReportParseError(
        'payments_file_invalid',
        'amount is not an integer in minor units.',
        r.line,
        (index.get('amount') ?? 0) + 1,
      );
    }
    const text = (name: string) => {
      const v = at(r.fields, name);
      return v === undefined || v === '' ? null : v;
    };
    return {
      id: text('id') ?? '',
      payment_intent_id: text('payment_intent_id'),
      amount: Number(amount),
      currency: text('currency') ?? '',
      status: text('status') ?? '',
      paid_after_cancel: text('paid_after_cancel') === 'true',
      refund_id: text('refund_id'),
      succeeded_at: text('succeeded_at'),
      ...(text('updated_at') ? { updated_at: text('updated_at')! } : {}),
      ...(text('order_id') ? { order_id: text('order_id')!.replace(/^'(?=[=+\-@\t\r])/, '') } : {}),
    };
  });
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && /^-?[\d.]+$/.test(c) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * A reconciliation as text: the summary, the payouts with gross, fees and net, and each difference.
 *
 * @example
 * process.stdout.write(formatReconciliation(result));
 */
export function formatReconciliation(result: Reconciliation): string {
  const out: string[] = [];
  out.push(
    `Reconciled ${result.lines} line(s), ${result.matched} matched to a payment, ${result.payouts.length} payout(s), as of ${result.as_of}.`,
  );
  if (result.duplicate_files.length > 0)
    out.push(`${result.duplicate_files.length} file(s) given twice were read once.`);
  if (result.payouts.length > 0) {
    out.push('', 'Payouts');
    out.push(
      table(
        ['payout', 'status', 'lines', 'gross', 'fees', 'net', 'paid'],
        result.payouts.map((p) => [
          p.id,
          p.status ?? '-',
          String(p.lines),
          String(p.gross),
          String(p.fees),
          String(p.net),
          p.amount === null ? '-' : String(p.amount),
        ]),
      ),
    );
  }
  out.push('');
  if (result.differences.length === 0) {
    out.push('No differences.');
  } else {
    const counts = new Map<string, number>();
    for (const d of result.differences) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
    out.push(
      `${result.differences.length} difference(s): ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    );
    out.push(
      table(
        ['kind', 'payment', 'object', 'expected', 'actual', 'where', 'message'],
        result.differences.map((d) => [
          d.kind,
          d.payment_id ?? '-',
          d.object_id ?? '-',
          d.expected === null ? '-' : String(d.expected),
          d.actual === null ? '-' : String(d.actual),
          d.source ? `${d.source.file ?? ''}${d.source.line !== null ? `:${d.source.line}` : ''}` : 'API',
          d.message,
        ]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}

const cell = (v: string | number | null): string => {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The differences as CSV (RFC 4180, comma), one per line. */
export function differencesCsv(result: Reconciliation): string {
  const header =
    'kind,payment_id,payment_intent_id,object_id,payout_id,currency,expected,actual,file,line,message';
  const rows = result.differences.map((d) =>
    [
      d.kind,
      d.payment_id,
      d.payment_intent_id,
      d.object_id,
      d.payout_id,
      d.currency,
      d.expected,
      d.actual,
      d.source?.file ?? null,
      d.source?.line ?? null,
      d.message,
    ]
      .map(cell)
      .join(','),
  );
  return `${[header, ...rows].join('\r\n')}\r\n`;
}
