/**
 * Stores for the service tests. A fresh PGlite takes seconds to boot and migrate, so the first test
 * process builds one migrated copy, dumps it to a tarball in the temp folder (keyed by the
 * migrations' text), and every test loads that tarball into a new in-memory PGlite.
 */
import { PGlite } from '@electric-sql/pglite';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MIGRATIONS,
  migrate,
  openDatabase,
  pgliteParsers,
  type Database,
} from '../../../src/service/index.js';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../../support/postgres.js';

function migrationsHash(): string {
  const text = Object.entries(MIGRATIONS)
    .map(([name, m]) => `${name}:${m.up.toString()}`)
    .join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

let tarball: Blob | undefined;

/** The migrated database as a tarball (built once per migration set; `test/global-setup.ts` builds it before any test runs). */
export async function preparedTarball(): Promise<Blob> {
  if (tarball) return tarball;
  const file = join(tmpdir(), `pasarela-test-pglite-${migrationsHash()}.tar.gz`);
  if (existsSync(file)) {
    tarball = new Blob([readFileSync(file)]);
    return tarball;
  }
  const pglite = await PGlite.create({ parsers: pgliteParsers });
  const database = await openDatabase({ pglite });
  await migrate(database.db);
  const dump = await pglite.dumpDataDir('gzip');
  await database.close();
  const bytes = Buffer.from(await dump.arrayBuffer());
  const tmp = `${file}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  tarball = new Blob([bytes]);
  return tarball;
}

/** A fresh, migrated, in-memory embedded database. */
export async function freshEmbedded(): Promise<Database> {
  const pglite = await PGlite.create({ loadDataDir: await preparedTarball(), parsers: pgliteParsers });
  return openDatabase({ pglite });
}

export interface StoreCase {
  name: 'embedded' | 'postgres';
  /** Why this store cannot run here, or null. */
  skip: string | null;
  setup(): Promise<void>;
  /** A fresh database, migrated to the latest (or to `migrateTo`). */
  fresh(opts?: { migrateTo?: string }): Promise<Database>;
  /** A URL for a fresh database (PostgreSQL only), for tests that open several pools on it. */
  freshUrl?(): Promise<string>;
  teardown(): Promise<void>;
}

let pgServer: TestPostgres | undefined;
let dbCounter = 0;

/** The two stores every repository and job test runs on: one conformance loop, both stores. */
export const STORES: StoreCase[] = [
  {
    name: 'embedded',
    skip: null,
    setup: async () => {
      await preparedTarball();
    },
    fresh: async (opts) => {
      if (!opts?.migrateTo) return freshEmbedded();
      const pglite = await PGlite.create({ parsers: pgliteParsers });
      const database = await openDatabase({ pglite });
      await migrate(database.db, { to: opts.migrateTo });
      return database;
    },
    teardown: async () => {},
  },
  {
    name: 'postgres',
    skip: postgresSkipReason(),
    setup: async () => {
      // startPostgres picks a free port and then starts on it; another process can take the port in
      // between, so a failed start is tried again (a fresh folder and port each time).
      for (let attempt = 1; !pgServer; attempt++) {
        try {
          pgServer = await startPostgres();
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    },
    async fresh(opts) {
      const url = await this.freshUrl!();
      const database = await openDatabase({ url });
      await migrate(database.db, opts?.migrateTo ? { to: opts.migrateTo } : {});
      return database;
    },
    async freshUrl() {
      if (!pgServer) throw new Error('postgres not started');
      return pgServer.createDatabase(`t_${process.pid}_${++dbCounter}_${randomBytes(3).toString('hex')}`);
    },
    teardown: async () => {
      pgServer?.stop();
      pgServer = undefined;
    },
  },
];

for (const store of STORES) {
  if (store.skip) console.warn(`[service tests] skipping ${store.name} store: ${store.skip}`);
}

// A test file that ends without its afterAll (a timeout, an error in a hook) must not leave its
// PostgreSQL server running: stop it when the worker process exits.
process.once('exit', () => {
  try {
    pgServer?.stop();
  } catch {
    // already stopped
  }
});
