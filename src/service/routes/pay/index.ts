/**
 * The hosted checkout: `GET /pay/:id` (the page), `GET /pay/:id/session` and `/status` (what the
 * browser module reads), `POST /pay/:id/events` (widget callbacks, for the timeline only),
 * `POST /pay/:id/attempts` (try again after leaving the widget), and the module's own assets.
 *
 * Nothing here changes a payment's money state: the browser is told the state, never asked for it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CHECKOUT_ASSETS_PATH,
  checkoutBundle,
  stopCheckoutBundle,
  checkoutCss,
  checkoutHeaders,
  formatAmount,
  renderCheckoutPage,
  type CheckoutSession,
  type CheckoutStatus,
  type PaymentStatus,
} from '../../../checkout/index.js';
import {
  CheckoutRouteError,
  type BrowserEvent,
  type CheckoutBackend,
  type CheckoutPayment,
} from './backend.js';
import { EventThrottle } from './throttle.js';

export { CheckoutRouteError, safeReturnUrl } from './backend.js';
export type { BrowserEvent, CheckoutBackend, CheckoutPayment, CheckoutPublicConfig } from './backend.js';
export { EventThrottle } from './throttle.js';

export interface PayRoutesOptions {
  backend: CheckoutBackend;
  /** How often the page polls the state (ms); tests shorten it. */
  pollMs?: number;
  throttle?: EventThrottle;
  /** New attempts per payment: each one asks Fintoc for a new intent and expires the last. */
  attemptThrottle?: EventThrottle;
}

/** Payment ids are `pay_` and 16+ base62 characters: anything else is not worth a database read. */
const PAYMENT_ID = /^pay_[A-Za-z0-9]{16,64}$/;
const EVENT_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_EVENTS_PER_REQUEST = 20;

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return value instanceof Date ? value.toISOString() : value;
}

/** Everything the page may know about a payment; the widget block only while it can be paid. */
export function sessionOf(payment: CheckoutPayment, backend: CheckoutBackend): CheckoutSession {
  const { config } = backend;
  const status = payment.status as PaymentStatus;
  const payable = status === 'pending' && payment.widget_token !== null;
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
    country: config.country,
    widget: payable
      ? {
          url: config.widgetUrl,
          publicKey: config.publicKey,
          widgetToken: payment.widget_token as string,
          country: config.country,
          product: 'payments',
          holderType: 'individual',
        }
      : null,
  };
}

function statusOf(payment: CheckoutPayment): CheckoutStatus {
  return {
    status: payment.status as PaymentStatus,
    failure_reason: payment.failure_reason,
    updated_at: iso(payment.updated_at),
  };
}

function sendError(reply: FastifyReply, error: CheckoutRouteError) {
  return reply
    .code(error.statusCode)
    .header('cache-control', 'no-store')
    .send({ error: { code: error.code, message: error.message } });
}

/** Parses `{events: [...]}` from the page; throws `invalid_browser_event` naming what is wrong. */
export function parseBrowserEvents(body: unknown): BrowserEvent[] {
  const fail = (message: string) => new CheckoutRouteError(400, 'invalid_browser_event', message);
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { events?: unknown }).events)) {
    throw fail('send {"events": [{"type": "event"|"success"|"exit", "name"?, "timestamp"?}]}');
  }
  const raw = (body as { events: unknown[] }).events;
  if (raw.length === 0 || raw.length > MAX_EVENTS_PER_REQUEST) {
    throw fail(`send between 1 and ${MAX_EVENTS_PER_REQUEST} events per request`);
  }
  return raw.map((item, i) => {
    if (typeof item !== 'object' || item === null) throw fail(`events[${i}] is not an object`);
    const { type, name, timestamp } = item as Record<string, unknown>;
    if (type !== 'event' && type !== 'success' && type !== 'exit') {
      throw fail(`events[${i}].type must be event, success or exit`);
    }
    if (type === 'event' && (typeof name !== 'string' || !EVENT_NAME.test(name))) {
      throw fail(`events[${i}].name must be a widget event name like "opened"`);
    }
    if (
      timestamp !== undefined &&
      timestamp !== null &&
      (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
    ) {
      throw fail(`events[${i}].timestamp must be epoch milliseconds`);
    }
    return {
      type,
      name: type === 'event' ? (name as string) : null,
      timestamp: typeof timestamp === 'number' ? Math.trunc(timestamp) : null,
    };
  });
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
 *
 * @example
 * const notFound = checkoutNotFound(config.fintoc.widgetUrl);
 * if (notFound.wants(request)) return notFound.send(reply);
 */
export function checkoutNotFound(widgetUrl: string): {
  wants(request: FastifyRequest): boolean;
  send(reply: FastifyReply): FastifyReply;
} {
  const headers = checkoutHeaders(widgetUrl);
  return {
    wants: (request) =>
      (request.method === 'GET' || request.method === 'HEAD') &&
      request.url.startsWith('/pay/') &&
      !JSON_ENDPOINT.test(request.url.split('?')[0] ?? '') &&
      !request.url.startsWith(`${CHECKOUT_ASSETS_PATH}/`),
    send: (reply) => reply.code(404).headers(headers).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE),
  };
}

/** The endpoints the browser module reads and posts to: they answer JSON, errors included. */
const JSON_ENDPOINT = /^\/pay\/[^/]+\/(session|status|events|attempts)$/;

/** A Fastify error of the client's making (a body that is not JSON, a forbidden key, a type not accepted). */
function clientError(error: unknown): CheckoutRouteError | null {
  const e = error as { statusCode?: number; code?: string };
  if (e.statusCode === undefined || e.statusCode < 400 || e.statusCode >= 500) return null;
  if (e.statusCode === 413)
    return new CheckoutRouteError(413, 'browser_event_too_large', 'Send fewer events at once.');
  if (e.statusCode === 415 || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new CheckoutRouteError(415, 'unsupported_media_type', 'Send Content-Type: application/json.');
  if (
    e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    error instanceof SyntaxError
  )
    return new CheckoutRouteError(
      400,
      'invalid_json',
      'The body is not valid JSON (or holds a __proto__ or constructor key).',
    );
  return new CheckoutRouteError(400, 'invalid_request', 'The request is not valid.');
}

/**
 * Registers the checkout routes on a service app.
 *
 * @example
 * await app.register(payRoutes, { backend: serviceCheckoutBackend(app) });
 */
export async function payRoutes(app: FastifyInstance, options: PayRoutesOptions): Promise<void> {
  const { backend } = options;
  const throttle = options.throttle ?? new EventThrottle();
  const attemptThrottle = options.attemptThrottle ?? new EventThrottle(10, 10 * 60_000);
  const headers = checkoutHeaders(backend.config.widgetUrl);
  // Bundle the browser module while the service starts, so the first customer does not wait for it.
  let closing = false;
  app.addHook('onReady', async () => {
    checkoutBundle().catch((error: unknown) => {
      if (!closing) app.log.error({ err: error }, 'checkout bundle failed');
    });
  });
  app.addHook('onClose', async () => {
    closing = true;
    await stopCheckoutBundle();
  });

  async function load(request: FastifyRequest<{ Params: { id: string } }>): Promise<CheckoutPayment> {
    const { id } = request.params;
    const payment = PAYMENT_ID.test(id) ? await backend.getPayment(id) : null;
    if (!payment) throw new CheckoutRouteError(404, 'payment_not_found', `No payment ${id.slice(0, 80)}.`);
    return payment;
  }

  // The browser module may run on the shop's own origin. These endpoints carry no ambient authority
  // (no cookies; the unguessable payment id is the key), so any origin may call them.
  app.addHook('onRequest', async (request, reply) => {
    if (JSON_ENDPOINT.test(request.url.split('?')[0] ?? '')) reply.header('access-control-allow-origin', '*');
  });
  app.options<{ Params: { id: string; action: string } }>('/pay/:id/:action', async (request, reply) => {
    if (!['session', 'status', 'events', 'attempts'].includes(request.params.action)) {
      throw new CheckoutRouteError(404, 'not_found', 'No such checkout endpoint.');
    }
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST')
      .header('access-control-allow-headers', 'content-type')
      .header('access-control-max-age', '600')
      .send();
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof CheckoutRouteError) return sendError(reply, error);
    const refused = clientError(error);
    if (refused) {
      request.log.info({ code: refused.code }, 'checkout request refused');
      return sendError(reply, refused);
    }
    request.log.error({ err: error }, 'checkout route failed');
    return sendError(
      reply,
      new CheckoutRouteError(500, 'internal_error', 'The checkout could not answer; try again.'),
    );
  });

  app.get(`${CHECKOUT_ASSETS_PATH}/checkout.js`, async (_request, reply) => {
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('x-content-type-options', 'nosniff')
      .send(await checkoutBundle());
  });

  app.get(`${CHECKOUT_ASSETS_PATH}/checkout.css`, async (_request, reply) => {
    return reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .header('x-content-type-options', 'nosniff')
      .send(checkoutCss);
  });

  app.get<{ Params: { id: string } }>('/pay/:id', async (request, reply) => {
    let payment: CheckoutPayment;
    try {
      payment = await load(request);
    } catch (error) {
      if (!(error instanceof CheckoutRouteError) || error.statusCode !== 404) throw error;
      return reply.code(404).headers(headers).type('text/html; charset=utf-8').send(NOT_FOUND_PAGE);
    }
    const html = renderCheckoutPage({
      session: sessionOf(payment, backend),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    });
    return reply.headers(headers).type('text/html; charset=utf-8').send(html);
  });

  app.get<{ Params: { id: string } }>('/pay/:id/session', async (request, reply) => {
    const payment = await load(request);
    return reply.header('cache-control', 'no-store').send(sessionOf(payment, backend));
  });

  app.get<{ Params: { id: string } }>('/pay/:id/status', async (request, reply) => {
    const payment = await load(request);
    return reply.header('cache-control', 'no-store').send(statusOf(payment));
  });

  app.post<{ Params: { id: string } }>(
    '/pay/:id/events',
    { bodyLimit: 16 * 1024 },
    async (request, reply) => {
      const events = parseBrowserEvents(request.body);
      const payment = await load(request);
      const allowed = throttle.take(payment.id, events.length, backend.now());
      if (allowed.accepted === 0) {
        reply.header('retry-after', String(Math.ceil(allowed.retryAfterMs / 1000)));
        throw new CheckoutRouteError(
          429,
          'too_many_browser_events',
          'Too many browser events for this payment; slow down.',
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
    if (payment.status !== 'pending') {
      throw new CheckoutRouteError(
        409,
        'payment_not_open',
        `This payment is ${payment.status}; it cannot be retried.`,
      );
    }
    const allowed = attemptThrottle.take(payment.id, 1, backend.now());
    if (allowed.accepted === 0) {
      reply.header('retry-after', String(Math.ceil(allowed.retryAfterMs / 1000)));
      throw new CheckoutRouteError(
        429,
        'too_many_attempts',
        'Too many new attempts for this payment; wait a little.',
      );
    }
    try {
      const next = await backend.newAttempt(payment.id);
      return reply.code(201).header('cache-control', 'no-store').send(sessionOf(next, backend));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'payment_not_open') {
        throw new CheckoutRouteError(
          409,
          'payment_not_open',
          'This payment has ended; it cannot be retried.',
        );
      }
      throw error;
    }
  });
}
