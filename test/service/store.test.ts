/**
 * The data layer on both stores from one loop: the embedded database (PGlite)
 * and a throwaway PostgreSQL server. Skipped stores print their reason.
 */
import { sql } from 'kysely';
import type { PaymentStatus } from '../../src/service/index.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate, repositories as repo, type Database } from '../../src/service/index.js';
import { STORES } from './support/db.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function paymentRow(id: string, orderId: string, status: PaymentStatus = 'pending') {
  return {
    id,
    order_id: orderId,
    amount: 4_000_000_000, // above int4: int8 must come back as a number
    currency: 'CLP' as const,
    status,
    customer_email: null,
    metadata: JSON.stringify({ a: 'b' }),
    payment_intent_id: null,
    widget_token: null,
    intent_status: null,
    failure_reason: null,
    paid_after_cancel: false,
    refund_id: null,
    idempotency_key: null,
    request_hash: null,
    expires_at: at(600_000),
    created_at: T0,
    updated_at: T0,
    finalized_at: null,
    expire_requested_at: null,
  };
}

for (const store of STORES) {
  describe.skipIf(store.skip !== null)(`store: ${store.name}`, () => {
    let database: Database;
    beforeAll(async () => {
      await store.setup();
    }, 120_000);
    afterAll(async () => {
      await store.teardown();
    });
    beforeEach(async () => {
      database = await store.fresh();
    });
    afterEach(async () => {
      await database.close();
    });

    it('migrates once: a second run applies nothing', async () => {
      expect(await migrate(database.db)).toEqual([]);
    });

    it('upgrades a 0001 database: events queued as jobs move to the inbox queue', async () => {
      const old = await store.fresh({ migrateTo: '0001_initial' });
      try {
        const received = at(0);
        await sql`INSERT INTO webhook_inbox (event_id, type, body, received_at) VALUES ('evt_old', 't', '{}', ${received})`.execute(
          old.db,
        );
        await sql`INSERT INTO jobs (kind, ref, run_at, created_at) VALUES ('apply_event', 'evt_old', ${received}, ${received})`.execute(
          old.db,
        );
        expect(await migrate(old.db)).toEqual([
          '0002_inbox_queue_and_expiry_marker',
          '0003_current_attempt',
          '0004_merchant_endpoint_state',
          '0005_rate_limits',
          '0006_reconciliation',
          '0007_checkout_sessions',
        ]);
        expect(await repo.countJobs(old.db)).toEqual({});
        const claimed = await repo.claimInbox(old.db, { now: at(1), leaseMs: 1000, limit: 5, worker: 'w' });
        expect(claimed.map((e) => e.event_id)).toEqual(['evt_old']);
      } finally {
        await old.close();
      }
      // A PGlite built from nothing (no prepared copy at 0001): 15 s on a busy 2-core machine.
    }, 90_000);

    it('keeps the flow of payments made before flows existed (0007): intent, with no session', async () => {
      const old = await store.fresh({ migrateTo: '0006_reconciliation' });
      try {
        const t = at(0);
        await sql`INSERT INTO payments (id, order_id, amount, currency, status, metadata, payment_intent_id,
            widget_token, expires_at, created_at, updated_at)
          VALUES ('pay_old', 'o-old', 1000, 'CLP', 'pending', '{}'::jsonb, 'pi_old', 'pi_old_sec_x', ${t}, ${t}, ${t})`.execute(
          old.db,
        );
        expect(await migrate(old.db)).toEqual(['0007_checkout_sessions']);
        expect(await repo.findPayment(old.db, 'pay_old')).toMatchObject({
          flow: 'intent',
          payment_intent_id: 'pi_old',
          widget_token: 'pi_old_sec_x',
          checkout_session_id: null,
          session_token: null,
          redirect_url: null,
        });
        const bad = await sql`UPDATE payments SET flow = 'widget' WHERE id = 'pay_old'`
          .execute(old.db)
          .catch((e: unknown) => e);
        expect(bad).toBeInstanceOf(Error);
      } finally {
        await old.close();
      }
    }, 90_000);

    it('stores a payment and reads money and jsonb back as numbers and objects', async () => {
      await repo.insertPayment(database.db, paymentRow('pay_1', 'o1'));
      const row = await repo.findPayment(database.db, 'pay_1');
      expect(row).toMatchObject({ amount: 4_000_000_000, metadata: { a: 'b' }, expires_at: at(600_000) });
      expect(typeof row?.amount).toBe('number');
      expect(await repo.countPaymentsByStatus(database.db)).toEqual({ pending: 1 });
    });

    it('lets an order have one open payment, and any number of closed ones', async () => {
      await repo.insertPayment(database.db, paymentRow('pay_a', 'o2', 'failed'));
      await repo.insertPayment(database.db, paymentRow('pay_b', 'o2', 'canceled'));
      await repo.insertPayment(database.db, paymentRow('pay_c', 'o2'));
      const err = await repo
        .insertPayment(database.db, paymentRow('pay_d', 'o2', 'processing'))
        .catch((e: unknown) => e);
      expect(repo.isUniqueViolation(err, 'payments_open_order')).toBe(true);
      expect((await repo.listPaymentsByOrder(database.db, 'o2')).map((p) => p.id).sort()).toEqual([
        'pay_a',
        'pay_b',
        'pay_c',
      ]);
    });

    it('stores an inbox event once, due for the applier, and lets one worker at a time claim it', async () => {
      const row = {
        event_id: 'evt_1',
        type: 'payment_intent.succeeded',
        intent_id: 'pi_1',
        body: '{}',
        received_at: T0,
      };
      expect(await repo.storeInboxEvent(database.db, row, T0)).toBe(true);
      expect(await repo.storeInboxEvent(database.db, row, T0)).toBe(false);
      const batch = await repo.storeInboxEvents(database.db, [{ ...row, event_id: 'evt_2' }, row], at(10));
      expect([...batch]).toEqual(['evt_2']);
      expect(await repo.countPendingInbox(database.db)).toBe(2);
      const a = await repo.claimInbox(database.db, { now: at(5), leaseMs: 100, limit: 10, worker: 'a' });
      expect(a.map((e) => [e.event_id, e.attempts])).toEqual([['evt_1', 1]]);
      const b = await repo.claimInbox(database.db, { now: at(50), leaseMs: 10_000, limit: 10, worker: 'b' });
      expect(b.map((e) => e.event_id)).toEqual(['evt_2']);
      await repo.rescheduleInbox(database.db, 'evt_1', 'a', at(1000), 'unknown intent');
      expect(
        await repo.claimInbox(database.db, { now: at(999), leaseMs: 100, limit: 10, worker: 'c' }),
      ).toEqual([]);
      expect(
        (await repo.claimInbox(database.db, { now: at(1000), leaseMs: 100, limit: 10, worker: 'c' })).length,
      ).toBe(1);
      await repo.updateInboxEvent(database.db, 'evt_2', {
        applied_at: at(60),
        outcome: 'applied',
        apply_after: null,
      });
      expect(await repo.countPendingInbox(database.db)).toBe(1);
    });

    it('claims only due jobs, hides claimed ones until the lease ends, and keeps one job per (kind, ref)', async () => {
      await repo.scheduleJob(database.db, { kind: 'abandon', ref: 'pay_1', runAt: at(1000), now: T0 });
      await repo.scheduleJob(database.db, { kind: 'abandon', ref: 'pay_1', runAt: at(5), now: T0 });
      await repo.scheduleJob(database.db, { kind: 'sync', ref: 'pay_1', runAt: at(2000), now: T0 });
      expect(
        await repo.claimJobs(database.db, { now: at(999), leaseMs: 100, limit: 10, worker: 'a' }),
      ).toEqual([]);
      const claimed = await repo.claimJobs(database.db, {
        now: at(1000),
        leaseMs: 100,
        limit: 10,
        worker: 'a',
      });
      expect(claimed.map((j) => [j.kind, j.ref, j.attempts])).toEqual([['abandon', 'pay_1', 1]]);
      expect(
        await repo.claimJobs(database.db, { now: at(1050), leaseMs: 100, limit: 10, worker: 'b' }),
      ).toEqual([]);
      // The holder died: after the lease another worker takes it.
      const again = await repo.claimJobs(database.db, {
        now: at(1100),
        leaseMs: 100,
        limit: 10,
        worker: 'b',
      });
      expect(again.map((j) => [j.ref, j.attempts])).toEqual([['pay_1', 2]]);
      // The first worker's late "done" does not remove the job the second holds.
      await repo.finishJob(database.db, claimed[0]!.id, 'a');
      expect(await repo.countJobs(database.db)).toEqual({ abandon: 1, sync: 1 });
      await repo.finishJob(database.db, claimed[0]!.id, 'b');
      expect(await repo.countJobs(database.db)).toEqual({ sync: 1 });
    });

    it('moves a job earlier with scheduleJobSoon, never later', async () => {
      await repo.scheduleJob(database.db, { kind: 'sync', ref: 'p', runAt: at(10_000), now: T0 });
      await repo.scheduleJobSoon(database.db, { kind: 'sync', ref: 'p', runAt: at(20_000), now: T0 });
      expect(
        await repo.claimJobs(database.db, { now: at(10_000), leaseMs: 3_600_000, limit: 5, worker: 'w' }),
      ).toHaveLength(1);
      await repo.scheduleJob(database.db, { kind: 'sync', ref: 'q', runAt: at(90_000), now: T0 });
      await repo.scheduleJobSoon(database.db, { kind: 'sync', ref: 'q', runAt: at(50_000), now: T0 });
      expect(
        (await repo.claimJobs(database.db, { now: at(50_000), leaseMs: 1, limit: 5, worker: 'w' })).map(
          (j) => j.ref,
        ),
      ).toEqual(['q']);
    });

    it('gives concurrent claimers disjoint jobs', async () => {
      for (let i = 0; i < 60; i++) {
        await repo.scheduleJob(database.db, { kind: 'notify', ref: `m${i}`, runAt: T0, now: T0 });
      }
      const claims = await Promise.all(
        ['a', 'b', 'c'].map((worker) =>
          repo.claimJobs(database.db, { now: T0, leaseMs: 60_000, limit: 25, worker }),
        ),
      );
      const refs = claims.flat().map((j) => j.ref);
      expect(refs).toHaveLength(new Set(refs).size);
      expect(refs.length).toBe(60);
    });
  });
}
