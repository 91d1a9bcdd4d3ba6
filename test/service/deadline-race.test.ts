/**
 * The deadline against a creation that is still under way, on both stores (issue 12): the shop
 * retries a creation whose answer was lost while the deadline is between its read and its write, a
 * creation is answered after the deadline, a payment ended while Fintoc still held a payable intent.
 * The interleavings are made exact by the fake clock, the checkpoint the service runs between the
 * deadline's read and its write, and a Fintoc whose answer comes late or is lost. Fintoc's truth is
 * the sandbox's: after every case, nothing the payment had at Fintoc is still payable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Checkpoint, Database } from '../../src/service/index.js';
import { STORES } from './support/db.js';
import { harnessBudget, startHarness, type Harness } from './support/harness.js';

const CREATE = /^POST \/v1\/payment_intents$/;
const DEADLINE = 10 * 60_000 + 1_000;

interface SandboxIntent {
  id: string;
  status: string;
  metadata: Record<string, string>;
}

for (const store of STORES) {
  describe.skipIf(store.skip !== null)(`the deadline and a creation under way (${store.name})`, () => {
    beforeAll(async () => {
      await store.setup();
    }, 120_000);
    afterAll(async () => {
      await store.teardown();
    });

    let at: Checkpoint | null = null;
    /** A test body run on a fresh harness over this store, closed whatever happens. */
    function withHarness(body: (h: Harness) => Promise<void>): () => Promise<void> {
      return async () => {
        at = null;
        const database: Database = await store.fresh();
        const h = await startHarness({
          database,
          checkpoint: (point, ids) => at?.(point, ids) ?? Promise.resolve(),
        });
        try {
          await body(h);
        } finally {
          await h.close();
        }
      };
    }

    /** Ends a payment the way a deadline from before this version did: without asking Fintoc. */
    async function cancelWithoutFintoc(h: Harness, id: string): Promise<void> {
      await h.app.database.db
        .updateTable('payments')
        .set({
          status: 'canceled',
          failure_reason: 'payment_timeout',
          finalized_at: new Date(h.sb.clock.now()),
        })
        .where('id', '=', id)
        .execute();
    }

    async function intentsOf(h: Harness, paymentId: string): Promise<SandboxIntent[]> {
      const all = (await h.sandbox('GET', '/_sandbox/payment_intents')) as { data: SandboxIntent[] };
      return all.data.filter((i) => i.metadata.pasarela_payment_id === paymentId);
    }

    async function waitForPayment(h: Harness, orderId: string): Promise<string> {
      const until = Date.now() + 20_000;
      for (;;) {
        const [row] = await h.app.payments.listByOrder(orderId);
        if (row) return row.id;
        if (Date.now() > until) throw new Error(`no payment for ${orderId}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    const notified = (h: Harness, id: string) =>
      h.shop
        .map((d) => JSON.parse(d.body) as { type: string; data: { id: string } })
        .filter((n) => n.data.id === id)
        .map((n) => n.type);

    for (const point of ['abandon:read', 'abandon:decided'] as const) {
      it(
        `a retried creation landing at ${point} leaves no payable intent behind a canceled payment`,
        withHarness(async (h) => {
          const body = { amount: 5000, currency: 'CLP', order_id: `race-${point}` };
          const key = { 'idempotency-key': `race-key-${point}` };
          // The creation reaches Fintoc, but its answer is lost (the process waiting on it was killed).
          h.interceptFintoc(CREATE, async (forward) => {
            await forward();
            throw new TypeError('fetch failed (the answer was lost)');
          });
          const first = await h.createPayment(body, key);
          expect(first.status).toBe(503);
          const id = (first.json.error as { payment_id: string }).payment_id;

          // The shop retries with the same Idempotency-Key exactly while the deadline is deciding.
          let retried: { status: number; json: Record<string, unknown> } | null = null;
          let refusedNewIntent: unknown = null;
          at = async (p, ids) => {
            if (p !== point || !ids.includes(id) || retried) return;
            retried = await h.createPayment(body, key);
            // A payment whose deadline is being acted on starts no new attempt either.
            refusedNewIntent = await h.app.payments.newIntent(id).catch((err: unknown) => err);
          };
          await h.advance(DEADLINE);

          // Fintoc's truth: the payment's one intent is expired, by one expire call, and cannot be paid.
          const intents = await intentsOf(h, id);
          expect(intents.map((i) => i.status)).toEqual(['expired']);
          const intentId = intents[0]!.id;
          expect(
            h.fintocCalls.filter((c) => c === `POST /v1/payment_intents/${intentId}/expire`),
          ).toHaveLength(1);
          await expect(h.simulate(intentId, 'authorize')).rejects.toThrow(/invalid_status_transition/);
          await h.settle();

          expect(retried).toMatchObject({ status: 200 });
          expect(refusedNewIntent).toMatchObject({ code: 'payment_not_open' });
          const after = await h.getPayment(id, true);
          expect(after).toMatchObject({
            status: 'canceled',
            payment_intent_id: intentId,
            paid_after_cancel: false,
          });
          const changes = (after.timeline as Array<{ kind: string; to_status: string | null }>).filter(
            (e) => e.kind === 'status',
          );
          expect(changes.map((e) => e.to_status)).toEqual(['canceled']);
          expect(notified(h, id)).toEqual(['payment.canceled']);
        }),
        harnessBudget({ steps: 12 }),
      );
    }

    it(
      'a creation Fintoc answers after the deadline: the deadline settles the same intent, once',
      withHarness(async (h) => {
        let answer!: () => void;
        const late = new Promise<void>((resolve) => (answer = resolve));
        h.interceptFintoc(CREATE, async (forward) => {
          const res = await forward();
          await late;
          return res;
        });
        const creating = h.createPayment({ amount: 7000, currency: 'CLP', order_id: 'late-answer' });
        const id = await waitForPayment(h, 'late-answer');
        await h.advance(DEADLINE);
        answer();
        const res = await creating;
        expect(res.json).toMatchObject({ id, status: 'canceled' });
        await h.settle();

        const intents = await intentsOf(h, id);
        expect(intents.map((i) => i.status)).toEqual(['expired']);
        expect(h.fintocCalls.filter((c) => c.endsWith('/expire'))).toHaveLength(1);
        expect(await h.getPayment(id)).toMatchObject({
          status: 'canceled',
          payment_intent_id: intents[0]!.id,
        });
        expect(notified(h, id)).toEqual(['payment.canceled']);
      }),
      harnessBudget({ steps: 10 }),
    );

    it(
      'a creation that finishes after its payment ended expires its new intent at once',
      withHarness(async (h) => {
        let send!: () => void;
        const slow = new Promise<void>((resolve) => (send = resolve));
        h.interceptFintoc(CREATE, async (forward) => {
          await slow;
          return forward();
        });
        const creating = h.createPayment({ amount: 8000, currency: 'CLP', order_id: 'ended-first' });
        const id = await waitForPayment(h, 'ended-first');
        // The payment ends while its creation is on its way to Fintoc (as a deadline from before
        // this version did, without asking Fintoc).
        await cancelWithoutFintoc(h, id);
        send();
        expect((await creating).json).toMatchObject({ id, status: 'canceled' });
        await h.settle();

        const intents = await intentsOf(h, id);
        expect(intents.map((i) => i.status)).toEqual(['expired']);
        expect(h.fintocCalls).toContain(`POST /v1/payment_intents/${intents[0]!.id}/expire`);
        const after = await h.app.payments.mustGet(id);
        expect(after).toMatchObject({ status: 'canceled', widget_token: null, payment_intent_id: null });
        const notes = (await h.app.payments.timeline(id)).filter((e) => e.cause === 'job:expire');
        expect(notes.map((e) => e.detail)).toEqual([
          expect.objectContaining({ payment_intent_id: intents[0]!.id, intent_status: 'expired' }),
        ]);
      }),
      harnessBudget({ steps: 10 }),
    );

    it(
      'status sync expires an intent still in created behind a payment that has ended',
      withHarness(async (h) => {
        const created = await h.createPayment({ amount: 9000, currency: 'CLP', order_id: 'left-created' });
        const p = created.json as { id: string; payment_intent_id: string };
        await cancelWithoutFintoc(h, p.id);
        await h.advance(2 * 60_000 + 1_000);
        const intent = (await h.sandbox('GET', `/_sandbox/payment_intents/${p.payment_intent_id}`)) as {
          status: string;
        };
        expect(intent.status).toBe('expired');
        expect(await h.app.payments.mustGet(p.id)).toMatchObject({
          status: 'canceled',
          intent_status: 'expired',
        });
        // Settled: sync stops asking.
        const calls = h.fintocCalls.length;
        await h.advance(3_600_000);
        expect(h.fintocCalls.length).toBe(calls);
      }),
      harnessBudget({ steps: 10 }),
    );

    it(
      'writes the deadline only on the row it decided on (compare-and-set on the intent)',
      withHarness(async (h) => {
        const created = await h.createPayment({ amount: 4000, currency: 'CLP', order_id: 'cas' });
        const p = created.json as { id: string; payment_intent_id: string };
        const stale = await h.app.payments.applyEvents([
          {
            paymentId: p.id,
            event: { type: 'timeout' },
            cause: { cause: 'job:abandon' },
            expect: { remoteId: null },
          },
        ]);
        expect(stale.get(p.id)).toBeNull();
        expect(await h.app.payments.mustGet(p.id)).toMatchObject({ status: 'pending' });
        expect((await h.app.payments.timeline(p.id)).filter((e) => e.cause === 'job:abandon')).toEqual([]);
      }),
      harnessBudget({ steps: 10 }),
    );
  });
}
