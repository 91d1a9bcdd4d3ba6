/**
 * The embedded database's Kysely dialect: one connection lent to one caller at a time, transactions
 * that commit, roll back on an error and on a failed statement, and queries outside a transaction
 * that wait for it instead of running inside it.
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/service/index.js';
import { freshEmbedded } from './support/db.js';

let database: Database;
beforeEach(async () => {
  database = await freshEmbedded();
  await sql`CREATE TABLE t (k text PRIMARY KEY, n int NOT NULL)`.execute(database.db);
});
afterEach(async () => database.close());

const count = async () =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM t`.execute(database.db)).rows[0]!.n;

describe('the embedded database dialect', () => {
  it('commits a transaction and rolls back one that throws', async () => {
    await database.db.transaction().execute(async (trx) => {
      await sql`INSERT INTO t VALUES ('a', 1)`.execute(trx);
    });
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO t VALUES ('b', 2)`.execute(trx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await count()).toBe(1);
  });

  it('rolls back a transaction whose statement failed, and the connection works after', async () => {
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`INSERT INTO t VALUES ('a', 1)`.execute(trx);
        await sql`INSERT INTO t VALUES ('a', 2)`.execute(trx);
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await count()).toBe(0);
    await sql`INSERT INTO t VALUES ('c', 3)`.execute(database.db);
    expect(await count()).toBe(1);
  });

  it('runs concurrent transactions one after another: no lost update, no statement of one inside another', async () => {
    await sql`INSERT INTO t VALUES ('x', 0)`.execute(database.db);
    const bump = () =>
      database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`SELECT n FROM t WHERE k = 'x'`.execute(trx);
        await new Promise((r) => setImmediate(r));
        await sql`UPDATE t SET n = ${rows[0]!.n + 1} WHERE k = 'x'`.execute(trx);
      });
    const failing = database.db
      .transaction()
      .execute(async (trx) => {
        await sql`INSERT INTO t VALUES ('y', 1)`.execute(trx);
        await new Promise((r) => setImmediate(r));
        throw new Error('rolled back');
      })
      .catch(() => 'failed');
    const outside = (async () => {
      await new Promise((r) => setImmediate(r));
      return count();
    })();
    const results = await Promise.all([bump(), bump(), failing, bump(), outside, bump()]);
    expect(results[2]).toBe('failed');
    // The query outside any transaction never saw the failing transaction's row.
    expect(results[4]).toBe(1);
    const { rows } = await sql<{ n: number }>`SELECT n FROM t WHERE k = 'x'`.execute(database.db);
    expect(rows[0]!.n).toBe(4);
    expect(await count()).toBe(1);
  });

  it('reports the rows a statement changed', async () => {
    await sql`INSERT INTO t VALUES ('a', 1), ('b', 2)`.execute(database.db);
    const result = await sql`UPDATE t SET n = n + 1`.execute(database.db);
    expect(result.numAffectedRows).toBe(2n);
  });
});
