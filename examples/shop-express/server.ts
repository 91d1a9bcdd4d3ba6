// A shop that takes Fintoc bank payments by hand, with the official `fintoc` SDK and Express: no
// Pasarela service involved. It is the reference `pasarela certify --config` runs against, and it
// passes every certification scenario. Each BREAK switch breaks one rule, to prove certify notices.
//
// Run (against a sandbox):  npx tsx examples/shop-express/server.ts
//   FINTOC_SECRET_KEY=sk_test_… FINTOC_API_URL=http://127.0.0.1:4010 PORT=3100
// See examples/shop-express/README.md.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express, { type Express } from 'express';
import { Fintoc, WebhookSignature } from 'fintoc';

/** Each switch breaks one certification rule (see README.md). */
export const BREAKS = [
  'api-path', // asks Fintoc for an intent at /payment_intents/… instead of /v1/payment_intents/…
  'secret-in-browser', // the checkout page carries the secret key
  'widget-product', // opens the widget with product 'movements'
  'button-restyled', // shadow, rounded corners and a hover effect on Fintoc's button
  'no-expiry', // never expires an abandoned intent
  'early-expiry', // expires it at 80 % of the timeout (8 minutes of 10)
  'webhook-no-verify', // takes webhooks without checking Fintoc-Signature
  'webhook-500', // answers every webhook with 500
  'trust-redirect', // ignores webhooks; the browser's onSuccess marks the order paid
  'success-on-exit', // the page says "paid" when the customer leaves the widget
  'duplicate-500', // answers 500 to a webhook it has already seen
] as const;
export type Break = (typeof BREAKS)[number];

export interface ShopOptions {
  secretKey: string;
  publicKey: string;
  /** Fintoc's API origin; the official one unless testing against a sandbox. */
  apiUrl?: string;
  /** The widget script; Fintoc's unless testing. */
  widgetUrl?: string;
  /** Where Fintoc reaches this shop, for its webhook endpoint (e.g. http://127.0.0.1:3100). */
  publicUrl: string;
  /** The endpoint's whsec_… secret. Without it the shop registers its own endpoint at start (test mode). */
  webhookSecret?: string;
  /** How long a payment may stay unauthorized before the shop expires its intent: 10 minutes. */
  paymentTimeoutMs?: number;
  country?: 'cl' | 'mx';
  shopName?: string;
  breaks?: readonly Break[];
}

type OrderStatus = 'pending' | 'processing' | 'paid' | 'canceled' | 'failed';

interface Order {
  id: string;
  amount: number;
  currency: 'CLP' | 'MXN';
  status: OrderStatus;
  intentId: string | null;
  widgetToken: string | null;
  /** Fintoc event ids already applied: a webhook may come twice. */
  events: Set<string>;
  paidAfterCancel: boolean;
  timer: NodeJS.Timeout | null;
}

const PRODUCT = {
  cl: { name: 'Café de grano, 1 kg', amount: 12_990 },
  mx: { name: 'Café de grano, 1 kg', amount: 34_900 },
};
const COPY = { cl: 'Paga con tu banco', mx: 'Paga con transferencia' };

function formatAmount(amount: number, currency: 'CLP' | 'MXN'): string {
  if (currency === 'CLP') return `$${String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.')} CLP`;
  const pesos = String(Math.trunc(amount / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `$${pesos}.${String(amount % 100).padStart(2, '0')} MXN`;
}

/** The intent's status at Fintoc, as an order status. */
function statusOf(intentStatus: string): OrderStatus {
  switch (intentStatus) {
    case 'succeeded':
      return 'paid';
    case 'failed':
    case 'rejected':
      return 'failed';
    case 'expired':
      return 'canceled';
    case 'in_progress':
    case 'pending':
      return 'processing';
    default:
      return 'pending';
  }
}

const FINAL: readonly OrderStatus[] = ['paid', 'canceled', 'failed'];

export interface Shop {
  app: Express;
  /** Registers the webhook endpoint if no secret was given; call before taking payments. */
  ready(): Promise<void>;
  /** Stops the abandonment timers. */
  close(): void;
}

/**
 * Builds the shop.
 *
 * @example
 * const shop = createShop({ secretKey, publicKey, apiUrl: sandboxUrl, publicUrl: 'http://127.0.0.1:3100' });
 * await shop.ready();
 * shop.app.listen(3100);
 */
export function createShop(options: ShopOptions): Shop {
  const broken = new Set(options.breaks ?? []);
  const country = options.country ?? 'cl';
  const currency = country === 'mx' ? 'MXN' : 'CLP';
  const timeoutMs = options.paymentTimeoutMs ?? 10 * 60_000;
  const apiUrl = (options.apiUrl ?? 'https://api.fintoc.com').replace(/\/+$/, '');
  const fintoc = new Fintoc(options.secretKey);
  // The SDK has no base-URL option; its managers share one client (only needed for a sandbox).
  (fintoc.paymentIntents as unknown as { _client: { baseUrl: string } })._client.baseUrl = apiUrl;
  let webhookSecret = options.webhookSecret ?? null;
  const orders = new Map<string, Order>();
  const page = readFileSync(new URL('./public/checkout.html', import.meta.url), 'utf8');

  function apply(order: Order, status: OrderStatus): void {
    if (order.status === status) return;
    // Money moved is truth: a success after the shop gave up still makes the order paid.
    if (status === 'paid') {
      if (order.status === 'canceled') order.paidAfterCancel = true;
      order.status = 'paid';
    } else if (!FINAL.includes(order.status)) {
      order.status = status;
    }
    if (FINAL.includes(order.status) && order.timer) {
      clearTimeout(order.timer);
      order.timer = null;
    }
  }

  /** What Fintoc says about the order's intent now. */
  async function refresh(order: Order): Promise<void> {
    if (!order.intentId) return;
    if (broken.has('api-path')) {
      // The mistake: an unversioned path. Fintoc answers 404, so the order learns nothing here.
      const res = await fetch(`${apiUrl}/payment_intents/${order.intentId}`, {
        headers: { authorization: options.secretKey },
      });
      if (res.ok) apply(order, statusOf(((await res.json()) as { status: string }).status));
      return;
    }
    const intent = (await fintoc.paymentIntents.get(order.intentId)) as unknown as { status: string };
    apply(order, statusOf(intent.status));
  }

  /** The abandonment rule: after the timeout, expire the intent at Fintoc and cancel the order. */
  async function abandon(order: Order): Promise<void> {
    order.timer = null;
    if (FINAL.includes(order.status) || !order.intentId) return;
    try {
      await fintoc.paymentIntents.expire(order.intentId);
      apply(order, 'canceled');
    } catch {
      // Fintoc refuses to expire an intent that was paid, failed, or is being settled by the bank.
      if (!broken.has('trust-redirect')) await refresh(order).catch(() => {});
      if (!FINAL.includes(order.status)) apply(order, 'canceled');
    }
  }

  async function newIntent(order: Order): Promise<void> {
    const attempt = randomBytes(6).toString('hex');
    const intent = (await fintoc.paymentIntents.create({
      amount: order.amount,
      currency: order.currency,
      metadata: { order_id: order.id },
      // One key per attempt, reused only if this very request is retried.
      idempotency_key: `order-${order.id}-${attempt}`,
    })) as unknown as { id: string; widget_token: string };
    order.intentId = intent.id;
    order.widgetToken = intent.widget_token;
    order.status = 'pending';
    if (broken.has('no-expiry')) return;
    const after = broken.has('early-expiry') ? timeoutMs * 0.8 : timeoutMs;
    order.timer = setTimeout(() => void abandon(order), after);
    order.timer.unref();
  }

  const app = express();
  app.disable('x-powered-by');

  // Fintoc's webhooks: the raw body, because the signature covers its exact bytes.
  app.post('/webhooks/fintoc', express.raw({ type: '*/*', limit: '256kb' }), (req, res) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!broken.has('webhook-no-verify')) {
      try {
        WebhookSignature.verifyHeader(raw, req.get('fintoc-signature') ?? '', webhookSecret ?? '');
      } catch {
        res.status(400).json({ error: 'invalid signature' });
        return;
      }
    }
    let event: {
      id?: string;
      type?: string;
      data?: { id?: string; status?: string; metadata?: { order_id?: string } };
    };
    try {
      event = JSON.parse(raw.toString('utf8'));
    } catch {
      res.status(400).json({ error: 'not JSON' });
      return;
    }
    if (broken.has('webhook-500')) {
      res.status(500).json({ error: 'internal error' });
      return;
    }
    const order = orders.get(event.data?.metadata?.order_id ?? '');
    if (order && event.id && order.events.has(event.id)) {
      if (broken.has('duplicate-500')) {
        res.status(500).json({ error: `duplicate key ${event.id}` });
        return;
      }
      res.json({ received: true, duplicate: true });
      return;
    }
    if (order && event.id && order.intentId === event.data?.id && !broken.has('trust-redirect')) {
      order.events.add(event.id);
      // Events may come out of order: apply() never moves an order back from a final status.
      if (typeof event.data?.status === 'string') apply(order, statusOf(event.data.status));
    }
    res.json({ received: true });
  });

  app.use(express.json({ limit: '16kb' }));
  app.use(express.static(new URL('./public/', import.meta.url).pathname, { index: false }));

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  app.get('/', (_req, res) => {
    res.redirect(303, `/checkout/${randomBytes(6).toString('hex')}`);
  });

  // The checkout page of an order (a cart): product, amount and Fintoc's button.
  app.get('/checkout/:orderId', (req, res) => {
    const product = PRODUCT[country];
    const config: Record<string, unknown> = {
      orderId: req.params.orderId,
      country,
      widgetProduct: broken.has('widget-product') ? 'movements' : 'payments',
      trustRedirect: broken.has('trust-redirect'),
      successOnExit: broken.has('success-on-exit'),
    };
    if (broken.has('secret-in-browser')) config.secretKey = options.secretKey;
    const escape = (t: string) => t.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    const html = page
      .replaceAll('{{SHOP_NAME}}', escape(options.shopName ?? 'Tienda Ejemplo'))
      .replaceAll('{{PRODUCT}}', escape(product.name))
      .replaceAll('{{AMOUNT}}', formatAmount(product.amount, currency))
      .replaceAll('{{WIDGET_URL}}', escape(options.widgetUrl ?? 'https://js.fintoc.com/v1/'))
      .replaceAll('{{BUTTON_COPY}}', COPY[country])
      .replaceAll('{{BUTTON_IMAGE}}', `https://assets.fintoc.com/?img_name=button_${country}_light_trailing`)
      .replaceAll('{{CONFIG}}', JSON.stringify(config).replace(/</g, '\\u003c'))
      .replace(
        '</head>',
        broken.has('button-restyled')
          ? '<style>.fintoc-button img{border-radius:24px;box-shadow:0 6px 16px rgba(0,0,0,.35);transition:transform .1s}.fintoc-button:hover img{transform:scale(1.06)}</style></head>'
          : '</head>',
      );
    res.type('html').send(html);
  });

  // The browser asks for the order's payment intent (created on first use) to open the widget.
  app.post('/api/orders/:orderId/intent', async (req, res) => {
    const id = req.params.orderId;
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
      res.status(400).json({ error: 'bad order id' });
      return;
    }
    let order = orders.get(id);
    if (!order) {
      order = {
        id,
        amount: PRODUCT[country].amount,
        currency,
        status: 'pending',
        intentId: null,
        widgetToken: null,
        events: new Set(),
        paidAfterCancel: false,
        timer: null,
      };
      orders.set(id, order);
    }
    try {
      // Before opening the widget again on the order's intent, ask Fintoc whether it is still payable:
      // a payment authorized in the bank app may be over before its webhook arrives.
      if (order.intentId && !FINAL.includes(order.status)) await refresh(order);
      if (order.status === 'paid') {
        res.status(409).json({ error: 'already paid' });
        return;
      }
      if (!order.intentId || order.status === 'canceled' || order.status === 'failed') await newIntent(order);
    } catch (err) {
      res.status(502).json({ error: `Fintoc: ${(err as Error).message.split('\n')[0]}` });
      return;
    }
    res.json({ order_id: order.id, widget_token: order.widgetToken, public_key: options.publicKey });
  });

  // After the widget: the backend asks Fintoc (the browser's word alone never makes an order paid).
  app.post('/api/orders/:orderId/confirm', async (req, res) => {
    const order = orders.get(req.params.orderId);
    if (!order) {
      res.status(404).json({ error: 'no such order' });
      return;
    }
    if (broken.has('trust-redirect') && (req.body as { claim?: string } | undefined)?.claim === 'success') {
      apply(order, 'paid');
    } else {
      await refresh(order).catch(() => {});
    }
    res.json(view(order));
  });

  // The shop's verdict about an order, as its own back office would show it.
  app.get('/api/orders/:orderId', (req, res) => {
    const order = orders.get(req.params.orderId);
    if (!order) {
      res.status(404).json({ error: 'no such order' });
      return;
    }
    res.json(view(order));
  });

  function view(order: Order) {
    return {
      order_id: order.id,
      status: order.status,
      amount: order.amount,
      currency: order.currency,
      payment_intent_id: order.intentId,
      paid_after_cancel: order.paidAfterCancel,
    };
  }

  return {
    app,
    async ready() {
      if (webhookSecret) return;
      // Test mode convenience: register this shop's endpoint and keep its secret (shown only now).
      const endpoint = (await fintoc.webhookEndpoints.create({
        url: `${options.publicUrl.replace(/\/+$/, '')}/webhooks/fintoc`,
        enabled_events: [
          'payment_intent.succeeded',
          'payment_intent.failed',
          'payment_intent.rejected',
          'payment_intent.expired',
          'payment_intent.pending',
        ],
        description: 'shop-express example',
      })) as unknown as { secret: string };
      webhookSecret = endpoint.secret;
    },
    close() {
      for (const order of orders.values()) if (order.timer) clearTimeout(order.timer);
    },
  };
}

/**
 * Starts the shop on 127.0.0.1 (port 0: any free port) and answers its URL.
 *
 * @example
 * const running = await startShop({ secretKey, publicKey, apiUrl }, 0);
 * await running.close();
 */
export async function startShop(
  options: Omit<ShopOptions, 'publicUrl'>,
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  // The port is known only once listening, and the shop needs its URL for its webhook endpoint.
  let handler: Express | null = null;
  const server: Server = createServer((req, res) => {
    if (handler) handler(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const shop = createShop({ ...options, publicUrl: url });
  handler = shop.app;
  try {
    await shop.ready();
  } catch (err) {
    server.close();
    throw err;
  }
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        shop.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function durationMs(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^(\d+)(ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`PAYMENT_TIMEOUT must look like 10m, 90s or 500ms; got ${text}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const secretKey = env.FINTOC_SECRET_KEY;
  if (!secretKey) {
    console.error(
      'Set FINTOC_SECRET_KEY (sk_test_…) and FINTOC_API_URL (the sandbox, e.g. http://127.0.0.1:4010).',
    );
    process.exit(1);
  }
  const breaks = (env.BREAK ?? '').split(',').filter(Boolean) as Break[];
  const unknown = breaks.filter((b) => !(BREAKS as readonly string[]).includes(b));
  if (unknown.length > 0) {
    console.error(`Unknown BREAK ${unknown.join(', ')}; known: ${BREAKS.join(', ')}`);
    process.exit(1);
  }
  const running = await startShop(
    {
      secretKey,
      publicKey: env.FINTOC_PUBLIC_KEY ?? secretKey.replace(/^sk_/, 'pk_'),
      ...(env.FINTOC_API_URL ? { apiUrl: env.FINTOC_API_URL } : {}),
      ...(env.FINTOC_WIDGET_URL ? { widgetUrl: env.FINTOC_WIDGET_URL } : {}),
      ...(env.FINTOC_WEBHOOK_SECRET ? { webhookSecret: env.FINTOC_WEBHOOK_SECRET } : {}),
      ...(durationMs(env.PAYMENT_TIMEOUT) ? { paymentTimeoutMs: durationMs(env.PAYMENT_TIMEOUT) } : {}),
      country: env.SHOP_COUNTRY === 'mx' ? 'mx' : 'cl',
      ...(env.SHOP_NAME ? { shopName: env.SHOP_NAME } : {}),
      breaks,
    },
    Number(env.PORT ?? 3100),
  );
  console.log(`shop-express at ${running.url}/${breaks.length ? ` (BREAK=${breaks.join(',')})` : ''}`);
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
