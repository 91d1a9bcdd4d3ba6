/**
 * The shapes the sandbox keeps in memory: the public objects exactly as the API returns them, plus
 * the bookkeeping around them. One `Space` holds everything of one organisation in one mode.
 */
import type { IntentStatus, Scenario } from './machine.js';
import { DEFAULT_API_VERSION, type ApiVersion } from './versions.js';
import { MoneyState } from './payouts.js';

export type Mode = 'test' | 'live';

export interface BankAccount {
  holder_id: string;
  institution_id: string;
  number: string;
  type: string;
}

/** A payment intent as the API shows it (`widget_token` is null here; only create returns it). */
export interface PaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  currency: string;
  status: IntentStatus;
  created_at: string;
  customer_email: string | null;
  error_reason: string | null;
  metadata: Record<string, unknown>;
  mode: Mode;
  recipient_account: BankAccount | null;
  sender_account: BankAccount | null;
  reference_id: string | null;
  transaction_date: string | null;
  widget_token: string | null;
  business_profile: Record<string, unknown> | null;
  expires_at: string | null;
  payment_type: 'bank_transfer';
  payment_type_options: Record<string, unknown>;
}

export interface IntentRecord {
  object: PaymentIntentObject;
  widgetToken: string;
  createdMs: number;
  scenario: Scenario;
  country: 'cl' | 'mx';
  /** Why the last change happened (for the control API's timeline). */
  history: Array<{ at: string; status: IntentStatus; cause: string }>;
  /** The checkout session this intent pays, if any. */
  checkoutId?: string | null;
}

/**
 * A checkout session as the API shows it (one store for `/v1/` and `/v2/`). `session_token` is set
 * for v1 sessions and v2 `embedded` ones, `redirect_url` for v1 sessions and v2 `hosted` ones.
 */
export interface CheckoutSessionObject {
  id: string;
  object: 'checkout_session';
  amount: number;
  currency: string;
  status: 'created' | 'in_progress' | 'finished' | 'expired';
  success_url: string | null;
  cancel_url: string | null;
  redirect_url: string | null;
  session_token: string | null;
  ui_mode: 'hosted' | 'embedded';
  created_at: string;
  expires_at: string;
  customer: Record<string, unknown> | null;
  customer_email: string | null;
  metadata: Record<string, unknown>;
  mode: Mode;
  flow: 'payment';
  business_profile: Record<string, unknown> | null;
  line_items: null;
  payment_method: null;
  payment_method_options: Record<string, unknown>;
  payment_method_types: string[];
  payment_resource: { payment_intent: PaymentIntentObject | null };
}

export interface CheckoutRecord {
  object: CheckoutSessionObject;
  createdMs: number;
  /** The session's payment intent, made when the customer opens the payment (page, widget, control API). */
  intentId: string | null;
  /** Which API made it: a v1 session shows both `session_token` and `redirect_url`. */
  namespace: 'v1' | 'v2';
  /** What the hosted page and the widget's `sessionToken` open (also when the object shows `null`). */
  sessionToken: string;
  /** The hosted page (also for an `embedded` session, whose object shows `null`). */
  pageUrl: string;
  /** Sandbox time the session expires at (`expires_at`, in ms). */
  expiresMs: number;
  /** The scenario its intent gets; `null`: the organisation's default when the intent is made. */
  scenario: Scenario | null;
  /** Every status change with its cause (control API). */
  history: Array<{ at: string; status: CheckoutSessionObject['status']; cause: string }>;
}

export interface WebhookEndpointObject {
  id: string;
  object: 'webhook_endpoint';
  url: string;
  enabled_events: string[];
  description: string | null;
  status: 'enabled' | 'disabled';
  mode: Mode;
  created_at: string;
  secret: string | null;
}

export interface EndpointRecord {
  object: WebhookEndpointObject;
  secret: string;
  createdMs: number;
}

export interface EventObject {
  id: string;
  object: 'event';
  type: string;
  mode: Mode;
  created_at: string;
  data: unknown;
}

export interface EventRecord {
  object: EventObject;
  createdMs: number;
  /** The exact bytes POSTed: compact JSON of the event. */
  body: string;
  /** `api` for state changes, `trigger` and `test` for synthetic events. */
  source: 'api' | 'trigger' | 'test';
}

export interface RefundObject {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  status: 'created' | 'in_progress' | 'succeeded' | 'failed' | 'canceled';
  resource_type: 'payment_intent';
  resource_id: string;
  metadata: Record<string, unknown>;
  mode: Mode;
  created_at: string;
  updated_at: string;
  failure_code: string | null;
}

export interface RefundRecord {
  object: RefundObject;
  createdMs: number;
}

export interface Attempt {
  number: number;
  at: string;
  at_ms: number;
  /** `delivered` (2xx), `failed` (non-2xx, timeout, network error), `dropped` (a fault ate it). */
  outcome: 'delivered' | 'failed' | 'dropped';
  status_code: number | null;
  response_time_ms: number | null;
  response_body_excerpt: string | null;
  error: string | null;
}

export interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  url: string;
  /**
   * `scheduled` (an attempt is due), `delivered`, `failed` (every retry failed: given up),
   * `withheld` (a `stop` fault holds it; removing the fault releases it), `held` (a `reorder` fault
   * holds it until its window ends), `canceled` (the endpoint was deleted or disabled).
   */
  status: 'scheduled' | 'delivered' | 'failed' | 'withheld' | 'held' | 'canceled';
  created_at: string;
  next_attempt_at: string | null;
  duplicate_of: string | null;
  faults: string[];
  attempts: Attempt[];
  /** Internal: attempts a `drop` fault still has to eat. */
  dropRemaining: number;
  /** Internal: answers a `lose_response` fault still has to discard. */
  loseRemaining: number;
  /** Internal: duplicates still to send after delivery. */
  duplicates: number;
  cancel: (() => void) | null;
}

export type FaultKind = 'drop' | 'lose_response' | 'delay' | 'duplicate' | 'reorder' | 'stop' | 'slow_api';

export interface Fault {
  id: string;
  object: 'sandbox_fault';
  kind: FaultKind;
  endpoint_id: string | null;
  event_type: string | null;
  /** Only deliveries of events about this payment intent (so concurrent tests do not disturb each other). */
  payment_intent_id: string | null;
  /** `drop`, `lose_response`: attempts affected per delivery; `duplicate`: extra copies per delivery. */
  count: number | null;
  /** `delay`: added before the first attempt; `reorder`: how long deliveries are held; `slow_api`: how late the API answers. */
  delay_ms: number | null;
  /**
   * The chance (0 to 1) that the fault acts on one matching delivery (or, for `slow_api`, one API
   * request), drawn from the sandbox's random source. Absent in state files written before it: 1.
   */
  probability?: number;
  created_at: string;
}

export interface WidgetSessionRecord {
  id: string;
  object: 'widget_session';
  created_at: string;
  options: Record<string, unknown>;
  ok: boolean;
  error: { code: string; message: string } | null;
  payment_intent_id: string | null;
  /** The checkout session opened with `sessionToken`, if any. */
  checkout_session_id?: string | null;
  country: 'cl' | 'mx' | null;
  scenario: string | null;
  actions: Array<{ at: string; action: string; ok: boolean; status: string | null; error: string | null }>;
}

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  status: number;
  idempotency_key: string | null;
  replayed: boolean;
}

export interface IdempotencyRecord {
  fingerprint: string;
  status: number;
  body: unknown;
  atMs: number;
}

/** Everything of one organisation (one secret key suffix) in one mode. */
export class Space {
  readonly intents = new Map<string, IntentRecord>();
  readonly intentList: IntentRecord[] = [];
  readonly checkouts = new Map<string, CheckoutRecord>();
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly endpointList: EndpointRecord[] = [];
  readonly events = new Map<string, EventRecord>();
  readonly eventList: EventRecord[] = [];
  readonly deliveries = new Map<string, Delivery>();
  readonly deliveryList: Delivery[] = [];
  readonly refunds = new Map<string, RefundRecord>();
  readonly refundList: RefundRecord[] = [];
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly faults = new Map<string, Fault>();
  readonly widgetSessions: WidgetSessionRecord[] = [];
  readonly requests: RequestLogEntry[] = [];
  /** Deliveries a `reorder` fault holds, per endpoint, in arrival order. */
  readonly held = new Map<string, Delivery[]>();
  /** The API version the organisation is pinned to (./versions.ts). */
  apiVersion: ApiVersion = DEFAULT_API_VERSION;
  /** Ledger, payouts, report files and their settings (./payouts.ts). */
  readonly money = new MoneyState();

  constructor(
    readonly mode: Mode,
    readonly suffix: string,
    public defaultScenario: Scenario,
  ) {}

  get key(): string {
    return `${this.mode}:${this.suffix}`;
  }

  get organizationName(): string {
    return this.money.settings.organization_name ?? `Sandbox organization ${this.suffix.slice(0, 8)}`;
  }
}

// A leaf module of its own, so the modules records.ts imports can use it without an import cycle.
export { isoSeconds } from './iso.js';
