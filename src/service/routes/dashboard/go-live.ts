/**
 * The dashboard's "Go live" page (`/dashboard/go-live`): Fintoc's go-live checklist with the state of
 * each item as `pasarela check` sees it (the same report, `pasarela.check/v1`, from the same
 * `runChecks()`), each verdict with its fix, what remains, in Spanish or English. The service does not
 * import the go-live tooling (it points the other way): whoever starts the service hands it a
 * {@link GoLiveRunner} (`pasarela serve` and `pasarela dev` do). Checks ask Fintoc and the service's
 * public URL, so they run when staff press the button, one run at a time; the page shows the last
 * report of this instance. No secret is shown: the report never holds one beyond its prefix, and the
 * page redacts the configured secrets and anything shaped like a key once more.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../../../checkout/index.js';
import type { DashboardLang } from './i18n.js';
import { layout, send, time, type PageContext } from './layout.js';

export type GoLiveStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** One item of `pasarela check`'s report, as the page reads it. */
export interface GoLiveItem {
  id: string;
  section: string;
  title: string;
  status: GoLiveStatus;
  summary: string;
  fix: string | null;
}

/** `pasarela check`'s report (`pasarela.check/v1`), as the page reads it. */
export interface GoLiveReport {
  schema: string;
  generated_at: string;
  mode: string | null;
  country: string;
  ok: boolean;
  counts: Record<GoLiveStatus, number>;
  items: GoLiveItem[];
}

/** Runs `pasarela check`'s checks with the service's configuration (given by who starts the service). */
export type GoLiveRunner = () => Promise<GoLiveReport>;

/** What the page needs: the runner, and the secrets never to show. */
export interface GoLiveBackend {
  run: GoLiveRunner;
  secrets: readonly string[];
}

const KEYISH = /\b((?:sk|pk)_(?:live|test)_)[A-Za-z0-9_-]+/g;
const WHSEC = /\bwhsec_[A-Za-z0-9+/=_-]+/g;

/**
 * Text with every configured secret and anything shaped like a key or webhook secret cut to its
 * prefix. The report never holds a secret; this is the page's own guarantee on top.
 *
 * @example
 * redactSecrets('key sk_live_abc123', []); // 'key sk_live_…'
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join('[REDACTED]');
  return out.replace(KEYISH, '$1…').replace(WHSEC, 'whsec_…');
}

/** The report with every text redacted ({@link redactSecrets}). */
export function redactReport(report: GoLiveReport, secrets: readonly string[]): GoLiveReport {
  const r = (t: string) => redactSecrets(t, secrets);
  return {
    ...report,
    items: report.items.map((i) => ({
      ...i,
      title: r(i.title),
      summary: r(i.summary),
      fix: i.fix === null ? null : r(i.fix),
    })),
  };
}

// ---- words

const SECTIONS: Record<DashboardLang, Record<string, string>> = {
  es: {
    keys: 'Claves de API de producción en tu backend',
    service: 'El servicio de pagos en producción',
    webhooks: 'Webhooks para el modo producción',
    nulls: 'Casos límite de webhooks: campos nulos',
    payout: 'Cuenta para los pagos (payout)',
    certification: 'Pruebas de certificación',
  },
  en: {
    keys: 'Live API keys in your backend',
    service: 'The payments service in production',
    webhooks: 'Webhooks for live mode',
    nulls: 'Webhook edge cases: null fields',
    payout: 'Payout account',
    certification: 'Certification tests',
  },
};

/** Each item's title, and in Spanish how to fix it (the report's own sentences are English). */
const ITEMS_ES: Record<string, { title: string; fix: string }> = {
  keys: {
    title: 'Par de claves de producción',
    fix: 'En el Dashboard de Fintoc cambia a modo Live, abre API Keys y configura FINTOC_SECRET_KEY=sk_live_… y FINTOC_PUBLIC_KEY=pk_live_… donde el servicio lee su configuración.',
  },
  'keys-fintoc': {
    title: 'Fintoc acepta la clave secreta',
    fix: 'Copia de nuevo la clave secreta desde el Dashboard de Fintoc, en el modo en que sales a producción, y revisa que este equipo llegue a la API.',
  },
  config: {
    title: 'La configuración del servicio',
    fix: 'Corrige cada variable que se nombra en el detalle, donde el servicio lee su configuración (entorno o .env).',
  },
  'public-url': {
    title: 'URL pública',
    fix: 'Configura PASARELA_PUBLIC_URL con la dirección https pública del servicio, en tu propio dominio (por ejemplo https://pagos.tienda.cl).',
  },
  'service-reachable': {
    title: 'Servicio accesible por https',
    fix: 'Publica el servicio (pasarela serve) detrás de TLS con un certificado válido, accesible desde internet, y revisa que /readyz responda.',
  },
  'service-mode': {
    title: 'El servicio corre en modo producción',
    fix: 'Despliega el servicio con las claves de producción (sk_live_…, pk_live_…) y reinícialo.',
  },
  'service-database': {
    title: 'Base de datos',
    fix: 'Para pagos reales configura DATABASE_URL con un PostgreSQL con respaldos, ejecuta pasarela migrate y reinicia el servicio.',
  },
  'payment-timeout': {
    title: 'Plazo de abandono',
    fix: 'Quita PAYMENT_TIMEOUT (el valor por defecto es 10m) o ponlo en 10m: Fintoc espera 10 minutos en Chile.',
  },
  'dashboard-password': {
    title: 'Contraseña del panel',
    fix: 'Configura PASARELA_DASHBOARD_PASSWORD con una contraseña aleatoria de al menos 12 caracteres para quienes usan el panel.',
  },
  'webhook-endpoint': {
    title: 'Endpoint de producción en el servicio',
    fix: 'Ejecuta pasarela webhooks setup con la clave de producción: crea (o habilita) el endpoint en la URL del servicio y muestra su secreto una vez.',
  },
  'webhook-events': {
    title: 'Eventos suscritos',
    fix: 'Ejecuta pasarela webhooks setup: agrega los eventos que faltan y mantiene los demás.',
  },
  'webhook-strays': {
    title: 'Ningún endpoint apunta a una URL de desarrollo o prueba',
    fix: 'Elimina o deshabilita esos endpoints en el Dashboard de Fintoc (modo Live, Webhooks): los datos de pagos reales no deben llegar a un equipo de desarrollo.',
  },
  'webhook-secret': {
    title: 'Secreto del webhook',
    fix: 'Configura FINTOC_WEBHOOK_SECRET con el secreto del endpoint (pasarela webhooks setup lo muestra; si se perdió, pasarela webhooks rotate) y reinicia el servicio.',
  },
  'null-fields': {
    title: 'Se aceptan campos nulos',
    fix: 'Reinstala Pasarela: los esquemas deben aceptar cada campo nulo documentado.',
  },
  'payout-account': {
    title: 'Datos de la cuenta para los pagos',
    fix: 'Ejecuta pasarela payout-account y envía payout-account.eml a tu Account Executive de Fintoc.',
  },
  'api-url': {
    title: 'URL de la API',
    fix: 'Quita FINTOC_API_URL: las solicitudes deben ir a https://api.fintoc.com (o a un proxy declarado con FINTOC_ALLOW_UNOFFICIAL_API_URL=1).',
  },
  certification: {
    title: 'Informe de certificación',
    fix: 'Ejecuta pasarela certify (contra el modo test de Fintoc o el sandbox) y deja su carpeta de informe donde corre el servicio.',
  },
};

const WORDS = {
  es: {
    title: 'Salir a producción',
    intro:
      'La lista de Fintoc para salir a producción, ítem por ítem, tal como la ve pasarela check: cada veredicto con cómo arreglarlo.',
    run: 'Revisar ahora',
    running:
      'Las revisiones consultan a Fintoc y a la URL pública del servicio; pueden tardar unos segundos.',
    never: 'Todavía no se ha revisado en esta instancia. Presiona «Revisar ahora».',
    last: 'Última revisión',
    keys_mode: 'claves',
    no_keys: 'sin claves válidas',
    country_cl: 'Chile',
    country_mx: 'México',
    ready: 'Listo para producción.',
    ready_warn: 'Listo para producción, después de leer las advertencias.',
    not_ready: 'Aún no: arregla cada ✗ y revisa de nuevo.',
    remains: 'Lo que falta',
    nothing_remains: 'No falta nada.',
    status: { pass: 'ok', fail: 'falla', warn: 'advertencia', skip: 'sin revisar' },
    fix: 'Cómo arreglarlo',
    detail: 'Detalle de pasarela check',
    counts: '{pass} ✓, {fail} ✗, {warn} !, {skip} sin revisar',
    error: 'No se pudo revisar: {why}',
    unavailable:
      'Este servicio se inició sin las revisiones de salida a producción (pasarela serve y pasarela dev las incluyen). Ejecuta pasarela check en el servidor.',
  },
  en: {
    title: 'Go live',
    intro:
      "Fintoc's go-live checklist, item by item, as pasarela check sees it: each verdict with how to fix it.",
    run: 'Check now',
    running: "The checks ask Fintoc and the service's public URL; they may take a few seconds.",
    never: 'Not checked yet on this instance. Press “Check now”.',
    last: 'Last check',
    keys_mode: 'keys',
    no_keys: 'no valid keys',
    country_cl: 'Chile',
    country_mx: 'Mexico',
    ready: 'Ready to go live.',
    ready_warn: 'Ready to go live, after reading the warnings.',
    not_ready: 'Not ready: fix each ✗ and check again.',
    remains: 'What remains',
    nothing_remains: 'Nothing remains.',
    status: { pass: 'pass', fail: 'fail', warn: 'warning', skip: 'not checked' },
    fix: 'Fix',
    detail: 'Detail from pasarela check',
    counts: '{pass} ✓, {fail} ✗, {warn} !, {skip} not checked',
    error: 'The checks could not run: {why}',
    unavailable:
      'This service was started without the go-live checks (pasarela serve and pasarela dev include them). Run pasarela check on the server.',
  },
} as const;

const SYMBOL: Record<GoLiveStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '–' };

export const GO_LIVE_CSS = `
.golive-summary{font-weight:600}.golive-summary.ok{color:#1a7f4b}.golive-summary.fail{color:#c62828}
.golive-item{display:grid;grid-template-columns:2em 1fr;gap:2px 8px;padding:8px 0;border-bottom:1px solid #eef0f5}
.golive-item:last-child{border-bottom:0}.golive-mark{font-weight:700;font-size:16px;text-align:center}
.golive-item[data-status=pass] .golive-mark{color:#1a7f4b}.golive-item[data-status=fail] .golive-mark{color:#c62828}
.golive-item[data-status=warn] .golive-mark{color:#d18b00}.golive-item[data-status=skip] .golive-mark{color:#8792a2}
.golive-item p{margin:2px 0}.golive-fix{color:#1a1f36}.golive-item details{color:#697386;font-size:12px}
form.golive-run{display:flex;gap:12px;align-items:center;margin:0 0 16px}
`;

function fillCounts(text: string, counts: Record<GoLiveStatus, number>): string {
  return text.replace(/\{(pass|fail|warn|skip)\}/g, (_w, k: GoLiveStatus) => String(counts[k] ?? 0));
}

/** One item in the page's language: its title, verdict, fix, and check's own sentences. */
function itemHtml(lang: DashboardLang, item: GoLiveItem): string {
  const w = WORDS[lang];
  const es = lang === 'es' ? ITEMS_ES[item.id] : undefined;
  const title = es?.title ?? item.title;
  const needsFix = item.status === 'fail' || item.status === 'warn';
  const fix = needsFix ? (es?.fix ?? item.fix) : null;
  const detail =
    lang === 'es'
      ? `<details><summary>${escapeHtml(w.detail)}</summary><p lang="en">${escapeHtml(item.summary)}</p>` +
        (needsFix && item.fix ? `<p lang="en">${escapeHtml(item.fix)}</p>` : '') +
        `</details>`
      : '';
  return (
    `<div class="golive-item" data-testid="golive-item" data-item="${escapeHtml(item.id)}" data-status="${item.status}">` +
    `<span class="golive-mark" title="${escapeHtml(w.status[item.status])}">${SYMBOL[item.status]}</span>` +
    `<div><p><b>${escapeHtml(title)}</b> <span class="muted">(${escapeHtml(w.status[item.status])})</span></p>` +
    (lang === 'en' ? `<p data-testid="golive-summary">${escapeHtml(item.summary)}</p>` : '') +
    (fix
      ? `<p class="golive-fix" data-testid="golive-fix"><b>${escapeHtml(w.fix)}:</b> ${escapeHtml(fix)}</p>`
      : '') +
    detail +
    `</div></div>`
  );
}

/** The page's body for a report (or none yet), in the page's language. */
export function goLiveBody(
  lang: DashboardLang,
  state: { report: GoLiveReport | null; error: string | null; available: boolean },
  sections: readonly string[] = Object.keys(SECTIONS.en),
): string {
  const w = WORDS[lang];
  const head =
    `<h1>${escapeHtml(w.title)}</h1><p>${escapeHtml(w.intro)}</p>` +
    (state.available
      ? `<form class="golive-run" method="post" action="/dashboard/go-live"><button class="primary" type="submit" data-testid="golive-run">${escapeHtml(w.run)}</button><span class="muted">${escapeHtml(w.running)}</span></form>`
      : `<p class="error" data-testid="golive-unavailable">${escapeHtml(w.unavailable)}</p>`);
  const error = state.error
    ? `<p class="error" role="alert" data-testid="golive-error">${escapeHtml(w.error.replace('{why}', state.error))}</p>`
    : '';
  const report = state.report;
  if (!report) {
    return (
      head +
      error +
      (state.available ? `<p class="muted" data-testid="golive-never">${escapeHtml(w.never)}</p>` : '')
    );
  }
  const c = report.counts;
  const verdict = report.ok ? (c.warn > 0 ? w.ready_warn : w.ready) : w.not_ready;
  const country = report.country === 'mx' ? w.country_mx : w.country_cl;
  const keys = report.mode ? `${w.keys_mode} ${report.mode}` : w.no_keys;
  const summary =
    `<div class="dash-panel"><p class="golive-summary ${report.ok ? 'ok' : 'fail'}" data-testid="golive-verdict" data-ok="${report.ok}">${escapeHtml(verdict)}</p>` +
    `<p class="muted">${escapeHtml(w.last)}: ${time(new Date(report.generated_at))} UTC · ${escapeHtml(keys)} · ${escapeHtml(country)} · ${escapeHtml(fillCounts(w.counts, c))}</p></div>`;
  const open = report.items.filter((i) => i.status === 'fail' || i.status === 'warn');
  const remains =
    `<h2>${escapeHtml(w.remains)}</h2><div class="dash-panel" data-testid="golive-remains">` +
    (open.length === 0
      ? `<p class="muted">${escapeHtml(w.nothing_remains)}</p>`
      : open.map((i) => itemHtml(lang, i)).join('')) +
    `</div>`;
  const known = new Set(sections);
  const order = [...sections, ...new Set(report.items.map((i) => i.section).filter((s) => !known.has(s)))];
  const all = order
    .map((section) => {
      const items = report.items.filter((i) => i.section === section);
      if (items.length === 0) return '';
      const name = SECTIONS[lang][section] ?? section;
      return `<h2>${escapeHtml(name)}</h2><div class="dash-panel" data-testid="golive-section" data-section="${escapeHtml(section)}">${items.map((i) => itemHtml(lang, i)).join('')}</div>`;
    })
    .join('');
  return head + error + summary + remains + all;
}

/**
 * The Go live routes: `GET /dashboard/go-live` (the last report of this instance) and
 * `POST /dashboard/go-live` (run the checks now, then back to the page).
 */
export function goLiveRoutes(
  app: FastifyInstance,
  opts: {
    guarded: object;
    ctxOf: (request: FastifyRequest) => PageContext;
    backend: GoLiveBackend | undefined;
  },
): void {
  const { backend } = opts;
  let last: GoLiveReport | null = null;
  let lastError: string | null = null;
  let running: Promise<void> | null = null;

  const run = async () => {
    if (!backend) return;
    try {
      last = redactReport(await backend.run(), backend.secrets);
      lastError = null;
    } catch (err) {
      lastError = redactSecrets(err instanceof Error ? err.message : String(err), backend.secrets).slice(
        0,
        300,
      );
    }
  };

  app.get('/dashboard/go-live', opts.guarded, async (request, reply: FastifyReply) => {
    const ctx = opts.ctxOf(request);
    const body = goLiveBody(ctx.lang, { report: last, error: lastError, available: backend !== undefined });
    return send(reply, layout(ctx, WORDS[ctx.lang].title, body));
  });

  app.post('/dashboard/go-live', opts.guarded, async (_request, reply) => {
    // One run at a time: a second press waits for the run already going.
    running ??= run().finally(() => {
      running = null;
    });
    await running;
    return reply.redirect('/dashboard/go-live', 303);
  });
}
