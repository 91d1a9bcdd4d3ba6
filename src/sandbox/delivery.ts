/**
 * Webhook delivery, as Fintoc documents it: the event's compact JSON POSTed with a
 * `Fintoc-Signature` header to every enabled endpoint of the same mode subscribed to the type; any
 * 2xx ends a delivery; anything else, or no answer within the timeout, is retried 3 s × 2^n after
 * the failure, up to 17 retries. Every attempt is recorded. Faults from the control API act here.
 * All timing is on the sandbox clock.
 */
import { sign } from '../fintoc/index.js';
import type { SandboxClock } from './clock.js';
import type { Attempt, Delivery, EndpointRecord, EventRecord, Fault, Space } from './records.js';
import { isoSeconds } from './iso.js';
import type { Timers } from './timers.js';

export const MAX_RETRIES = 17;
export const FIRST_RETRY_MS = 3000;
const EXCERPT_CHARS = 500;

/** Delay before retry number `n` (0-based) after a failed attempt: 3 s, 6 s, 12 s, … */
export function retryDelayMs(n: number): number {
  return FIRST_RETRY_MS * 2 ** n;
}

export interface DelivererOptions {
  clock: SandboxClock;
  /** Where attempts and releases are scheduled (on `clock`, remembered for the state file). */
  timers: Timers;
  fetch: typeof fetch;
  timeoutMs: number;
  /** Unix seconds to put in `Fintoc-Signature`'s `t`. */
  signatureTime: () => number;
  newId: (prefix: string) => string;
  /** Real elapsed time for response times (not the sandbox clock). */
  elapsed: () => number;
  /** A number in [0, 1) from the sandbox's random source: whether a fault with a probability acts. */
  chance: () => number;
}

function subscribed(endpoint: EndpointRecord, type: string): boolean {
  const events = endpoint.object.enabled_events;
  return events.includes(type) || events.includes('*');
}

/** The payment intent an event is about: the intent itself, a session's intent, a refund's intent. */
function intentOf(event: EventRecord): string | null {
  const data = event.object.data as {
    id?: unknown;
    object?: unknown;
    resource_id?: unknown;
    payment_resource?: { payment_intent?: { id?: unknown } | null } | null;
  } | null;
  if (!data || typeof data !== 'object') return null;
  const id =
    data.object === 'payment_intent'
      ? data.id
      : data.object === 'refund'
        ? data.resource_id
        : data.payment_resource?.payment_intent?.id;
  return typeof id === 'string' ? id : null;
}

function matches(fault: Fault, endpointId: string, event: EventRecord): boolean {
  // Faults kept by an older state file have no `payment_intent_id`: they match every intent.
  const intentId = fault.payment_intent_id ?? null;
  return (
    (fault.endpoint_id === null || fault.endpoint_id === endpointId) &&
    (fault.event_type === null || fault.event_type === event.object.type) &&
    (intentId === null || intentId === intentOf(event))
  );
}

export class Deliverer {
  constructor(private readonly o: DelivererOptions) {}

  /** Starts deliveries of `event` to the space's endpoints (or to `only`, for an endpoint test). */
  dispatch(space: Space, event: EventRecord, only?: EndpointRecord): Delivery[] {
    const targets = only
      ? [only]
      : space.endpointList.filter((e) => e.object.status === 'enabled' && subscribed(e, event.object.type));
    return targets.map((endpoint) => this.#start(space, event, endpoint, null));
  }

  /** Sends a delivery's event to its endpoint again, as a new delivery (`duplicate_of` the old one). */
  resend(space: Space, delivery: Delivery): Delivery | null {
    const endpoint = space.endpoints.get(delivery.endpoint_id);
    const event = space.events.get(delivery.event_id);
    if (!endpoint || !event) return null;
    return this.#start(space, event, endpoint, delivery.id);
  }

  #start(space: Space, event: EventRecord, endpoint: EndpointRecord, duplicateOf: string | null): Delivery {
    const now = this.o.clock.now();
    const delivery: Delivery = {
      id: this.o.newId('dlv'),
      event_id: event.object.id,
      event_type: event.object.type,
      endpoint_id: endpoint.object.id,
      url: endpoint.object.url,
      status: 'scheduled',
      created_at: isoSeconds(now),
      next_attempt_at: null,
      duplicate_of: duplicateOf,
      faults: [],
      attempts: [],
      dropRemaining: 0,
      loseRemaining: 0,
      duplicates: 0,
      cancel: null,
    };
    space.deliveries.set(delivery.id, delivery);
    space.deliveryList.push(delivery);

    let delay = 0;
    let stop = false;
    let reorder: Fault | null = null;
    for (const fault of space.faults.values()) {
      if (fault.kind === 'slow_api' || !matches(fault, endpoint.object.id, event)) continue;
      if (fault.probability !== undefined && fault.probability < 1 && this.o.chance() >= fault.probability)
        continue;
      delivery.faults.push(fault.id);
      switch (fault.kind) {
        case 'drop':
          delivery.dropRemaining += fault.count ?? 1;
          break;
        case 'lose_response':
          delivery.loseRemaining += fault.count ?? 1;
          break;
        case 'delay':
          delay += fault.delay_ms ?? 0;
          break;
        case 'duplicate':
          if (duplicateOf === null) delivery.duplicates += fault.count ?? 1;
          break;
        case 'reorder':
          reorder = fault;
          break;
        case 'stop':
          stop = true;
          break;
      }
    }
    if (stop) {
      delivery.status = 'withheld';
    } else if (reorder && duplicateOf === null) {
      this.#hold(space, delivery, reorder, delay);
    } else {
      this.#schedule(space, delivery, now + delay);
    }
    return delivery;
  }

  /**
   * A `reorder` fault holds matching deliveries of an endpoint for its window, then sends them
   * newest first, one after the other, so the receiver sees them out of order.
   */
  #hold(space: Space, delivery: Delivery, fault: Fault, delay: number): void {
    delivery.status = 'held';
    const list = space.held.get(delivery.endpoint_id) ?? [];
    space.held.set(delivery.endpoint_id, list);
    list.push(delivery);
    if (list.length > 1) return;
    const at = this.o.clock.now() + (fault.delay_ms ?? 5000) + delay;
    delivery.next_attempt_at = isoSeconds(at);
    this.#releaseAt(space, delivery.endpoint_id, at);
  }

  #releaseAt(space: Space, endpointId: string, at: number): void {
    const spec = { kind: 'release' as const, space: space.key, id: endpointId };
    this.o.timers.add(at, `release ${endpointId}`, spec, async () => {
      const batch = (space.held.get(endpointId) ?? []).reverse();
      space.held.delete(endpointId);
      for (const d of batch) {
        if (d.status !== 'held') continue;
        d.status = 'scheduled';
        await this.#attempt(space, d);
      }
    });
  }

  #schedule(space: Space, delivery: Delivery, at: number): void {
    delivery.status = 'scheduled';
    delivery.next_attempt_at = isoSeconds(at);
    const spec = { kind: 'deliver' as const, space: space.key, id: delivery.id };
    delivery.cancel = this.o.timers.add(at, `deliver ${delivery.id}`, spec, () =>
      this.#attempt(space, delivery),
    );
  }

  /** After a restart: the delivery's next attempt, at the instant it was due. */
  resume(space: Space, delivery: Delivery, at: number): void {
    this.#schedule(space, delivery, at);
  }

  /** After a restart: the end of a `reorder` window for the deliveries held for `endpointId`. */
  resumeRelease(space: Space, endpointId: string, at: number): void {
    this.#releaseAt(space, endpointId, at);
  }

  async #attempt(space: Space, delivery: Delivery): Promise<void> {
    delivery.cancel = null;
    delivery.next_attempt_at = null;
    const endpoint = space.endpoints.get(delivery.endpoint_id);
    const event = space.events.get(delivery.event_id);
    if (!endpoint || !event || endpoint.object.status !== 'enabled') {
      delivery.status = 'canceled';
      return;
    }
    const startedMs = this.o.clock.now();
    const attempt: Attempt = {
      number: delivery.attempts.length + 1,
      at: new Date(startedMs).toISOString(),
      at_ms: startedMs,
      outcome: 'failed',
      status_code: null,
      response_time_ms: null,
      response_body_excerpt: null,
      error: null,
    };
    delivery.attempts.push(attempt);
    if (delivery.dropRemaining > 0) {
      delivery.dropRemaining -= 1;
      attempt.outcome = 'dropped';
      attempt.error = 'dropped by a sandbox fault (the receiver never saw this attempt)';
    } else {
      await this.#post(endpoint, event, attempt);
      if (delivery.loseRemaining > 0) {
        delivery.loseRemaining -= 1;
        if (attempt.outcome === 'delivered') {
          attempt.outcome = 'failed';
          attempt.error =
            'the answer was lost by a sandbox fault (the receiver got the event; it will come again)';
        }
      }
    }
    if (attempt.outcome === 'delivered') {
      delivery.status = 'delivered';
      for (let i = 0; i < delivery.duplicates; i++) this.#start(space, event, endpoint, delivery.id);
      delivery.duplicates = 0;
      return;
    }
    const retriesDone = delivery.attempts.length - 1;
    if (retriesDone >= MAX_RETRIES) {
      delivery.status = 'failed';
      return;
    }
    this.#schedule(space, delivery, this.o.clock.now() + retryDelayMs(retriesDone));
  }

  async #post(endpoint: EndpointRecord, event: EventRecord, attempt: Attempt): Promise<void> {
    const signature = sign({ secret: endpoint.secret, body: event.body, timestamp: this.o.signatureTime() });
    const started = this.o.elapsed();
    try {
      const res = await this.o.fetch(endpoint.object.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'fintoc-signature': signature,
          'user-agent': 'Fintoc-Webhooks (pasarela sandbox)',
        },
        body: event.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      attempt.status_code = res.status;
      const text = await res.text();
      attempt.response_body_excerpt = text.slice(0, EXCERPT_CHARS);
      attempt.outcome = res.status >= 200 && res.status < 300 ? 'delivered' : 'failed';
      if (attempt.outcome === 'failed') attempt.error = `the endpoint answered ${res.status}`;
    } catch (err) {
      const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      attempt.outcome = 'failed';
      attempt.error =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `no answer within ${this.o.timeoutMs} ms (timeout)`
          : `could not reach the endpoint: ${e.cause?.code ?? e.cause?.message ?? e.message ?? String(err)}`;
    } finally {
      attempt.response_time_ms = Math.round(this.o.elapsed() - started);
    }
  }

  /** After a `stop` fault is removed: withheld deliveries no longer stopped are sent now. */
  release(space: Space): void {
    const now = this.o.clock.now();
    for (const d of space.deliveryList) {
      if (d.status !== 'withheld') continue;
      const event = space.events.get(d.event_id);
      const stillStopped =
        event !== undefined &&
        [...space.faults.values()].some((f) => f.kind === 'stop' && matches(f, d.endpoint_id, event));
      if (!stillStopped) this.#schedule(space, d, now);
    }
  }

  /** Public view of a delivery (no internal counters). */
  static view(d: Delivery): Record<string, unknown> {
    return {
      id: d.id,
      object: 'sandbox_delivery',
      event_id: d.event_id,
      event_type: d.event_type,
      endpoint_id: d.endpoint_id,
      url: d.url,
      status: d.status,
      created_at: d.created_at,
      next_attempt_at: d.next_attempt_at,
      duplicate_of: d.duplicate_of,
      faults: d.faults,
      attempts: d.attempts.map(({ at_ms: _ms, ...a }) => a),
    };
  }
}
