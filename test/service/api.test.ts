/** The shop backend's API through `app.inject()`, with the sandbox as Fintoc. */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, SERVICE_ERRORS } from '../../src/service/index.js';
import { API_KEY, startHarness, type Harness } from './support/harness.js';
import { readFileSync } from 'node:fs';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

let seq = 0;
const order = () => `api-order-${++seq}-${Date.now()}`;

async function post(body: unknown, headers: Record<string, string> = {}) {
  const res = await h.app.inject({
    method: 'POST',
    url: '/api/payments',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, json: res.json() as Record<string, any>, headers: res.headers }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('authentication', () => {
  it('refuses a missing or wrong bearer key with 401 unauthorized', async () => {
    for (const authorization of [undefined, 'Bearer nope', API_KEY, `Basic ${API_KEY}`]) {
      const res = await h.app.inject({
        method: 'GET',
        url: '/api/payments?order_id=x',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
  });
});

describe('POST /api/payments', () => {
  it('creates a payment: 201 with the documented object', async () => {
    const id = order();
    const res = await post({
      amount: 15000,
      currency: 'MXN',
      order_id: id,
      customer_email: 'a@b.cl',
      metadata: { sku: '1' },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json).sort()).toEqual(
      [
        'amount',
        'checkout_session_id',
        'checkout_url',
        'created_at',
        'currency',
        'customer_email',
        'expires_at',
        'failure_reason',
        'flow',
        'id',
        'metadata',
        'object',
        'order_id',
        'paid_after_cancel',
        'payment_intent_id',
        'refund_id',
        'status',
        'updated_at',
      ].sort(),
    );
    expect(res.json).toMatchObject({
      amount: 15000,
      currency: 'MXN',
      order_id: id,
      status: 'pending',
      metadata: { sku: '1' },
    });
    expect(Date.parse(res.json.expires_at) - Date.parse(res.json.created_at)).toBe(600_000);
  });

  it('uses the country currency when none is given', async () => {
    const res = await post({ amount: 1000, order_id: order() });
    expect(res.json.currency).toBe('CLP');
  });

  it.each([
    [{ order_id: 'x' }, 'missing_parameter', 'amount'],
    [{ amount: 100 }, 'missing_parameter', 'order_id'],
    [{ amount: 10.5, currency: 'MXN', order_id: 'x' }, 'invalid_amount', 'amount'],
    [{ amount: '100', currency: 'CLP', order_id: 'x' }, 'invalid_amount', 'amount'],
    [{ amount: -5, currency: 'CLP', order_id: 'x' }, 'invalid_amount', 'amount'],
    [{ amount: 100, currency: 'USD', order_id: 'x' }, 'invalid_currency', 'currency'],
    [{ amount: 50, currency: 'MXN', order_id: 'x' }, 'amount_out_of_range', 'amount'],
    [{ amount: 100, currency: 'CLP', order_id: 7 }, 'invalid_parameter', 'order_id'],
    [
      { amount: 100, currency: 'CLP', order_id: 'x', customer_email: 'nope' },
      'invalid_parameter',
      'customer_email',
    ],
    [{ amount: 100, currency: 'CLP', order_id: 'x', metadata: { a: 1 } }, 'invalid_parameter', 'metadata.a'],
    [{ amount: 100, currency: 'CLP', order_id: 'x', colour: 'red' }, 'invalid_parameter', 'colour'],
  ])('refuses %j with %s', async (body, code, param) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code, param });
    expect(typeof res.json.error.message).toBe('string');
  });

  it.each([
    [{ order_id: 'nul\u0000' }, 'order_id'],
    [{ order_id: 'half \ud800' }, 'order_id'],
    [{ order_id: 'x', metadata: { a: 'nul\u0000' } }, 'metadata.a'],
    [{ order_id: 'x', metadata: { a: '\udc00' } }, 'metadata.a'],
    [{ order_id: 'x', metadata: { 'k\u0000': 'v' } }, 'metadata'],
  ])('refuses text the database cannot store (%j) with 400, not 500', async (fields, param) => {
    const res = await post({ amount: 100, currency: 'CLP', ...fields });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_parameter' });
    expect(String(res.json.error.param)).toContain(param);
  });

  it('answers invalid_json to a broken body and 415 to another media type', async () => {
    expect((await post('{"amount": ')).json.error.code).toBe('invalid_json');
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/payments',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'text/plain' },
      payload: 'amount=1',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('unsupported_media_type');
  });

  it('honours Idempotency-Key: same body → same payment, different body → 422', async () => {
    const id = order();
    const a = await post({ amount: 2000, currency: 'CLP', order_id: id }, { 'idempotency-key': `k-${id}` });
    const b = await post({ amount: 2000, currency: 'CLP', order_id: id }, { 'idempotency-key': `k-${id}` });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.json.id).toBe(a.json.id);
    const c = await post({ amount: 2001, currency: 'CLP', order_id: id }, { 'idempotency-key': `k-${id}` });
    expect(c.status).toBe(422);
    expect(c.json.error.code).toBe('idempotency_key_reused');
  });

  it('allows one open payment per order: 409 with the open one', async () => {
    const id = order();
    const a = await post({ amount: 2000, currency: 'CLP', order_id: id });
    const b = await post({ amount: 2000, currency: 'CLP', order_id: id });
    expect(b.status).toBe(409);
    expect(b.json.error).toMatchObject({
      code: 'order_has_open_payment',
      param: 'order_id',
      payment_id: a.json.id,
    });
  });

  it('marks the payment failed and answers 502 when Fintoc refuses the intent', async () => {
    const id = order();
    h.failFintoc(1, /POST \/v1\/payment_intents$/, {
      status: 400,
      body: {
        error: { type: 'invalid_request_error', code: 'invalid_amount', message: 'Amount too large.' },
      },
    });
    const res = await post({ amount: 49_999_999, currency: 'CLP', order_id: id });
    expect(res.status).toBe(502);
    expect(res.json.error).toMatchObject({ code: 'fintoc_rejected', fintoc_code: 'invalid_amount' });
    const list = await h.app.payments.listByOrder(id);
    expect(list.map((p) => [p.status, p.failure_reason])).toEqual([
      ['failed', 'fintoc_rejected: invalid_amount'],
    ]);
    // The order is free again.
    expect((await post({ amount: 1000, currency: 'CLP', order_id: id })).status).toBe(201);
  });
});

describe('GET /api/payments', () => {
  it('reads a payment, with its timeline on ?expand=timeline', async () => {
    const id = order();
    const created = await post({ amount: 3000, currency: 'CLP', order_id: id });
    const res = await h.app.inject({
      method: 'GET',
      url: `/api/payments/${created.json.id}?expand=timeline`,
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.id).toBe(created.json.id);
    expect(body.timeline.map((e: { kind: string }) => e.kind)).toEqual(['created', 'note']);
    expect(body.timeline[0]).toMatchObject({ cause: 'api', to_status: 'pending' });
  });

  it('answers 404 payment_not_found for an unknown id', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: '/api/payments/pay_doesnotexist',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('payment_not_found');
    for (const url of ['/api/payments/%00', '/api/payments/%00/attempts']) {
      const odd = await h.app.inject({
        method: url.endsWith('attempts') ? 'POST' : 'GET',
        url,
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect(odd.statusCode, url).toBe(404);
      expect(odd.json().error.code, url).toBe('payment_not_found');
    }
    const byOrder = await h.app.inject({
      method: 'GET',
      url: '/api/payments?order_id=%00',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(byOrder.statusCode).toBe(200);
    expect(byOrder.json()).toEqual({ object: 'list', data: [], has_more: false });
  });

  it('lists an order’s payments newest first', async () => {
    const id = order();
    const first = await post({ amount: 3000, currency: 'CLP', order_id: id });
    await h.simulate(first.json.payment_intent_id, 'reject');
    await h.settle();
    const again = await h.app.inject({
      method: 'POST',
      url: `/api/payments/${first.json.id}/attempts`,
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(again.statusCode).toBe(201);
    const list = await h.app.inject({
      method: 'GET',
      url: `/api/payments?order_id=${id}`,
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    const data = list.json().data as Array<{ id: string; status: string }>;
    expect(data.map((p) => p.id)).toEqual([again.json().id, first.json.id]);
    expect(data.map((p) => p.status)).toEqual(['pending', 'failed']);
  });

  it('answers the error envelope for unknown routes', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'not_found', message: 'No route GET /nope.' } });
  });
});

describe('secrets', () => {
  it('never appear in responses, and are redacted in log lines', async () => {
    const secrets = [h.config.fintoc.secretKey, h.webhookSecret, API_KEY];
    const bodies: string[] = [];
    const created = await post({ amount: 3000, currency: 'CLP', order_id: order() });
    bodies.push(JSON.stringify(created.json));
    for (const url of ['/healthz', '/readyz', '/metrics', `/pay/${created.json.id}`, '/dashboard']) {
      bodies.push((await h.app.inject({ method: 'GET', url })).body);
    }
    for (const body of bodies) for (const s of secrets) expect(body).not.toContain(s);

    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createLogger({ secrets, destination: sink });
    log.info({ config: h.config }, `starting with ${h.config.fintoc.secretKey}`);
    log.error({ headers: { authorization: `Bearer ${API_KEY}` } }, 'bad');
    log.warn({ other: 'sk_live_unrelatedkey123', secret: 'whsec_someothersecret' }, 'shapes');
    log.flush();
    const text = lines.join('');
    expect(text).toContain('[REDACTED]');
    for (const s of [...secrets, 'sk_live_unrelatedkey123', 'whsec_someothersecret'])
      expect(text).not.toContain(s);
  });
});

describe('error catalogue', () => {
  it('is documented code by code in docs/service.md', () => {
    const doc = readFileSync(new URL('../../docs/service.md', import.meta.url), 'utf8');
    for (const code of Object.keys(SERVICE_ERRORS)) expect(doc).toContain(`\`${code}\``);
  });
});

describe('routes of the checkout and dashboard', () => {
  it('are registered on the app: the checkout page of a payment, the dashboard behind its sign-in', async () => {
    const created = await post({ amount: 3000, currency: 'CLP', order_id: order() });
    const page = await h.app.inject({ method: 'GET', url: `/pay/${created.json.id}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const dash = await h.app.inject({ method: 'GET', url: '/dashboard' });
    expect([200, 302, 303, 401]).toContain(dash.statusCode);
    expect(dash.body).not.toContain(created.json.id);
  });
});
