/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
/**
 * Checkout sessions in the sandbox: `/v1/checkout_sessions` and `/v2/checkout_sessions` (one store),
 * the Fintoc-Version rules of v2, cursor pagination, the session following its payment intent, the
 * events it emits, the control API that drives it, and the widget opening it with `sessionToken`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CheckoutSessionSchema,
  FintocErrorEnvelopeSchema,
  isCheckoutSessionEvent,
  parseEvent,
  verify,
} from '../../src/fintoc/index.js';
import { build, createEndpoint, LIVE_KEY, OTHER_KEY, T0, TEST_KEY, type Harness } from './helper.js';

let h: Harness;
beforeEach(() => {
  h = build();
});
afterEach(() => h.close());

const URLS = { success_url: 'https://shop.example/ok', cancel_url: 'https://shop.example/ko' };
const V2 = { 'fintoc-version': '2026-02-01' };

const create = (
  ns: 'v1' | 'v2',
  body: Record<string, unknown> = {},
  opts: { headers?: Record<string, string>; key?: string } = {},
) =>
  h.request('POST', `/${ns}/checkout_sessions`, {
    body: { amount: 7000, currency: 'CLP', ...URLS, ...body },
    ...opts,
  });

async function session(ns: 'v1' | 'v2', body: Record<string, unknown> = {}): Promise<any> {
  const res = await create(ns, body);
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const control = (id: string, action: string, extra: Record<string, unknown> = {}) =>
  h.request('POST', `/_sandbox/checkout_sessions/${id}/simulate`, { body: { action, ...extra } });
const eventTypes = async () =>
  (await h.request('GET', '/_sandbox/events')).body.data.map((e: any) => e.type).reverse();
const getV2 = async (id: string) => (await h.request('GET', `/v2/checkout_sessions/${id}`)).body;

function expectError(res: { status: number; body: any }, status: number, code: string, param?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(FintocErrorEnvelopeSchema.safeParse(res.body).success).toBe(true);
  expect(res.body.error.code).toBe(code);
  if (param !== undefined) expect(res.body.error.param).toBe(param);
  expect(res.body.error.message.length).toBeGreaterThan(20);
}

describe('v1 checkout sessions', () => {
  it('create shows redirect_url and session_token; get; the hosted page opens the widget with the token', async () => {
    const res = await create('v1', { metadata: { order_id: 'A-7' } }, { headers: { host: 'sandbox.test' } });
    expect(res.status).toBe(201);
    const cs = res.body;
    expect(CheckoutSessionSchema.safeParse(cs).success).toBe(true);
    expect(cs).toMatchObject({
      object: 'checkout_session',
      status: 'created',
      amount: 7000,
      currency: 'CLP',
      mode: 'test',
      ui_mode: 'hosted',
      flow: 'payment',
      payment_method_types: ['bank_transfer'],
      payment_resource: { payment_intent: null },
      expires_at: '2025-01-02T12:00:00Z',
      ...URLS,
    });
    expect(cs.id).toMatch(/^cs_/);
    expect(cs.redirect_url).toBe(`http://sandbox.test/payment?checkout_session=${cs.id}`);
    expect(cs.session_token).toMatch(new RegExp(`^${cs.id}_sec_[0-9A-Za-z]+$`));
    expect((await h.request('GET', `/v1/checkout_sessions/${cs.id}`)).body).toEqual(cs);

    const page = await h.sb.app.inject({ method: 'GET', url: `/payment?checkout_session=${cs.id}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('Paga con tu banco');
    expect(page.body).toContain('$7.000 CLP');
    expect(page.body).toContain('<script src="/widget.js"></script>');
    const config = JSON.parse(/id="checkout-config">([^<]*)</.exec(page.body)![1]!);
    expect(config).toEqual({
      publicKey: 'pk_test_orgAAAA1111',
      sessionToken: cs.session_token,
      country: 'cl',
      successUrl: URLS.success_url,
      cancelUrl: URLS.cancel_url,
    });
    expect(page.body).not.toContain(TEST_KEY);
    const script = await h.sb.app.inject({ method: 'GET', url: '/checkout/assets/page.js' });
    expect(script.statusCode).toBe(200);
    expect(script.body).toContain('sessionToken: config.sessionToken');
  });

  it('the customer pays: intent with the session metadata and expiry, in_progress, then finished with both events', async () => {
    const cs = await session('v1', { metadata: { order_id: 'A-7' }, customer_email: 'ana@example.cl' });
    const opened = await control(cs.id, 'open');
    expect(opened.body.status).toBe('created');
    const pi = opened.body.payment_resource.payment_intent;
    expect(pi).toMatchObject({
      object: 'payment_intent',
      status: 'created',
      amount: 7000,
      currency: 'CLP',
      metadata: { order_id: 'A-7' },
      customer_email: 'ana@example.cl',
      expires_at: cs.expires_at,
      widget_token: null,
    });
    expect(opened.body.sandbox.payment_intent_id).toBe(pi.id);
    expect((await control(cs.id, 'start')).body.status).toBe('in_progress');
    expect((await control(cs.id, 'leave')).body.status).toBe('in_progress');
    expect((await control(cs.id, 'authorize')).body.status).toBe('finished');
    const after = (await h.request('GET', `/v1/checkout_sessions/${cs.id}`)).body;
    expect(after.payment_resource.payment_intent).toMatchObject({ id: pi.id, status: 'succeeded' });
    expect(after.payment_resource.payment_intent.sender_account).not.toBeNull();
    expect(await eventTypes()).toEqual(['payment_intent.succeeded', 'checkout_session.finished']);
    const view = (await h.request('GET', `/_sandbox/checkout_sessions/${cs.id}`)).body;
    expect(view.sandbox.history.map((x: any) => x.status)).toEqual(['created', 'in_progress', 'finished']);
    // The intent is also an ordinary v1 payment intent.
    expect((await h.request('GET', `/v1/payment_intents/${pi.id}`)).body.status).toBe('succeeded');
  });

  it('a pending payment finishes the session when it settles, without anyone reading the session', async () => {
    const cs = await session('v1');
    await h.request('PUT', `/_sandbox/checkout_sessions/${cs.id}/scenario`, {
      body: { scenario: 'pending_then_succeed', pending_for: '30s' },
    });
    expect((await control(cs.id, 'run')).body.status).toBe('in_progress');
    expect(await eventTypes()).toEqual(['payment_intent.pending']);
    // Not even expires_at ends a session whose payment the bank has not decided.
    await h.request('POST', '/_sandbox/clock/advance', { body: { by: '10s' } });
    await h.sb.clock.advance(20_000);
    expect(await eventTypes()).toEqual([
      'payment_intent.pending',
      'payment_intent.succeeded',
      'checkout_session.finished',
    ]);
    const [finished] = (await h.request('GET', '/_sandbox/events')).body.data;
    expect(finished.data).toMatchObject({
      id: cs.id,
      status: 'finished',
      payment_resource: { payment_intent: { status: 'succeeded' } },
    });
  });

  it('a rejected payment finishes the session; the page then links back to cancel_url, a paid one to success_url', async () => {
    const rejected = await session('v1');
    await h.request('PUT', `/_sandbox/checkout_sessions/${rejected.id}/scenario`, {
      body: { scenario: 'reject', error_reason: 'mfa_invalid_authorization' },
    });
    expect((await control(rejected.id, 'run')).body).toMatchObject({
      status: 'finished',
      payment_resource: { payment_intent: { status: 'rejected', error_reason: 'mfa_invalid_authorization' } },
    });
    const page = await h.sb.app.inject({ method: 'GET', url: `/payment?checkout_session=${rejected.id}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-status="finished"');
    expect(page.body).toContain('href="https://shop.example/ko"');
    expect(page.body).not.toContain('widget.js');

    const paid = await session('v1');
    await control(paid.id, 'run');
    const paidPage = await h.sb.app.inject({ method: 'GET', url: `/payment?checkout_session=${paid.id}` });
    expect(paidPage.body).toContain('href="https://shop.example/ok"');
    expect(paidPage.body).toContain('Este pago ya se realizó');

    for (const url of ['/payment?checkout_session=cs_nope', '/payment', '/checkout/cs_nope'])
      expect((await h.sb.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
  });

  it('expires only while created, expiring the payment it had opened; https URLs are required', async () => {
    const cs = await session('v1');
    const pi = (await control(cs.id, 'open')).body.payment_resource.payment_intent;
    const expired = await h.request('POST', `/v1/checkout_sessions/${cs.id}/expire`);
    expect(expired.status).toBe(201);
    expect(expired.body).toMatchObject({
      status: 'expired',
      payment_resource: {
        payment_intent: { id: pi.id, status: 'expired', error_reason: 'manually_expired' },
      },
    });
    expect(await eventTypes()).toEqual(['payment_intent.expired', 'checkout_session.expired']);
    expectError(
      await h.request('POST', `/v1/checkout_sessions/${cs.id}/expire`),
      400,
      'invalid_checkout_session_status',
    );
    const started = await session('v1');
    await control(started.id, 'start');
    expectError(
      await h.request('POST', `/v1/checkout_sessions/${started.id}/expire`),
      400,
      'invalid_checkout_session_status',
    );
    expectError(
      await create('v1', { success_url: 'http://shop.example' }),
      400,
      'invalid_url',
      'success_url',
    );
    expectError(
      await create('v1', { success_url: undefined, cancel_url: undefined }),
      400,
      'missing_parameter',
      'success_url',
    );
    // v1 has no list (Fintoc documents none).
    expectError(await h.request('GET', '/v1/checkout_sessions'), 404, 'unrecognized_request');
  });

  it('at expires_at an unpaid session expires, and a customer who left mid-payment has their payment expired too', async () => {
    const unpaid = await session('v1');
    const left = await session('v1');
    await h.request('PUT', `/_sandbox/checkout_sessions/${left.id}/scenario`, {
      body: { scenario: 'customer_leaves' },
    });
    expect((await control(left.id, 'run')).body.status).toBe('in_progress');
    await h.sb.clock.advance(24 * 3_600_000 - 1000);
    expect((await getV2(unpaid.id)).status).toBe('created');
    expect((await getV2(left.id)).status).toBe('in_progress');
    await h.sb.clock.advance(1000);
    expect((await getV2(unpaid.id)).status).toBe('expired');
    expect(await getV2(left.id)).toMatchObject({
      status: 'expired',
      payment_resource: { payment_intent: { status: 'expired', error_reason: 'timeout' } },
    });
    expect(await eventTypes()).toEqual([
      'checkout_session.expired',
      'payment_intent.expired',
      'checkout_session.expired',
    ]);
  });
});

describe('v2 checkout sessions', () => {
  it('hosted shows redirect_url and no token; embedded shows session_token and no redirect_url', async () => {
    const hosted = await create('v2', {}, { headers: { ...V2, host: 'sandbox.test' } });
    expect(hosted.status).toBe(201);
    expect(CheckoutSessionSchema.safeParse(hosted.body).success).toBe(true);
    expect(hosted.body).toMatchObject({ ui_mode: 'hosted', session_token: null, status: 'created' });
    expect(hosted.body.redirect_url).toBe(`http://sandbox.test/checkout/${hosted.body.id}`);
    const page = await h.sb.app.inject({ method: 'GET', url: `/checkout/${hosted.body.id}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('checkout-config');

    const embedded = await session('v2', {
      ui_mode: 'embedded',
      success_url: undefined,
      cancel_url: undefined,
      customer: {
        name: 'Ana Pérez',
        email: 'ana@example.cl',
        tax_id: { type: 'cl_rut', value: '111111111' },
      },
    });
    expect(embedded).toMatchObject({
      ui_mode: 'embedded',
      redirect_url: null,
      success_url: null,
      cancel_url: null,
      customer_email: 'ana@example.cl',
      customer: { object: 'customer', name: 'Ana Pérez', mode: 'test', tax_id: { type: 'cl_rut' } },
    });
    expect(embedded.customer.id).toMatch(/^cus_/);
    expect(embedded.session_token).toMatch(new RegExp(`^${embedded.id}_sec_`));
    // The token stays readable: it is what the shop's page gives the widget.
    expect((await getV2(embedded.id)).session_token).toBe(embedded.session_token);
    // Both namespaces read the one store.
    expect((await h.request('GET', `/v1/checkout_sessions/${embedded.id}`)).body).toEqual(
      await getV2(embedded.id),
    );
  });

  it('checks what it is given', async () => {
    expectError(await create('v2', { ui_mode: 'popup' }), 400, 'invalid_params', 'ui_mode');
    expectError(await create('v2', { success_url: undefined }), 400, 'missing_parameter', 'success_url');
    expectError(
      await create('v2', { ui_mode: 'embedded', cancel_url: 'http://shop.example/x' }),
      400,
      'invalid_url',
      'cancel_url',
    );
    expectError(await create('v2', { amount: 0 }), 400, 'invalid_amount', 'amount');
    expectError(await create('v2', { currency: 'USD' }), 400, 'invalid_currency', 'currency');
    expectError(
      await create('v2', { payment_method_types: ['card'] }),
      400,
      'invalid_params',
      'payment_method_types',
    );
    for (const expires_at of ['tomorrow', T0 / 1000 - 1, (T0 + 31 * 86_400_000) / 1000, {}])
      expectError(await create('v2', { expires_at }), 400, 'invalid_params', 'expires_at');
    // http to this machine is allowed, as for webhook endpoints.
    expect((await create('v2', { success_url: 'http://127.0.0.1:3000/ok' })).status).toBe(201);
  });

  it('expires_at can be given (ISO or unix seconds) and the session expires then', async () => {
    const iso = await session('v2', { expires_at: '2025-01-01T12:10:00Z' });
    const unix = await session('v2', { expires_at: T0 / 1000 + 1200 });
    expect(iso.expires_at).toBe('2025-01-01T12:10:00Z');
    expect(unix.expires_at).toBe('2025-01-01T12:20:00Z');
    await h.sb.clock.advance(10 * 60_000);
    expect((await getV2(iso.id)).status).toBe('expired');
    expect((await getV2(unix.id)).status).toBe('created');
  });

  it('Fintoc-Version: the pin decides without the header, the header overrides it, unknown versions are refused', async () => {
    expect((await h.request('GET', '/v1/whoami')).body.api_version).toBe('2026-02-01');
    expect((await create('v2')).status).toBe(201);
    const pinned = await h.request('PUT', '/_sandbox/api_version', { body: { api_version: '2023-11-15' } });
    expect(pinned.body).toEqual({
      api_version: '2023-11-15',
      versions: ['2023-11-15', '2025-08-13', '2026-02-01'],
    });
    expect((await h.request('GET', '/v1/whoami')).body.api_version).toBe('2023-11-15');
    expect((await h.request('GET', '/v1/whoami', { key: LIVE_KEY })).body.api_version).toBe('2023-11-15');
    const refused = await create('v2');
    expectError(refused, 403, 'invalid_api_version', 'Fintoc-Version');
    expect(refused.body.error.message).toContain('Fintoc-Version: 2026-02-01');
    expectError(await h.request('GET', '/v2/checkout_sessions'), 403, 'invalid_api_version');
    expectError(
      await create('v2', {}, { headers: { 'fintoc-version': '2025-08-13' } }),
      403,
      'invalid_api_version',
    );
    const made = await create('v2', {}, { headers: V2 });
    expect(made.status).toBe(201);
    expect((await h.request('GET', `/v2/checkout_sessions/${made.body.id}`, { headers: V2 })).body.id).toBe(
      made.body.id,
    );
    // v1 keeps working under the old pin, and nothing was stored for the refused creates: the one
    // made before the pin, the one with the header, the v1 one.
    expect((await create('v1')).status).toBe(201);
    expect((await h.request('GET', '/v2/checkout_sessions', { headers: V2 })).body).toHaveLength(3);
    for (const bad of ['2024-01-01', 'latest', ''])
      expectError(
        await h.request('GET', '/v1/whoami', { headers: { 'fintoc-version': bad } }),
        403,
        'invalid_api_version',
      );
    expectError(
      await h.request('PUT', '/_sandbox/api_version', { body: { api_version: '2020-01-01' } }),
      400,
      'invalid_params',
      'api_version',
    );
    // Another organisation keeps the default pin.
    expect((await create('v2', {}, { key: OTHER_KEY })).status).toBe(201);
  });

  it('accepts the key with Bearer (as Fintoc documents for v2) and bare (as the Node SDK sends it)', async () => {
    for (const key of [`Bearer ${TEST_KEY}`, TEST_KEY])
      expect((await create('v2', {}, { key })).status).toBe(201);
    expectError(await create('v2', {}, { key: 'Bearer pk_test_orgAAAA1111' }), 401, 'invalid_api_key');
  });

  it('lists newest first with limit, starting_after and ending_before; Link holds only the next page', async () => {
    const made: string[] = [];
    for (let i = 0; i < 35; i++) made.push((await session('v2', { amount: 1000 + i })).id);
    const newestFirst = [...made].reverse();
    const first = await h.request('GET', '/v2/checkout_sessions', { headers: { host: 'sandbox.test' } });
    expect(first.status).toBe(200);
    expect(Array.isArray(first.body)).toBe(true);
    expect(first.body.map((s: any) => s.id)).toEqual(newestFirst.slice(0, 30));
    expect(first.headers.link).toBe(
      `<http://sandbox.test/v2/checkout_sessions?starting_after=${newestFirst[29]}>; rel="next"`,
    );
    expect(first.headers['x-total-count']).toBeUndefined();
    const second = await h.request('GET', `/v2/checkout_sessions?starting_after=${newestFirst[29]}`);
    expect(second.body.map((s: any) => s.id)).toEqual(newestFirst.slice(30));
    expect(second.headers.link).toBe('');

    // Following next with a small limit visits each session once, keeping the limit.
    const seen: string[] = [];
    let url: string | null = '/v2/checkout_sessions?limit=8';
    while (url) {
      const page = await h.request('GET', url);
      expect(page.body.length).toBeLessThanOrEqual(8);
      seen.push(...page.body.map((s: any) => s.id));
      const next: string | undefined = /<([^>]+)>; rel="next"/.exec(String(page.headers.link))?.[1];
      if (next) expect(new URL(next).searchParams.get('limit')).toBe('8');
      url = next ? new URL(next).pathname + new URL(next).search : null;
    }
    expect(seen).toEqual(newestFirst);

    const back = await h.request('GET', `/v2/checkout_sessions?limit=5&ending_before=${newestFirst[20]}`);
    expect(back.body.map((s: any) => s.id)).toEqual(newestFirst.slice(15, 20));
    expect(back.headers.link).toContain(`ending_before=${newestFirst[15]}`);
    const top = await h.request('GET', `/v2/checkout_sessions?limit=5&ending_before=${newestFirst[3]}`);
    expect(top.body.map((s: any) => s.id)).toEqual(newestFirst.slice(0, 3));
    expect(top.headers.link).toBe('');

    for (const query of ['limit=0', 'limit=101', 'limit=x', 'limit=1&limit=2', 'starting_after=cs_nope'])
      expectError(await h.request('GET', `/v2/checkout_sessions?${query}`), 400, 'invalid_params');
    expectError(
      await h.request('GET', `/v2/checkout_sessions?starting_after=${made[0]}&ending_before=${made[1]}`),
      400,
      'invalid_params',
    );
    // Other organisations and modes see none of them.
    expect((await h.request('GET', '/v2/checkout_sessions', { key: OTHER_KEY })).body).toEqual([]);
    expect((await h.request('GET', '/v2/checkout_sessions', { key: LIVE_KEY })).body).toEqual([]);
    expectError(
      await h.request('GET', `/v2/checkout_sessions/${made[0]}`, { key: OTHER_KEY }),
      404,
      'missing_resource',
    );
    expectError(
      await h.request('GET', '/v2/checkout_sessions?starting_after=' + made[0], { key: OTHER_KEY }),
      400,
      'invalid_params',
    );
  });

  it('expire (201 while created, 400 after) and Idempotency-Key replay on v2 creates', async () => {
    const cs = await session('v2');
    const expired = await h.request('POST', `/v2/checkout_sessions/${cs.id}/expire`);
    expect(expired).toMatchObject({ status: 201, body: { id: cs.id, status: 'expired' } });
    expectError(
      await h.request('POST', `/v2/checkout_sessions/${cs.id}/expire`),
      400,
      'invalid_checkout_session_status',
    );
    expectError(await h.request('POST', '/v2/checkout_sessions/cs_nope/expire'), 404, 'missing_resource');
    const headers = { 'idempotency-key': 'order-1-attempt-1' };
    const a = await create('v2', {}, { headers });
    const b = await create('v2', {}, { headers });
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect(b.body.id).toBe(a.body.id);
    expectError(await create('v2', { amount: 1 }, { headers }), 400, 'idempotency_key_reused');
    // The same key on the v1 path is another request.
    expectError(await create('v1', {}, { headers }), 400, 'idempotency_key_reused');
  });

  it('checkout_session.* events are signed and delivered like the others', async () => {
    const we = await createEndpoint(h, ['checkout_session.finished', 'checkout_session.expired']);
    const paid = await session('v2', { metadata: { order_id: 'B-1' } });
    await control(paid.id, 'run');
    const left = await session('v2');
    await h.request('POST', `/v2/checkout_sessions/${left.id}/expire`);
    await h.sb.clock.flush();
    expect(h.received).toHaveLength(2);
    const events = h.received.map((r) => {
      const event = verify({
        body: r.body,
        header: r.headers['fintoc-signature'],
        secrets: we.secret,
        now: new Date(T0),
      });
      expect(isCheckoutSessionEvent(event)).toBe(true);
      return event;
    });
    expect(events.map((e) => e.type)).toEqual(['checkout_session.finished', 'checkout_session.expired']);
    expect(parseEvent(JSON.parse(h.received[0]!.body)).data).toMatchObject({
      id: paid.id,
      status: 'finished',
      metadata: { order_id: 'B-1' },
      payment_resource: { payment_intent: { status: 'succeeded', metadata: { order_id: 'B-1' } } },
    });
  });
});

describe('sample checkout_session events (trigger)', () => {
  it('finished carries a succeeded payment intent, expired none; both parse as the shared schema', async () => {
    for (const [type, pi] of [
      ['checkout_session.finished', 'succeeded'],
      ['checkout_session.expired', null],
    ] as const) {
      const res = await h.request('POST', '/v1/events/trigger', {
        body: { type, overrides: { 'metadata.order_id': 'T-1' } },
      });
      expect(res.status).toBe(201);
      const event = parseEvent(res.body);
      expect(isCheckoutSessionEvent(event)).toBe(true);
      expect(res.body.data).toMatchObject({ metadata: { order_id: 'T-1' }, ui_mode: 'hosted' });
      expect(res.body.data.payment_resource.payment_intent?.status ?? null).toBe(pi);
    }
  });
});

describe('control API for sessions', () => {
  it('lists sessions with their token, intent, scenario and history, newest first', async () => {
    const a = await session('v1');
    const b = await session('v2', { ui_mode: 'embedded' });
    await control(a.id, 'open');
    const list = (await h.request('GET', '/_sandbox/checkout_sessions')).body.data;
    expect(list.map((s: any) => s.id)).toEqual([b.id, a.id]);
    expect(list[0].sandbox).toMatchObject({
      namespace: 'v2',
      session_token: b.session_token,
      payment_intent_id: null,
      scenario: { name: 'succeed' },
    });
    expect(list[1].sandbox.payment_intent_id).toMatch(/^pi_/);
    expect((await h.request('GET', '/_sandbox/checkout_sessions', { key: OTHER_KEY })).body.data).toEqual([]);
  });

  it('every action; the scenario set before or after the intent exists; refusals', async () => {
    const cases: Array<[string, Record<string, unknown>, string, string | null]> = [
      ['run', {}, 'finished', 'succeeded'],
      ['reject', { error_reason: 'x_reason' }, 'finished', 'rejected'],
      ['fail', {}, 'finished', 'failed'],
      ['succeed', {}, 'finished', 'succeeded'],
      ['pending', {}, 'in_progress', 'pending'],
      ['authorize_and_close', {}, 'finished', 'succeeded'],
      ['leave', {}, 'created', 'created'],
      ['expire', {}, 'expired', null],
    ];
    for (const [action, extra, status, piStatus] of cases) {
      const cs = await session('v2');
      const res = await control(cs.id, action, extra);
      expect(res.status, action).toBe(200);
      expect(res.body.status, action).toBe(status);
      expect(res.body.payment_resource.payment_intent?.status ?? null, action).toBe(piStatus);
    }
    const failing = await session('v2');
    await h.request('PUT', `/_sandbox/checkout_sessions/${failing.id}/scenario`, {
      body: { scenario: 'fail', error_reason: 'bank_not_available' },
    });
    expect((await control(failing.id, 'run')).body.payment_resource.payment_intent).toMatchObject({
      status: 'failed',
      error_reason: 'bank_not_available',
    });
    const late = await session('v2');
    await control(late.id, 'open');
    await h.request('POST', `/_sandbox/checkout_sessions/${late.id}/scenario`, {
      body: { scenario: 'reject' },
    });
    expect((await control(late.id, 'run')).body.payment_resource.payment_intent.status).toBe('rejected');

    expectError(await control(late.id, 'run'), 400, 'invalid_checkout_session_status');
    expectError(await control(late.id, 'fly'), 400, 'invalid_params', 'action');
    expectError(
      await h.request('POST', `/_sandbox/checkout_sessions/${late.id}/simulate`, { body: {} }),
      400,
      'missing_parameter',
    );
    const pending = await session('v2');
    await control(pending.id, 'pending');
    expectError(await control(pending.id, 'expire'), 400, 'invalid_status_transition');
    expectError(await control('cs_nope', 'run'), 404, 'missing_resource');
  });
});

describe('the widget with sessionToken', () => {
  const openWidget = (options: Record<string, unknown>) =>
    h.sb.app.inject({ method: 'POST', url: '/widget/sessions', payload: { options } });
  const act = (sessionId: string, action: string) =>
    h.sb.app.inject({ method: 'POST', url: `/widget/sessions/${sessionId}/actions`, payload: { action } });
  const base = { product: 'payments', publicKey: 'pk_test_orgAAAA1111' };

  it('opens the session (making its intent once) and moves it through the customer actions', async () => {
    const cs = await session('v2', { ui_mode: 'embedded', amount: 12990 });
    const opened = await openWidget({ ...base, sessionToken: cs.session_token });
    expect(opened.statusCode).toBe(201);
    const body = opened.json();
    expect(body).toMatchObject({
      intent: { amount: 12990, currency: 'CLP', status: 'created' },
      country: 'cl',
    });
    const again = await openWidget({ ...base, sessionToken: cs.session_token });
    expect(again.json().intent.id).toBe(body.intent.id);
    expect((await act(body.sessionId, 'start')).json().status).toBe('in_progress');
    expect((await getV2(cs.id)).status).toBe('in_progress');
    expect((await act(body.sessionId, 'authorize')).json().status).toBe('succeeded');
    expect(await getV2(cs.id)).toMatchObject({
      status: 'finished',
      payment_resource: { payment_intent: { id: body.intent.id } },
    });
    const listed = (await h.request('GET', '/_sandbox/widget_sessions')).body.data;
    expect(listed[0]).toMatchObject({
      checkout_session_id: cs.id,
      payment_intent_id: body.intent.id,
      ok: true,
    });
    const spent = await openWidget({ ...base, sessionToken: cs.session_token });
    expect(spent.statusCode).toBe(409);
    expect(spent.json().error.code).toBe('session_token_spent');
  });

  it('refuses a bad token, both tokens, another organisation or mode, and an expired session', async () => {
    const cs = await session('v2', { ui_mode: 'embedded' });
    const refused = async (options: Record<string, unknown>, status: number, code: string) => {
      const res = await openWidget(options);
      expect(res.statusCode, code).toBe(status);
      expect(res.json().error.code).toBe(code);
    };
    await refused({ ...base, sessionToken: `${cs.id}_sec_wrong` }, 400, 'invalid_session_token');
    await refused({ ...base, sessionToken: 42 }, 400, 'invalid_session_token');
    await refused(
      { ...base, sessionToken: cs.session_token, widgetToken: 'pi_x_sec_y' },
      400,
      'invalid_session_token',
    );
    await refused(
      { ...base, publicKey: 'pk_test_orgBBBB2222', sessionToken: cs.session_token },
      401,
      'invalid_public_key',
    );
    await refused(
      { ...base, publicKey: 'pk_live_orgAAAA1111', sessionToken: cs.session_token },
      400,
      'mode_mismatch',
    );
    // None of the refusals made an intent.
    expect((await getV2(cs.id)).payment_resource.payment_intent).toBeNull();
    await h.request('POST', `/v2/checkout_sessions/${cs.id}/expire`);
    await refused({ ...base, sessionToken: cs.session_token }, 409, 'session_token_spent');
  });
});
