/**
 * `pasarela serve`: load the configuration, open the store, build the app, listen, and on SIGINT or
 * SIGTERM stop taking requests, finish the jobs in flight and close the database.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from './app.js';
import type { ServiceConfig } from './config.js';
import { openDatabase, type Database } from './db/database.js';

export async function openConfiguredDatabase(config: ServiceConfig): Promise<Database> {
  return config.databaseUrl
    ? openDatabase({ url: config.databaseUrl })
    : openDatabase({ dataDir: config.dataDir });
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
  options: Omit<BuildOptions, 'config' | 'database'> & { database?: Database } = {},
): Promise<RunningServer> {
  const database = options.database ?? (await openConfiguredDatabase(config));
  let app: FastifyInstance;
  try {
    app = await buildApp({ ...options, config, database });
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  // Hooks can only be added before listening: a caller that waits for the close gets this promise.
  const closed = new Promise<void>((resolve) => app.addHook('onClose', async () => resolve()));
  const address = await app.listen({ port: config.port, host: config.host });
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
