import { describe, expect, it } from 'vitest';
import {
  canMove,
  eventTypeFor,
  INTENT_STATUSES,
  isFinal,
  outcomeOf,
  scenario,
  SCENARIOS,
  type IntentStatus,
} from './machine.js';

describe('payment intent state machine', () => {
  const allowed: Record<IntentStatus, IntentStatus[]> = {
    created: ['in_progress', 'expired'],
    in_progress: ['pending', 'succeeded', 'rejected', 'failed', 'expired'],
    pending: ['succeeded', 'failed'],
    succeeded: [],
    rejected: [],
    failed: [],
    expired: [],
  };
  for (const from of INTENT_STATUSES) {
    for (const to of INTENT_STATUSES) {
      const expected = allowed[from].includes(to);
      it(`${from} → ${to}: ${expected ? 'allowed' : 'refused'}`, () => {
        expect(canMove(from, to)).toBe(expected);
      });
    }
  }

  it('final statuses never move', () => {
    for (const s of INTENT_STATUSES)
      expect(isFinal(s)).toBe(['succeeded', 'rejected', 'failed', 'expired'].includes(s));
  });

  it('every status but created and in_progress has its payment_intent.* event', () => {
    expect(INTENT_STATUSES.map(eventTypeFor)).toEqual([
      null,
      null,
      'payment_intent.pending',
      'payment_intent.succeeded',
      'payment_intent.rejected',
      'payment_intent.failed',
      'payment_intent.expired',
    ]);
  });
});

describe('scenarios', () => {
  it('each scenario gives its outcome when the customer authorizes', () => {
    const outcomes = Object.fromEntries(SCENARIOS.map((name) => [name, outcomeOf(scenario(name))]));
    expect(outcomes).toEqual({
      succeed: { status: 'succeeded', error_reason: null, then: null },
      reject: { status: 'rejected', error_reason: 'mfa_invalid_authorization', then: null },
      fail: { status: 'failed', error_reason: 'insufficient_funds', then: null },
      pending_then_succeed: {
        status: 'pending',
        error_reason: null,
        then: { status: 'succeeded', error_reason: null },
      },
      pending_then_fail: {
        status: 'pending',
        error_reason: null,
        then: { status: 'failed', error_reason: 'unresolved_final_status' },
      },
      customer_leaves: { status: 'succeeded', error_reason: null, then: null },
      authorize_in_bank_and_never_return: { status: 'succeeded', error_reason: null, then: null },
    });
  });

  it('keeps a given error_reason only where one applies', () => {
    expect(scenario('fail', 'bank_not_available').error_reason).toBe('bank_not_available');
    expect(scenario('succeed', 'bank_not_available').error_reason).toBeNull();
    expect(scenario('pending_then_succeed', null, 5000).pending_for_ms).toBe(5000);
  });
});
