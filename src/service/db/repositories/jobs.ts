/** The `jobs` table: durable jobs, claimed with `FOR UPDATE SKIP LOCKED` and a lease. */
import { sql } from 'kysely';
import type { Executor } from './executor.js';

/** The kinds of rows in `jobs`. (Fintoc's events are not jobs: the inbox is their own queue.) */
export type JobKind = 'abandon' | 'sync' | 'notify' | 'refund' | 'expire_intent' | 'payouts' | 'reconcile';

export interface ClaimedJob {
  id: number;
  kind: JobKind;
  ref: string;
  attempts: number;
  run_at: Date;
}

type NewJob = { kind: JobKind; ref: string; runAt: Date; now: Date };

/**
 * Queues a job once per (kind, ref). When it exists, a second call keeps it as it is, or with
 * `sooner` moves it to run no later than `runAt`.
 */
export async function scheduleJob(db: Executor, job: NewJob, opts: { sooner?: boolean } = {}): Promise<void> {
  await db
    .insertInto('jobs')
    .values({ kind: job.kind, ref: job.ref, run_at: job.runAt, created_at: job.now })
    .onConflict((oc) =>
      opts.sooner
        ? oc.columns(['kind', 'ref']).doUpdateSet({ run_at: sql`LEAST(jobs.run_at, excluded.run_at)` })
        : oc.columns(['kind', 'ref']).doNothing(),
    )
    .execute();
}

/** Queues a job or, when it exists, moves it to run no later than `runAt`. */
export function scheduleJobSoon(db: Executor, job: NewJob): Promise<void> {
  return scheduleJob(db, job, { sooner: true });
}

/**
 * Claims up to `limit` due jobs for `leaseMs`: rows another worker is claiming are skipped
 * (`FOR UPDATE SKIP LOCKED`), and a claimed job stays invisible until its lease ends, so a crashed
 * worker's jobs come back by themselves.
 */
export async function claimJobs(
  db: Executor,
  opts: { now: Date; leaseMs: number; limit: number; worker: string; kinds?: readonly JobKind[] },
): Promise<ClaimedJob[]> {
  const until = new Date(opts.now.getTime() + opts.leaseMs);
  const kinds = opts.kinds && opts.kinds.length > 0 ? opts.kinds : null;
  const result = await sql<ClaimedJob>`
    UPDATE jobs SET locked_until = ${until}, locked_by = ${opts.worker}, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM jobs
      WHERE run_at <= ${opts.now}
        AND (locked_until IS NULL OR locked_until <= ${opts.now})
        ${kinds ? sql`AND kind IN (${sql.join(kinds)})` : sql``}
      ORDER BY run_at
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING id, kind, ref, attempts, run_at`.execute(db);
  return result.rows;
}

/** Removes a finished job, if this worker still holds it. */
export async function finishJob(db: Executor, id: number, worker: string): Promise<void> {
  await db.deleteFrom('jobs').where('id', '=', id).where('locked_by', '=', worker).execute();
}

export async function rescheduleJob(
  db: Executor,
  id: number,
  worker: string,
  runAt: Date,
  error: string | null,
  resetAttempts = false,
): Promise<void> {
  await db
    .updateTable('jobs')
    .set({
      run_at: runAt,
      locked_until: null,
      locked_by: null,
      last_error: error,
      ...(resetAttempts ? { attempts: 0 } : {}),
    })
    .where('id', '=', id)
    .where('locked_by', '=', worker)
    .execute();
}

export async function countJobs(db: Executor): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('kind')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.kind, Number(r.n)]));
}
/** Removes finished jobs this worker still holds, in one statement. */
export async function finishJobs(db: Executor, ids: readonly number[], worker: string): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('jobs').where('id', 'in', ids).where('locked_by', '=', worker).execute();
}
