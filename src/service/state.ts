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

export const OPEN_STATUSES: readonly PaymentStatus[] = ['pending', 'processing'];
export const FINAL_STATUSES: readonly PaymentStatus[] = ['succeeded', 'failed', 'expired', 'canceled'];

export function isFinal(status: PaymentStatus): boolean {
  return FINAL_STATUSES.includes(status);
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
export type IntentStatus =
  'created' | 'requires_action' | 'in_progress' | 'pending' | 'succeeded' | 'failed' | 'rejected' | 'expired';

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
