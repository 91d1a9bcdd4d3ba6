/**
 * After the bank rejects a payment, the customer tries again from the checkout page: the service
 * makes the order's next payment by its retry rules (never for an order already paid, one open
 * payment per order) and the page moves to it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, harnessBudget, startHarness, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(
  async () => {
    h = await startHarness();
  },
  harnessBudget({ harnesses: 1, steps: 0 }),
);
afterAll(async () => {
  await h?.close();
});

let seq = 0;
async function create(extra: Record<string, unknown> = {}) {
  const res = await h.createPayment({
    amount: 4200,
    currency: 'CLP',
    order_id: `retry-${++seq}-${Date.now()}`,
    ...extra,
  });
  return res.json as { id: string; order_id: string; payment_intent_id: string };
}

const session = async (id: string) => (await h.app.inject({ url: `/pay/${id}/session` })).json();
const retry = (id: string) => h.app.inject({ method: 'POST', url: `/pay/${id}/attempts`, payload: {} });

describe('retry from the checkout after a rejection', () => {
  it(
    'makes the order’s next payment, payable at once; asked twice, the same one',
    async () => {
      const first = await create();
      await h.simulate(first.payment_intent_id, 'reject');
      await h.settle();
      expect(await session(first.id)).toMatchObject({ payment: { status: 'failed' }, retryable: true });
      const page = await h.app.inject({ url: `/pay/${first.id}` });
      expect(page.body).toContain('data-testid="retry-button"');

      const res = await retry(first.id);
      expect(res.statusCode).toBe(201);
      const next = res.json();
      expect(next.payment.id).not.toBe(first.id);
      expect(next.payment).toMatchObject({ order_id: first.order_id, status: 'pending' });
      expect(typeof next.widget?.widgetToken).toBe('string');
      // A second click (another tab) answers the open one: an order has one open payment.
      const again = await retry(first.id);
      expect(again.statusCode).toBe(201);
      expect(again.json().payment.id).toBe(next.payment.id);
      const list = await h.app.inject({
        url: `/api/payments?order_id=${first.order_id}`,
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      expect(list.json().data.map((p: { id: string; status: string }) => [p.id, p.status])).toEqual([
        [next.payment.id, 'pending'],
        [first.id, 'failed'],
      ]);

      // Once the order is paid, the rejected payment offers no retry and refuses one.
      const paidIntent = (await h.getPayment(next.payment.id)).payment_intent_id as string;
      await h.simulate(paidIntent, 'succeed');
      await h.settle();
      expect((await session(first.id)).retryable).toBe(false);
      const refused = await retry(first.id);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.code).toBe('payment_not_open');
      expect((await h.app.inject({ url: `/pay/${first.id}` })).body).not.toContain(
        'data-testid="retry-button"',
      );
    },
    harnessBudget({ harnesses: 0, steps: 20 }),
  );

  it(
    'offers none after Fintoc refused to create the payment (it would only repeat)',
    async () => {
      h.failFintoc(1, /POST \/v1\/payment_intents$/, {
        status: 400,
        body: { error: { type: 'invalid_request_error', code: 'invalid_amount', message: 'No.' } },
      });
      const res = await h.createPayment({
        amount: 4200,
        currency: 'CLP',
        order_id: `retry-refused-${Date.now()}`,
      });
      expect(res.status).toBe(502);
      const id = (res.json as { error: { payment_id: string } }).error.payment_id;
      expect(await session(id)).toMatchObject({ payment: { status: 'failed' }, retryable: false });
      expect((await retry(id)).statusCode).toBe(409);
    },
    harnessBudget({ harnesses: 0, steps: 10 }),
  );
});
