/**
 * The dashboard (`/dashboard`): payments with filters, each payment's timeline (API calls, browser
 * events, webhook events with their ids, jobs), the webhook inbox, open deadlines, `paid_after_cancel`
 * raised, counts and a chart by status over time. Server-rendered HTML, no script; behind a sign-in.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml, formatAmount } from '../../../checkout/index.js';
import { BASE_CSP } from '../../plugins/external/helmet.js';
import { isPaymentStatus, PAYMENT_STATUSES } from '../../state.js';
import { fill, isDashboardLang, langCookie, safeDashboardPath, type DashboardText } from './i18n.js';
import { layout, pageContext, send, time, type PageContext } from './layout.js';
import { GO_LIVE_CSS, goLiveRoutes } from './go-live.js';
import { SESSION_COOKIE, issueSession, secretMatches, sessionCookie, validSession } from './auth.js';
import type {
  DashInboxEntry,
  DashJob,
  DashPayment,
  DashTimelineEntry,
  DashPaymentPage,
  PaymentFilter,
  WebhookIntake,
} from './backend.js';
import { STATUS_COLORS, daysBetween, statusChart } from './chart.js';
import { signInLockout, type LockoutLimits } from './lockout.js';
import { reconciliationPages } from './reconciliation.js';

import { dashboardDataFromDb } from './backend.js';
import { isStorableText } from '../../text.js';
import { ServiceError } from '../../errors.js';
import { singleQueryValues } from '../../http/validation.js';

export { dashboardDataFromDb };
export type { DashboardBackend, DashboardData, PaymentFilter, WebhookIntake } from './backend.js';
export { issueSession, validSession, SESSION_COOKIE } from './auth.js';
export { signInLockout, DEFAULT_LOCKOUT } from './lockout.js';
export type { SignInLockout } from './lockout.js';
export type { LockoutLimits } from './lockout.js';
export { layout, pageContext, send, time, type PageContext } from './layout.js';
export { dashboardText, fill, langFromAcceptLanguage, type DashboardLang } from './i18n.js';
export { redactSecrets, type GoLiveBackend, type GoLiveReport, type GoLiveRunner } from './go-live.js';

/** The pages load their stylesheet and inline images only (helmet's base policy widened for that). */
const PAGE_CSP = {
  contentSecurityPolicy: {
    directives: { ...BASE_CSP, styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'] },
  },
};
const STATUSES = PAYMENT_STATUSES;
const PAYMENT_ID = /^pay_[A-Za-z0-9]{16,64}$/;
const CHART_DAYS = 14;

/** A request a browser says comes from another site's page (Sec-Fetch-Site, else Origin against Host). */
function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true;
  }
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1f36;background:#f4f5f8;font-size:14px}
header.dash-top{display:flex;justify-content:space-between;align-items:center;gap:12px;flex-wrap:wrap;padding:12px 24px;background:#0a2540;color:#fff}
header.dash-top a{color:#fff;text-decoration:none}header.dash-top form{margin:0}
.dash-nav,.dash-tools{display:flex;gap:16px;align-items:center}.dash-nav a[aria-current=page],.dash-brand{font-weight:700}
.dash-nav a:not(.dash-brand){color:#c1c9d2}.dash-lang{color:#c1c9d2 !important;font-size:13px}
.dash-pager{display:flex;gap:16px;margin:12px 0 0}
header.dash-top button{background:transparent;color:#c1c9d2;border:1px solid #425466;border-radius:6px;padding:4px 10px;cursor:pointer}
main{max-width:1200px;margin:0 auto;padding:20px 24px}
h1{font-size:20px;margin:0 0 16px}h2{font-size:16px;margin:24px 0 8px}
.dash-cards{display:flex;flex-wrap:wrap;gap:12px;margin:0 0 16px}
.dash-card{background:#fff;border:1px solid #e3e6ee;border-radius:10px;padding:10px 14px;min-width:120px}
.dash-card b{display:block;font-size:22px}.dash-card span{color:#697386}
.dash-card.dash-alert{border-color:#c62828;background:#fdecec}
.dash-panel{background:#fff;border:1px solid #e3e6ee;border-radius:10px;padding:12px;overflow-x:auto}
.dash-chart{width:100%;max-width:760px;height:auto}
form.dash-filters{display:flex;flex-wrap:wrap;gap:8px;align-items:end;margin:0 0 12px}
form.dash-filters label{display:flex;flex-direction:column;font-size:12px;color:#697386;gap:2px}
input,select,button{font:inherit;padding:5px 8px;border:1px solid #c1c9d2;border-radius:6px;background:#fff}
button.primary{background:#0a2540;color:#fff;border-color:#0a2540;cursor:pointer}
table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eef0f5;vertical-align:top;white-space:nowrap}
td.wrap{white-space:normal;word-break:break-word}th{color:#697386;font-weight:600;font-size:12px}
code{font-size:12px}a{color:#0a4bd8}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
tr.late td{background:#fff1f1}.late-flag{color:#c62828;font-weight:700}
.muted{color:#697386}.error{color:#c62828}
.kv{display:inline-block;margin:0 10px 2px 0;font-size:12px}.kv b{color:#697386;font-weight:600}
.login{max-width:360px;margin:80px auto;background:#fff;border:1px solid #e3e6ee;border-radius:12px;padding:24px}
.login input{width:100%;margin:8px 0 12px}.login button{width:100%}
dl.dash-facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}dl.dash-facts dt{color:#697386}dl.dash-facts dd{margin:0}
`;

/** A status's name in the page's language (the API's word stays in `data-status`). */
function statusName(t: DashboardText, status: string): string {
  return isPaymentStatus(status) ? t[`status_${status}`] : status;
}

function badge(t: DashboardText, status: string): string {
  return `<span class="badge" data-status="${escapeHtml(status)}">${escapeHtml(statusName(t, status))}</span>`;
}

function amount(p: { amount: number; currency: string }): string {
  try {
    return escapeHtml(formatAmount(p.amount, p.currency));
  } catch {
    return `${p.amount} ${escapeHtml(p.currency)}`;
  }
}

function loginPage(ctx: PageContext, error?: string): string {
  const { t } = ctx;
  return layout(
    ctx,
    t.sign_in_title,
    `<form class="login" method="post" action="/dashboard/login"><h1>${escapeHtml(t.sign_in_heading)}</h1>` +
      (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '') +
      `<label for="secret">${escapeHtml(t.sign_in_label)}</label>` +
      `<input id="secret" name="secret" type="password" autocomplete="current-password" required data-testid="dashboard-secret">` +
      `<button class="primary" type="submit" data-testid="dashboard-login">${escapeHtml(t.sign_in_button)}</button></form>`,
    false,
  );
}

/** Which flow a payment used (session, redirect or intent), in words and as data-flow for tools. */
function flowCell(t: DashboardText, p: Pick<DashPayment, 'flow'>, tag: 'td' | 'dd' = 'td'): string {
  return `<${tag} data-testid="payment-flow" data-flow="${escapeHtml(p.flow)}">${escapeHtml(t[`flow_${p.flow}`])}</${tag}>`;
}

function paymentsTable(t: DashboardText, payments: DashPayment[]): string {
  if (payments.length === 0)
    return `<p class="muted" data-testid="payments-empty">${escapeHtml(t.payments_empty)}</p>`;
  const rows = payments
    .map(
      (p) =>
        `<tr data-testid="payment-row" data-payment-id="${escapeHtml(p.id)}"${p.paid_after_cancel ? ' class="late"' : ''}>` +
        `<td><a href="/dashboard/payments/${escapeHtml(p.id)}"><code>${escapeHtml(p.id)}</code></a></td>` +
        `<td>${escapeHtml(p.order_id)}</td><td>${amount(p)}</td>${flowCell(t, p)}<td>${badge(t, p.status)}` +
        (p.paid_after_cancel
          ? ` <span class="late-flag" data-testid="paid-after-cancel">${escapeHtml(t.paid_after_cancel)}</span>`
          : '') +
        `</td><td class="wrap">${escapeHtml(p.failure_reason ?? '')}</td><td>${time(p.created_at)}</td><td>${time(p.updated_at)}</td></tr>`,
    )
    .join('');
  return `<table data-testid="payments-table"><thead><tr>${headers(t, ['col_payment', 'col_order', 'col_amount', 'col_flow', 'col_status', 'col_reason', 'col_created', 'col_updated'])}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Table headers in the page's language. */
function headers(t: DashboardText, keys: ReadonlyArray<keyof DashboardText | ''>): string {
  return keys.map((k) => `<th>${k ? escapeHtml(t[k]) : ''}</th>`).join('');
}

function inboxTable(t: DashboardText, entries: DashInboxEntry[]): string {
  if (entries.length === 0) return `<p class="muted">${escapeHtml(t.inbox_empty)}</p>`;
  const rows = entries
    .map((e) => {
      // Stored events are verified; applying them is later and may end in an outcome other than a change.
      const state = e.applied_at ? 'applied' : e.outcome ? 'not applied' : 'waiting';
      return (
        `<tr data-testid="inbox-row" data-state="${state}"><td><code>${escapeHtml(e.event_id)}</code></td><td>${escapeHtml(e.type)}</td>` +
        `<td><code>${escapeHtml(e.intent_id ?? '—')}</code></td><td>${time(e.received_at)}</td>` +
        `<td>${escapeHtml(t[state === 'applied' ? 'inbox_applied' : state === 'waiting' ? 'inbox_waiting' : 'inbox_not_applied'])}</td><td>${escapeHtml(e.outcome ?? '')}</td><td>${time(e.applied_at)}</td><td>${e.attempts}</td>` +
        `<td class="wrap${e.last_error ? ' error' : ''}">${escapeHtml(e.last_error ?? '')}</td></tr>`
      );
    })
    .join('');
  return `<table data-testid="inbox-table"><thead><tr>${headers(t, ['col_event_id', 'col_type', 'col_intent', 'col_received', 'col_state', 'col_outcome', 'col_applied', 'col_tries', 'col_why'])}</tr></thead><tbody>${rows}</tbody></table>`;
}

function intakeCards(t: DashboardText, intake: WebhookIntake | undefined): string {
  if (!intake) return '';
  const rejected = Object.entries(intake.rejected);
  const total = rejected.reduce((n, [, c]) => n + c, 0);
  const why = rejected.map(([code, n]) => `${escapeHtml(code)}: ${n}`).join(', ');
  return (
    `<div class="dash-cards" data-testid="webhook-intake">` +
    `<div class="dash-card"><b>${intake.received}</b><span>${escapeHtml(t.intake_received)}</span></div>` +
    `<div class="dash-card"><b>${intake.stored}</b><span>${escapeHtml(t.intake_stored)}</span></div>` +
    `<div class="dash-card"><b>${intake.duplicates}</b><span>${escapeHtml(t.intake_duplicates)}</span></div>` +
    `<div class="dash-card${total > 0 ? ' dash-alert' : ''}"><b data-testid="webhook-rejected">${total}</b><span>${escapeHtml(t.intake_rejected)}${why ? ` (${why})` : ''}</span></div>` +
    `</div><p class="muted">${escapeHtml(t.intake_note)}</p>`
  );
}

function jobsTable(t: DashboardText, jobs: DashJob[], now: number): string {
  if (jobs.length === 0)
    return `<p class="muted" data-testid="jobs-empty">${escapeHtml(t.deadlines_empty)}</p>`;
  const rows = jobs
    .map((j) => {
      const inMs = j.run_at.getTime() - now;
      const when = inMs <= 0 ? t.due : fill(t.in_seconds, { s: Math.ceil(inMs / 1000) });
      const ref = PAYMENT_ID.test(j.ref)
        ? `<a href="/dashboard/payments/${escapeHtml(j.ref)}"><code>${escapeHtml(j.ref)}</code></a>`
        : `<code>${escapeHtml(j.ref)}</code>`;
      return `<tr data-testid="job-row"><td>${escapeHtml(j.kind)}</td><td>${ref}</td><td>${time(j.run_at)}</td><td>${escapeHtml(when)}</td><td>${j.attempts}</td><td class="wrap error">${escapeHtml(j.last_error ?? '')}</td></tr>`;
    })
    .join('');
  return `<table data-testid="jobs-table"><thead><tr>${headers(t, ['col_job', 'col_for', 'col_runs_at', '', 'col_tries', 'col_last_error'])}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** A timeline entry's detail as `key: value` pairs (nested objects flattened); long values cut, whole in the tooltip. */
export function detailHtml(detail: Record<string, unknown>): string {
  const pairs: Array<[string, string]> = [];
  const walk = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(prefix && prefix !== 'data' ? `${prefix}.${k}` : k, v);
    } else if (typeof value === 'number' && /timestamp$/.test(prefix) && value > 1e12 && value < 1e14) {
      // The widget's metadata.timestamp is epoch milliseconds.
      pairs.push([prefix, new Date(value).toISOString().replace('T', ' ').slice(0, 23)]);
    } else if (value !== null && value !== undefined) {
      pairs.push([prefix, typeof value === 'string' ? value : JSON.stringify(value)]);
    }
  };
  walk('', detail);
  return pairs
    .map(([k, v]) => {
      const short = v.length > 48 ? `${v.slice(0, 45)}…` : v;
      return `<span class="kv"${short === v ? '' : ` title="${escapeHtml(v)}"`}><b>${escapeHtml(k)}</b> ${escapeHtml(short)}</span>`;
    })
    .join(' ');
}

function timelineTable(t: DashboardText, entries: DashTimelineEntry[]): string {
  if (entries.length === 0) return `<p class="muted">${escapeHtml(t.timeline_empty)}</p>`;
  const rows = entries
    .map((e) => {
      const change = e.to_status
        ? `${escapeHtml(e.from_status ? statusName(t, e.from_status) : '∅')} → ${badge(t, e.to_status)}`
        : '';
      const detail = e.detail ? detailHtml(e.detail) : '';
      return (
        `<tr data-testid="timeline-row" data-cause="${escapeHtml(e.cause)}" data-kind="${escapeHtml(e.kind)}">` +
        `<td>${time(e.at)}</td><td>${escapeHtml(e.kind)}</td><td>${escapeHtml(e.cause)}</td>` +
        `<td><code>${escapeHtml(e.cause_id ?? '')}</code></td><td>${change}</td><td class="wrap">${detail}</td></tr>`
      );
    })
    .join('');
  return `<table data-testid="timeline-table"><thead><tr>${headers(t, ['col_at', 'col_kind', 'col_cause', 'col_cause_id', 'col_status', 'col_detail'])}</tr></thead><tbody>${rows}</tbody></table>`;
}

interface Query {
  status?: string;
  order_id?: string;
  from?: string;
  to?: string;
  starting_after?: string;
  ending_before?: string;
}

/** Payments per page of the dashboard's list. */
export const DASHBOARD_PAGE_SIZE = 50;
const CURSOR = /^pay_[A-Za-z0-9]{1,96}$/;

/** Filters and the page from the query string; a malformed value is dropped, not an error. */
export function parseFilter(query: Query): PaymentFilter {
  const filter: PaymentFilter = { limit: DASHBOARD_PAGE_SIZE };
  if (query.starting_after && CURSOR.test(query.starting_after)) filter.startingAfter = query.starting_after;
  else if (query.ending_before && CURSOR.test(query.ending_before)) filter.endingBefore = query.ending_before;
  if (isPaymentStatus(query.status) || query.status === 'paid_after_cancel') filter.status = query.status;
  // PostgreSQL cannot hold NUL or a lone surrogate; such an order id matches nothing, so it is dropped.
  if (query.order_id && query.order_id.length <= 200 && isStorableText(query.order_id))
    filter.orderId = query.order_id;
  const day = (text: string | undefined) =>
    text && /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : null;
  const from = day(query.from);
  const to = day(query.to);
  if (from && !Number.isNaN(from.getTime())) filter.from = from;
  if (to && !Number.isNaN(to.getTime())) filter.to = new Date(to.getTime() + 86_400_000);
  return filter;
}

/** The filters on screen as the CSV download's query string. */
function csvQuery(query: Query): string {
  const q = new URLSearchParams();
  for (const key of ['status', 'order_id', 'from', 'to'] as const) if (query[key]) q.set(key, query[key]);
  const text = q.toString();
  return text ? escapeHtml(`?${text}`) : '';
}

function filtersForm(t: DashboardText, query: Query): string {
  const options = ['', ...STATUSES, 'paid_after_cancel']
    .map((v) => {
      const label =
        v === '' ? t.filter_any_status : v === 'paid_after_cancel' ? t.paid_after_cancel : statusName(t, v);
      return `<option value="${v}"${query.status === v ? ' selected' : ''}>${escapeHtml(label)}</option>`;
    })
    .join('');
  const value = (v: string | undefined) => escapeHtml(v ?? '');
  return (
    `<form class="dash-filters" method="get" action="/dashboard" data-testid="payment-filters">` +
    `<label>${escapeHtml(t.filter_status)}<select name="status" data-testid="filter-status">${options}</select></label>` +
    `<label>${escapeHtml(t.filter_order)}<input name="order_id" value="${value(query.order_id)}" data-testid="filter-order"></label>` +
    `<label>${escapeHtml(t.filter_from)}<input type="date" name="from" value="${value(query.from)}"></label>` +
    `<label>${escapeHtml(t.filter_to)}<input type="date" name="to" value="${value(query.to)}"></label>` +
    `<button class="primary" type="submit" data-testid="filter-apply">${escapeHtml(t.filter_apply)}</button> <a href="/dashboard">${escapeHtml(t.filter_clear)}</a>` +
    ` <a href="/dashboard/payments.csv${csvQuery(query)}" data-testid="payments-csv">${escapeHtml(t.download_csv)}</a></form>`
  );
}

/**
 * Links to the newer and older pages of the list, keeping the filters: the cursor is the first or
 * last payment shown, as in the API (`ending_before`, `starting_after`).
 */
function pager(t: DashboardText, query: Query, filter: PaymentFilter, page: DashPaymentPage): string {
  const first = page.payments[0];
  const last = page.payments[page.payments.length - 1];
  if (!first || !last) return '';
  const keep = new URLSearchParams();
  for (const name of ['status', 'order_id', 'from', 'to'] as const) {
    const v = query[name];
    if (v) keep.set(name, v);
  }
  const link = (cursor: 'starting_after' | 'ending_before', id: string, label: string, testid: string) => {
    const params = new URLSearchParams(keep);
    params.set(cursor, id);
    return `<a href="/dashboard?${escapeHtml(params.toString())}" data-testid="${testid}">${escapeHtml(label)}</a>`;
  };
  const backwards = filter.endingBefore !== undefined;
  // Newer payments exist when this page came after a cursor, or going back found more.
  const newer = backwards ? page.hasMore : filter.startingAfter !== undefined;
  const older = backwards ? true : page.hasMore;
  const parts = [
    newer ? link('ending_before', first.id, t.page_newer, 'page-newer') : '',
    older ? link('starting_after', last.id, t.page_older, 'page-older') : '',
  ].filter(Boolean);
  return parts.length ? `<p class="dash-pager" data-testid="pager">${parts.join(' ')}</p>` : '';
}

/**
 * The dashboard's routes. They read `app.dashboard` (the data, the clock, the intake counters),
 * `app.dashboardAuth` (the secrets that open it) and the rate-limit plugin's counters (the sign-in
 * lockout); cookies come from `@fastify/cookie`, the sign-in form from `@fastify/formbody`.
 *
 * @example
 * await app.register(dashboardRoutes);
 */
export default async function dashboardRoutes(
  app: FastifyInstance,
  options: { lockout?: LockoutLimits } = {},
): Promise<void> {
  const backend = app.dashboard;
  const { secrets, secureCookies } = app.dashboardAuth;
  const lockout = signInLockout(app, options.lockout);
  const ctxOf = (request: FastifyRequest) => pageContext(app, request);

  app.addHook('onRequest', singleQueryValues);

  // Forms are posted from the dashboard's own pages only: a cross-site form (sign-in or sign-out
  // forced on a member of staff) is refused, on top of the SameSite=Strict cookie.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || !crossSite(request)) return;
    const ctx = ctxOf(request);
    return send(reply, layout(ctx, ctx.t.forbidden, `<h1>${escapeHtml(ctx.t.forbidden)}</h1>`, false), 403);
  });

  const signedIn = (request: FastifyRequest): boolean => {
    const auth = request.headers.authorization;
    if (auth?.startsWith('Bearer ') && secretMatches(secrets, auth.slice(7))) return true;
    const cookies = app.parseCookie(request.headers.cookie ?? '');
    return validSession(secrets, cookies[SESSION_COOKIE], backend.now());
  };

  const guard = async (request: FastifyRequest, reply: FastifyReply) => {
    if (signedIn(request)) return;
    if (request.method === 'GET' && !request.headers.authorization)
      return reply.redirect('/dashboard/login', 303);
    throw new ServiceError('unauthorized', 'Sign in to the dashboard.');
  };
  const page = { helmet: PAGE_CSP };
  const guarded = { onRequest: guard, helmet: PAGE_CSP };
  reconciliationPages(app, guarded, parseFilter);

  app.get('/dashboard/assets/dashboard.css', async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(
        CSS +
          GO_LIVE_CSS +
          Object.entries(STATUS_COLORS)
            .map(([s, c]) => `.badge[data-status=${s}]{background:${c}}`)
            .join(''),
      ),
  );

  // The language switch: a link on every page (signed in or not) that remembers the choice in this
  // browser and comes back to the page it was on.
  app.get<{ Querystring: { to?: string; back?: string } }>('/dashboard/lang', async (request, reply) => {
    const { to, back } = request.query ?? {};
    const target = safeDashboardPath(back);
    if (!isDashboardLang(to)) return reply.redirect(target, 303);
    return reply.header('set-cookie', langCookie(to, secureCookies)).redirect(target, 303);
  });

  app.get('/dashboard/login', page, async (request, reply) => {
    if (signedIn(request)) return reply.redirect('/dashboard', 303);
    return send(reply, loginPage(ctxOf(request)));
  });

  app.post<{ Body: { secret?: string } }>('/dashboard/login', page, async (request, reply) => {
    const now = backend.now();
    const ctx = ctxOf(request);
    const wait = await lockout.locked(request);
    if (wait !== null) {
      request.log.warn({ address: request.ip }, 'dashboard sign-in locked');
      return send(
        reply.header('retry-after', String(Math.ceil(wait / 1000))),
        loginPage(ctx, ctx.t.sign_in_locked),
        429,
      );
    }
    const given = typeof request.body?.secret === 'string' ? request.body.secret : '';
    if (secrets.length === 0 || !secretMatches(secrets, given)) {
      await lockout.failed(request);
      return send(reply, loginPage(ctx, ctx.t.sign_in_wrong), 401);
    }
    return reply
      .header('set-cookie', sessionCookie(issueSession(secrets, now), secureCookies))
      .redirect('/dashboard', 303);
  });

  app.post('/dashboard/notifications/enable', guarded, async (request, reply) => {
    const queued = (await backend.notifications?.enable()) ?? 0;
    request.log.info({ queued }, 'shop notifications enabled again from the dashboard');
    return reply.redirect('/dashboard', 303);
  });

  app.post('/dashboard/logout', async (_request, reply) =>
    reply.header('set-cookie', sessionCookie('', secureCookies, 0)).redirect('/dashboard/login', 303),
  );

  app.get<{ Querystring: Query }>('/dashboard', guarded, async (request, reply) => {
    const ctx = ctxOf(request);
    const { t } = ctx;
    const query = request.query ?? {};
    const filter = parseFilter(query);
    const now = backend.now();
    const since = new Date(now - (CHART_DAYS - 1) * 86_400_000);
    const [list, counts, daily, inbox, jobs, endpoint] = await Promise.all([
      backend.data.listPayments(filter),
      backend.data.countsByStatus(),
      backend.data.dailyByStatus(
        new Date(Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate())),
      ),
      backend.data.inbox({ limit: 50 }),
      backend.data.jobs({ limit: 50 }),
      backend.notifications?.state() ?? null,
    ]);
    const total = STATUSES.reduce((n, s) => n + (counts[s] ?? 0), 0);
    const late = counts.paid_after_cancel ?? 0;
    const cards =
      `<div class="dash-card"><b data-testid="count-total">${total}</b><span>${escapeHtml(t.count_payments)}</span></div>` +
      STATUSES.map(
        (s) =>
          `<a class="dash-card" href="/dashboard?status=${s}"><b data-testid="count-${s}">${counts[s] ?? 0}</b><span>${escapeHtml(statusName(t, s))}</span></a>`,
      ).join('') +
      `<a class="dash-card${late > 0 ? ' dash-alert' : ''}" href="/dashboard?status=paid_after_cancel"><b data-testid="count-paid_after_cancel">${late}</b><span>${escapeHtml(t.paid_after_cancel)}</span></a>`;
    const lateAlert =
      late > 0
        ? `<p class="error" role="alert" data-testid="late-alert">${escapeHtml(fill(t.late_alert, { n: late }))}</p>`
        : '';
    const endpointAlert =
      endpoint?.state === 'disabled'
        ? `<div class="error" role="alert" data-testid="notifications-disabled"><p>` +
          fill(t.notifications_disabled, {
            detail: `${escapeHtml(endpoint.url ?? '')} ${escapeHtml(endpoint.reason ?? '')} (${escapeHtml(endpoint.disabled_at ?? '')})`,
          }) +
          `</p><form method="post" action="/dashboard/notifications/enable"><button class="primary" type="submit" data-testid="notifications-enable">${escapeHtml(t.notifications_enable)}</button></form></div>`
        : '';
    const body =
      `<h1>${escapeHtml(t.payments_title)}</h1>${lateAlert}${endpointAlert}<div class="dash-cards">${cards}</div>` +
      `<div class="dash-panel"><h2>${escapeHtml(fill(t.chart_title, { days: CHART_DAYS }))}</h2>${statusChart(daysBetween(since, new Date(now)), daily, { label: fill(t.chart_title, { days: CHART_DAYS }), status: (st) => statusName(t, st) })}</div>` +
      `<h2>${escapeHtml(t.payments_title)}</h2><div class="dash-panel">${filtersForm(t, query)}${paymentsTable(t, list.payments)}` +
      pager(t, query, filter, list) +
      `</div>` +
      `<h2>${escapeHtml(t.deadlines_title)}</h2><div class="dash-panel">${jobsTable(t, jobs, now)}</div>` +
      `<h2>${escapeHtml(t.inbox_title)}</h2>${intakeCards(t, backend.intake?.())}<div class="dash-panel">${inboxTable(t, inbox)}</div>`;
    return send(reply, layout(ctx, t.payments_title, body));
  });

  goLiveRoutes(app, { guarded, ctxOf, backend: backend.goLive });

  app.get<{ Params: { id: string } }>('/dashboard/payments/:id', guarded, async (request, reply) => {
    const ctx = ctxOf(request);
    const { t } = ctx;
    const { id } = request.params;
    const payment = PAYMENT_ID.test(id) ? await backend.data.getPayment(id) : null;
    if (!payment)
      return send(
        reply,
        layout(ctx, t.not_found, `<h1>${escapeHtml(t.not_found)} ${escapeHtml(id.slice(0, 80))}</h1>`),
        404,
      );
    const [timeline, notifications, jobs, inbox] = await Promise.all([
      backend.data.timeline(id),
      backend.data.notifications(id),
      backend.data.jobs({ limit: 20, ref: id }),
      backend.data.inbox({
        limit: 50,
        intentIds: [payment.payment_intent_id, payment.checkout_session_id].filter((x) => x !== null),
      }),
    ]);
    const notes =
      notifications.length === 0
        ? `<p class="muted">${escapeHtml(t.notifications_empty)}</p>`
        : `<table data-testid="notifications-table"><thead><tr><th>webhook-id</th>${headers(t, ['col_type', 'col_created_short', 'col_delivered', 'col_tries', 'col_last_answer'])}</tr></thead><tbody>${notifications
            .map(
              (n) =>
                `<tr><td><code>${escapeHtml(n.id)}</code></td><td>${escapeHtml(n.type)}</td><td>${time(n.created_at)}</td><td>${time(n.delivered_at)}</td><td>${n.attempts}</td><td class="wrap">${n.last_status ?? ''} ${escapeHtml(n.last_error ?? '')}</td></tr>`,
            )
            .join('')}</tbody></table>`;
    const body =
      `<p><a href="/dashboard">${escapeHtml(t.back_to_payments)}</a></p><h1>${escapeHtml(t.payment_heading)} <code data-testid="payment-id">${escapeHtml(payment.id)}</code> ${badge(t, payment.status)}` +
      (payment.paid_after_cancel
        ? ` <span class="late-flag" data-testid="paid-after-cancel">${escapeHtml(t.paid_after_cancel)}</span>`
        : '') +
      `</h1><div class="dash-panel"><dl class="dash-facts">` +
      `<dt>${escapeHtml(t.fact_order)}</dt><dd><a href="/dashboard?order_id=${encodeURIComponent(payment.order_id)}">${escapeHtml(payment.order_id)}</a></dd>` +
      `<dt>${escapeHtml(t.fact_amount)}</dt><dd>${amount(payment)}</dd>` +
      `<dt>${escapeHtml(t.fact_status)}</dt><dd data-testid="payment-status" data-status="${escapeHtml(payment.status)}">${escapeHtml(statusName(t, payment.status))} <code>${escapeHtml(payment.status)}</code></dd>` +
      `<dt>${escapeHtml(t.fact_failure)}</dt><dd>${escapeHtml(payment.failure_reason ?? '—')}</dd>` +
      `<dt>${escapeHtml(t.fact_metadata)}</dt><dd class="wrap" data-testid="payment-metadata">${detailHtml(payment.metadata ?? {}) || '—'}</dd>` +
      `<dt>${escapeHtml(t.col_flow)}</dt>${flowCell(t, payment, 'dd')}` +
      (payment.checkout_session_id
        ? `<dt>${escapeHtml(t.fact_session)}</dt><dd><code>${escapeHtml(payment.checkout_session_id)}</code></dd>`
        : '') +
      `<dt>${escapeHtml(t.fact_intent)}</dt><dd><code>${escapeHtml(payment.payment_intent_id ?? '—')}</code> (${escapeHtml(payment.intent_status ?? t.unknown)})</dd>` +
      `<dt>${escapeHtml(t.fact_created)}</dt><dd>${time(payment.created_at)}</dd><dt>${escapeHtml(t.fact_deadline)}</dt><dd>${time(payment.expires_at)}</dd>` +
      `<dt>${escapeHtml(t.fact_updated)}</dt><dd>${time(payment.updated_at)}</dd></dl></div>` +
      `<h2>${escapeHtml(t.timeline_title)}</h2><div class="dash-panel">${timelineTable(t, timeline)}</div>` +
      `<h2>${escapeHtml(t.intent_events_title)}</h2><div class="dash-panel">${inboxTable(t, inbox)}</div>` +
      `<h2>${escapeHtml(t.notifications_title)}</h2><div class="dash-panel">${notes}</div>` +
      `<h2>${escapeHtml(t.jobs_title)}</h2><div class="dash-panel">${jobsTable(t, jobs, backend.now())}</div>`;
    return send(reply, layout(ctx, `${t.payment_heading} ${payment.id}`, body));
  });
}
