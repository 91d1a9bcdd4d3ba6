/**
 * Five requests that were answered 500 (issue 12), each now a 4xx with the service's error envelope
 * (or, under /pay, the customer's "not found" page), storing nothing and logged below error level.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, harnessBudget, signedDelivery, startHarness, type Harness } from './support/harness.js';

let h: Harness;
const logs: string[] = [];
let paymentId: string;

beforeAll(
  async () => {
    h = await startHarness({ logs, merchant: false });
    const created = await h.createPayment({ amount: 5000, currency: 'CLP', order_id: 'mistakes-1' });
    paymentId = (created.json as { id: string }).id;
  },
  harnessBudget({ steps: 2 }),
);
afterAll(async () => {
  await h.close();
});

const auth = { authorization: `Bearer ${API_KEY}` };

async function rows(): Promise<Record<string, number>> {
  const db = h.app.database.db;
  const count = async (table: 'payments' | 'payment_timeline' | 'webhook_inbox' | 'jobs' | 'notifications') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    payments: await count('payments'),
    timeline: await count('payment_timeline'),
    inbox: await count('webhook_inbox'),
    jobs: await count('jobs'),
    notifications: await count('notifications'),
  };
}

/** Runs a request and checks the rules every refusal follows: a 4xx, nothing stored, no error log. */
async function refused(request: InjectOptions) {
  const before = await rows();
  const from = logs.length;
  const res = await h.app.inject(request);
  expect(res.statusCode, res.body.slice(0, 300)).toBeGreaterThanOrEqual(400);
  expect(res.statusCode).toBeLessThan(500);
  expect(await rows()).toEqual(before);
  const levels = logs.slice(from).map((l) => (JSON.parse(l) as { level: number }).level);
  expect(levels.filter((level) => level >= 50)).toEqual([]);
  return res;
}

function envelope(res: { body: string }, code: string) {
  const json = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(json.error).toMatchObject({ code, message: expect.any(String) });
  expect(Object.keys(json)).toEqual(['error']);
  return json.error;
}

describe('repeated query parameters', () => {
  it('the API refuses order_id or limit given twice', async () => {
    for (const url of ['/api/payments?order_id=a&order_id=b', '/api/payments?limit=1&limit=2']) {
      const res = await refused({ method: 'GET', url, headers: auth });
      expect(res.statusCode).toBe(400);
      const error = envelope(res, 'invalid_parameter');
      expect(error).toMatchObject({ param: url.includes('limit') ? 'limit' : 'order_id' });
    }
    const res = await refused({
      method: 'GET',
      url: `/api/payments/${paymentId}?expand=timeline&expand=x`,
      headers: auth,
    });
    envelope(res, 'invalid_parameter');
  });

  it('the dashboard refuses status or order_id given twice', async () => {
    for (const url of ['/dashboard?status=pending&status=failed', '/dashboard?order_id=a&order_id=b']) {
      const res = await refused({ method: 'GET', url, headers: auth });
      expect(res.statusCode).toBe(400);
      envelope(res, 'invalid_parameter');
    }
  });
});

describe('a session cookie that does not decode', () => {
  it('is no session: every dashboard page answers as to a visitor who has not signed in', async () => {
    const cookie = { cookie: 'pasarela_dashboard=%E0%A4%A' };
    for (const url of ['/dashboard', `/dashboard/payments/${paymentId}`]) {
      const res = await h.app.inject({ method: 'GET', url, headers: cookie });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/dashboard/login');
    }
    const login = await h.app.inject({ method: 'GET', url: '/dashboard/login', headers: cookie });
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('data-testid="dashboard-secret"');
    // A client that is not a browser is told in the envelope.
    const res = await refused({
      method: 'GET',
      url: '/dashboard',
      headers: { ...cookie, authorization: 'Bearer wrong' },
    });
    expect(res.statusCode).toBe(401);
    envelope(res, 'unauthorized');
  });
});

describe('POST /pay/:id/events with a body that is not an event list', () => {
  it('refuses a body that is not JSON', async () => {
    const res = await refused({
      method: 'POST',
      url: `/pay/${paymentId}/events`,
      headers: { 'content-type': 'application/json' },
      payload: '{"events":',
    });
    expect(res.statusCode).toBe(400);
    envelope(res, 'invalid_json');
  });

  it('refuses prototype keys', async () => {
    for (const payload of [
      '{"events":[{"__proto__":{"type":"success"}}]}',
      '{"__proto__":{"events":[{"type":"success"}]}}',
      '{"events":[{"constructor":{"prototype":{"type":"success"}}}]}',
    ]) {
      const res = await refused({
        method: 'POST',
        url: `/pay/${paymentId}/events`,
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      envelope(res, 'invalid_json');
    }
  });

  it('refuses a type it does not read', async () => {
    const res = await refused({
      method: 'POST',
      url: `/pay/${paymentId}/events`,
      headers: { 'content-type': 'application/xml' },
      payload: '<events/>',
    });
    expect(res.statusCode).toBe(415);
    envelope(res, 'unsupported_media_type');
  });
});

describe('a correctly signed webhook whose ids the database cannot hold', () => {
  const event = (id: string, type = 'payment_intent.succeeded') =>
    JSON.stringify({
      id,
      object: 'event',
      type,
      mode: 'test',
      created_at: new Date(h.sb.clock.now()).toISOString(),
      data: { id: 'pi_x', object: 'payment_intent', status: 'succeeded' },
    });
  const deliver = (body: string) => refused(signedDelivery(h, body));

  it('refuses a NUL in the event id or type', async () => {
    for (const body of [event('evt_\u0000a'), event('evt_nul_type', 'payment_intent.\u0000')]) {
      const res = await deliver(body);
      expect(res.statusCode).toBe(400);
      envelope(res, 'invalid_payload');
    }
  });

  it('refuses an event id holding a lone surrogate instead of calling its first delivery a duplicate', async () => {
    for (const id of ['evt_\ud800', 'evt_\udfffx']) {
      const res = await deliver(event(id));
      expect(res.statusCode).toBe(400);
      expect(res.json()).not.toHaveProperty('duplicate');
      envelope(res, 'invalid_payload');
    }
  });
});

describe('URLs the router cannot read', () => {
  const long = `pay_${'A'.repeat(10_000)}`;

  it('answer the envelope on the API', async () => {
    for (const url of ['/api/payments/pay_%ff%fe', `/api/payments/${long}`, '/api/payments/%E0%A4%A']) {
      const res = await refused({ method: 'GET', url, headers: auth });
      expect(res.statusCode).toBe(400);
      const error = envelope(res, 'invalid_url');
      expect(error.message.length).toBeLessThan(400);
    }
  });

  it('answer the "payment not found" page under /pay', async () => {
    for (const url of ['/pay/pay_%ff%fe', `/pay/${long}`, '/pay/pay_unknown/extra/path', '/pay/%E0%A4%A']) {
      const res = await refused({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('data-status="not_found"');
    }
    // The JSON endpoints keep answering JSON.
    const res = await refused({ method: 'GET', url: '/pay/pay_%ff%fe/status' });
    expect(res.headers['content-type']).toMatch(/json/);
  });
});
