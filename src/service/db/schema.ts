import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { Currency } from '../money.js';
import type { PaymentFlow, PaymentStatus } from '../state.js';

/** The tables, as Kysely sees them. Times are `timestamptz` (Date); money is `bigint` read as number. */
export interface PaymentsTable {
  id: string;
  order_id: string;
  amount: number;
  currency: Currency;
  /** The status union: the database's CHECK constraint and the state module name the same six. */
  status: PaymentStatus;
  customer_email: string | null;
  /** The shop's string values (validated on creation). */
  metadata: ColumnType<Record<string, string>, string, string>;
  payment_intent_id: string | null;
  widget_token: string | null;
  /** The last status Fintoc reported for the intent (webhook, GET or expire). */
  intent_status: string | null;
  failure_reason: string | null;
  paid_after_cancel: boolean;
  refund_id: string | null;
  idempotency_key: string | null;
  request_hash: string | null;
  expires_at: Date;
  created_at: Date;
  updated_at: Date;
  finalized_at: Date | null;
  /**
   * Set when the deadline starts closing the payment (it then expires the intent at Fintoc): the expiry
   * that follows is our cancellation, and no new attempt starts.
   */
  expire_requested_at: Date | null;
  /** The current attempt: only its intent may become the payment's (null only before migration 0003). */
  attempt_id: string | null;
  /** How it is paid at Fintoc; payments older than migration 0006 are `intent`. */
  flow: ColumnType<PaymentFlow, PaymentFlow | undefined, PaymentFlow>;
  /**
   * The current attempt's Checkout Session (session and redirect flows). Its payment intent, once
   * Fintoc names it, is `payment_intent_id`.
   */
  checkout_session_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The session's `session_token` (session flow): for the widget only, never logged. */
  session_token: ColumnType<string | null, string | null | undefined, string | null>;
  /** Fintoc's hosted page for the session (redirect flow). */
  redirect_url: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PaymentAttemptsTable {
  id: string;
  payment_id: string;
  /** Sent to Fintoc on create; reused when this attempt is retried, never shared with another. */
  idempotency_key: string;
  payment_intent_id: string | null;
  /** The Checkout Session this attempt created (session and redirect flows). */
  checkout_session_id: ColumnType<string | null, string | null | undefined, string | null>;
  error: string | null;
  created_at: Date;
}

export interface TimelineTable {
  id: Generated<number>;
  payment_id: string;
  at: Date;
  kind: 'created' | 'status' | 'ignored' | 'browser' | 'note';
  from_status: PaymentStatus | null;
  to_status: PaymentStatus | null;
  /** `api`, `webhook`, `browser`, `job:abandon`, `job:sync`, `job:refund`. */
  cause: string;
  cause_id: string | null;
  detail: ColumnType<Record<string, unknown> | null, string | null, string | null>;
}

export interface InboxTable {
  event_id: string;
  type: string;
  intent_id: string | null;
  body: string;
  received_at: Date;
  applied_at: Date | null;
  /** `applied`, `no_change`, `unknown_type`, `unknown_intent`, `unreadable`. */
  outcome: string | null;
  attempts: number;
  last_error: string | null;
  /** When the applier may (next) take it; null once applied or given up. */
  apply_after: Date | null;
  locked_until: Date | null;
  locked_by: string | null;
  /** Arrival order, to apply events received at the same instant in the order they came. */
  seq: Generated<number>;
}

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  ref: string;
  run_at: Date;
  attempts: Generated<number>;
  locked_until: Date | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: Date;
}

export interface NotificationsTable {
  id: string;
  /** Null for a notification about no single payment (`reconciliation.mismatch`). */
  payment_id: string | null;
  type: string;
  /** The exact body sent, so every retry is byte-identical. */
  payload: string;
  created_at: Date;
  delivered_at: Date | null;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
}

export interface MerchantEndpointsTable {
  /** SHA-256 (hex) of MERCHANT_WEBHOOK_URL. */
  url_hash: string;
  disabled_at: Date | null;
  disabled_reason: string | null;
}

/** `@fastify/rate-limit`'s counters: hits of a key in its current fixed window. */
export interface RateLimitsTable {
  key: string;
  hits: number;
  window_start: Date;
}

/** A Fintoc report file as received: its exact bytes, once per SHA-256. */
export interface ReportFilesTable {
  id: string;
  sha256: string;
  filename: string | null;
  /** `payout` or `daily`, from the file name; null when the name does not say. */
  kind: string | null;
  report_date: string | null;
  org: string | null;
  bytes: number;
  line_count: number;
  columns: ColumnType<string[], string, string>;
  extra_columns: ColumnType<string[], string, string>;
  /** `upload`, `folder`, `maildir`. */
  source: string;
  content: Uint8Array;
  received_at: Date;
}

/** One line of a report file (`line` is the file's physical line, 1 = the header). */
export interface ReportLinesTable {
  report_id: string;
  line: number;
  txn_id: string;
  type: string;
  payment_intent_id: string | null;
  amount: number;
  fee: number;
  net: number;
  currency: string | null;
  status: string | null;
  created_at: string;
  transaction_at: string | null;
  payout_id: string | null;
  extra: ColumnType<Record<string, string>, string, string>;
}

/** A payout as Fintoc's Payouts API showed it when last read. */
export interface PayoutsTable {
  id: string;
  amount: number;
  currency: string;
  status: string;
  created_at: Date;
  succeeded_at: Date | null;
  body: ColumnType<Record<string, unknown>, string, string>;
  fetched_at: Date;
}

/** What a payout settles (`GET /v1/payouts/{id}/resources`). */
export interface PayoutResourcesTable {
  payout_id: string;
  /** `payment_intent`, `refund`, `refund_adjustment`. */
  resource_type: string;
  id: string;
  amount: number;
  currency: string | null;
  created_at: string | null;
  /** For a refund or adjustment: the payment intent it belongs to. */
  resource_id: string | null;
}

/** A difference the shop was notified of, so the next run does not notify it again. */
export interface ReconciliationNoticesTable {
  key: string;
  kind: string;
  notification_id: string;
  created_at: Date;
}

export interface DB {
  payments: PaymentsTable;
  payment_attempts: PaymentAttemptsTable;
  payment_timeline: TimelineTable;
  webhook_inbox: InboxTable;
  jobs: JobsTable;
  notifications: NotificationsTable;
  merchant_endpoints: MerchantEndpointsTable;
  rate_limits: RateLimitsTable;
  report_files: ReportFilesTable;
  report_lines: ReportLinesTable;
  payouts: PayoutsTable;
  payout_resources: PayoutResourcesTable;
  reconciliation_notices: ReconciliationNoticesTable;
}

export type PaymentRow = Selectable<PaymentsTable>;
export type NewPayment = Insertable<PaymentsTable>;
export type TimelineRow = Selectable<TimelineTable>;
export type InboxRow = Selectable<InboxTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type AttemptRow = Selectable<PaymentAttemptsTable>;

export type MerchantEndpointRow = Selectable<MerchantEndpointsTable>;
export type ReportFileRow = Selectable<ReportFilesTable>;
export type ReportLineRow = Selectable<ReportLinesTable>;
export type PayoutRow = Selectable<PayoutsTable>;
export type PayoutResourceRow = Selectable<PayoutResourcesTable>;
