/**
 * `@fastify/rate-limit` with its counters in the service's database (`../rate-limit-store.ts`), so
 * the sign-in lockout and the per-payment attempt throttle hold across instances and restarts. Not
 * global: the routes that limit say so (`app.createRateLimit`).
 */
import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { databaseRateLimitStore } from '../rate-limit-store.js';

export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: false,
      store: databaseRateLimitStore(app.database.db, app.clock),
      // A limit the database cannot answer for is not a reason to refuse a customer.
      skipOnError: true,
    });
  },
  { name: 'rate-limit', dependencies: ['database'] },
);
