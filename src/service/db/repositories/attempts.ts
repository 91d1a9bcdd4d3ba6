/** The `payment_attempts` table: each attempt's own idempotency key at Fintoc and the intent it got. */
import type { AttemptRow } from '../schema.js';
import type { Executor } from './executor.js';

export async function insertAttempt(db: Executor, row: AttemptRow): Promise<void> {
  await db.insertInto('payment_attempts').values(row).execute();
}

export async function findAttempt(db: Executor, id: string): Promise<AttemptRow | undefined> {
  return db.selectFrom('payment_attempts').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function latestAttempt(db: Executor, paymentId: string): Promise<AttemptRow | undefined> {
  return db
    .selectFrom('payment_attempts')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function updateAttempt(
  db: Executor,
  id: string,
  changes: { payment_intent_id?: string | null; checkout_session_id?: string | null; error?: string | null },
): Promise<void> {
  await db.updateTable('payment_attempts').set(changes).where('id', '=', id).execute();
}
