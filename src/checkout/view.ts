/**
 * The checkout's markup as a pure function of its state: the server renders the first view with it
 * (so a customer without JavaScript, or one who comes back after the end, sees the truth at once) and
 * the browser module re-renders with it as the state moves. No inline script or style: the page's
 * CSP allows neither.
 */
import { FINAL_STATUSES, fintocButton, isFinal, statusCopy, type Country, type PaymentStatus } from './ux.js';

/** What `GET /pay/:id/session` answers: everything the page may know, and nothing secret. */
export interface CheckoutSession {
  payment: {
    id: string;
    order_id: string;
    amount: number;
    currency: string;
    /** The amount as the customer reads it, e.g. "$12.990 CLP". */
    amount_display: string;
    status: PaymentStatus;
    failure_reason: string | null;
    expires_at: string | null;
  };
  shop: { name: string; url: string | null };
  /**
   * The payment ended without money (the bank said no) and the customer may try again: the retry
   * button starts the order's next payment (`POST /pay/:id/attempts`), which the page moves to.
   */
  retryable?: boolean;
  country: Country;
  /** How to open Fintoc's widget; null once the payment can no longer be paid (or it is paid on Fintoc's page). */
  widget: WidgetConfig | null;
  /**
   * The redirect flow: Fintoc's hosted page for this payment, where the pay button sends the customer
   * (who comes back to the service's own return page). Null otherwise, and once it can no longer be paid.
   */
  redirect?: { url: string } | null;
}

/**
 * The options the page passes to `Fintoc.create`, besides the callbacks: a Checkout Session's
 * `sessionToken` (Fintoc's current embedded checkout), or a payment intent's `widgetToken` (its
 * 2023-11-15 flow), never both.
 */
export interface WidgetConfig {
  /** Script that defines `window.Fintoc` (FINTOC_WIDGET_URL). */
  url: string;
  publicKey: string;
  widgetToken?: string;
  sessionToken?: string;
  country: Country;
  product: 'payments';
  holderType: 'individual';
}

/** What `GET /pay/:id/status` answers. */
export interface CheckoutStatus {
  status: PaymentStatus;
  failure_reason: string | null;
  updated_at: string | null;
}

/**
 * Where the page is in its own flow. The money state always comes from the service: `confirming` is
 * only "the widget said it finished, we are waiting for the service to know".
 */
export type Phase = 'ready' | 'widget' | 'confirming' | 'exited' | 'final' | 'error';

export interface ViewState {
  session: CheckoutSession;
  phase: Phase;
  /** A short notice, e.g. why a retry could not start. */
  notice?: string | null;
}

/** The phase a session alone implies, before any widget callback. */
export function phaseOf(session: CheckoutSession, local: Phase = 'ready'): Phase {
  const { status } = session.payment;
  if (isFinal(status)) return 'final';
  if (status === 'processing') return 'confirming';
  if (!session.widget && !session.redirect && local !== 'confirming') return 'error';
  return local === 'final' ? 'ready' : local;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * The way back to the shop, on every page: a link when the shop's URL is known (the payment's
 * `metadata.return_url`, else PASARELA_SHOP_URL), else words, so no page is a dead end.
 */
function backLink(session: CheckoutSession, label = 'Volver a la tienda'): string {
  if (!session.shop.url) {
    return `<p class="pasarela-hint" data-testid="back-to-shop-hint">Puedes cerrar esta página y volver a ${escapeHtml(session.shop.name)}.</p>`;
  }
  return `<a class="pasarela-link" data-testid="back-to-shop" href="${escapeHtml(session.shop.url)}">${escapeHtml(label)}</a>`;
}

function fintocButtonHtml(
  country: Country,
  action: 'open' | 'retry',
  disabled: boolean,
  redirect: { url: string } | null = null,
): string {
  const button = fintocButton(country);
  const testid = action === 'open' ? 'fintoc-button' : 'retry-button';
  const inner =
    `<img class="fintoc-button-image" src="${escapeHtml(button.imageUrl)}" alt="${escapeHtml(button.label)}">` +
    `<span class="fintoc-button-text">${escapeHtml(button.label)}</span>`;
  if (redirect) {
    // The redirect flow: a plain link to Fintoc's page (it works without JavaScript too).
    return (
      `<a class="fintoc-button" href="${escapeHtml(redirect.url)}" data-testid="${testid}" data-flow="redirect"` +
      ` aria-label="${escapeHtml(button.label)}" rel="noreferrer">${inner}</a>`
    );
  }
  // The approved image, untouched; the label sits beside it for when the image cannot load.
  return (
    `<button type="button" class="fintoc-button" data-action="${action}" data-testid="${testid}"` +
    ` aria-label="${escapeHtml(button.label)}"${disabled ? ' disabled' : ''}>` +
    `<img class="fintoc-button-image" src="${escapeHtml(button.imageUrl)}" alt="${escapeHtml(button.label)}">` +
    `<span class="fintoc-button-text">${escapeHtml(button.label)}</span></button>`
  );
}

function summary(session: CheckoutSession, phase: Phase): string {
  const p = session.payment;
  // "Total a pagar" only while there is something to pay.
  const label =
    phase !== 'final' ? 'Total a pagar' : p.status === 'succeeded' ? 'Total pagado' : 'Monto de la orden';
  return (
    `<header class="pasarela-header"><p class="pasarela-shop" data-testid="checkout-shop">${escapeHtml(session.shop.name)}</p>` +
    `<p class="pasarela-order">Orden ${escapeHtml(p.order_id)}</p></header>` +
    `<p class="pasarela-amount-label" data-testid="checkout-amount-label">${label}</p>` +
    `<p class="pasarela-amount" data-testid="checkout-amount">${escapeHtml(p.amount_display)}</p>`
  );
}

function statusBlock(status: PaymentStatus, reason: string | null, extraClass = ''): string {
  const copy = statusCopy(status, reason);
  return (
    `<section class="pasarela-status pasarela-status-${status}${extraClass}" data-testid="checkout-status" data-status="${status}" role="status">` +
    `<h1>${escapeHtml(copy.title)}</h1><p data-testid="checkout-status-detail">${escapeHtml(copy.detail)}</p></section>`
  );
}

/**
 * The checkout's inner HTML for a state.
 *
 * @example
 * root.innerHTML = renderView({ session, phase: phaseOf(session) });
 */
export function renderView(state: ViewState): string {
  const { session } = state;
  const p = session.payment;
  const phase = phaseOf(session, state.phase);
  const notice = state.notice
    ? `<p class="pasarela-notice" role="alert">${escapeHtml(state.notice)}</p>`
    : '';
  let body: string;
  switch (phase) {
    case 'ready':
    case 'widget':
      body =
        (session.redirect
          ? `<p class="pasarela-hint">Paga con una transferencia directa desde tu banco, en la página segura de Fintoc; luego vuelves aquí.</p>`
          : `<p class="pasarela-hint">Paga con una transferencia directa desde tu banco, sin salir de esta página.</p>`) +
        notice +
        fintocButtonHtml(session.country, 'open', phase === 'widget', session.redirect ?? null) +
        backLink(session, 'Volver a la tienda');
      break;
    case 'confirming':
      body = statusBlock('processing', null, ' pasarela-confirming') + notice;
      break;
    case 'exited':
      body =
        `<section class="pasarela-status pasarela-status-exited" data-testid="checkout-status" data-status="exited" role="status">` +
        `<h1>No terminaste el pago</h1><p>Cerraste la ventana de tu banco antes de autorizar la transferencia. ` +
        `Puedes intentarlo de nuevo; no se hizo ningún cargo.</p></section>` +
        notice +
        fintocButtonHtml(session.country, 'retry', false, session.redirect ?? null) +
        backLink(session);
      break;
    case 'final':
      body =
        statusBlock(p.status, p.failure_reason) +
        notice +
        (session.retryable === true && p.status === 'failed'
          ? `<p class="pasarela-hint" data-testid="retry-hint">Puedes intentarlo de nuevo, con el mismo banco o con otro. No se hizo ningún cargo.</p>` +
            fintocButtonHtml(session.country, 'retry', false)
          : '') +
        backLink(session);
      break;
    case 'error':
      body =
        `<section class="pasarela-status pasarela-status-error" data-testid="checkout-status" data-status="error" role="alert">` +
        `<h1>No pudimos preparar el pago</h1><p>${escapeHtml(state.notice ?? 'Intenta de nuevo en unos minutos.')}</p></section>` +
        backLink(session);
      break;
  }
  return `<div class="pasarela-card" data-phase="${phase}">${summary(session, phase)}${body}</div>`;
}

export { FINAL_STATUSES };
