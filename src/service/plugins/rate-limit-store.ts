/**
 * A store for `@fastify/rate-limit` in the service's database, so a limit holds across every
 * instance behind a load balancer (PostgreSQL) and across restarts (the embedded database too): one
 * row per key with its window's start and hits, moved in one statement. Time is the service's clock,
 * so the test clock moves windows as it moves deadlines.
 */
import type { FastifyRateLimitStore } from '@fastify/rate-limit';
import { sql, type Kysely } from 'kysely';
import type { Clock } from '../../fintoc/index.js';
import type { DB } from '../db/schema.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** Windows longer than this are not kept: rows older than it are deleted now and then. */
const LONGEST_WINDOW_MS = 86_400_000;

/**
 * Counts one hit of `key` at `now` in a fixed window of `windowMs`: a new window starts when the
 * last one is over. Answers the hits in the window and how long it has left.
 */
export async function hitRateLimit(
  db: Kysely<DB>,
  key: string,
  now: Date,
  windowMs: number,
): Promise<{ current: number; ttl: number }> {
  const cutoff = new Date(now.getTime() - windowMs);
  const result = await sql<{ hits: number | string; window_start: Date }>`
    INSERT INTO rate_limits (key, hits, window_start) VALUES (${key}, 1, ${now}::timestamptz)
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN rate_limits.window_start <= ${cutoff}::timestamptz THEN 1 ELSE rate_limits.hits + 1 END,
      window_start = CASE WHEN rate_limits.window_start <= ${cutoff}::timestamptz
        THEN ${now}::timestamptz ELSE rate_limits.window_start END
    RETURNING hits, window_start`.execute(db);
  const row = result.rows[0]!;
  return { current: Number(row.hits), ttl: row.window_start.getTime() + windowMs - now.getTime() };
}

/** The hits of `key` in its current window, without counting one. */
export async function readRateLimit(
  db: Kysely<DB>,
  key: string,
  now: Date,
  windowMs: number,
): Promise<{ current: number; ttl: number }> {
  const row = await db
    .selectFrom('rate_limits')
    .select(['hits', 'window_start'])
    .where('key', '=', key)
    .executeTakeFirst();
  if (!row || row.window_start.getTime() + windowMs <= now.getTime()) return { current: 0, ttl: 0 };
  return { current: Number(row.hits), ttl: row.window_start.getTime() + windowMs - now.getTime() };
}

/** Forgets the hits of `key` (a successful sign-in clears its failures). */
export async function clearRateLimit(db: Kysely<DB>, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

/**
 * The store class `@fastify/rate-limit` instantiates, bound to this app's database and clock.
 *
 * @example
 * await app.register(rateLimit, { global: false, store: databaseRateLimitStore(db, clock) });
 */
export function databaseRateLimitStore(
  db: Kysely<DB>,
  clock: Clock,
): new (options: unknown, prefix?: string) => FastifyRateLimitStore {
  let calls = 0;
  const prune = (now: Date) => {
    // Old windows only take room: every few hundred hits, drop the ones no limit can still read.
    if (++calls % 500 !== 0) return;
    void db
      .deleteFrom('rate_limits')
      .where('window_start', '<', new Date(now.getTime() - LONGEST_WINDOW_MS))
      .execute()
      .catch(() => {});
  };
  return class DatabaseRateLimitStore implements FastifyRateLimitStore {
    constructor(
      _options: unknown,
      private readonly prefix = '',
    ) {}

    incr(key: string, callback: Callback, timeWindow: number): void {
      const now = new Date(clock.now());
      prune(now);
      hitRateLimit(db, `${this.prefix}${key}`, now, timeWindow).then(
        (r) => callback(null, r),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }

    read(key: string, callback: Callback, timeWindow: number): void {
      readRateLimit(db, `${this.prefix}${key}`, new Date(clock.now()), timeWindow).then(
        (r) => callback(null, r),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    }

    child(routeOptions: { method?: unknown; url?: unknown }): FastifyRateLimitStore {
      return new DatabaseRateLimitStore(
        undefined,
        `${String(routeOptions.method)} ${String(routeOptions.url)}:`,
      );
    }
  };
}
