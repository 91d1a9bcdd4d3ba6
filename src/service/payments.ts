import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import type { Clock, PaymentIntent } from '../fintoc/index.js';
import type { ServiceConfig } from './config.js';
import * as repo from './db/repositories.js';
import type { AttemptRow, DB, PaymentRow, TimelineRow } from './db/schema.js';
import { ServiceError } from './errors.js';
import { describeFintocFailure, type FintocFailure, type FintocPort } from './fintoc-port.js';
import { serviceId } from './ids.js';
import { checkAmount } from './money.js';
import {
  eventForIntentStatus,
  isFinal,
  isIntentFinal,
  notificationFor,
  transition,
  type PaymentEvent,
  type PaymentStatus,
  type Transition,
} from './state.js';

/** Minimal logger shape (pino's and Fastify's fit). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** The payment as the API returns it (DESIGN.md §4.2). */
export interface ApiPayment {
  id: string;
  object: 'payment';
  order_id: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  payment_intent_id: string | null;
  checkout_url: string;
  expires_at: string;
  created_at: string;
  updated_at: string;
  failure_reason: string | null;
  paid_after_cancel: boolean;
  customer_email: string | null;
  metadata: Record<string, unknown>;
  refund_id: string | null;
}

export interface ApiTimelineEntry {
  at: string;
  kind: string;
  from_status: string | null;
  to_status: string | null;
  cause: string;
  cause_id: string | null;
  detail: Record<string, unknown> | null;
}

/** Why a payment changed: written on every timeline entry. */
export interface Cause {
  cause: 'api' | 'webhook' | 'browser' | 'job:abandon' | 'job:sync' | 'job:expire' | 'job:refund';
  causeId?: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Whether PostgreSQL can store a string as text or inside jsonb: no NUL character and no lone UTF-16
 * surrogate (JSON allows both; the database refuses them, which would be a 500 on a client's mistake).
 */
export function isStorableText(text: string): boolean {
  return (
    !text.includes('\u0000') &&
    !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text)
  );
}

const NOT_STORABLE = 'must not contain NUL characters or unpaired surrogates.';

const CreateBody = z.strictObject({
  amount: z.unknown().optional(),
  currency: z.unknown().optional(),
  order_id: z
    .string({ error: 'order_id must be a string.' })
    .min(1, 'order_id must not be empty.')
    .max(200, 'order_id is at most 200 characters.')
    .refine(isStorableText, `order_id ${NOT_STORABLE}`),
  customer_email: z.email({ error: 'customer_email must be an e-mail address.' }).max(254).nullish(),
  metadata: z
    .record(
      z
        .string()
        .max(40, 'metadata keys are at most 40 characters.')
        .refine(isStorableText, `metadata keys ${NOT_STORABLE}`),
      z
        .string({ error: 'metadata values must be strings.' })
        .max(500, 'metadata values are at most 500 characters.')
        .refine(isStorableText, `metadata values ${NOT_STORABLE}`),
    )
    .refine((m) => Object.keys(m).length <= 20, 'metadata has at most 20 keys.')
    .nullish(),
});

export interface CreatePaymentInput {
  amount: unknown;
  currency?: unknown;
  order_id: unknown;
  customer_email?: unknown;
  metadata?: unknown;
}

interface ValidInput {
  amount: number;
  currency: 'CLP' | 'MXN';
  order_id: string;
  customer_email: string | null;
  metadata: Record<string, string>;
}

/**
 * The idempotency key of the expire call for one intent: the same whoever asks (deadline, new
 * attempt, late creation, status sync), so Fintoc sees one expiry per intent however often it is asked.
 */
export function expireKey(intentId: string): string {
  return `pasarela_expire_${intentId}`;
}

/** Milliseconds between status syncs of one payment: 2 min doubling to 1 h. */
export function syncDelayMs(round: number, timeoutMs: number): number {
  const first = Math.min(120_000, Math.max(10_000, Math.floor(timeoutMs / 2)));
  return Math.min(3_600_000, first * 2 ** Math.max(0, round));
}

/**
 * Payments: create, read, and every status change (in one transaction, with its cause, its
 * timeline entry and its notification). Routes, the webhook applier and the jobs all go through
 * here; the decision itself is {@link transition}.
 */
export class PaymentsService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: ServiceConfig,
    private readonly fintoc: FintocPort,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Tells the job runner that work is due now (it also polls). */
    private readonly nudge: () => void = () => {},
  ) {}

  private now(): Date {
    return new Date(this.clock.now());
  }

  /** The checkout page of a payment. */
  checkoutUrl(id: string): string {
    return `${this.config.publicUrl}/pay/${id}`;
  }

  toApi(row: PaymentRow): ApiPayment {
    return {
      id: row.id,
      object: 'payment',
      order_id: row.order_id,
      amount: row.amount,
      currency: row.currency,
      status: row.status as PaymentStatus,
      payment_intent_id: row.payment_intent_id,
      checkout_url: this.checkoutUrl(row.id),
      expires_at: row.expires_at.toISOString(),
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
      failure_reason: row.failure_reason,
      paid_after_cancel: row.paid_after_cancel,
      customer_email: row.customer_email,
      metadata: row.metadata,
      refund_id: row.refund_id,
    };
  }

  static timelineToApi(rows: TimelineRow[]): ApiTimelineEntry[] {
    return rows.map((r) => ({
      at: r.at.toISOString(),
      kind: r.kind,
      from_status: r.from_status,
      to_status: r.to_status,
      cause: r.cause,
      cause_id: r.cause_id,
      detail: r.detail,
    }));
  }

  private validate(input: CreatePaymentInput): ValidInput {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new ServiceError('invalid_parameter', 'The body must be a JSON object.');
    }
    for (const name of ['amount', 'order_id'] as const) {
      if (input[name] === undefined || input[name] === null) {
        throw new ServiceError('missing_parameter', `${name} is required.`, name);
      }
    }
    const parsed = CreateBody.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.map(String).join('.') || undefined;
      const message =
        issue?.code === 'unrecognized_keys'
          ? `Unknown parameter ${issue.keys.join(', ')}; accepted: amount, currency, order_id, customer_email, metadata.`
          : (issue?.message ?? 'Invalid body.');
      throw new ServiceError(
        'invalid_parameter',
        message,
        issue?.code === 'unrecognized_keys' ? issue.keys[0] : param,
      );
    }
    const money = checkAmount(
      parsed.data.amount,
      parsed.data.currency ?? this.config.defaultCurrency,
      this.config.amountLimits,
    );
    if (!money.ok) throw new ServiceError(money.code, money.message, money.param);
    return {
      amount: money.amount,
      currency: money.currency,
      order_id: parsed.data.order_id,
      customer_email: parsed.data.customer_email ?? null,
      metadata: parsed.data.metadata ?? {},
    };
  }

  /**
   * Creates a payment and its Fintoc payment intent. With an `Idempotency-Key`, the same request
   * returns the same payment (completing it if Fintoc failed the first time).
   */
  async create(
    input: CreatePaymentInput,
    opts: { idempotencyKey?: string | null } = {},
  ): Promise<{ payment: PaymentRow; replayed: boolean }> {
    const key = opts.idempotencyKey ?? null;
    if (key !== null && !/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new ServiceError(
        'invalid_idempotency_key',
        'Idempotency-Key must be 1 to 255 printable ASCII characters.',
        'Idempotency-Key',
      );
    }
    const valid = this.validate(input);
    const hash = createHash('sha256').update(JSON.stringify(valid)).digest('hex');
    if (key !== null) {
      const existing = await repo.findPaymentByIdempotencyKey(this.db, key);
      if (existing) return { payment: await this.replay(existing, hash), replayed: true };
    }
    const now = this.now();
    const id = serviceId('pay');
    const attemptId = serviceId('att');
    const expiresAt = new Date(now.getTime() + this.config.paymentTimeoutMs);
    const payment: PaymentRow = {
      id,
      order_id: valid.order_id,
      amount: valid.amount,
      currency: valid.currency,
      status: 'pending',
      customer_email: valid.customer_email,
      metadata: valid.metadata,
      payment_intent_id: null,
      widget_token: null,
      intent_status: null,
      failure_reason: null,
      paid_after_cancel: false,
      refund_id: null,
      idempotency_key: key,
      request_hash: hash,
      expires_at: expiresAt,
      created_at: now,
      updated_at: now,
      finalized_at: null,
      expire_requested_at: null,
      attempt_id: attemptId,
    };
    const attempt = {
      id: attemptId,
      payment_id: id,
      idempotency_key: `pasarela_${attemptId}`,
      payment_intent_id: null,
      error: null,
      created_at: now,
    };
    try {
      await repo.createPaymentRecord(
        this.db,
        payment,
        attempt,
        { detail: { amount: valid.amount, currency: valid.currency, order_id: valid.order_id } },
        [
          { kind: 'abandon', runAt: expiresAt },
          { kind: 'sync', runAt: new Date(now.getTime() + syncDelayMs(0, this.config.paymentTimeoutMs)) },
        ],
      );
    } catch (err) {
      if (repo.isUniqueViolation(err, 'payments_idempotency_key_key') && key !== null) {
        const existing = await repo.findPaymentByIdempotencyKey(this.db, key);
        if (existing) return { payment: await this.replay(existing, hash), replayed: true };
      }
      if (repo.isUniqueViolation(err, 'payments_open_order')) {
        const open = await repo.findOpenPaymentForOrder(this.db, valid.order_id);
        if (
          open &&
          open.idempotency_key === null &&
          open.request_hash === hash &&
          open.status === 'pending' &&
          open.payment_intent_id === null
        ) {
          // The same request again, after Fintoc could not be reached for it: the retry completes it.
          return { payment: await this.completeCreation(open.id), replayed: true };
        }
        throw new ServiceError(
          'order_has_open_payment',
          `Order ${valid.order_id} already has an open payment${open ? ` (${open.id})` : ''}.`,
          'order_id',
          open ? { payment_id: open.id } : undefined,
        );
      }
      throw err;
    }
    return { payment: await this.completeCreation(id, { payment, attempt }), replayed: false };
  }

  private async replay(existing: PaymentRow, hash: string): Promise<PaymentRow> {
    if (existing.request_hash !== hash) {
      throw new ServiceError(
        'idempotency_key_reused',
        `This Idempotency-Key was used for a different request (payment ${existing.id}).`,
        'Idempotency-Key',
      );
    }
    if (existing.payment_intent_id === null && existing.status === 'pending') {
      return this.completeCreation(existing.id);
    }
    return existing;
  }

  /** What the service asks Fintoc to create for a payment: the same body for every call of one attempt. */
  private intentParams(payment: PaymentRow) {
    return {
      amount: payment.amount,
      currency: payment.currency,
      ...(payment.customer_email ? { customer_email: payment.customer_email } : {}),
      metadata: {
        ...(payment.metadata as Record<string, string>),
        pasarela_payment_id: payment.id,
        order_id: payment.order_id,
      },
    };
  }

  /** The attempt's create call: the same body and idempotency key however often it is made. */
  private createAtFintoc(payment: PaymentRow, attempt: AttemptRow): Promise<PaymentIntent> {
    return this.fintoc.paymentIntents.create(this.intentParams(payment), {
      idempotencyKey: attempt.idempotency_key,
    });
  }

  private recordIntent(paymentId: string, attempt: AttemptRow, intent: PaymentIntent) {
    return repo.recordIntent(this.db, {
      paymentId,
      attemptId: attempt.id,
      intentId: intent.id,
      widgetToken: intent.widget_token,
      intentStatus: intent.status,
      now: this.now(),
    });
  }

  private async currentAttempt(payment: PaymentRow): Promise<AttemptRow> {
    const attempt =
      (payment.attempt_id ? await repo.findAttempt(this.db, payment.attempt_id) : undefined) ??
      (await repo.latestAttempt(this.db, payment.id));
    if (!attempt) throw new Error(`payment ${payment.id} has no attempt`);
    return attempt;
  }

  /**
   * Creates the Fintoc intent of a payment that has none yet, with its attempt's idempotency key
   * (so a retry after a lost answer gets the same intent). Fintoc refusing the request fails the
   * payment; Fintoc unreachable leaves it pending for a retry with the same Idempotency-Key. A
   * payment the deadline is closing gets no new call: the deadline settles its attempt itself.
   */
  async completeCreation(
    id: string,
    known?: { payment: PaymentRow; attempt: AttemptRow },
  ): Promise<PaymentRow> {
    const payment = known?.payment ?? (await repo.findPayment(this.db, id));
    if (!payment) throw new ServiceError('payment_not_found', `No payment ${id}.`, 'id');
    if (
      payment.payment_intent_id !== null ||
      payment.status !== 'pending' ||
      payment.expire_requested_at !== null
    ) {
      return payment;
    }
    const attempt = known?.attempt ?? (await this.currentAttempt(payment));
    let intent: PaymentIntent;
    try {
      intent = await this.createAtFintoc(payment, attempt);
    } catch (err) {
      const failure = describeFintocFailure(err);
      await repo.updateAttempt(this.db, attempt.id, {
        error: `${failure.status ?? 'network'}: ${failure.message}`,
      });
      this.log.warn({ payment_id: id, status: failure.status, code: failure.code }, 'fintoc create failed');
      if (!failure.retryable) {
        await this.applyEvent(
          id,
          { type: 'creation_failed', reason: `fintoc_rejected: ${failure.code ?? failure.status}` },
          { cause: 'api', detail: { fintoc_status: failure.status, fintoc_code: failure.code } },
        );
        throw new ServiceError(
          'fintoc_rejected',
          `Fintoc refused the payment intent: ${failure.message}`,
          undefined,
          {
            payment_id: id,
            fintoc_code: failure.code,
          },
        );
      }
      throw new ServiceError(
        'fintoc_unavailable',
        'Fintoc could not be reached to create the payment intent; repeat the same request (with the same Idempotency-Key, if you sent one) to complete this payment.',
        undefined,
        { payment_id: id, retryable: true },
      );
    }
    const { recorded, payment: updated } = await this.recordIntent(id, attempt, intent);
    if (!updated) throw new ServiceError('payment_not_found', `No payment ${id}.`, 'id');
    if (!recorded && updated.payment_intent_id !== intent.id) {
      // The payment ended (or moved to another attempt) while Fintoc answered: the intent is expired at once.
      this.log.info({ payment_id: id, intent_id: intent.id }, 'intent created after its payment ended');
      this.nudge();
    }
    return updated;
  }

  /**
   * For the deadline: the intent of the payment's current attempt. When none is recorded, the
   * creation may still have reached Fintoc (an answer lost, a process killed while it waited), so
   * the attempt's create call is made again with its own idempotency key: Fintoc answers the intent
   * it made, or makes it now, and either way the deadline can expire it. A definitive refusal means
   * the attempt has no intent. Throws what the Fintoc client throws when Fintoc cannot be reached.
   */
  async resolveIntent(
    payment: PaymentRow,
  ): Promise<{ intentId: string; created: boolean } | { refused: FintocFailure }> {
    if (payment.payment_intent_id !== null) return { intentId: payment.payment_intent_id, created: false };
    const attempt = await this.currentAttempt(payment);
    let intent: PaymentIntent;
    try {
      intent = await this.createAtFintoc(payment, attempt);
    } catch (err) {
      const failure = describeFintocFailure(err);
      if (failure.retryable) throw err;
      return { refused: failure };
    }
    await this.recordIntent(payment.id, attempt, intent);
    return { intentId: intent.id, created: true };
  }

  async get(id: string): Promise<PaymentRow | undefined> {
    // An id the database cannot even compare (a NUL from a URL) names no payment.
    return isStorableText(id) ? repo.findPayment(this.db, id) : undefined;
  }

  async mustGet(id: string): Promise<PaymentRow> {
    const p = await this.get(id);
    if (!p) throw new ServiceError('payment_not_found', `No payment ${id}.`, 'id');
    return p;
  }

  async getByIntent(intentId: string): Promise<PaymentRow | undefined> {
    return repo.findPaymentByIntent(this.db, intentId);
  }

  /** Every payment of an order, newest first. */
  async listByOrder(orderId: string): Promise<PaymentRow[]> {
    return isStorableText(orderId) ? repo.listPaymentsByOrder(this.db, orderId) : [];
  }

  /** Newest first; for the dashboard. */
  async list(opts: { limit?: number; status?: PaymentStatus; before?: Date } = {}): Promise<PaymentRow[]> {
    return repo.listPayments(this.db, {
      limit: Math.min(opts.limit ?? 50, 500),
      ...(opts.status ? { status: opts.status } : {}),
      ...(opts.before ? { before: opts.before } : {}),
    });
  }

  async timeline(id: string): Promise<TimelineRow[]> {
    return repo.timeline(this.db, id);
  }

  async countByStatus(): Promise<Record<string, number>> {
    return repo.countPaymentsByStatus(this.db);
  }

  async notifications(id: string) {
    return repo.listNotifications(this.db, id);
  }

  /**
   * Records what the checkout page's widget reported. The browser never decides a payment: a
   * reported success only makes the service ask Fintoc now.
   */
  async recordBrowserEvent(
    id: string,
    event: { type: string; name?: string | null; data?: Record<string, unknown> | null },
  ): Promise<PaymentRow> {
    const now = this.now();
    const payment = await this.mustGet(id);
    await this.db.transaction().execute(async (trx) => {
      await repo.addTimeline(trx, {
        payment_id: id,
        at: now,
        kind: 'browser',
        cause: 'browser',
        cause_id: event.name ?? event.type,
        detail: {
          type: event.type,
          ...(event.name ? { name: event.name } : {}),
          ...(event.data ? { data: event.data } : {}),
        },
      });
      if (
        /success|succeeded|payment_created|payment_in_progress/i.test(`${event.type} ${event.name ?? ''}`)
      ) {
        if (payment.payment_intent_id && !isIntentFinal(payment.intent_status)) {
          await repo.scheduleJobSoon(trx, { kind: 'sync', ref: id, runAt: now, now });
        }
      }
    });
    this.nudge();
    return payment;
  }

  /**
   * A new Fintoc intent (so a new widget token) for a payment that is still open, e.g. after the
   * customer closed the widget. The current intent is expired first so two intents of one payment
   * can never both be paid; if Fintoc says the customer already paid or is paying, that wins. A
   * payment whose current attempt has no intent yet retries that attempt instead (one attempt at a
   * time may be unsettled at Fintoc), and a payment the deadline is closing gets none.
   */
  async newIntent(id: string): Promise<PaymentRow> {
    const payment = await this.mustGet(id);
    const closed = (p: PaymentRow) => isFinal(p.status as PaymentStatus) || p.expire_requested_at !== null;
    if (closed(payment)) {
      throw new ServiceError(
        'payment_not_open',
        `Payment ${id} is ${payment.expire_requested_at !== null && !isFinal(payment.status as PaymentStatus) ? 'being canceled (its deadline passed)' : payment.status}.`,
        'id',
      );
    }
    const current = payment.payment_intent_id;
    if (current === null) return this.completeCreation(id);
    let status: string;
    let reason: string | null;
    try {
      const expired = await this.fintoc.paymentIntents.expire(current, {
        idempotencyKey: expireKey(current),
      });
      status = expired.status;
      reason = expired.error_reason;
    } catch {
      try {
        const intent = await this.fintoc.paymentIntents.get(current);
        status = intent.status;
        reason = intent.error_reason;
      } catch {
        throw new ServiceError('fintoc_unavailable', 'Fintoc could not be reached; try again.', undefined, {
          payment_id: id,
          retryable: true,
        });
      }
    }
    if (status !== 'expired') {
      const event = eventForIntentStatus(status, reason);
      if (event)
        await this.applyEvent(id, event, { cause: 'api', causeId: current }, { intentStatus: status });
      return this.mustGet(id);
    }
    const now = this.now();
    const attemptId = serviceId('att');
    const started = await this.db.transaction().execute(async (trx) => {
      const locked = await repo.lockPayment(trx, id);
      // Decided on the row as it is now: still open, not closing, still the intent just expired.
      if (!locked || closed(locked) || locked.payment_intent_id !== current) return false;
      await repo.insertAttempt(trx, {
        id: attemptId,
        payment_id: id,
        idempotency_key: `pasarela_${attemptId}`,
        payment_intent_id: null,
        error: null,
        created_at: now,
      });
      await repo.updatePayment(trx, id, {
        attempt_id: attemptId,
        payment_intent_id: null,
        widget_token: null,
        intent_status: null,
        updated_at: now,
      });
      await repo.addTimeline(trx, {
        payment_id: id,
        at: now,
        kind: 'note',
        cause: 'browser',
        detail: { event: 'new_attempt', previous_intent: current },
      });
      return true;
    });
    if (!started) {
      const after = await this.mustGet(id);
      if (closed(after))
        throw new ServiceError('payment_not_open', `Payment ${id} is ${after.status}.`, 'id');
      return after;
    }
    return this.completeCreation(id);
  }

  /**
   * A new payment for the same order after a failed, expired or canceled one (the customer tries
   * again). The old payment stays as it is: final statuses never go back.
   */
  async newAttempt(id: string): Promise<PaymentRow> {
    const old = await this.mustGet(id);
    if (!['failed', 'expired', 'canceled'].includes(old.status)) {
      throw new ServiceError('payment_not_retryable', `Payment ${id} is ${old.status}.`, 'id');
    }
    const siblings = await repo.listPaymentsByOrder(this.db, old.order_id);
    const blocking = siblings.find((p) => p.status === 'succeeded' || !isFinal(p.status as PaymentStatus));
    if (blocking) {
      if (!isFinal(blocking.status as PaymentStatus)) return blocking;
      throw new ServiceError(
        'payment_not_retryable',
        `Order ${old.order_id} is already paid (${blocking.id}).`,
        'id',
      );
    }
    try {
      const { payment } = await this.create({
        amount: old.amount,
        currency: old.currency,
        order_id: old.order_id,
        customer_email: old.customer_email,
        metadata: old.metadata,
      });
      return payment;
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'order_has_open_payment') {
        const open = await repo.findOpenPaymentForOrder(this.db, old.order_id);
        if (open) return open;
      }
      throw err;
    }
  }

  /** Adds a note to a payment's timeline. */
  async note(id: string, cause: Cause['cause'], detail: Record<string, unknown>): Promise<void> {
    await repo.addTimeline(this.db, { payment_id: id, at: this.now(), kind: 'note', cause, detail });
  }

  /** Stores the refund of a late payment. */
  async recordRefund(id: string, refundId: string, status: string): Promise<void> {
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      await repo.updatePayment(trx, id, { refund_id: refundId, updated_at: now });
      await repo.addTimeline(trx, {
        payment_id: id,
        at: now,
        kind: 'note',
        cause: 'job:refund',
        cause_id: refundId,
        detail: { event: 'refund_created', refund_id: refundId, refund_status: status },
      });
    });
  }

  /**
   * Applies an event to a payment in one transaction: row lock, transition, timeline, and when the
   * payment reaches a final status its notification (and a refund for a late payment under
   * `LATE_PAYMENT_POLICY=refund`). `inTx` lets the caller add its own writes to the same transaction.
   */
  async applyEvent(
    paymentId: string,
    event: PaymentEvent,
    cause: Cause,
    opts: {
      intentStatus?: string | null;
      inTx?: (trx: Transaction<DB>, t: Transition) => Promise<void>;
    } = {},
  ): Promise<Transition | null> {
    const result = await this.db.transaction().execute(async (trx) => {
      const row = await repo.lockPayment(trx, paymentId);
      if (!row) return null;
      const t = await this.applyLocked(trx, row, event, cause, opts.intentStatus ?? null);
      if (opts.inTx) await opts.inTx(trx, t);
      return t;
    });
    if (result?.changed) this.nudge();
    return result;
  }

  /**
   * Applies many events in one transaction (the abandonment job's batches): rows locked in id order,
   * the timeline written in one statement. Same rules as {@link applyEvent}. An item with `expect`
   * is a compare-and-set: it applies only while the payment's intent is still the one its decision
   * was made on; otherwise it is left out and answered `null` (decide again).
   */
  async applyEvents(
    items: ReadonlyArray<{
      paymentId: string;
      event: PaymentEvent;
      cause: Cause;
      intentStatus?: string | null;
      expect?: { intentId: string | null };
    }>,
  ): Promise<Map<string, Transition | null>> {
    const results = new Map<string, Transition | null>();
    if (items.length === 0) return results;
    await this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('payments')
        .selectAll()
        .where(
          'id',
          'in',
          items.map((i) => i.paymentId),
        )
        .orderBy('id')
        .forUpdate()
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const sinks = { timeline: [] as repo.NewTimelineEntry[], updates: [] as PaymentRow[] };
      for (const item of items) {
        const row = byId.get(item.paymentId);
        if (!row) continue;
        if (item.expect && row.payment_intent_id !== item.expect.intentId) {
          results.set(item.paymentId, null);
          continue;
        }
        const t = await this.applyLocked(trx, row, item.event, item.cause, item.intentStatus ?? null, sinks);
        // A second event for the same payment in this batch sees the first one's result.
        byId.set(row.id, sinks.updates[sinks.updates.length - 1]!);
        results.set(item.paymentId, t);
      }
      await repo.updatePaymentStates(trx, sinks.updates);
      await repo.addTimelineMany(trx, sinks.timeline);
    });
    if ([...results.values()].some((t) => t?.changed)) this.nudge();
    return results;
  }

  /**
   * The deadline's read: marks these payments as closing (from now on no new attempt starts and a
   * late intent is expired) for those still open, and returns them as they are at that moment.
   */
  async markClosing(ids: readonly string[]): Promise<PaymentRow[]> {
    if (ids.length === 0) return [];
    return this.db
      .updateTable('payments')
      .set((eb) => ({ expire_requested_at: eb.fn.coalesce('expire_requested_at', eb.val(this.now())) }))
      .where('id', 'in', ids)
      .where('status', 'in', ['pending', 'processing'])
      .returningAll()
      .execute();
  }

  private async applyLocked(
    trx: Transaction<DB>,
    row: PaymentRow,
    event: PaymentEvent,
    cause: Cause,
    intentStatus: string | null,
    sinks?: { timeline: repo.NewTimelineEntry[]; updates: PaymentRow[] },
  ): Promise<Transition> {
    const now = this.now();
    // An expiry this service asked for (at the deadline) is its own cancellation, whichever
    // arrives first: the expire answer or Fintoc's payment_intent.expired webhook.
    const effective: PaymentEvent =
      event.type === 'intent_expired' && row.expire_requested_at !== null ? { type: 'timeout' } : event;
    const t = transition(row.status as PaymentStatus, effective);
    const changes: Partial<PaymentRow> = { updated_at: now };
    if (intentStatus !== null && (!isIntentFinal(row.intent_status) || isIntentFinal(intentStatus))) {
      changes.intent_status = intentStatus;
    }
    if (t.changed) {
      changes.status = t.to;
      changes.failure_reason = t.to === 'succeeded' ? null : t.failureReason;
      if (t.paidAfterCancel) changes.paid_after_cancel = true;
      if (isFinal(t.to)) changes.finalized_at = now;
    }
    if (sinks) sinks.updates.push({ ...row, ...changes } as PaymentRow);
    else await repo.updatePayment(trx, row.id, changes);
    const entry: repo.NewTimelineEntry = {
      payment_id: row.id,
      at: now,
      kind: t.changed ? 'status' : 'ignored',
      from_status: t.from,
      to_status: t.to,
      cause: cause.cause,
      cause_id: cause.causeId ?? null,
      detail: {
        event: effective.type,
        ...(intentStatus ? { intent_status: intentStatus } : {}),
        ...(t.changed ? {} : { why: t.why }),
        ...(t.changed && t.paidAfterCancel ? { paid_after_cancel: true } : {}),
        ...(cause.detail ?? {}),
      },
    };
    if (sinks) sinks.timeline.push(entry);
    else await repo.addTimeline(trx, entry);
    if (t.changed) {
      const after: PaymentRow = { ...row, ...changes } as PaymentRow;
      const type = notificationFor(t.to);
      if (type && this.config.merchantWebhook) {
        const msgId = serviceId('msg');
        const payload = JSON.stringify({ type, timestamp: now.toISOString(), data: this.toApi(after) });
        await repo.insertNotification(trx, {
          id: msgId,
          payment_id: row.id,
          type,
          payload,
          created_at: now,
          delivered_at: null,
          attempts: 0,
          last_status: null,
          last_error: null,
        });
        await repo.scheduleJob(trx, { kind: 'notify', ref: msgId, runAt: now, now });
      }
      if (t.paidAfterCancel && this.config.latePaymentPolicy === 'refund') {
        await repo.scheduleJob(trx, { kind: 'refund', ref: row.id, runAt: now, now });
      }
      this.log.info(
        { payment_id: row.id, from: t.from, to: t.to, cause: cause.cause },
        'payment status changed',
      );
    }
    return t;
  }
}
