/**
 * The hosted checkout: `GET /pay/:id` (the page), `GET /pay/:id/return` (where Fintoc's hosted page
 * sends the customer back in the redirect flow), `GET /pay/:id/session` and `/status` (what the
 * browser module reads), `POST /pay/:id/events` (widget callbacks, for the timeline only),
 * `POST /pay/:id/attempts` (try again after leaving the widget, or after the bank rejected the
 * payment: then the order's next payment), and the module's own assets.
 * It reads `app.checkout`; its security headers are helmet's (the page's CSP lets in the widget),
 * its CORS the cors plugin's, its errors the service's catalogue, its attempt throttle the
 * rate-limit plugin's (shared by every instance).
 *
 * Nothing here changes a payment's money state: the browser is told the state, never asked for it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import {
  CHECKOUT_ASSETS_PATH,
  checkoutBundle,
  checkoutCspDirectives,
  checkoutCss,
  formatAmount,
  renderCheckoutPage,
  type CheckoutSession,
  type CheckoutStatus,
} from '../../../checkout/index.js';
import { z } from 'zod';
import { ServiceError } from '../../errors.js';
import { validationError } from '../../http/validation.js';
import corsPlugin, { CHECKOUT_JSON_ENDPOINT } from '../../plugins/external/cors.js';
import { isPayable } from '../../state.js';
import type { BrowserEvent, CheckoutBackend, CheckoutPayment } from './backend.js';
import { EventThrottle } from './throttle.js';

export { safeReturnUrl } from './backend.js';
export type { BrowserEvent, CheckoutBackend, CheckoutPayment, CheckoutPublicConfig } from './backend.js';
export { EventThrottle } from './throttle.js';

export interface PayRoutesOptions {
  /** How often the page polls the state (ms); tests shorten it. */
  pollMs?: number;
  /** Browser events kept per payment per window (noise, not money: in memory, per instance). */
  events?: { limit: number; windowMs: number };
  /** New attempts per payment per window: each one asks Fintoc for a new intent and expires the last. */
  attempts?: { limit: number; windowMs: number };
}

/** Payment ids are `pay_` and 16+ base62 characters: anything else is not worth a database read. */
const PAYMENT_ID = /^pay_[A-Za-z0-9]{16,64}$/;
const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_EVENTS_PER_REQUEST = 20;

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : value;
}

/** What the payment's flow opens: a session's token, an intent's token, or Fintoc's page. */
function checkoutOf(payment: CheckoutPayment): { token: string } | { redirect: string } | null {
  switch (payment.flow) {
    case 'session':
      return payment.session_token === null ? null : { token: payment.session_token };
    case 'intent':
      return payment.widget_token === null ? null : { token: payment.widget_token };
    case 'redirect':
      return payment.redirect_url === null ? null : { redirect: payment.redirect_url };
  }
}

/**
 * Everything the page may know about a payment; the widget block (or, in the redirect flow, Fintoc's
 * page) only while it can be paid.
 */
export function sessionOf(payment: CheckoutPayment, backend: CheckoutBackend): CheckoutSession {
  const { config } = backend;
  const { status } = payment;
  const opens = checkoutOf(payment);
  const payable = isPayable({ status, hasCheckout: opens !== null });
  return {
    payment: {
      id: payment.id,
      order_id: payment.order_id,
      amount: payment.amount,
      currency: payment.currency,
      amount_display: formatAmount(payment.amount, payment.currency),
      status,
      failure_reason: payment.failure_reason,
      expires_at: iso(payment.expires_at),
    },
    shop: { name: config.shopName, url: payment.return_url ?? config.shopUrl },
    retryable: payment.retryable === true,
    country: config.country,
    widget:
      payable && opens && 'token' in opens
        ? {
            url: config.widgetUrl,
            publicKey: config.publicKey,
            ...(payment.flow === 'session' ? { sessionToken: opens.token } : { widgetToken: opens.token }),
            country: config.country,
            product: 'payments',
            holderType: 'individual',
          }
        : null,
    redirect: payable && opens && 'redirect' in opens ? { url: opens.redirect } : null,
  };
}

function statusOf(payment: CheckoutPayment): CheckoutStatus {
  return {
    status: payment.status,
    failure_reason: payment.failure_reason,
    updated_at: iso(payment.updated_at),
  };
}

const EVENTS_SHAPE = 'send {"events": [{"type": "event"|"success"|"exit", "name"?, "timestamp"?}]}';

/** One widget callback as the page reports it. */
const BrowserEventInput = z
  .object(
    {
      type: z.enum(['event', 'success', 'exit'], { error: 'type must be event, success or exit' }),
      name: z.string().nullish(),
      timestamp: z
        .number({ error: 'timestamp must be epoch milliseconds' })
        .refine(Number.isFinite, 'timestamp must be epoch milliseconds')
        .nullish(),
    },
    { error: 'each event must be an object' },
  )
  .refine((e) => e.type !== 'event' || (typeof e.name === 'string' && EVENT_NAME.test(e.name)), {
    error: 'name must be a widget event name like "opened"',
    path: ['name'],
  });

/** `POST /pay/:id/events`: what the checkout page sends (its problems are `invalid_browser_event`). */
export const BrowserEventsBody = z
  .object(
    {
      events: z
        .array(BrowserEventInput, { error: EVENTS_SHAPE })
        .min(1, `send between 1 and ${MAX_EVENTS_PER_REQUEST} events per request`)
        .max(MAX_EVENTS_PER_REQUEST, `send between 1 and ${MAX_EVENTS_PER_REQUEST} events per request`),
    },
    { error: EVENTS_SHAPE },
  )
  .meta({ errorCode: 'invalid_browser_event' });

const PayParams = z.object({ id: z.string() });

/** `GET /pay/:id/return?from=success|cancel`: which of the session's URLs brought the customer back (a hint for the timeline only). */
const ReturnQuery = z.object({ from: z.string().optional() });

/** The events as the service keeps them: a name only for `event`, whole milliseconds. */
function normalized(body: z.output<typeof BrowserEventsBody>): BrowserEvent[] {
  return body.events.map((e) => ({
    type: e.type,
    name: e.type === 'event' ? (e.name ?? null) : null,
    timestamp: typeof e.timestamp === 'number' ? Math.trunc(e.timestamp) : null,
  }));
}

/** Parses `{events: [...]}` from the page; throws `invalid_browser_event` naming what is wrong. */
export function parseBrowserEvents(body: unknown): BrowserEvent[] {
  const parsed = BrowserEventsBody.safeParse(body);
  if (!parsed.success) throw validationError('body', body, parsed.error.issues, BrowserEventsBody);
  return normalized(parsed.data);
}

const NOT_FOUND_PAGE =
  '<!doctype html><html lang="es"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">' +
  `<title>Pago no encontrado</title><link rel="stylesheet" href="${CHECKOUT_ASSETS_PATH}/checkout.css"></head>` +
  '<body><main><div class="pasarela-card"><section class="pasarela-status pasarela-status-error" data-testid="checkout-status" data-status="not_found">' +
  '<h1>Pago no encontrado</h1><p>Revisa el enlace que te dio la tienda.</p></section></div></main></body></html>';

/**
 * The "payment not found" page, for every URL under `/pay/` that is not one of the JSON endpoints
 * and names no payment (an unknown id, a URL the router cannot read, a path that does not exist):
 * customers follow these links, so they get a page, never JSON.
 */
function notFoundPage(app: FastifyInstance) {
  return {
    wants: (request: FastifyRequest) =>
      (request.method === 'GET' || request.method === 'HEAD') &&
      request.url.startsWith('/pay/') &&
      !CHECKOUT_JSON_ENDPOINT.test(request.url.split('?')[0] ?? '') &&
      !request.url.startsWith(`${CHECKOUT_ASSETS_PATH}/`),
    send: (reply: FastifyReply) =>
      reply
        .code(404)
        .header('content-security-policy', pageCsp(app.checkout.config.widgetUrl))
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(NOT_FOUND_PAGE),
  };
}

/** The page's CSP as a header value (for answers given outside a route, like the not-found page). */
function pageCsp(widgetUrl: string): string {
  return Object.entries(checkoutCspDirectives(widgetUrl))
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/**
 * The checkout routes, on an app decorated with `app.checkout`.
 *
 * @example
 * await app.register(payRoutes);
 */
export default async function payRoutes(app: FastifyInstance, options: PayRoutesOptions = {}): Promise<void> {
  const backend = app.checkout;
  // CORS for these routes only (the browser module may run on the shop's origin); nothing else answers another origin.
  await app.register(corsPlugin);
  const events = options.events ?? { limit: 60, windowMs: 60_000 };
  const attempts = options.attempts ?? { limit: 10, windowMs: 10 * 60_000 };
  const throttle = new EventThrottle(events.limit, events.windowMs);
  const attemptLimit = app.createRateLimit({
    max: attempts.limit,
    timeWindow: attempts.windowMs,
    keyGenerator: (request) => `checkout-attempts:${(request.params as { id: string }).id}`,
  });
  const page = {
    helmet: { contentSecurityPolicy: { directives: checkoutCspDirectives(backend.config.widgetUrl) } },
  };
  app.notFoundPages.push(notFoundPage(app));
  // Bundle the browser module while the service starts, so the first customer does not wait for it.
  app.addHook('onReady', async () => {
    checkoutBundle().catch((error: unknown) => app.log.error({ err: error }, 'checkout bundle failed'));
  });

  async function load(request: FastifyRequest<{ Params: { id: string } }>): Promise<CheckoutPayment> {
    const { id } = request.params;
    const payment = PAYMENT_ID.test(id) ? await backend.getPayment(id) : null;
    if (!payment) throw new ServiceError('payment_not_found', `No payment ${id.slice(0, 80)}.`);
    return payment;
  }

  app.get(`${CHECKOUT_ASSETS_PATH}/checkout.js`, async (_request, reply) => {
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(await checkoutBundle());
  });

  app.get(`${CHECKOUT_ASSETS_PATH}/checkout.css`, async (_request, reply) => {
    return reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(checkoutCss);
  });

  app.get<{ Params: { id: string } }>('/pay/:id', page, async (request, reply) => {
    const { id } = request.params;
    const payment = PAYMENT_ID.test(id) ? await backend.getPayment(id) : null;
    if (!payment) return notFoundPage(app).send(reply);
    const html = renderCheckoutPage({
      session: sessionOf(payment, backend),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    });
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
  });

  /**
   * The redirect flow's return page: Fintoc's hosted page sends the customer here by the session's
   * success_url or cancel_url. Which one is only noted (and a "success" makes the service ask Fintoc
   * now); the page shows the payment as the service knows it, exactly like `/pay/:id`, and keeps
   * reading it until it ends, then offers the way back to the shop.
   */
  app.get<{ Params: { id: string }; Querystring: z.input<typeof ReturnQuery> }>(
    '/pay/:id/return',
    page,
    async (request, reply) => {
      const { id } = request.params;
      const payment = PAYMENT_ID.test(id) ? await backend.getPayment(id) : null;
      if (!payment) return notFoundPage(app).send(reply);
      const query = ReturnQuery.safeParse(request.query);
      const from = query.success ? query.data.from : undefined;
      if (throttle.take(payment.id, 1, backend.now()).accepted > 0) {
        await backend.returned(payment.id, from === 'success' || from === 'cancel' ? from : null, {
          userAgent: request.headers['user-agent']?.slice(0, 200) ?? null,
        });
      }
      const html = renderCheckoutPage({
        session: sessionOf(payment, backend),
        ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      });
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
    },
  );

  app.get<{ Params: { id: string } }>('/pay/:id/session', async (request, reply) => {
    const payment = await load(request);
    return reply.header('cache-control', 'no-store').send(sessionOf(payment, backend));
  });

  app.get<{ Params: { id: string } }>('/pay/:id/status', async (request, reply) => {
    const payment = await load(request);
    return reply.header('cache-control', 'no-store').send(statusOf(payment));
  });

  app.withTypeProvider<ZodTypeProvider>().post(
    '/pay/:id/events',
    {
      bodyLimit: 16 * 1024,
      config: { tooLargeCode: 'browser_event_too_large' },
      schema: { params: PayParams, body: BrowserEventsBody },
    },
    async (request, reply) => {
      const events = normalized(request.body);
      const payment = await load(request);
      const allowed = throttle.take(payment.id, events.length, backend.now());
      if (allowed.accepted === 0) {
        throw new ServiceError(
          'too_many_browser_events',
          'Too many browser events for this payment; slow down.',
          undefined,
          { retry_after_s: Math.ceil(allowed.retryAfterMs / 1000) },
        );
      }
      // The ends of the flow (success, exit) are kept before a burst of onEvent calls.
      const kept = [...events]
        .sort((a, b) => Number(a.type === 'event') - Number(b.type === 'event'))
        .slice(0, allowed.accepted);
      const ordered = events.filter((e) => kept.includes(e));
      await backend.recordBrowserEvents(payment.id, ordered, {
        userAgent: request.headers['user-agent']?.slice(0, 200) ?? null,
      });
      return reply
        .code(202)
        .header('cache-control', 'no-store')
        .send({ accepted: ordered.length, dropped: events.length - ordered.length });
    },
  );

  app.post<{ Params: { id: string } }>('/pay/:id/attempts', async (request, reply) => {
    const payment = await load(request);
    // Rejected: the order's next payment (the service's retry rules decide), and the page moves to it.
    const retry = payment.retryable === true;
    if (!retry && payment.status !== 'pending') {
      throw new ServiceError(
        'payment_not_open',
        `This payment is ${payment.status}; it cannot be retried.`,
        'id',
      );
    }
    const limit = await attemptLimit(request);
    if (!limit.isAllowed && limit.isExceeded) {
      throw new ServiceError(
        'too_many_attempts',
        'Too many new attempts for this payment; wait a little.',
        undefined,
        { retry_after_s: limit.ttlInSeconds },
      );
    }
    const next = retry ? await backend.retryPayment(payment.id) : await backend.newAttempt(payment.id);
    return reply.code(201).header('cache-control', 'no-store').send(sessionOf(next, backend));
  });
}
