/**
 * The hosted payment page a checkout session's `redirect_url` opens (Fintoc's is
 * `https://pay.fintoc.com/payment?checkout_session=cs_…` for v1 and `https://checkout.fintoc.com/…`
 * for v2). Like Fintoc's, it runs the payment in the widget: the page opens the sandbox's simulated
 * widget with the session's token, so the bank flow, test credentials, scenarios and test clock are
 * the widget's own. When the widget reports success the customer is sent to `success_url`; when
 * they leave (or the payment fails and they close it), to `cancel_url`, each exactly as given.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { SandboxCore } from '../core.js';
import type { CheckoutRecord, Space } from '../records.js';
import { PAGE_CSP, PAGE_SCRIPT } from './script.js';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function money(amount: number, currency: string): string {
  const digits = currency === 'CLP' ? 0 : 2;
  try {
    return `${new Intl.NumberFormat(currency === 'MXN' ? 'es-MX' : 'es-CL', {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount / 10 ** digits)} ${currency}`;
  } catch {
    return `${amount} ${currency}`;
  }
}

function layout(title: string, status: string, body: string, tail = ''): string {
  return `<!doctype html>
<html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:30rem;margin:3rem auto;padding:0 1rem;color:#1a1a2e}
.amount{font-size:1.6rem;font-weight:700;margin:.2rem 0 1rem}.note{color:#666;font-size:.85rem}
a.button,button{display:inline-block;font:inherit;padding:.7rem 1.2rem;margin:.3rem .3rem 0 0;border-radius:6px;border:1px solid #3b2dd6;cursor:pointer;text-decoration:none}
.primary{background:#3b2dd6;color:#fff}.secondary{background:#fff;color:#3b2dd6}</style></head>
<body><main data-testid="hosted-page" data-status="${esc(status)}">${body}</main>${tail}</body></html>`;
}

/** JSON for a `<script type="application/json">`: nothing in it can close the tag. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

/** Where a session that can no longer be paid sends its customer back to. */
function returnUrl(record: CheckoutRecord): string | null {
  const intent = record.object.payment_resource.payment_intent;
  const paid = intent !== null && (intent.status === 'succeeded' || intent.status === 'pending');
  return record.object.status === 'finished' && paid ? record.object.success_url : record.object.cancel_url;
}

function statusPage(record: CheckoutRecord): string {
  const cs = record.object;
  const intent = cs.payment_resource.payment_intent;
  const title =
    cs.status === 'expired'
      ? 'Esta sesión de pago expiró'
      : intent?.status === 'succeeded'
        ? 'Este pago ya se realizó'
        : intent?.status === 'pending'
          ? 'Este pago está en proceso'
          : 'Este pago terminó sin completarse';
  const back = returnUrl(record);
  return layout(
    'Fintoc',
    cs.status,
    `<h1>${esc(title)}</h1><p class="amount">${esc(money(cs.amount, cs.currency))}</p>
<p class="note">Sesión ${esc(cs.id)} · estado <code data-testid="hosted-status">${esc(cs.status)}</code>${intent ? ` · pago <code data-testid="hosted-payment-status">${esc(intent.status)}</code>` : ''}</p>
${back ? `<a class="button secondary" data-testid="hosted-back" href="${esc(back)}">Volver a la tienda</a>` : ''}`,
  );
}

function payPage(space: Space, record: CheckoutRecord): string {
  const cs = record.object;
  const config = {
    publicKey: `pk_${space.mode}_${space.suffix}`,
    sessionToken: record.sessionToken,
    country: cs.currency === 'MXN' ? 'mx' : 'cl',
    successUrl: cs.success_url,
    cancelUrl: cs.cancel_url,
  };
  return layout(
    'Fintoc: paga con tu banco',
    cs.status,
    `<h1>Paga con tu banco</h1><p class="amount" data-testid="hosted-amount">${esc(money(cs.amount, cs.currency))}</p>
<p class="note">Fintoc sandbox (${cs.mode === 'live' ? 'live' : 'modo de prueba'}) · ${esc(cs.id)}</p>
<p><button type="button" class="primary" id="pay" data-testid="hosted-pay">Pagar con tu banco</button>
${cs.cancel_url ? `<a class="button secondary" data-testid="hosted-cancel" href="${esc(cs.cancel_url)}">Volver a la tienda</a>` : ''}</p>
<p class="note" data-testid="hosted-state" id="state"></p>`,
    `<script type="application/json" id="checkout-config">${jsonForScript(config)}</script>
<script src="/widget.js"></script><script src="/checkout/assets/page.js"></script>`,
  );
}

/**
 * Serves the hosted page at `/payment?checkout_session=cs_…` (v1 sessions' `redirect_url`) and
 * `/checkout/cs_…` (v2), and its script.
 *
 * @example
 * hostedPageRoutes(app, core); // GET /checkout/cs_… → the page, which opens the widget
 */
export function hostedPageRoutes(app: FastifyInstance, core: SandboxCore): void {
  const send = (reply: FastifyReply, status: number, html: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', PAGE_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(html);

  const show = (reply: FastifyReply, id: unknown) => {
    const found = typeof id === 'string' && id !== '' ? core.sessions.byId(id) : null;
    if (!found) {
      return send(
        reply,
        404,
        layout(
          'Fintoc',
          'not_found',
          `<h1>No encontramos esta sesión de pago</h1><p class="note">${esc(String(id ?? '').slice(0, 100))}</p>`,
        ),
      );
    }
    const { space, record } = found;
    const open = record.object.status === 'created' || record.object.status === 'in_progress';
    return send(reply, 200, open ? payPage(space, record) : statusPage(record));
  };

  app.get('/payment', async (request, reply) =>
    show(reply, (request.query as Record<string, unknown>).checkout_session),
  );
  app.get<{ Params: { id: string } }>('/checkout/:id', async (request, reply) =>
    show(reply, request.params.id),
  );
  app.get('/checkout/assets/page.js', async (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').header('cache-control', 'no-cache').send(PAGE_SCRIPT),
  );
}
