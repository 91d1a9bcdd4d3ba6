/**
 * The payment lifecycle end to end, with the sandbox as Fintoc: webhooks, the abandonment
 * deadline, status sync, notifications.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { standardWebhookSignature } from '../../src/service/index.js';
import { MERCHANT_SECRET, deliverLateSuccess, startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

type Payment = {
  id: string;
  status: string;
  payment_intent_id: string;
  paid_after_cancel: boolean;
  failure_reason: string | null;
};

async function newPayment(orderId = `order-${Math.random().toString(36).slice(2)}`): Promise<Payment> {
  const res = await h.createPayment({ amount: 12990, currency: 'CLP', order_id: orderId });
  expect(res.status).toBe(201);
  return res.json as unknown as Payment;
}

const timelineOf = async (id: string) =>
  (await h.getPayment(id, true)).timeline as Array<{ kind: string; to_status: string | null; cause: string }>;

describe('a payment against the sandbox', () => {
  it('is created pending with an intent and a checkout URL', async () => {
    const p = await newPayment('order-1');
    expect(p).toMatchObject({ status: 'pending', order_id: 'order-1', amount: 12990, currency: 'CLP' });
    expect(p.payment_intent_id).toMatch(/^pi_/);
    expect((p as unknown as { checkout_url: string }).checkout_url).toBe(`http://pay.test/pay/${p.id}`);
    const intent = (await h.sandbox('GET', `/_sandbox/payment_intents/${p.payment_intent_id}`)) as {
      amount: number;
    };
    expect(intent.amount).toBe(12990);
  });

  it('succeeds by webhook alone (customer authorizes in the bank app and never returns)', async () => {
    const p = await newPayment();
    await h.simulate(p.payment_intent_id, 'authorize_and_close');
    await h.settle();
    const after = await h.getPayment(p.id);
    expect(after.status).toBe('succeeded');
    const deliveries = (await h.sandbox('GET', '/_sandbox/deliveries')) as {
      data: Array<{ status: string }>;
    };
    expect(deliveries.data.length).toBeGreaterThan(0);
    expect(deliveries.data.every((d) => d.status === 'delivered')).toBe(true);
    // The shop is told once, signed per Standard Webhooks.
    expect(h.shop).toHaveLength(1);
    const d = h.shop[0]!;
    const body = JSON.parse(d.body) as { type: string; data: { id: string; status: string } };
    expect(body).toMatchObject({ type: 'payment.succeeded', data: { id: p.id, status: 'succeeded' } });
    expect(d.headers['webhook-signature']).toBe(
      standardWebhookSignature({
        id: d.headers['webhook-id']!,
        timestamp: Number(d.headers['webhook-timestamp']),
        body: d.body,
        secret: MERCHANT_SECRET,
      }),
    );
  });

  it('is canceled after the timeout when the customer leaves, and the intent is expired at Fintoc', async () => {
    const p = await newPayment();
    await h.simulate(p.payment_intent_id, 'start');
    await h.settle();
    await h.advance(9 * 60_000);
    expect((await h.getPayment(p.id)).status).toBe('processing');
    await h.advance(60_000 + 1_000);
    const after = await h.getPayment(p.id);
    expect(after).toMatchObject({ status: 'canceled', failure_reason: 'payment_timeout' });
    expect(h.fintocCalls).toContain(`POST /v1/payment_intents/${p.payment_intent_id}/expire`);
    const intent = (await h.sandbox('GET', `/_sandbox/payment_intents/${p.payment_intent_id}`)) as {
      status: string;
    };
    expect(intent.status).toBe('expired');
    expect(h.shop.map((s) => JSON.parse(s.body).type)).toEqual(['payment.canceled']);
    // The expired webhook that follows does not move it.
    const tl = await timelineOf(p.id);
    expect(tl.filter((e) => e.kind === 'status').map((e) => e.to_status)).toEqual(['processing', 'canceled']);
  });

  it('lets a success that races the timeout win, when Fintoc refuses to expire', async () => {
    const p = await newPayment();
    // The customer pays, but the webhook is lost: at the deadline Fintoc refuses the expire.
    await h.sandbox('POST', '/_sandbox/faults', { kind: 'drop', count: 18 });
    await h.simulate(p.payment_intent_id, 'authorize');
    await h.settle();
    expect((await h.getPayment(p.id)).status).not.toBe('succeeded');
    // Status sync (due before the deadline) cannot read the intent either, so the deadline decides.
    h.failFintoc(1, /^GET \/v1\/payment_intents\//);
    await h.advance(10 * 60_000 + 1_000);
    const after = await h.getPayment(p.id);
    expect(after.status).toBe('succeeded');
    expect(after.paid_after_cancel).toBe(false);
    expect(h.fintocCalls).toContain(`POST /v1/payment_intents/${p.payment_intent_id}/expire`);
    const tl = await timelineOf(p.id);
    expect(tl.filter((e) => e.kind === 'status').map((e) => [e.to_status, e.cause])).toEqual([
      ['succeeded', 'job:abandon'],
    ]);
    expect(h.shop.map((s) => JSON.parse(s.body).type)).toEqual(['payment.succeeded']);
  });

  it('does not cancel a transfer the bank is still deciding at the deadline: Fintoc decides', async () => {
    const p = await newPayment();
    // The bank keeps the transfer pending past the deadline, so Fintoc refuses to expire it.
    await h.sandbox('POST', `/_sandbox/payment_intents/${p.payment_intent_id}/scenario`, {
      scenario: 'pending_then_succeed',
      pending_for: '15m',
    });
    await h.simulate(p.payment_intent_id, 'run');
    await h.settle();
    expect((await h.getPayment(p.id)).status).toBe('processing');
    await h.advance(10 * 60_000 + 1_000);
    // Canceling now would cancel a payment whose money may still move.
    expect((await h.getPayment(p.id)).status).toBe('processing');
    expect(h.fintocCalls).toContain(`POST /v1/payment_intents/${p.payment_intent_id}/expire`);
    await h.advance(6 * 60_000);
    const after = await h.getPayment(p.id);
    expect(after).toMatchObject({ status: 'succeeded', paid_after_cancel: false });
    expect(h.shop.map((s) => JSON.parse(s.body).type)).toEqual(['payment.succeeded']);
  });

  it('ends a transfer the bank rejects after the deadline as failed, as Fintoc says, not canceled', async () => {
    const p = await newPayment();
    await h.sandbox('POST', `/_sandbox/payment_intents/${p.payment_intent_id}/scenario`, {
      scenario: 'pending_then_fail',
      pending_for: '15m',
    });
    await h.simulate(p.payment_intent_id, 'run');
    await h.advance(10 * 60_000 + 1_000);
    expect((await h.getPayment(p.id)).status).toBe('processing');
    await h.advance(6 * 60_000);
    expect(await h.getPayment(p.id)).toMatchObject({
      status: 'failed',
      failure_reason: 'unresolved_final_status',
    });
    expect(h.shop.map((s) => JSON.parse(s.body).type)).toEqual(['payment.failed']);
  });

  it('marks a success Fintoc reports after the payment was canceled as paid_after_cancel', async () => {
    const p = await newPayment();
    await h.advance(10 * 60_000 + 1_000);
    expect((await h.getPayment(p.id)).status).toBe('canceled');
    // Money moved is truth: Fintoc (here, a signed event) reports the expired intent paid after all.
    await deliverLateSuccess(h, p.payment_intent_id);
    await h.settle();
    const after = await h.getPayment(p.id);
    expect(after).toMatchObject({ status: 'succeeded', paid_after_cancel: true });
    expect(h.shop.map((s) => JSON.parse(s.body).type)).toEqual(['payment.canceled', 'payment.succeeded']);
  });

  it('recovers a lost webhook by status sync before the deadline', async () => {
    const p = await newPayment();
    await h.sandbox('POST', '/_sandbox/faults', { kind: 'drop', count: 18 });
    await h.simulate(p.payment_intent_id, 'authorize');
    await h.settle();
    expect((await h.getPayment(p.id)).status).not.toBe('succeeded');
    await h.advance(2 * 60_000 + 1_000);
    const after = await h.getPayment(p.id);
    expect(after.status).toBe('succeeded');
    const tl = await timelineOf(p.id);
    expect(tl.find((e) => e.to_status === 'succeeded')?.cause).toBe('job:sync');
  });

  it('fails on a rejected payment with the reason kept', async () => {
    const p = await newPayment();
    await h.simulate(p.payment_intent_id, 'reject', { error_reason: 'insufficient_funds' });
    await h.settle();
    const after = await h.getPayment(p.id);
    expect(after).toMatchObject({ status: 'failed', failure_reason: 'rejected: insufficient_funds' });
  });

  it('applies duplicate deliveries once', async () => {
    await h.sandbox('POST', '/_sandbox/faults', { kind: 'duplicate' });
    const p = await newPayment();
    await h.simulate(p.payment_intent_id, 'authorize');
    await h.settle();
    expect((await h.getPayment(p.id)).status).toBe('succeeded');
    const tl = await timelineOf(p.id);
    expect(tl.filter((e) => e.kind === 'status')).toHaveLength(1);
    expect(h.shop).toHaveLength(1);
  });

  it('notifies the shop again until it answers 2xx, with the same id and body', async () => {
    h.shopAnswers.push(500, 503);
    const p = await newPayment();
    await h.simulate(p.payment_intent_id, 'authorize');
    await h.settle();
    expect(h.shop).toHaveLength(1);
    await h.advance(5_000);
    await h.advance(10_000);
    expect(h.shop.map((s) => s.status)).toEqual([500, 503, 200]);
    expect(new Set(h.shop.map((s) => s.headers['webhook-id'])).size).toBe(1);
    expect(new Set(h.shop.map((s) => s.body)).size).toBe(1);
    await h.advance(3_600_000);
    expect(h.shop).toHaveLength(3);
  });
});

describe('payment creation when Fintoc is unreachable', () => {
  it('answers 503 and completes the same payment when retried with the same Idempotency-Key', async () => {
    h.failFintoc(1, /POST \/v1\/payment_intents$/);
    const first = await h.createPayment(
      { amount: 5000, currency: 'CLP', order_id: 'o-retry' },
      { 'idempotency-key': 'k-1' },
    );
    expect(first.status).toBe(503);
    expect(first.json.error).toMatchObject({
      code: 'fintoc_unavailable',
      payment_id: expect.stringMatching(/^pay_/),
    });
    const second = await h.createPayment(
      { amount: 5000, currency: 'CLP', order_id: 'o-retry' },
      { 'idempotency-key': 'k-1' },
    );
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({
      id: (first.json.error as { payment_id: string }).payment_id,
      status: 'pending',
      payment_intent_id: expect.stringMatching(/^pi_/),
    });
    const intents = (await h.sandbox('GET', '/_sandbox/payment_intents')) as { data: unknown[] };
    expect(intents.data).toHaveLength(1);
  });

  it('completes the same payment when the same request is repeated without an Idempotency-Key', async () => {
    h.failFintoc(1, /POST \/v1\/payment_intents$/);
    const body = { amount: 5000, currency: 'CLP', order_id: 'o-retry-nokey' };
    const first = await h.createPayment(body);
    expect(first.status).toBe(503);
    const id = (first.json.error as { payment_id: string }).payment_id;
    const second = await h.createPayment(body);
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({
      id,
      status: 'pending',
      payment_intent_id: expect.stringMatching(/^pi_/),
    });
    // Another amount for the order is another request: the order has an open payment.
    const other = await h.createPayment({ ...body, amount: 6000 });
    expect(other.status).toBe(409);
    expect(other.json.error).toMatchObject({ code: 'order_has_open_payment', payment_id: id });
    const intents = (await h.sandbox('GET', '/_sandbox/payment_intents')) as { data: unknown[] };
    expect(intents.data).toHaveLength(1);
  });
});
