/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verify } from '../../src/fintoc/index.js';
import { MAX_RETRIES, retryDelayMs } from '../../src/sandbox/index.js';
import { build, createEndpoint, createIntent, simulate, LIVE_KEY, T0, type Harness } from './helper.js';

let h: Harness;
beforeEach(() => {
  h = build();
});
afterEach(() => h.close());

async function succeedOne(key?: string) {
  const pi = await createIntent(h, {}, key);
  await simulate(h, pi.id, 'run', {}, key);
  await h.sb.clock.flush();
  return pi;
}

async function deliveries(q = '', key?: string): Promise<any[]> {
  return (await h.request('GET', `/_sandbox/deliveries${q}`, key ? { key } : {})).body.data;
}

async function fault(body: Record<string, unknown>) {
  const res = await h.request('POST', '/_sandbox/faults', { body });
  expect(res.status).toBe(201);
  return res.body;
}

describe('delivery', () => {
  it('POSTs the compact event JSON signed with the endpoint secret, to subscribed endpoints only', async () => {
    const we = await createEndpoint(h, ['payment_intent.succeeded']);
    await createEndpoint(h, ['payment_intent.failed']);
    const pi = await succeedOne();
    expect(h.received).toHaveLength(1);
    const [r] = h.received;
    expect(r!.url).toBe('https://shop.example/webhooks/fintoc');
    expect(r!.headers['content-type']).toBe('application/json');
    expect(r!.headers['fintoc-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(r!.headers['fintoc-signature']).toContain(`t=${Math.floor(T0 / 1000)},`);
    const event = verify({
      body: r!.body,
      header: r!.headers['fintoc-signature'],
      secrets: we.secret,
      now: new Date(T0),
    });
    expect(event.type).toBe('payment_intent.succeeded');
    expect(r!.body).toBe(JSON.stringify(JSON.parse(r!.body))); // compact
    expect(JSON.parse(r!.body).data.id).toBe(pi.id);
    const [d] = await deliveries();
    expect(d).toMatchObject({
      status: 'delivered',
      endpoint_id: we.id,
      event_type: 'payment_intent.succeeded',
    });
    expect(d.attempts).toEqual([
      expect.objectContaining({
        number: 1,
        outcome: 'delivered',
        status_code: 200,
        response_body_excerpt: 'ok',
        error: null,
        at: new Date(T0).toISOString(),
      }),
    ]);
    expect(typeof d.attempts[0].response_time_ms).toBe('number');
  });

  it('never sends live events to test endpoints, nor to disabled or deleted endpoints', async () => {
    const testEp = await createEndpoint(h);
    await succeedOne(LIVE_KEY);
    expect(h.received).toHaveLength(0);
    const liveEp = await createEndpoint(h, ['*'], LIVE_KEY);
    await succeedOne(LIVE_KEY);
    expect(h.received).toHaveLength(1);
    expect(JSON.parse(h.received[0]!.body).mode).toBe('live');
    expect((await deliveries('', LIVE_KEY))[0].endpoint_id).toBe(liveEp.id);
    await h.request('PATCH', `/v1/webhook_endpoints/${testEp.id}`, { body: { disabled: true } });
    await succeedOne();
    expect(h.received).toHaveLength(1);
  });

  it('retries 3 s × 2^n after each failure, 17 retries, then gives up', async () => {
    // Not '*': ten days pay the intent out, and payout events would be deliveries of their own.
    await createEndpoint(h, ['payment_intent.succeeded']);
    h.respond = () => ({ status: 500, body: 'boom' });
    await succeedOne();
    await h.sb.clock.advance(10 * 86_400_000);
    expect(h.received).toHaveLength(1 + MAX_RETRIES);
    const gaps = h.received.slice(1).map((r, i) => r.at - h.received[i]!.at);
    expect(gaps).toEqual(Array.from({ length: 17 }, (_, n) => 3000 * 2 ** n));
    expect(gaps.slice(0, 4)).toEqual([3000, 6000, 12_000, 24_000]);
    const [d] = await deliveries();
    expect(d.status).toBe('failed');
    expect(d.next_attempt_at).toBeNull();
    expect(d.attempts).toHaveLength(18);
    expect(d.attempts[0]).toMatchObject({
      outcome: 'failed',
      status_code: 500,
      response_body_excerpt: 'boom',
      error: 'the endpoint answered 500',
    });
    expect(retryDelayMs(16)).toBe(3000 * 65_536);
  });

  it('any 2xx ends a delivery; a later success stops the retries', async () => {
    await createEndpoint(h);
    let n = 0;
    h.respond = () => (++n < 3 ? { status: 503 } : { status: 204 });
    await succeedOne();
    await h.sb.clock.advance(3000);
    expect(h.received).toHaveLength(2);
    await h.sb.clock.advance(6000);
    expect(h.received).toHaveLength(3);
    await h.sb.clock.advance(86_400_000);
    expect(h.received).toHaveLength(3);
    expect((await deliveries())[0].status).toBe('delivered');
  });

  it('a receiver that does not answer in time counts as a failure (timeout)', async () => {
    const quick = build({ deliveryTimeoutMs: 5 });
    try {
      await createEndpoint(quick);
      quick.respond = () => 'hang';
      const pi = await createIntent(quick);
      await simulate(quick, pi.id, 'run');
      await quick.sb.clock.flush();
      const [d] = (await quick.request('GET', '/_sandbox/deliveries')).body.data;
      expect(d.status).toBe('scheduled');
      expect(d.attempts[0]).toMatchObject({ outcome: 'failed', status_code: null });
      expect(d.attempts[0].error).toContain('timeout');
    } finally {
      await quick.close();
    }
  });

  it('signs with real time by default, so advancing the clock never makes a webhook look forged', async () => {
    const plain = build({ signWith: undefined });
    try {
      expect((await plain.request('GET', '/_sandbox/settings')).body.sign_with).toBe('wall');
      const we = await createEndpoint(plain);
      await plain.sb.clock.advance(3 * 86_400_000); // sandbox time: days away from real time
      await plain.request('POST', '/v1/events/trigger', { body: { type: 'payment_intent.succeeded' } });
      await plain.sb.clock.flush();
      const [r] = plain.received;
      // verify() checks `t` against the real clock, ±300 s, as a receiver does.
      expect(verify({ body: r!.body, header: r!.headers['fintoc-signature'], secrets: we.secret }).type).toBe(
        'payment_intent.succeeded',
      );
      expect(JSON.parse(r!.body).created_at).toBe(new Date(T0 + 3 * 86_400_000).toISOString());
    } finally {
      await plain.close();
    }
  });

  it('signs with real time instead of sandbox time once settings say so', async () => {
    const we = await createEndpoint(h);
    await h.sb.clock.advance(3_600_000 * 5);
    const set = await h.request('PATCH', '/_sandbox/settings', { body: { sign_with: 'wall' } });
    expect(set.body).toMatchObject({ sign_with: 'wall' });
    await h.request('POST', '/v1/events/trigger', { body: { type: 'payment_intent.succeeded' } });
    await h.sb.clock.flush();
    const header = h.received[0]!.headers['fintoc-signature']!;
    const t = Number(/t=(\d+)/.exec(header)![1]);
    expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
    expect(() => verify({ body: h.received[0]!.body, header, secrets: we.secret })).not.toThrow();
    const bad = await h.request('PATCH', '/_sandbox/settings', { body: { sign_with: 'sometimes' } });
    expect(bad.body.error.param).toBe('sign_with');
  });

  it('resends a delivery on request, as a new delivery of the same event', async () => {
    const we = await createEndpoint(h);
    h.respond = () => ({ status: 500 });
    await succeedOne();
    const [first] = await deliveries();
    h.respond = () => ({ status: 200 });
    const again = await h.request('POST', `/_sandbox/deliveries/${first.id}/resend`);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({
      duplicate_of: first.id,
      event_id: first.event_id,
      status: 'scheduled',
    });
    await h.sb.clock.flush();
    expect((await h.request('GET', `/_sandbox/deliveries/${again.body.id}`)).body.status).toBe('delivered');
    expect(h.received.map((r) => r.body)).toEqual([h.received[0]!.body, h.received[0]!.body]);
    await h.request('DELETE', `/v1/webhook_endpoints/${we.id}`);
    expect((await h.request('POST', `/_sandbox/deliveries/${first.id}/resend`)).status).toBe(404);
    expect((await h.request('POST', '/_sandbox/deliveries/dlv_nope/resend')).status).toBe(404);
  });

  it('endpoint test sends a sample of the given type to that endpoint only', async () => {
    const a = await createEndpoint(h, ['payment_intent.failed']);
    await createEndpoint(h);
    const res = await h.request('POST', `/v1/webhook_endpoints/${a.id}/test`, {
      body: { type: 'payment_intent.succeeded' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ object: 'event', type: 'payment_intent.succeeded', mode: 'test' });
    await h.sb.clock.flush();
    expect(h.received).toHaveLength(1);
    const evt = verify({
      body: h.received[0]!.body,
      header: h.received[0]!.headers['fintoc-signature'],
      secrets: a.secret,
      now: new Date(T0),
    });
    expect(evt.id).toBe(res.body.id);
  });

  it('events/trigger applies overrides (dot paths) and goes to every subscribed endpoint', async () => {
    await createEndpoint(h, ['payment_intent.succeeded']);
    await createEndpoint(h, ['payment_intent.succeeded', 'refund.succeeded']);
    const res = await h.request('POST', '/v1/events/trigger', {
      body: {
        type: 'payment_intent.succeeded',
        overrides: { amount: 777, 'data.metadata.order': 'A1', currency: 'MXN' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      amount: 777,
      currency: 'MXN',
      metadata: { order: 'A1' },
      status: 'succeeded',
    });
    await h.sb.clock.flush();
    expect(h.received).toHaveLength(2);
    // A nested override changes that event only: the next sample is as before.
    const nested = await h.request('POST', '/v1/events/trigger', {
      body: { type: 'payment_intent.succeeded', overrides: { 'sender_account.number': '1' } },
    });
    expect(nested.body.data.sender_account).toMatchObject({ number: '1', institution_id: 'cl_banco_estado' });
    const plain = await h.request('POST', '/v1/events/trigger', {
      body: { type: 'payment_intent.succeeded' },
    });
    expect(plain.body.data.sender_account.number).toBe('422159212');
    expect((await h.request('POST', '/v1/events/trigger', { body: { type: 'nope' } })).body.error.param).toBe(
      'type',
    );
    expect((await h.request('POST', '/v1/events/trigger', { body: {} })).body.error.code).toBe(
      'missing_parameter',
    );
  });
});

describe('faults', () => {
  it('drop: the first N attempts never reach the receiver, then the retry succeeds', async () => {
    await createEndpoint(h);
    await fault({ kind: 'drop', count: 2 });
    await succeedOne();
    expect(h.received).toHaveLength(0);
    await h.sb.clock.advance(3000 + 6000);
    expect(h.received).toHaveLength(1);
    const [d] = await deliveries();
    expect(d.attempts.map((a: any) => a.outcome)).toEqual(['dropped', 'dropped', 'delivered']);
    expect(d.faults).toHaveLength(1);
  });

  it('lose_response: the receiver gets the event and answers 200, but the answer is lost, so it comes again', async () => {
    await createEndpoint(h);
    await fault({ kind: 'lose_response', count: 1 });
    await succeedOne();
    expect(h.received).toHaveLength(1);
    await h.sb.clock.advance(3000);
    expect(h.received).toHaveLength(2);
    expect(h.received[0]!.body).toBe(h.received[1]!.body);
    const [d] = await deliveries();
    expect(d.attempts.map((a: any) => `${a.outcome}:${a.status_code}`)).toEqual([
      'failed:200',
      'delivered:200',
    ]);
    expect(d.status).toBe('delivered');
  });

  it('delay: the first attempt waits', async () => {
    await createEndpoint(h);
    await fault({ kind: 'delay', delay: '2m', event_type: 'payment_intent.succeeded' });
    await succeedOne();
    await h.sb.clock.advance(119_000);
    expect(h.received).toHaveLength(0);
    await h.sb.clock.advance(1000);
    expect(h.received).toHaveLength(1);
    expect(h.received[0]!.at - T0).toBe(120_000);
  });

  it('duplicate: the same event (same id) arrives twice', async () => {
    await createEndpoint(h);
    await fault({ kind: 'duplicate' });
    await succeedOne();
    await h.sb.clock.flush();
    expect(h.received).toHaveLength(2);
    expect(JSON.parse(h.received[0]!.body).id).toBe(JSON.parse(h.received[1]!.body).id);
    const list = await deliveries();
    expect(list.filter((d) => d.duplicate_of !== null)).toHaveLength(1);
  });

  it('reorder: events in the window arrive newest first', async () => {
    await createEndpoint(h);
    await fault({ kind: 'reorder', window: '10s' });
    await h.request('PUT', '/_sandbox/scenario', {
      body: { scenario: 'pending_then_succeed', pending_for: '5s' },
    });
    await succeedOne();
    await h.sb.clock.advance(5000);
    expect(h.received).toHaveLength(0);
    await h.sb.clock.advance(5000);
    expect(h.received.map((r) => JSON.parse(r.body).type)).toEqual([
      'payment_intent.succeeded',
      'payment_intent.pending',
    ]);
  });

  it('stop: nothing is sent for a matching endpoint until the fault is removed', async () => {
    const a = await createEndpoint(h);
    const b = await createEndpoint(h);
    const f = await fault({ kind: 'stop', endpoint_id: a.id });
    await succeedOne();
    await h.sb.clock.advance(86_400_000);
    expect(h.received).toHaveLength(1);
    expect((await deliveries(`?endpoint_id=${a.id}`))[0].status).toBe('withheld');
    expect((await deliveries(`?endpoint_id=${b.id}`))[0].status).toBe('delivered');
    const removed = await h.request('DELETE', `/_sandbox/faults/${f.id}`);
    expect(removed.body.deleted).toBe(true);
    await h.sb.clock.flush();
    expect(h.received).toHaveLength(2);
    expect((await deliveries(`?endpoint_id=${a.id}`))[0].status).toBe('delivered');
  });

  it('faults can name one payment intent: other intents are delivered as usual', async () => {
    await createEndpoint(h);
    const held = await createIntent(h);
    await fault({ kind: 'stop', payment_intent_id: held.id });
    await simulate(h, held.id, 'run');
    const other = await succeedOne();
    await h.sb.clock.advance(60_000);
    expect(h.received.map((r) => JSON.parse(r.body).data.id)).toEqual([other.id]);
    const [d] = await deliveries(`?status=withheld`);
    const events = (await h.request('GET', '/_sandbox/events')).body.data;
    expect(events.find((e: any) => e.id === d.event_id).data.id).toBe(held.id);
    expect(
      (await h.request('POST', '/_sandbox/faults', { body: { kind: 'stop', payment_intent_id: 'pi_nope' } }))
        .status,
    ).toBe(404);
    expect(
      (await h.request('POST', '/_sandbox/faults', { body: { kind: 'stop', payment_intent_id: 7 } })).body
        .error.param,
    ).toBe('payment_intent_id');
  });

  it('probability: a fault acts on about that share of matching deliveries (drawn from the random source)', async () => {
    // A seeded source: unique ids, and the same draws on every run.
    let seed = 12345;
    const random = () => {
      const b = new Uint8Array(32);
      for (let i = 0; i < 32; i++) {
        seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
        b[i] = seed >>> 24;
      }
      return b;
    };
    await h.close();
    h = build({ random });
    await createEndpoint(h);
    const created = await fault({ kind: 'duplicate', probability: 0.3 });
    expect(created.probability).toBe(0.3);
    for (let i = 0; i < 100; i++) await succeedOne();
    await h.sb.clock.flush();
    const extra = h.received.length - 100;
    expect(extra).toBeGreaterThan(15);
    expect(extra).toBeLessThan(45);
    for (const probability of [0, 1.5, '0.5']) {
      const res = await h.request('POST', '/_sandbox/faults', { body: { kind: 'drop', probability } });
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe('probability');
    }
  });

  it('slow_api: the API acts at once but answers late; the control API is not slowed', async () => {
    await fault({ kind: 'slow_api', delay: 3 });
    const started = performance.now();
    let answered = false;
    const creating = createIntent(h).then((pi) => {
      answered = true;
      return pi;
    });
    // The intent exists (the control API answers at once) while its creator still waits.
    const until = Date.now() + 2_500;
    for (;;) {
      const list = (await h.request('GET', '/_sandbox/payment_intents')).body.data;
      if (list.length > 0 || Date.now() > until) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await h.request('GET', '/_sandbox/payment_intents')).body.data).toHaveLength(1);
    // Logged as done, though its answer has not left: a client that dies waiting leaves it in the log.
    expect((await h.request('GET', '/_sandbox/requests')).body.data).toEqual([
      expect.objectContaining({ method: 'POST', path: '/v1/payment_intents', status: 201 }),
    ]);
    expect(answered).toBe(false);
    const pi = await creating;
    expect(pi.id).toMatch(/^pi_/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(2_990);
    expect(
      (await h.request('POST', '/_sandbox/faults', { body: { kind: 'slow_api' } })).body.error.param,
    ).toBe('delay');
  });

  it('keeps as many logged API requests as requestLogSize says', async () => {
    await h.close();
    h = build({ requestLogSize: 5 });
    for (let i = 0; i < 8; i++) await createIntent(h);
    const log = (await h.request('GET', '/_sandbox/requests')).body.data;
    expect(log).toHaveLength(5);
    expect(log.every((r: { path: string }) => r.path === '/v1/payment_intents')).toBe(true);
  });

  it('faults match by event type and are listed; bad faults get clear errors', async () => {
    await createEndpoint(h);
    await fault({ kind: 'stop', event_type: 'payment_intent.failed' });
    await succeedOne();
    expect(h.received).toHaveLength(1);
    expect((await h.request('GET', '/_sandbox/faults')).body.data).toHaveLength(1);
    for (const [body, param] of [
      [{ kind: 'explode' }, 'kind'],
      [{}, 'kind'],
      [{ kind: 'drop', count: 0 }, 'count'],
      [{ kind: 'delay' }, 'delay'],
      [{ kind: 'delay', delay: 'later' }, 'delay'],
      [{ kind: 'stop', event_type: '' }, 'event_type'],
    ] as const) {
      const res = await h.request('POST', '/_sandbox/faults', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.param).toBe(param);
    }
    expect(
      (await h.request('POST', '/_sandbox/faults', { body: { kind: 'stop', endpoint_id: 'we_nope' } }))
        .status,
    ).toBe(404);
    expect((await h.request('DELETE', '/_sandbox/faults')).body.deleted).toBe(1);
  });
});
