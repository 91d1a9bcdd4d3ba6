/**
 * Three service instances on one PostgreSQL database, with the sandbox as Fintoc: every webhook is
 * delivered to all three at once (and once more by the sandbox), every instance runs its jobs at the
 * same time, and still each event is applied once, each deadline acts once, each notification goes
 * once. In both payment flows: the payment-intent flow and the Checkout Session flow (the default).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/fintoc/index.js';
import { buildApp, openDatabase } from '../../src/service/index.js';
import { STORES } from './support/db.js';
import { API_KEY, startHarness, type Harness } from './support/harness.js';

const pg = STORES.find((s) => s.name === 'postgres')!;

describe.skipIf(pg.skip !== null)('three instances on one PostgreSQL', () => {
  let h: Harness;
  let apps: FastifyInstance[];
  beforeAll(async () => {
    await pg.setup();
    const url = await pg.freshUrl!();
    h = await startHarness({ database: await openDatabase({ url }) });
    const others = await Promise.all(
      [1, 2].map(async () =>
        buildApp({
          config: h.config,
          database: await openDatabase({ url }),
          clock: h.sb.clock,
          fetch: h.serviceFetch,
          workers: false,
          logger: false,
        }),
      ),
    );
    apps = [h.app, ...others];
  }, 120_000);
  afterAll(async () => {
    for (const app of apps.slice(1)) await app.close();
    await h?.close();
    await pg.teardown();
  });

  async function runAllJobs() {
    for (let round = 0; round < 30; round++) {
      const flushed = await h.sb.clock.flush();
      const counts = await Promise.all(apps.map((app) => app.jobs.runDue()));
      if (flushed.tasksRun === 0 && counts.every((n) => n === 0)) return;
    }
    throw new Error('jobs never settled');
  }

  /** Every event the sandbox has made, delivered to all three instances at once (on top of its own delivery). */
  async function fanOutEvents() {
    const events = (await h.sandbox('GET', '/_sandbox/events')) as {
      data: Array<Record<string, unknown> & { id: string }>;
    };
    await Promise.all(
      events.data.flatMap((e) => {
        const { sandbox: _omit, ...event } = e;
        const body = JSON.stringify(event);
        const header = sign({
          secret: h.webhookSecret,
          body,
          timestamp: Math.floor(h.sb.clock.now() / 1000),
        });
        return apps.map((app) =>
          app.inject({
            method: 'POST',
            url: '/webhooks/fintoc',
            headers: { 'fintoc-signature': header },
            payload: body,
          }),
        );
      }),
    );
    return events.data.length;
  }

  type Created = { id: string; payment_intent_id: string | null; checkout_session_id: string | null };

  // The same customers in each flow: ten pay, five start and leave, five open and leave (a session's
  // widget makes its intent; an intent is already made), ten never come. The session flow's customer
  // acts on the session (its intent is made when it opens); the intent flow's on the intent.
  for (const flow of ['intent', 'session'] as const) {
    it(`${flow} flow: applies each event once and acts on each deadline once`, async () => {
      const N = 30;
      const payments: Created[] = [];
      for (let i = 0; i < N; i++) {
        const res = await apps[i % 3]!.inject({
          method: 'POST',
          url: '/api/payments',
          headers: { authorization: `Bearer ${API_KEY}` },
          payload: { amount: 1000 + i, currency: 'CLP', order_id: `multi-${flow}-${i}`, flow },
        });
        expect(res.statusCode).toBe(201);
        payments.push(res.json());
      }
      const act = (p: Created, action: string) =>
        flow === 'intent'
          ? h.simulate(p.payment_intent_id!, action)
          : h.sandbox('POST', `/_sandbox/checkout_sessions/${p.checkout_session_id}/simulate`, { action });
      for (const p of payments.slice(0, 10)) await act(p, 'authorize');
      for (const p of payments.slice(10, 15)) await act(p, 'start');
      if (flow === 'session') for (const p of payments.slice(15, 20)) await act(p, 'open');
      expect(await fanOutEvents()).toBeGreaterThanOrEqual(10);
      await runAllJobs();

      // Past every deadline, all three instances run their jobs at once; then every event again.
      await h.sb.clock.advance(10 * 60_000 + 1_000);
      await runAllJobs();
      await fanOutEvents();
      await h.sb.clock.advance(3_600_000);
      await runAllJobs();

      const ids = payments.map((p) => p.id);
      const db = h.database.db;
      const rows = await db
        .selectFrom('payments')
        .select(['id', 'status', 'payment_intent_id', 'checkout_session_id'])
        .where('id', 'in', ids)
        .execute();
      const byStatus = rows.reduce<Record<string, number>>(
        (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
        {},
      );
      expect(byStatus).toEqual({ succeeded: 10, canceled: 20 });

      // One final transition per payment.
      const finals = await db
        .selectFrom('payment_timeline')
        .select(['payment_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('payment_id', 'in', ids)
        .where('kind', '=', 'status')
        .where('to_status', 'in', ['succeeded', 'canceled'])
        .groupBy('payment_id')
        .execute();
      expect(finals).toHaveLength(N);
      expect(finals.every((f) => Number(f.n) === 1)).toBe(true);

      // Each stored event applied once: one timeline entry per event id (a session's
      // checkout_session.finished and its intent's payment_intent.succeeded: one moves it, one is ignored).
      const perEvent = await db
        .selectFrom('payment_timeline')
        .select(['cause_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('payment_id', 'in', ids)
        .where('cause', '=', 'webhook')
        .groupBy('cause_id')
        .execute();
      expect(perEvent.length).toBeGreaterThanOrEqual(10);
      expect(perEvent.every((e) => Number(e.n) === 1)).toBe(true);
      const inbox = await db.selectFrom('webhook_inbox').selectAll().execute();
      expect(inbox.every((e) => e.applied_at !== null)).toBe(true);
      if (flow === 'session') {
        const types = new Set(inbox.map((e) => e.type));
        expect(types).toContain('checkout_session.finished');
        expect(types).toContain('checkout_session.expired');
      }

      // Each deadline acted once: one expire call Fintoc carried out per canceled payment (a session,
      // or, for a session the customer started, which Fintoc refuses to expire, its intent).
      const requests = (
        (await h.sandbox('GET', '/_sandbox/requests')) as {
          data: Array<{ method: string; path: string; status: number; replayed: boolean }>;
        }
      ).data.filter((r) => r.method === 'POST' && r.path.endsWith('/expire') && !r.replayed);
      const owner = new Map<string, string>();
      for (const r of rows) {
        if (r.payment_intent_id) owner.set(r.payment_intent_id, r.id);
        if (r.checkout_session_id) owner.set(r.checkout_session_id, r.id);
      }
      const mineOnly = requests.filter((r) => owner.has(r.path.split('/')[3]!));
      const served = mineOnly.filter((r) => r.status < 400).map((r) => owner.get(r.path.split('/')[3]!));
      const canceled = rows.filter((r) => r.status === 'canceled').map((r) => r.id);
      expect(served.sort()).toEqual(canceled.sort());
      const refused = mineOnly.filter((r) => r.status >= 400);
      expect(refused.map((r) => r.path.split('/')[2])).toEqual(
        flow === 'session' ? Array(5).fill('checkout_sessions') : [],
      );

      // Each notification delivered once.
      const mine = h.shop.filter((d) =>
        ids.includes((JSON.parse(d.body) as { data: { id: string } }).data.id),
      );
      const notes = mine.map((d) => d.headers['webhook-id']);
      expect(notes).toHaveLength(N);
      expect(new Set(notes).size).toBe(N);
      expect(await db.selectFrom('jobs').selectAll().where('kind', '!=', 'sync').execute()).toEqual([]);
    }, 120_000);
  }
});
