/**
 * The sandbox's state and every operation on it, without HTTP: the routes, the control API and
 * the widget bridge all call these. Operations are synchronous (state lives in memory); webhook
 * delivery and timed changes run later on the sandbox clock.
 */
import {
  newId,
  PaymentIntentCreateParamsSchema,
  RefundCreateParamsSchema,
  WebhookEndpointCreateParamsSchema,
  WebhookEndpointUpdateParamsSchema,
} from '../fintoc/index.js';
import type { SandboxClock } from './clock.js';
import { Deliverer } from './delivery.js';
import { CheckoutSessions } from './sessions.js';
import { invalid, missing, notFound } from './errors.js';
import { checkUrl, parseParams } from './params.js';
import {
  canMove,
  DEFAULT_ERROR_REASON,
  eventTypeFor,
  isFinal,
  outcomeOf,
  scenario as makeScenario,
  type IntentStatus,
  type Scenario,
  type SimulateAction,
} from './machine.js';
import {
  isoSeconds,
  Space,
  type BankAccount,
  type EndpointRecord,
  type EventRecord,
  type IntentRecord,
  type Mode,
  type PaymentIntentObject,
  type RefundRecord,
} from './records.js';
import { Money } from './payouts.js';
import { COLLECT, SENDER, sampleData } from './samples.js';
import { Timers, type PendingTimer } from './timers.js';

export interface CoreOptions {
  clock: SandboxClock;
  random: () => Uint8Array;
  fetch: typeof fetch;
  deliveryTimeoutMs: number;
  /** Fintoc-side expiry of intents nobody finished; `null` = never. */
  intentTimeoutMs: number | null;
  /** Time from refund creation to `in_progress`, and again to `succeeded`. */
  refundStepMs: number;
  /** `clock`: sign webhooks with sandbox time; `wall`: with the real time. */
  signWith: 'clock' | 'wall';
  /** The folder that report channels' folders and maildirs must be inside. */
  reportsDir: string;
}

// The actions live with the state machine (./machine.ts), where ./sessions.ts builds on them too.
export { SIMULATE_ACTIONS, type SimulateAction } from './machine.js';

/** An event type's form, `resource.action` (Fintoc's list is open: it may add types at any time). */
const EVENT_TYPE = /^[a-z_]+(\.[a-z_]+)+$/;
const SANDBOX_PREFIXES = new Set(['pi', 'evt', 'we', 'whsec', 're', 'cs']);
export class SandboxCore {
  readonly spaces = new Map<string, Space>();
  readonly widgetTokens = new Map<string, { space: Space; intentId: string }>();
  readonly deliverer: Deliverer;
  /** Checkout sessions (v1 and v2) and their payments (./sessions.ts). */
  readonly sessions: CheckoutSessions;
  /** Every task on the clock, described as data (what the state file keeps). */
  readonly timers: Timers;
  /** Payouts and report files (./payouts.ts). */
  readonly money: Money;
  defaultScenarioForNewOrgs: Scenario = makeScenario('succeed');
  /** The secret key `startSandbox` printed; kept in the state file so a restart prints it again. */
  secretKey: string | null = null;
  /** Called whenever the state may have changed (the state file's writer listens). */
  onChange: () => void = () => {};

  constructor(readonly o: CoreOptions) {
    this.timers = new Timers(o.clock, () => this.changed());
    this.sessions = new CheckoutSessions(this);
    this.deliverer = new Deliverer({
      clock: o.clock,
      timers: this.timers,
      fetch: o.fetch,
      timeoutMs: o.deliveryTimeoutMs,
      signatureTime: () => Math.floor((o.signWith === 'wall' ? Date.now() : o.clock.now()) / 1000),
      newId: (p) => this.id(p),
      elapsed: () => performance.now(),
      chance: () => this.chance(),
    });
    this.money = new Money(this);
  }

  /** A number in [0, 1) from the random source (seeded in tests): faults with a probability use it. */
  chance(): number {
    const b = this.o.random();
    const n = (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
    return n / 2 ** 32;
  }

  /** How late this API answer goes out: the sum of the `slow_api` faults that act on it (real ms). */
  apiDelayMs(space: Space): number {
    let ms = 0;
    for (const f of space.faults.values()) {
      if (f.kind !== 'slow_api') continue;
      if (f.probability !== undefined && f.probability < 1 && this.chance() >= f.probability) continue;
      ms += f.delay_ms ?? 0;
    }
    return ms;
  }

  /** A fresh id; Fintoc's prefixes through `src/fintoc`, the sandbox's own (`dlv`, `flt`, `ws`) alike. */
  id(prefix: string): string {
    if (SANDBOX_PREFIXES.has(prefix)) return newId(prefix as 'pi', this.o.random);
    return `${prefix}_${newId('pi', this.o.random).slice(3)}`;
  }

  now(): number {
    return this.o.clock.now();
  }

  /** Tells the state file's writer (if any) that something changed. */
  changed(): void {
    this.onChange();
  }

  /** The space of a secret key's organisation and mode, created on first use. */
  space(mode: Mode, suffix: string): Space {
    const key = `${mode}:${suffix}`;
    let space = this.spaces.get(key);
    if (!space) {
      space = new Space(mode, suffix, this.defaultScenarioForNewOrgs);
      this.spaces.set(key, space);
    }
    return space;
  }

  // ---------------------------------------------------------------- events

  emit(
    space: Space,
    type: string,
    data: unknown,
    source: EventRecord['source'] = 'api',
    only?: EndpointRecord,
  ): EventRecord {
    const now = this.now();
    const object = {
      id: this.id('evt'),
      type,
      mode: space.mode,
      created_at: new Date(now).toISOString(),
      data: structuredClone(data),
      object: 'event' as const,
    };
    const record: EventRecord = { object, createdMs: now, body: JSON.stringify(object), source };
    space.events.set(object.id, record);
    space.eventList.push(record);
    this.deliverer.dispatch(space, record, only);
    this.changed();
    return record;
  }

  /** A sample event of any type, with `overrides` (dot paths into `data`) applied. */
  trigger(space: Space, type: unknown, overrides: unknown, only?: EndpointRecord): EventRecord {
    if (type === undefined || type === null || type === '') throw missing('type');
    if (typeof type !== 'string' || !EVENT_TYPE.test(type)) {
      throw invalid(
        'invalid_params',
        `type must be an event type such as "payment_intent.succeeded"; got ${JSON.stringify(type)}.`,
        'type',
      );
    }
    if (
      overrides !== undefined &&
      overrides !== null &&
      (typeof overrides !== 'object' || Array.isArray(overrides))
    ) {
      throw invalid('invalid_params', 'overrides must be an object of {"path.in.data": value}.', 'overrides');
    }
    const data = sampleData(type, space.mode, this.now(), (p) => this.id(p)) as Record<string, unknown>;
    for (const [path, value] of Object.entries((overrides ?? {}) as Record<string, unknown>)) {
      const keys = path.replace(/^data\./, '').split('.');
      if (keys.some((k) => k === '' || k === '__proto__' || k === 'constructor' || k === 'prototype')) {
        throw invalid(
          'invalid_params',
          `overrides has an invalid path ${JSON.stringify(path.slice(0, 100))}: use dot paths into the event data, e.g. "metadata.order_id".`,
          'overrides',
        );
      }
      let target: Record<string, unknown> = data;
      for (const k of keys.slice(0, -1)) {
        const next = target[k];
        if (typeof next !== 'object' || next === null) target[k] = {};
        target = target[k] as Record<string, unknown>;
      }
      target[keys[keys.length - 1] as string] = value;
    }
    return this.emit(space, type, data, only ? 'test' : 'trigger', only);
  }

  // ---------------------------------------------------------------- payment intents

  /**
   * `opts` is for a checkout session's intent (./sessions.ts): it expires with its session at
   * `expiresAtMs` (shown as `expires_at`) instead of after the sandbox's intent timeout.
   */
  createIntent(
    space: Space,
    body: Record<string, unknown>,
    opts: { checkoutId?: string; expiresAtMs?: number; scenario?: Scenario } = {},
  ): PaymentIntentObject {
    const params = parseParams(PaymentIntentCreateParamsSchema, body);
    const amount = params.amount;
    const currency = params.currency.toUpperCase() as 'CLP' | 'MXN';
    const customer_email = params.customer_email ?? null;
    const metadata = params.metadata ?? {};
    const recipient = (params.recipient_account ?? null) as BankAccount | null;
    const business_profile = params.business_profile ?? null;
    const country = currency === 'MXN' ? 'mx' : 'cl';
    const now = this.now();
    const id = this.id('pi');
    const widgetToken = `${id}_sec_${this.id('pi').slice(3, 20)}`;
    const object: PaymentIntentObject = {
      id,
      object: 'payment_intent',
      amount,
      currency,
      status: 'created',
      created_at: isoSeconds(now),
      customer_email,
      error_reason: null,
      metadata,
      mode: space.mode,
      recipient_account: recipient ?? COLLECT[country],
      sender_account: null,
      reference_id: null,
      transaction_date: null,
      widget_token: null,
      business_profile,
      expires_at: opts.expiresAtMs === undefined ? null : isoSeconds(opts.expiresAtMs),
      payment_type: 'bank_transfer',
      payment_type_options: {},
    };
    const record: IntentRecord = {
      object,
      widgetToken,
      createdMs: now,
      scenario: opts.scenario ?? space.defaultScenario,
      country,
      history: [
        {
          at: object.created_at,
          status: 'created',
          cause: opts.checkoutId ? 'checkout session' : 'api: create',
        },
      ],
      ...(opts.checkoutId ? { checkoutId: opts.checkoutId } : {}),
    };
    space.intents.set(id, record);
    space.intentList.push(record);
    this.widgetTokens.set(widgetToken, { space, intentId: id });
    if (this.o.intentTimeoutMs !== null && !opts.checkoutId)
      this.#timeoutAt(space, record, now + this.o.intentTimeoutMs);
    // Nested objects are never mutated after creation (changes replace them), so a shallow copy is a snapshot.
    return { ...object, widget_token: widgetToken };
  }

  #timeoutAt(space: Space, record: IntentRecord, at: number): void {
    const id = record.object.id;
    this.timers.add(at, `timeout ${id}`, { kind: 'intent_timeout', space: space.key, id }, () => {
      if (record.object.status === 'created' || record.object.status === 'in_progress') {
        this.#move(space, record, 'expired', { error_reason: 'timeout', cause: 'sandbox: intent timeout' });
      }
    });
  }

  intent(space: Space, id: string): IntentRecord {
    const record = space.intents.get(id);
    if (!record) throw notFound('payment_intent', id);
    return record;
  }

  /** Moves an intent if the machine allows it and emits the matching event. */
  #move(
    space: Space,
    record: IntentRecord,
    to: IntentStatus,
    opts: { error_reason?: string | null; sender?: boolean; cause: string },
  ): void {
    const from = record.object.status;
    if (!canMove(from, to)) {
      throw invalid(
        'invalid_status_transition',
        `Payment intent ${record.object.id} is ${from} and cannot become ${to}.`,
        'status',
      );
    }
    record.object.status = to;
    record.object.error_reason = isFinal(to) && to !== 'succeeded' ? (opts.error_reason ?? null) : null;
    if (opts.sender) record.object.sender_account = SENDER[record.country];
    record.history.push({ at: isoSeconds(this.now()), status: to, cause: opts.cause });
    const type = eventTypeFor(to);
    if (type) this.emit(space, type, record.object);
    if (to === 'succeeded') this.money.intentSucceeded(space, record);
    // The intent of a checkout session: the session follows it (and finishes with it) at once, not
    // when someone next reads the session.
    if (record.checkoutId) this.sessions.intentMoved(space, record);
  }

  expireIntent(space: Space, id: string): PaymentIntentObject {
    const record = this.intent(space, id);
    const status = record.object.status;
    if (status !== 'created' && status !== 'in_progress') {
      throw invalid(
        'invalid_payment_intent_status',
        `Payment intent ${id} is ${status}; only payment intents that are created or in_progress can be expired.`,
        'id',
      );
    }
    this.#move(space, record, 'expired', { error_reason: 'manually_expired', cause: 'api: expire' });
    return { ...record.object };
  }

  /** The customer submitted bank credentials: `created → in_progress` (idempotent once started). */
  #start(space: Space, record: IntentRecord, cause: string): void {
    if (record.object.status === 'created') this.#move(space, record, 'in_progress', { cause });
  }

  /** The customer authorized in the bank: the intent's scenario decides the outcome. */
  #authorize(space: Space, record: IntentRecord, cause: string): void {
    this.#start(space, record, cause);
    this.#refuseUnlessInProgress(record, 'authorize');
    const outcome = outcomeOf(record.scenario);
    this.#move(space, record, outcome.status, { error_reason: outcome.error_reason, sender: true, cause });
    const then = outcome.then;
    if (then) this.#settleAt(space, record, this.now() + record.scenario.pending_for_ms, then);
  }

  #settleAt(
    space: Space,
    record: IntentRecord,
    at: number,
    then: { status: 'succeeded' | 'failed'; error_reason: string | null },
  ): void {
    const id = record.object.id;
    const spec = { kind: 'settle' as const, space: space.key, id, ...then };
    this.timers.add(at, `settle ${id}`, spec, () => {
      if (record.object.status === 'pending') {
        this.#move(space, record, then.status, {
          error_reason: then.error_reason,
          cause: 'sandbox: pending settled',
        });
      }
    });
  }

  /** Forces an outcome regardless of the scenario (control API). */
  #settle(
    space: Space,
    record: IntentRecord,
    to: 'succeeded' | 'rejected' | 'failed' | 'pending',
    errorReason: string | null,
    cause: string,
  ): void {
    this.#start(space, record, cause);
    if (record.object.status === 'pending' && to !== 'pending') {
      this.#move(space, record, to, { error_reason: errorReason, cause });
      return;
    }
    this.#refuseUnlessInProgress(record, to);
    this.#move(space, record, to, { error_reason: errorReason, sender: true, cause });
  }

  /**
   * Drives an intent as the customer or the bank would (control API `simulate`, the widget's
   * customer actions). `errorReason` is for `reject`, `fail` and `expire`; without one, `reject`
   * and `fail` take the intent's scenario's when the scenario is the same kind, else the default.
   */
  simulate(
    space: Space,
    record: IntentRecord,
    action: SimulateAction,
    errorReason: string | null,
    cause: string,
  ): void {
    const reason = (kind: 'reject' | 'fail') =>
      errorReason ??
      (record.scenario.name === kind ? record.scenario.error_reason : null) ??
      DEFAULT_ERROR_REASON[kind];
    switch (action) {
      case 'run':
        this.#start(space, record, cause);
        if (record.scenario.name !== 'customer_leaves') this.#authorize(space, record, cause);
        return;
      case 'start':
        return this.#start(space, record, cause);
      case 'authorize':
      case 'authorize_and_close':
        return this.#authorize(space, record, cause);
      case 'reject':
        return this.#settle(space, record, 'rejected', reason('reject'), cause);
      case 'fail':
        return this.#settle(space, record, 'failed', reason('fail'), cause);
      case 'succeed':
        return this.#settle(space, record, 'succeeded', null, cause);
      case 'pending':
        return this.#settle(space, record, 'pending', null, cause);
      case 'leave':
        return;
      case 'expire':
        return this.#move(space, record, 'expired', { error_reason: errorReason ?? 'timeout', cause });
    }
  }

  #refuseUnlessInProgress(record: IntentRecord, action: string): void {
    if (record.object.status !== 'in_progress') {
      throw invalid(
        'invalid_status_transition',
        `Payment intent ${record.object.id} is ${record.object.status}; "${action}" needs it in_progress (or created).`,
        'action',
      );
    }
  }

  // ---------------------------------------------------------------- webhook endpoints

  createEndpoint(space: Space, body: Record<string, unknown>): EndpointRecord {
    const params = parseParams(WebhookEndpointCreateParamsSchema, body);
    const url = checkUrl(params.url, 'url');
    const enabled_events = this.#events(params.enabled_events);
    const now = this.now();
    const secret = this.id('whsec');
    const record: EndpointRecord = {
      secret,
      createdMs: now,
      object: {
        id: this.id('we'),
        object: 'webhook_endpoint',
        url,
        enabled_events,
        description: params.description ?? null,
        status: 'enabled',
        mode: space.mode,
        created_at: isoSeconds(now),
        secret: null,
      },
    };
    space.endpoints.set(record.object.id, record);
    space.endpointList.push(record);
    return record;
  }

  #events(value: unknown): string[] {
    if (value === undefined || value === null) throw missing('enabled_events');
    if (!Array.isArray(value) || value.length === 0) {
      throw invalid(
        'invalid_params',
        'enabled_events must be a non-empty array of event types, e.g. ["payment_intent.succeeded"].',
        'enabled_events',
      );
    }
    for (const t of value) {
      if (typeof t !== 'string' || !(t === '*' || EVENT_TYPE.test(t))) {
        throw invalid(
          'invalid_params',
          `enabled_events has an invalid event type: ${JSON.stringify(t)}.`,
          'enabled_events',
        );
      }
    }
    return [...new Set(value as string[])];
  }

  endpoint(space: Space, id: string): EndpointRecord {
    const record = space.endpoints.get(id);
    if (!record) throw notFound('webhook_endpoint', id);
    return record;
  }

  updateEndpoint(space: Space, id: string, body: Record<string, unknown>): EndpointRecord {
    const record = this.endpoint(space, id);
    const params = parseParams(WebhookEndpointUpdateParamsSchema, body);
    const next = { ...record.object };
    if (params.url !== undefined) next.url = checkUrl(params.url, 'url');
    if (params.enabled_events !== undefined) next.enabled_events = this.#events(params.enabled_events);
    if (params.description !== undefined) next.description = params.description;
    if (params.disabled !== undefined) next.status = params.disabled ? 'disabled' : 'enabled';
    record.object = next;
    return record;
  }

  deleteEndpoint(space: Space, id: string): EndpointRecord {
    const record = this.endpoint(space, id);
    space.endpoints.delete(id);
    space.endpointList.splice(space.endpointList.indexOf(record), 1);
    for (const d of space.deliveryList) {
      if (d.endpoint_id === id && (d.status === 'scheduled' || d.status === 'withheld')) {
        d.cancel?.();
        d.status = 'canceled';
        d.next_attempt_at = null;
      }
    }
    return record;
  }

  // ---------------------------------------------------------------- refunds

  createRefund(space: Space, body: Record<string, unknown>): RefundRecord {
    const params = parseParams(RefundCreateParamsSchema, body);
    const intent = space.intents.get(params.resource_id);
    if (!intent) throw notFound('payment_intent', params.resource_id);
    if (intent.object.status !== 'succeeded') {
      throw invalid(
        'invalid_payment_intent_status',
        `Payment intent ${intent.object.id} is ${intent.object.status}; only succeeded payment intents can be refunded.`,
        'resource_id',
      );
    }
    const refunded = space.refundList
      .filter(
        (r) =>
          r.object.resource_id === intent.object.id &&
          r.object.status !== 'canceled' &&
          r.object.status !== 'failed',
      )
      .reduce((sum, r) => sum + r.object.amount, 0);
    const left = intent.object.amount - refunded;
    const amount = params.amount ?? left;
    if (amount > left || left <= 0) {
      throw invalid(
        'invalid_amount',
        `amount ${amount} is more than what is left to refund on ${intent.object.id} (${left} of ${intent.object.amount}).`,
        'amount',
      );
    }
    const now = this.now();
    const record: RefundRecord = {
      createdMs: now,
      object: {
        id: this.id('re'),
        object: 'refund',
        amount,
        currency: intent.object.currency,
        status: 'created',
        resource_type: 'payment_intent',
        resource_id: intent.object.id,
        metadata: params.metadata ?? {},
        mode: space.mode,
        created_at: isoSeconds(now),
        updated_at: isoSeconds(now),
        failure_code: null,
      },
    };
    space.refunds.set(record.object.id, record);
    space.refundList.push(record);
    this.#refundStepAt(space, record, now + this.o.refundStepMs, 'created', 'in_progress');
    this.#refundStepAt(space, record, now + 2 * this.o.refundStepMs, 'in_progress', 'succeeded');
    return record;
  }

  #refundStepAt(
    space: Space,
    record: RefundRecord,
    at: number,
    from: 'created' | 'in_progress',
    to: 'in_progress' | 'succeeded',
  ): void {
    const id = record.object.id;
    this.timers.add(at, `refund ${id} ${to}`, { kind: 'refund_step', space: space.key, id, from, to }, () => {
      if (record.object.status !== from) return;
      record.object.status = to;
      record.object.updated_at = isoSeconds(this.now());
      this.emit(space, `refund.${to}`, record.object);
      this.money.refundChanged(space, record);
    });
  }

  refund(space: Space, id: string): RefundRecord {
    const record = space.refunds.get(id);
    if (!record) throw notFound('refund', id);
    return record;
  }

  cancelRefund(space: Space, id: string): RefundRecord {
    const record = this.refund(space, id);
    if (record.object.status !== 'created') {
      throw invalid(
        'invalid_refund_status',
        `Refund ${id} is ${record.object.status}; only refunds that are created (not yet in_progress) can be canceled.`,
        'id',
      );
    }
    record.object.status = 'canceled';
    record.object.updated_at = isoSeconds(this.now());
    return record;
  }

  // ---------------------------------------------------------------- restart

  /**
   * Puts a task back on the clock after a restart (./persist.ts), exactly as it was scheduled.
   * Throws if the task names a space or record that does not exist.
   */
  resume(timer: PendingTimer): void {
    const { spec, at } = timer;
    const space = this.spaces.get(spec.space);
    const gone = (what: string) => new Error(`a ${spec.kind} task names an unknown ${what} ${spec.id}`);
    if (!space) throw new Error(`a ${spec.kind} task names an unknown space ${spec.space}`);
    switch (spec.kind) {
      case 'intent_timeout':
      case 'settle': {
        const record = space.intents.get(spec.id);
        if (!record) throw gone('payment intent');
        if (spec.kind === 'intent_timeout') return this.#timeoutAt(space, record, at);
        return this.#settleAt(space, record, at, { status: spec.status, error_reason: spec.error_reason });
      }
      case 'checkout_expiry':
        return this.sessions.resumeExpiry(space, spec.id, at);
      case 'refund_step': {
        const record = space.refunds.get(spec.id);
        if (!record) throw gone('refund');
        return this.#refundStepAt(space, record, at, spec.from, spec.to);
      }
      case 'deliver': {
        const delivery = space.deliveries.get(spec.id);
        if (!delivery) throw gone('delivery');
        return this.deliverer.resume(space, delivery, at);
      }
      case 'release':
        return this.deliverer.resumeRelease(space, spec.id, at);
      case 'money':
        return this.money.resume(space, spec.id, spec.task, at);
    }
  }
}
