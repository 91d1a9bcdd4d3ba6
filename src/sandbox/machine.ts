/**
 * The payment intent state machine and the scenarios, as plain data and functions (no Fastify, no
 * clock): which status may follow which, and what a customer's authorization leads to under each
 * scenario.
 *
 * @example
 * canMove('created', 'in_progress'); // true
 * outcomeOf({ name: 'fail', error_reason: 'insufficient_funds', pending_for_ms: 0 });
 * // { status: 'failed', error_reason: 'insufficient_funds', then: null }
 */
export const INTENT_STATUSES = [
  'created',
  'in_progress',
  'pending',
  'succeeded',
  'rejected',
  'failed',
  'expired',
] as const;
export type IntentStatus = (typeof INTENT_STATUSES)[number];

export const FINAL_STATUSES: ReadonlySet<IntentStatus> = new Set([
  'succeeded',
  'rejected',
  'failed',
  'expired',
]);

export function isFinal(status: IntentStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** Every allowed move; anything else is refused. States never move back. */
const MOVES: Record<IntentStatus, readonly IntentStatus[]> = {
  created: ['in_progress', 'expired'],
  in_progress: ['pending', 'succeeded', 'rejected', 'failed', 'expired'],
  pending: ['succeeded', 'failed'],
  succeeded: [],
  rejected: [],
  failed: [],
  expired: [],
};

export function canMove(from: IntentStatus, to: IntentStatus): boolean {
  return MOVES[from].includes(to);
}

/** Statuses that emit an event (`payment_intent.<status>`); `in_progress` has no documented event. */
export function eventTypeFor(status: IntentStatus): string | null {
  switch (status) {
    case 'created':
    case 'in_progress':
      return null;
    case 'pending':
    case 'succeeded':
    case 'rejected':
    case 'failed':
    case 'expired':
      return `payment_intent.${status}`;
  }
}

export const SCENARIOS = [
  'succeed',
  'reject',
  'fail',
  'pending_then_succeed',
  'pending_then_fail',
  'customer_leaves',
  'authorize_in_bank_and_never_return',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Scenario {
  name: ScenarioName;
  /** For `fail`, `reject` and `pending_then_fail`: the `error_reason` the intent gets. */
  error_reason: string | null;
  /** For `pending_then_*`: how long (sandbox time) the intent stays `pending`. */
  pending_for_ms: number;
}

export const DEFAULT_ERROR_REASON: Record<'reject' | 'fail' | 'pending_then_fail', string> = {
  reject: 'mfa_invalid_authorization',
  fail: 'insufficient_funds',
  pending_then_fail: 'unresolved_final_status',
};

export const DEFAULT_PENDING_FOR_MS = 60_000;

/** A scenario with its defaults filled in. */
export function scenario(name: ScenarioName, errorReason?: string | null, pendingForMs?: number): Scenario {
  const error_reason =
    name === 'reject' || name === 'fail' || name === 'pending_then_fail'
      ? (errorReason ?? DEFAULT_ERROR_REASON[name])
      : null;
  return { name, error_reason, pending_for_ms: pendingForMs ?? DEFAULT_PENDING_FOR_MS };
}

export interface Outcome {
  status: 'succeeded' | 'rejected' | 'failed' | 'pending';
  error_reason: string | null;
  /** When the status is `pending`: the final status it settles to after `pending_for_ms`. */
  then: { status: 'succeeded' | 'failed'; error_reason: string | null } | null;
}

/**
 * What happens when the customer authorizes the payment in the bank under a scenario. The two
 * customer-behaviour scenarios (`customer_leaves`, `authorize_in_bank_and_never_return`) describe
 * the browser, not the bank: if the customer does authorize, the bank accepts.
 */
export function outcomeOf(s: Scenario): Outcome {
  switch (s.name) {
    case 'succeed':
    case 'customer_leaves':
    case 'authorize_in_bank_and_never_return':
      return { status: 'succeeded', error_reason: null, then: null };
    case 'reject':
      return { status: 'rejected', error_reason: s.error_reason, then: null };
    case 'fail':
      return { status: 'failed', error_reason: s.error_reason, then: null };
    case 'pending_then_succeed':
      return { status: 'pending', error_reason: null, then: { status: 'succeeded', error_reason: null } };
    case 'pending_then_fail':
      return {
        status: 'pending',
        error_reason: null,
        then: { status: 'failed', error_reason: s.error_reason },
      };
  }
}

/**
 * What drives an intent without the API: the control API's `simulate` takes all of these; the
 * widget's customer actions (the widget's `CUSTOMER_ACTIONS`) are some of them.
 */
export const SIMULATE_ACTIONS = [
  'run',
  'start',
  'authorize',
  'authorize_and_close',
  'reject',
  'fail',
  'succeed',
  'pending',
  'leave',
  'expire',
] as const;
export type SimulateAction = (typeof SIMULATE_ACTIONS)[number];
