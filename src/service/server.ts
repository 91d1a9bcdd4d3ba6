/**
 * `pasarela serve`: load the configuration, open the store, build the app, listen, and on SIGINT or
 * SIGTERM stop taking requests, finish the jobs in flight and close the database.
 */
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp, type BuildOptions } from './app.js';
import type { ServiceConfig } from './config.js';
import { openDatabase, type Database } from './db/database.js';
import { migrate, pendingMigrations } from './db/migrations.js';

export interface OpenOptions {
  /** Told, in a short line, what a start is waiting for (creating the database, PostgreSQL not up yet). */
  progress?: (line: string) => void;
  /** Waits between tries of a database that refuses connections (injected in tests). */
  sleep?: (ms: number) => Promise<void>;
}

/** Errors of a database that is not there yet (containers start in any order), worth trying again. */
const NOT_UP_YET = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', '57P03']);

/**
 * Opens the store the configuration names. A PostgreSQL server that refuses connections is tried
 * again for `DATABASE_WAIT` (default 60 s) before giving up with a message naming `DATABASE_URL`.
 */
export async function openConfiguredDatabase(
  config: ServiceConfig,
  options: OpenOptions = {},
): Promise<Database> {
  const progress = options.progress ?? (() => {});
  if (!config.databaseUrl) return openDatabase({ dataDir: config.dataDir, progress });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const database = await openDatabase({ url: config.databaseUrl });
  const deadline = Date.now() + config.databaseWaitMs;
  for (let attempt = 0; ; attempt++) {
    try {
      await sql`SELECT 1`.execute(database.db);
      if (attempt > 0) progress(`PostgreSQL at ${database.location} (DATABASE_URL) answers`);
      return database;
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      const retry = NOT_UP_YET.has(code) && Date.now() < deadline;
      if (!retry) {
        await database.close().catch(() => {});
        throw new DatabaseUnreachableError(
          database.location,
          code,
          err,
          NOT_UP_YET.has(code) ? config.databaseWaitMs : 0,
        );
      }
      if (attempt === 0) {
        progress(
          `PostgreSQL at ${database.location} (DATABASE_URL) does not answer yet (${code}); trying again for up to ${Math.round(config.databaseWaitMs / 1000)} s`,
        );
      }
      await sleep(Math.min(250 * 2 ** attempt, 5_000, Math.max(0, deadline - Date.now())));
    }
  }
}

/** The database named by `DATABASE_URL` could not be reached or refused the connection. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
  readonly code = 'database_unreachable';

  constructor(
    readonly location: string,
    readonly reason: string,
    cause: unknown,
    waitedMs: number,
  ) {
    super(
      `cannot use the database at ${location} (DATABASE_URL): ${cause instanceof Error ? cause.message : String(cause)}${waitedMs > 0 ? ` (tried for ${Math.round(waitedMs / 1000)} s)` : ''}. Check that PostgreSQL runs there and that DATABASE_URL names it (host, port, user, password, database); DATABASE_WAIT sets how long a start waits for it.`,
      { cause },
    );
  }
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
  /** Settles once the app has closed (by `close()` or a signal), for a command that runs until then. */
  closed: Promise<void>;
}

/**
 * Starts the service and resolves once it listens.
 *
 * @example
 * const server = await startServer(config);
 * console.log(server.url);
 */
export async function startServer(
  config: ServiceConfig,
  options: Omit<BuildOptions, 'config' | 'database'> & { database?: Database } & OpenOptions = {},
): Promise<RunningServer> {
  const { progress = () => {}, sleep, ...buildOptions } = options;
  const database =
    options.database ?? (await openConfiguredDatabase(config, { progress, ...(sleep ? { sleep } : {}) }));
  let app: FastifyInstance;
  try {
    const pending = await pendingMigrations(database.db);
    if (pending.length > 0) {
      progress(
        `applying ${pending.length} database migration${pending.length > 1 ? 's' : ''} (${pending.join(', ')})`,
      );
      await migrate(database.db);
    }
    app = await buildApp({ ...buildOptions, config, database });
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  // Hooks can only be added before listening: a caller that waits for the close gets this promise.
  const closed = new Promise<void>((resolve) => app.addHook('onClose', async () => resolve()));
  let address: string;
  try {
    address = await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // EADDRINUSE and the like: nothing may stay open (database, jobs) behind the error.
    await app.close().catch(() => {});
    throw err;
  }
  let closing: Promise<void> | null = null;
  return {
    app,
    url: address,
    close: () => (closing ??= app.close()),
    closed,
  };
}

/** Closes the server on SIGINT/SIGTERM, giving in-flight work `graceMs` before exiting anyway. */
export function closeOnSignals(server: { close(): Promise<void> }, graceMs = 10_000): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => {
      process.stderr.write(`pasarela: still closing after ${graceMs} ms; exiting\n`);
      process.exit(1);
    }, graceMs);
    timer.unref();
    server.close().then(
      () => {
        process.exitCode = 0;
        process.stderr.write(`pasarela: stopped (${signal})\n`);
      },
      (err: unknown) => {
        process.stderr.write(`pasarela: error while closing: ${String(err)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
