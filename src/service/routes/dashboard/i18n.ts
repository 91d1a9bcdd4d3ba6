/**
 * The dashboard's two languages: Spanish (the shop's staff in Chile and Mexico) and English. A page
 * reads its words from {@link dashboardText}; the language comes from the `pasarela_lang` cookie (set
 * by the switch, remembered per browser), else from the browser's `Accept-Language`, else Spanish.
 * Both tables have the same keys (the type says so), so no page is half translated.
 */
import type { FastifyRequest } from 'fastify';

export const DASHBOARD_LANGS = ['es', 'en'] as const;
export type DashboardLang = (typeof DASHBOARD_LANGS)[number];

/** The cookie that remembers the switch, per browser (a preference, not a secret). */
export const LANG_COOKIE = 'pasarela_lang';

const es = {
  lang_name: 'Español',
  switch_to: 'English',
  nav_payments: 'Pagos',
  nav_golive: 'Salir a producción',
  nav_reconciliation: 'Conciliación',
  download_csv: 'Descargar CSV',
  sign_out: 'Cerrar sesión',
  sign_in_title: 'Iniciar sesión',
  sign_in_heading: 'Panel de Pasarela',
  sign_in_label: 'Contraseña del panel o PASARELA_API_KEY',
  sign_in_button: 'Entrar',
  sign_in_locked: 'Demasiados intentos; espera diez minutos.',
  sign_in_wrong: 'No es la contraseña del panel ni la clave de la API.',
  forbidden: 'Formulario de otro sitio rechazado',
  not_found: 'No existe el pago',
  payments_title: 'Pagos',
  payments_empty: 'Ningún pago coincide.',
  col_payment: 'Pago',
  col_order: 'Orden',
  col_amount: 'Monto',
  col_status: 'Estado',
  col_reason: 'Motivo',
  col_created: 'Creado (UTC)',
  col_updated: 'Actualizado',
  paid_after_cancel: 'pagado tras cancelar',
  count_payments: 'pagos',
  late_alert:
    '{n} pago(s) se pagaron después de ser cancelados o de expirar: reembólsalos o entrégalos (LATE_PAYMENT_POLICY).',
  notifications_disabled:
    'Las notificaciones a la tienda están <b>desactivadas</b>: {detail}. Esperan sin entregarse; arregla el endpoint (o configura otro MERCHANT_WEBHOOK_URL) y actívalas de nuevo.',
  notifications_enable: 'Activar las notificaciones de nuevo',
  chart_title: 'Últimos {days} días por estado',
  filter_status: 'Estado',
  filter_any_status: 'cualquier estado',
  filter_order: 'Orden',
  filter_from: 'Desde (UTC)',
  filter_to: 'Hasta (UTC)',
  filter_apply: 'Filtrar',
  filter_clear: 'limpiar',
  page_newer: '← Más recientes',
  page_older: 'Más antiguos →',
  page_first: 'Primera página',
  deadlines_title: 'Plazos abiertos y trabajos programados',
  deadlines_empty: 'No hay plazos abiertos.',
  col_job: 'Trabajo',
  col_for: 'Para',
  col_runs_at: 'Se ejecuta',
  col_tries: 'Intentos',
  col_last_error: 'Último error',
  due: 'vencido',
  in_seconds: 'en {s} s',
  inbox_title: 'Bandeja de webhooks',
  inbox_empty: 'No se han recibido eventos de webhook.',
  col_event_id: 'Id del evento',
  col_type: 'Tipo',
  col_intent: 'Intent',
  col_flow: 'Flujo',
  flow_session: 'Checkout Session (widget)',
  flow_redirect: 'Checkout Session (página de Fintoc)',
  flow_intent: 'Payment intent (widget)',
  fact_session: 'Checkout Session',
  col_received: 'Recibido',
  col_state: 'Estado',
  col_outcome: 'Resultado',
  col_applied: 'Aplicado',
  col_why: 'Por qué',
  inbox_applied: 'aplicado',
  inbox_not_applied: 'no aplicado',
  inbox_waiting: 'en espera',
  intake_received: 'entregas recibidas',
  intake_stored: 'guardadas',
  intake_duplicates: 'duplicadas',
  intake_rejected: 'rechazadas',
  intake_note:
    'Desde que arrancó esta instancia. Las entregas rechazadas (firma inválida, hora vencida) se responden con un 4xx y nunca se guardan.',
  back_to_payments: '← Pagos',
  payment_heading: 'Pago',
  fact_order: 'Orden',
  fact_amount: 'Monto',
  fact_status: 'Estado',
  fact_failure: 'Motivo del fallo',
  fact_metadata: 'Metadatos',
  fact_intent: 'Payment intent',
  fact_created: 'Creado',
  fact_deadline: 'Plazo',
  fact_updated: 'Actualizado',
  unknown: 'desconocido',
  timeline_title: 'Historial',
  timeline_empty: 'Sin entradas.',
  col_at: 'Hora (UTC)',
  col_kind: 'Tipo',
  col_cause: 'Causa',
  col_cause_id: 'Id de la causa (entrega / evento / trabajo)',
  col_detail: 'Detalle',
  intent_events_title: 'Eventos de webhook de su intent',
  notifications_title: 'Notificaciones a la tienda',
  notifications_empty: 'Sin notificaciones a la tienda.',
  col_created_short: 'Creada',
  col_delivered: 'Entregada',
  col_last_answer: 'Última respuesta',
  jobs_title: 'Trabajos programados',
  status_pending: 'pendiente',
  status_processing: 'procesando',
  status_succeeded: 'pagado',
  status_failed: 'fallido',
  status_expired: 'expirado',
  status_canceled: 'cancelado',
};

export type DashboardTextKey = keyof typeof es;
export type DashboardText = Record<DashboardTextKey, string>;

const en: DashboardText = {
  lang_name: 'English',
  switch_to: 'Español',
  nav_payments: 'Payments',
  nav_golive: 'Go live',
  nav_reconciliation: 'Reconciliation',
  download_csv: 'Download CSV',
  sign_out: 'Sign out',
  sign_in_title: 'Sign in',
  sign_in_heading: 'Pasarela dashboard',
  sign_in_label: 'Dashboard password or PASARELA_API_KEY',
  sign_in_button: 'Sign in',
  sign_in_locked: 'Too many attempts; wait ten minutes.',
  sign_in_wrong: 'That is not the dashboard password or the API key.',
  forbidden: 'Cross-site form refused',
  not_found: 'No such payment',
  payments_title: 'Payments',
  payments_empty: 'No payments match.',
  col_payment: 'Payment',
  col_order: 'Order',
  col_amount: 'Amount',
  col_status: 'Status',
  col_reason: 'Reason',
  col_created: 'Created (UTC)',
  col_updated: 'Updated',
  paid_after_cancel: 'paid after cancel',
  count_payments: 'payments',
  late_alert:
    '{n} payment(s) succeeded after being canceled or expired: refund or fulfil them (LATE_PAYMENT_POLICY).',
  notifications_disabled:
    'Notifications to the shop are <b>disabled</b>: {detail}. They wait, undelivered; fix the endpoint (or set another MERCHANT_WEBHOOK_URL), then enable it again.',
  notifications_enable: 'Enable notifications again',
  chart_title: 'Last {days} days by status',
  filter_status: 'Status',
  filter_any_status: 'any status',
  filter_order: 'Order',
  filter_from: 'From (UTC)',
  filter_to: 'To (UTC)',
  filter_apply: 'Filter',
  filter_clear: 'clear',
  page_newer: '← Newer',
  page_older: 'Older →',
  page_first: 'First page',
  deadlines_title: 'Open deadlines and scheduled jobs',
  deadlines_empty: 'No open deadlines.',
  col_job: 'Job',
  col_for: 'For',
  col_runs_at: 'Runs at',
  col_tries: 'Tries',
  col_last_error: 'Last error',
  due: 'due',
  in_seconds: 'in {s} s',
  inbox_title: 'Webhook inbox',
  inbox_empty: 'No webhook events received.',
  col_event_id: 'Event id',
  col_type: 'Type',
  col_intent: 'Intent',
  col_flow: 'Flow',
  flow_session: 'Checkout Session (widget)',
  flow_redirect: 'Checkout Session (Fintoc page)',
  flow_intent: 'Payment intent (widget)',
  fact_session: 'Checkout Session',
  col_received: 'Received',
  col_state: 'State',
  col_outcome: 'Outcome',
  col_applied: 'Applied',
  col_why: 'Why',
  inbox_applied: 'applied',
  inbox_not_applied: 'not applied',
  inbox_waiting: 'waiting',
  intake_received: 'deliveries received',
  intake_stored: 'stored',
  intake_duplicates: 'duplicates',
  intake_rejected: 'rejected',
  intake_note:
    'Since this instance started. Rejected deliveries (bad signature, stale timestamp) are refused with a 4xx and never stored.',
  back_to_payments: '← Payments',
  payment_heading: 'Payment',
  fact_order: 'Order',
  fact_amount: 'Amount',
  fact_status: 'Status',
  fact_failure: 'Failure reason',
  fact_metadata: 'Metadata',
  fact_intent: 'Payment intent',
  fact_created: 'Created',
  fact_deadline: 'Deadline',
  fact_updated: 'Updated',
  unknown: 'unknown',
  timeline_title: 'Timeline',
  timeline_empty: 'No entries.',
  col_at: 'At (UTC)',
  col_kind: 'Kind',
  col_cause: 'Cause',
  col_cause_id: 'Cause id (delivery / event / job)',
  col_detail: 'Detail',
  intent_events_title: 'Webhook events for its intent',
  notifications_title: 'Notifications to the shop',
  notifications_empty: 'No notifications to the shop.',
  col_created_short: 'Created',
  col_delivered: 'Delivered',
  col_last_answer: 'Last answer',
  jobs_title: 'Scheduled jobs',
  status_pending: 'pending',
  status_processing: 'processing',
  status_succeeded: 'succeeded',
  status_failed: 'failed',
  status_expired: 'expired',
  status_canceled: 'canceled',
};

const TEXT: Record<DashboardLang, DashboardText> = { es, en };

/** The words of one language; `{name}` placeholders are filled by {@link fill}. */
export function dashboardText(lang: DashboardLang): DashboardText {
  return TEXT[lang];
}

/**
 * A text with its `{name}` placeholders filled (values are inserted as given: escape them first
 * when they come from outside).
 *
 * @example
 * fill('in {s} s', { s: 5 }); // 'in 5 s'
 */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function isDashboardLang(value: unknown): value is DashboardLang {
  return typeof value === 'string' && (DASHBOARD_LANGS as readonly string[]).includes(value);
}

/**
 * The language an `Accept-Language` header prefers among Spanish and English (by q-value, then
 * order), or null when it names neither.
 *
 * @example
 * langFromAcceptLanguage('en-US,en;q=0.9,es;q=0.8'); // 'en'
 * langFromAcceptLanguage('es-CL'); // 'es'
 */
export function langFromAcceptLanguage(header: string | undefined): DashboardLang | null {
  if (!header) return null;
  let best: { lang: DashboardLang; q: number } | null = null;
  for (const part of header.slice(0, 500).split(',')) {
    const [tag = '', ...params] = part.trim().split(';');
    const base = tag.trim().toLowerCase().split('-')[0];
    if (!isDashboardLang(base)) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0 || q > 1) continue;
    if (!best || q > best.q) best = { lang: base, q };
  }
  return best?.lang ?? null;
}

/** The language of a request: the switch's cookie, else `Accept-Language`, else Spanish. */
export function requestLang(
  request: FastifyRequest,
  cookies: Record<string, string | undefined>,
): DashboardLang {
  const chosen = cookies[LANG_COOKIE];
  if (isDashboardLang(chosen)) return chosen;
  return langFromAcceptLanguage(request.headers['accept-language']) ?? 'es';
}

/** The cookie the switch sets: a year, the dashboard's path only, readable by no script. */
export function langCookie(lang: DashboardLang, secure: boolean): string {
  return `${LANG_COOKIE}=${lang}; Path=/dashboard; HttpOnly; SameSite=Lax; Max-Age=31536000${secure ? '; Secure' : ''}`;
}

/**
 * Where the switch sends the browser back to: a dashboard path of this site, else the dashboard
 * (never another site: the switch is a link anyone could craft).
 */
export function safeDashboardPath(back: unknown): string {
  if (typeof back !== 'string' || back.length > 2000) return '/dashboard';
  if (
    !/^\/dashboard(?:[/?#]|$)/.test(back) ||
    back.includes('\\') ||
    [...back].some((c) => c < ' ' || c === '\x7f')
  )
    return '/dashboard';
  if (back.startsWith('/dashboard/lang')) return '/dashboard';
  return back;
}
