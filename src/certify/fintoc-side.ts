/**
 * The Fintoc a certification runs against, as a source of evidence. Against the sandbox its control
 * API (`/_sandbox/…`) shows everything: the request log, widget sessions, deliveries with every
 * answer, and lets certify add faults and choose scenarios. Against Fintoc's real test mode (or the
 * sandbox with the control API not used, which is how that path is tested) only Fintoc's public API
 * is read: payment intents and webhook endpoints. Scenarios that need more say so (`not_available`).
 */
import { keyMode } from '../fintoc/index.js';
import { CertifyError } from './errors.js';
import { http, HttpUnreachable, type HttpAnswer } from './http.js';

export interface IntentView {
  id: string;
  status: string;
  amount: number;
  currency: string;
  mode: string;
  created_at: string;
  error_reason: string | null;
}

export interface HistoryEntry {
  at: string;
  status: string;
  cause: string;
}

export interface RequestEntry {
  at: string;
  method: string;
  path: string;
  status: number;
}

export interface WidgetSessionView {
  id: string;
  created_at: string;
  options: Record<string, unknown>;
  ok: boolean;
  error: { code: string; message: string } | null;
  payment_intent_id: string | null;
  country: string | null;
  actions: Array<{ at: string; action: string; ok: boolean; status: string | null }>;
}

export interface AttemptView {
  number: number;
  at: string;
  outcome: 'delivered' | 'failed' | 'dropped';
  status_code: number | null;
  response_time_ms: number | null;
  response_body_excerpt: string | null;
  error: string | null;
}

export interface DeliveryView {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  url: string;
  status: string;
  duplicate_of: string | null;
  attempts: AttemptView[];
}

export interface EndpointView {
  id: string;
  url: string;
  enabled_events: string[];
  status: string;
  mode: string;
}

export interface EventView {
  id: string;
  type: string;
  created_at: string;
  data: Record<string, unknown>;
}

/** A report channel of the organisation (the sandbox's `/_sandbox/report_channels`). */
export interface ReportChannelView {
  id: string;
  type: 'folder' | 'email' | 'https';
  reports: Array<'payout' | 'daily'>;
  path: string | null;
  to: string | null;
  url: string | null;
}

/** What the sandbox says about one report file it made (without its content). */
export interface ReportFileView {
  id: string;
  kind: 'payout' | 'daily';
  filename: string;
  date: string;
  currency: string;
  payout_id: string | null;
  created_at: string;
  lines: number;
  sha256: string;
  deliveries: Array<{
    channel_id: string;
    type: ReportChannelView['type'];
    status: 'scheduled' | 'delivered' | 'failed';
    location: string | null;
    attempts: Array<{ at: string; ok: boolean; status_code: number | null; error: string | null }>;
  }>;
}

/** A scenario asked for evidence only the sandbox's control API has. */
export class NeedsSandbox extends Error {
  constructor(what: string) {
    super(`${what} needs the sandbox's control API, which Fintoc does not have`);
    this.name = 'NeedsSandbox';
  }
}

export interface FintocSideOptions {
  kind: 'sandbox' | 'fintoc';
  /** The API origin (the sandbox's URL, or https://api.fintoc.com). */
  apiUrl: string;
  secretKey: string;
  /** Read the sandbox's `/_sandbox/…` control API (false: Fintoc's public API only). */
  control: boolean;
}

export class FintocSide {
  readonly kind: 'sandbox' | 'fintoc';
  readonly apiUrl: string;
  readonly control: boolean;
  readonly secretKey: string;

  constructor(o: FintocSideOptions) {
    this.kind = o.kind;
    this.apiUrl = o.apiUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    this.secretKey = o.secretKey;
    this.control = o.control;
  }

  /** The organisation's public key in the same mode (the sandbox's rule; unknown for Fintoc). */
  get publicKey(): string | null {
    return this.kind === 'sandbox' ? this.secretKey.replace(/^sk_/, 'pk_') : null;
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    key = this.secretKey,
  ): Promise<HttpAnswer> {
    try {
      return await http(`${this.apiUrl}${path}`, {
        method,
        // The v2 namespace (Checkout Sessions) needs API version 2026-02-01 or later.
        headers: {
          authorization: key,
          ...(path.startsWith('/v2/') ? { 'fintoc-version': '2026-02-01' } : {}),
        },
        ...(body === undefined ? {} : { body }),
        // Generous: it bounds an answer that should come (Fintoc down is told apart by its refusal,
        // or by a minute of silence), not the shop; a busy machine's sandbox can take seconds.
        timeoutMs: 60_000,
      });
    } catch (err) {
      if (err instanceof HttpUnreachable) {
        throw new CertifyError(
          'fintoc_unreachable',
          `The ${this.kind} at ${this.apiUrl} did not answer ${method} ${path.split('?')[0]} (${err.why}).`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  private async json<T>(method: string, path: string, body?: unknown, key?: string): Promise<T> {
    const res = await this.call(method, path, body, key);
    if (res.status === 401) {
      throw new CertifyError(
        'fintoc_auth_failed',
        `The ${this.kind} at ${this.apiUrl} refused the secret key (401).`,
      );
    }
    if (res.status >= 400) {
      const error = (res.json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new Error(
        `${method} ${path} answered ${res.status}${error ? ` ${error.code}: ${error.message}` : ''}`,
      );
    }
    return res.json as T;
  }

  private needsControl(what: string): void {
    if (!this.control) throw new NeedsSandbox(what);
  }

  /** Checks the key works and is a test key; throws a CertifyError otherwise. */
  async check(): Promise<void> {
    if (keyMode(this.secretKey) !== 'test') {
      throw new CertifyError(
        'live_key_refused',
        'The secret key is not a test key (sk_test_…): certification runs in test mode only.',
      );
    }
    await this.json('GET', '/v1/payment_intents?per_page=1');
    if (this.control) await this.json('GET', '/_sandbox/clock');
  }

  /** Fintoc-side time in epoch ms (the sandbox's test clock; real time for Fintoc). */
  async now(): Promise<number> {
    if (!this.control) return Date.now();
    return (await this.json<{ now_ms: number }>('GET', '/_sandbox/clock')).now_ms;
  }

  /** A payment intent of this organisation, or null when it has none with that id. */
  async intent(id: string): Promise<IntentView | null> {
    if (!/^pi_[A-Za-z0-9]+$/.test(id)) return null;
    const res = await this.call('GET', `/v1/payment_intents/${id}`);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new Error(`GET /v1/payment_intents/${id} answered ${res.status}`);
    return res.json as IntentView;
  }

  /**
   * The payment intent of a Checkout Session of this organisation (made when the customer opened it),
   * or null when the session is not this organisation's or has none yet.
   */
  async sessionIntent(sessionId: string): Promise<string | null> {
    return (await this.session(sessionId))?.intentId ?? null;
  }

  /** A Checkout Session of this organisation (when it was created, its payment intent), or null. */
  async session(sessionId: string): Promise<{ created_at: string; intentId: string | null } | null> {
    if (!/^cs_[A-Za-z0-9]+$/.test(sessionId)) return null;
    const res = await this.call('GET', `/v2/checkout_sessions/${sessionId}`);
    if (res.status === 404) return null;
    if (res.status !== 200) throw new Error(`GET /v2/checkout_sessions/${sessionId} answered ${res.status}`);
    const cs = res.json as { created_at: string; payment_resource?: { payment_intent?: unknown } | null };
    const pi = cs.payment_resource?.payment_intent;
    const intentId =
      typeof pi === 'string'
        ? pi
        : pi !== null && typeof pi === 'object' && typeof (pi as { id?: unknown }).id === 'string'
          ? (pi as { id: string }).id
          : null;
    return { created_at: cs.created_at, intentId };
  }

  async endpoints(): Promise<EndpointView[]> {
    const list = await this.json<EndpointView[]>('GET', '/v1/webhook_endpoints?per_page=300');
    return Array.isArray(list) ? list : [];
  }

  async history(intentId: string): Promise<HistoryEntry[]> {
    this.needsControl('the intent history');
    const view = await this.json<{ sandbox?: { history?: HistoryEntry[] } }>(
      'GET',
      `/_sandbox/payment_intents/${intentId}`,
    );
    return view.sandbox?.history ?? [];
  }

  /** The API request log of this organisation in one mode, oldest first. */
  async requests(mode: 'test' | 'live' = 'test'): Promise<RequestEntry[]> {
    this.needsControl('the request log');
    const key = mode === 'test' ? this.secretKey : this.secretKey.replace(/^sk_test_/, 'sk_live_');
    return [
      ...(await this.json<{ data: RequestEntry[] }>('GET', '/_sandbox/requests', undefined, key)).data,
    ].reverse();
  }

  /** The widget sessions the sandbox recorded for this organisation, newest first. */
  async widgetSessions(): Promise<WidgetSessionView[]> {
    this.needsControl('the widget sessions');
    return (await this.json<{ data: WidgetSessionView[] }>('GET', '/_sandbox/widget_sessions')).data;
  }

  /** Every event about one intent, oldest first. */
  async events(intentId: string): Promise<EventView[]> {
    this.needsControl('the events');
    const all = (await this.json<{ data: EventView[] }>('GET', '/_sandbox/events')).data;
    return all.filter((e) => (e.data as { id?: unknown })?.id === intentId).reverse();
  }

  /** Deliveries of the events about one intent, oldest first. */
  async deliveries(intentId: string): Promise<Array<DeliveryView & { event: EventView }>> {
    const events = await this.events(intentId);
    const byId = new Map(events.map((e) => [e.id, e]));
    const all = (await this.json<{ data: DeliveryView[] }>('GET', '/_sandbox/deliveries')).data;
    return all
      .filter((d) => byId.has(d.event_id))
      .reverse()
      .map((d) => ({ ...d, event: byId.get(d.event_id) as EventView }));
  }

  async addFault(fault: Record<string, unknown>): Promise<string> {
    this.needsControl('a delivery fault');
    return (await this.json<{ id: string }>('POST', '/_sandbox/faults', fault)).id;
  }

  async removeFault(id: string): Promise<void> {
    this.needsControl('a delivery fault');
    await this.json('DELETE', `/_sandbox/faults/${id}`);
  }

  async setScenario(intentId: string, scenario: Record<string, unknown>): Promise<void> {
    this.needsControl('a payment scenario');
    await this.json('PUT', `/_sandbox/payment_intents/${intentId}/scenario`, scenario);
  }

  async simulate(intentId: string, action: string): Promise<IntentView> {
    this.needsControl('driving an intent');
    return this.json<IntentView>('POST', `/_sandbox/payment_intents/${intentId}/simulate`, { action });
  }

  async resend(deliveryId: string): Promise<DeliveryView> {
    this.needsControl('resending a delivery');
    return this.json<DeliveryView>('POST', `/_sandbox/deliveries/${deliveryId}/resend`);
  }

  /** Moves the sandbox's test clock forward (every organisation's: it is one clock). */
  async advanceClock(ms: number): Promise<void> {
    this.needsControl("moving the sandbox's clock");
    await this.json('POST', '/_sandbox/clock/advance', { by: `${Math.round(ms / 1000)}s` });
  }

  async payoutSettings(): Promise<{ payment_scenario: string; daily_report: string }> {
    this.needsControl('the payout settings');
    return this.json('GET', '/_sandbox/payout_settings');
  }

  async reportChannels(): Promise<ReportChannelView[]> {
    this.needsControl('the report channels');
    return (await this.json<{ data: ReportChannelView[] }>('GET', '/_sandbox/report_channels')).data;
  }

  async createReportChannel(spec: Record<string, unknown>): Promise<ReportChannelView> {
    this.needsControl('a report channel');
    return this.json<ReportChannelView>('POST', '/_sandbox/report_channels', spec);
  }

  async deleteReportChannel(id: string): Promise<void> {
    this.needsControl('a report channel');
    await this.json('DELETE', `/_sandbox/report_channels/${id}`);
  }

  /** The report files the sandbox made for the organisation, oldest first. */
  async reports(): Promise<ReportFileView[]> {
    this.needsControl('the report files');
    return [...(await this.json<{ data: ReportFileView[] }>('GET', '/_sandbox/reports')).data].reverse();
  }

  /** One report file's bytes, as the sandbox sends it. */
  async reportContent(id: string): Promise<string> {
    this.needsControl('a report file');
    const res = await this.call('GET', `/_sandbox/reports/${id}/download`);
    if (res.status !== 200) throw new Error(`GET /_sandbox/reports/${id}/download answered ${res.status}`);
    return res.text;
  }

  async endpointSecret(endpointId: string): Promise<string> {
    this.needsControl("an endpoint's secret");
    return (await this.json<{ secret: string }>('GET', `/_sandbox/webhook_endpoints/${endpointId}/secret`))
      .secret;
  }
}
