/**
 * The demo shop that `pasarela dev` serves at `/`: one product, a cart total, the country's Fintoc
 * button. Paying creates a payment through the service API (as a shop's backend would, with the API
 * key) and sends the customer to the hosted checkout. The order page shows only what the shop learned
 * from the service's signed notifications (`POST /demo/notifications`), never what the browser saw.
 *
 * Orders live in memory: it is a demo, and restarting `pasarela dev` starts a new shop.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { BASE_CSP } from '../../plugins/external/helmet.js';
import { escapeHtml, fintocButton, formatAmount, type Country } from '../../../checkout/index.js';
import { isPaymentFlow, PAYMENT_FLOWS, type PaymentFlow } from '../../state.js';
import { NotificationSignatureError, verifyNotification } from './signature.js';

export { signNotification, verifyNotification, NotificationSignatureError } from './signature.js';

export interface DemoBackend {
  country: Country;
  shopName: string;
  /** FINTOC_FLOW: the flow the shop's switch starts on. */
  flow: PaymentFlow;
  /** Calls the service's `POST /api/payments` as the shop backend (bearer API key). */
  createPayment(body: {
    amount: number;
    currency: string;
    order_id: string;
    metadata: Record<string, string>;
    flow: PaymentFlow;
  }): Promise<{ statusCode: number; body: unknown }>;
  /** MERCHANT_WEBHOOK_SECRET; null when the service does not notify the shop. */
  webhookSecret: string | null;
  /** Epoch ms, the service's clock (the notification timestamps follow it). */
  now(): number;
}

export interface DemoOrder {
  id: string;
  quantity: number;
  amount: number;
  currency: string;
  created_at: string;
  /** How the customer paid (the shop's switch). */
  flow: PaymentFlow;
  checkout_url: string | null;
  payment_id: string | null;
  /** What the notifications said, last one wins: `payment.succeeded` → `paid`. */
  status: 'awaiting_payment' | 'paid' | 'payment_failed' | 'payment_expired' | 'payment_canceled';
  notifications: Array<{ id: string; type: string; payment_id: string | null; received_at: string }>;
}

/** The product on sale, priced in the country's currency (minor units). */
export function demoProduct(country: Country): {
  name: string;
  detail: string;
  price: number;
  currency: string;
} {
  return country === 'mx'
    ? { name: 'Café de Chiapas, 1 kg', detail: 'Grano entero, tostado medio.', price: 34900, currency: 'MXN' }
    : {
        name: 'Café de especialidad, 1 kg',
        detail: 'Grano entero, tostado medio.',
        price: 12990,
        currency: 'CLP',
      };
}

/** The shop's flow switch: what each choice means to a customer trying the demo. */
const FLOW_TEXT: Record<PaymentFlow, string> = {
  session: 'Checkout Session en el widget (API actual de Fintoc)',
  redirect: 'Página de pago de Fintoc (redirección)',
  intent: 'Payment intent en el widget (flujo 2023-11-15)',
};

const STATUS_TEXT: Record<DemoOrder['status'], string> = {
  awaiting_payment: 'Esperando el pago',
  paid: 'Pagada',
  payment_failed: 'Pago rechazado',
  payment_expired: 'Pago expirado',
  payment_canceled: 'Pago cancelado',
};

const NOTIFICATION_STATUS: Record<string, DemoOrder['status']> = {
  'payment.succeeded': 'paid',
  'payment.failed': 'payment_failed',
  'payment.expired': 'payment_expired',
  'payment.canceled': 'payment_canceled',
};

/** The shop's pages load this service's script and styles, and Fintoc's button images. */
const DEMO_CSP = {
  ...BASE_CSP,
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'https://assets.fintoc.com'],
};

function page(reply: FastifyReply, title: string, body: string, opts: { refresh?: boolean } = {}) {
  return reply
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      `<!doctype html><html lang="es"><head><meta charset="utf-8">` +
        `<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">` +
        (opts.refresh ? '<meta http-equiv="refresh" content="3">' : '') +
        `<title>${escapeHtml(title)}</title><link rel="stylesheet" href="/pay/assets/checkout.css">` +
        `<link rel="stylesheet" href="/demo/assets/shop.css"></head><body><main>${body}</main>` +
        // The checkout script swaps Fintoc's button image for its text when the image cannot load.
        `<script src="/pay/assets/checkout.js" defer></script></body></html>`,
    );
}

const SHOP_CSS = `
.demo-banner{margin:0 0 16px;padding:8px 12px;border-radius:8px;background:#eef2ff;color:#3730a3;font-size:13px}
.demo-product{display:flex;gap:16px;align-items:center;margin:0 0 16px}
.demo-product-art{flex:0 0 72px;height:72px;border-radius:12px;background:linear-gradient(135deg,#6b4226,#c08552)}
.demo-product h2{margin:0;font-size:17px}
.demo-product p{margin:2px 0 0;color:#697386;font-size:14px}
.demo-row{display:flex;justify-content:space-between;align-items:center;margin:0 0 12px;font-size:15px}
.demo-row select{font-size:16px;padding:6px 8px;border-radius:6px;border:1px solid #c1c9d2}
.demo-flow{border:1px solid #e3e6ee;border-radius:8px;margin:0 0 12px;padding:8px 12px}
.demo-flow legend{font-size:13px;color:#5b6576;padding:0 4px}
.demo-flow .demo-row{justify-content:flex-start;gap:8px;margin:4px 0;font-size:14px}
.demo-total{font-size:20px;font-weight:700;border-top:1px solid #eef0f5;padding-top:12px}
.demo-table{width:100%;border-collapse:collapse;font-size:13px;margin:8px 0 16px;table-layout:fixed}
.demo-table td,.demo-table th{text-align:left;padding:6px 4px;border-bottom:1px solid #eef0f5;vertical-align:top;overflow-wrap:anywhere}
.demo-table th:first-child{width:64px}
.demo-table code{word-break:break-all}
.demo-order-status{font-size:22px;font-weight:700;margin:4px 0 16px}
.demo-order-status[data-status=paid]{color:#0b6b3a}
.demo-order-status[data-status=payment_failed],.demo-order-status[data-status=payment_canceled],.demo-order-status[data-status=payment_expired]{color:#a4161a}
.demo-error{color:#a4161a}
`;

function orderId(): string {
  return `demo-${randomBytes(6).toString('hex')}`;
}

/**
 * Registers the demo shop. Only `pasarela dev` mounts it.
 *
 * @example
 * await app.register(demoRoutes); // reads app.demo
 */
export default async function demoRoutes(app: FastifyInstance): Promise<void> {
  const backend = app.demo;
  const orders = new Map<string, DemoOrder>();
  const product = demoProduct(backend.country);
  const button = fintocButton(backend.country);

  // helmet's headers, with the shop pages' policy (the root hook set the base one first).
  app.addHook('onRequest', async (_request, reply) => {
    await reply.helmet({ contentSecurityPolicy: { useDefaults: false, directives: DEMO_CSP } });
  });
  // Forms post urlencoded (@fastify/formbody); notifications are verified on their raw body, so JSON stays a string here.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.get('/demo/assets/shop.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(SHOP_CSS),
  );

  const flowSwitch = () =>
    `<fieldset class="demo-flow" data-testid="demo-flow"><legend>Cómo pagar (FINTOC_FLOW)</legend>` +
    PAYMENT_FLOWS.map(
      (f) =>
        `<label class="demo-row"><input type="radio" name="flow" value="${f}" data-testid="demo-flow-${f}"` +
        `${f === backend.flow ? ' checked' : ''}><span>${escapeHtml(FLOW_TEXT[f])}</span></label>`,
    ).join('') +
    `</fieldset>`;

  const shopPage = (reply: FastifyReply, error?: string) => {
    const options = [1, 2, 3, 4, 5]
      .map(
        (n) =>
          `<option value="${n}">${n} · ${escapeHtml(formatAmount(product.price * n, product.currency))}</option>`,
      )
      .join('');
    return page(
      reply,
      backend.shopName,
      `<div class="pasarela-card"><p class="demo-banner">Tienda de demostración · modo de prueba (sandbox)</p>` +
        `<header class="pasarela-header"><p class="pasarela-shop">${escapeHtml(backend.shopName)}</p><p class="pasarela-order">Carrito</p></header>` +
        `<div class="demo-product"><div class="demo-product-art" aria-hidden="true"></div><div>` +
        `<h2 data-testid="demo-product">${escapeHtml(product.name)}</h2><p>${escapeHtml(product.detail)}</p>` +
        `<p>${escapeHtml(formatAmount(product.price, product.currency))} c/u</p></div></div>` +
        (error ? `<p class="pasarela-notice demo-error" role="alert">${escapeHtml(error)}</p>` : '') +
        `<form method="post" action="/demo/checkout">` +
        `<label class="demo-row">Cantidad <select name="quantity" data-testid="demo-quantity">${options}</select></label>` +
        flowSwitch() +
        `<p class="demo-row demo-total"><span>Total</span><span data-testid="demo-total">${escapeHtml(formatAmount(product.price, product.currency))}</span></p>` +
        `<button type="submit" class="fintoc-button" data-testid="demo-pay" aria-label="${escapeHtml(button.label)}">` +
        `<img class="fintoc-button-image" src="${escapeHtml(button.imageUrl)}" alt="${escapeHtml(button.label)}">` +
        `<span class="fintoc-button-text">${escapeHtml(button.label)}</span></button></form>` +
        `<a class="pasarela-link" href="/dashboard">Ver el panel de pagos</a></div>`,
    );
  };

  app.get('/', async (_request, reply) => shopPage(reply));

  app.post<{ Body: { quantity?: string; flow?: string } }>('/demo/checkout', async (request, reply) => {
    const quantity = Number(request.body?.quantity ?? '1');
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 5)
      return shopPage(reply.code(400), 'Elige entre 1 y 5.');
    const flow = request.body?.flow ?? backend.flow;
    if (!isPaymentFlow(flow)) return shopPage(reply.code(400), 'Elige cómo pagar.');
    const id = orderId();
    const order: DemoOrder = {
      id,
      quantity,
      amount: product.price * quantity,
      currency: product.currency,
      created_at: new Date(backend.now()).toISOString(),
      flow,
      checkout_url: null,
      payment_id: null,
      status: 'awaiting_payment',
      notifications: [],
    };
    const created = await backend.createPayment({
      amount: order.amount,
      currency: order.currency,
      order_id: id,
      metadata: { return_url: `/demo/orders/${id}`, product: product.name, quantity: String(quantity) },
      flow,
    });
    const payment = created.body as { id?: string; checkout_url?: string; error?: { message?: string } };
    if (created.statusCode >= 300 || !payment.checkout_url || !payment.id) {
      request.log.warn(
        { statusCode: created.statusCode, body: created.body },
        'demo shop: payment not created',
      );
      return shopPage(
        reply.code(502),
        `No se pudo crear el pago: ${payment.error?.message ?? created.statusCode}`,
      );
    }
    order.checkout_url = payment.checkout_url;
    order.payment_id = payment.id;
    orders.set(id, order);
    return reply.redirect(new URL(payment.checkout_url).pathname, 303);
  });

  app.get<{ Params: { id: string } }>('/demo/orders/:id', async (request, reply) => {
    const order = orders.get(request.params.id);
    if (!order)
      return page(
        reply.code(404),
        'Orden no encontrada',
        '<div class="pasarela-card"><h1>Orden no encontrada</h1></div>',
      );
    const rows = order.notifications
      .map(
        (n) =>
          `<tr><td>${escapeHtml(n.received_at.slice(11, 19))}</td><td>${escapeHtml(n.type)}</td><td><code>${escapeHtml(n.id)}</code></td></tr>`,
      )
      .join('');
    const open = order.status === 'awaiting_payment';
    return page(
      reply,
      `Orden ${order.id}`,
      `<div class="pasarela-card"><p class="demo-banner">Tienda de demostración · lo que la tienda sabe por las notificaciones firmadas</p>` +
        `<header class="pasarela-header"><p class="pasarela-shop">${escapeHtml(backend.shopName)}</p><p class="pasarela-order">Orden ${escapeHtml(order.id)}</p></header>` +
        `<p class="pasarela-amount-label">${order.quantity} × ${escapeHtml(product.name)}</p>` +
        `<p class="pasarela-amount">${escapeHtml(formatAmount(order.amount, order.currency))}</p>` +
        `<p class="pasarela-hint" data-testid="order-flow" data-flow="${order.flow}">Pago: ${escapeHtml(FLOW_TEXT[order.flow])}</p>` +
        `<p class="pasarela-amount-label">Estado de la orden</p>` +
        `<p class="demo-order-status" data-testid="order-status" data-status="${order.status}">${escapeHtml(STATUS_TEXT[order.status])}</p>` +
        (order.notifications.length > 0
          ? `<table class="demo-table" data-testid="order-notifications"><thead><tr><th>Hora</th><th>Notificación</th><th>webhook-id</th></tr></thead><tbody>${rows}</tbody></table>`
          : `<p class="pasarela-hint">Aún no llega ninguna notificación del servicio de pagos.</p>`) +
        (open && order.checkout_url
          ? `<a class="pasarela-link" data-testid="order-checkout" href="${escapeHtml(new URL(order.checkout_url).pathname)}">Ir al pago</a>`
          : '') +
        `<a class="pasarela-link" href="/">Volver a la tienda</a></div>`,
      { refresh: open },
    );
  });

  app.get<{ Params: { id: string } }>('/demo/api/orders/:id', async (request, reply) => {
    const order = orders.get(request.params.id);
    if (!order)
      return reply.code(404).send({ error: { code: 'order_not_found', message: 'No such demo order.' } });
    return reply.header('cache-control', 'no-store').send(order);
  });

  app.post('/demo/notifications', async (request, reply) => {
    const raw = typeof request.body === 'string' ? request.body : '';
    if (!backend.webhookSecret) {
      return reply
        .code(503)
        .send({ error: { code: 'not_configured', message: 'MERCHANT_WEBHOOK_SECRET is not set.' } });
    }
    let id: string;
    try {
      ({ id } = verifyNotification(backend.webhookSecret, request.headers, raw, backend.now()));
    } catch (error) {
      if (!(error instanceof NotificationSignatureError)) throw error;
      request.log.warn({ code: error.code }, 'demo shop: notification rejected');
      return reply.code(400).send({ error: { code: error.code, message: error.message } });
    }
    let body: { type?: unknown; data?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return reply
        .code(400)
        .send({ error: { code: 'invalid_payload', message: 'The signed body is not JSON.' } });
    }
    const type = typeof body.type === 'string' ? body.type : 'unknown';
    const data = (body.data ?? {}) as { payment?: Record<string, unknown> } & Record<string, unknown>;
    const payment = (data.payment ?? data) as { id?: unknown; order_id?: unknown };
    const order = typeof payment.order_id === 'string' ? orders.get(payment.order_id) : undefined;
    // Acknowledge what is not ours (another shop's order, an unknown type): the sender must not retry it.
    if (!order) return reply.code(200).send({ received: true, applied: false });
    if (order.notifications.some((n) => n.id === id))
      return reply.code(200).send({ received: true, duplicate: true });
    order.notifications.push({
      id,
      type,
      payment_id: typeof payment.id === 'string' ? payment.id : null,
      received_at: new Date(backend.now()).toISOString(),
    });
    const next = NOTIFICATION_STATUS[type];
    // A paid order stays paid: money moved is the truth, whatever arrives after.
    if (next && order.status !== 'paid') order.status = next;
    return reply.code(200).send({ received: true, applied: true });
  });
}
