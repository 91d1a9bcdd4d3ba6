/**
 * What every part of the app reads about its setting: `app.config`, the public configuration only
 * (public key, widget URL, country, shop name, mode: safe for pages), and `app.clock`, the
 * business clock (with the test-mode offset that `/api/test-clock` moves). Secrets stay in the
 * app plugins that need them, passed from `app.ts`.
 */
import fp from 'fastify-plugin';
import { publicConfig, type PublicConfig, type ServiceConfig } from '../../config.js';
import type { TestClock } from '../../test-clock.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Public configuration only: safe for pages. */
    config: PublicConfig;
    /** The service's clock (injected in tests; moved forward by the test clock in test mode). */
    clock: TestClock;
  }
}

export default fp<{ config: ServiceConfig; clock: TestClock }>(
  async (app, opts) => {
    app.decorate('config', publicConfig(opts.config));
    app.decorate('clock', opts.clock);
  },
  { name: 'config' },
);
