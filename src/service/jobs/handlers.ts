import type { Kysely } from 'kysely';
import type { Checkpoint } from '../checkpoint.js';
import type { Clock } from '../../fintoc/index.js';
import type { ServiceConfig } from '../config.js';
import * as repo from '../db/repositories/index.js';
import type { DB, PaymentRow } from '../db/schema.js';
import { describeFintocFailure, type FintocPort } from '../fintoc-port.js';
import type { Inbox } from '../inbox.js';
import type { MerchantEndpoint } from '../merchant-endpoint.js';
import type { ReconciliationService } from '../reconciliation/index.js';
import {
  NOTIFICATION_RETRY_WINDOW_MS,
  NOTIFICATION_TIMEOUT_MS,
  deliveryOutcome,
  notificationBackoffMs,
  standardWebhookHeaders,
} from '../notify.js';
import {
  expireKey,
  remoteIdOf,
  remoteOfIntent,
  Remotes,
  syncDelayMs,
  type Cause,
  type Logger,
  type PaymentsService,
  type Remote,
} from '../payments/index.js';
import {
  deadlineVerdict,
  eventAppliesToPayment,
  eventForIntentStatus,
  intentNeedsClosing,
  isFinal,
  isIntentFinal,
  sessionDeadlineVerdict,
  sessionIntentExpirable,
  SESSION_NOT_EXPIRABLE,
  type DeadlineVerdict,
  type PaymentEvent,
} from '../state.js';
import type { ClaimedJob } from '../db/repositories/index.js';
import type { JobHandlers, JobResult } from './runner.js';

export interface HandlerDeps {
  db: Kysely<DB>;
  config: ServiceConfig;
  fintoc: FintocPort;
  clock: Clock;
  payments: PaymentsService;
  inbox: Inbox;
  fetch: typeof fetch;
  log: Logger;
  /** The shop's notification endpoint and whether it is disabled. */
  endpoint: MerchantEndpoint;
  /** Report files, payouts and the mismatch notification. */
  reconciliation: ReconciliationService;
  checkpoint?: Checkpoint;
}

/** Status sync stops watching a payment this long after it was created. */
export const SYNC_WINDOW_MS = 7 * 86_400_000;

/**
 * Wait before asking Fintoc again about a deadline it could not settle yet (unreachable, or the
 * intent still payable): 5 s doubling to 5 min, for as long as it takes. The payment is never
 * canceled on a guess.
 */
export function abandonRetryMs(attempts: number): number {
  return Math.min(300_000, 5_000 * 2 ** Math.max(0, attempts - 1));
}

const done: JobResult = { done: true };

/** The handlers of every job kind, and the batch handlers of the kinds that have one. */
export function jobHandlers(deps: HandlerDeps): JobHandlers {
  const { config, fintoc, clock, payments, inbox, log, endpoint } = deps;
  const remotes = new Remotes(fintoc, config.publicUrl);
  /** The payment event a Fintoc object's status means (null: nothing usable yet). */
  const eventOf = (r: Remote) => (r.status === null ? null : eventForIntentStatus(r.status, r.errorReason));
  const checkpoint = deps.checkpoint ?? (async () => {});
  const later = (ms: number, error?: string): JobResult => ({
    done: false,
    retryAt: clock.now() + ms,
    ...(error ? { error } : {}),
  });

  type Decision =
    | { retry: JobResult }
    | {
        event: PaymentEvent;
        intentStatus: string | null;
        causeId: string | null;
        /** The intent (or session) the decision was made on: the write happens only if it is still the payment's. */
        remoteId: string | null;
        remote?: Remote;
        detail?: Record<string, unknown>;
      };

  /**
   * What the deadline means for one open payment. Every intent it has or may be getting is settled
   * at Fintoc first: an attempt with no recorded intent is created again under its own idempotency
   * key (Fintoc answers the intent it made for it, or makes it), then the intent is expired. Only an
   * expiry (or a final status Fintoc shows) ends the payment; a transfer the bank is still deciding
   * leaves it `processing`; Fintoc unreachable or an intent it keeps payable means try again later.
   * Safe to repeat: fixed idempotency keys, and the write is a compare-and-set on the intent.
   */
  async function decide(row: PaymentRow, attempts: number): Promise<Decision> {
    let intentId: string;
    let settled: boolean;
    try {
      const resolved = await payments.resolveIntent(row);
      if ('refused' in resolved) {
        const f = resolved.refused;
        return {
          event: { type: 'creation_failed', reason: `fintoc_rejected: ${f.code ?? f.status}` },
          intentStatus: null,
          causeId: null,
          remoteId: null,
          detail: { fintoc_status: f.status, fintoc_code: f.code },
        };
      }
      intentId = resolved.intentId;
      settled = resolved.created;
    } catch (err) {
      const f = describeFintocFailure(err);
      return { retry: later(abandonRetryMs(attempts), `fintoc unreachable: ${f.message}`) };
    }
    const extra = settled ? { intent: 'settled by the deadline (its creation had no recorded answer)' } : {};
    let intent: Remote;
    let refusal: ReturnType<typeof describeFintocFailure> | null = null;
    try {
      const answer = await remotes.expireOrRead(row.flow, intentId);
      intent = answer.remote;
      if (answer.refused !== null) {
        refusal = describeFintocFailure(answer.refused);
        log.info(
          { payment_id: row.id, status: refusal.status, code: refusal.code },
          'expire refused; read it instead',
        );
      }
    } catch (getErr) {
      const f = describeFintocFailure(getErr);
      return { retry: later(abandonRetryMs(attempts), `fintoc unreachable: ${f.message}`) };
    }
    const session = intent.kind === 'checkout_session';
    const facts = { status: intent.sessionStatus ?? '', intent: intent.sessionIntent };
    let verdict: DeadlineVerdict = session
      ? sessionDeadlineVerdict(facts)
      : deadlineVerdict(intent.status ?? '', intent.errorReason);
    if (session && verdict.kind === 'processing' && sessionIntentExpirable(facts) && intent.intentId) {
      // Fintoc keeps a started session, but the customer has not authorized: its payment intent is
      // expired where Fintoc allows it (the session then expires with it). Refused, the payment stays
      // processing: the customer is still paying.
      const pi = intent.intentId;
      try {
        const expired = remoteOfIntent(
          await fintoc.paymentIntents.expire(pi, { idempotencyKey: expireKey(pi) }),
        );
        const byIntent = deadlineVerdict(expired.status ?? '', expired.errorReason);
        if (byIntent.kind === 'cancel' || byIntent.kind === 'apply') {
          verdict = byIntent;
          intent = { ...intent, status: expired.status, errorReason: expired.errorReason };
        }
      } catch (err) {
        const f = describeFintocFailure(err);
        if (f.retryable) {
          // Fintoc did not answer (or asked to wait): no refusal, so no reason to think the customer
          // is still paying. Try again rather than leave the intent payable until the session's end.
          return { retry: later(abandonRetryMs(attempts), `fintoc unreachable: ${f.message}`) };
        }
        log.info(
          { payment_id: row.id, status: f.status, code: f.code },
          "the session's intent was not expired either; the customer is still paying",
        );
      }
    }
    const base = { causeId: intentId, remoteId: intentId, remote: intent };
    switch (verdict.kind) {
      case 'cancel':
        return {
          ...base,
          event: { type: 'timeout' },
          intentStatus: 'expired',
          detail: { expired_at_fintoc: true, ...extra },
        };
      case 'apply':
        return { ...base, event: verdict.event, intentStatus: intent.status, detail: extra };
      case 'processing':
        // The customer authorized and the bank decides, or (a Checkout Session) the customer started
        // paying and Fintoc will not expire the session (400 invalid_checkout_session_status): not an
        // abandoned payment, and not an error. It stays processing; Fintoc's webhook or status sync
        // brings the outcome (a session Fintoc expires at its expires_at ends canceled).
        return {
          ...base,
          event: { type: 'intent_processing' },
          intentStatus: intent.status,
          detail: {
            deadline: session
              ? 'not canceled: the customer is paying (Fintoc keeps a started checkout session)'
              : 'not canceled: the bank is deciding',
            ...(session ? { session_status: intent.sessionStatus } : {}),
            ...(refusal?.code === SESSION_NOT_EXPIRABLE ? { fintoc_code: refusal.code } : {}),
            ...extra,
          },
        };
      case 'retry':
        break;
    }
    log.warn(
      { payment_id: row.id, intent_status: intent.status, session_status: intent.sessionStatus },
      'Fintoc kept the payment payable at the deadline',
    );
    return {
      retry: later(
        abandonRetryMs(attempts),
        `${session ? `session ${intent.sessionStatus}` : `intent ${intent.status}`} at Fintoc after expire`,
      ),
    };
  }

  /** Deadlines in batches: one statement marks them, Fintoc calls overlap, one transaction applies them. */
  async function abandonMany(jobs: readonly ClaimedJob[]): Promise<JobResult[]> {
    const rows = await payments.markClosing(jobs.map((j) => j.ref));
    const byId = new Map(rows.map((r) => [r.id, r]));
    await checkpoint(
      'abandon:read',
      rows.map((r) => r.id),
    );
    const results: JobResult[] = jobs.map(() => done);
    const jobOf = new Map<string, number>();
    const items: Array<{
      paymentId: string;
      event: PaymentEvent;
      cause: Cause;
      intentStatus: string | null;
      remote?: Remote;
      expect: { remoteId: string | null };
    }> = [];
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const i = next++;
        const job = jobs[i]!;
        const payment = byId.get(job.ref);
        if (!payment) continue;
        const d = await decide(payment, job.attempts);
        if ('retry' in d) {
          results[i] = d.retry;
          continue;
        }
        jobOf.set(payment.id, i);
        items.push({
          paymentId: payment.id,
          event: d.event,
          intentStatus: d.intentStatus,
          cause: { cause: 'job:abandon', causeId: d.causeId, ...(d.detail ? { detail: d.detail } : {}) },
          ...(d.remote ? { remote: d.remote } : {}),
          expect: { remoteId: d.remoteId },
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, jobs.length) }, lane));
    await checkpoint(
      'abandon:decided',
      items.map((i) => i.paymentId),
    );
    const applied = await payments.applyEvents(items);
    for (const [id, t] of applied) {
      // The payment's intent changed after the decision: decide again on the new state.
      if (t === null)
        results[jobOf.get(id)!] = later(0, 'the payment changed while its deadline was decided');
    }
    return results;
  }

  /**
   * Expires an intent of a payment that has ended (or an attempt's intent the payment never took),
   * so nothing the payment had stays payable; if Fintoc says it was paid, the money wins.
   */
  async function closeIntent(
    payment: PaymentRow,
    intentId: string,
    cause: Cause['cause'],
  ): Promise<{ status: string | null } | { error: string }> {
    let intent: Remote;
    try {
      ({ remote: intent } = await remotes.expireOrRead(payment.flow, intentId));
    } catch (err) {
      return { error: `fintoc: ${describeFintocFailure(err).message}` };
    }
    const current = remoteIdOf(payment) === intentId;
    const event = eventOf(intent);
    if (event && eventAppliesToPayment(event, current)) {
      await payments.applyEvent(
        payment.id,
        event,
        {
          cause,
          causeId: intentId,
          detail: { closing: current ? 'ended payment' : 'intent of another attempt' },
        },
        current ? { intentStatus: intent.status, remote: intent } : { remote: intent },
      );
    } else {
      await payments.note(payment.id, cause, {
        event: 'intent_closed',
        [intent.kind === 'checkout_session' ? 'checkout_session_id' : 'payment_intent_id']: intentId,
        intent_status: intent.status,
        ...(intent.sessionStatus ? { session_status: intent.sessionStatus } : {}),
      });
    }
    return { status: intent.status };
  }

  return {
    /** Apply one stored webhook event (the inbox lane). */
    async inbox(event) {
      const result = await inbox.apply(event.eventId, event.attempts);
      if (result.outcome === 'unknown_intent' && result.retry) {
        // The intent may be one whose creation answer has not been stored yet: try again soon, then less often.
        return later(Math.min(3_600_000, 2_000 * 2 ** Math.max(0, event.attempts - 1)), 'unknown intent');
      }
      return done;
    },

    /** The abandonment deadline of one payment; the runner normally uses {@link abandonMany}. */
    async abandon(job) {
      const [result] = await abandonMany([job]);
      return result ?? done;
    },

    /**
     * Ask Fintoc for the intent's status (a Checkout Session's, with its intent, in the session flows)
     * so a lost webhook cannot leave a payment open, and expire an intent or session still payable
     * after its payment ended (never leave one in `created`).
     */
    async sync(job) {
      const payment = await payments.get(job.ref);
      if (!payment) return done;
      const final = isFinal(payment.status);
      const intentId = remoteIdOf(payment);
      if (intentId === null) return final ? done : later(syncDelayMs(job.attempts, config.paymentTimeoutMs));
      if (final && isIntentFinal(payment.intent_status)) return done;
      if (clock.now() - payment.created_at.getTime() > SYNC_WINDOW_MS) return done;
      let intent: Remote;
      try {
        intent = await remotes.get(payment.flow, intentId);
      } catch (err) {
        const f = describeFintocFailure(err);
        return later(syncDelayMs(job.attempts, config.paymentTimeoutMs), `fintoc: ${f.message}`);
      }
      const event = eventOf(intent);
      if (event) {
        await payments.applyEvent(
          payment.id,
          event,
          {
            cause: 'job:sync',
            causeId: intent.id,
            ...(intent.sessionStatus ? { detail: { session_status: intent.sessionStatus } } : {}),
          },
          { intentStatus: intent.status, remote: intent },
        );
      }
      let status: string | null = intent.status;
      const after = await payments.get(payment.id);
      if (!after) return done;
      const ended = isFinal(after.status);
      if (intentNeedsClosing(after.status, status)) {
        const closed = await closeIntent(after, intentId, 'job:sync');
        if ('error' in closed) return later(abandonRetryMs(job.attempts), closed.error);
        status = closed.status;
      }
      if (ended && isIntentFinal(status)) return done;
      return later(syncDelayMs(job.attempts, config.paymentTimeoutMs));
    },

    /** Expire an intent or session created after its payment ended (see `recordRemote`), or watch it until final. */
    async expire_intent(job) {
      const payment = await payments.getByIntent(job.ref);
      if (!payment) return done;
      const current = remoteIdOf(payment) === job.ref;
      // The open payment's own intent is the deadline's to settle; a settled one needs nothing.
      if (current && (!isFinal(payment.status) || isIntentFinal(payment.intent_status))) return done;
      const closed = await closeIntent(payment, job.ref, 'job:expire');
      if ('error' in closed) return later(abandonRetryMs(job.attempts), closed.error);
      return isIntentFinal(closed.status)
        ? done
        : later(abandonRetryMs(job.attempts), `intent ${closed.status} at Fintoc`);
    },

    /**
     * Deliver one notification to the shop (Standard Webhooks), until a 2xx. A redirect is not
     * followed (a failed attempt); `410 Gone` disables the endpoint and stops; the endpoint has
     * NOTIFICATION_TIMEOUT_MS to answer.
     */
    async notify(job) {
      const note = await repo.findNotification(deps.db, job.ref);
      if (!note || note.delivered_at !== null || !config.merchantWebhook) return done;
      // Disabled (410 Gone): the notification waits, undelivered, until the endpoint is enabled again.
      if (await endpoint.disabled()) return done;
      const now = clock.now();
      const attempts = note.attempts + 1;
      const headers = standardWebhookHeaders({
        id: note.id,
        timestamp: Math.floor(now / 1000),
        body: note.payload,
        secret: config.merchantWebhook.secret,
      });
      let status: number | null = null;
      let error: string | null = null;
      const timeout = new AbortController();
      const answered = new AbortController();
      void clock.sleep(NOTIFICATION_TIMEOUT_MS, answered.signal).then(() => {
        if (!answered.signal.aborted)
          timeout.abort(new Error(`no answer within ${NOTIFICATION_TIMEOUT_MS / 1000} s`));
      });
      try {
        const res = await deps.fetch(config.merchantWebhook.url, {
          method: 'POST',
          headers,
          body: note.payload,
          redirect: 'manual',
          signal: timeout.signal,
        });
        status = res.status;
        await res.body?.cancel().catch(() => {});
      } catch (err) {
        error = timeout.signal.aborted
          ? `no answer within ${NOTIFICATION_TIMEOUT_MS / 1000} s`
          : err instanceof Error
            ? err.message
            : String(err);
      } finally {
        answered.abort();
      }
      const outcome = deliveryOutcome(status);
      const why =
        error ??
        (status !== null && status >= 300 && status < 400
          ? `HTTP ${status} (redirects are not followed: answer 2xx at MERCHANT_WEBHOOK_URL itself)`
          : `HTTP ${status}`);
      await repo.updateNotification(deps.db, note.id, {
        attempts,
        last_status: status,
        last_error:
          outcome === 'delivered' ? null : outcome === 'gone' ? 'HTTP 410 Gone: endpoint disabled' : why,
        ...(outcome === 'delivered' ? { delivered_at: new Date(clock.now()) } : {}),
      });
      if (outcome === 'delivered') return done;
      if (outcome === 'gone') {
        await endpoint.disable(`answered 410 Gone to notification ${note.id}`);
        log.warn({ notification_id: note.id }, 'the shop endpoint answered 410 Gone; notifications disabled');
        return done;
      }
      if (now - note.created_at.getTime() > NOTIFICATION_RETRY_WINDOW_MS) {
        log.error({ notification_id: note.id }, 'notification never acknowledged; giving up');
        return done;
      }
      return later(notificationBackoffMs(attempts), why);
    },

    /** Refund a payment that succeeded after it was canceled (LATE_PAYMENT_POLICY=refund). */
    async refund(job) {
      let payment = await payments.get(job.ref);
      if (!payment || payment.refund_id || !payment.paid_after_cancel) return done;
      if (!payment.payment_intent_id && payment.checkout_session_id) {
        // A Checkout Session names its intent when asked: the refund is on that intent.
        try {
          const session = await remotes.get(payment.flow, payment.checkout_session_id);
          if (session.intentId) {
            await payments.note(payment.id, 'job:refund', {
              event: 'session_intent',
              payment_intent_id: session.intentId,
            });
            await repo.recordSessionIntent(deps.db, session.id, session.intentId);
            payment = (await payments.get(job.ref)) ?? payment;
          }
        } catch (err) {
          return later(notificationBackoffMs(job.attempts), describeFintocFailure(err).message);
        }
      }
      if (!payment.payment_intent_id) return done;
      let refund: { id: string; status: string };
      try {
        refund = await fintoc.refunds.create(
          { resource_type: 'payment_intent', resource_id: payment.payment_intent_id },
          { idempotencyKey: `pasarela_refund_${payment.id}` },
        );
      } catch (err) {
        const f = describeFintocFailure(err);
        if (!f.retryable) {
          await payments.note(payment.id, 'job:refund', {
            event: 'refund_refused',
            fintoc_code: f.code,
            message: f.message,
          });
          return done;
        }
        return later(notificationBackoffMs(job.attempts), f.message);
      }
      await payments.recordRefund(payment.id, refund.id, refund.status);
      return done;
    },
    /** The daily read of Fintoc's Payouts API; it runs again after PASARELA_PAYOUTS_SYNC. */
    async payouts(job) {
      const every = config.payoutsSyncMs;
      if (every === null) return done;
      try {
        const r = await deps.reconciliation.syncPayouts();
        log.info(r, 'payouts read from Fintoc');
      } catch (err) {
        const f = describeFintocFailure(err);
        return later(Math.min(every, notificationBackoffMs(job.attempts)), `fintoc payouts: ${f.message}`);
      }
      return { done: false, retryAt: clock.now() + every, resetAttempts: true };
    },

    /** Reconcile what was received and notify the shop of new differences. */
    async reconcile() {
      await deps.reconciliation.notifyMismatches();
      return done;
    },
    batches: { abandon: abandonMany },
  };
}
