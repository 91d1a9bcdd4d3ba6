/**
 * `pasarela/service`: the payments service a shop runs. Build the Fastify app on a store, or start
 * the whole server from environment variables.
 *
 * @example
 * import { loadConfig, startServer } from 'pasarela/service';
 * const result = loadConfig(process.env);
 * if (result.ok) await startServer(result.config);
 */
export { buildApp, WEBHOOK_BODY_LIMIT, API_BODY_LIMIT } from './app.js';
export type { BuildOptions } from './app.js';
export type { GoLiveReport, GoLiveRunner } from './routes/dashboard/index.js';
export { CONFIG_VARIABLES, loadConfig, publicConfig, secretsOf, isStandardWebhookSecret } from './config.js';
export { parseEnvFile, environmentWithEnvFile, EnvFileError, ENV_LINE } from './env-file.js';
export { serviceWebhookEvents } from './webhook-events.js';
export type { PaymentFlow } from './webhook-events.js';
export type { ServiceConfig, PublicConfig, ConfigResult, Country, LatePaymentPolicy } from './config.js';
export { openDatabase, pgliteParsers, SHIPPED_IMAGE } from './db/database.js';
export type { Database, DatabaseOptions } from './db/database.js';
export { migrate, pendingMigrations, MIGRATIONS } from './db/migrations.js';
export * as repositories from './db/repositories/index.js';
export type { PaymentRow, TimelineRow, InboxRow, NotificationRow } from './db/schema.js';
export { parseDuration, formatDuration } from './duration.js';
export { SERVICE_ERRORS, ServiceError } from './errors.js';
export type { ServiceErrorCode } from './errors.js';
export type { FintocPort } from './fintoc-port.js';
export { Inbox, UNKNOWN_INTENT_MAX_ATTEMPTS } from './inbox.js';
export { JobRunner, jobBackoffMs } from './jobs/runner.js';
export type { Checkpoint } from './checkpoint.js';
export type { JobRunnerOptions } from './jobs/runner.js';
export { createLogger, redactor } from './logger.js';
export { CURRENCIES, DEFAULT_AMOUNT_LIMITS, checkAmount } from './money.js';
export type { Currency } from './money.js';
export {
  standardWebhookSignature,
  standardWebhookHeaders,
  notificationBackoffMs,
  deliveryOutcome,
  NOTIFICATION_TIMEOUT_MS,
} from './notify.js';
export { MerchantEndpoint } from './merchant-endpoint.js';
export type { MerchantEndpointState } from './merchant-endpoint.js';
export { PaymentsService, syncDelayMs, paymentToApi } from './payments/index.js';
export type { ApiPayment, ApiTimelineEntry } from './routes/api/schemas.js';
export { startServer, closeOnSignals, openConfiguredDatabase, DatabaseUnreachableError } from './server.js';
export type { RunningServer, OpenOptions } from './server.js';
export {
  transition,
  eventForIntentStatus,
  notificationFor,
  isFinal,
  PAYMENT_STATUSES,
  PAYMENT_EVENT_TYPES,
  OPEN_STATUSES,
  FINAL_STATUSES,
} from './state.js';
export type { PaymentStatus, PaymentEvent, Transition } from './state.js';
