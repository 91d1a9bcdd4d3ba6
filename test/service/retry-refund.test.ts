/** A new intent for an open payment (the checkout's "try again"), and the refund policy for late payments. */
import { afterEach, describe, expect, it } from 'vitest';
import { deliverLateSuccess, harnessBudget, startHarness, type Harness } from './support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a new intent for an open payment', () => {
  it(
    'expires the previous intent, and still counts a success on it',
    async () => {
      h = await startHarness({ merchant: false });
      const created = await h.createPayment({ amount: 7000, currency: 'CLP', order_id: 'retry-1' });
      const first = created.json as { id: string; payment_intent_id: string };
      const renewed = await h.app.payments.newIntent(first.id);
      expect(renewed.payment_intent_id).toMatch(/^pi_/);
      expect(renewed.payment_intent_id).not.toBe(first.payment_intent_id);
      expect(renewed.widget_token).toBeTruthy();
      const old = (await h.sandbox('GET', `/_sandbox/payment_intents/${first.payment_intent_id}`)) as {
        status: string;
      };
      expect(old.status).toBe('expired');
      await h.settle();
      // The old intent's expired webhook does not end the payment.
      expect((await h.getPayment(first.id)).status).toBe('pending');
      await h.simulate(renewed.payment_intent_id!, 'authorize');
      await h.settle();
      expect((await h.getPayment(first.id)).status).toBe('succeeded');
      await expect(h.app.payments.newIntent(first.id)).rejects.toMatchObject({ code: 'payment_not_open' });
    },
    harnessBudget({ steps: 9 }),
  );
});

describe('LATE_PAYMENT_POLICY=refund', () => {
  it(
    'refunds a payment that succeeds after it was canceled, once',
    async () => {
      h = await startHarness({ merchant: false, env: { LATE_PAYMENT_POLICY: 'refund' } });
      const created = await h.createPayment({ amount: 9000, currency: 'CLP', order_id: 'late-1' });
      const p = created.json as { id: string; payment_intent_id: string };
      await h.advance(10 * 60_000 + 1_000);
      expect((await h.getPayment(p.id)).status).toBe('canceled');
      // Fintoc reports the expired intent paid after all (the sandbox never does: its finals are final),
      // and accepts the refund as it would for a paid intent.
      await deliverLateSuccess(h, p.payment_intent_id);
      h.failFintoc(1, /^POST \/v1\/refunds$/, {
        status: 201,
        body: {
          id: 're_late0000000000001',
          object: 'refund',
          amount: 9000,
          currency: 'CLP',
          created_at: new Date(h.sb.clock.now()).toISOString(),
          metadata: {},
          mode: 'test',
          resource_id: p.payment_intent_id,
          resource_type: 'payment_intent',
          status: 'created',
        },
      });
      await h.settle();
      await h.advance(60_000);
      const after = await h.getPayment(p.id);
      expect(after).toMatchObject({
        status: 'succeeded',
        paid_after_cancel: true,
        refund_id: 're_late0000000000001',
      });
      expect(h.fintocCalls.filter((c) => c === 'POST /v1/refunds')).toHaveLength(1);
      const timeline = await h.app.payments.timeline(p.id);
      expect(
        timeline.some(
          (e) => e.cause === 'job:refund' && (e.detail as { event?: string })?.event === 'refund_created',
        ),
      ).toBe(true);
    },
    harnessBudget({ steps: 10 }),
  );
});
