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

/**
 * The payment a Fintoc payment intent or Checkout Session belongs to: its current attempt's or one
 * of its earlier attempts'.
 */
export async function findPaymentByIntent(db: Executor, intentId: string): Promise<PaymentRow | undefined> {
  const column = intentId.startsWith('cs_') ? 'checkout_session_id' : 'payment_intent_id';
  const current = await db.selectFrom('payments').selectAll().where(column, '=', intentId).executeTakeFirst();
  if (current) return current;
  return db
    .selectFrom('payments')
    .selectAll('payments')
    .innerJoin('payment_attempts', 'payment_attempts.payment_id', 'payments.id')
    .where(`payment_attempts.${column}`, '=', intentId)
    .executeTakeFirst();
}

/**
 * The payment intent a Checkout Session named: kept on the attempt that made the session, and on the
 * payment while that session is its current one. Idempotent; an intent once recorded is never replaced.
 */
export async function recordSessionIntent(db: Executor, sessionId: string, intentId: string): Promise<void> {
  await db
    .updateTable('payment_attempts')
    .set({ payment_intent_id: intentId })
    .where('checkout_session_id', '=', sessionId)
    .where('payment_intent_id', 'is', null)
    .execute();
  await db
    .updateTable('payments')
    .set({ payment_intent_id: intentId })
    .where('checkout_session_id', '=', sessionId)
    .where('payment_intent_id', 'is', null)
    .execute();
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

/** The order's succeeded payment, if it has one (the latest). */
export async function findSucceededPaymentForOrder(
  db: Executor,
  orderId: string,
): Promise<PaymentRow | undefined> {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('order_id', '=', orderId)
    .where('status', '=', 'succeeded')
    .orderBy('created_at', 'desc')
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

/** What a list of payments may be narrowed by (the API's filters and the dashboard's). */
export interface PaymentListFilter {
  status?: PaymentStatus;
  paidAfterCancel?: boolean;
  orderId?: string;
  /** Created at or after. */
  createdFrom?: Date;
  /** Created before. */
  createdBefore?: Date;
}

/** A page of a newest-first list: after one payment (older ones) or before one (newer ones). */
export interface PageRequest {
  limit: number;
  /** Payments older than this one (its id). */
  startingAfter?: string;
  /** Payments newer than this one (its id). */
  endingBefore?: string;
}

export type PaymentPage =
  | { ok: true; rows: PaymentRow[]; hasMore: boolean }
  | { ok: false; unknownCursor: 'starting_after' | 'ending_before' };

/**
 * One page of payments, newest first (created_at, then id: a total order, so pages never skip or
 * repeat a payment even when many share a millisecond). `hasMore` says whether more lie beyond the
 * page in the direction of travel (older after `startingAfter` or with no cursor, newer before
 * `endingBefore`), as Stripe's lists do. A cursor that names no payment is reported, not guessed.
 */
export async function listPaymentsPage(
  db: Executor,
  filter: PaymentListFilter,
  page: PageRequest,
): Promise<PaymentPage> {
  const cursorId = page.startingAfter ?? page.endingBefore;
  const backwards = page.startingAfter === undefined && page.endingBefore !== undefined;
  if (cursorId !== undefined) {
    const exists = await db.selectFrom('payments').select('id').where('id', '=', cursorId).executeTakeFirst();
    if (!exists) return { ok: false, unknownCursor: backwards ? 'ending_before' : 'starting_after' };
  }
  let q = db.selectFrom('payments').selectAll();
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.paidAfterCancel !== undefined) q = q.where('paid_after_cancel', '=', filter.paidAfterCancel);
  if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
  if (filter.createdFrom) q = q.where('created_at', '>=', filter.createdFrom);
  if (filter.createdBefore) q = q.where('created_at', '<', filter.createdBefore);
  if (cursorId !== undefined) {
    const cursor = sql`(SELECT c.created_at, c.id FROM payments c WHERE c.id = ${cursorId})`;
    q = q.where(
      backwards ? sql<boolean>`(created_at, id) > ${cursor}` : sql<boolean>`(created_at, id) < ${cursor}`,
    );
  }
  const direction = backwards ? 'asc' : 'desc';
  const rows = await q
    .orderBy('created_at', direction)
    .orderBy('id', direction)
    .limit(page.limit + 1)
    .execute();
  const hasMore = rows.length > page.limit;
  const kept = rows.slice(0, page.limit);
  return { ok: true, rows: backwards ? kept.reverse() : kept, hasMore };
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
        request_hash, expires_at, created_at, updated_at, attempt_id, flow)
      VALUES (${p.id}, ${p.order_id}, ${p.amount}, ${p.currency}, ${p.status}, ${p.customer_email},
        ${JSON.stringify(p.metadata)}::jsonb, ${p.idempotency_key}, ${p.request_hash}, ${p.expires_at}::timestamptz,
        ${p.created_at}::timestamptz, ${p.updated_at}::timestamptz, ${attempt.id}, ${p.flow})
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
 * Records the payment intent (intent flow) or Checkout Session (session flows) Fintoc created for an
 * attempt, in one statement. The payment takes it only while it is open, has none and this is still
 * its current attempt (a compare-and-set on the row); otherwise it stays on the attempt and, unless it
 * already is the payment's, an `expire_intent` job is queued to expire it at once (a creation answered
 * after its payment ended must not leave something payable behind). Returns whether the payment took
 * it, and the payment.
 */
export async function recordRemote(
  db: Executor,
  r: {
    paymentId: string;
    attemptId: string;
    remote: {
      id: string;
      kind: 'payment_intent' | 'checkout_session';
      status: string | null;
      sessionStatus: string | null;
      intentId: string | null;
      token: string | null;
      redirectUrl: string | null;
    };
    now: Date;
  },
): Promise<{ recorded: boolean; payment: PaymentRow | undefined }> {
  const { remote } = r;
  const session = remote.kind === 'checkout_session';
  const detail = JSON.stringify(
    session
      ? {
          event: 'session_created',
          checkout_session_id: remote.id,
          session_status: remote.sessionStatus,
          ...(remote.intentId ? { payment_intent_id: remote.intentId } : {}),
        }
      : { event: 'intent_created', payment_intent_id: remote.id, intent_status: remote.status },
  );
  const column = sql.ref(session ? 'checkout_session_id' : 'payment_intent_id');
  const set = session
    ? sql`checkout_session_id = ${remote.id}, session_token = ${remote.token}, redirect_url = ${remote.redirectUrl},
        payment_intent_id = ${remote.intentId}`
    : sql`payment_intent_id = ${remote.id}, widget_token = ${remote.token}`;
  const result = await sql<PaymentRow>`
    WITH att AS (
      UPDATE payment_attempts SET ${column} = ${remote.id}, error = NULL WHERE id = ${r.attemptId}
    ), pay AS (
      UPDATE payments SET ${set}, intent_status = ${remote.status}, updated_at = ${r.now}::timestamptz
      WHERE id = ${r.paymentId} AND ${column} IS NULL AND attempt_id = ${r.attemptId}
        AND status IN (${sql.join(OPEN_STATUSES)})
      RETURNING *
    ), tl AS (
      INSERT INTO payment_timeline (payment_id, at, kind, cause, cause_id, detail)
      SELECT id, ${r.now}::timestamptz, 'note', 'api', ${remote.id}, ${detail}::jsonb FROM pay
    ), orphan AS (
      INSERT INTO jobs (kind, ref, run_at, created_at)
      SELECT 'expire_intent', ${remote.id}, ${r.now}::timestamptz, ${r.now}::timestamptz
      WHERE NOT EXISTS (SELECT 1 FROM pay)
        AND NOT EXISTS (SELECT 1 FROM payments WHERE id = ${r.paymentId} AND ${column} = ${remote.id})
      ON CONFLICT (kind, ref) DO NOTHING
    )
    SELECT * FROM pay`.execute(db);
  const taken = result.rows[0];
  return taken
    ? { recorded: true, payment: taken }
    : { recorded: false, payment: await findPayment(db, r.paymentId) };
}
