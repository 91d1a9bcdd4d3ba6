/**
 * `app.dashboard`: what the dashboard's routes read ({@link DashboardBackend}): the database's
 * payments, timelines, inbox and jobs, the webhook intake counters, the shop's notification
 * endpoint. The routes are tested against a fake of it.
 */
import fp from 'fastify-plugin';
import { dashboardDataFromDb, type DashboardBackend } from '../../routes/dashboard/backend.js';
import type { GoLiveRunner } from '../../routes/dashboard/go-live.js';

declare module 'fastify' {
  interface FastifyInstance {
    dashboard: DashboardBackend;
  }
}

export interface DashboardPluginOptions {
  /** `pasarela check`'s checks, for the Go live page (given by `pasarela serve` and `pasarela dev`). */
  goLive?: GoLiveRunner;
  /** The configured secrets, never shown on a page. */
  secrets?: readonly string[];
}

export default fp<DashboardPluginOptions>(
  async (app, options) => {
    app.decorate('dashboard', {
      ...(options.goLive ? { goLive: { run: options.goLive, secrets: options.secrets ?? [] } } : {}),
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
