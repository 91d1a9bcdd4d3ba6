/** What every repository function runs on, and the one database error the service tells apart. */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../schema.js';

/** Either the database or an open transaction: every repository function takes one. */
export type Executor = Kysely<DB> | Transaction<DB>;

/** PostgreSQL's unique_violation, the same code on both stores. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code !== '23505') return false;
  if (!constraint) return true;
  return e.constraint === constraint || (typeof e.message === 'string' && e.message.includes(constraint));
}
