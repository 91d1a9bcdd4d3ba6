import type { Kysely } from 'kysely';
import {
  CheckoutSessionSchema,
  verify,
  WebhookSignatureError,
  type Clock,
  type FintocEvent,
} from '../fintoc/index.js';
import * as repo from './db/repositories/index.js';
import type { DB, InboxRow } from './db/schema.js';
import { ServiceError } from './errors.js';
import { remoteIdOf, remoteOfSession, type PaymentsService, type Remote } from './payments/index.js';
import { isStorableText } from './text.js';
import { eventAppliesToPayment, eventForIntentStatus, type PaymentEvent } from './state.js';

export type IntakeResult =
  | { stored: true; eventId: string; type: string }
  | { stored: false; duplicate: true; eventId: string; type: string };

/** What applying one stored event did. `retry` asks the job runner to try again later. */
export type ApplyOutcome =
  | {
      outcome: 'applied' | 'no_change' | 'unknown_type' | 'unreadable' | 'already_applied';
      retry?: undefined;
    }
  | { outcome: 'unknown_intent'; retry: boolean };

/** Events about intents this service does not know are retried for about ten hours, then kept unapplied. */
export const UNKNOWN_INTENT_MAX_ATTEMPTS = 20;

/**
 * The webhook inbox: verify the signature on the raw body, store the event once
 * under its Fintoc id, answer at once; the applier ({@link apply}) changes the payment later in a
 * transaction, and only then marks the event applied.
 */
export class Inbox {
  readonly counters = {
    received: 0,
    stored: 0,
    duplicates: 0,
    batches: 0,
    rejected: new Map<string, number>(),
  };

  constructor(
    private readonly db: Kysely<DB>,
    private readonly payments: PaymentsService,
    private readonly secrets: readonly string[],
    private readonly clock: Clock,
    private readonly nudge: () => void = () => {},
  ) {}

  /** Verifies and stores one delivery. Throws {@link ServiceError} (4xx) for forged, stale or broken ones. */
  async receive(body: Buffer, header: string | undefined): Promise<IntakeResult> {
    this.counters.received++;
    const now = new Date(this.clock.now());
    let event: FintocEvent;
    try {
      event = verify({ body, header, secrets: this.secrets, now });
    } catch (err) {
      if (err instanceof WebhookSignatureError) {
        if (err.code === 'invalid_payload') {
          // Signed by the holder of our secret but not an event we can read: keep it if it has an id.
          const kept = await this.keepUnreadable(body, now);
          if (kept) return kept;
        }
        this.countRejected(err.code);
        const code =
          err.code === 'missing_secret' || err.code === 'body_not_raw' ? 'internal_error' : err.code;
        throw new ServiceError(code, err.message);
      }
      throw err;
    }
    const intentId = intentIdOf(event);
    if (!isStorableText(event.id) || !isStorableText(event.type) || !isStorableText(intentId ?? '')) {
      // Signed, but ids the database cannot hold (a NUL, an unpaired surrogate): no Fintoc event.
      this.countRejected('invalid_payload');
      throw new ServiceError(
        'invalid_payload',
        'The event id, type or payment intent id holds a NUL character or an unpaired surrogate.',
      );
    }
    const stored = await this.store({
      event_id: event.id,
      type: event.type,
      intent_id: intentId,
      body: body.toString('utf8'),
      received_at: now,
    });
    if (!stored) {
      this.counters.duplicates++;
      return { stored: false, duplicate: true, eventId: event.id, type: event.type };
    }
    this.counters.stored++;
    this.nudge();
    return { stored: true, eventId: event.id, type: event.type };
  }

  /**
   * Group commit: while one insert is in flight, deliveries that arrive wait and go together in the
   * next one. Each caller resolves once its own event is durably stored; a lone delivery goes at once.
   */
  private store(row: PendingRow['row']): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private pending: PendingRow[] = [];
  private flushing = false;

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        // Let the requests already read in this turn of the event loop join the batch.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const batch = this.pending.splice(0, 500);
        this.counters.batches++;
        // The first delivery of an id in the batch stores it; a second one in the same batch is a duplicate.
        const firsts = new Map<string, PendingRow['row']>();
        for (const p of batch) if (!firsts.has(p.row.event_id)) firsts.set(p.row.event_id, p.row);
        try {
          const fresh = await repo.storeInboxEvents(
            this.db,
            [...firsts.values()],
            new Date(this.clock.now()),
          );
          const seen = new Set<string>();
          for (const p of batch) {
            const isNew = fresh.has(p.row.event_id) && !seen.has(p.row.event_id);
            seen.add(p.row.event_id);
            p.resolve(isNew);
          }
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async keepUnreadable(body: Buffer, now: Date): Promise<IntakeResult | null> {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return null;
    }
    const o = json as { id?: unknown; type?: unknown };
    if (typeof o !== 'object' || o === null || typeof o.id !== 'string' || o.id === '') return null;
    if (!isStorableText(o.id)) return null;
    const type = typeof o.type === 'string' && isStorableText(o.type) ? o.type : 'unknown';
    const stored = await repo.storeInboxEvent(
      this.db,
      { event_id: o.id, type, intent_id: null, body: body.toString('utf8'), received_at: now },
      null,
    );
    if (stored) {
      await repo.updateInboxEvent(this.db, o.id, { outcome: 'unreadable', last_error: 'schema mismatch' });
      this.counters.stored++;
      return { stored: true, eventId: o.id, type };
    }
    this.counters.duplicates++;
    return { stored: false, duplicate: true, eventId: o.id, type };
  }

  private countRejected(code: string): void {
    this.counters.rejected.set(code, (this.counters.rejected.get(code) ?? 0) + 1);
  }

  /** Applies one stored event (the job runner's inbox lane claims due rows). */
  async apply(eventId: string, attempt: number): Promise<ApplyOutcome> {
    const row = await repo.findInboxEvent(this.db, eventId);
    if (!row) return { outcome: 'unreadable' };
    if (row.applied_at !== null) return { outcome: 'already_applied' };
    const now = new Date(this.clock.now());
    let event: {
      type: string;
      data?: { id?: unknown; object?: unknown; status?: unknown; error_reason?: unknown };
    };
    try {
      event = JSON.parse(row.body) as typeof event;
    } catch {
      await repo.updateInboxEvent(this.db, eventId, { outcome: 'unreadable', apply_after: null });
      return { outcome: 'unreadable' };
    }
    const data = event.data;
    const isIntent = event.type.startsWith('payment_intent.') && data?.object !== 'checkout_session';
    const isSession = event.type.startsWith('checkout_session.') && data?.object === 'checkout_session';
    if ((!isIntent && !isSession) || typeof data?.id !== 'string' || typeof data.status !== 'string') {
      await repo.updateInboxEvent(this.db, eventId, {
        applied_at: now,
        outcome: 'unknown_type',
        apply_after: null,
      });
      return { outcome: 'unknown_type' };
    }
    // A Checkout Session's event stands for its payment intent's status (the state module's rules);
    // its intent, once named, is recorded on the payment. The intent's own payment_intent.* events
    // apply too: the transitions are idempotent, so the shop is notified once whichever comes first.
    let paymentEvent: PaymentEvent | null;
    let intentStatus: string | null;
    let remote: Remote | null = null;
    if (isSession) {
      const parsed = CheckoutSessionSchema.safeParse(data);
      if (!parsed.success) {
        await repo.updateInboxEvent(this.db, eventId, {
          outcome: 'unreadable',
          apply_after: null,
          last_error: 'not a checkout session object',
        });
        return { outcome: 'unreadable' };
      }
      remote = remoteOfSession(parsed.data);
      intentStatus = remote.status;
      paymentEvent = remote.status === null ? null : eventForIntentStatus(remote.status, remote.errorReason);
    } else {
      intentStatus = data.status;
      paymentEvent = eventForIntentStatus(
        data.status,
        typeof data.error_reason === 'string' ? data.error_reason : null,
      );
    }
    const payment = await this.payments.getByIntent(data.id);
    if (!payment || paymentEvent === null) {
      const retry = attempt < UNKNOWN_INTENT_MAX_ATTEMPTS && paymentEvent !== null;
      await repo.updateInboxEvent(this.db, eventId, {
        outcome: paymentEvent === null ? 'unknown_type' : 'unknown_intent',
        // Still due (the runner sets when) while it is retried; otherwise it stays, unapplied, for inspection.
        ...(retry ? {} : { apply_after: null }),
        last_error:
          paymentEvent === null
            ? `unknown ${isSession ? 'checkout session' : 'intent'} status ${data.status}`
            : `no payment for ${data.id}`,
      });
      if (paymentEvent === null) return { outcome: 'unknown_type' };
      return { outcome: 'unknown_intent', retry };
    }
    const current = isSession ? remoteIdOf(payment) === data.id : payment.payment_intent_id === data.id;
    if (!eventAppliesToPayment(paymentEvent, current)) {
      // An earlier attempt's intent (replaced by a new one, perhaps not created yet), or one created
      // after the payment ended: only money moving on it matters.
      await repo.updateInboxEvent(this.db, eventId, {
        applied_at: now,
        outcome: 'superseded_intent',
        apply_after: null,
      });
      return { outcome: 'no_change' };
    }
    let outcome: 'applied' | 'no_change' = 'no_change';
    await this.payments
      .applyEvent(
        payment.id,
        paymentEvent,
        { cause: 'webhook', causeId: eventId, detail: { fintoc_event_type: event.type } },
        {
          intentStatus,
          remote,
          inTx: async (trx, t) => {
            const fresh = await trx
              .selectFrom('webhook_inbox')
              .select('applied_at')
              .where('event_id', '=', eventId)
              .forUpdate()
              .executeTakeFirst();
            if (fresh?.applied_at) throw new AlreadyApplied();
            outcome = t.changed ? 'applied' : 'no_change';
            await repo.updateInboxEvent(trx, eventId, {
              applied_at: now,
              outcome,
              apply_after: null,
              last_error: null,
            });
          },
        },
      )
      .catch((err: unknown) => {
        if (err instanceof AlreadyApplied) return null;
        throw err;
      });
    return { outcome };
  }

  async list(opts: { limit?: number; intentId?: string; pendingOnly?: boolean } = {}): Promise<InboxRow[]> {
    return repo.listInbox(this.db, {
      limit: Math.min(opts.limit ?? 50, 500),
      ...(opts.intentId ? { intentId: opts.intentId } : {}),
      ...(opts.pendingOnly ? { pendingOnly: true } : {}),
    });
  }

  async get(eventId: string): Promise<InboxRow | undefined> {
    return repo.findInboxEvent(this.db, eventId);
  }
}

class AlreadyApplied extends Error {}

interface PendingRow {
  row: { event_id: string; type: string; intent_id: string | null; body: string; received_at: Date };
  resolve: (stored: boolean) => void;
  reject: (err: unknown) => void;
}

/** The payment intent (or Checkout Session) an event is about: the inbox is listed by it. */
function intentIdOf(event: FintocEvent): string | null {
  const data = event.data as { object?: unknown; id?: unknown } | null | undefined;
  if (
    data &&
    typeof data === 'object' &&
    (data.object === 'payment_intent' || data.object === 'checkout_session') &&
    typeof data.id === 'string'
  ) {
    return data.id;
  }
  return null;
}
