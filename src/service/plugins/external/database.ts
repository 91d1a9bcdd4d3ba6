/**
 * The store (`app.database`): opened by the caller (PGlite or PostgreSQL), migrated here before
 * anything reads it. `app.ts` closes it last, after the job runner has stopped.
 */
import fp from 'fastify-plugin';
import type { Database } from '../../db/database.js';
import { migrate } from '../../db/migrations.js';

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
  }
}

export default fp<{ database: Database }>(
  async (app, opts) => {
    await migrate(opts.database.db);
    app.decorate('database', opts.database);
  },
  { name: 'database' },
);
