import { z } from 'zod';

// Fintoc adds fields over time: every object is a looseObject, so unknown keys are kept, never an error.

/** Fintoc timestamps: ISO 8601 in UTC, with or without milliseconds. */
const Timestamp = z.iso.datetime({ offset: true });
/** `expires_at` is ISO in objects but unix seconds in requests; accept both when reading. */
const TimeOrUnix = z.union([Timestamp, z.int()]);
const Metadata = z.record(z.string(), z.unknown());

/** `test` or `live`: every Fintoc object lives in exactly one mode. @example ModeSchema.parse('test'); */
export const ModeSchema = z.enum(['test', 'live']);

/**
 * Every status a payment intent can have (2023-11-15 plus `requires_action` from the current version).
 *
 * @example
 * PAYMENT_INTENT_STATUSES.includes('succeeded'); // true
 */
export const PAYMENT_INTENT_STATUSES = [
  'created',
  'in_progress',
  'requires_action',
  'pending',
  'succeeded',
  'failed',
  'rejected',
  'expired',
] as const;
export type PaymentIntentStatus = (typeof PAYMENT_INTENT_STATUSES)[number];
export const PaymentIntentStatusSchema = z.enum(PAYMENT_INTENT_STATUSES);

/**
 * The documented `error_reason` values. The set is OPEN ("may grow — don't assume closed"), so
 * `PaymentIntent['error_reason']` is `string | null`; use this list for display and analytics only.
 *
 * @example
 * const known = (PAYMENT_INTENT_ERROR_REASONS as readonly string[]).includes(pi.error_reason ?? '');
 */
export const PAYMENT_INTENT_ERROR_REASONS = [
  'amount_limit_reached',
  'bank_account_locked',
  'bank_connection_error',
  'bank_not_available',
  'insufficient_funds',
  'login_credentials_locked',
  'login_invalid_credentials',
  'manually_expired',
  'maximum_amount_error',
  'mfa_authorization_timeout',
  'mfa_invalid_authorization',
  'mfa_locked',
  'mfa_unavailable',
  'new_contact_amount_limit_reached',
  'new_contact_transfer_number_limit_reached',
  'recipient_account_not_allowed',
  'unresolved_final_status',
] as const;
export type KnownPaymentIntentErrorReason = (typeof PAYMENT_INTENT_ERROR_REASONS)[number];

/** A bank account as Fintoc shows it (`sender_account`, `recipient_account`). */
export const AccountSchema = z.looseObject({
  holder_id: z.string(),
  institution_id: z.string(),
  number: z.string(),
  type: z.string(),
  holder_name: z.string().nullable().optional(),
});
export type Account = z.infer<typeof AccountSchema>;

export const BusinessProfileSchema = z.looseObject({
  category: z.string().nullable().optional(),
  name: z.string().nullable().optional(),
  tax_id: z.string().nullable().optional(),
});

/**
 * A payment intent: every field of the 2023-11-15 object (nulls as documented: `widget_token` only on
 * create, `sender_account` null when the customer left before choosing an account, `error_reason`
 * null unless failed/rejected/expired) plus the optional fields of the current version.
 *
 * @example
 * const pi = PaymentIntentSchema.parse(json);
 * if (pi.status === 'succeeded') fulfil(pi.id);
 */
export const PaymentIntentSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('payment_intent'),
  amount: z.int(),
  currency: z.string().min(1),
  created_at: Timestamp,
  customer_email: z.string().nullable(),
  error_reason: z.string().nullable(),
  metadata: Metadata,
  mode: ModeSchema,
  recipient_account: AccountSchema.nullable(),
  reference_id: z.string().nullable(),
  sender_account: AccountSchema.nullable(),
  status: PaymentIntentStatusSchema,
  transaction_date: z.string().nullable(),
  widget_token: z.string().nullable(),
  business_profile: BusinessProfileSchema.nullable(),
  // Current version (v2026-02-01) and later: optional.
  customer: z
    .union([z.string(), z.looseObject({})])
    .nullable()
    .optional(),
  expires_at: TimeOrUnix.nullable().optional(),
  next_action: z.looseObject({}).nullable().optional(),
  payment_method: z
    .union([z.string(), z.looseObject({})])
    .nullable()
    .optional(),
  payment_type: z.string().nullable().optional(),
  payment_type_options: z.looseObject({}).nullable().optional(),
  subscription: z
    .union([z.string(), z.looseObject({})])
    .nullable()
    .optional(),
});
export type PaymentIntent = z.infer<typeof PaymentIntentSchema>;

/**
 * `created` (nobody paid yet), `in_progress` (the customer started), `finished` (its payment reached a
 * final status: read it in `payment_resource.payment_intent`), `expired` (expired, or the customer left).
 *
 * @example
 * CHECKOUT_SESSION_STATUSES.includes('finished'); // true
 */
export const CHECKOUT_SESSION_STATUSES = ['created', 'in_progress', 'finished', 'expired'] as const;
export type CheckoutSessionStatus = (typeof CHECKOUT_SESSION_STATUSES)[number];

/** `hosted`: Fintoc's page at `redirect_url`; `embedded`: the widget opened with `session_token`. */
export const CHECKOUT_SESSION_UI_MODES = ['hosted', 'embedded'] as const;
export type CheckoutSessionUiMode = (typeof CHECKOUT_SESSION_UI_MODES)[number];

/**
 * A checkout session, v1 (2023-11-15) or v2 (2026-02-01). `payment_resource.payment_intent` is the
 * resulting payment intent, as an object or an id (read it with {@link sessionPaymentIntentId}).
 * `session_token` (for the widget's `sessionToken`) and `redirect_url` are null where the session's
 * `ui_mode` does not use them.
 *
 * @example
 * const cs = CheckoutSessionSchema.parse(json); redirect(cs.redirect_url);
 */
export const CheckoutSessionSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('checkout_session'),
  amount: z.int(),
  currency: z.string().min(1),
  created_at: Timestamp,
  mode: ModeSchema,
  status: z.enum(CHECKOUT_SESSION_STATUSES),
  business_profile: BusinessProfileSchema.nullable().optional(),
  cancel_url: z.string().nullable().optional(),
  success_url: z.string().nullable().optional(),
  customer: z
    .union([z.string(), z.looseObject({})])
    .nullable()
    .optional(),
  customer_email: z.string().nullable().optional(),
  expires_at: TimeOrUnix.nullable().optional(),
  flow: z.string().nullable().optional(),
  metadata: Metadata.nullable().optional(),
  payment_method: z
    .union([z.string(), z.looseObject({})])
    .nullable()
    .optional(),
  payment_method_options: z.looseObject({}).nullable().optional(),
  payment_method_types: z.array(z.string()).nullable().optional(),
  payment_resource: z
    .looseObject({ payment_intent: z.union([z.string(), PaymentIntentSchema]).nullable().optional() })
    .nullable()
    .optional(),
  redirect_url: z.string().nullable().optional(),
  session_token: z.string().nullable().optional(),
  // A string, not the enum: Fintoc may add modes, and a session must still parse.
  ui_mode: z.string().nullable().optional(),
  line_items: z.array(z.unknown()).nullable().optional(),
});
export type CheckoutSession = z.infer<typeof CheckoutSessionSchema>;

/**
 * The session's payment intent when Fintoc sent it whole, else null (none yet, or only its id).
 *
 * @example
 * const pi = sessionPaymentIntent(event.data); if (pi?.status === 'succeeded') fulfil();
 */
export function sessionPaymentIntent(session: CheckoutSession): PaymentIntent | null {
  const pi = session.payment_resource?.payment_intent;
  return pi !== null && typeof pi === 'object' ? pi : null;
}

/**
 * The id of the session's payment intent, whether Fintoc sent the intent or its id; null before the
 * customer opened the payment.
 *
 * @example
 * sessionPaymentIntentId(cs); // 'pi_…' or null
 */
export function sessionPaymentIntentId(session: CheckoutSession): string | null {
  const pi = session.payment_resource?.payment_intent;
  if (typeof pi === 'string') return pi;
  return pi?.id ?? null;
}

/**
 * A webhook endpoint. `secret` (`whsec_…`) is returned only on create, null afterwards.
 *
 * @example
 * const we = await client.webhookEndpoints.create({ url, enabled_events }); save(we.secret);
 */
export const WebhookEndpointSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('webhook_endpoint'),
  created_at: Timestamp,
  description: z.string().nullable(),
  enabled_events: z.array(z.string()),
  mode: ModeSchema,
  secret: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']),
  url: z.string(),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;

/** Older docs say `pending` where current ones say `created`; both are accepted. */
export const REFUND_STATUSES = [
  'created',
  'pending',
  'in_progress',
  'succeeded',
  'failed',
  'canceled',
] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/**
 * A refund of a payment intent.
 *
 * @example
 * const re = RefundSchema.parse(json); re.resource_id; // 'pi_…'
 */
export const RefundSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('refund'),
  amount: z.int(),
  currency: z.string().min(1),
  created_at: Timestamp,
  updated_at: Timestamp.nullable().optional(),
  metadata: Metadata,
  mode: ModeSchema,
  resource_id: z.string(),
  resource_type: z.string(),
  status: z.enum(REFUND_STATUSES),
  failure_code: z.string().nullable().optional(),
  recipient_account: AccountSchema.nullable().optional(),
});
export type Refund = z.infer<typeof RefundSchema>;

export const PAYOUT_STATUSES = ['in_progress', 'succeeded', 'canceled', 'returned'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/**
 * A payout (Fintoc Collects): money Fintoc sends to the organisation's bank account, net of fees.
 * `succeeded_at` is null until it arrives.
 *
 * @example
 * const po = PayoutSchema.parse(json); if (po.status === 'succeeded') console.log(po.amount);
 */
export const PayoutSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('payout'),
  amount: z.int(),
  currency: z.string().min(1),
  created_at: Timestamp,
  mode: ModeSchema,
  recipient_account: AccountSchema.nullable(),
  status: z.enum(PAYOUT_STATUSES),
  succeeded_at: Timestamp.nullable().optional(),
  updated_at: Timestamp.nullable().optional(),
});
export type Payout = z.infer<typeof PayoutSchema>;

/** What `GET /v1/payouts/{id}/resources` lists (`charge` belongs to other products; accepted, not modelled). */
export const PAYOUT_RESOURCE_TYPES = ['payment_intent', 'refund', 'refund_adjustment', 'charge'] as const;
export type PayoutResourceType = (typeof PAYOUT_RESOURCE_TYPES)[number];

/**
 * The body of `GET /v1/whoami`.
 *
 * @example
 * (await client.whoami()).mode; // 'test'
 */
export const WhoamiSchema = z.looseObject({
  organization_name: z.string().nullable().optional(),
  mode: ModeSchema,
  api_version: z.string().nullable().optional(),
});
export type Whoami = z.infer<typeof WhoamiSchema>;

/**
 * Fintoc's error envelope: `{"error":{"type","code","message","param","doc_url"}}`.
 *
 * @example
 * FintocErrorEnvelopeSchema.parse({ error: { type: 'invalid_request_error', code: 'missing_parameter', message: 'Missing required param: amount', param: 'amount', doc_url: null } });
 */
export const FintocErrorEnvelopeSchema = z.looseObject({
  error: z.looseObject({
    type: z.string().min(1),
    code: z.string().nullable().optional(),
    message: z.string().nullable().optional(),
    param: z.string().nullable().optional(),
    doc_url: z.string().nullable().optional(),
  }),
});
export type FintocErrorEnvelope = z.infer<typeof FintocErrorEnvelopeSchema>;
