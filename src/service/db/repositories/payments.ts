/** The `payments` table: one row per payment, its state and its current attempt's intent. */
import { sql, type Transaction } from 'kysely';
import type { AttemptRow, DB, NewPayment, PaymentRow } from '../schema.js';
import { OPEN_STATUSES, type PaymentStatus } from '../../state.js';
import type { Executor } from './executor.js';
import type { JobKind } from './jobs.js';

export async function insertPayment(db: Executor, row: NewPayment): Promise<void> {
  await db.insertInto('payments').values(row).execute();
}

export async function findPayment(db: Executor, id: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Reads a payment and locks its row until the transaction ends. */
export async function lockPayment(db: Transaction<DB>, id: string): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Reads payments and locks their rows, in id order (so two batches never wait on each other). */
export async function lockPayments(db: Transaction<DB>, ids: readonly string[]): Promise<PaymentRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('payments').selectAll().where('id', 'in', ids).orderBy('id').forUpdate().execute();
}

/** The payment an intent belongs to: its current intent or one of its earlier attempts'. */
export async function findPaymentByIntent(db: Executor, intentId: string): Promise<PaymentRow | undefined> {
  const current = await db
    .selectFrom('payments')
    .selectAll()
    .where('payment_intent_id', '=', intentId)
    .executeTakeFirst();
  if (current) return current;
  return db
    .selectFrom('payments')
    .selectAll('payments')
    .innerJoin('payment_attempts', 'payment_attempts.payment_id', 'payments.id')
    .where('payment_attempts.payment_intent_id', '=', intentId)
    .executeTakeFirst();
}

export async function findPaymentByIdempotencyKey(
  db: Executor,
  key: string,
): Promise<PaymentRow | undefined> {
  return db.selectFrom('payments').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

export async function findOpenPaymentForOrder(
  db: Executor,
  orderId: string,
): Promise<PaymentRow | undefined> {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('status', 'in', OPEN_STATUSES)
    .executeTakeFirst();
}

/** Newest first. */
export async function listPaymentsByOrder(db: Executor, orderId: string): Promise<PaymentRow[]> {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function listPayments(
  db: Executor,
  opts: { limit: number; status?: PaymentStatus; before?: Date },
): Promise<PaymentRow[]> {
  let q = db.selectFrom('payments').selectAll();
  if (opts.status) q = q.where('status', '=', opts.status);
  if (opts.before) q = q.where('created_at', '<', opts.before);
  return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
}

export async function updatePayment(
  db: Executor,
  id: string,
  changes: Partial<Omit<PaymentRow, 'id' | 'metadata'>>,
): Promise<void> {
  await db.updateTable('payments').set(changes).where('id', '=', id).execute();
}

/** Writes the state columns of many payments in one statement (last one wins per id). */
export async function updatePaymentStates(db: Executor, rows: readonly PaymentRow[]): Promise<void> {
  const latest = new Map(rows.map((r) => [r.id, r]));
  if (latest.size === 0) return;
  const values = sql.join(
    [...latest.values()].map(
      (r) =>
        sql`(${r.id}::text, ${r.status}::text, ${r.failure_reason}::text, ${r.paid_after_cancel}::boolean, ${r.finalized_at}::timestamptz, ${r.intent_status}::text, ${r.updated_at}::timestamptz)`,
    ),
  );
  await sql`
    UPDATE payments AS p SET
      status = v.status, failure_reason = v.failure_reason, paid_after_cancel = v.paid_after_cancel,
      finalized_at = v.finalized_at, intent_status = v.intent_status, updated_at = v.updated_at
    FROM (VALUES ${values}) AS v(id, status, failure_reason, paid_after_cancel, finalized_at, intent_status, updated_at)
    WHERE p.id = v.id`.execute(db);
}

export async function countPaymentsByStatus(db: Executor): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom('payments')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * Stores a new payment with its first attempt, its timeline entry and its deadline jobs in one
 * statement (atomic; one round trip).
 */
export async function createPaymentRecord(
  db: Executor,
  p: PaymentRow,
  attempt: AttemptRow,
  created: { detail: Record<string, unknown> },
  jobs: ReadonlyArray<{ kind: JobKind; runAt: Date }>,
): Promise<void> {
  const jobValues = sql.join(
    jobs.map((j) => sql`(${j.kind}, ${p.id}, ${j.runAt}::timestamptz, ${p.created_at}::timestamptz)`),
  );
  await sql`
    WITH pay AS (
      INSERT INTO payments (id, order_id, amount, currency, status, customer_email, metadata, idempotency_key,
        request_hash, expires_at, created_at, updated_at, attempt_id)
      VALUES (${p.id}, ${p.order_id}, ${p.amount}, ${p.currency}, ${p.status}, ${p.customer_email},
        ${JSON.stringify(p.metadata)}::jsonb, ${p.idempotency_key}, ${p.request_hash}, ${p.expires_at}::timestamptz,
        ${p.created_at}::timestamptz, ${p.updated_at}::timestamptz, ${attempt.id})
      RETURNING id
    ), att AS (
      INSERT INTO payment_attempts (id, payment_id, idempotency_key, created_at)
      SELECT ${attempt.id}, id, ${attempt.idempotency_key}, ${attempt.created_at}::timestamptz FROM pay
    ), tl AS (
      INSERT INTO payment_timeline (payment_id, at, kind, to_status, cause, detail)
      SELECT id, ${p.created_at}::timestamptz, 'created', ${p.status}, 'api', ${JSON.stringify(created.detail)}::jsonb FROM pay
    )
    INSERT INTO jobs (kind, ref, run_at, created_at)
    SELECT v.kind, v.ref, v.run_at, v.created_at FROM (VALUES ${jobValues}) AS v(kind, ref, run_at, created_at), pay
    ON CONFLICT (kind, ref) DO NOTHING`.execute(db);
}

/**
 * Records the intent Fintoc created for an attempt, in one statement. The payment takes it only while
 * it is open, has no intent and this is still its current attempt (a compare-and-set on the row);
 * otherwise the intent stays on the attempt and, unless it already is the payment's intent, an
 * `expire_intent` job is queued to expire it at once (a creation answered after its payment ended
 * must not leave a payable intent behind). Returns whether the payment took it, and the payment.
 */
export async function recordIntent(
  db: Executor,
  r: {
    paymentId: string;
    attemptId: string;
    intentId: string;
    widgetToken: string | null;
    intentStatus: string;
    now: Date;
  },
): Promise<{ recorded: boolean; payment: PaymentRow | undefined }> {
  const detail = JSON.stringify({
    event: 'intent_created',
    payment_intent_id: r.intentId,
    intent_status: r.intentStatus,
  });
  const result = await sql<PaymentRow>`
    WITH att AS (
      UPDATE payment_attempts SET payment_intent_id = ${r.intentId}, error = NULL WHERE id = ${r.attemptId}
    ), pay AS (
      UPDATE payments SET payment_intent_id = ${r.intentId}, widget_token = ${r.widgetToken},
        intent_status = ${r.intentStatus}, updated_at = ${r.now}::timestamptz
      WHERE id = ${r.paymentId} AND payment_intent_id IS NULL AND attempt_id = ${r.attemptId}
        AND status IN (${sql.join(OPEN_STATUSES)})
      RETURNING *
    ), tl AS (
      INSERT INTO payment_timeline (payment_id, at, kind, cause, cause_id, detail)
      SELECT id, ${r.now}::timestamptz, 'note', 'api', ${r.intentId}, ${detail}::jsonb FROM pay
    ), orphan AS (
      INSERT INTO jobs (kind, ref, run_at, created_at)
      SELECT 'expire_intent', ${r.intentId}, ${r.now}::timestamptz, ${r.now}::timestamptz
      WHERE NOT EXISTS (SELECT 1 FROM pay)
        AND NOT EXISTS (SELECT 1 FROM payments WHERE id = ${r.paymentId} AND payment_intent_id = ${r.intentId})
      ON CONFLICT (kind, ref) DO NOTHING
    )
    SELECT * FROM pay`.execute(db);
  const taken = result.rows[0];
  return taken
    ? { recorded: true, payment: taken }
    : { recorded: false, payment: await findPayment(db, r.paymentId) };
}
