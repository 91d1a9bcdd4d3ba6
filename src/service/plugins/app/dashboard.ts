/**
 * `app.dashboard`: what the dashboard's routes read ({@link DashboardBackend}): the database's
 * payments, timelines, inbox and jobs, the webhook intake counters, the shop's notification
 * endpoint. The routes are tested against a fake of it.
 */
import fp from 'fastify-plugin';
import { dashboardDataFromDb, type DashboardBackend } from '../../routes/dashboard/backend.js';

declare module 'fastify' {
  interface FastifyInstance {
    dashboard: DashboardBackend;
  }
}

export default fp(
  async (app) => {
    app.decorate('dashboard', {
      data: dashboardDataFromDb(app.database.db),
      now: () => app.clock.now(),
      notifications: app.merchantEndpoint,
      intake: () => {
        const c = app.inbox.counters;
        return {
          received: c.received,
          stored: c.stored,
          duplicates: c.duplicates,
          rejected: Object.fromEntries(c.rejected),
        };
      },
    });
  },
  { name: 'dashboard', dependencies: ['services', 'config', 'auth'] },
);
