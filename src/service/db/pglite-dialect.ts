/**
 * Kysely on the embedded database (PGlite). PGlite is one PostgreSQL backend in this process, so
 * the dialect has one connection, lent to one caller at a time: a transaction holds it from BEGIN to
 * COMMIT, and every other query waits its turn (what a pool of one does). SQL, compiler and
 * introspection are PostgreSQL's. Kysely ships such a dialect from 0.29, which needs Node 22; this
 * one keeps Node 20 working.
 */
import type { PGlite, Transaction as PGliteTransaction } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';

/** PostgreSQL's adapter, without the advisory lock: the one connection is already exclusive. */
class PGliteAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {}
  override async releaseMigrationLock(): Promise<void> {}
}

/**
 * @example
 * const db = new Kysely<DB>({ dialect: new PGliteDialect(await PGlite.create()) });
 */
export class PGliteDialect implements Dialect {
  constructor(private readonly pglite: PGlite) {}
  createAdapter(): DialectAdapter {
    return new PGliteAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite);
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
}

/** First come, first served: the one connection goes to the next waiter when it is released. */
class Turns {
  private tail: Promise<void> = Promise.resolve();
  private releaseCurrent: (() => void) | null = null;

  async take(): Promise<void> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.releaseCurrent = release;
  }

  give(): void {
    const release = this.releaseCurrent;
    this.releaseCurrent = null;
    release?.();
  }
}

class PGliteDriver implements Driver {
  private readonly turns = new Turns();
  private readonly connection: PGliteConnection;

  constructor(private readonly pglite: PGlite) {
    this.connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    if (this.pglite.closed) throw new Error('The embedded database (PGlite) is already closed.');
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.turns.take();
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    this.turns.give();
  }

  async beginTransaction(): Promise<void> {
    await this.connection.begin();
  }

  async commitTransaction(): Promise<void> {
    await this.connection.end('commit');
  }

  async rollbackTransaction(): Promise<void> {
    await this.connection.end('rollback');
  }

  async destroy(): Promise<void> {
    if (!this.pglite.closed) await this.pglite.close();
  }
}

/**
 * The one connection. A transaction runs inside PGlite's own `transaction()` (exclusive on the
 * instance, so code using the PGlite object directly waits for it too), held open until Kysely
 * commits or rolls back.
 */
class PGliteConnection implements DatabaseConnection {
  private tx: PGliteTransaction | null = null;
  private finish: ((outcome: 'commit' | 'rollback') => void) | null = null;
  private closed: Promise<unknown> | null = null;

  constructor(private readonly pglite: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const { affectedRows, rows } = await (this.tx ?? this.pglite).query<R>(query.sql, [...query.parameters], {
      rowMode: 'object',
    });
    return {
      ...(affectedRows != null ? { numAffectedRows: BigInt(affectedRows) } : {}),
      rows: rows ?? [],
    };
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('The embedded database (PGlite) cannot stream query results.');
  }

  async begin(): Promise<void> {
    let begun!: () => void;
    const started = new Promise<void>((resolve) => (begun = resolve));
    const outcome = new Promise<'commit' | 'rollback'>((resolve) => (this.finish = resolve));
    this.closed = this.pglite.transaction(async (tx) => {
      this.tx = tx;
      begun();
      if ((await outcome) === 'rollback') await tx.rollback();
    });
    // A BEGIN that fails rejects `closed` before `started` resolves.
    await Promise.race([started, this.closed]);
  }

  async end(outcome: 'commit' | 'rollback'): Promise<void> {
    const closed = this.closed;
    this.finish?.(outcome);
    this.tx = null;
    this.finish = null;
    this.closed = null;
    if (outcome === 'commit') await closed;
    else await closed?.catch(() => {});
  }
}
