/**
 * Three service instances on one PostgreSQL database, with the sandbox as Fintoc: every webhook is
 * delivered to all three at once (and once more by the sandbox), every instance runs its jobs at the
 * same time, and still each event is applied once, each deadline acts once, each notification goes once.
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

  it('applies each event once and acts on each deadline once', async () => {
    const N = 30;
    const payments: Array<{ id: string; payment_intent_id: string }> = [];
    for (let i = 0; i < N; i++) {
      const res = await apps[i % 3]!.inject({
        method: 'POST',
        url: '/api/payments',
        headers: { authorization: `Bearer ${API_KEY}` },
        payload: { amount: 1000 + i, currency: 'CLP', order_id: `multi-${i}` },
      });
      expect(res.statusCode).toBe(201);
      payments.push(res.json());
    }
    const paid = payments.slice(0, 10);
    for (const p of paid) await h.simulate(p.payment_intent_id, 'authorize');
    // Fan every event out to all three instances at once, on top of the sandbox's own delivery.
    const events = (await h.sandbox('GET', '/_sandbox/events')) as {
      data: Array<Record<string, unknown> & { id: string }>;
    };
    expect(events.data.length).toBeGreaterThanOrEqual(10);
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
    await runAllJobs();

    // Past every deadline, all three instances run their jobs at once.
    await h.sb.clock.advance(10 * 60_000 + 1_000);
    await runAllJobs();
    await h.sb.clock.advance(3_600_000);
    await runAllJobs();

    const db = h.database.db;
    const rows = await db.selectFrom('payments').select(['id', 'status']).execute();
    const byStatus = rows.reduce<Record<string, number>>(
      (acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }),
      {},
    );
    expect(byStatus).toEqual({ succeeded: 10, canceled: 20 });

    // One final transition per payment.
    const finals = await db
      .selectFrom('payment_timeline')
      .select(['payment_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('kind', '=', 'status')
      .where('to_status', 'in', ['succeeded', 'canceled'])
      .groupBy('payment_id')
      .execute();
    expect(finals).toHaveLength(N);
    expect(finals.every((f) => Number(f.n) === 1)).toBe(true);

    // Each stored event applied once: one timeline entry per event id.
    const perEvent = await db
      .selectFrom('payment_timeline')
      .select(['cause_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('cause', '=', 'webhook')
      .groupBy('cause_id')
      .execute();
    expect(perEvent.length).toBeGreaterThanOrEqual(10);
    expect(perEvent.every((e) => Number(e.n) === 1)).toBe(true);
    const inbox = await db.selectFrom('webhook_inbox').selectAll().execute();
    expect(inbox.every((e) => e.applied_at !== null)).toBe(true);

    // Each deadline acted once: one expire call per canceled payment.
    const expires = h.fintocCalls.filter((c) => c.endsWith('/expire'));
    expect(expires).toHaveLength(20);
    expect(new Set(expires).size).toBe(20);

    // Each notification delivered once.
    const ids = h.shop.map((d) => d.headers['webhook-id']);
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
    expect(await db.selectFrom('jobs').selectAll().where('kind', '!=', 'sync').execute()).toEqual([]);
  });
});
