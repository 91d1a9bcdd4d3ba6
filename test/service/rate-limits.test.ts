/**
 * The rate-limit store in the database, on both stores: hits of a key count across every instance
 * on one database (two pools on one PostgreSQL here), a window opens again when it ends on the
 * service's clock, reads count nothing, and `@fastify/rate-limit` on it limits across instances.
 */
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/service/index.js';
import {
  clearRateLimit,
  databaseRateLimitStore,
  hitRateLimit,
  readRateLimit,
} from '../../src/service/plugins/rate-limit-store.js';
import { STORES } from './support/db.js';

const WINDOW = 60_000;

for (const store of STORES) {
  describe.skipIf(store.skip !== null)(`rate limits: ${store.name}`, () => {
    beforeAll(async () => {
      await store.setup();
    }, 120_000);
    afterAll(async () => {
      await store.teardown();
    });

    it('counts hits in a fixed window, reads without counting, opens again after the window', async () => {
      const database = await store.fresh();
      try {
        const t0 = new Date('2026-01-01T00:00:00Z');
        const at = (ms: number) => new Date(t0.getTime() + ms);
        expect(await hitRateLimit(database.db, 'k', t0, WINDOW)).toEqual({ current: 1, ttl: WINDOW });
        expect(await hitRateLimit(database.db, 'k', at(10_000), WINDOW)).toEqual({ current: 2, ttl: 50_000 });
        expect(await readRateLimit(database.db, 'k', at(20_000), WINDOW)).toEqual({
          current: 2,
          ttl: 40_000,
        });
        expect(await readRateLimit(database.db, 'k', at(20_000), WINDOW)).toEqual({
          current: 2,
          ttl: 40_000,
        });
        expect(await hitRateLimit(database.db, 'other', at(20_000), WINDOW)).toMatchObject({ current: 1 });
        // The window ended: a new one starts with this hit.
        expect(await readRateLimit(database.db, 'k', at(60_000), WINDOW)).toEqual({ current: 0, ttl: 0 });
        expect(await hitRateLimit(database.db, 'k', at(61_000), WINDOW)).toEqual({ current: 1, ttl: WINDOW });
        await clearRateLimit(database.db, 'k');
        expect(await readRateLimit(database.db, 'k', at(62_000), WINDOW)).toEqual({ current: 0, ttl: 0 });
      } finally {
        await database.close();
      }
    });

    it('limits across instances: two apps on one database share the count', async () => {
      let first: Database;
      let second: Database;
      if (store.freshUrl) {
        const url = await store.freshUrl();
        first = await openDatabase({ url });
        second = await openDatabase({ url });
        const { migrate } = await import('../../src/service/index.js');
        await migrate(first.db);
      } else {
        // The embedded database has one process; two apps on it stand for two instances' views.
        first = await store.fresh();
        second = first;
      }
      const now = { t: Date.parse('2026-01-01T00:00:00Z') };
      const clock = { now: () => now.t, sleep: async () => {} };
      const apps = await Promise.all(
        [first, second].map(async (database) => {
          const app = Fastify();
          await app.register(rateLimit, {
            global: false,
            store: databaseRateLimitStore(database.db, clock),
          });
          const limit = app.createRateLimit({ max: 3, timeWindow: WINDOW, keyGenerator: () => 'shared' });
          app.get('/', async (request, reply) => {
            const state = await limit(request);
            return reply.code(!state.isAllowed && state.isExceeded ? 429 : 200).send({ ok: true });
          });
          await app.ready();
          return app;
        }),
      );
      try {
        const codes: number[] = [];
        for (let i = 0; i < 5; i++) codes.push((await apps[i % 2]!.inject({ url: '/' })).statusCode);
        expect(codes).toEqual([200, 200, 200, 429, 429]);
        now.t += WINDOW;
        expect((await apps[1]!.inject({ url: '/' })).statusCode).toBe(200);
      } finally {
        await Promise.all(apps.map((a) => a.close()));
        await first.close();
        if (second !== first) await second.close();
      }
    });
  });
}
