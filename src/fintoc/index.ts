/**
 * `pasarela/fintoc`: the Fintoc contract for any Node app — schemas of every object and event, a typed
 * client, webhook signatures, error classes, id and key helpers.
 *
 * @example
 * import { createFintocClient, verify } from 'pasarela/fintoc';
 */
export {
  FINTOC_API_URL,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_REQUESTS_PER_SECOND,
  V2_API_VERSION,
  createFintocClient,
} from './client.js';
export type {
  FintocClient,
  FintocClientOptions,
  RequestOptions,
  ListQuery,
  PaymentIntentListParams,
  CheckoutSessionListParams,
  PayoutListParams,
} from './client.js';
export {
  AmountParam,
  CurrencyParam,
  PAYMENT_CURRENCIES,
  AccountParamsSchema,
  PaymentIntentCreateParamsSchema,
  CheckoutSessionCreateParamsSchema,
  CheckoutSessionV2CreateParamsSchema,
  CHECKOUT_SESSION_UI_MODE_PARAMS,
  WebhookEndpointCreateParamsSchema,
  WebhookEndpointUpdateParamsSchema,
  RefundCreateParamsSchema,
} from './params.js';
export type {
  AccountParams,
  PaymentIntentCreateParams,
  CheckoutSessionCreateParams,
  CheckoutSessionV2CreateParams,
  WebhookEndpointCreateParams,
  WebhookEndpointUpdateParams,
  RefundCreateParams,
} from './params.js';
export {
  FintocError,
  FintocAuthenticationError,
  FintocInvalidRequestError,
  FintocApiError,
  FintocInstitutionError,
  FintocLinkError,
  FintocRateLimitError,
  FintocConnectionError,
  errorFromResponse,
} from './api-errors.js';
export type { FintocErrorInit } from './api-errors.js';
export {
  shouldRetry,
  backoffMs,
  parseRetryAfter,
  parseLinkHeader,
  createRateLimiter,
  MAX_RETRY_AFTER_MS,
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
} from './http-rules.js';
export type { AttemptOutcome } from './http-rules.js';

export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export type { KeyMode, KeyPairCheck } from './keys.js';
export { keyMode, keyKind, checkKeyPair } from './keys.js';
export type { IdPrefix } from './ids.js';
export { newId } from './ids.js';
export type { FintocErrorCode } from './errors.js';
export { FINTOC_ERRORS, FINTOC_ERROR_TYPE_FIXES } from './errors.js';
export type { WebhookSignatureErrorCode } from './webhook-signature.js';
export {
  sign,
  verify,
  WebhookSignatureError,
  SIGNATURE_HEADER,
  DEFAULT_TOLERANCE_SECONDS,
} from './webhook-signature.js';
export type {
  PaymentIntentStatus,
  KnownPaymentIntentErrorReason,
  Account,
  PaymentIntent,
  CheckoutSession,
  CheckoutSessionStatus,
  CheckoutSessionUiMode,
  WebhookEndpoint,
  Refund,
  RefundStatus,
  Whoami,
  FintocErrorEnvelope,
  Payout,
  PayoutStatus,
  PayoutResourceType,
} from './schemas.js';
export {
  ModeSchema,
  PAYMENT_INTENT_STATUSES,
  PaymentIntentStatusSchema,
  PAYMENT_INTENT_ERROR_REASONS,
  AccountSchema,
  BusinessProfileSchema,
  PaymentIntentSchema,
  CHECKOUT_SESSION_STATUSES,
  CheckoutSessionSchema,
  CHECKOUT_SESSION_UI_MODES,
  sessionPaymentIntent,
  sessionPaymentIntentId,
  WebhookEndpointSchema,
  REFUND_STATUSES,
  RefundSchema,
  WhoamiSchema,
  FintocErrorEnvelopeSchema,
  PAYOUT_STATUSES,
  PayoutSchema,
  PAYOUT_RESOURCE_TYPES,
} from './schemas.js';
export type {
  FintocEvent,
  KnownFintocEvent,
  GenericFintocEvent,
  PaymentIntentEvent,
  CheckoutSessionEvent,
  RefundEvent,
  PaymentIntentEventType,
  CheckoutSessionEventType,
  RefundEventType,
  PayoutEventType,
} from './events.js';
export {
  PAYMENT_INTENT_EVENT_TYPES,
  CHECKOUT_SESSION_EVENT_TYPES,
  REFUND_EVENT_TYPES,
  PAYOUT_EVENT_TYPES,
  parseEvent,
  FintocEventError,
  isPaymentIntentEvent,
  isCheckoutSessionEvent,
  isRefundEvent,
  isKnownEvent,
} from './events.js';
export type {
  Country,
  PayoutSchedule,
  DailyReportSchedule,
  MoneyWindow,
  BusinessCalendarOptions,
} from './calendar.js';
export {
  TIME_ZONES,
  PAYOUT_SCHEDULES,
  DAILY_REPORT_SCHEDULES,
  BusinessCalendar,
  holidays,
  juneSolstice,
  isDate,
  addDays,
  weekday,
  localDate,
  localDateTime,
  localTime,
  defaultPayoutSchedule,
  payoutWindowAt,
  dailyReportWindowAt,
} from './calendar.js';
export type { ReportKind, ReportColumn, ReportLineType, FeeRate } from './reports.js';
export {
  REPORT_KINDS,
  REQUIRED_REPORT_COLUMNS,
  REPORT_COLUMNS,
  REPORT_LINE_TYPES,
  REPORT_SEPARATOR,
  orgSlug,
  payoutReportFilename,
  dailyReportFilename,
  parseReportFilename,
  transactionFee,
} from './reports.js';
