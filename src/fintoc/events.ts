import { z } from 'zod';
import { FINTOC_ERRORS } from './errors.js';
import { CheckoutSessionSchema, ModeSchema, PaymentIntentSchema, RefundSchema } from './schemas.js';
import type { CheckoutSession, PaymentIntent, Refund } from './schemas.js';

/** The payment intent events Fintoc documents; their `data` is a {@link PaymentIntent}. */
export const PAYMENT_INTENT_EVENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.failed',
  'payment_intent.rejected',
  'payment_intent.expired',
  'payment_intent.pending',
] as const;
/** `checkout_session.completed` in one old guide is a docs typo for `finished`. */
export const CHECKOUT_SESSION_EVENT_TYPES = [
  'checkout_session.finished',
  'checkout_session.expired',
] as const;
/** Refund events; Fintoc documents `in_progress` and `succeeded`, the other two are inferred. */
export const REFUND_EVENT_TYPES = [
  'refund.in_progress',
  'refund.succeeded',
  'refund.failed',
  'refund.canceled',
] as const;
/**
 * Payout events (Fintoc documents `created`, `succeeded` and `canceled`; `returned` is inferred).
 * `parseEvent` leaves them generic, as before, so a receiver that does not reconcile keeps
 * acknowledging them: read their `data` with `PayoutSchema`.
 */
export const PAYOUT_EVENT_TYPES = [
  'payout.created',
  'payout.succeeded',
  'payout.canceled',
  'payout.returned',
] as const;
export type PayoutEventType = (typeof PAYOUT_EVENT_TYPES)[number];

export type PaymentIntentEventType = (typeof PAYMENT_INTENT_EVENT_TYPES)[number];
export type CheckoutSessionEventType = (typeof CHECKOUT_SESSION_EVENT_TYPES)[number];
export type RefundEventType = (typeof REFUND_EVENT_TYPES)[number];

const Envelope = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  object: z.literal('event').optional(),
  mode: ModeSchema.optional(),
  created_at: z.string().optional(),
  data: z.unknown(),
});
const KnownEnvelope = Envelope.extend({ mode: ModeSchema, created_at: z.iso.datetime({ offset: true }) });

interface EventBase {
  id: string;
  object?: 'event';
  mode: 'test' | 'live';
  created_at: string;
  [key: string]: unknown;
}
/**
 * A `payment_intent.*` event: `data` is the whole payment intent at the time of the event.
 *
 * @example
 * if (isPaymentIntentEvent(event) && event.data.status === 'succeeded') markPaid(event.data.id);
 */
export interface PaymentIntentEvent extends EventBase {
  type: PaymentIntentEventType;
  data: PaymentIntent;
}
export interface CheckoutSessionEvent extends EventBase {
  type: CheckoutSessionEventType;
  data: CheckoutSession;
}
export interface RefundEvent extends EventBase {
  type: RefundEventType;
  data: Refund;
}
/** An event of a type this module does not model (payouts, new types): stored and acknowledged, not applied. */
export interface GenericFintocEvent {
  id: string;
  type: string;
  object?: 'event';
  mode?: 'test' | 'live';
  created_at?: string;
  data: unknown;
  [key: string]: unknown;
}
export type KnownFintocEvent = PaymentIntentEvent | CheckoutSessionEvent | RefundEvent;
/**
 * What {@link parseEvent} and `verify` return: a typed known event or a generic one. Narrow it with
 * `isPaymentIntentEvent` & co. (a `type` comparison alone cannot rule out the generic case).
 *
 * @example
 * const event: FintocEvent = parseEvent(json);
 */
export type FintocEvent = KnownFintocEvent | GenericFintocEvent;

/**
 * Thrown by {@link parseEvent} when the JSON is not a Fintoc event. Code: `invalid_event`.
 */
export class FintocEventError extends Error {
  readonly code = 'invalid_event' as const;
  readonly fix = FINTOC_ERRORS.invalid_event.fix;
  constructor(message: string) {
    super(message);
    this.name = 'FintocEventError';
  }
}

const includes = <T extends string>(list: readonly T[], value: string): value is T =>
  (list as readonly string[]).includes(value);

/** @example if (isPaymentIntentEvent(event)) event.data.status; */
export function isPaymentIntentEvent(event: FintocEvent): event is PaymentIntentEvent {
  return includes(PAYMENT_INTENT_EVENT_TYPES, event.type);
}
/** @example if (isCheckoutSessionEvent(event)) event.data.payment_resource; */
export function isCheckoutSessionEvent(event: FintocEvent): event is CheckoutSessionEvent {
  return includes(CHECKOUT_SESSION_EVENT_TYPES, event.type);
}
/** @example if (isRefundEvent(event)) event.data.resource_id; */
export function isRefundEvent(event: FintocEvent): event is RefundEvent {
  return includes(REFUND_EVENT_TYPES, event.type);
}
/** @example if (!isKnownEvent(event)) return ack(); */
export function isKnownEvent(event: FintocEvent): event is KnownFintocEvent {
  return isPaymentIntentEvent(event) || isCheckoutSessionEvent(event) || isRefundEvent(event);
}

function dataSchemaFor(type: string): z.ZodType | null {
  if (includes(PAYMENT_INTENT_EVENT_TYPES, type)) return PaymentIntentSchema;
  if (includes(CHECKOUT_SESSION_EVENT_TYPES, type)) return CheckoutSessionSchema;
  if (includes(REFUND_EVENT_TYPES, type)) return RefundSchema;
  return null;
}

function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/**
 * Parses a webhook event (already JSON-parsed). Known types (`payment_intent.*`, `checkout_session.*`,
 * `refund.*` as listed) get a typed `data`; any other type parses as a {@link GenericFintocEvent}.
 * Throws {@link FintocEventError} when the envelope is broken, or when a known type's `data` is not
 * the documented object: a `payment_intent.succeeded` that cannot be read must never be acknowledged
 * as if it were an unknown event.
 *
 * @example
 * const event = parseEvent(JSON.parse(rawBody));
 * if (isPaymentIntentEvent(event)) console.log(event.data.status);
 */
export function parseEvent(json: unknown): FintocEvent {
  const envelope = Envelope.safeParse(json);
  if (!envelope.success) {
    throw new FintocEventError(`Not a Fintoc event: ${describeIssues(envelope.error, '')}`);
  }
  const schema = dataSchemaFor(envelope.data.type);
  if (!schema) return envelope.data as GenericFintocEvent;
  const known = KnownEnvelope.safeParse(json);
  if (!known.success) {
    throw new FintocEventError(`Not a valid ${envelope.data.type} event: ${describeIssues(known.error, '')}`);
  }
  const data = schema.safeParse(known.data.data);
  if (!data.success) {
    throw new FintocEventError(
      `The data of ${envelope.data.type} event ${envelope.data.id} is not the documented object: ${describeIssues(data.error, 'data')}`,
    );
  }
  return { ...known.data, data: data.data } as KnownFintocEvent;
}
