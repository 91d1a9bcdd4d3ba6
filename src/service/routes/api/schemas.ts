/**
 * The shop backend's API as zod schemas: what each route accepts and answers. Fastify validates
 * requests and serializes answers with them, handlers get their types, and `/openapi.json` is
 * generated from them (never written by hand).
 */
import { z } from 'zod';
import { SERVICE_ERRORS, type ServiceErrorCode } from '../../errors.js';
import { CURRENCIES } from '../../money.js';
import { PAYMENT_FLOWS, PAYMENT_STATUSES } from '../../state.js';
import { isStorableText, NOT_STORABLE } from '../../text.js';

const AMOUNT_MESSAGE =
  "amount must be a positive integer in the currency's minor unit (CLP has no minor unit: 1500 means $1.500; MXN counts centavos: 15000 means $150.00).";

/** `POST /api/payments`. */
export const CreatePaymentBody = z
  .strictObject({
    amount: z
      .number({ error: AMOUNT_MESSAGE })
      .int({ error: AMOUNT_MESSAGE })
      .positive({ error: AMOUNT_MESSAGE })
      .describe('Minor units of the currency (CLP: pesos; MXN: centavos), within the configured limits.'),
    currency: z
      .string({ error: `currency must be one of ${CURRENCIES.join(', ')}.` })
      .refine((c) => (CURRENCIES as readonly string[]).includes(c.toUpperCase()), {
        error: `currency must be one of ${CURRENCIES.join(', ')}.`,
      })
      .optional()
      .describe("CLP or MXN (any case); default: the country's currency."),
    order_id: z
      .string({ error: 'order_id must be a string.' })
      .min(1, 'order_id must not be empty.')
      .max(200, 'order_id is at most 200 characters.')
      .refine(isStorableText, `order_id ${NOT_STORABLE}`)
      .describe('The shop’s order; an order has at most one open payment.'),
    customer_email: z
      .email({ error: 'customer_email must be an e-mail address.' })
      .max(254, 'customer_email is at most 254 characters.')
      .nullish(),
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
        { error: 'metadata must be an object of strings.' },
      )
      .refine((m) => Object.keys(m).length <= 20, 'metadata has at most 20 keys.')
      .nullish()
      .describe('Up to 20 string values; `return_url` is the checkout’s "back to the shop" link.'),
    allow_repeat_payment: z
      .boolean({ error: 'allow_repeat_payment must be true or false.' })
      .optional()
      .describe(
        'By default an order that already has a succeeded payment is refused (409 order_already_paid); true charges it again (a shop that sells repeatedly under one order id).',
      ),
    flow: z
      .enum(PAYMENT_FLOWS, {
        error: `flow must be one of ${PAYMENT_FLOWS.join(', ')} (leave it out for FINTOC_FLOW).`,
      })
      .optional()
      .describe(
        'How the customer pays at Fintoc: session (a Checkout Session in the embedded widget), redirect (Fintoc’s hosted page) or intent (a payment intent and its widget_token). Default: FINTOC_FLOW.',
      ),
  })
  .meta({ id: 'CreatePayment' });
export type CreatePaymentBody = z.output<typeof CreatePaymentBody>;

/** `Idempotency-Key` on creation (headers arrive lower-case). */
export const CreatePaymentHeaders = z.object({
  'idempotency-key': z
    .string({ error: 'Idempotency-Key must be given once.' })
    .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key must be 1 to 255 printable ASCII characters.')
    .optional()
    .describe('The same key with the same body returns the same payment (200, Idempotent-Replayed: true).'),
});

const isoTime = z.iso.datetime({ offset: true });

/** A payment as the API answers it. */
export const Payment = z
  .object({
    id: z.string().describe('pay_…'),
    object: z.literal('payment'),
    order_id: z.string(),
    amount: z.number().int(),
    currency: z.enum(CURRENCIES),
    status: z.enum(PAYMENT_STATUSES),
    flow: z.enum(PAYMENT_FLOWS).describe('How the customer pays at Fintoc (session, redirect or intent).'),
    payment_intent_id: z
      .string()
      .nullable()
      .describe('Fintoc’s payment intent; in the session flows, once Fintoc names the session’s intent.'),
    checkout_session_id: z
      .string()
      .nullable()
      .describe(
        'Fintoc’s Checkout Session (cs_…) of the current attempt, in the session and redirect flows.',
      ),
    checkout_url: z.string().describe('The hosted checkout page to send the customer to.'),
    expires_at: isoTime,
    created_at: isoTime,
    updated_at: isoTime,
    failure_reason: z.string().nullable(),
    paid_after_cancel: z.boolean().describe('Money moved after the payment was canceled or expired.'),
    customer_email: z.string().nullable(),
    metadata: z.record(z.string(), z.string()),
    refund_id: z.string().nullable(),
  })
  .meta({ id: 'Payment' });
export type ApiPayment = z.output<typeof Payment>;

/** One change of a payment, with its cause. */
export const TimelineEntry = z
  .object({
    at: isoTime,
    kind: z.enum(['created', 'status', 'ignored', 'browser', 'note']),
    from_status: z.enum(PAYMENT_STATUSES).nullable(),
    to_status: z.enum(PAYMENT_STATUSES).nullable(),
    cause: z.string().describe('api, webhook, browser, job:abandon, job:sync, job:expire, job:refund'),
    cause_id: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'TimelineEntry' });
export type ApiTimelineEntry = z.output<typeof TimelineEntry>;

export const PaymentWithTimeline = Payment.extend({
  timeline: z.array(TimelineEntry).optional().describe('With `?expand=timeline`.'),
}).meta({ id: 'PaymentWithTimeline' });

export const PaymentList = z
  .object({
    object: z.literal('list'),
    data: z.array(Payment).describe('Newest first.'),
    has_more: z
      .boolean()
      .describe(
        'More payments lie beyond this page: pass the last id as `starting_after` (or, paging back, the first id as `ending_before`).',
      ),
  })
  .meta({ id: 'PaymentList' });

export const PaymentParams = z.object({
  id: z.string().max(100, 'id is at most 100 characters.').describe('pay_…'),
});

export const GetPaymentQuery = z.object({
  expand: z.literal('timeline', { error: 'expand accepts only "timeline".' }).optional(),
});

/** `limit` of a list: given once, an integer from 1 to 500 (the route says its default). */
export const LIMIT_PARAM = z
  .string({ error: 'limit must be given once.' })
  .regex(/^\d{1,3}$/, 'limit must be an integer from 1 to 500.')
  .transform(Number)
  .pipe(
    z
      .number()
      .int()
      .min(1, 'limit must be an integer from 1 to 500.')
      .max(500, 'limit must be an integer from 1 to 500.'),
  )
  .optional();

const PAYMENT_ID_PARAM = (name: string) =>
  z
    .string({ error: `${name} must be given once.` })
    .regex(/^pay_[A-Za-z0-9]{1,96}$/, `${name} must be a payment id (pay_…).`);

const QUERY_TIME = (name: string) =>
  z
    .string({ error: `${name} must be given once.` })
    .max(40, `${name} must be a date-time like 2026-11-30T00:00:00Z.`)
    .pipe(z.iso.datetime({ offset: true, error: `${name} must be a date-time like 2026-11-30T00:00:00Z.` }))
    .transform((text) => new Date(text))
    // Year 0 (0000-…, or 0001-01-01 with an offset east of UTC) is a valid ISO date-time, but the
    // embedded database refuses it as a parameter ("date/time field value out of range"): a 500.
    .refine((date) => date.getUTCFullYear() >= 1, {
      error: `${name} must be a date-time from the year 1 on, like 2026-11-30T00:00:00Z.`,
    });

/**
 * `GET /api/payments`: filters, a page size and a cursor, as Stripe's lists take them. Unknown
 * parameters are refused (a misspelt filter must not silently list everything).
 */
export const ListPaymentsQuery = z
  .strictObject({
    status: z
      .enum(PAYMENT_STATUSES, { error: `status must be one of ${PAYMENT_STATUSES.join(', ')}.` })
      .optional()
      .describe('Only payments in this status.'),
    order_id: z
      .string({ error: 'order_id must be given once.' })
      .min(1, 'order_id must not be empty.')
      .max(200, 'order_id is at most 200 characters.')
      .optional()
      .describe('Only the payments of this order.'),
    paid_after_cancel: z
      .enum(['true', 'false'], { error: 'paid_after_cancel must be true or false.' })
      .transform((v) => v === 'true')
      .optional()
      .describe('true: only payments that succeeded after being canceled or expired.'),
    created_gte: QUERY_TIME('created_gte')
      .optional()
      .describe('Only payments created at or after this time (ISO 8601 with offset).'),
    created_lt: QUERY_TIME('created_lt')
      .optional()
      .describe('Only payments created before this time (ISO 8601 with offset).'),
    limit: LIMIT_PARAM.describe('Payments per page, 1 to 500; 50 by default.'),
    starting_after: PAYMENT_ID_PARAM('starting_after')
      .optional()
      .describe('A payment id: the page holds the payments listed after it (older).'),
    ending_before: PAYMENT_ID_PARAM('ending_before')
      .optional()
      .describe('A payment id: the page holds the payments listed before it (newer).'),
  })
  .refine((q) => q.starting_after === undefined || q.ending_before === undefined, {
    error: 'Give starting_after or ending_before, not both.',
    path: ['ending_before'],
  });
export type ListPaymentsQuery = z.output<typeof ListPaymentsQuery>;

const ERROR_CODES = Object.keys(SERVICE_ERRORS) as [ServiceErrorCode, ...ServiceErrorCode[]];

/** Every error answer: a stable code, a message, the parameter at fault. */
export const ErrorEnvelope = z
  .object({
    error: z
      .object({
        code: z.enum(ERROR_CODES),
        message: z.string(),
        param: z.string().optional(),
      })
      .catchall(z.unknown()),
  })
  .meta({ id: 'Error' });

/** The error answers a route may give, by status, all in the envelope. */
export function errorResponses<const S extends readonly number[]>(
  ...statuses: S
): Record<S[number], typeof ErrorEnvelope> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorEnvelope])) as Record<
    S[number],
    typeof ErrorEnvelope
  >;
}
