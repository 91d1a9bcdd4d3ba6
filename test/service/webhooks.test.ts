/**
 * `POST /webhooks/fintoc`: the inbox. Each test builds one valid delivery and changes one thing.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign } from '../../src/fintoc/index.js';
import { UNKNOWN_INTENT_MAX_ATTEMPTS } from '../../src/service/index.js';
import { startHarness, type Harness } from './support/harness.js';
import { paymentIntentJson } from '../fintoc/payment-intent.js';

const FIXTURE = readFileSync(
  new URL('../fixtures/fintoc/fintoc-event-payment_intent.succeeded.mx.json', import.meta.url),
  'utf8',
);

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ merchant: false });
});
afterEach(async () => {
  await h.close();
});

const nowSeconds = () => Math.floor(h.sb.clock.now() / 1000);

async function deliver(
  body: string,
  opts: { secret?: string; timestamp?: number; header?: string | null } = {},
) {
  const header =
    opts.header === undefined
      ? sign({ secret: opts.secret ?? h.webhookSecret, body, timestamp: opts.timestamp ?? nowSeconds() })
      : opts.header;
  const res = await h.app.inject({
    method: 'POST',
    url: '/webhooks/fintoc',
    headers: {
      'content-type': 'application/json',
      ...(header === null ? {} : { 'fintoc-signature': header }),
    },
    payload: body,
  });
  return { status: res.statusCode, json: res.json() as Record<string, unknown> };
}

function intentEvent(id: string, intentId: string, status: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    id,
    object: 'event',
    type: `payment_intent.${status === 'in_progress' ? 'pending' : status}`,
    mode: 'test',
    created_at: new Date(h.sb.clock.now()).toISOString(),
    data: paymentIntentJson({ id: intentId, amount: 12990, status, widget_token: null, ...extra }),
  });
}

async function payment() {
  const res = await h.createPayment({ amount: 12990, currency: 'CLP', order_id: `o-${Math.random()}` });
  return res.json as { id: string; payment_intent_id: string };
}

async function metrics(): Promise<string> {
  return (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
}

describe('webhook intake', () => {
  it('stores a verified event once and answers 200, a duplicate too, and applies it once', async () => {
    const p = await payment();
    const body = intentEvent('evt_dup1', p.payment_intent_id, 'succeeded');
    expect(await deliver(body)).toEqual({
      status: 200,
      json: { received: true, event_id: 'evt_dup1', duplicate: false },
    });
    expect((await deliver(body)).json.duplicate).toBe(true);
    // Not applied before the worker runs: the inbox answers first.
    expect((await h.getPayment(p.id)).status).toBe('pending');
    await h.settle();
    expect((await h.getPayment(p.id)).status).toBe('succeeded');
    const row = await h.app.inbox.get('evt_dup1');
    expect(row).toMatchObject({ outcome: 'applied', body });
    expect(row?.applied_at).toBeInstanceOf(Date);
    expect(await deliver(body)).toMatchObject({ status: 200 });
    await h.settle();
    const timeline = await h.app.payments.timeline(p.id);
    expect(timeline.filter((e) => e.cause_id === 'evt_dup1')).toHaveLength(1);
  });

  it('rejects a forged signature with 400 no_matching_signature, stores nothing and counts it', async () => {
    const body = intentEvent('evt_forged', 'pi_x', 'succeeded');
    const res = await deliver(body, { secret: 'whsec_not_the_secret' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'no_matching_signature' } });
    expect(await h.app.inbox.get('evt_forged')).toBeUndefined();
    expect(await metrics()).toContain('pasarela_webhooks_rejected_total{code="no_matching_signature"} 1');
  });

  it('rejects a stale signature (a replay) and one from the future', async () => {
    const body = intentEvent('evt_stale', 'pi_x', 'succeeded');
    expect((await deliver(body, { timestamp: nowSeconds() - 301 })).json).toMatchObject({
      error: { code: 'timestamp_too_old' },
    });
    expect((await deliver(body, { timestamp: nowSeconds() + 301 })).json).toMatchObject({
      error: { code: 'timestamp_in_future' },
    });
    expect((await deliver(body, { header: null })).json).toMatchObject({ error: { code: 'missing_header' } });
    expect((await deliver(body, { header: 'v1=abc' })).json).toMatchObject({
      error: { code: 'malformed_header' },
    });
    expect(await h.app.inbox.get('evt_stale')).toBeUndefined();
  });

  it('accepts any of several secrets during a rotation', async () => {
    await h.close();
    h = await startHarness({ merchant: false, env: { FINTOC_WEBHOOK_SECRET: 'whsec_newsecret' } });
    const body = intentEvent('evt_rot', 'pi_x', 'succeeded');
    expect((await deliver(body)).status).toBe(400);
    await h.close();
    h = await startHarness({ merchant: false });
    const both = await startHarness({
      merchant: false,
      env: { FINTOC_WEBHOOK_SECRET: `whsec_newsecret,${h.webhookSecret}` },
    });
    try {
      const res = await both.app.inject({
        method: 'POST',
        url: '/webhooks/fintoc',
        headers: { 'fintoc-signature': sign({ secret: h.webhookSecret, body, timestamp: nowSeconds() }) },
        payload: body,
      });
      expect(res.statusCode).toBe(200);
      // The new secret is accepted as well as the old one.
      const next = intentEvent('evt_rot_new', 'pi_x', 'succeeded');
      const signedNew = await both.app.inject({
        method: 'POST',
        url: '/webhooks/fintoc',
        headers: {
          'fintoc-signature': sign({ secret: 'whsec_newsecret', body: next, timestamp: nowSeconds() }),
        },
        payload: next,
      });
      expect(signedNew.statusCode).toBe(200);
      expect(await both.app.inbox.get('evt_rot_new')).toBeDefined();
    } finally {
      await both.close();
    }
    // Three more service + sandbox pairs: 17 s seen on a busy 2-core machine.
  }, 90_000);

  it('answers 400 invalid_payload to malformed JSON, even correctly signed', async () => {
    const res = await deliver('{"id": "evt_1", "type": ');
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'invalid_payload' } } });
  });

  it('answers 413 to a body over the limit (256 KiB), storing nothing, and takes one just under it', async () => {
    const big = JSON.stringify({ id: 'evt_big', type: 'x', padding: 'x'.repeat(300 * 1024) });
    const res = await deliver(big);
    expect(res).toMatchObject({ status: 413, json: { error: { code: 'payload_too_large' } } });
    expect(await h.app.inbox.get('evt_big')).toBeUndefined();
    const under = JSON.stringify({ id: 'evt_under', type: 'x', padding: 'x'.repeat(250 * 1024) });
    expect((await deliver(under)).status).toBe(200);
    expect(await h.app.inbox.get('evt_under')).toMatchObject({ type: 'x' });
  });

  it('stores and acknowledges an unknown event type without applying it', async () => {
    const body = JSON.stringify({
      id: 'evt_payout',
      type: 'payout.created',
      mode: 'test',
      data: { id: 'po_1' },
    });
    expect((await deliver(body)).status).toBe(200);
    await h.settle();
    expect(await h.app.inbox.get('evt_payout')).toMatchObject({
      outcome: 'unknown_type',
      type: 'payout.created',
    });
  });

  it('stores the real Fintoc event fixture as is, and keeps retrying its unknown intent for a while', async () => {
    expect(await deliver(FIXTURE)).toMatchObject({ status: 200, json: { event_id: 'evt_2AaZeLCz0GjOW5zj' } });
    await h.settle();
    const first = await h.app.inbox.get('evt_2AaZeLCz0GjOW5zj');
    expect(first).toMatchObject({ outcome: 'unknown_intent', applied_at: null, body: FIXTURE });
    for (let i = 0; i < UNKNOWN_INTENT_MAX_ATTEMPTS + 2; i++) await h.advance(3_600_000);
    const last = await h.app.inbox.get('evt_2AaZeLCz0GjOW5zj');
    expect(last).toMatchObject({
      outcome: 'unknown_intent',
      applied_at: null,
      attempts: UNKNOWN_INTENT_MAX_ATTEMPTS,
    });
  });

  it('applies an event that arrives before its payment knows the intent, once it does', async () => {
    const p = await payment();
    const body = intentEvent('evt_early', p.payment_intent_id, 'succeeded');
    // Hide the intent id as if the creation answer had not been stored yet.
    await h.database.db
      .updateTable('payments')
      .set({ payment_intent_id: null })
      .where('id', '=', p.id)
      .execute();
    await h.database.db.deleteFrom('payment_attempts').where('payment_id', '=', p.id).execute();
    await deliver(body);
    await h.settle();
    expect((await h.app.inbox.get('evt_early'))?.outcome).toBe('unknown_intent');
    await h.database.db
      .updateTable('payments')
      .set({ payment_intent_id: p.payment_intent_id })
      .where('id', '=', p.id)
      .execute();
    await h.advance(5_000);
    expect((await h.app.inbox.get('evt_early'))?.outcome).toBe('applied');
    expect((await h.getPayment(p.id)).status).toBe('succeeded');
  });

  it('accepts null fields a customer who left produces (expired, no sender account)', async () => {
    const p = await payment();
    const body = intentEvent('evt_nulls', p.payment_intent_id, 'expired', {
      error_reason: null,
      sender_account: null,
    });
    expect((await deliver(body)).status).toBe(200);
    await h.settle();
    expect(await h.getPayment(p.id)).toMatchObject({ status: 'expired', failure_reason: 'expired' });
  });

  it('never moves a payment backwards on out-of-order events', async () => {
    const p = await payment();
    await deliver(intentEvent('evt_o2', p.payment_intent_id, 'succeeded'));
    await deliver(intentEvent('evt_o1', p.payment_intent_id, 'pending'));
    await deliver(intentEvent('evt_o3', p.payment_intent_id, 'failed', { error_reason: 'x' }));
    await h.settle();
    expect((await h.getPayment(p.id)).status).toBe('succeeded');
    const timeline = await h.app.payments.timeline(p.id);
    expect(timeline.filter((e) => e.kind === 'status').map((e) => e.to_status)).toEqual(['succeeded']);
    expect(
      timeline
        .filter((e) => e.kind === 'ignored')
        .map((e) => e.cause_id)
        .sort(),
    ).toEqual(['evt_o1', 'evt_o3']);
    expect((await h.app.inbox.get('evt_o1'))?.outcome).toBe('no_change');
  });
});
