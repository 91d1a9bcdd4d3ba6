/**
 * Checkout sessions (`/v1/checkout_sessions`, `/v2/checkout_sessions`): one store for both
 * namespaces. A session gets its payment intent when the customer opens the payment (the hosted
 * page, the widget with `sessionToken`, or the control API's `open`); the session follows that
 * intent at once: `created → in_progress` when the customer starts, `finished` (with
 * `checkout_session.finished`) when the intent is succeeded, failed or rejected, `expired` (with
 * `checkout_session.expired`) when the API expires it while `created`, when `expires_at` passes
 * before the payment was decided, or when its intent expires.
 *
 * @example
 * const record = core.sessions.create(space, { amount: 5000, currency: 'CLP', ui_mode: 'embedded' }, origin, 'v2');
 * core.sessions.simulate(space, record, 'run', null, 'control: run'); // the customer pays
 */
import type { SandboxCore } from './core.js';
import {
  CheckoutSessionCreateParamsSchema,
  CheckoutSessionV2CreateParamsSchema,
  type CheckoutSessionV2CreateParams,
} from '../fintoc/index.js';
import { invalid, notFound } from './errors.js';
import { checkUrl, parseParams } from './params.js';
import { isFinal, SIMULATE_ACTIONS, type Scenario, type SimulateAction } from './machine.js';
import { isoSeconds, type CheckoutRecord, type IntentRecord, type Space } from './records.js';

/** A session's default lifetime, as Fintoc documents it (`expires_at` = creation + 24 h). */
export const CHECKOUT_SESSION_LIFETIME_MS = 86_400_000;
/** The furthest `expires_at` a create accepts (Fintoc's bound is unknown). */
export const MAX_CHECKOUT_SESSION_LIFETIME_MS = 30 * 86_400_000;

/** What drives a session without a browser: `open` makes its intent; the rest are the intent's actions; `expire` is `expires_at` passing now. */
export const SESSION_ACTIONS = ['open', ...SIMULATE_ACTIONS] as const;
export type SessionAction = (typeof SESSION_ACTIONS)[number];

/** What the sandbox can pay: bank transfers (cards, cash and wallets are not simulated). */
const PAYMENT_METHOD_TYPES = ['bank_transfer'] as const;

function methodTypesOf(given: readonly string[] | null | undefined): string[] {
  if (given === undefined || given === null) return ['bank_transfer'];
  if (given.length === 0 || !given.every((t) => (PAYMENT_METHOD_TYPES as readonly string[]).includes(t))) {
    throw invalid(
      'invalid_params',
      'payment_method_types must be a non-empty array of payment methods; the sandbox simulates only "bank_transfer".',
      'payment_method_types',
    );
  }
  return [...new Set(given)];
}

function expiresOf(v: number | string | null | undefined, now: number): number {
  if (v === undefined || v === null) return now + CHECKOUT_SESSION_LIFETIME_MS;
  const ms =
    typeof v === 'number' && Number.isSafeInteger(v)
      ? v * 1000
      : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)
        ? Date.parse(v)
        : NaN;
  if (!Number.isFinite(ms) || ms <= now || ms > now + MAX_CHECKOUT_SESSION_LIFETIME_MS) {
    throw invalid(
      'invalid_params',
      'expires_at must be a time in the next 30 days, as unix seconds or ISO 8601 (e.g. "2026-03-01T12:00:00Z"); leave it out for 24 hours.',
      'expires_at',
    );
  }
  return ms;
}

function customerOf(
  core: SandboxCore,
  space: Space,
  given: CheckoutSessionV2CreateParams['customer'],
  now: number,
): Record<string, unknown> | null {
  if (given === undefined || given === null) return null;
  return {
    id: core.id('cus'),
    object: 'customer',
    address: given.address ?? null,
    created_at: isoSeconds(now),
    email: given.email ?? null,
    metadata: given.metadata ?? {},
    mode: space.mode,
    name: given.name ?? null,
    phone: given.phone ?? null,
    tax_id: given.tax_id ?? null,
  };
}

/** The recipient of a direct payment, when the session names one (`payment_method_options.bank_transfer.recipient_account`). */
function recipientOf(options: Record<string, unknown>): Record<string, unknown> | null {
  const bank = options.bank_transfer;
  if (bank === undefined || bank === null) return null;
  const recipient =
    typeof bank === 'object' && !Array.isArray(bank)
      ? (bank as Record<string, unknown>).recipient_account
      : undefined;
  if (
    typeof bank !== 'object' ||
    Array.isArray(bank) ||
    (recipient !== undefined &&
      recipient !== null &&
      (typeof recipient !== 'object' || Array.isArray(recipient)))
  ) {
    throw invalid(
      'invalid_params',
      'payment_method_options.bank_transfer must be an object, and its recipient_account a JSON object.',
      'payment_method_options',
    );
  }
  return (recipient ?? null) as Record<string, unknown> | null;
}

export class CheckoutSessions {
  constructor(private readonly core: SandboxCore) {}

  create(
    space: Space,
    body: Record<string, unknown>,
    origin: string,
    namespace: 'v1' | 'v2',
  ): CheckoutRecord {
    const { core } = this;
    // v1 takes the v2 session's ui_mode and customer too (the sandbox serves both from one model).
    const params = parseParams(
      namespace === 'v1'
        ? CheckoutSessionCreateParamsSchema.extend({
            ui_mode: CheckoutSessionV2CreateParamsSchema.shape.ui_mode,
            customer: CheckoutSessionV2CreateParamsSchema.shape.customer,
          })
        : CheckoutSessionV2CreateParamsSchema,
      body,
    );
    const amount = params.amount;
    const currency = params.currency.toUpperCase() as 'CLP' | 'MXN';
    const ui_mode = params.ui_mode ?? 'hosted';
    // Without a redirect (an embedded v2 session) there is nowhere to send the customer back to.
    const urlsRequired = namespace === 'v1' || ui_mode === 'hosted';
    const url = (key: 'success_url' | 'cancel_url') =>
      urlsRequired || (params[key] !== undefined && params[key] !== null) ? checkUrl(params[key], key) : null;
    const success_url = url('success_url');
    const cancel_url = url('cancel_url');
    const customer_email = params.customer_email ?? null;
    const metadata = params.metadata ?? {};
    const business_profile = params.business_profile ?? null;
    const payment_method_types = methodTypesOf(params.payment_method_types);
    const payment_method_options = params.payment_method_options ?? {};
    recipientOf(payment_method_options);
    const now = core.now();
    const expiresMs = expiresOf(params.expires_at, now);
    const customer = customerOf(core, space, params.customer, now);
    const id = core.id('cs');
    const sessionToken = `${id}_sec_${core.id('cs').slice(3, 20)}`;
    const pageUrl =
      namespace === 'v1' ? `${origin}/payment?checkout_session=${id}` : `${origin}/checkout/${id}`;
    const record: CheckoutRecord = {
      createdMs: now,
      intentId: null,
      namespace,
      sessionToken,
      pageUrl,
      expiresMs,
      scenario: null,
      history: [{ at: isoSeconds(now), status: 'created', cause: `api: create (${namespace})` }],
      object: {
        id,
        object: 'checkout_session',
        amount,
        currency,
        status: 'created',
        success_url,
        cancel_url,
        // v1 (2023-11-15) shows both; v2 shows the one its ui_mode uses.
        redirect_url: namespace === 'v1' || ui_mode === 'hosted' ? pageUrl : null,
        session_token: namespace === 'v1' || ui_mode === 'embedded' ? sessionToken : null,
        ui_mode,
        created_at: isoSeconds(now),
        expires_at: isoSeconds(expiresMs),
        customer,
        customer_email: customer_email ?? (typeof customer?.email === 'string' ? customer.email : null),
        metadata,
        mode: space.mode,
        flow: 'payment',
        business_profile,
        line_items: null,
        payment_method: null,
        payment_method_options,
        payment_method_types,
        payment_resource: { payment_intent: null },
      },
    };
    space.checkouts.set(id, record);
    this.#expiryAt(space, record, expiresMs);
    core.changed();
    return record;
  }

  #expiryAt(space: Space, record: CheckoutRecord, at: number): void {
    const id = record.object.id;
    this.core.timers.add(at, `expire ${id}`, { kind: 'checkout_expiry', space: space.key, id }, () => {
      this.#sync(space, record);
      if (record.object.status !== 'created' && record.object.status !== 'in_progress') return;
      // A payment the bank has not decided (pending) finishes the session later, whatever the time.
      if (this.#intent(space, record)?.object.status === 'pending') return;
      this.#expire(space, record, 'timeout', 'sandbox: expires_at passed');
    });
  }

  /** Puts a session's expiry back on the clock after a restart (./persist.ts). */
  resumeExpiry(space: Space, id: string, at: number): void {
    const record = space.checkouts.get(id);
    if (!record) throw new Error(`a checkout_expiry task names an unknown checkout session ${id}`);
    this.#expiryAt(space, record, at);
  }

  /**
   * A record read from a state file: fills what records written before v2 sessions lacked and links
   * its intent back to it.
   */
  adopt(space: Space, record: CheckoutRecord): void {
    const o = record.object as Partial<CheckoutRecord['object']> & CheckoutRecord['object'];
    record.namespace ??= 'v1';
    record.sessionToken ??= `${o.id}_sec_${this.core.id('cs').slice(3, 20)}`;
    record.pageUrl ??= o.redirect_url ?? '';
    record.expiresMs ??= Date.parse(o.expires_at);
    record.scenario ??= null;
    record.history ??= [];
    o.session_token ??= record.namespace === 'v1' ? record.sessionToken : null;
    o.ui_mode ??= 'hosted';
    o.customer ??= null;
    o.line_items ??= null;
    o.payment_method ??= null;
    o.payment_method_options ??= {};
    if (record.intentId) {
      const intent = space.intents.get(record.intentId);
      if (intent) intent.checkoutId = o.id;
    }
  }

  /** The session (kept in step with its intent), or 404 `missing_resource`. */
  get(space: Space, id: string): CheckoutRecord {
    const record = space.checkouts.get(id);
    if (!record) throw notFound('checkout_session', id);
    this.#sync(space, record);
    return record;
  }

  /** Every session of the space, newest first. */
  list(space: Space): CheckoutRecord[] {
    const all = [...space.checkouts.values()].reverse();
    for (const r of all) this.#sync(space, r);
    return all;
  }

  /** The session a hosted-page URL names, in whichever organisation it is. */
  byId(id: string): { space: Space; record: CheckoutRecord } | null {
    for (const space of this.core.spaces.values()) {
      const record = space.checkouts.get(id);
      if (record) {
        this.#sync(space, record);
        return { space, record };
      }
    }
    return null;
  }

  /** The session a widget's `sessionToken` names (`cs_…_sec_…`), or null. */
  byToken(token: string): { space: Space; record: CheckoutRecord } | null {
    const cut = token.indexOf('_sec_');
    if (cut <= 0) return null;
    const found = this.byId(token.slice(0, cut));
    return found && found.record.sessionToken === token ? found : null;
  }

  /** `POST …/checkout_sessions/:id/expire`: only while `created`; its payment expires with it. */
  expire(space: Space, id: string): CheckoutRecord {
    const record = this.get(space, id);
    if (record.object.status !== 'created') {
      throw invalid(
        'invalid_checkout_session_status',
        `Checkout session ${id} is ${record.object.status}; only sessions that are created can be expired.`,
        'id',
      );
    }
    this.#expire(space, record, 'manually_expired', 'api: expire');
    return record;
  }

  #intent(space: Space, record: CheckoutRecord): IntentRecord | null {
    return record.intentId ? (space.intents.get(record.intentId) ?? null) : null;
  }

  #setStatus(record: CheckoutRecord, status: CheckoutRecord['object']['status'], cause: string): void {
    record.object.status = status;
    record.history.push({ at: isoSeconds(this.core.now()), status, cause });
  }

  #expire(space: Space, record: CheckoutRecord, intentReason: string, cause: string): void {
    // The status first, so that the intent's own move below does not expire the session a second time.
    this.#setStatus(record, 'expired', cause);
    const intent = this.#intent(space, record);
    if (intent && (intent.object.status === 'created' || intent.object.status === 'in_progress')) {
      this.core.simulate(space, intent, 'expire', intentReason, cause);
    }
    this.core.emit(space, 'checkout_session.expired', record.object);
  }

  /** The core calls this after every move of an intent that pays a session. */
  intentMoved(space: Space, intent: IntentRecord): void {
    const record = intent.checkoutId ? space.checkouts.get(intent.checkoutId) : undefined;
    if (record?.intentId === intent.object.id) this.#sync(space, record);
  }

  #sync(space: Space, record: CheckoutRecord): void {
    const intent = this.#intent(space, record);
    if (!intent) return;
    record.object.payment_resource = { payment_intent: structuredClone(intent.object) };
    const status = record.object.status;
    if (status !== 'created' && status !== 'in_progress') return;
    const pi = intent.object.status;
    if (pi === 'expired') {
      this.#setStatus(record, 'expired', `its payment intent ${intent.object.id} expired`);
      this.core.emit(space, 'checkout_session.expired', record.object);
    } else if (isFinal(pi)) {
      this.#setStatus(record, 'finished', `its payment intent ${intent.object.id} is ${pi}`);
      this.core.emit(space, 'checkout_session.finished', record.object);
    } else if (pi !== 'created' && status === 'created') {
      this.#setStatus(record, 'in_progress', `the customer started paying (${intent.object.id})`);
    }
  }

  /**
   * The session's payment intent, made when the customer first opens the payment: the session's
   * amount, currency, metadata and e-mail, its `expires_at`, and the session's scenario (else the
   * organisation's default). Refused once the session is finished or expired.
   */
  openIntent(space: Space, record: CheckoutRecord): IntentRecord {
    this.#sync(space, record);
    const existing = this.#intent(space, record);
    if (existing) return existing;
    if (record.object.status !== 'created') {
      throw invalid(
        'invalid_checkout_session_status',
        `Checkout session ${record.object.id} is ${record.object.status}; it can no longer be paid.`,
        'id',
      );
    }
    const recipient = recipientOf(record.object.payment_method_options);
    const pi = this.core.createIntent(
      space,
      {
        amount: record.object.amount,
        currency: record.object.currency,
        customer_email: record.object.customer_email,
        metadata: { ...record.object.metadata },
        business_profile: record.object.business_profile,
        ...(recipient ? { recipient_account: recipient } : {}),
      },
      {
        checkoutId: record.object.id,
        expiresAtMs: record.expiresMs,
        ...(record.scenario ? { scenario: record.scenario } : {}),
      },
    );
    record.intentId = pi.id;
    const intent = this.core.intent(space, pi.id);
    this.#sync(space, record);
    return intent;
  }

  /** Sets the scenario of the session's payment (and of its intent, when it already has one). */
  setScenario(space: Space, record: CheckoutRecord, scenario: Scenario): void {
    record.scenario = scenario;
    const intent = this.#intent(space, record);
    if (intent) intent.scenario = scenario;
  }

  /**
   * Drives a session as its customer would (control API): `open` makes its intent; `run`, `start`,
   * `authorize`, … act on that intent exactly like `/_sandbox/payment_intents/:id/simulate`;
   * `expire` is `expires_at` passing now.
   */
  simulate(
    space: Space,
    record: CheckoutRecord,
    action: SessionAction,
    errorReason: string | null,
    cause: string,
  ): void {
    this.#sync(space, record);
    const status = record.object.status;
    if (status === 'finished' || status === 'expired') {
      throw invalid(
        'invalid_checkout_session_status',
        `Checkout session ${record.object.id} is ${status}; "${action}" needs it created or in_progress.`,
        'id',
      );
    }
    if (action === 'expire') {
      if (this.#intent(space, record)?.object.status === 'pending') {
        throw invalid(
          'invalid_status_transition',
          `Checkout session ${record.object.id} has a pending payment, which settles whatever the time; it does not expire.`,
          'action',
        );
      }
      return this.#expire(space, record, errorReason ?? 'timeout', cause);
    }
    const intent = this.openIntent(space, record);
    if (action === 'open') return;
    this.core.simulate(space, intent, action as SimulateAction, errorReason, cause);
  }

  /** The control API's view: the object plus the sandbox's bookkeeping. */
  view(space: Space, record: CheckoutRecord): Record<string, unknown> {
    return {
      ...record.object,
      sandbox: {
        namespace: record.namespace,
        session_token: record.sessionToken,
        page_url: record.pageUrl,
        payment_intent_id: record.intentId,
        scenario: this.#intent(space, record)?.scenario ?? record.scenario ?? space.defaultScenario,
        history: record.history,
      },
    };
  }
}
