import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fintoc/fake-clock.js';
import { paymentIntentJson as paymentIntent } from '../../test/fintoc/payment-intent.js';
import {
  FintocApiError,
  FintocConnectionError,
  FintocError,
  FintocInvalidRequestError,
  FintocRateLimitError,
} from './api-errors.js';
import { createFintocClient } from './client.js';
import type { FintocClientOptions } from './client.js';

const KEY = 'sk_test_9c8d8CeyBTx1VcJzuDgpm4H';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  at: number;
  signal: AbortSignal;
}
type Reply = Response | Error | 'hang' | ((call: Call) => Response);

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const fintocError = (status: number, type: string, code: string, headers: Record<string, string> = {}) =>
  json(status, { error: { type, code, message: `${code} happened`, param: null, doc_url: null } }, headers);
const networkError = () => new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });

/** A client on an injected fetch that answers from `replies` in order and records each call. */
function setup(replies: Reply[], options: Partial<FintocClientOptions> = {}) {
  const clock = new FakeClock();
  const calls: Call[] = [];
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const call: Call = {
      url: String(input),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: init?.body as string | undefined,
      at: clock.now(),
      signal: init!.signal!,
    };
    calls.push(call);
    const reply = replies.length > 1 ? replies.shift()! : replies[0]!;
    if (reply === 'hang') {
      queueMicrotask(() => clock.expireDeadlines());
      return new Promise<Response>((_, reject) =>
        call.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
      );
    }
    if (reply instanceof Error) throw reply;
    return typeof reply === 'function' ? reply(call) : reply.clone();
  }) as typeof globalThis.fetch;
  const client = createFintocClient({
    secretKey: KEY,
    fetch: fakeFetch,
    clock,
    random: () => 0.5,
    ...options,
  });
  return { client, calls, clock };
}

async function rejection(p: Promise<unknown>): Promise<FintocError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(FintocError);
    return err as FintocError;
  }
  throw new Error('expected a rejection');
}

describe('requests', () => {
  it('go to https://api.fintoc.com/v1/… with the raw key in Authorization and no Fintoc-Version', async () => {
    const { client, calls } = setup([json(200, paymentIntent())]);
    await client.paymentIntents.get('pi_1');
    expect(calls[0]!.url).toBe('https://api.fintoc.com/v1/payment_intents/pi_1');
    expect(calls[0]!.headers['authorization']).toBe(KEY);
    expect(calls[0]!.headers).not.toHaveProperty('fintoc-version');
    expect(calls[0]!.headers['accept']).toBe('application/json');
  });
  it('send Fintoc-Version when apiVersion is set', async () => {
    const { client, calls } = setup([json(200, paymentIntent())], { apiVersion: '2023-11-15' });
    await client.paymentIntents.get('pi_1');
    expect(calls[0]!.headers['fintoc-version']).toBe('2023-11-15');
  });
  it('strip "Bearer " so the key goes raw', async () => {
    const { client, calls } = setup([json(200, paymentIntent())], { secretKey: `Bearer ${KEY}` });
    await client.paymentIntents.get('pi_1');
    expect(calls[0]!.headers['authorization']).toBe(KEY);
  });
  it('hit the right method and path for every resource', async () => {
    const cs = {
      id: 'cs_1',
      object: 'checkout_session',
      amount: 1,
      currency: 'CLP',
      created_at: '2026-01-01T00:00:00Z',
      mode: 'test',
      status: 'created',
    };
    const we = {
      id: 'we_1',
      object: 'webhook_endpoint',
      created_at: '2026-01-01T00:00:00Z',
      description: null,
      enabled_events: [],
      mode: 'test',
      secret: null,
      status: 'enabled',
      url: 'https://x',
    };
    const re = {
      id: 're_1',
      object: 'refund',
      amount: 1,
      currency: 'CLP',
      created_at: '2026-01-01T00:00:00Z',
      metadata: {},
      mode: 'test',
      resource_id: 'pi_1',
      resource_type: 'payment_intent',
      status: 'created',
    };
    const byPath = (call: Call) => {
      const p = new URL(call.url).pathname;
      if (p.startsWith('/v1/payment_intents')) return json(201, paymentIntent());
      if (p.startsWith('/v1/checkout_sessions')) return json(201, cs);
      if (p.startsWith('/v1/webhook_endpoints')) return json(200, we);
      if (p.startsWith('/v1/refunds')) return json(201, re);
      return json(200, { organization_name: 'Shop', mode: 'test', api_version: '2023-11-15' });
    };
    const { client, calls } = setup([byPath]);
    await client.paymentIntents.create({ amount: 1, currency: 'CLP' });
    await client.paymentIntents.expire('pi_1');
    await client.checkoutSessions.create({
      amount: 1,
      currency: 'CLP',
      success_url: 'https://a',
      cancel_url: 'https://b',
    });
    await client.checkoutSessions.get('cs_1');
    await client.checkoutSessions.expire('cs_1');
    await client.webhookEndpoints.create({ url: 'https://x', enabled_events: ['payment_intent.succeeded'] });
    await client.webhookEndpoints.get('we_1');
    await client.webhookEndpoints.update('we_1', { disabled: true });
    await client.webhookEndpoints.delete('we_1');
    await client.webhookEndpoints.test('we_1', { type: 'payment_intent.succeeded' });
    await client.refunds.create({ resource_type: 'payment_intent', resource_id: 'pi_1' });
    await client.refunds.get('re_1');
    await client.refunds.cancel('re_1');
    expect((await client.whoami()).mode).toBe('test');
    expect(calls.map((c) => `${c.method} ${new URL(c.url).pathname}`)).toEqual([
      'POST /v1/payment_intents',
      'POST /v1/payment_intents/pi_1/expire',
      'POST /v1/checkout_sessions',
      'GET /v1/checkout_sessions/cs_1',
      'POST /v1/checkout_sessions/cs_1/expire',
      'POST /v1/webhook_endpoints',
      'GET /v1/webhook_endpoints/we_1',
      'PATCH /v1/webhook_endpoints/we_1',
      'DELETE /v1/webhook_endpoints/we_1',
      'POST /v1/webhook_endpoints/we_1/test',
      'POST /v1/refunds',
      'GET /v1/refunds/re_1',
      'POST /v1/refunds/re_1/cancel',
      'GET /v1/whoami',
    ]);
    expect(JSON.parse(calls[7]!.body!)).toEqual({ disabled: true });
    expect(JSON.parse(calls[9]!.body!)).toEqual({ type: 'payment_intent.succeeded' });
  });
  it('reach any other endpoint through request(), with the same rules', async () => {
    const { client, calls } = setup([json(200, { ok: true })]);
    expect(
      await client.request('GET', '/v1/payouts/po_1/resources?resource_type=refund', { query: { page: 2 } }),
    ).toEqual({
      ok: true,
    });
    await client.request('POST', '/v1/payment_intents/check_eligibility', { body: { amount: 1 } });
    expect(calls[0]!.url).toBe(
      'https://api.fintoc.com/v1/payouts/po_1/resources?resource_type=refund&page=2',
    );
    expect(calls[1]!.headers['idempotency-key']).toMatch(UUID);
  });
  it('send POST bodies as JSON, an empty object when there are no params', async () => {
    const { client, calls } = setup([
      json(201, paymentIntent({ status: 'expired', error_reason: 'manually_expired' })),
    ]);
    await client.paymentIntents.create({ amount: 5000, currency: 'CLP', metadata: { order: '42' } });
    await client.paymentIntents.expire('pi_1');
    expect(calls[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(calls[0]!.body!)).toEqual({ amount: 5000, currency: 'CLP', metadata: { order: '42' } });
    expect(calls[1]!.body).toBe('{}');
  });
  it('escape ids and refuse empty ones before calling Fintoc', async () => {
    const { client, calls } = setup([json(200, paymentIntent())]);
    await client.paymentIntents.get('pi_1/../refunds');
    expect(calls[0]!.url).toBe('https://api.fintoc.com/v1/payment_intents/pi_1%2F..%2Frefunds');
    expect((await rejection(client.paymentIntents.get(''))).code).toBe('invalid_argument');
    expect(calls).toHaveLength(1);
  });
});

describe('idempotency', () => {
  it('every POST carries a generated key; GETs carry none', async () => {
    const { client, calls } = setup([json(201, paymentIntent())]);
    await client.paymentIntents.create({ amount: 1, currency: 'CLP' });
    await client.paymentIntents.get('pi_1');
    expect(calls[0]!.headers['idempotency-key']).toMatch(UUID);
    expect(calls[1]!.headers).not.toHaveProperty('idempotency-key');
  });
  it('two logical calls get two keys', async () => {
    const { client, calls } = setup([json(201, paymentIntent())]);
    await client.paymentIntents.create({ amount: 1, currency: 'CLP' });
    await client.paymentIntents.create({ amount: 1, currency: 'CLP' });
    expect(calls[0]!.headers['idempotency-key']).not.toBe(calls[1]!.headers['idempotency-key']);
  });
  it('the generated key is reused on every retry of the call', async () => {
    const { client, calls } = setup([
      fintocError(503, 'api_error', 'internal_server'),
      networkError(),
      json(201, paymentIntent()),
    ]);
    await client.paymentIntents.create({ amount: 1, currency: 'CLP' });
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['idempotency-key'])).size).toBe(1);
    expect(new Set(calls.map((c) => c.body)).size).toBe(1);
  });
  it("the caller's key is sent as is and never replaced, also on retries", async () => {
    const { client, calls } = setup([
      fintocError(500, 'api_error', 'internal_server'),
      json(201, paymentIntent()),
    ]);
    await client.paymentIntents.create(
      { amount: 1, currency: 'CLP' },
      { idempotencyKey: 'order-42-attempt-1' },
    );
    await client.paymentIntents.expire('pi_1', { idempotencyKey: 'expire-42' });
    expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([
      'order-42-attempt-1',
      'order-42-attempt-1',
      'expire-42',
    ]);
  });
  it('a key Fintoc would refuse (empty, > 255, spaces) fails before any request', async () => {
    const { client, calls } = setup([json(201, paymentIntent())]);
    for (const idempotencyKey of ['', 'x'.repeat(256), 'has space']) {
      expect(
        (await rejection(client.paymentIntents.create({ amount: 1, currency: 'CLP' }, { idempotencyKey })))
          .code,
      ).toBe('invalid_argument');
    }
    expect(calls).toHaveLength(0);
  });
});

describe('retries', () => {
  it('retry network errors', async () => {
    const { client, calls } = setup([networkError(), json(200, paymentIntent())]);
    expect((await client.paymentIntents.get('pi_1')).id).toBe('pi_2vKOKniSGXRhXTKrJ67VXZ');
    expect(calls).toHaveLength(2);
  });
  it.each([409, 429, 500, 502, 503])('retry HTTP %i', async (status) => {
    const { client, calls } = setup([fintocError(status, 'api_error', 'x'), json(200, paymentIntent())]);
    await client.paymentIntents.get('pi_1');
    expect(calls).toHaveLength(2);
  });
  it.each([400, 401, 403, 404, 422])('do not retry HTTP %i', async (status) => {
    const { client, calls } = setup([
      fintocError(status, 'invalid_request_error', 'x'),
      json(200, paymentIntent()),
    ]);
    await rejection(client.paymentIntents.get('pi_1'));
    expect(calls).toHaveLength(1);
  });
  it('give up after maxRetries with the last error', async () => {
    const { client, calls } = setup([fintocError(503, 'api_error', 'internal_server')], { maxRetries: 2 });
    const err = await rejection(client.paymentIntents.get('pi_1'));
    expect(err).toBeInstanceOf(FintocApiError);
    expect(calls).toHaveLength(3);
  });
  it('wait with capped exponential backoff and jitter between attempts', async () => {
    const { client, clock, calls } = setup([fintocError(500, 'api_error', 'x')], { maxRetries: 6 });
    await rejection(client.paymentIntents.get('pi_1'));
    // random() = 0.5 → 3/4 of min(8000, 500·2^n)
    expect(clock.waits).toEqual([375, 750, 1500, 3000, 6000, 6000]);
    expect(calls.map((c) => c.at - calls[0]!.at)).toEqual([0, 375, 1125, 2625, 5625, 11625, 17625]);
  });
  it('honour Retry-After', async () => {
    const { client, clock } = setup([
      fintocError(429, 'invalid_request_error', 'rate_limit_exceeded', { 'retry-after': '7' }),
      json(200, paymentIntent()),
    ]);
    await client.paymentIntents.get('pi_1');
    expect(clock.waits).toEqual([7000]);
  });
  it('give a Retry-After over a minute straight back to the caller', async () => {
    const { client, calls } = setup([
      fintocError(429, 'invalid_request_error', 'rate_limit_exceeded', { 'retry-after': '3600' }),
    ]);
    const err = await rejection(client.paymentIntents.get('pi_1'));
    expect(err).toBeInstanceOf(FintocRateLimitError);
    expect(calls).toHaveLength(1);
  });
  it('time out a request that hangs, abort it, and retry it', async () => {
    const { client, calls, clock } = setup(['hang', json(200, paymentIntent())], { timeoutMs: 5000 });
    await client.paymentIntents.get('pi_1');
    expect(calls).toHaveLength(2);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(calls[1]!.at - calls[0]!.at).toBe(5000 + 375);
    expect(clock.pendingDeadlines).toBe(0);
  });
  it('report a timeout as a connection error with code timeout', async () => {
    const { client, calls } = setup(['hang'], { timeoutMs: 5000, maxRetries: 1 });
    const err = await rejection(client.paymentIntents.get('pi_1'));
    expect(err).toBeInstanceOf(FintocConnectionError);
    expect(err).toMatchObject({ code: 'timeout', status: null });
    expect(err.message).toBe('Fintoc did not answer GET /v1/payment_intents/pi_1 within 5000 ms.');
    expect(calls).toHaveLength(2);
  });
  it('report a network error with its cause and code connection_error', async () => {
    const { client } = setup([networkError()], { maxRetries: 0 });
    const err = await rejection(client.paymentIntents.get('pi_1'));
    expect(err).toBeInstanceOf(FintocConnectionError);
    expect(err.code).toBe('connection_error');
    expect(err.message).toContain('ECONNRESET');
  });
});

describe('errors', () => {
  it('keep the class, status, code, param, message, doc_url, request id and raw body', async () => {
    const body = {
      error: {
        type: 'invalid_request_error',
        code: 'missing_resource',
        message: 'No such payment_intent: pi_invalid',
        param: 'id',
        doc_url: 'https://fintoc.com/docs#invalid-request-error',
      },
    };
    const { client } = setup([json(404, body, { 'x-request-id': 'req-123' })]);
    const err = await rejection(client.paymentIntents.get('pi_invalid'));
    expect(err).toBeInstanceOf(FintocInvalidRequestError);
    expect(err).toMatchObject({
      status: 404,
      type: 'invalid_request_error',
      code: 'missing_resource',
      param: 'id',
      message: 'No such payment_intent: pi_invalid',
      docUrl: 'https://fintoc.com/docs#invalid-request-error',
      requestId: 'req-123',
      raw: JSON.stringify(body),
    });
  });
  it('explain a non-JSON error body', async () => {
    const { client } = setup(
      [new Response('<h1>Bad gateway</h1>', { status: 502, headers: { 'content-type': 'text/html' } })],
      {
        maxRetries: 0,
      },
    );
    const err = await rejection(client.paymentIntents.get('pi_1'));
    expect(err).toBeInstanceOf(FintocApiError);
    expect(err.code).toBe('unparseable_error_body');
    expect(err.message).toContain('HTTP 502');
    expect(err.raw).toBe('<h1>Bad gateway</h1>');
  });
  it('refuse a 2xx answer that is not the documented object, without retrying', async () => {
    const { client, calls } = setup([json(200, paymentIntent({ status: 'paid' }))]);
    const err = await rejection(client.paymentIntents.get('pi_1'));
    expect(err.code).toBe('invalid_response_body');
    expect(err.message).toMatch(/status: Invalid option/);
    expect(err.raw).toContain('"paid"');
    expect(calls).toHaveLength(1);
  });
  it('refuse a redirect instead of following it with the key', async () => {
    const { client } = setup([
      new Response(null, { status: 302, headers: { location: 'https://evil.example/' } }),
    ]);
    const err = await rejection(client.paymentIntents.get('pi_1'));
    expect(err.status).toBe(302);
  });
});

describe('lists', () => {
  const page = (ids: string[], next?: string) =>
    json(
      200,
      ids.map((id) => paymentIntent({ id })),
      next ? { link: `<${next}>; rel="next"` } : {},
    );

  it('follow the absolute Link next URL until there is none', async () => {
    const base = 'https://api.fintoc.com/v1/payment_intents?status=succeeded';
    const { client, calls } = setup([
      page(['pi_1', 'pi_2'], `${base}&page=2`),
      page(['pi_3'], `${base}&page=3`),
      page([]),
    ]);
    const ids: string[] = [];
    for await (const pi of client.paymentIntents.list({ status: 'succeeded' })) ids.push(pi.id);
    expect(ids).toEqual(['pi_1', 'pi_2', 'pi_3']);
    expect(calls.map((c) => c.url)).toEqual([base, `${base}&page=2`, `${base}&page=3`]);
  });
  it('fetch a page only when the iteration reaches it', async () => {
    const { client, calls } = setup([
      page(['pi_1', 'pi_2'], 'https://api.fintoc.com/v1/payment_intents?page=2'),
      page(['pi_3']),
    ]);
    for await (const pi of client.paymentIntents.list()) {
      expect(pi.id).toBe('pi_1');
      break;
    }
    expect(calls).toHaveLength(1);
  });
  it('send dates as ISO strings in the query', async () => {
    const { client, calls } = setup([page([])]);
    for await (const _ of client.refunds.list({ since: new Date(Date.UTC(2026, 0, 2)), per_page: 300 }))
      void _;
    expect(calls[0]!.url).toBe(
      'https://api.fintoc.com/v1/refunds?since=2026-01-02T00%3A00%3A00.000Z&per_page=300',
    );
  });
  it('never follow a next link to another origin', async () => {
    const { client, calls } = setup([page(['pi_1'], 'https://evil.example/v1/payment_intents?page=2')]);
    const it = client.paymentIntents.list()[Symbol.asyncIterator]();
    expect((await it.next()).value?.id).toBe('pi_1');
    expect((await rejection(it.next())).code).toBe('unsafe_next_link');
    expect(calls).toHaveLength(1);
  });
});

describe('client-side rate limit', () => {
  it('starts no more than requestsPerSecond requests in any second', async () => {
    const { client, calls } = setup([json(200, paymentIntent())], { requestsPerSecond: 10 });
    for (let i = 0; i < 35; i++) await client.paymentIntents.get(`pi_${i}`);
    const at = calls.map((c) => c.at - calls[0]!.at);
    expect(at.slice(0, 10)).toEqual(new Array(10).fill(0));
    for (let i = 10; i < at.length; i++) expect(at[i]! - at[i - 10]!).toBeGreaterThanOrEqual(1000);
  });
  it('defaults to 100 per second', async () => {
    const { client, calls } = setup([json(200, paymentIntent())]);
    for (let i = 0; i < 101; i++) await client.paymentIntents.get(`pi_${i}`);
    expect(calls[99]!.at).toBe(calls[0]!.at);
    expect(calls[100]!.at - calls[0]!.at).toBe(1000);
  });
});

describe('createFintocClient', () => {
  it('refuses what cannot work, with a clear message', () => {
    const bad: [Partial<FintocClientOptions>, string, RegExp][] = [
      [{ secretKey: 'pk_test_x' }, 'invalid_secret_key', /sk_test_/],
      [{ baseUrl: 'https://api.fintoc.com/v1/' }, 'invalid_client_option', /drop "\/v1"/],
      [{ baseUrl: 'ftp://x' }, 'invalid_client_option', /http\(s\) origin/],
      [{ timeoutMs: 0 }, 'invalid_client_option', /timeoutMs/],
      [{ maxRetries: -1 }, 'invalid_client_option', /maxRetries/],
      [{ requestsPerSecond: 0 }, 'invalid_client_option', /requestsPerSecond/],
    ];
    for (const [opts, code, message] of bad) {
      expect(() => createFintocClient({ secretKey: KEY, ...opts })).toThrow(message);
      try {
        createFintocClient({ secretKey: KEY, ...opts });
      } catch (err) {
        expect((err as FintocError).code).toBe(code);
      }
    }
  });
  it('lets a test and a live client live side by side', async () => {
    const test = setup([json(200, paymentIntent())]);
    const live = setup([json(200, paymentIntent({ mode: 'live' }))], {
      secretKey: 'sk_live_abc',
      baseUrl: 'http://127.0.0.1:9/',
    });
    expect([test.client.mode, live.client.mode]).toEqual(['test', 'live']);
    await live.client.paymentIntents.get('pi_1');
    expect(live.calls[0]!.url).toBe('http://127.0.0.1:9/v1/payment_intents/pi_1');
    expect(live.calls[0]!.headers['authorization']).toBe('sk_live_abc');
  });
});

describe('v2 checkout sessions', () => {
  const session = (over: Record<string, unknown> = {}) => ({
    id: 'cs_1',
    object: 'checkout_session',
    amount: 5000,
    currency: 'CLP',
    created_at: '2026-03-01T12:00:00Z',
    mode: 'test',
    status: 'created',
    ui_mode: 'embedded',
    session_token: 'cs_1_sec_x',
    redirect_url: null,
    payment_resource: { payment_intent: null },
    ...over,
  });
  const BASE = 'https://api.fintoc.com/v2/checkout_sessions';

  it('go to /v2/ with Bearer and Fintoc-Version 2026-02-01, whatever the v1 calls send', async () => {
    const { client, calls } = setup([json(201, session()), json(200, paymentIntent())], {
      apiVersion: '2023-11-15',
    });
    const cs = await client.v2.checkoutSessions.create(
      { amount: 5000, currency: 'CLP', ui_mode: 'embedded', metadata: { payment: 'pay_1' } },
      { idempotencyKey: 'pay_1-attempt-1' },
    );
    expect(cs.session_token).toBe('cs_1_sec_x');
    expect(calls[0]).toMatchObject({ url: BASE, method: 'POST' });
    expect(calls[0]!.headers).toMatchObject({
      authorization: `Bearer ${KEY}`,
      'fintoc-version': '2026-02-01',
      'idempotency-key': 'pay_1-attempt-1',
      'content-type': 'application/json',
    });
    expect(JSON.parse(calls[0]!.body!)).toEqual({
      amount: 5000,
      currency: 'CLP',
      ui_mode: 'embedded',
      metadata: { payment: 'pay_1' },
    });
    // v1 keeps the raw key and the configured version.
    await client.paymentIntents.get('pi_1');
    expect(calls[1]!.headers['authorization']).toBe(KEY);
    expect(calls[1]!.headers['fintoc-version']).toBe('2023-11-15');
  });

  it('send a later apiVersion to v2 as configured, and never a malformed one', async () => {
    const later = setup([json(200, session())], { apiVersion: '2027-01-01' });
    await later.client.v2.checkoutSessions.get('cs_1');
    expect(later.calls[0]!.headers['fintoc-version']).toBe('2027-01-01');
    const odd = setup([json(200, session())], { apiVersion: 'zzz' });
    await odd.client.v2.checkoutSessions.get('cs_1');
    expect(odd.calls[0]!.headers['fintoc-version']).toBe('2026-02-01');
    const none = setup([json(200, session())]);
    await none.client.v2.checkoutSessions.get('cs_1');
    expect(none.calls[0]!.headers['fintoc-version']).toBe('2026-02-01');
  });

  it('get, expire (POST with a key) and request() on a /v2/ path use the v2 headers', async () => {
    const { client, calls } = setup([json(200, session({ status: 'expired' }))]);
    await client.v2.checkoutSessions.get('cs/1');
    await client.v2.checkoutSessions.expire('cs_1');
    await client.request('GET', '/v2/checkout_sessions/cs_1');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      `GET ${BASE}/cs%2F1`,
      `POST ${BASE}/cs_1/expire`,
      `GET ${BASE}/cs_1`,
    ]);
    for (const c of calls) expect(c.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(calls[1]!.headers['idempotency-key']).toMatch(UUID);
  });

  it('list follows the cursor Link (keeping the v2 headers) and stops on an empty one', async () => {
    const { client, calls } = setup([
      json(200, [session({ id: 'cs_3' }), session({ id: 'cs_2' })], {
        link: `<${BASE}?limit=2&starting_after=cs_2>; rel="next"`,
      }),
      json(200, [session({ id: 'cs_1' })], { link: '' }),
    ]);
    const ids: string[] = [];
    for await (const cs of client.v2.checkoutSessions.list({ limit: 2 })) ids.push(cs.id);
    expect(ids).toEqual(['cs_3', 'cs_2', 'cs_1']);
    expect(calls.map((c) => c.url)).toEqual([`${BASE}?limit=2`, `${BASE}?limit=2&starting_after=cs_2`]);
    for (const c of calls) expect(c.headers['fintoc-version']).toBe('2026-02-01');
  });

  it('map a 403 invalid_api_version to FintocInvalidRequestError without retrying', async () => {
    const { client, calls } = setup([fintocError(403, 'invalid_request_error', 'invalid_api_version')]);
    const err = await rejection(client.v2.checkoutSessions.get('cs_1'));
    expect(err).toBeInstanceOf(FintocInvalidRequestError);
    expect(err).toMatchObject({ status: 403, code: 'invalid_api_version' });
    expect(calls).toHaveLength(1);
  });
});
