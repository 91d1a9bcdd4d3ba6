/** The `payouts` and `payout_resources` tables: Fintoc's Payouts API as last read. */
import type { Insertable } from 'kysely';
import type { PayoutResourceRow, PayoutResourcesTable, PayoutRow, PayoutsTable } from '../schema.js';
import type { Executor } from './executor.js';

/** Stores a payout (or its newer state) with what it settles, replacing what was stored of it. */
export async function upsertPayout(
  db: Executor,
  payout: Insertable<PayoutsTable>,
  resources: ReadonlyArray<Insertable<PayoutResourcesTable>>,
): Promise<void> {
  await db
    .insertInto('payouts')
    .values(payout)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({
        amount: payout.amount,
        currency: payout.currency,
        status: payout.status,
        succeeded_at: payout.succeeded_at ?? null,
        body: payout.body,
        fetched_at: payout.fetched_at,
      }),
    )
    .execute();
  await db.deleteFrom('payout_resources').where('payout_id', '=', payout.id).execute();
  for (let i = 0; i < resources.length; i += 1_000) {
    await db
      .insertInto('payout_resources')
      .values(resources.slice(i, i + 1_000))
      .execute();
  }
}

export async function findPayout(db: Executor, id: string): Promise<PayoutRow | undefined> {
  return db.selectFrom('payouts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Payouts newest first; `since` keeps those created at or after it. */
export async function listPayouts(
  db: Executor,
  opts: { since?: Date; limit?: number } = {},
): Promise<PayoutRow[]> {
  let q = db.selectFrom('payouts').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc');
  if (opts.since) q = q.where('created_at', '>=', opts.since);
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  return q.execute();
}

export async function listPayoutResources(db: Executor): Promise<PayoutResourceRow[]> {
  return db.selectFrom('payout_resources').selectAll().orderBy('payout_id').orderBy('id').execute();
}

/** The newest payout's creation time, where the next read of the Payouts API starts. */
export async function latestPayoutCreatedAt(db: Executor): Promise<Date | null> {
  const row = await db
    .selectFrom('payouts')
    .select('created_at')
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.created_at ?? null;
}

/** Payouts whose state may still change (in progress), to read again. */
export async function listOpenPayoutIds(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('payouts').select('id').where('status', '=', 'in_progress').execute();
  return rows.map((r) => r.id);
}

/** Whether a notice for this difference key was sent; records it if not (true when newly recorded). */
export async function recordNotice(
  db: Executor,
  row: { key: string; kind: string; notification_id: string; created_at: Date },
): Promise<boolean> {
  const inserted = await db
    .insertInto('reconciliation_notices')
    .values(row)
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .executeTakeFirst();
  return inserted !== undefined;
}
