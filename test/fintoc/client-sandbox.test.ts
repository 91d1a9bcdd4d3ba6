// The client against the sandbox (STYLE 12): every resource method round-trips through the schemas,
// errors come back as the right classes, and delivered webhooks verify with `verify`.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFintocClient,
  FintocInvalidRequestError,
  isCheckoutSessionEvent,
  isPaymentIntentEvent,
  parseEvent,
  sessionPaymentIntent,
  sessionPaymentIntentId,
  verify,
} from '../../src/fintoc/index.js';
import type { FintocClient, FintocError } from '../../src/fintoc/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { RunningSandbox } from '../../src/sandbox/index.js';

let sb: RunningSandbox;
let client: FintocClient;
let hook: Server;
let hookUrl: string;
const received: { body: string; header: string | undefined }[] = [];
let onReceived: (() => void) | undefined;

beforeAll(async () => {
  sb = await startSandbox();
  client = createFintocClient({ secretKey: sb.secretKey, baseUrl: sb.url });
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const h = req.headers['fintoc-signature'];
      received.push({ body, header: typeof h === 'string' ? h : undefined });
      res.writeHead(200).end();
      onReceived?.();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/webhooks/fintoc`;
});
afterAll(async () => {
  await sb?.close();
  hook?.closeAllConnections();
  await new Promise((resolve) => hook?.close(resolve));
});

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail('expected a rejection'),
    (e: unknown) => e as FintocError,
  );

describe('client × sandbox', () => {
  it('whoami answers the mode of the key', async () => {
    expect((await client.whoami()).mode).toBe(client.mode);
  });

  it('payment intents: create (with widget_token), get (without), idempotent replay, expire', async () => {
    const key = `order-${Date.now()}`;
    const pi = await client.paymentIntents.create(
      { amount: 5000, currency: 'CLP', metadata: { order: '1' } },
      { idempotencyKey: key },
    );
    expect(pi).toMatchObject({ object: 'payment_intent', amount: 5000, currency: 'CLP', status: 'created' });
    expect(pi.widget_token).toEqual(expect.any(String));
    const again = await client.paymentIntents.create(
      { amount: 5000, currency: 'CLP', metadata: { order: '1' } },
      { idempotencyKey: key },
    );
    expect(again.id).toBe(pi.id);
    const got = await client.paymentIntents.get(pi.id);
    expect(got.widget_token).toBeNull();
    expect(got.sender_account).toBeNull();
    expect(got.error_reason).toBeNull();
    // The sandbox expires a created intent (issue 3), and refuses to expire it twice.
    const expired = await client.paymentIntents.expire(pi.id);
    expect(expired).toMatchObject({ id: pi.id, status: 'expired', error_reason: 'manually_expired' });
    const twice = await rejection(client.paymentIntents.expire(pi.id));
    expect(twice).toBeInstanceOf(FintocInvalidRequestError);
    expect(twice.code).toBe('invalid_payment_intent_status');
  });

  it('lists page through the Link header', async () => {
    for (let i = 0; i < 5; i++) await client.paymentIntents.create({ amount: 100 + i, currency: 'CLP' });
    const ids: string[] = [];
    for await (const pi of client.paymentIntents.list({ per_page: 2 })) ids.push(pi.id);
    expect(ids.length).toBeGreaterThanOrEqual(5);
    expect(new Set(ids).size).toBe(ids.length); // no page read twice
    const requests = (await client.request('GET', '/_sandbox/requests')) as { data: { path: string }[] };
    const listCalls = requests.data.map((r) => r.path).filter((p) => p.startsWith('/v1/payment_intents?'));
    expect(listCalls.length).toBeGreaterThanOrEqual(3);
  });

  it('checkout sessions: create, get, expire', async () => {
    const cs = await client.checkoutSessions.create({
      amount: 2000,
      currency: 'CLP',
      success_url: 'https://shop.example/ok',
      cancel_url: 'https://shop.example/cancel',
    });
    expect((await client.checkoutSessions.get(cs.id)).id).toBe(cs.id);
    expect((await client.checkoutSessions.expire(cs.id)).status).toBe('expired');
  });

  it('errors come back as their classes with Fintoc fields', async () => {
    const missing = await rejection(client.paymentIntents.get('pi_doesnotexist'));
    expect(missing).toBeInstanceOf(FintocInvalidRequestError);
    expect(missing).toMatchObject({ status: 404, type: 'invalid_request_error' });
    expect(missing.raw).toContain('"error"');
    const invalid = await rejection(client.paymentIntents.create({ amount: -1, currency: 'CLP' }));
    expect(invalid).toBeInstanceOf(FintocInvalidRequestError);
    expect(invalid.status).toBe(400);
  });

  it('webhook endpoints: create (secret once), list, get, update, test delivers a payload verify() accepts', async () => {
    const we = await client.webhookEndpoints.create({
      url: hookUrl,
      enabled_events: ['payment_intent.succeeded'],
    });
    expect(we.secret).toMatch(/^whsec_/);
    expect((await client.webhookEndpoints.get(we.id)).secret).toBeNull();
    const all: string[] = [];
    for await (const e of client.webhookEndpoints.list()) all.push(e.id);
    expect(all).toContain(we.id);
    expect((await client.webhookEndpoints.update(we.id, { description: 'shop' })).description).toBe('shop');

    const got = new Promise<void>((resolve) => (onReceived = resolve));
    const pi = await client.paymentIntents.create({ amount: 3000, currency: 'CLP' });
    await client.request('POST', `/_sandbox/payment_intents/${pi.id}/simulate`, {
      body: { action: 'succeed' },
    });
    await sb.clock.advance(0);
    await got;
    const delivery = received.at(-1)!;
    const event = verify({
      body: delivery.body,
      header: delivery.header,
      secrets: we.secret!,
      now: new Date(sb.clock.now()),
    });
    expect(isPaymentIntentEvent(event) && event.data.id).toBe(pi.id);

    // Every event the sandbox produced parses with the shared schemas.
    const events = (await client.request('GET', '/_sandbox/events')) as { data: unknown[] };
    for (const e of events.data) expect(() => parseEvent(e)).not.toThrow();

    await client.webhookEndpoints.delete(we.id);
    expect((await rejection(client.webhookEndpoints.get(we.id))).status).toBe(404);
  });
});

describe('client × sandbox: checkout sessions v2', () => {
  // An organisation of its own, so that its lists and webhooks hold only what these tests make.
  const key = 'sk_test_clientV2sessions';
  const v2client = () => createFintocClient({ secretKey: key, baseUrl: sb.url });

  it('create (embedded and hosted), get, list across cursor pages, expire; v1 sessions read through v2', async () => {
    const c = v2client();
    const embedded = await c.v2.checkoutSessions.create(
      { amount: 5000, currency: 'CLP', ui_mode: 'embedded', metadata: { payment: 'pay_1' } },
      { idempotencyKey: 'pay_1-attempt-1' },
    );
    expect(embedded).toMatchObject({ status: 'created', ui_mode: 'embedded', redirect_url: null });
    expect(embedded.session_token).toMatch(/^cs_\w+_sec_\w+$/);
    const replay = await c.v2.checkoutSessions.create(
      { amount: 5000, currency: 'CLP', ui_mode: 'embedded', metadata: { payment: 'pay_1' } },
      { idempotencyKey: 'pay_1-attempt-1' },
    );
    expect(replay.id).toBe(embedded.id);
    const hosted = await c.v2.checkoutSessions.create({
      amount: 7000,
      currency: 'MXN',
      success_url: 'https://shop.example/ok',
      cancel_url: 'https://shop.example/ko',
    });
    expect(hosted.redirect_url).toBe(`${sb.url}/checkout/${hosted.id}`);
    expect(hosted.session_token).toBeNull();
    const v1 = await c.checkoutSessions.create({
      amount: 900,
      currency: 'CLP',
      success_url: 'https://shop.example/ok',
      cancel_url: 'https://shop.example/ko',
    });
    expect((await c.v2.checkoutSessions.get(v1.id)).id).toBe(v1.id);
    for (let i = 0; i < 4; i++)
      await c.v2.checkoutSessions.create({ amount: 100 + i, currency: 'CLP', ui_mode: 'embedded' });
    const ids: string[] = [];
    for await (const cs of c.v2.checkoutSessions.list({ limit: 2 })) ids.push(cs.id);
    expect(ids).toHaveLength(7);
    expect(new Set(ids).size).toBe(7);
    expect(ids.slice(-3)).toEqual([v1.id, hosted.id, embedded.id]);
    const requests = (await c.request('GET', '/_sandbox/requests')) as { data: { path: string }[] };
    expect(requests.data.filter((r) => r.path.startsWith('/v2/checkout_sessions?limit=2')).length).toBe(4);

    expect((await c.v2.checkoutSessions.expire(hosted.id)).status).toBe('expired');
    const again = await rejection(c.v2.checkoutSessions.expire(hosted.id));
    expect(again).toBeInstanceOf(FintocInvalidRequestError);
    expect(again).toMatchObject({ status: 400, code: 'invalid_checkout_session_status' });
  });

  it('works for an organisation pinned to 2023-11-15 (the client sends Fintoc-Version), which bare v2 calls cannot', async () => {
    const c = v2client();
    await c.request('POST', '/_sandbox/api_version', { body: { api_version: '2023-11-15' } });
    try {
      expect((await c.whoami()).api_version).toBe('2023-11-15');
      const cs = await c.v2.checkoutSessions.create({ amount: 1000, currency: 'CLP', ui_mode: 'embedded' });
      expect((await c.v2.checkoutSessions.get(cs.id)).status).toBe('created');
      // As the official Node SDK calls v2: the bare key and no Fintoc-Version.
      const bare = await fetch(`${sb.url}/v2/checkout_sessions/${cs.id}`, {
        headers: { authorization: key },
      });
      expect(bare.status).toBe(403);
      expect(((await bare.json()) as { error: { code: string } }).error.code).toBe('invalid_api_version');
    } finally {
      await c.request('POST', '/_sandbox/api_version', { body: { api_version: '2026-02-01' } });
    }
  });

  it('the events of a paid session verify, parse as checkout_session.*, and link to the intent by metadata', async () => {
    const c = v2client();
    const we = await c.webhookEndpoints.create({
      url: hookUrl,
      enabled_events: ['checkout_session.finished', 'payment_intent.succeeded'],
    });
    const before = received.length;
    const cs = await c.v2.checkoutSessions.create({
      amount: 4200,
      currency: 'CLP',
      ui_mode: 'embedded',
      metadata: { payment: 'pay_9' },
    });
    await c.request('POST', `/_sandbox/checkout_sessions/${cs.id}/simulate`, { body: { action: 'run' } });
    const deadline = Date.now() + 20_000;
    while (received.length < before + 2 && Date.now() < deadline) {
      await sb.clock.advance(0);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const events = received
      .slice(before)
      .map((d) =>
        verify({ body: d.body, header: d.header, secrets: we.secret!, now: new Date(sb.clock.now()) }),
      );
    const finished = events.find(isCheckoutSessionEvent);
    const paid = events.find(isPaymentIntentEvent);
    expect(finished?.type).toBe('checkout_session.finished');
    expect(finished && sessionPaymentIntent(finished.data)?.status).toBe('succeeded');
    expect(paid?.data.metadata).toEqual({ payment: 'pay_9' });
    expect(finished && sessionPaymentIntentId(finished.data)).toBe(paid?.data.id);
    expect((await c.v2.checkoutSessions.get(cs.id)).status).toBe('finished');
    await c.webhookEndpoints.delete(we.id);
  });
});
