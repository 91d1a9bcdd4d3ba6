/**
 * Creating payments, idempotently: the payment and its first attempt are stored before Fintoc is
 * called, each attempt carries its own idempotency key (reused on every retry of that attempt,
 * never shared), the shop's `Idempotency-Key` replays the same payment, and a creation Fintoc could
 * not answer is completed by the same request sent again. New intents (the customer tries again in
 * the widget) and new payments for an order (after one ended without money) are here too.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../fintoc/index.js';
import type { Checkpoint } from '../checkpoint.js';
import type { ServiceConfig } from '../config.js';
import * as repo from '../db/repositories/index.js';
import type { AttemptRow, DB, PaymentRow } from '../db/schema.js';
import { ServiceError } from '../errors.js';
import { describeFintocFailure, type FintocFailure, type FintocPort } from '../fintoc-port.js';
import { serviceId } from '../ids.js';
import type { CreatePaymentBody } from '../routes/api/schemas.js';
import {
  acceptsNewIntent,
  awaitsIntent,
  eventForIntentStatus,
  isFinal,
  retryDecision,
  type PaymentStatus,
} from '../state.js';
import type { Logger, PaymentEvents } from './events.js';
import { isStorableText } from '../text.js';
import { remoteIdOf, Remotes, type CreateRequest, type Remote } from './remote.js';
import { requestHash, validatePayment } from './validate.js';

/** Milliseconds between status syncs of one payment: 2 min doubling to 1 h. */
export function syncDelayMs(round: number, timeoutMs: number): number {
  const first = Math.min(120_000, Math.max(10_000, Math.floor(timeoutMs / 2)));
  return Math.min(3_600_000, first * 2 ** Math.max(0, round));
}

const closing = (p: PaymentRow) => p.expire_requested_at !== null;

/** A payment's attempt before Fintoc is asked: its idempotency key towards Fintoc is fixed here. */
function newAttempt(id: string, paymentId: string, now: Date): AttemptRow {
  return {
    id,
    payment_id: paymentId,
    idempotency_key: `pasarela_${id}`,
    payment_intent_id: null,
    checkout_session_id: null,
    error: null,
    created_at: now,
  };
}

export class PaymentCreation {
  private readonly remotes: Remotes;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: ServiceConfig,
    private readonly fintoc: FintocPort,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly events: PaymentEvents,
    private readonly nudge: () => void,
    private readonly checkpoint: Checkpoint = async () => {},
  ) {
    this.remotes = new Remotes(fintoc, config.publicUrl);
  }

  private now(): Date {
    return new Date(this.clock.now());
  }

  private async mustGet(id: string): Promise<PaymentRow> {
    // An id the database cannot even compare (a NUL from a URL) names no payment.
    const p = isStorableText(id) ? await repo.findPayment(this.db, id) : undefined;
    if (!p) throw new ServiceError('payment_not_found', `No payment ${id.slice(0, 100)}.`, 'id');
    return p;
  }

  /**
   * Creates a payment and its Fintoc payment intent. With an `Idempotency-Key`, the same request
   * returns the same payment (completing it if Fintoc failed the first time).
   */
  async create(
    body: CreatePaymentBody,
    opts: { idempotencyKey?: string | null } = {},
  ): Promise<{ payment: PaymentRow; replayed: boolean }> {
    const key = opts.idempotencyKey ?? null;
    const valid = validatePayment(body, this.config);
    const hash = requestHash(valid);
    if (key !== null) {
      const existing = await repo.findPaymentByIdempotencyKey(this.db, key);
      if (existing) return { payment: await this.replay(existing, hash), replayed: true };
    }
    // An order is paid once, unless the shop says it sells again under the same order id.
    const oncePaid = body.allow_repeat_payment !== true;
    if (oncePaid) await this.refuseIfPaid(this.db, valid.order_id);
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
      flow: valid.flow ?? this.config.flow,
      checkout_session_id: null,
      session_token: null,
      redirect_url: null,
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
    const attempt = newAttempt(attemptId, id, now);
    const store = async (db: Kysely<DB>) => {
      await repo.createPaymentRecord(
        db,
        payment,
        attempt,
        {
          detail: {
            amount: valid.amount,
            currency: valid.currency,
            order_id: valid.order_id,
            flow: payment.flow,
          },
        },
        [
          { kind: 'abandon', runAt: expiresAt },
          { kind: 'sync', runAt: new Date(now.getTime() + syncDelayMs(0, this.config.paymentTimeoutMs)) },
        ],
      );
      // The check above answers a paid order without writing anything, but a payment of the order
      // may succeed between it and the insert (a webhook, the status sync, on any instance). So it is
      // made again after the insert, in the insert's transaction, and a paid order rolls the insert
      // back. No lock is needed: a payment of the order that is still open blocks the insert (the
      // unique index payments_open_order), and if a transaction is turning it succeeded right then,
      // the insert waits for that transaction to end. So the success of an open payment either fails
      // the insert (409 order_has_open_payment) or commits before the insert ends, and the check after
      // the insert sees it (READ COMMITTED reads each statement afresh). A success committed after that
      // check is of a payment that was already canceled or expired when the insert went in: a late
      // payment (LATE_PAYMENT_POLICY), as it would be a minute later. On the embedded database a
      // transaction has the one connection to itself.
      if (oncePaid) await this.refuseIfPaid(db, valid.order_id);
    };
    await this.checkpoint('create:checked', [id]);
    try {
      if (oncePaid) await this.db.transaction().execute(store);
      else await store(this.db);
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
          awaitsIntent({
            status: open.status,
            closing: closing(open),
            hasIntent: remoteIdOf(open) !== null,
          })
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

  /** `409 order_already_paid` when the order has a succeeded payment. */
  private async refuseIfPaid(db: Kysely<DB>, orderId: string): Promise<void> {
    const paid = await repo.findSucceededPaymentForOrder(db, orderId);
    if (paid) {
      throw new ServiceError(
        'order_already_paid',
        `Order ${orderId} is already paid (${paid.id}); send allow_repeat_payment: true to charge it again.`,
        'order_id',
        { payment_id: paid.id },
      );
    }
  }

  private async replay(existing: PaymentRow, hash: string): Promise<PaymentRow> {
    if (existing.request_hash !== hash) {
      throw new ServiceError(
        'idempotency_key_reused',
        `This Idempotency-Key was used for a different request (payment ${existing.id}).`,
        'Idempotency-Key',
      );
    }
    if (remoteIdOf(existing) === null && existing.status === 'pending') {
      return this.completeCreation(existing.id);
    }
    return existing;
  }

  /** What the service asks Fintoc to create for a payment: the same body for every call of one attempt. */
  private intentParams(payment: PaymentRow): CreateRequest {
    return {
      amount: payment.amount,
      currency: payment.currency,
      ...(payment.customer_email ? { customer_email: payment.customer_email } : {}),
      metadata: { ...payment.metadata, pasarela_payment_id: payment.id, order_id: payment.order_id },
    };
  }

  /**
   * The attempt's create call (a payment intent, or a Checkout Session for the session flows): its own
   * idempotency key, so a repeat gets the object Fintoc made for it.
   */
  private createIntent(payment: PaymentRow, attempt: AttemptRow): Promise<Remote> {
    return this.remotes.create(payment.flow, payment.id, this.intentParams(payment), attempt.idempotency_key);
  }

  /** Stores what Fintoc made for an attempt (the payment takes it only while it may: see recordRemote). */
  private recordIntent(payment: PaymentRow, attempt: AttemptRow, remote: Remote) {
    return repo.recordRemote(this.db, {
      paymentId: payment.id,
      attemptId: attempt.id,
      remote,
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
    const payment = known?.payment ?? (await this.mustGet(id));
    if (
      !awaitsIntent({
        status: payment.status,
        closing: closing(payment),
        hasIntent: remoteIdOf(payment) !== null,
      })
    ) {
      return payment;
    }
    const attempt = known?.attempt ?? (await this.currentAttempt(payment));
    let intent: Remote;
    try {
      intent = await this.createIntent(payment, attempt);
    } catch (err) {
      const failure = describeFintocFailure(err);
      await repo.updateAttempt(this.db, attempt.id, {
        error: `${failure.status ?? 'network'}: ${failure.message}`,
      });
      this.log.warn({ payment_id: id, status: failure.status, code: failure.code }, 'fintoc create failed');
      if (!failure.retryable) {
        await this.events.applyEvent(
          id,
          { type: 'creation_failed', reason: `fintoc_rejected: ${failure.code ?? failure.status}` },
          { cause: 'api', detail: { fintoc_status: failure.status, fintoc_code: failure.code } },
        );
        throw new ServiceError(
          'fintoc_rejected',
          `Fintoc refused the ${payment.flow === 'intent' ? 'payment intent' : 'checkout session'}: ${failure.message}`,
          undefined,
          { payment_id: id, fintoc_code: failure.code },
        );
      }
      throw new ServiceError(
        'fintoc_unavailable',
        `Fintoc could not be reached to create the ${payment.flow === 'intent' ? 'payment intent' : 'checkout session'}; repeat the same request (with the same Idempotency-Key, if you sent one) to complete this payment.`,
        undefined,
        { payment_id: id, retryable: true },
      );
    }
    const { recorded, payment: updated } = await this.recordIntent(payment, attempt, intent);
    if (!updated) throw new ServiceError('payment_not_found', `No payment ${id}.`, 'id');
    if (!recorded && remoteIdOf(updated) !== intent.id) {
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
    const current = remoteIdOf(payment);
    if (current !== null) return { intentId: current, created: false };
    const attempt = await this.currentAttempt(payment);
    let intent: Remote;
    try {
      intent = await this.createIntent(payment, attempt);
    } catch (err) {
      const failure = describeFintocFailure(err);
      if (failure.retryable) throw err;
      return { refused: failure };
    }
    await this.recordIntent(payment, attempt, intent);
    return { intentId: intent.id, created: true };
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
    const open = (p: PaymentRow) => acceptsNewIntent({ status: p.status, closing: closing(p) });
    if (!open(payment)) {
      throw new ServiceError(
        'payment_not_open',
        `Payment ${id} is ${closing(payment) && !isFinal(payment.status) ? 'being canceled (its deadline passed)' : payment.status}.`,
        'id',
      );
    }
    const current = remoteIdOf(payment);
    if (current === null) return this.completeCreation(id);
    let remote: Remote;
    try {
      ({ remote } = await this.remotes.expireOrRead(payment.flow, current));
    } catch {
      throw new ServiceError('fintoc_unavailable', 'Fintoc could not be reached; try again.', undefined, {
        payment_id: id,
        retryable: true,
      });
    }
    if (remote.status !== 'expired') {
      // The customer paid or is paying (a session already started cannot be expired): that wins.
      const event = remote.status === null ? null : eventForIntentStatus(remote.status, remote.errorReason);
      if (event)
        await this.events.applyEvent(
          id,
          event,
          { cause: 'api', causeId: current },
          { intentStatus: remote.status, remote },
        );
      return this.mustGet(id);
    }
    const now = this.now();
    const attemptId = serviceId('att');
    const started = await this.db.transaction().execute(async (trx) => {
      const locked = await repo.lockPayment(trx, id);
      // Decided on the row as it is now: still open, not closing, still the intent just expired.
      if (!locked || !open(locked) || remoteIdOf(locked) !== current) return false;
      await repo.insertAttempt(trx, newAttempt(attemptId, id, now));
      await repo.updatePayment(trx, id, {
        attempt_id: attemptId,
        payment_intent_id: null,
        widget_token: null,
        checkout_session_id: null,
        session_token: null,
        redirect_url: null,
        intent_status: null,
        updated_at: now,
      });
      await repo.addTimeline(trx, {
        payment_id: id,
        at: now,
        kind: 'note',
        cause: 'browser',
        detail: {
          event: 'new_attempt',
          [payment.flow === 'intent' ? 'previous_intent' : 'previous_session']: current,
        },
      });
      return true;
    });
    if (!started) {
      const after = await this.mustGet(id);
      if (!open(after)) throw new ServiceError('payment_not_open', `Payment ${id} is ${after.status}.`, 'id');
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
    const order = await repo.listPaymentsByOrder(this.db, old.order_id);
    const decision = retryDecision(old, order);
    switch (decision.kind) {
      case 'refuse':
        throw new ServiceError(
          'payment_not_retryable',
          decision.why === 'order_paid'
            ? `Order ${old.order_id} is already paid (${decision.paymentId}).`
            : `Payment ${id} is ${old.status satisfies PaymentStatus}.`,
          'id',
        );
      case 'use_open':
        return this.mustGet(decision.paymentId);
      case 'create':
        break;
    }
    try {
      const { payment } = await this.create({
        amount: old.amount,
        currency: old.currency,
        order_id: old.order_id,
        customer_email: old.customer_email,
        metadata: old.metadata,
        flow: old.flow,
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
}
