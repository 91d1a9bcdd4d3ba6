/**
 * The hosted checkout page (`GET /pay/:id`) as HTML, and the security headers that go with it.
 */
import { FINTOC_ASSETS_ORIGIN, isFinal } from './ux.js';
import { escapeHtml, phaseOf, renderView, type CheckoutSession } from './view.js';

/** Where the hosted page finds its own script and stylesheet. */
export const CHECKOUT_ASSETS_PATH = '/pay/assets';

export interface CheckoutPageOptions {
  session: CheckoutSession;
  /** Polling period the page uses (ms); the default suits people, tests may shorten it. */
  pollMs?: number;
}

const NOSCRIPT =
  '<noscript><p class="pasarela-notice">Activa JavaScript en tu navegador para pagar con tu banco.</p></noscript>';

/** `<script type="application/json">` content: inert, and unable to close its own tag. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/**
 * The whole hosted checkout page. An open payment gets the checkout script, which opens Fintoc's
 * widget; a payment that has ended gets its final state and no script at all.
 *
 * @example
 * reply.headers(checkoutHeaders(config.widgetUrl)).type('text/html').send(renderCheckoutPage({ session }));
 */
export function renderCheckoutPage(options: CheckoutPageOptions): string {
  const { session } = options;
  const ended = isFinal(session.payment.status);
  const title = `Pagar ${session.payment.amount_display} · ${session.shop.name}`;
  const view = renderView({ session, phase: phaseOf(session) });
  const scripts = ended
    ? ''
    : `<script type="application/json" id="pasarela-session">${jsonForScript(session)}</script>` +
      `<script src="${CHECKOUT_ASSETS_PATH}/checkout.js" defer></script>`;
  const poll = options.pollMs ? ` data-poll-ms="${Math.trunc(options.pollMs)}"` : '';
  return (
    `<!doctype html><html lang="es"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="robots" content="noindex"><link rel="icon" href="data:,">` +
    `<title>${escapeHtml(title)}</title>` +
    `<link rel="stylesheet" href="${CHECKOUT_ASSETS_PATH}/checkout.css"></head>` +
    `<body><main id="checkout"${ended ? '' : ` data-pasarela-checkout data-payment-id="${escapeHtml(session.payment.id)}" data-session-id="pasarela-session"${poll}`}>` +
    `${view}</main>${ended ? '' : NOSCRIPT}${scripts}</body></html>`
  );
}

/** Fintoc's production widget script draws its iframe from this host. */
const FINTOC_WIDGET_FRAME_ORIGIN = 'https://wizard.fintoc.com';

/**
 * The origins the widget needs: its script's own, plus Fintoc's iframe host when the script is Fintoc's.
 *
 * @example
 * widgetOrigins('https://js.fintoc.com/v1/'); // ['https://js.fintoc.com', 'https://wizard.fintoc.com']
 */
export function widgetOrigins(widgetUrl: string): string[] {
  const origin = new URL(widgetUrl).origin;
  return origin.endsWith('.fintoc.com') ? [origin, FINTOC_WIDGET_FRAME_ORIGIN] : [origin];
}

/**
 * The hosted page's Content-Security-Policy as directives (helmet's form): only this service and the
 * widget (plus Fintoc's button images), no framing, no base, forms to this service only.
 *
 * @example
 * checkoutCspDirectives('https://js.fintoc.com/v1/')['frame-src']; // ['https://js.fintoc.com', 'https://wizard.fintoc.com']
 */
export function checkoutCspDirectives(widgetUrl: string): Record<string, string[]> {
  const widget = widgetOrigins(widgetUrl);
  return {
    'default-src': ["'none'"],
    'script-src': ["'self'", ...widget],
    'style-src': ["'self'", ...widget],
    'img-src': ["'self'", 'data:', FINTOC_ASSETS_ORIGIN, ...widget],
    'font-src': ["'self'", ...widget],
    'connect-src': ["'self'", ...widget],
    'frame-src': widget,
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
}

/**
 * Headers for the hosted page: the CSP of {@link checkoutCspDirectives}, no framing, no referrer (the
 * URL names the payment), no caching.
 */
export function checkoutHeaders(widgetUrl: string): Record<string, string> {
  const csp = Object.entries(checkoutCspDirectives(widgetUrl))
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}
