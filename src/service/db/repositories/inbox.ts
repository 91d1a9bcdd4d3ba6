/** The `webhook_inbox` table: Fintoc's events, stored once by id, and the applier's queue. */
import { sql } from 'kysely';
import type { InboxRow } from '../schema.js';
import type { Executor } from './executor.js';

/**
 * Stores a verified event under its Fintoc id, due for the applier at `applyAt` (null: kept, never
 * applied). Returns false when the id was already stored (a duplicate delivery).
 */
export async function storeInboxEvent(
  db: Executor,
  row: { event_id: string; type: string; intent_id: string | null; body: string; received_at: Date },
  applyAt: Date | null,
): Promise<boolean> {
  return (await storeInboxEvents(db, [row], applyAt)).has(row.event_id);
}

/**
 * Stores several verified events at once (group commit), each due for the applier at `applyAt`, in
 * one statement. Returns the ids that were new; the others were already stored.
 */
export async function storeInboxEvents(
  db: Executor,
  rows: ReadonlyArray<{
    event_id: string;
    type: string;
    intent_id: string | null;
    body: string;
    received_at: Date;
  }>,
  applyAt: Date | null,
): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const values = sql.join(
    rows.map(
      (r) =>
        sql`(${r.event_id}, ${r.type}, ${r.intent_id}, ${r.body}, ${r.received_at}::timestamptz, ${applyAt}::timestamptz)`,
    ),
  );
  const result = await sql<{ event_id: string }>`
    INSERT INTO webhook_inbox (event_id, type, intent_id, body, received_at, apply_after)
    VALUES ${values}
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id`.execute(db);
  return new Set(result.rows.map((r) => r.event_id));
}

/** Claims stored events that are due for the applier, like {@link claimJobs} does for jobs. */
export async function claimInbox(
  db: Executor,
  opts: { now: Date; leaseMs: number; limit: number; worker: string },
): Promise<
  Array<{ event_id: string; attempts: number; apply_after: Date; intent_id: string | null; seq: number }>
> {
  const until = new Date(opts.now.getTime() + opts.leaseMs);
  const result = await sql<{
    event_id: string;
    attempts: number;
    apply_after: Date;
    intent_id: string | null;
    seq: number;
  }>`
    UPDATE webhook_inbox SET locked_until = ${until}, locked_by = ${opts.worker}, attempts = attempts + 1
    WHERE event_id IN (
      SELECT event_id FROM webhook_inbox
      WHERE applied_at IS NULL AND apply_after IS NOT NULL AND apply_after <= ${opts.now}
        AND (locked_until IS NULL OR locked_until <= ${opts.now})
      ORDER BY apply_after, seq
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING event_id, attempts, apply_after, intent_id, seq`.execute(db);
  // RETURNING follows no order: put them back in arrival order.
  return result.rows.sort(
    (a, b) => a.apply_after.getTime() - b.apply_after.getTime() || Number(a.seq) - Number(b.seq),
  );
}

/** Puts a claimed event back for another try at `runAt`, if this worker still holds it. */
export async function rescheduleInbox(
  db: Executor,
  eventId: string,
  worker: string,
  runAt: Date,
  error: string | null,
): Promise<void> {
  await db
    .updateTable('webhook_inbox')
    .set({ apply_after: runAt, locked_until: null, locked_by: null, last_error: error })
    .where('event_id', '=', eventId)
    .where('locked_by', '=', worker)
    .execute();
}

/** How many stored events wait for the applier. */
export async function countPendingInbox(db: Executor): Promise<number> {
  const r = await db
    .selectFrom('webhook_inbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('applied_at', 'is', null)
    .where('apply_after', 'is not', null)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

export async function findInboxEvent(db: Executor, eventId: string): Promise<InboxRow | undefined> {
  return db.selectFrom('webhook_inbox').selectAll().where('event_id', '=', eventId).executeTakeFirst();
}

export async function updateInboxEvent(
  db: Executor,
  eventId: string,
  changes: Partial<Pick<InboxRow, 'applied_at' | 'outcome' | 'attempts' | 'last_error' | 'apply_after'>>,
): Promise<void> {
  await db.updateTable('webhook_inbox').set(changes).where('event_id', '=', eventId).execute();
}

export async function listInbox(
  db: Executor,
  opts: { limit: number; intentId?: string; pendingOnly?: boolean },
): Promise<InboxRow[]> {
  let q = db.selectFrom('webhook_inbox').selectAll();
  if (opts.intentId) q = q.where('intent_id', '=', opts.intentId);
  if (opts.pendingOnly) q = q.where('applied_at', 'is', null);
  return q.orderBy('received_at', 'desc').limit(opts.limit).execute();
}
