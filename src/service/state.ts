/**
 * The payment state machine: a pure transition table. It imports nothing; the database layer
 * applies its answer in a transaction.
 *
 * - `pending`: waiting for the customer (Fintoc `created`).
 * - `processing`: the bank or Fintoc has not decided (Fintoc `in_progress` / `pending`).
 * - `succeeded`, `failed` (Fintoc `failed` or `rejected`), `expired` (Fintoc expired it),
 *   `canceled` (this service gave up after `PAYMENT_TIMEOUT`): final.
 *
 * Final statuses never go back, with one exception: money moved is truth, so a success after
 * `canceled` or `expired` makes the payment `succeeded` with `paidAfterCancel`.
 */
export const PAYMENT_STATUSES = [
  'pending',
  'processing',
  'succeeded',
  'failed',
  'expired',
  'canceled',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** The statuses of a payment that can still change on their own (the SQL of the repositories uses this list). */
export const OPEN_STATUSES = ['pending', 'processing'] as const satisfies readonly PaymentStatus[];
export type OpenStatus = (typeof OPEN_STATUSES)[number];
export const FINAL_STATUSES = [
  'succeeded',
  'failed',
  'expired',
  'canceled',
] as const satisfies readonly PaymentStatus[];
export type FinalStatus = (typeof FINAL_STATUSES)[number];

export function isFinal(status: PaymentStatus): status is FinalStatus {
  return (FINAL_STATUSES as readonly PaymentStatus[]).includes(status);
}

export function isOpen(status: PaymentStatus): status is OpenStatus {
  return !isFinal(status);
}

/** Whether a string read from outside (a query, a form) names a payment status. */
export function isPaymentStatus(value: unknown): value is PaymentStatus {
  return typeof value === 'string' && (PAYMENT_STATUSES as readonly string[]).includes(value);
}

/** What can happen to a payment. */
export type PaymentEvent =
  | { type: 'intent_created' }
  | { type: 'intent_processing' }
  | { type: 'intent_succeeded' }
  | { type: 'intent_failed'; reason: string | null }
  | { type: 'intent_expired'; reason: string | null }
  /** The abandonment deadline passed and Fintoc did not report a decision. */
  | { type: 'timeout' }
  /** Fintoc refused to create the intent (a definitive 4xx): the payment cannot proceed. */
  | { type: 'creation_failed'; reason: string };

export type PaymentEventType = PaymentEvent['type'];
export const PAYMENT_EVENT_TYPES: readonly PaymentEventType[] = [
  'intent_created',
  'intent_processing',
  'intent_succeeded',
  'intent_failed',
  'intent_expired',
  'timeout',
  'creation_failed',
];

export type Transition =
  | {
      changed: true;
      from: PaymentStatus;
      to: PaymentStatus;
      failureReason: string | null;
      paidAfterCancel: boolean;
    }
  | {
      changed: false;
      from: PaymentStatus;
      to: PaymentStatus;
      /** `same`: already there; `backwards`: an older state arrived late; `final`: nothing moves a final payment. */
      why: 'same' | 'backwards' | 'final';
    };

const stay = (from: PaymentStatus, why: 'same' | 'backwards' | 'final'): Transition => ({
  changed: false,
  from,
  to: from,
  why,
});

const move = (
  from: PaymentStatus,
  to: PaymentStatus,
  failureReason: string | null = null,
  paidAfterCancel = false,
): Transition => ({ changed: true, from, to, failureReason, paidAfterCancel });

/**
 * The next state of a payment in `from` when `event` happens.
 *
 * @example
 * transition('pending', { type: 'intent_succeeded' }); // { changed: true, to: 'succeeded', … }
 * transition('canceled', { type: 'intent_succeeded' }).paidAfterCancel; // true
 * transition('succeeded', { type: 'timeout' }).changed; // false
 */
export function transition(from: PaymentStatus, event: PaymentEvent): Transition {
  switch (from) {
    case 'pending':
      return fromPending(event);
    case 'processing':
      return fromProcessing(event);
    case 'succeeded':
    case 'failed':
      return stay(from, 'final');
    case 'expired':
    case 'canceled':
      return fromGivenUp(from, event);
  }
}

function fromPending(event: PaymentEvent): Transition {
  const from = 'pending';
  switch (event.type) {
    case 'intent_created':
      return stay(from, 'same');
    case 'intent_processing':
      return move(from, 'processing');
    case 'intent_succeeded':
      return move(from, 'succeeded');
    case 'intent_failed':
      return move(from, 'failed', event.reason ?? 'failed');
    case 'intent_expired':
      return move(from, 'expired', event.reason ?? 'expired');
    case 'timeout':
      return move(from, 'canceled', 'payment_timeout');
    case 'creation_failed':
      return move(from, 'failed', event.reason);
  }
}

function fromProcessing(event: PaymentEvent): Transition {
  const from = 'processing';
  switch (event.type) {
    case 'intent_created':
      return stay(from, 'backwards');
    case 'intent_processing':
      return stay(from, 'same');
    case 'intent_succeeded':
      return move(from, 'succeeded');
    case 'intent_failed':
      return move(from, 'failed', event.reason ?? 'failed');
    case 'intent_expired':
      return move(from, 'expired', event.reason ?? 'expired');
    case 'timeout':
      return move(from, 'canceled', 'payment_timeout');
    case 'creation_failed':
      return stay(from, 'backwards');
  }
}

/** `expired` or `canceled`: only money moving (a success) changes them. */
function fromGivenUp(from: 'expired' | 'canceled', event: PaymentEvent): Transition {
  switch (event.type) {
    case 'intent_succeeded':
      return move(from, 'succeeded', null, true);
    case 'intent_created':
    case 'intent_processing':
    case 'intent_failed':
    case 'intent_expired':
    case 'timeout':
    case 'creation_failed':
      return stay(from, 'final');
  }
}

/** Fintoc payment-intent statuses, as they appear in objects and event types. */
export const INTENT_STATUSES = [
  'created',
  'requires_action',
  'in_progress',
  'pending',
  'succeeded',
  'failed',
  'rejected',
  'expired',
] as const;
export type IntentStatus = (typeof INTENT_STATUSES)[number];

/**
 * The payment event a Fintoc intent status means, or null for a status this service does not know
 * (kept in the inbox, never guessed).
 *
 * @example
 * eventForIntentStatus('rejected', 'insufficient_funds'); // { type: 'intent_failed', reason: 'rejected: insufficient_funds' }
 */
export function eventForIntentStatus(status: string, errorReason: string | null): PaymentEvent | null {
  switch (status) {
    case 'created':
    case 'requires_action':
      return { type: 'intent_created' };
    case 'in_progress':
    case 'pending':
      return { type: 'intent_processing' };
    case 'succeeded':
      return { type: 'intent_succeeded' };
    case 'failed':
      return { type: 'intent_failed', reason: errorReason ?? 'failed' };
    case 'rejected':
      return { type: 'intent_failed', reason: errorReason ? `rejected: ${errorReason}` : 'rejected' };
    case 'expired':
      return { type: 'intent_expired', reason: errorReason ?? 'expired' };
    default:
      return null;
  }
}

/** Whether Fintoc will not change an intent in this status any more. */
export function isIntentFinal(status: string | null): boolean {
  return status === 'succeeded' || status === 'failed' || status === 'rejected' || status === 'expired';
}

/** Notification types sent to the shop when a payment reaches a final status. */
export type NotificationType =
  'payment.succeeded' | 'payment.failed' | 'payment.expired' | 'payment.canceled';

export function notificationFor(status: PaymentStatus): NotificationType | null {
  switch (status) {
    case 'succeeded':
      return 'payment.succeeded';
    case 'failed':
      return 'payment.failed';
    case 'expired':
      return 'payment.expired';
    case 'canceled':
      return 'payment.canceled';
    case 'pending':
    case 'processing':
      return null;
  }
}

// ---------------------------------------------------------------- rules around the transition table

/** What the service knows of a payment when it decides: its status, and whether the deadline is closing it. */
export interface PaymentFacts {
  status: PaymentStatus;
  /** The deadline has started closing it (it asked Fintoc to expire the intent). */
  closing: boolean;
}

/**
 * The event to apply for what Fintoc reported. An expiry this service asked for (at the deadline)
 * is its own cancellation, whichever arrives first: the expire call's answer or Fintoc's
 * `payment_intent.expired` webhook.
 *
 * @example
 * effectiveEvent({ type: 'intent_expired', reason: 'manually_expired' }, { closing: true }); // { type: 'timeout' }
 */
export function effectiveEvent(event: PaymentEvent, payment: { closing: boolean }): PaymentEvent {
  return event.type === 'intent_expired' && payment.closing ? { type: 'timeout' } : event;
}

/**
 * The intent status to keep after Fintoc reports `reported`: a final status, once known, is never
 * replaced by a non-final one that arrived late (an old webhook after a GET).
 */
export function nextIntentStatus(stored: string | null, reported: string | null): string | null {
  if (reported === null) return stored;
  return !isIntentFinal(stored) || isIntentFinal(reported) ? reported : stored;
}

/** What the deadline does, from the intent's status at Fintoc after it asked for the expiry. */
export type DeadlineVerdict =
  /** Expired at Fintoc: the payment is canceled (a timeout). */
  | { kind: 'cancel' }
  /** Fintoc decided first (succeeded, failed, rejected): that beats the deadline. */
  | { kind: 'apply'; event: PaymentEvent }
  /** The customer authorized and the bank decides (`pending`): not abandoned; it stays processing. */
  | { kind: 'processing' }
  /** Fintoc keeps the intent payable (or says something unknown): never cancel on a guess; ask again later. */
  | { kind: 'retry' };

/**
 * Which intent statuses beat the deadline.
 *
 * @example
 * deadlineVerdict('expired', 'manually_expired'); // { kind: 'cancel' }
 * deadlineVerdict('succeeded', null); // { kind: 'apply', event: { type: 'intent_succeeded' } }
 * deadlineVerdict('created', null); // { kind: 'retry' }
 */
export function deadlineVerdict(intentStatus: string, errorReason: string | null): DeadlineVerdict {
  if (intentStatus === 'expired') return { kind: 'cancel' };
  if (intentStatus === 'pending') return { kind: 'processing' };
  const event = eventForIntentStatus(intentStatus, errorReason);
  if (event && (event.type === 'intent_succeeded' || event.type === 'intent_failed')) {
    return { kind: 'apply', event };
  }
  return { kind: 'retry' };
}

/**
 * Whether an event about one of a payment's intents applies to the payment. Its current intent's
 * always; an earlier attempt's intent (replaced by a new one), or one created after the payment
 * ended, only when money moved on it: the customer paid, so the payment succeeded.
 */
export function eventAppliesToPayment(event: PaymentEvent, isCurrentIntent: boolean): boolean {
  return isCurrentIntent || event.type === 'intent_succeeded';
}

/**
 * Whether the checkout may offer to pay: the payment waits for the customer and Fintoc gave what its
 * flow opens (an intent's `widget_token`, a session's `session_token`, or a session's `redirect_url`).
 */
export function isPayable(payment: { status: PaymentStatus; hasCheckout: boolean }): boolean {
  return payment.status === 'pending' && payment.hasCheckout;
}

/**
 * Whether the payment may get a new intent (a new widget token): it is still open and the deadline
 * is not closing it. (The checkout offers one only while the payment waits for the customer.)
 */
export function acceptsNewIntent(payment: PaymentFacts): boolean {
  return isOpen(payment.status) && !payment.closing;
}

/**
 * Whether the service should (still) ask Fintoc to create the intent of this payment: it waits for
 * the customer, has no intent recorded, and the deadline is not closing it (the deadline settles
 * that attempt itself).
 */
export function awaitsIntent(payment: PaymentFacts & { hasIntent: boolean }): boolean {
  return payment.status === 'pending' && !payment.hasIntent && !payment.closing;
}

/** What asking for a new payment of the same order (`POST /api/payments/:id/attempts`) does. */
export type RetryDecision =
  /** A new payment for the order. */
  | { kind: 'create' }
  /** The order already has an open payment: the customer goes on there. */
  | { kind: 'use_open'; paymentId: string }
  /** Refused: this payment has not ended, or ended paid, or the order is paid. */
  | { kind: 'refuse'; why: 'not_ended' | 'order_paid'; paymentId?: string };

/**
 * When a payment may be retried: only one that ended without money (failed, expired, canceled),
 * and only while no payment of its order is open or succeeded. `order` is every payment of the
 * order, newest first.
 */
export function retryDecision(
  payment: { status: PaymentStatus },
  order: ReadonlyArray<{ id: string; status: PaymentStatus }>,
): RetryDecision {
  if (payment.status !== 'failed' && payment.status !== 'expired' && payment.status !== 'canceled') {
    return { kind: 'refuse', why: 'not_ended' };
  }
  const blocking = order.find((p) => p.status === 'succeeded' || isOpen(p.status));
  if (!blocking) return { kind: 'create' };
  if (isOpen(blocking.status)) return { kind: 'use_open', paymentId: blocking.id };
  return { kind: 'refuse', why: 'order_paid', paymentId: blocking.id };
}

/**
 * Whether the customer may try again from the checkout page after a payment ended: only after the
 * bank said no (a refusal to even create the intent would only repeat, and a payment that ran out
 * of time ended on the shop's deadline), and only where a new attempt would be allowed or is already
 * open ({@link retryDecision}: never on an order already paid).
 *
 * @example
 * customerMayRetry({ status: 'failed', failureReason: 'rejected' }, [{ id: 'pay_1', status: 'failed' }]); // true
 */
export function customerMayRetry(
  payment: { status: PaymentStatus; failureReason: string | null },
  order: ReadonlyArray<{ id: string; status: PaymentStatus }>,
): boolean {
  if (payment.status !== 'failed' || payment.failureReason?.startsWith('fintoc_rejected')) return false;
  return retryDecision(payment, order).kind !== 'refuse';
}

/**
 * Whether an intent of an ended payment must still be expired at Fintoc so nothing stays payable:
 * the payment is final and Fintoc has not ended the intent (a `pending` one is the bank's to decide).
 */
export function intentNeedsClosing(paymentStatus: PaymentStatus, intentStatus: string | null): boolean {
  return isFinal(paymentStatus) && !isIntentFinal(intentStatus) && intentStatus !== 'pending';
}

/** Widget callbacks that say the customer got far: the service asks Fintoc now instead of waiting. */
const PROGRESS = /success|succeeded|payment_created|payment_in_progress/i;

/**
 * Whether a browser event should make the service ask Fintoc for the intent's status now. The
 * browser never decides a payment; a reported success only brings the next status check forward.
 */
export function browserEventAsksSync(
  event: { type: string; name?: string | null },
  payment: { hasIntent: boolean; intentStatus: string | null },
): boolean {
  return (
    payment.hasIntent &&
    !isIntentFinal(payment.intentStatus) &&
    PROGRESS.test(`${event.type} ${event.name ?? ''}`)
  );
}

// ---------------------------------------------------------------- payment flows and Checkout Sessions

/**
 * How a payment is paid at Fintoc. `session`: a Checkout Session opened in the embedded widget with
 * its `session_token` (Fintoc's current API); `redirect`: a Checkout Session on Fintoc's hosted page
 * (`redirect_url`); `intent`: a payment intent opened in the widget with its `widget_token` (Fintoc's
 * 2023-11-15 flow).
 */
export const PAYMENT_FLOWS = ['session', 'redirect', 'intent'] as const;
export type PaymentFlow = (typeof PAYMENT_FLOWS)[number];

export function isPaymentFlow(value: unknown): value is PaymentFlow {
  return typeof value === 'string' && (PAYMENT_FLOWS as readonly string[]).includes(value);
}

/** Whether a flow's Fintoc object is a Checkout Session (else a payment intent). */
export function usesSession(flow: PaymentFlow): boolean {
  return flow !== 'intent';
}

/** What the service reads of a Checkout Session: its status and its payment intent's, when it has one. */
export interface SessionFacts {
  /** `created`, `in_progress`, `finished`, `expired` (a string: Fintoc may add statuses). */
  status: string;
  intent: { status: string; error_reason: string | null } | null;
}

/**
 * The payment-intent status a Checkout Session stands for, so one set of rules (events, deadline,
 * closing) serves every flow: its intent's status while it has one, `created` before the customer
 * opened it, `expired` once the session expired (whatever its intent says, unless money moved), and
 * `in_progress` for a session the customer started whose intent Fintoc did not send. A `finished`
 * session without its intent, or a status this service does not know, stands for nothing (`null`):
 * the service asks Fintoc again rather than guess.
 *
 * @example
 * sessionIntentStatus({ status: 'finished', intent: { status: 'succeeded', error_reason: null } }); // { status: 'succeeded', errorReason: null }
 * sessionIntentStatus({ status: 'expired', intent: null }); // { status: 'expired', errorReason: 'expired' }
 */
export function sessionIntentStatus(
  session: SessionFacts,
): { status: IntentStatus; errorReason: string | null } | null {
  const intent = session.intent;
  switch (session.status) {
    case 'created':
      return { status: 'created', errorReason: null };
    case 'in_progress':
      // Started: an intent still `created` (or one Fintoc did not send) stands for `in_progress`.
      if (
        intent &&
        isKnownIntentStatus(intent.status) &&
        intent.status !== 'created' &&
        !isIntentFinal(intent.status)
      ) {
        return { status: intent.status, errorReason: null };
      }
      return { status: 'in_progress', errorReason: null };
    case 'finished':
      if (intent && isKnownIntentStatus(intent.status) && intent.status !== 'created') {
        return { status: intent.status, errorReason: intent.error_reason };
      }
      return null;
    case 'expired':
      // Money moved before the session expired (a bank that decided late): that is the truth.
      if (intent?.status === 'succeeded') return { status: 'succeeded', errorReason: null };
      return { status: 'expired', errorReason: intent?.error_reason ?? 'expired' };
    default:
      return null;
  }
}

function isKnownIntentStatus(status: string): status is IntentStatus {
  return (INTENT_STATUSES as readonly string[]).includes(status);
}

/**
 * The payment event a Checkout Session means (its `checkout_session.*` event, or the session read
 * from Fintoc), or null when it means nothing yet.
 *
 * @example
 * eventForSession({ status: 'finished', intent: { status: 'rejected', error_reason: 'insufficient_funds' } }); // intent_failed
 */
export function eventForSession(session: SessionFacts): PaymentEvent | null {
  const s = sessionIntentStatus(session);
  return s ? eventForIntentStatus(s.status, s.errorReason) : null;
}

/** Fintoc's refusal to expire a Checkout Session that is no longer `created` (the customer started paying, or it ended). */
export const SESSION_NOT_EXPIRABLE = 'invalid_checkout_session_status';

/**
 * What the deadline does with a Checkout Session, read after asking Fintoc to expire it. Like an
 * intent's ({@link deadlineVerdict}), except that a session the customer has started (`in_progress`)
 * cannot be expired (Fintoc answers 400 `invalid_checkout_session_status`): the customer is still
 * paying, so the payment stays `processing` (never an error, never canceled on a guess); the
 * session's own end (`checkout_session.finished`, or `.expired` at its `expires_at`) decides it.
 *
 * @example
 * sessionDeadlineVerdict({ status: 'in_progress', intent: null }); // { kind: 'processing' }
 * sessionDeadlineVerdict({ status: 'expired', intent: null }); // { kind: 'cancel' }
 */
export function sessionDeadlineVerdict(session: SessionFacts): DeadlineVerdict {
  return sessionDeadlineVerdictOf(session);
}

/**
 * Whether the deadline should still try to expire the payment intent of a Checkout Session that
 * Fintoc would not expire (the customer started, so the session is `in_progress`): yes while the
 * customer has not authorized (the intent is `created`, `requires_action` or `in_progress`, the
 * abandonment the 10-minute rule is about); never once the bank is deciding (`pending`) or the intent
 * ended. If Fintoc refuses that too, the payment stays `processing` (still paying).
 *
 * @example
 * sessionIntentExpirable({ status: 'in_progress', intent: { status: 'in_progress', error_reason: null } }); // true
 * sessionIntentExpirable({ status: 'in_progress', intent: { status: 'pending', error_reason: null } }); // false
 */
export function sessionIntentExpirable(session: SessionFacts): boolean {
  const s = session.intent?.status;
  return (
    session.status === 'in_progress' && (s === 'created' || s === 'requires_action' || s === 'in_progress')
  );
}

function sessionDeadlineVerdictOf(session: SessionFacts): DeadlineVerdict {
  const s = sessionIntentStatus(session);
  if (s === null) return { kind: 'retry' };
  if (s.status === 'in_progress' || s.status === 'requires_action') return { kind: 'processing' };
  return deadlineVerdict(s.status, s.errorReason);
}
