/**
 * Every change of a payment's state: an event applied in one transaction (row lock, the transition
 * the state module decides, the timeline entry, and on reaching a final status its notification and,
 * for a late payment under `LATE_PAYMENT_POLICY=refund`, its refund), notes, refunds, browser events.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../fintoc/index.js';
import type { ServiceConfig } from '../config.js';
import * as repo from '../db/repositories/index.js';
import type { DB, PaymentRow } from '../db/schema.js';
import { serviceId } from '../ids.js';
import {
  browserEventAsksSync,
  effectiveEvent,
  isFinal,
  nextIntentStatus,
  notificationFor,
  OPEN_STATUSES,
  transition,
  type PaymentEvent,
  type Transition,
} from '../state.js';
import { remoteIdOf, type Remote } from './remote.js';
import { paymentToApi } from './serialize.js';

/** Minimal logger shape (pino's and Fastify's fit). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Why a payment changed: written on every timeline entry. */
export interface Cause {
  cause: 'api' | 'webhook' | 'browser' | 'job:abandon' | 'job:sync' | 'job:expire' | 'job:refund';
  causeId?: string | null;
  detail?: Record<string, unknown>;
}

/** One event of a batch ({@link PaymentEvents.applyEvents}). */
export interface BatchItem {
  paymentId: string;
  event: PaymentEvent;
  cause: Cause;
  intentStatus?: string | null;
  /** What Fintoc showed (a session names its payment intent, which the payment then records). */
  remote?: Remote | null;
  /** Compare-and-set: apply only while the payment's intent (or Checkout Session) is still this one. */
  expect?: { remoteId: string | null };
}

export class PaymentEvents {
  private readonly toApi: ReturnType<typeof paymentToApi>;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: ServiceConfig,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Tells the job runner that work is due now (it also polls). */
    private readonly nudge: () => void,
  ) {
    this.toApi = paymentToApi(config.publicUrl);
  }

  private now(): Date {
    return new Date(this.clock.now());
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
      /** What Fintoc showed (a session names its payment intent, which the payment then records). */
      remote?: Remote | null;
      inTx?: (trx: Transaction<DB>, t: Transition) => Promise<void>;
    } = {},
  ): Promise<Transition | null> {
    const result = await this.db.transaction().execute(async (trx) => {
      let row = await repo.lockPayment(trx, paymentId);
      if (!row) return null;
      row = await this.learnSessionIntent(trx, row, opts.remote ?? null);
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
  async applyEvents(items: readonly BatchItem[]): Promise<Map<string, Transition | null>> {
    const results = new Map<string, Transition | null>();
    if (items.length === 0) return results;
    await this.db.transaction().execute(async (trx) => {
      const rows = await repo.lockPayments(
        trx,
        items.map((i) => i.paymentId),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      const sinks = { timeline: [] as repo.NewTimelineEntry[], updates: [] as PaymentRow[] };
      for (const item of items) {
        const row = byId.get(item.paymentId);
        if (!row) continue;
        if (item.expect && remoteIdOf(row) !== item.expect.remoteId) {
          results.set(item.paymentId, null);
          continue;
        }
        const known = await this.learnSessionIntent(trx, row, item.remote ?? null);
        const t = await this.applyLocked(
          trx,
          known,
          item.event,
          item.cause,
          item.intentStatus ?? null,
          sinks,
        );
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
      .where('status', 'in', OPEN_STATUSES)
      .returningAll()
      .execute();
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
   * Records what the checkout page's widget reported. The browser never decides a payment: a
   * reported success only makes the service ask Fintoc now.
   */
  async recordBrowserEvent(
    payment: PaymentRow,
    event: { type: string; name?: string | null; data?: Record<string, unknown> | null },
  ): Promise<void> {
    const now = this.now();
    await this.db.transaction().execute(async (trx) => {
      await repo.addTimeline(trx, {
        payment_id: payment.id,
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
      const facts = { hasIntent: remoteIdOf(payment) !== null, intentStatus: payment.intent_status };
      if (browserEventAsksSync(event, facts)) {
        await repo.scheduleJobSoon(trx, { kind: 'sync', ref: payment.id, runAt: now, now });
      }
    });
    this.nudge();
  }

  /**
   * A Checkout Session names its payment intent once the customer opens it: the payment (when the
   * session is its current one) and the attempt that made the session record it, so the intent's own
   * `payment_intent.*` events and refunds find it.
   */
  private async learnSessionIntent(
    trx: Transaction<DB>,
    row: PaymentRow,
    remote: Remote | null,
  ): Promise<PaymentRow> {
    if (remote?.kind !== 'checkout_session' || remote.intentId === null) return row;
    await repo.recordSessionIntent(trx, remote.id, remote.intentId);
    return row.checkout_session_id === remote.id && row.payment_intent_id === null
      ? { ...row, payment_intent_id: remote.intentId }
      : row;
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
    const effective = effectiveEvent(event, { closing: row.expire_requested_at !== null });
    const t = transition(row.status, effective);
    const changes: Partial<PaymentRow> = {
      updated_at: now,
      intent_status: nextIntentStatus(row.intent_status, intentStatus),
    };
    if (t.changed) {
      changes.status = t.to;
      changes.failure_reason = t.to === 'succeeded' ? null : t.failureReason;
      if (t.paidAfterCancel) changes.paid_after_cancel = true;
      if (isFinal(t.to)) changes.finalized_at = now;
    }
    const after: PaymentRow = { ...row, ...changes };
    if (sinks) sinks.updates.push(after);
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
      const type = notificationFor(t.to);
      if (type && this.config.merchantWebhook) {
        const msgId = serviceId('msg');
        const payload = JSON.stringify({ type, timestamp: now.toISOString(), data: this.toApi(after) });
        await repo.queueNotification(trx, { id: msgId, payment_id: row.id, type, payload }, now);
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
