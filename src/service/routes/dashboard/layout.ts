/**
 * The frame every dashboard page shares: the document, the top bar (pages, the language switch,
 * sign-out) and the way a page is sent. Each page lives in its own file and renders its body with
 * the words of the request's language ({@link PageContext}).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../../../checkout/index.js';
import { dashboardText, requestLang, type DashboardLang, type DashboardText } from './i18n.js';

/** What a page needs to speak the visitor's language and link back to itself. */
export interface PageContext {
  lang: DashboardLang;
  t: DashboardText;
  /** The path and query of this page (the language switch comes back to it). */
  path: string;
}

/** The request's page context (language from the switch's cookie, else Accept-Language). */
export function pageContext(app: FastifyInstance, request: FastifyRequest): PageContext {
  const lang = requestLang(request, app.parseCookie(request.headers.cookie ?? ''));
  return { lang, t: dashboardText(lang), path: request.url };
}

/** Pages in the top bar, in order: [path, label key]. */
const NAV: Array<[string, 'nav_payments' | 'nav_golive' | 'nav_reconciliation']> = [
  ['/dashboard', 'nav_payments'],
  ['/dashboard/reconciliation', 'nav_reconciliation'],
  ['/dashboard/go-live', 'nav_golive'],
];

function langSwitch(ctx: PageContext): string {
  const to: DashboardLang = ctx.lang === 'es' ? 'en' : 'es';
  const href = `/dashboard/lang?to=${to}&back=${encodeURIComponent(ctx.path)}`;
  return `<a class="dash-lang" href="${escapeHtml(href)}" hreflang="${to}" lang="${to}" data-testid="lang-switch" data-lang="${ctx.lang}">${escapeHtml(ctx.t.switch_to)}</a>`;
}

/** A whole page: the document in the visitor's language around `body`. */
export function layout(ctx: PageContext, title: string, body: string, signedIn = true): string {
  const nav = NAV.map(
    ([href, key]) =>
      `<a href="${href}"${ctx.path.split('?')[0] === href ? ' aria-current="page"' : ''}>${escapeHtml(ctx.t[key])}</a>`,
  ).join('');
  return (
    `<!doctype html><html lang="${ctx.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex"><link rel="icon" href="data:,"><title>${escapeHtml(title)} · Pasarela</title>` +
    `<link rel="stylesheet" href="/dashboard/assets/dashboard.css"></head><body>` +
    `<header class="dash-top"><nav class="dash-nav"><a class="dash-brand" href="/dashboard">Pasarela</a>${signedIn ? nav : ''}</nav>` +
    `<div class="dash-tools">${langSwitch(ctx)}` +
    (signedIn
      ? `<form method="post" action="/dashboard/logout"><button type="submit">${escapeHtml(ctx.t.sign_out)}</button></form>`
      : '') +
    `</div></header><main>${body}</main></body></html>`
  );
}

/** A page; its security headers are helmet's (the route's `helmet` option widens the CSP). */
export function send(reply: FastifyReply, html: string, code = 200) {
  return reply
    .code(code)
    .header('cache-control', 'no-store')
    .header('vary', 'Accept-Language, Cookie')
    .type('text/html; charset=utf-8')
    .send(html);
}

/** A time as the dashboard shows it (UTC, to the second). */
export function time(d: Date | null): string {
  return d ? escapeHtml(d.toISOString().replace('T', ' ').slice(0, 19)) : '—';
}
