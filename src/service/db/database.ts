import { PGlite, types } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from './pglite-dialect.js';
import pg from 'pg';
import type { DB } from './schema.js';

/** An open store: the embedded database (PGlite) or a PostgreSQL server, behind one Kysely. */
export interface Database {
  db: Kysely<DB>;
  kind: 'embedded' | 'postgres';
  /** Where it lives, without credentials. */
  location: string;
  /**
   * Why the store cannot keep data any more although it still answers, or null: an embedded
   * database whose directory was deleted while open keeps working on files that are gone.
   */
  lost(): string | null;
  close(): Promise<void>;
}

/** int8 (counts, amounts, identities) as numbers on both stores; amounts stay far below 2^53. */
const INT8_OID = 20;

export type DatabaseOptions =
  | { url: string; poolSize?: number }
  | {
      dataDir: string;
      /** Told when a start takes time (the embedded database is created on the first start). */
      progress?: (line: string) => void;
      /**
       * A brotli-compressed tarball of a fresh database cluster, loaded instead of running initdb
       * on the first start; default the one shipped in `assets/`, `null` for none.
       */
      image?: string | null;
    }
  /** An already open PGlite (tests load a prepared copy); closed with the database. */
  | { pglite: PGlite };

/**
 * Opens the store the configuration names.
 *
 * @example
 * const database = await openDatabase({ dataDir: './.pasarela' });
 * await database.close();
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if ('url' in options) {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID
            ? (v: string) => Number(v)
            : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on('error', () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      location: redactUrl(options.url),
      lost: () => null,
      close: () => db.destroy(),
    };
  }
  let pglite: PGlite;
  let location: string;
  let lost = (): string | null => null;
  if ('pglite' in options) {
    pglite = options.pglite;
    location = 'memory';
  } else {
    const dir = resolve(options.dataDir, 'db');
    mkdirSync(dir, { recursive: true });
    const marker = join(dir, 'PG_VERSION');
    pglite = existsSync(marker)
      ? await PGlite.create({ dataDir: dir, parsers: pgliteParsers })
      : await createEmbedded(
          dir,
          options.image === undefined ? SHIPPED_IMAGE : options.image,
          options.progress,
        );
    location = dir;
    lost = () =>
      existsSync(marker)
        ? null
        : `The embedded database directory ${dir} was deleted while the service runs: what it writes now is lost at the next start. Restart the service (with the directory restored from a backup, or empty to start afresh).`;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    kind: 'embedded',
    location,
    lost,
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** The prepared cluster shipped with Pasarela (`npm run db:image` makes it). */
export const SHIPPED_IMAGE = fileURLToPath(new URL('../../../assets/embedded-db.tar.br', import.meta.url));

/**
 * A new embedded database in `dir`. PGlite's initdb takes seconds (more on a busy machine), so the
 * shipped image of a fresh cluster is unpacked instead; when it is missing or this PGlite cannot
 * open it (another PostgreSQL major version), the directory is emptied and initdb runs after all.
 */
async function createEmbedded(
  dir: string,
  image: string | null,
  progress: (line: string) => void = () => {},
): Promise<PGlite> {
  if (image !== null && existsSync(image)) {
    progress(`creating the embedded database in ${dir} (first start, from the prepared image)`);
    try {
      const tar = brotliDecompressSync(readFileSync(image));
      return await PGlite.create({ dataDir: dir, loadDataDir: new Blob([tar]), parsers: pgliteParsers });
    } catch {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
    }
  }
  progress(`creating the embedded database in ${dir} (first start; this takes a few seconds)`);
  return PGlite.create({ dataDir: dir, parsers: pgliteParsers });
}

/** PGlite parser options giving numbers for int8, as the PostgreSQL pool does. */
export const pgliteParsers = { [types.INT8]: (v: string) => Number(v) };

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
