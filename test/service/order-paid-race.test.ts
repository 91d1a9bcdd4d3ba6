/**
 * `409 order_already_paid` against a payment of the order succeeding at the same moment, on both
 * stores (and on PostgreSQL across three instances): the success is applied exactly between a
 * creation's check and its insert, through the checkpoint the service runs there, so the
 * interleaving is the same every run. Whatever the order of events, an order that is paid never gets
 * a second payment the customer could pay.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, migrate, openDatabase, type Checkpoint, type Database } from '../../src/service/index.js';
import { STORES } from './support/db.js';
import { API_KEY, deliverLateSuccess, harnessBudget, startHarness, type Harness } from './support/harness.js';

const DEADLINE = 10 * 60_000 + 1_000;

for (const store of STORES) {
  describe.skipIf(store.skip !== null)(
    `an order paid while a payment for it is created (${store.name})`,
    () => {
      beforeAll(async () => {
        await store.setup();
      }, 120_000);
      afterAll(async () => {
        await store.teardown();
      });

      let at: Checkpoint | null = null;
      const checkpoint: Checkpoint = (point, ids) => at?.(point, ids) ?? Promise.resolve();

      /**
       * A test body on a fresh harness over this store, with the instances it names: on PostgreSQL
       * three on one database (the harness's and two more), on the embedded database its one.
       */
      function withInstances(
        body: (h: Harness, instances: FastifyInstance[]) => Promise<void>,
      ): () => Promise<void> {
        return async () => {
          at = null;
          const url = store.freshUrl ? await store.freshUrl() : null;
          const database: Database = url ? await openDatabase({ url }) : await store.fresh();
          if (url) await migrate(database.db);
          const h = await startHarness({ database, checkpoint });
          const others: FastifyInstance[] = [];
          try {
            if (url) {
              for (let i = 0; i < 2; i++) {
                others.push(
                  await buildApp({
                    config: h.config,
                    database: await openDatabase({ url }),
                    clock: h.sb.clock,
                    fetch: h.serviceFetch,
                    workers: false,
                    logger: false,
                    checkpoint,
                  }),
                );
              }
            }
            await body(h, [h.app, ...others]);
          } finally {
            for (const app of others) await app.close();
            await h.close();
          }
        };
      }

      async function create(app: FastifyInstance, orderId: string) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/payments',
          headers: { authorization: `Bearer ${API_KEY}` },
          payload: { amount: 4200, currency: 'CLP', order_id: orderId },
        });
        return { status: res.statusCode, json: res.json() as Record<string, unknown> };
      }

      /** Everything stored under the ids the refused creations were about to use: nothing, or what leaked. */
      async function leftBehind(h: Harness, ids: readonly string[]) {
        const db = h.database.db;
        const [payments, attempts, timeline, jobs] = await Promise.all([
          db.selectFrom('payments').select('id').where('id', 'in', ids).execute(),
          db.selectFrom('payment_attempts').select('id').where('payment_id', 'in', ids).execute(),
          db.selectFrom('payment_timeline').select('payment_id').where('payment_id', 'in', ids).execute(),
          db.selectFrom('jobs').select('ref').where('ref', 'in', ids).execute(),
        ]);
        return [...payments, ...attempts, ...timeline, ...jobs];
      }

      it(
        'two creations, each between its check and its insert while the paid webhook is applied: both 409 order_already_paid',
        withInstances(async (h, instances) => {
          const n = instances.length;
          const orderId = `race-paid-${store.name}`;
          const first = await create(instances[0]!, orderId);
          expect(first.status).toBe(201);
          const paidId = String(first.json.id);
          // The customer pays; Fintoc's webhook is stored, not applied yet (no instance runs jobs).
          await h.simulate(String(first.json.payment_intent_id), 'succeed');
          expect((await h.getPayment(paidId)).status).not.toBe('succeeded');

          // The shop's retry creates a payment for the order on a second instance; between its check
          // and its insert a third instance creates one too, and between that one's check and insert
          // the first instance applies the webhook: the order is paid.
          const phantom: string[] = [];
          let inner: { status: number; json: Record<string, unknown> } | null = null;
          at = async (point, ids) => {
            if (point !== 'create:checked') return;
            phantom.push(...ids);
            if (phantom.length === 1) {
              inner = await create(instances[2 % n]!, orderId);
            } else if (phantom.length === 2) {
              await h.settle();
              expect((await h.getPayment(paidId)).status).toBe('succeeded');
            }
          };
          const outer = await create(instances[1 % n]!, orderId);
          at = null;

          expect(phantom).toHaveLength(2);
          for (const res of [inner, outer]) {
            expect(res).toMatchObject({
              status: 409,
              json: { error: { code: 'order_already_paid', param: 'order_id', payment_id: paidId } },
            });
          }
          // The order has its one payment, paid; Fintoc was asked for one intent; nothing of the refused
          // creations was kept.
          const order = await h.app.payments.listByOrder(orderId);
          expect(order.map((p) => [p.id, p.status])).toEqual([[paidId, 'succeeded']]);
          expect(h.fintocCalls.filter((c) => c === 'POST /v1/payment_intents')).toHaveLength(1);
          expect(await leftBehind(h, phantom)).toEqual([]);
        }),
        harnessBudget({ harnesses: 3, steps: 12 }),
      );

      it(
        'a late payment applied between the check and the insert: 409 order_already_paid, no second payment',
        withInstances(async (h, instances) => {
          const orderId = `race-late-${store.name}`;
          const first = await create(instances[0]!, orderId);
          expect(first.status).toBe(201);
          const paidId = String(first.json.id);
          const intentId = String(first.json.payment_intent_id);
          // The customer leaves: the deadline cancels the payment (the order may be paid again).
          await h.advance(DEADLINE);
          expect((await h.getPayment(paidId)).status).toBe('canceled');

          // The customer comes back and the shop creates a new payment; between its check and its
          // insert, Fintoc reports that the money of the first one moved after all.
          const phantom: string[] = [];
          at = async (point, ids) => {
            if (point !== 'create:checked' || phantom.length > 0) return;
            phantom.push(...ids);
            await deliverLateSuccess(h, intentId);
            await h.settle();
          };
          const again = await create(instances[instances.length - 1]!, orderId);
          at = null;

          expect(phantom).toHaveLength(1);
          expect(again).toMatchObject({
            status: 409,
            json: { error: { code: 'order_already_paid', payment_id: paidId } },
          });
          const order = await h.app.payments.listByOrder(orderId);
          expect(order.map((p) => [p.id, p.status, p.paid_after_cancel])).toEqual([
            [paidId, 'succeeded', true],
          ]);
          expect(h.fintocCalls.filter((c) => c === 'POST /v1/payment_intents')).toHaveLength(1);
          expect(await leftBehind(h, phantom)).toEqual([]);
        }),
        harnessBudget({ harnesses: 3, steps: 12 }),
      );
    },
  );
}
