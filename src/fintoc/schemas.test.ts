import { readFileSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  FintocEventError,
  isCheckoutSessionEvent,
  isKnownEvent,
  isPaymentIntentEvent,
  isRefundEvent,
  parseEvent,
} from './events.js';
import type { FintocEvent } from './events.js';
import {
  CheckoutSessionSchema,
  FintocErrorEnvelopeSchema,
  PAYMENT_INTENT_ERROR_REASONS,
  PAYMENT_INTENT_STATUSES,
  PaymentIntentSchema,
  RefundSchema,
  WebhookEndpointSchema,
  sessionPaymentIntent,
  sessionPaymentIntentId,
} from './schemas.js';
import type { PaymentIntent, PaymentIntentStatus } from './schemas.js';

const fixtureEvent = JSON.parse(
  readFileSync(
    new URL('../../test/fixtures/fintoc/fintoc-event-payment_intent.succeeded.mx.json', import.meta.url),
    'utf8',
  ),
) as { data: Record<string, unknown> };
const realPi = fixtureEvent.data;
const account = {
  holder_id: '771433855',
  institution_id: 'cl_banco_de_chile',
  number: '123456789',
  type: 'checking_account',
};

// What a customer produces at each step, including one who leaves mid-process.
const lifecycle: Record<PaymentIntentStatus, Record<string, unknown>> = {
  created: { widget_token: 'pi_abc_sec_a4xK32BanKWYn', sender_account: null, error_reason: null },
  in_progress: { sender_account: null, error_reason: null },
  requires_action: { sender_account: account, next_action: { type: 'redirect_to_url' } },
  pending: { sender_account: account, error_reason: null },
  succeeded: { sender_account: account, reference_id: '90123712', transaction_date: '2025-04-05T21:57:20Z' },
  failed: { sender_account: account, error_reason: 'bank_connection_error' },
  rejected: { sender_account: account, error_reason: 'mfa_invalid_authorization' },
  expired: { sender_account: null, error_reason: 'manually_expired' },
};

const pi = (overrides: Record<string, unknown>): Record<string, unknown> => ({
  ...realPi,
  currency: 'CLP',
  recipient_account: null,
  ...overrides,
});

describe('PaymentIntentSchema', () => {
  it('parses the real payment intent from a Fintoc webhook', () => {
    const parsed = PaymentIntentSchema.parse(realPi);
    expect(parsed).toMatchObject({ id: 'pi_2vKOKniSGXRhXTKrJ67VXZxGCVt', status: 'succeeded', amount: 1 });
    expect(parsed.sender_account?.institution_id).toBe('mx_stp');
  });
  it.each(PAYMENT_INTENT_STATUSES)('parses a %s intent with the nulls of that step', (status) => {
    const input = pi({ status, ...lifecycle[status] });
    const parsed = PaymentIntentSchema.parse(input);
    expect(parsed.status).toBe(status);
    expect(parsed.sender_account).toEqual(input.sender_account);
    expect(parsed.error_reason).toEqual(input.error_reason);
  });
  it('keeps unknown fields and accepts an undocumented error_reason (open set)', () => {
    const parsed = PaymentIntentSchema.parse(
      pi({ status: 'failed', error_reason: 'brand_new_reason', novel: 1 }),
    );
    expect(parsed.error_reason).toBe('brand_new_reason');
    expect(parsed['novel']).toBe(1);
    expect(PAYMENT_INTENT_ERROR_REASONS).toContain('unresolved_final_status');
    expectTypeOf<PaymentIntent['error_reason']>().toEqualTypeOf<string | null>();
  });
  it('accepts the 2023-11-15 shape without the current optional fields', () => {
    const legacy = pi({ status: 'created' });
    for (const k of ['expires_at', 'payment_type', 'payment_type_options']) delete legacy[k];
    expect(PaymentIntentSchema.safeParse(legacy).success).toBe(true);
  });
  it('rejects what Fintoc never sends', () => {
    expect(PaymentIntentSchema.safeParse(pi({ status: 'paid' })).success).toBe(false);
    expect(PaymentIntentSchema.safeParse(pi({ amount: 10.5 })).success).toBe(false);
    expect(PaymentIntentSchema.safeParse(pi({ mode: 'prod' })).success).toBe(false);
    const noStatus = pi({});
    delete noStatus['status'];
    expect(PaymentIntentSchema.safeParse(noStatus).success).toBe(false);
  });
});

describe('other objects', () => {
  it('parses a checkout session with its payment intent', () => {
    const cs = CheckoutSessionSchema.parse({
      id: 'cs_1',
      object: 'checkout_session',
      amount: 5000,
      currency: 'CLP',
      created_at: '2025-09-02T15:58:51Z',
      mode: 'test',
      status: 'finished',
      success_url: 'https://shop.example/ok',
      cancel_url: 'https://shop.example/cancel',
      redirect_url: 'https://pay.fintoc.com/payment?checkout_session=cs_1',
      payment_resource: { payment_intent: pi({ status: 'succeeded' }) },
    });
    expect(
      typeof cs.payment_resource?.payment_intent === 'object' && cs.payment_resource.payment_intent?.status,
    ).toBe('succeeded');
  });
  it("parses the v2 object of Fintoc's docs (hosted, customer object, line_items) and reads its intent", () => {
    const base = {
      id: 'cs_li5531onlFDi235',
      object: 'checkout_session',
      amount: 350000,
      business_profile: null,
      cancel_url: 'https://merchant.com/cancel',
      created_at: '2026-01-13T18:48:25Z',
      currency: 'CLP',
      customer: { id: 'cus_8anq0lFDi2359An', object: 'customer', email: 'name@example.com' },
      customer_email: 'name@example.com',
      expires_at: '2026-01-14T18:48:25Z',
      flow: 'payment',
      line_items: null,
      metadata: {},
      mode: 'test',
      payment_method: null,
      payment_method_options: { bank_transfer: { recipient_account: null } },
      payment_method_types: ['bank_transfer'],
      redirect_url: 'https://checkout.fintoc.com/checkout_session_01HXY3Z7X5YQ54V8G2E1KJQAVF',
      session_token: null,
      status: 'finished',
      success_url: 'https://merchant.com/success',
      ui_mode: 'hosted',
    };
    const whole = CheckoutSessionSchema.parse({
      ...base,
      payment_resource: { payment_intent: pi({ id: 'pi_38DNJo3rbvGUzKFvCGZ6dxR1Kxx', status: 'succeeded' }) },
    });
    expect(sessionPaymentIntent(whole)?.status).toBe('succeeded');
    expect(sessionPaymentIntentId(whole)).toBe('pi_38DNJo3rbvGUzKFvCGZ6dxR1Kxx');
    const byId = CheckoutSessionSchema.parse({ ...base, payment_resource: { payment_intent: 'pi_2' } });
    expect(sessionPaymentIntent(byId)).toBeNull();
    expect(sessionPaymentIntentId(byId)).toBe('pi_2');
    for (const payment_resource of [{ payment_intent: null }, null, undefined]) {
      const none = CheckoutSessionSchema.parse({ ...base, status: 'created', payment_resource });
      expect(sessionPaymentIntent(none)).toBeNull();
      expect(sessionPaymentIntentId(none)).toBeNull();
    }
    // A ui_mode Fintoc adds later still parses.
    expect(CheckoutSessionSchema.safeParse({ ...base, ui_mode: 'popup' }).success).toBe(true);
  });
  it('parses a webhook endpoint, with the secret only on create', () => {
    const base = {
      id: 'we_1',
      object: 'webhook_endpoint',
      created_at: '2025-09-02T15:58:51.474Z',
      description: null,
      enabled_events: ['payment_intent.succeeded'],
      mode: 'live',
      status: 'enabled',
      url: 'https://shop.example/webhooks/fintoc',
    };
    expect(WebhookEndpointSchema.parse({ ...base, secret: 'whsec_3o9rZ4xKbT1VcJzuDgpm4H' }).secret).toMatch(
      /^whsec_/,
    );
    expect(WebhookEndpointSchema.parse({ ...base, secret: null }).secret).toBeNull();
  });
  it('parses a refund in the old and new status names', () => {
    const re = {
      id: 're_1',
      object: 'refund',
      amount: 100,
      currency: 'CLP',
      created_at: '2025-09-02T15:58:51Z',
      metadata: {},
      mode: 'test',
      resource_id: 'pi_1',
      resource_type: 'payment_intent',
    };
    expect(RefundSchema.parse({ ...re, status: 'pending' }).status).toBe('pending');
    expect(RefundSchema.parse({ ...re, status: 'created', failure_code: null }).status).toBe('created');
  });
  it('parses the error envelope, with param null', () => {
    const env = FintocErrorEnvelopeSchema.parse({
      error: {
        type: 'invalid_request_error',
        code: 'missing_parameter',
        message: 'Missing required param: amount',
        param: null,
        doc_url: 'https://fintoc.com/docs#invalid-request-error',
      },
    });
    expect(env.error.code).toBe('missing_parameter');
    expect(FintocErrorEnvelopeSchema.safeParse({ error: 'boom' }).success).toBe(false);
  });
});

describe('parseEvent', () => {
  it('types the real fixture event as a payment intent event', () => {
    const event = parseEvent(fixtureEvent);
    expect(isPaymentIntentEvent(event)).toBe(true);
    if (!isPaymentIntentEvent(event)) return;
    expectTypeOf(event.data).toEqualTypeOf<PaymentIntent>();
    expect(event.data.status).toBe('succeeded');
  });
  it('parses every payment_intent.* type for an intent in the matching status', () => {
    for (const status of ['succeeded', 'failed', 'rejected', 'expired', 'pending'] as const) {
      const event = parseEvent({
        ...fixtureEvent,
        type: `payment_intent.${status}`,
        data: pi({ status, ...lifecycle[status] }),
      });
      expect(isPaymentIntentEvent(event) && event.data.status).toBe(status);
    }
  });
  it('types checkout_session.* and refund.* events', () => {
    const cs = parseEvent({
      id: 'evt_cs',
      type: 'checkout_session.expired',
      mode: 'test',
      created_at: '2025-09-02T15:58:51Z',
      data: {
        id: 'cs_1',
        object: 'checkout_session',
        amount: 1,
        currency: 'CLP',
        created_at: '2025-09-02T15:58:51Z',
        mode: 'test',
        status: 'expired',
      },
    });
    expect(isCheckoutSessionEvent(cs)).toBe(true);
    const re = parseEvent({
      id: 'evt_re',
      type: 'refund.succeeded',
      mode: 'test',
      created_at: '2025-09-02T15:58:51Z',
      data: {
        id: 're_1',
        object: 'refund',
        amount: 1,
        currency: 'CLP',
        created_at: '2025-09-02T15:58:51Z',
        metadata: {},
        mode: 'test',
        resource_id: 'pi_1',
        resource_type: 'payment_intent',
        status: 'succeeded',
      },
    });
    expect(isRefundEvent(re) && re.data.resource_id).toBe('pi_1');
  });
  it('parses an unknown event type as a generic event and keeps everything', () => {
    const event: FintocEvent = parseEvent({
      id: 'evt_9',
      type: 'payout.succeeded',
      data: { id: 'po_1' },
      extra: true,
    });
    expect(isKnownEvent(event)).toBe(false);
    expect(event).toEqual({ id: 'evt_9', type: 'payout.succeeded', data: { id: 'po_1' }, extra: true });
  });
  it('throws FintocEventError only for a broken envelope or a known type with broken data', () => {
    for (const bad of [
      null,
      [],
      'evt',
      {},
      { id: 'evt_1' },
      { type: 'x', data: {} },
      { id: '', type: 'x', data: 1 },
    ]) {
      expect(() => parseEvent(bad)).toThrow(FintocEventError);
    }
    expect(() => parseEvent({ ...fixtureEvent, data: { id: 'pi_1' } })).toThrow(/data\.\w+/);
  });
});
