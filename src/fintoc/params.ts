/**
 * The bodies of Fintoc's create and update calls, as zod schemas: the client's request types are
 * inferred from them (`z.input`), and the sandbox parses what it receives with the same ones, so
 * the two sides cannot drift. They check shape and type as Fintoc documents them; policy that is
 * the sandbox's own (which URLs it calls, how far ahead a session may expire) stays in the sandbox.
 * Unknown keys are allowed and kept: Fintoc adds parameters over time.
 *
 * Each message names the parameter and what it accepts; `z.input<…>` is the type a caller writes.
 */
import { z } from 'zod';

/** A JSON object of any keys (metadata, business profile, options). */
const jsonObject = (name: string) =>
  z.record(z.string(), z.unknown(), { error: `${name} must be a JSON object.` }).nullish();

const text = (name: string) => z.string({ error: `${name} must be a string.` }).nullish();

const AMOUNT_MESSAGE =
  'amount must be a positive integer in the smallest unit of the currency (CLP: pesos, MXN: centavos); e.g. 5000.';

/** Integer minor units (CLP has none: 5000 = $5.000 CLP; MXN counts centavos). */
export const AmountParam = z
  .number({ error: AMOUNT_MESSAGE })
  .int({ error: AMOUNT_MESSAGE })
  .positive({ error: AMOUNT_MESSAGE });

/** The currencies Fintoc's payment initiation takes, in any case (`clp` is `CLP`). */
export const PAYMENT_CURRENCIES = ['CLP', 'MXN'] as const;
const currencyMessage = (input: unknown) =>
  `currency must be CLP or MXN; got ${JSON.stringify(input)?.slice(0, 60) ?? String(input)}.`;
export const CurrencyParam = z
  .string({ error: (issue) => currencyMessage(issue.input) })
  .refine((c) => (PAYMENT_CURRENCIES as readonly string[]).includes(c.toUpperCase()), {
    error: (issue) => currencyMessage(issue.input),
  });

/** A bank account: all four fields name it; the sandbox fills the ones left out of a recipient. */
export const AccountParamsSchema = z.looseObject(
  {
    holder_id: text('holder_id'),
    number: text('number'),
    type: text('type'),
    institution_id: text('institution_id'),
  },
  { error: 'the account must be a JSON object of holder_id, number, type and institution_id.' },
);

const BusinessProfileSchema = z.looseObject(
  { category: text('category'), name: text('name'), tax_id: text('tax_id') },
  { error: 'business_profile must be a JSON object.' },
);

/** `POST /v1/payment_intents`. */
export const PaymentIntentCreateParamsSchema = z.looseObject({
  amount: AmountParam,
  currency: CurrencyParam,
  customer_email: text('customer_email'),
  metadata: jsonObject('metadata'),
  recipient_account: AccountParamsSchema.nullish(),
  sender_account: AccountParamsSchema.nullish(),
  business_profile: BusinessProfileSchema.nullish(),
  payment_type: text('payment_type'),
  /** Unix seconds. */
  expires_at: z.number({ error: 'expires_at must be unix seconds.' }).int().nullish(),
});

/** A URL Fintoc sends the customer (or its events) to. */
const url = (name: string) => z.string({ error: `${name} must be a string URL.` });

/** `POST /v1/checkout_sessions` (2023-11-15). */
export const CheckoutSessionCreateParamsSchema = z.looseObject({
  amount: AmountParam,
  currency: CurrencyParam,
  success_url: url('success_url'),
  cancel_url: url('cancel_url'),
  customer_email: text('customer_email'),
  metadata: jsonObject('metadata'),
  business_profile: BusinessProfileSchema.nullish(),
  payment_method_types: z
    .array(z.string(), { error: 'payment_method_types must be an array of payment methods.' })
    .nullish(),
  payment_method_options: jsonObject('payment_method_options'),
  expires_at: z
    .union([z.number().int(), z.string()], {
      error: 'expires_at must be unix seconds or an ISO 8601 time.',
    })
    .nullish(),
});

export const CHECKOUT_SESSION_UI_MODE_PARAMS = ['hosted', 'embedded'] as const;

const CustomerParamsSchema = z.looseObject(
  {
    name: text('customer.name'),
    email: text('customer.email'),
    phone: text('customer.phone'),
    tax_id: z
      .looseObject(
        { type: z.string(), value: z.string() },
        { error: 'customer.tax_id must be {type, value}.' },
      )
      .nullish(),
    address: jsonObject('customer.address'),
    metadata: jsonObject('customer.metadata'),
  },
  { error: 'customer must be a JSON object.' },
);

/** `POST /v2/checkout_sessions` (2026-02-01). `success_url`/`cancel_url` are required for `hosted`. */
export const CheckoutSessionV2CreateParamsSchema = CheckoutSessionCreateParamsSchema.extend({
  /** `hosted` (default): send the customer to `redirect_url`; `embedded`: open the widget with `session_token`. */
  ui_mode: z
    .enum(CHECKOUT_SESSION_UI_MODE_PARAMS, {
      error: (issue) =>
        `ui_mode must be "hosted" (redirect the customer to redirect_url) or "embedded" (open the widget with session_token); got ${JSON.stringify(issue.input)?.slice(0, 60)}.`,
    })
    .nullish(),
  success_url: url('success_url').nullish(),
  cancel_url: url('cancel_url').nullish(),
  customer: CustomerParamsSchema.nullish(),
});

const eventTypes = z.array(z.string(), {
  error: 'enabled_events must be a non-empty array of event types, e.g. ["payment_intent.succeeded"].',
});

/** `POST /v1/webhook_endpoints`. */
export const WebhookEndpointCreateParamsSchema = z.looseObject({
  url: url('url'),
  enabled_events: eventTypes,
  description: text('description'),
});

/** `PATCH /v1/webhook_endpoints/:id`. */
export const WebhookEndpointUpdateParamsSchema = z.looseObject({
  url: url('url').optional(),
  enabled_events: eventTypes.optional(),
  description: text('description'),
  disabled: z.boolean({ error: 'disabled must be true or false.' }).optional(),
});

/** `POST /v1/refunds`. Without `amount`, the whole amount left. */
export const RefundCreateParamsSchema = z.looseObject({
  resource_type: z.literal('payment_intent', { error: 'resource_type must be "payment_intent".' }),
  resource_id: z.string({ error: 'resource_id must be a payment intent id (pi_…).' }).min(1),
  amount: z
    .number({ error: "amount must be a positive integer in the currency's smallest unit." })
    .int({ error: "amount must be a positive integer in the currency's smallest unit." })
    .positive({ error: "amount must be a positive integer in the currency's smallest unit." })
    .nullish(),
  metadata: jsonObject('metadata'),
});

export type AccountParams = z.input<typeof AccountParamsSchema>;
/**
 * The body of `POST /v1/payment_intents`; unknown keys are sent as given.
 *
 * @example
 * const params: PaymentIntentCreateParams = { amount: 5000, currency: 'CLP', customer_email: 'ana@example.com' };
 */
export type PaymentIntentCreateParams = z.input<typeof PaymentIntentCreateParamsSchema>;
export type CheckoutSessionCreateParams = z.input<typeof CheckoutSessionCreateParamsSchema>;
/**
 * The body of `POST /v2/checkout_sessions`; unknown keys are sent as given.
 *
 * @example
 * const params: CheckoutSessionV2CreateParams = { amount: 5000, currency: 'CLP', ui_mode: 'embedded', metadata: { payment_id: 'pay_1' } };
 */
export type CheckoutSessionV2CreateParams = z.input<typeof CheckoutSessionV2CreateParamsSchema>;
export type WebhookEndpointCreateParams = z.input<typeof WebhookEndpointCreateParamsSchema>;
export type WebhookEndpointUpdateParams = z.input<typeof WebhookEndpointUpdateParamsSchema>;
export type RefundCreateParams = z.input<typeof RefundCreateParamsSchema>;
