import { describe, expect, it } from 'vitest';
import {
  FINAL_STATUSES,
  OPEN_STATUSES,
  PAYMENT_EVENT_TYPES,
  PAYMENT_STATUSES,
  acceptsNewIntent,
  awaitsIntent,
  browserEventAsksSync,
  deadlineVerdict,
  effectiveEvent,
  eventAppliesToPayment,
  eventForIntentStatus,
  intentNeedsClosing,
  isFinal,
  isOpen,
  isPayable,
  isPaymentStatus,
  nextIntentStatus,
  retryDecision,
  customerMayRetry,
  notificationFor,
  transition,
  eventForSession,
  isPaymentFlow,
  sessionDeadlineVerdict,
  sessionIntentExpirable,
  sessionIntentStatus,
  usesSession,
  PAYMENT_FLOWS,
  type SessionFacts,
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

const INTENT_STATUSES = [
  'created',
  'requires_action',
  'in_progress',
  'pending',
  'succeeded',
  'failed',
  'rejected',
  'expired',
  'something_new',
] as const;

describe('open and final statuses', () => {
  it('split the statuses in two, and recognise only real ones', () => {
    expect([...OPEN_STATUSES, ...FINAL_STATUSES].sort()).toEqual([...PAYMENT_STATUSES].sort());
    for (const s of PAYMENT_STATUSES) expect(isOpen(s)).toBe(!isFinal(s));
    expect(OPEN_STATUSES.every(isOpen)).toBe(true);
    expect(PAYMENT_STATUSES.every(isPaymentStatus)).toBe(true);
    for (const v of ['', 'paid_after_cancel', 'PENDING', null, 1, ['pending']])
      expect(isPaymentStatus(v)).toBe(false);
  });
});

describe('effectiveEvent: an expiry the service asked for is its cancellation', () => {
  const cases: Array<[PaymentEvent, boolean, PaymentEvent]> = [
    [EVENTS.intent_expired, true, { type: 'timeout' }],
    [EVENTS.intent_expired, false, EVENTS.intent_expired],
    ...PAYMENT_EVENT_TYPES.filter((t) => t !== 'intent_expired').flatMap(
      (t): Array<[PaymentEvent, boolean, PaymentEvent]> => [
        [EVENTS[t], true, EVENTS[t]],
        [EVENTS[t], false, EVENTS[t]],
      ],
    ),
  ];
  it.each(cases)('%j while closing=%s → %j', (event, closing, expected) => {
    expect(effectiveEvent(event, { closing })).toEqual(expected);
  });

  it('so the deadline’s expiry of a pending payment cancels it, and Fintoc’s own expiry expires it', () => {
    expect(transition('pending', effectiveEvent(EVENTS.intent_expired, { closing: true })).to).toBe(
      'canceled',
    );
    expect(transition('pending', effectiveEvent(EVENTS.intent_expired, { closing: false })).to).toBe(
      'expired',
    );
  });
});

describe('deadlineVerdict: which intent statuses beat the deadline', () => {
  const expected: Record<(typeof INTENT_STATUSES)[number], string> = {
    created: 'retry',
    requires_action: 'retry',
    in_progress: 'retry',
    pending: 'processing',
    succeeded: 'apply:intent_succeeded',
    failed: 'apply:intent_failed',
    rejected: 'apply:intent_failed',
    expired: 'cancel',
    something_new: 'retry',
  };
  it.each(INTENT_STATUSES)('%s', (status) => {
    const v = deadlineVerdict(status, 'insufficient_funds');
    expect(v.kind === 'apply' ? `apply:${v.event.type}` : v.kind).toBe(expected[status]);
  });
  it('keeps Fintoc’s reason of a rejection', () => {
    expect(deadlineVerdict('rejected', 'insufficient_funds')).toEqual({
      kind: 'apply',
      event: { type: 'intent_failed', reason: 'rejected: insufficient_funds' },
    });
  });
});

describe('nextIntentStatus: a known final status is never replaced by a late non-final one', () => {
  it.each([
    [null, 'created', 'created'],
    ['created', 'in_progress', 'in_progress'],
    ['in_progress', 'succeeded', 'succeeded'],
    ['succeeded', 'in_progress', 'succeeded'],
    ['expired', 'created', 'expired'],
    ['expired', 'succeeded', 'succeeded'],
    ['pending', null, 'pending'],
    [null, null, null],
  ])('stored %s, reported %s → %s', (stored, reported, next) => {
    expect(nextIntentStatus(stored, reported)).toBe(next);
  });
});

describe('eventAppliesToPayment: events on an earlier intent', () => {
  it.each(PAYMENT_EVENT_TYPES)(
    '%s applies from the current intent; from another only if money moved',
    (t) => {
      expect(eventAppliesToPayment(EVENTS[t], true)).toBe(true);
      expect(eventAppliesToPayment(EVENTS[t], false)).toBe(t === 'intent_succeeded');
    },
  );
});

describe('when a payment may be paid or given a new intent', () => {
  for (const status of PAYMENT_STATUSES) {
    for (const closing of [false, true]) {
      for (const has of [false, true]) {
        it(`${status}, closing=${closing}, intent/token=${has}`, () => {
          expect(isPayable({ status, hasCheckout: has })).toBe(status === 'pending' && has);
          expect(acceptsNewIntent({ status, closing })).toBe(isOpen(status) && !closing);
          expect(awaitsIntent({ status, closing, hasIntent: has })).toBe(
            status === 'pending' && !closing && !has,
          );
        });
      }
    }
  }
});

describe('retryDecision: when a payment may be retried', () => {
  const p = (id: string, status: PaymentStatus) => ({ id, status });
  it.each([
    ['pending', [], 'refuse:not_ended'],
    ['processing', [], 'refuse:not_ended'],
    ['succeeded', [], 'refuse:not_ended'],
    ['failed', [p('pay_a', 'failed')], 'create'],
    ['expired', [p('pay_a', 'expired'), p('pay_b', 'canceled')], 'create'],
    ['canceled', [p('pay_b', 'pending'), p('pay_a', 'canceled')], 'use_open:pay_b'],
    ['canceled', [p('pay_b', 'processing'), p('pay_a', 'canceled')], 'use_open:pay_b'],
    ['failed', [p('pay_b', 'succeeded'), p('pay_a', 'failed')], 'refuse:order_paid'],
  ] as const)('%s with order %j → %s', (status, order, expected) => {
    const d = retryDecision({ status }, order);
    const text =
      d.kind === 'refuse' ? `refuse:${d.why}` : d.kind === 'use_open' ? `use_open:${d.paymentId}` : d.kind;
    expect(text).toBe(expected);
  });
});

describe('customerMayRetry: the checkout offers a retry only after the bank said no, on an unpaid order', () => {
  const p = (id: string, status: PaymentStatus) => ({ id, status });
  it.each([
    ['failed', 'rejected', [p('pay_a', 'failed')], true],
    ['failed', 'mfa_invalid_authorization', [p('pay_b', 'pending'), p('pay_a', 'failed')], true],
    ['failed', 'rejected', [p('pay_b', 'succeeded'), p('pay_a', 'failed')], false],
    ['failed', 'fintoc_rejected: invalid_amount', [p('pay_a', 'failed')], false],
    ['canceled', 'payment_timeout', [p('pay_a', 'canceled')], false],
    ['expired', 'expired', [p('pay_a', 'expired')], false],
    ['pending', null, [p('pay_a', 'pending')], false],
    ['succeeded', null, [p('pay_a', 'succeeded')], false],
  ] as const)('%s (%s) with order %j → %s', (status, failureReason, order, expected) => {
    expect(customerMayRetry({ status, failureReason }, order)).toBe(expected);
  });
});

describe('intentNeedsClosing: nothing an ended payment had stays payable', () => {
  for (const status of PAYMENT_STATUSES) {
    it.each([null, ...INTENT_STATUSES])(`${status} with its intent %s`, (intent) => {
      const payable =
        intent === null || !['succeeded', 'failed', 'rejected', 'expired', 'pending'].includes(intent);
      expect(intentNeedsClosing(status, intent)).toBe(isFinal(status) && payable);
    });
  }
});

describe('browserEventAsksSync: the browser only brings the next check forward', () => {
  it.each([
    [{ type: 'success' }, true],
    [{ type: 'event', name: 'payment_created' }, true],
    [{ type: 'event', name: 'payment_in_progress' }, true],
    [{ type: 'event', name: 'opened' }, false],
    [{ type: 'exit' }, false],
  ])('%j → %s while the intent is open', (event, expected) => {
    expect(browserEventAsksSync(event, { hasIntent: true, intentStatus: 'created' })).toBe(expected);
    expect(browserEventAsksSync(event, { hasIntent: false, intentStatus: null })).toBe(false);
    expect(browserEventAsksSync(event, { hasIntent: true, intentStatus: 'succeeded' })).toBe(false);
  });
});

describe('Checkout Sessions: what a session stands for', () => {
  const pi = (status: string, error_reason: string | null = null) => ({ status, error_reason });
  // session status, its intent → the intent status it stands for, the payment event, the deadline's verdict
  const ROWS: Array<[string, SessionFacts['intent'], string | null, PaymentEvent | null, string]> = [
    ['created', null, 'created', { type: 'intent_created' }, 'retry'],
    ['created', pi('created'), 'created', { type: 'intent_created' }, 'retry'],
    ['in_progress', null, 'in_progress', { type: 'intent_processing' }, 'processing'],
    ['in_progress', pi('created'), 'in_progress', { type: 'intent_processing' }, 'processing'],
    ['in_progress', pi('in_progress'), 'in_progress', { type: 'intent_processing' }, 'processing'],
    ['in_progress', pi('requires_action'), 'requires_action', { type: 'intent_created' }, 'processing'],
    ['in_progress', pi('pending'), 'pending', { type: 'intent_processing' }, 'processing'],
    // A final intent on a session still shown in progress: the session's end is what counts.
    ['in_progress', pi('succeeded'), 'in_progress', { type: 'intent_processing' }, 'processing'],
    ['finished', pi('succeeded'), 'succeeded', { type: 'intent_succeeded' }, 'apply'],
    [
      'finished',
      pi('rejected', 'insufficient_funds'),
      'rejected',
      { type: 'intent_failed', reason: 'rejected: insufficient_funds' },
      'apply',
    ],
    [
      'finished',
      pi('failed', 'bank_not_available'),
      'failed',
      { type: 'intent_failed', reason: 'bank_not_available' },
      'apply',
    ],
    ['finished', pi('pending'), 'pending', { type: 'intent_processing' }, 'processing'],
    ['finished', null, null, null, 'retry'],
    ['finished', pi('created'), null, null, 'retry'],
    ['finished', pi('mystery'), null, null, 'retry'],
    ['expired', null, 'expired', { type: 'intent_expired', reason: 'expired' }, 'cancel'],
    [
      'expired',
      pi('expired', 'manually_expired'),
      'expired',
      { type: 'intent_expired', reason: 'manually_expired' },
      'cancel',
    ],
    ['expired', pi('succeeded'), 'succeeded', { type: 'intent_succeeded' }, 'apply'],
    ['paused', null, null, null, 'retry'],
  ];
  it.each(ROWS)('%s with intent %j', (status, intent, intentStatus, event, verdict) => {
    const session = { status, intent };
    expect(sessionIntentStatus(session)?.status ?? null).toBe(intentStatus);
    expect(eventForSession(session)).toEqual(event);
    expect(sessionDeadlineVerdict(session).kind).toBe(verdict);
  });

  it('tries to expire the intent of a started session only while the customer has not authorized', () => {
    const cases: Array<[string, string | null, boolean]> = [
      ['in_progress', 'created', true],
      ['in_progress', 'requires_action', true],
      ['in_progress', 'in_progress', true],
      ['in_progress', 'pending', false],
      ['in_progress', 'succeeded', false],
      ['in_progress', null, false],
      ['created', 'created', false],
      ['finished', 'in_progress', false],
      ['expired', 'in_progress', false],
    ];
    for (const [status, intent, expected] of cases) {
      expect(
        sessionIntentExpirable({ status, intent: intent ? pi(intent) : null }),
        `${status}/${intent}`,
      ).toBe(expected);
    }
  });

  it('never cancels a session the customer started, whatever its intent says short of an end', () => {
    for (const s of ['created', 'requires_action', 'in_progress', 'pending']) {
      expect(sessionDeadlineVerdict({ status: 'in_progress', intent: pi(s) }).kind).toBe('processing');
    }
  });

  it('flows: session and redirect use a Checkout Session, intent does not; unknown names are refused', () => {
    expect(PAYMENT_FLOWS.map((f) => [f, usesSession(f)])).toEqual([
      ['session', true],
      ['redirect', true],
      ['intent', false],
    ]);
    for (const bad of ['Session', 'widget', '', null, 1]) expect(isPaymentFlow(bad)).toBe(false);
    for (const f of PAYMENT_FLOWS) expect(isPaymentFlow(f)).toBe(true);
  });
});
