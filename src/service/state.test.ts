import { describe, expect, it } from 'vitest';
import {
  PAYMENT_EVENT_TYPES,
  PAYMENT_STATUSES,
  eventForIntentStatus,
  isFinal,
  notificationFor,
  transition,
  type PaymentEvent,
  type PaymentEventType,
  type PaymentStatus,
} from './state.js';

const EVENTS: Record<PaymentEventType, PaymentEvent> = {
  intent_created: { type: 'intent_created' },
  intent_processing: { type: 'intent_processing' },
  intent_succeeded: { type: 'intent_succeeded' },
  intent_failed: { type: 'intent_failed', reason: 'insufficient_funds' },
  intent_expired: { type: 'intent_expired', reason: 'timeout' },
  timeout: { type: 'timeout' },
  creation_failed: { type: 'creation_failed', reason: 'fintoc_rejected: invalid_amount' },
};

/** The whole table: state × event → next state ('=' stays). */
const TABLE: Record<PaymentStatus, Record<PaymentEventType, PaymentStatus | '='>> = {
  pending: {
    intent_created: '=',
    intent_processing: 'processing',
    intent_succeeded: 'succeeded',
    intent_failed: 'failed',
    intent_expired: 'expired',
    timeout: 'canceled',
    creation_failed: 'failed',
  },
  processing: {
    intent_created: '=',
    intent_processing: '=',
    intent_succeeded: 'succeeded',
    intent_failed: 'failed',
    intent_expired: 'expired',
    timeout: 'canceled',
    creation_failed: '=',
  },
  succeeded: {
    intent_created: '=',
    intent_processing: '=',
    intent_succeeded: '=',
    intent_failed: '=',
    intent_expired: '=',
    timeout: '=',
    creation_failed: '=',
  },
  failed: {
    intent_created: '=',
    intent_processing: '=',
    intent_succeeded: '=',
    intent_failed: '=',
    intent_expired: '=',
    timeout: '=',
    creation_failed: '=',
  },
  expired: {
    intent_created: '=',
    intent_processing: '=',
    intent_succeeded: 'succeeded',
    intent_failed: '=',
    intent_expired: '=',
    timeout: '=',
    creation_failed: '=',
  },
  canceled: {
    intent_created: '=',
    intent_processing: '=',
    intent_succeeded: 'succeeded',
    intent_failed: '=',
    intent_expired: '=',
    timeout: '=',
    creation_failed: '=',
  },
};

describe('transition', () => {
  for (const from of PAYMENT_STATUSES) {
    for (const type of PAYMENT_EVENT_TYPES) {
      const expected = TABLE[from][type];
      it(`${from} + ${type} → ${expected === '=' ? from : expected}`, () => {
        const t = transition(from, EVENTS[type]);
        expect(t.from).toBe(from);
        if (expected === '=') {
          expect(t.changed).toBe(false);
          expect(t.to).toBe(from);
          if (isFinal(from)) expect(t).toMatchObject({ why: 'final' });
        } else {
          expect(t.changed).toBe(true);
          expect(t.to).toBe(expected);
        }
      });
    }
  }

  it('flags a success after canceled or expired as paid after cancel, and no other success', () => {
    for (const from of PAYMENT_STATUSES) {
      const t = transition(from, EVENTS.intent_succeeded);
      const flagged = t.changed && t.paidAfterCancel;
      expect(flagged).toBe(from === 'canceled' || from === 'expired');
    }
  });

  it('never moves a final payment anywhere but to succeeded', () => {
    for (const from of PAYMENT_STATUSES.filter(isFinal)) {
      for (const type of PAYMENT_EVENT_TYPES) {
        const t = transition(from, EVENTS[type]);
        if (t.changed) expect(t.to).toBe('succeeded');
      }
    }
  });

  it('keeps the reason of a failure and gives the timeout its own', () => {
    expect(transition('pending', EVENTS.intent_failed)).toMatchObject({
      failureReason: 'insufficient_funds',
    });
    expect(transition('processing', EVENTS.timeout)).toMatchObject({ failureReason: 'payment_timeout' });
  });
});

describe('eventForIntentStatus', () => {
  it('maps every Fintoc status and refuses to guess an unknown one', () => {
    expect(eventForIntentStatus('created', null)).toEqual({ type: 'intent_created' });
    expect(eventForIntentStatus('in_progress', null)).toEqual({ type: 'intent_processing' });
    expect(eventForIntentStatus('pending', null)).toEqual({ type: 'intent_processing' });
    expect(eventForIntentStatus('succeeded', null)).toEqual({ type: 'intent_succeeded' });
    expect(eventForIntentStatus('failed', 'unresolved_final_status')).toEqual({
      type: 'intent_failed',
      reason: 'unresolved_final_status',
    });
    expect(eventForIntentStatus('rejected', null)).toEqual({ type: 'intent_failed', reason: 'rejected' });
    expect(eventForIntentStatus('expired', null)).toEqual({ type: 'intent_expired', reason: 'expired' });
    expect(eventForIntentStatus('something_new', null)).toBeNull();
  });
});

describe('notificationFor', () => {
  it('notifies each final status and nothing else', () => {
    expect(PAYMENT_STATUSES.map(notificationFor)).toEqual([
      null,
      null,
      'payment.succeeded',
      'payment.failed',
      'payment.expired',
      'payment.canceled',
    ]);
  });
});
