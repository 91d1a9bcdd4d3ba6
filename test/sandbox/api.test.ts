/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FintocErrorEnvelopeSchema,
  PaymentIntentSchema,
  WebhookEndpointSchema,
  RefundSchema,
} from '../../src/fintoc/index.js';
import {
  build,
  createIntent,
  createEndpoint,
  simulate,
  LIVE_KEY,
  OTHER_KEY,
  T0,
  TEST_KEY,
  type Harness,
} from './helper.js';

let h: Harness;
beforeEach(() => {
  h = build();
});
afterEach(() => h.close());

function expectError(res: { status: number; body: any }, status: number, type: string, code: string) {
  expect(res.status).toBe(status);
  expect(FintocErrorEnvelopeSchema.safeParse(res.body).success).toBe(true);
  expect(res.body.error).toMatchObject({ type, code });
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message.length).toBeGreaterThan(10);
  expect(res.body.error).toHaveProperty('param');
  expect(res.body.error.doc_url).toMatch(/^https:\/\/fintoc\.com\/docs#/);
}

describe('authentication', () => {
  it('accepts a bare secret key and one with Bearer', async () => {
    expect((await h.request('GET', '/v1/whoami')).status).toBe(200);
    const bearer = await h.request('GET', '/v1/whoami', { key: `Bearer ${TEST_KEY}` });
    expect(bearer.status).toBe(200);
    expect(bearer.body).toMatchObject({ mode: 'test', api_version: '2026-02-01' });
    expect(typeof bearer.body.organization_name).toBe('string');
  });

  it.each([
    ['no key', null],
    ['an empty key', ''],
    ['a public key', 'pk_test_orgAAAA1111'],
    ['a malformed key', 'sk_prod_abc'],
    ['garbage', 'hello'],
  ])('answers 401 authentication_error for %s', async (_name, key) => {
    const res = await h.request('GET', '/v1/payment_intents', { key });
    expectError(res, 401, 'authentication_error', 'invalid_api_key');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('guards the control API with the same keys', async () => {
    expectError(
      await h.request('GET', '/_sandbox/clock', { key: null }),
      401,
      'authentication_error',
      'invalid_api_key',
    );
  });

  it('stores nothing for a request that fails authentication', async () => {
    const res = await h.request('POST', '/v1/payment_intents', {
      key: 'nope',
      body: { amount: 1, currency: 'CLP' },
      headers: { 'idempotency-key': 'k1' },
    });
    expect(res.status).toBe(401);
    expect(h.sb.core.spaces.size).toBe(0);
  });
});

describe('errors', () => {
  it('answers an unknown route with 404 unrecognized_request', async () => {
    const res = await h.request('POST', '/payment_intents', { body: {} });
    expectError(res, 404, 'invalid_request_error', 'unrecognized_request');
    expect(res.body.error.message).toContain('POST /payment_intents');
  });

  it('answers invalid JSON with the envelope, not a crash', async () => {
    const res = await h.sb.app.inject({
      method: 'POST',
      url: '/v1/payment_intents',
      headers: { authorization: TEST_KEY, 'content-type': 'application/json' },
      payload: '{"amount": 5',
    });
    expectError({ status: res.statusCode, body: res.json() }, 400, 'invalid_request_error', 'invalid_json');
  });

  it('answers a non-JSON content type with a clear 400', async () => {
    const res = await h.sb.app.inject({
      method: 'POST',
      url: '/v1/payment_intents',
      headers: { authorization: TEST_KEY, 'content-type': 'text/plain' },
      payload: 'amount=5',
    });
    expectError(
      { status: res.statusCode, body: res.json() },
      400,
      'invalid_request_error',
      'invalid_content_type',
    );
  });

  it.each([
    [{ currency: 'CLP' }, 'missing_parameter', 'amount'],
    [{ amount: 5000 }, 'missing_parameter', 'currency'],
    [{ amount: -1, currency: 'CLP' }, 'invalid_amount', 'amount'],
    [{ amount: 10.5, currency: 'CLP' }, 'invalid_amount', 'amount'],
    [{ amount: '5000', currency: 'CLP' }, 'invalid_amount', 'amount'],
    [{ amount: 5000, currency: 'USD' }, 'invalid_currency', 'currency'],
    [{ amount: 5000, currency: 'CLP', metadata: 'x' }, 'invalid_params', 'metadata'],
  ])('rejects a bad create body %j', async (body, code, param) => {
    const res = await h.request('POST', '/v1/payment_intents', { body });
    expectError(res, 400, 'invalid_request_error', code);
    expect(res.body.error.param).toBe(param);
  });

  it('answers an unknown id with 404 missing_resource', async () => {
    const res = await h.request('GET', '/v1/payment_intents/pi_nope');
    expectError(res, 404, 'invalid_request_error', 'missing_resource');
    expect(res.body.error.message).toBe('No such payment_intent: pi_nope');
  });
});

describe('payment intents', () => {
  it('creates with 201, the documented shape, widget_token only on create', async () => {
    const res = await h.request('POST', '/v1/payment_intents', {
      body: {
        amount: 5000,
        currency: 'clp',
        customer_email: 'a@b.cl',
        metadata: { order: '42' },
        idempotency_key: 'x',
        path_: '/v1/payment_intents',
        surprise: true,
      },
    });
    expect(res.status).toBe(201);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const pi = res.body;
    expect(PaymentIntentSchema.safeParse(pi).success).toBe(true);
    expect(pi).toMatchObject({
      object: 'payment_intent',
      amount: 5000,
      currency: 'CLP',
      status: 'created',
      mode: 'test',
      customer_email: 'a@b.cl',
      metadata: { order: '42' },
      error_reason: null,
      sender_account: null,
      created_at: '2025-01-01T12:00:00Z',
    });
    expect(pi.id).toMatch(/^pi_[0-9A-Za-z]{22}$/);
    expect(pi.widget_token).toMatch(new RegExp(`^${pi.id}_sec_[0-9A-Za-z]+$`));
    expect(pi).not.toHaveProperty('surprise');
    const got = await h.request('GET', `/v1/payment_intents/${pi.id}`);
    expect(got.status).toBe(200);
    expect(got.body.widget_token).toBeNull();
    expect({ ...got.body, widget_token: pi.widget_token }).toEqual(pi);
  });

  it('expires created and in_progress intents with manually_expired, refuses others with 400', async () => {
    const a = await createIntent(h);
    const expired = await h.request('POST', `/v1/payment_intents/${a.id}/expire`);
    expect(expired.status).toBe(201);
    expect(expired.body).toMatchObject({
      status: 'expired',
      error_reason: 'manually_expired',
      sender_account: null,
    });

    const b = await createIntent(h);
    await simulate(h, b.id, 'start');
    expect((await h.request('POST', `/v1/payment_intents/${b.id}/expire`)).body.status).toBe('expired');

    const c = await createIntent(h);
    await simulate(h, c.id, 'run');
    const refused = await h.request('POST', `/v1/payment_intents/${c.id}/expire`);
    expectError(refused, 400, 'invalid_request_error', 'invalid_payment_intent_status');
    expect(refused.body.error.message).toContain('succeeded');
    expectError(
      await h.request('POST', `/v1/payment_intents/${a.id}/expire`),
      400,
      'invalid_request_error',
      'invalid_payment_intent_status',
    );
  });
});

describe('pagination and filters', () => {
  it('pages 30 by default with absolute Link URLs and X-Total-Count', async () => {
    for (let i = 0; i < 65; i++) await createIntent(h, { amount: 100 + i });
    const first = await h.request('GET', '/v1/payment_intents', { headers: { host: 'sandbox.test:4010' } });
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(30);
    expect(first.body[0].amount).toBe(164); // newest first
    expect(first.headers['x-total-count']).toBe('65');
    expect(first.headers.link).toBe(
      '<http://sandbox.test:4010/v1/payment_intents?page=1>; rel="first", <http://sandbox.test:4010/v1/payment_intents?page=2>; rel="next", <http://sandbox.test:4010/v1/payment_intents?page=3>; rel="last"',
    );
    const third = await h.request('GET', '/v1/payment_intents?page=3', {
      headers: { host: 'sandbox.test:4010' },
    });
    expect(third.body).toHaveLength(5);
    expect(third.headers.link).toBe(
      '<http://sandbox.test:4010/v1/payment_intents?page=1>; rel="first", <http://sandbox.test:4010/v1/payment_intents?page=2>; rel="prev", <http://sandbox.test:4010/v1/payment_intents?page=3>; rel="last"',
    );
  });

  it('keeps the query string, takes per_page up to 300 and refuses more', async () => {
    for (let i = 0; i < 5; i++) await createIntent(h);
    const res = await h.request('GET', '/v1/payment_intents?status=created&per_page=2&page=2', {
      headers: { host: 'x' },
    });
    expect(res.body).toHaveLength(2);
    expect(res.headers.link).toContain(
      '<http://x/v1/payment_intents?status=created&per_page=2&page=3>; rel="next"',
    );
    expect((await h.request('GET', '/v1/payment_intents?per_page=300')).status).toBe(200);
    expectError(
      await h.request('GET', '/v1/payment_intents?per_page=301'),
      400,
      'invalid_request_error',
      'invalid_params',
    );
    expectError(
      await h.request('GET', '/v1/payment_intents?page=0'),
      400,
      'invalid_request_error',
      'invalid_params',
    );
  });

  it('a single page links first and last to page 1; an empty list too', async () => {
    const res = await h.request('GET', '/v1/payment_intents', { headers: { host: 'x' } });
    expect(res.body).toEqual([]);
    expect(res.headers.link).toBe(
      '<http://x/v1/payment_intents?page=1>; rel="first", <http://x/v1/payment_intents?page=1>; rel="last"',
    );
  });

  it('filters by status, since and until', async () => {
    const a = await createIntent(h);
    await h.sb.clock.advance(86_400_000);
    const b = await createIntent(h);
    await simulate(h, b.id, 'run');
    const ids = async (q: string) =>
      (await h.request('GET', `/v1/payment_intents?${q}`)).body.map((p: any) => p.id);
    expect(await ids('status=succeeded')).toEqual([b.id]);
    // a was left alone for a day: the sandbox's own intent timeout (1 h by default) expired it.
    expect(await ids('status=expired')).toEqual([a.id]);
    expect((await h.request('GET', `/v1/payment_intents/${a.id}`)).body.error_reason).toBe('timeout');
    expect(await ids('since=2025-01-02')).toEqual([b.id]);
    expect(await ids('until=2025-01-01')).toEqual([a.id]);
    expect(await ids(`since=${new Date(T0).toISOString()}`)).toEqual([b.id, a.id]);
    expectError(
      await h.request('GET', '/v1/payment_intents?status=paid'),
      400,
      'invalid_request_error',
      'invalid_params',
    );
    expectError(
      await h.request('GET', '/v1/payment_intents?since=yesterday'),
      400,
      'invalid_request_error',
      'invalid_params',
    );
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and body', async () => {
    const body = { amount: 5000, currency: 'CLP' };
    const headers = { 'idempotency-key': 'order-1-attempt-1' };
    const a = await h.request('POST', '/v1/payment_intents', { body, headers });
    const b = await h.request('POST', '/v1/payment_intents', { body, headers });
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect((await h.request('GET', '/v1/payment_intents')).body).toHaveLength(1);
  });

  it('replays the response as it was, even after the intent moved on', async () => {
    const headers = { 'idempotency-key': 'snapshot-1' };
    const body = { amount: 5000, currency: 'CLP' };
    const a = await h.request('POST', '/v1/payment_intents', { body, headers });
    await simulate(h, a.body.id, 'run');
    const b = await h.request('POST', '/v1/payment_intents', { body, headers });
    expect(b.body).toMatchObject({ id: a.body.id, status: 'created', widget_token: a.body.widget_token });
    expect(b.headers['content-type']).toMatch(/^application\/json/);
  });

  it('replays errors too', async () => {
    const headers = { 'idempotency-key': 'bad-1' };
    const a = await h.request('POST', '/v1/payment_intents', {
      body: { amount: -1, currency: 'CLP' },
      headers,
    });
    const b = await h.request('POST', '/v1/payment_intents', {
      body: { amount: -1, currency: 'CLP' },
      headers,
    });
    expect(a.status).toBe(400);
    expect(b).toMatchObject({ status: 400, body: a.body });
  });

  it('refuses the same key with another body or path', async () => {
    const headers = { 'idempotency-key': 'k-1' };
    await h.request('POST', '/v1/payment_intents', { body: { amount: 5000, currency: 'CLP' }, headers });
    const other = await h.request('POST', '/v1/payment_intents', {
      body: { amount: 6000, currency: 'CLP' },
      headers,
    });
    expectError(other, 400, 'invalid_request_error', 'idempotency_key_reused');
    expect(other.body.error.message).toMatch(/new key/);
    const otherPath = await h.request('POST', '/v1/refunds', {
      body: { amount: 5000, currency: 'CLP' },
      headers,
    });
    expectError(otherPath, 400, 'invalid_request_error', 'idempotency_key_reused');
    expect((await h.request('GET', '/v1/payment_intents')).body).toHaveLength(1);
  });

  it('keys are per organisation and expire after 24 h of sandbox time', async () => {
    const headers = { 'idempotency-key': 'shared' };
    const body = { amount: 5000, currency: 'CLP' };
    const a = await h.request('POST', '/v1/payment_intents', { body, headers });
    const b = await h.request('POST', '/v1/payment_intents', { body, headers, key: OTHER_KEY });
    expect(b.body.id).not.toBe(a.body.id);
    await h.sb.clock.advance(24 * 3_600_000);
    const c = await h.request('POST', '/v1/payment_intents', { body, headers });
    expect(c.body.id).not.toBe(a.body.id);
  });

  it('refuses a key longer than 255 characters', async () => {
    const res = await h.request('POST', '/v1/payment_intents', {
      body: { amount: 5000, currency: 'CLP' },
      headers: { 'idempotency-key': 'x'.repeat(256) },
    });
    expectError(res, 400, 'invalid_request_error', 'invalid_idempotency_key');
  });
});

describe('mode and organisation isolation', () => {
  it('a live key cannot see test intents, nor another organisation', async () => {
    const pi = await createIntent(h);
    expectError(
      await h.request('GET', `/v1/payment_intents/${pi.id}`, { key: LIVE_KEY }),
      404,
      'invalid_request_error',
      'missing_resource',
    );
    expectError(
      await h.request('GET', `/v1/payment_intents/${pi.id}`, { key: OTHER_KEY }),
      404,
      'invalid_request_error',
      'missing_resource',
    );
    expect((await h.request('GET', '/v1/payment_intents', { key: LIVE_KEY })).body).toEqual([]);
    const live = await createIntent(h, {}, LIVE_KEY);
    expect(live.mode).toBe('live');
    expect((await h.request('GET', '/v1/whoami', { key: LIVE_KEY })).body.mode).toBe('live');
  });
});

describe('webhook endpoints', () => {
  it('create shows the secret once; get, list, update, delete', async () => {
    const created = await h.request('POST', '/v1/webhook_endpoints', {
      body: {
        url: 'https://shop.example/hooks',
        enabled_events: ['payment_intent.succeeded'],
        description: 'main',
      },
    });
    expect(created.status).toBe(201);
    expect(WebhookEndpointSchema.safeParse(created.body).success).toBe(true);
    expect(created.body).toMatchObject({
      object: 'webhook_endpoint',
      status: 'enabled',
      mode: 'test',
      description: 'main',
    });
    expect(created.body.id).toMatch(/^we_/);
    expect(created.body.secret).toMatch(/^whsec_/);
    const id = created.body.id;
    const got = await h.request('GET', `/v1/webhook_endpoints/${id}`);
    expect(got.body.secret).toBeNull();
    expect((await h.request('GET', '/v1/webhook_endpoints')).body.map((e: any) => e.id)).toEqual([id]);
    const updated = await h.request('PATCH', `/v1/webhook_endpoints/${id}`, {
      body: { disabled: true, enabled_events: ['payment_intent.failed', 'payment_intent.rejected'] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      status: 'disabled',
      enabled_events: ['payment_intent.failed', 'payment_intent.rejected'],
      secret: null,
    });
    const deleted = await h.request('DELETE', `/v1/webhook_endpoints/${id}`);
    expect(deleted).toMatchObject({ status: 200, body: { id, deleted: true } });
    expect((await h.request('GET', `/v1/webhook_endpoints/${id}`)).status).toBe(404);
    // The control API can show the secret again, like Fintoc's dashboard.
    const another = await createEndpoint(h);
    const secret = await h.request('GET', `/_sandbox/webhook_endpoints/${another.id}/secret`);
    expect(secret.body.secret).toBe(another.secret);
  });

  it.each([
    ['http://shop.example/hooks', 400],
    ['ftp://127.0.0.1/x', 400],
    ['not a url', 400],
    ['https://shop.example/hooks', 201],
    ['http://127.0.0.1:3000/webhooks/fintoc', 201],
    ['http://localhost:3000/webhooks/fintoc', 201],
    ['http://[::1]:3000/webhooks/fintoc', 201],
  ])('URL %s → %i (HTTPS, or http only to loopback)', async (url, status) => {
    const res = await h.request('POST', '/v1/webhook_endpoints', {
      body: { url, enabled_events: ['payment_intent.succeeded'] },
    });
    expect(res.status).toBe(status);
    if (status === 400) expect(res.body.error).toMatchObject({ code: 'invalid_url', param: 'url' });
  });

  it('requires enabled_events as a non-empty list of event types', async () => {
    for (const enabled_events of [undefined, [], ['Payment Succeeded'], 'payment_intent.succeeded']) {
      const res = await h.request('POST', '/v1/webhook_endpoints', {
        body: { url: 'https://a.example', enabled_events },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe('enabled_events');
    }
  });

  it('a test key cannot touch a live endpoint', async () => {
    const live = await createEndpoint(h, ['*'], LIVE_KEY);
    expect(
      (await h.request('PATCH', `/v1/webhook_endpoints/${live.id}`, { body: { disabled: true } })).status,
    ).toBe(404);
    expect((await h.request('DELETE', `/v1/webhook_endpoints/${live.id}`)).status).toBe(404);
  });
});

describe('refunds', () => {
  it('refunds a succeeded intent in steps on the clock; partial amounts add up', async () => {
    const pi = await createIntent(h, { amount: 10_000 });
    const early = await h.request('POST', '/v1/refunds', {
      body: { resource_type: 'payment_intent', resource_id: pi.id },
    });
    expect(early.body.error).toMatchObject({ code: 'invalid_payment_intent_status' });
    await simulate(h, pi.id, 'run');
    const part = await h.request('POST', '/v1/refunds', {
      body: { resource_type: 'payment_intent', resource_id: pi.id, amount: 4000, metadata: { why: 'size' } },
    });
    expect(part.status).toBe(201);
    expect(RefundSchema.safeParse(part.body).success).toBe(true);
    expect(part.body).toMatchObject({
      object: 'refund',
      status: 'created',
      amount: 4000,
      currency: 'CLP',
      resource_id: pi.id,
    });
    expect(part.body.id).toMatch(/^re_/);
    const rest = await h.request('POST', '/v1/refunds', {
      body: { resource_type: 'payment_intent', resource_id: pi.id },
    });
    expect(rest.body.amount).toBe(6000);
    const tooMuch = await h.request('POST', '/v1/refunds', {
      body: { resource_type: 'payment_intent', resource_id: pi.id, amount: 1 },
    });
    expect(tooMuch.body.error).toMatchObject({ code: 'invalid_amount', param: 'amount' });

    const canceled = await h.request('POST', `/v1/refunds/${rest.body.id}/cancel`);
    expect(canceled).toMatchObject({ status: 201, body: { status: 'canceled' } });
    await h.sb.clock.advance(60_000);
    expect((await h.request('GET', `/v1/refunds/${part.body.id}`)).body.status).toBe('in_progress');
    expect((await h.request('POST', `/v1/refunds/${part.body.id}/cancel`)).body.error.code).toBe(
      'invalid_refund_status',
    );
    await h.sb.clock.advance(60_000);
    expect((await h.request('GET', `/v1/refunds/${part.body.id}`)).body.status).toBe('succeeded');
    const listed = await h.request('GET', '/v1/refunds?status=succeeded');
    expect(listed.body.map((r: any) => r.id)).toEqual([part.body.id]);
    const types = (await h.request('GET', '/_sandbox/events')).body.data.map((e: any) => e.type);
    expect(types.slice(0, 2)).toEqual(['refund.succeeded', 'refund.in_progress']);
    expect((await h.request('GET', '/v1/refunds/re_nope')).status).toBe(404);
  });
});
