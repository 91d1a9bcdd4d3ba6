import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { FintocConnectionError, FintocError, errorFromResponse } from './api-errors.js';
import type { FintocErrorCode } from './errors.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { backoffMs, createRateLimiter, parseLinkHeader, parseRetryAfter, shouldRetry } from './http-rules.js';
import { keyKind, keyMode } from './keys.js';
import type {
  CheckoutSessionCreateParams,
  CheckoutSessionV2CreateParams,
  PaymentIntentCreateParams,
  RefundCreateParams,
  WebhookEndpointCreateParams,
  WebhookEndpointUpdateParams,
} from './params.js';
import type { KeyMode } from './keys.js';
import {
  CheckoutSessionSchema,
  PaymentIntentSchema,
  PayoutSchema,
  RefundSchema,
  WebhookEndpointSchema,
  WhoamiSchema,
} from './schemas.js';
import type {
  CheckoutSession,
  PaymentIntent,
  Payout,
  PayoutStatus,
  Refund,
  WebhookEndpoint,
  Whoami,
} from './schemas.js';

/** Fintoc's API origin; every path starts with `/v1/` (or `/v2/`). */
export const FINTOC_API_URL = 'https://api.fintoc.com';
/**
 * The API version every `/v2/` call is sent with (`Fintoc-Version`), unless `apiVersion` names a
 * later one: Fintoc's v2 checkout sessions need 2026-02-01 or later, whatever the account is pinned to.
 */
export const V2_API_VERSION = '2026-02-01';
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RETRIES = 3;
/** Fintoc's documented limit per organisation. */
export const DEFAULT_REQUESTS_PER_SECOND = 100;
const USER_AGENT = 'pasarela-fintoc/0.1';

/**
 * Options of {@link createFintocClient}; only `secretKey` is required.
 *
 * @example
 * const opts: FintocClientOptions = { secretKey: 'sk_test_…', baseUrl: 'http://127.0.0.1:4010', maxRetries: 0 };
 */
export interface FintocClientOptions {
  /** `sk_test_…` or `sk_live_…`. */
  secretKey: string;
  /** API origin, default {@link FINTOC_API_URL}; point it at the sandbox in tests. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per attempt, default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt, default 3. */
  maxRetries?: number;
  /** Sent as `Fintoc-Version`, e.g. `'2023-11-15'`; absent = the account's pinned version. */
  apiVersion?: string;
  clock?: Clock;
  /** In [0, 1), for backoff jitter. */
  random?: () => number;
  /** Client-side limit, default 100 (Fintoc's); `Infinity` turns it off. */
  requestsPerSecond?: number;
}

export interface RequestOptions {
  /** Your own key for this logical call (≤ 255 characters); one is generated when absent. Reused on every retry. */
  idempotencyKey?: string;
}

type Json = Record<string, unknown>;
export type ListQuery = Record<string, string | number | boolean | Date | null | undefined>;

export interface PaymentIntentListParams extends ListQuery {
  since?: string | Date;
  until?: string | Date;
  status?: string;
  per_page?: number;
  page?: number;
}
/** `GET /v2/checkout_sessions`: cursor pagination (the iterator follows `Link` by itself). */
export interface CheckoutSessionListParams extends ListQuery {
  /** Items per page, default 30. */
  limit?: number;
  /** An id: the sessions created before it (the next page). */
  starting_after?: string;
  /** An id: the sessions created after it (the previous page). */
  ending_before?: string;
}
export interface PayoutListParams extends ListQuery {
  /** ISO 8601 date: payouts created on or after it. */
  since?: string | Date;
  /** ISO 8601 date: payouts created on or before it (a date covers the whole day). */
  until?: string | Date;
  status?: PayoutStatus;
  /** Up to 300; Fintoc's default is 30. */
  per_page?: number;
  page?: number;
}

/**
 * What {@link createFintocClient} returns. Lists are lazy async iterators; everything else a Promise.
 *
 * @example
 * const pi = await client.paymentIntents.get('pi_2vKOKniSGXRhXTKrJ67VXZ');
 */
export interface FintocClient {
  /** The mode of the secret key. */
  readonly mode: KeyMode;
  readonly baseUrl: string;
  paymentIntents: {
    create(params: PaymentIntentCreateParams, options?: RequestOptions): Promise<PaymentIntent>;
    get(id: string): Promise<PaymentIntent>;
    list(params?: PaymentIntentListParams): AsyncIterable<PaymentIntent>;
    expire(id: string, options?: RequestOptions): Promise<PaymentIntent>;
  };
  /** Checkout sessions of the 2023-11-15 API (`/v1/checkout_sessions`: no list there). */
  checkoutSessions: {
    create(params: CheckoutSessionCreateParams, options?: RequestOptions): Promise<CheckoutSession>;
    get(id: string): Promise<CheckoutSession>;
    expire(id: string, options?: RequestOptions): Promise<CheckoutSession>;
  };
  /**
   * The `/v2/` namespace (API version 2026-02-01): every call carries `Authorization: Bearer …` and
   * `Fintoc-Version` ({@link V2_API_VERSION} unless `apiVersion` is later).
   */
  v2: {
    checkoutSessions: {
      create(params: CheckoutSessionV2CreateParams, options?: RequestOptions): Promise<CheckoutSession>;
      get(id: string): Promise<CheckoutSession>;
      /** Newest first, every page (cursor `Link`s followed). */
      list(params?: CheckoutSessionListParams): AsyncIterable<CheckoutSession>;
      /** Only while `created`; a payment the customer had opened expires with it. */
      expire(id: string, options?: RequestOptions): Promise<CheckoutSession>;
    };
  };
  webhookEndpoints: {
    create(params: WebhookEndpointCreateParams, options?: RequestOptions): Promise<WebhookEndpoint>;
    list(params?: ListQuery): AsyncIterable<WebhookEndpoint>;
    get(id: string): Promise<WebhookEndpoint>;
    update(id: string, params: WebhookEndpointUpdateParams): Promise<WebhookEndpoint>;
    delete(id: string): Promise<void>;
    /** Asks Fintoc to send a test event of `type` to the endpoint; returns Fintoc's answer as is. */
    test(id: string, params: { type: string }, options?: RequestOptions): Promise<unknown>;
  };
  refunds: {
    create(params: RefundCreateParams, options?: RequestOptions): Promise<Refund>;
    get(id: string): Promise<Refund>;
    list(params?: ListQuery): AsyncIterable<Refund>;
    cancel(id: string, options?: RequestOptions): Promise<Refund>;
  };
  /** Payouts of Fintoc Collects, and what each one settles. */
  payouts: {
    get(id: string): Promise<Payout>;
    list(params?: PayoutListParams): AsyncIterable<Payout>;
    /** The payment intents a payout pays. */
    resources(id: string, type: 'payment_intent', params?: ListQuery): AsyncIterable<PaymentIntent>;
    /** The refunds it discounts (`refund`), or the failed refunds it credits back (`refund_adjustment`). */
    resources(id: string, type: 'refund' | 'refund_adjustment', params?: ListQuery): AsyncIterable<Refund>;
  };
  whoami(): Promise<Whoami>;
  /**
   * Any other endpoint, with the same headers, retries, idempotency and limits; returns the parsed
   * JSON (or `null` for an empty body).
   */
  request(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    opts?: { query?: ListQuery; body?: Json; idempotencyKey?: string },
  ): Promise<unknown>;
}

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

function fail(
  code: FintocErrorCode,
  message: string,
  extra: Partial<ConstructorParameters<typeof FintocError>[0]> = {},
) {
  return new FintocError({ code, message, ...extra });
}

function checkOptions(opts: FintocClientOptions): { origin: string; mode: KeyMode } {
  if (keyKind(opts.secretKey) !== 'secret') {
    throw fail(
      'invalid_secret_key',
      'createFintocClient: secretKey must be a Fintoc secret key (sk_test_… or sk_live_…).',
    );
  }
  const raw = (opts.baseUrl ?? FINTOC_API_URL).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw fail('invalid_client_option', `createFintocClient: baseUrl ${JSON.stringify(raw)} is not a URL.`);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash) {
    throw fail(
      'invalid_client_option',
      `createFintocClient: baseUrl must be an http(s) origin, got ${JSON.stringify(raw)}.`,
    );
  }
  if (/\/v\d+$/.test(url.pathname)) {
    throw fail(
      'invalid_client_option',
      `createFintocClient: baseUrl is the API origin (e.g. ${FINTOC_API_URL}); paths already start with /v1/, so drop "${url.pathname}".`,
    );
  }
  const positive = (name: string, v: number | undefined, allowInfinity = false) => {
    if (v !== undefined && !(v > 0 && (allowInfinity || Number.isFinite(v)))) {
      throw fail(
        'invalid_client_option',
        `createFintocClient: ${name} must be a positive number, got ${String(v)}.`,
      );
    }
  };
  positive('timeoutMs', opts.timeoutMs);
  positive('requestsPerSecond', opts.requestsPerSecond, true);
  if (opts.maxRetries !== undefined && !(Number.isInteger(opts.maxRetries) && opts.maxRetries >= 0)) {
    throw fail(
      'invalid_client_option',
      `createFintocClient: maxRetries must be a whole number ≥ 0, got ${String(opts.maxRetries)}.`,
    );
  }
  return { origin: raw, mode: keyMode(opts.secretKey)! };
}

function idPath(base: string, id: string, suffix = ''): string {
  if (typeof id !== 'string' || id.trim() === '') {
    throw fail('invalid_argument', `An id is required for ${base}/{id}${suffix}, got ${JSON.stringify(id)}.`);
  }
  return `${base}/${encodeURIComponent(id)}${suffix}`;
}

function queryString(query: ListQuery | undefined): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null) continue;
    qs.append(k, v instanceof Date ? v.toISOString() : String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/**
 * A Fintoc API client. Every POST carries an `Idempotency-Key` (yours, or one per logical call reused
 * on its retries); network errors, timeouts, 409, 429 and 5xx are retried with capped exponential
 * backoff and jitter, honouring `Retry-After`; lists follow the `Link` header; requests stay under
 * 100/s. Test and live clients can live side by side.
 *
 * @example
 * const fintoc = createFintocClient({ secretKey: process.env.FINTOC_SECRET_KEY! });
 * const pi = await fintoc.paymentIntents.create({ amount: 5000, currency: 'CLP' }, { idempotencyKey: `order-42-attempt-1` });
 * for await (const p of fintoc.paymentIntents.list({ status: 'succeeded' })) console.log(p.id);
 */
export function createFintocClient(opts: FintocClientOptions): FintocClient {
  const { origin, mode } = checkOptions(opts);
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? Math.random;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxRetries = opts.maxRetries ?? DEFAULT_MAX_RETRIES;
  const limiter = createRateLimiter(opts.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND, clock);
  const baseHeaders: Record<string, string> = {
    Authorization: opts.secretKey.replace(/^Bearer /, ''),
    Accept: 'application/json',
    'User-Agent': USER_AGENT,
  };
  if (opts.apiVersion) baseHeaders['Fintoc-Version'] = opts.apiVersion;
  // Fintoc documents `Bearer` for v2, and the v2 endpoints need 2026-02-01 or later.
  const v2Headers: Record<string, string> = {
    ...baseHeaders,
    Authorization: `Bearer ${baseHeaders.Authorization}`,
    'Fintoc-Version':
      opts.apiVersion !== undefined &&
      /^\d{4}-\d{2}-\d{2}$/.test(opts.apiVersion) &&
      opts.apiVersion > V2_API_VERSION
        ? opts.apiVersion
        : V2_API_VERSION,
  };
  /** The headers of a call to this URL: v2's for `/v2/…`. */
  const headersFor = (url: string) => (new URL(url).pathname.startsWith('/v2/') ? v2Headers : baseHeaders);

  async function attempt(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<RawResponse> {
    const controller = new AbortController();
    const stopTimer = new AbortController();
    let settled = false;
    const timedOut = Symbol('timeout');
    // The deadline is armed before the request starts and cancelled as soon as it settles.
    const deadline = clock.sleep(timeoutMs, stopTimer.signal).then(() => {
      if (settled) return undefined;
      controller.abort();
      return timedOut;
    });
    const exchange = (async (): Promise<RawResponse> => {
      const res = await fetchImpl(url, {
        method,
        headers,
        body,
        signal: controller.signal,
        redirect: 'manual',
      });
      return { status: res.status, headers: res.headers, text: await res.text() };
    })();
    try {
      const winner = await Promise.race([exchange, deadline]);
      if (winner === timedOut || winner === undefined) {
        throw new FintocConnectionError({
          code: 'timeout',
          message: `Fintoc did not answer ${method} ${new URL(url).pathname} within ${timeoutMs} ms.`,
        });
      }
      return winner;
    } catch (err) {
      if (err instanceof FintocError) throw err;
      const cause = err as { cause?: { code?: string; message?: string }; message?: string };
      const why = cause.cause?.code ?? cause.cause?.message ?? cause.message ?? String(err);
      throw new FintocConnectionError({
        code: 'connection_error',
        message: `Could not reach ${new URL(url).origin} (${method} ${new URL(url).pathname}): ${why}.`,
        cause: err,
      });
    } finally {
      settled = true;
      stopTimer.abort();
    }
  }

  /** One logical call: the same URL, body and idempotency key on every attempt. */
  async function send(
    method: string,
    url: string,
    body?: Json,
    idempotencyKey?: string,
  ): Promise<RawResponse> {
    const headers = { ...headersFor(url) };
    let payload: string | undefined;
    if (method === 'POST' || method === 'PATCH') {
      // An empty JSON object rather than no body: servers reject application/json with an empty body.
      payload = JSON.stringify(body ?? {});
      headers['Content-Type'] = 'application/json';
    }
    if (method === 'POST') {
      if (idempotencyKey !== undefined) {
        if (typeof idempotencyKey !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
          throw fail(
            'invalid_argument',
            'idempotencyKey must be 1 to 255 printable ASCII characters without spaces.',
          );
        }
      }
      headers['Idempotency-Key'] = idempotencyKey ?? randomUUID();
    }
    for (let retries = 0; ; retries++) {
      await limiter.acquire();
      let error: FintocError;
      let retryAfterMs: number | null = null;
      let status: number | null = null;
      try {
        const res = await attempt(method, url, headers, payload);
        if (res.status >= 200 && res.status < 300) return res;
        status = res.status;
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), clock.now());
        error = errorFromResponse(res.status, res.text, res.headers);
      } catch (err) {
        if (!(err instanceof FintocConnectionError)) throw err;
        error = err;
      }
      if (!shouldRetry({ status, retryAfterMs }, retries, maxRetries)) throw error;
      await clock.sleep(backoffMs(retries, { random, retryAfterMs }));
    }
  }

  function parseBody(res: RawResponse, what: string): unknown {
    if (res.text.trim() === '') return null;
    try {
      return JSON.parse(res.text);
    } catch {
      throw fail(
        'invalid_response_body',
        `Fintoc answered ${what} with HTTP ${res.status} but a body that is not JSON.`,
        {
          status: res.status,
          requestId: res.headers.get('x-request-id'),
          raw: res.text,
        },
      );
    }
  }

  function validate<S extends z.ZodType>(
    schema: S,
    value: unknown,
    res: RawResponse,
    what: string,
  ): z.infer<S> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw fail('invalid_response_body', `Fintoc's answer to ${what} is not the expected object: ${issues}.`, {
      status: res.status,
      requestId: res.headers.get('x-request-id'),
      raw: res.text,
    });
  }

  async function call<S extends z.ZodType>(
    schema: S,
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: Json,
    options?: RequestOptions,
  ): Promise<z.infer<S>> {
    const what = `${method} ${path}`;
    const res = await send(method, origin + path, body, options?.idempotencyKey);
    return validate(schema, parseBody(res, what), res, what);
  }

  function list<S extends z.ZodType>(schema: S, path: string, query?: ListQuery): AsyncIterable<z.infer<S>> {
    return {
      async *[Symbol.asyncIterator]() {
        let url: string | null = origin + path + queryString(query);
        const seen = new Set<string>();
        while (url !== null) {
          seen.add(url);
          const what = `GET ${new URL(url).pathname}`;
          const res = await send('GET', url);
          const items = parseBody(res, what);
          if (!Array.isArray(items)) {
            throw fail('invalid_response_body', `Fintoc's answer to ${what} is not a JSON array.`, {
              status: res.status,
              raw: res.text,
            });
          }
          for (const item of items) yield validate(schema, item, res, what);
          const next = parseLinkHeader(res.headers.get('link')).get('next');
          if (next === undefined) break;
          const nextUrl: URL = new URL(next, url);
          if (nextUrl.origin !== new URL(origin).origin) {
            throw fail(
              'unsafe_next_link',
              `The Link header points to ${nextUrl.origin}, not ${new URL(origin).origin}.`,
            );
          }
          url = seen.has(nextUrl.href) ? null : nextUrl.href;
        }
      },
    };
  }

  const PI = '/v1/payment_intents';
  const CS = '/v1/checkout_sessions';
  const WE = '/v1/webhook_endpoints';
  const RE = '/v1/refunds';
  const PO = '/v1/payouts';
  const CS2 = '/v2/checkout_sessions';
  function payoutResources(
    id: string,
    type: 'payment_intent',
    params?: ListQuery,
  ): AsyncIterable<PaymentIntent>;
  function payoutResources(
    id: string,
    type: 'refund' | 'refund_adjustment',
    params?: ListQuery,
  ): AsyncIterable<Refund>;
  function payoutResources(
    id: string,
    type: 'payment_intent' | 'refund' | 'refund_adjustment',
    params?: ListQuery,
  ): AsyncIterable<PaymentIntent | Refund> {
    const schema = type === 'payment_intent' ? PaymentIntentSchema : RefundSchema;
    return list(schema, idPath(PO, id, '/resources'), { ...params, resource_type: type });
  }
  /** Create, get and expire: the same calls under `/v1/` and `/v2/` (send() picks the headers). */
  const sessionCalls = (base: string) => ({
    create: (params: Json, options?: RequestOptions) =>
      call(CheckoutSessionSchema, 'POST', base, params, options),
    get: async (id: string) => call(CheckoutSessionSchema, 'GET', idPath(base, id)),
    expire: async (id: string, options?: RequestOptions) =>
      call(CheckoutSessionSchema, 'POST', idPath(base, id, '/expire'), undefined, options),
  });
  return {
    mode,
    baseUrl: origin,
    paymentIntents: {
      create: (params, options) => call(PaymentIntentSchema, 'POST', PI, params, options),
      get: async (id) => call(PaymentIntentSchema, 'GET', idPath(PI, id)),
      list: (params) => list(PaymentIntentSchema, PI, params),
      expire: async (id, options) =>
        call(PaymentIntentSchema, 'POST', idPath(PI, id, '/expire'), undefined, options),
    },
    checkoutSessions: sessionCalls(CS),
    v2: {
      checkoutSessions: {
        ...sessionCalls(CS2),
        list: (params) => list(CheckoutSessionSchema, CS2, params),
      },
    },
    webhookEndpoints: {
      create: (params, options) => call(WebhookEndpointSchema, 'POST', WE, params, options),
      list: (params) => list(WebhookEndpointSchema, WE, params),
      get: async (id) => call(WebhookEndpointSchema, 'GET', idPath(WE, id)),
      update: async (id, params) => call(WebhookEndpointSchema, 'PATCH', idPath(WE, id), params),
      delete: async (id) => {
        await send('DELETE', origin + idPath(WE, id));
      },
      test: async (id, params, options) => {
        const path = idPath(WE, id, '/test');
        return parseBody(await send('POST', origin + path, params, options?.idempotencyKey), `POST ${path}`);
      },
    },
    refunds: {
      create: (params, options) => call(RefundSchema, 'POST', RE, params, options),
      get: async (id) => call(RefundSchema, 'GET', idPath(RE, id)),
      list: (params) => list(RefundSchema, RE, params),
      cancel: async (id, options) =>
        call(RefundSchema, 'POST', idPath(RE, id, '/cancel'), undefined, options),
    },
    payouts: {
      get: async (id) => call(PayoutSchema, 'GET', idPath(PO, id)),
      list: (params) => list(PayoutSchema, PO, params),
      resources: payoutResources,
    },
    whoami: () => call(WhoamiSchema, 'GET', '/v1/whoami'),
    request: async (method, path, o = {}) => {
      if (!path.startsWith('/'))
        throw fail('invalid_argument', `path must start with "/", got ${JSON.stringify(path)}.`);
      const qs = queryString(o.query);
      const p = path + (qs && path.includes('?') ? `&${qs.slice(1)}` : qs);
      return parseBody(await send(method, origin + p, o.body, o.idempotencyKey), `${method} ${path}`);
    },
  };
}
