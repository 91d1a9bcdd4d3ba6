import { sql, type Kysely, type Transaction } from 'kysely';
import type {
  AttemptRow,
  DB,
  InboxRow,
  MerchantEndpointRow,
  NewPayment,
  NotificationRow,
  PaymentRow,
  TimelineRow,
} from './schema.js';

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

// ---------------------------------------------------------------- payments

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
    .where('status', 'in', ['pending', 'processing'])
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
  opts: { limit: number; status?: string; before?: Date },
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
        AND status IN ('pending', 'processing')
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

// ---------------------------------------------------------------- attempts

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
  changes: { payment_intent_id?: string | null; error?: string | null },
): Promise<void> {
  await db.updateTable('payment_attempts').set(changes).where('id', '=', id).execute();
}

// ---------------------------------------------------------------- timeline

export interface NewTimelineEntry {
  payment_id: string;
  at: Date;
  kind: 'created' | 'status' | 'ignored' | 'browser' | 'note';
  from_status?: string | null;
  to_status?: string | null;
  cause: string;
  cause_id?: string | null;
  detail?: Record<string, unknown> | null;
}

export async function addTimeline(db: Executor, entry: NewTimelineEntry): Promise<void> {
  await addTimelineMany(db, [entry]);
}

export async function addTimelineMany(db: Executor, entries: readonly NewTimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('payment_timeline')
    .values(
      entries.map((entry) => ({
        payment_id: entry.payment_id,
        at: entry.at,
        kind: entry.kind,
        from_status: entry.from_status ?? null,
        to_status: entry.to_status ?? null,
        cause: entry.cause,
        cause_id: entry.cause_id ?? null,
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
      })),
    )
    .execute();
}

/** Removes finished jobs this worker still holds, in one statement. */
export async function finishJobs(db: Executor, ids: readonly number[], worker: string): Promise<void> {
  if (ids.length === 0) return;
  await db.deleteFrom('jobs').where('id', 'in', ids).where('locked_by', '=', worker).execute();
}

export async function timeline(db: Executor, paymentId: string): Promise<TimelineRow[]> {
  return db
    .selectFrom('payment_timeline')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .orderBy('id', 'asc')
    .execute();
}

// ---------------------------------------------------------------- webhook inbox

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

// ---------------------------------------------------------------- jobs

export type JobKind = 'apply_event' | 'abandon' | 'sync' | 'notify' | 'refund' | 'expire_intent';

export interface ClaimedJob {
  id: number;
  kind: JobKind;
  ref: string;
  attempts: number;
  run_at: Date;
}

/** Queues a job once per (kind, ref); a second call keeps the first. */
export async function scheduleJob(
  db: Executor,
  job: { kind: JobKind; ref: string; runAt: Date; now: Date },
): Promise<void> {
  await db
    .insertInto('jobs')
    .values({ kind: job.kind, ref: job.ref, run_at: job.runAt, created_at: job.now })
    .onConflict((oc) => oc.columns(['kind', 'ref']).doNothing())
    .execute();
}

/** Queues a job or, when it exists, moves it to run no later than `runAt`. */
export async function scheduleJobSoon(
  db: Executor,
  job: { kind: JobKind; ref: string; runAt: Date; now: Date },
): Promise<void> {
  await db
    .insertInto('jobs')
    .values({ kind: job.kind, ref: job.ref, run_at: job.runAt, created_at: job.now })
    .onConflict((oc) =>
      oc.columns(['kind', 'ref']).doUpdateSet({ run_at: sql`LEAST(jobs.run_at, excluded.run_at)` }),
    )
    .execute();
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

// ---------------------------------------------------------------- notifications

export async function insertNotification(db: Executor, row: NotificationRow): Promise<void> {
  await db.insertInto('notifications').values(row).execute();
}

export async function findNotification(db: Executor, id: string): Promise<NotificationRow | undefined> {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listNotifications(db: Executor, paymentId: string): Promise<NotificationRow[]> {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .orderBy('created_at', 'asc')
    .execute();
}

export async function updateNotification(
  db: Executor,
  id: string,
  changes: Partial<Pick<NotificationRow, 'delivered_at' | 'attempts' | 'last_status' | 'last_error'>>,
): Promise<void> {
  await db.updateTable('notifications').set(changes).where('id', '=', id).execute();
}

// ---------------------------------------------------------------- the shop's endpoint

export async function findMerchantEndpoint(
  db: Executor,
  urlHash: string,
): Promise<MerchantEndpointRow | undefined> {
  return db.selectFrom('merchant_endpoints').selectAll().where('url_hash', '=', urlHash).executeTakeFirst();
}

/** Marks the endpoint disabled (once: the first reason stays). */
export async function disableMerchantEndpoint(
  db: Executor,
  urlHash: string,
  at: Date,
  reason: string,
): Promise<void> {
  await db
    .insertInto('merchant_endpoints')
    .values({ url_hash: urlHash, disabled_at: at, disabled_reason: reason })
    .onConflict((oc) =>
      oc
        .column('url_hash')
        .doUpdateSet({ disabled_at: at, disabled_reason: reason })
        .where('merchant_endpoints.disabled_at', 'is', null),
    )
    .execute();
}

/**
 * Enables the endpoint again and queues every notification still undelivered and created since
 * `since`, in one transaction. Returns how many were queued.
 */
export async function enableMerchantEndpoint(
  db: Kysely<DB>,
  urlHash: string,
  now: Date,
  since: Date,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('merchant_endpoints').where('url_hash', '=', urlHash).execute();
    const waiting = await trx
      .selectFrom('notifications')
      .select('id')
      .where('delivered_at', 'is', null)
      .where('created_at', '>=', since)
      .execute();
    if (waiting.length === 0) return 0;
    await trx
      .insertInto('jobs')
      .values(waiting.map((n) => ({ kind: 'notify', ref: n.id, run_at: now, created_at: now })))
      .onConflict((oc) => oc.columns(['kind', 'ref']).doUpdateSet({ run_at: now }))
      .execute();
    return waiting.length;
  });
}
