import type { Kysely } from 'kysely';
import type { Clock, PaymentIntent } from '../../fintoc/index.js';
import type { ServiceConfig } from '../config.js';
import * as repo from '../db/repositories.js';
import type { JobKind } from '../db/repositories.js';
import type { DB } from '../db/schema.js';
import { describeFintocFailure, type FintocPort } from '../fintoc-port.js';
import type { Inbox } from '../inbox.js';
import { NOTIFICATION_RETRY_WINDOW_MS, notificationBackoffMs, standardWebhookHeaders } from '../notify.js';
import { syncDelayMs, type Cause, type Logger, type PaymentsService } from '../payments.js';
import {
  eventForIntentStatus,
  isFinal,
  isIntentFinal,
  type PaymentEvent,
  type PaymentStatus,
} from '../state.js';
import type { ClaimedJob } from '../db/repositories.js';
import type { BatchHandlers, JobHandler, JobResult } from './runner.js';

export interface HandlerDeps {
  db: Kysely<DB>;
  config: ServiceConfig;
  fintoc: FintocPort;
  clock: Clock;
  payments: PaymentsService;
  inbox: Inbox;
  fetch: typeof fetch;
  log: Logger;
}

/** Connection trouble at the deadline is retried this many times before cancelling anyway. */
export const ABANDON_MAX_ATTEMPTS = 3;
/** Status sync stops watching a payment this long after it was created. */
export const SYNC_WINDOW_MS = 7 * 86_400_000;

const done: JobResult = { done: true };

/** The handlers of every job kind, and the batch handlers of the kinds that have one. */
export function jobHandlers(deps: HandlerDeps): Record<JobKind, JobHandler> & { batches: BatchHandlers } {
  const { config, fintoc, clock, payments, inbox, log } = deps;
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
        detail?: Record<string, unknown>;
      };

  /**
   * What the deadline means for one open payment: expire its intent at Fintoc and cancel; if Fintoc
   * refuses because the customer paid (or failed), that wins. Safe to repeat: the expire call
   * carries a fixed idempotency key and the transition happens once.
   */
  async function decide(paymentId: string, intentId: string | null, attempts: number): Promise<Decision> {
    if (intentId === null) {
      return {
        event: { type: 'timeout' },
        intentStatus: null,
        causeId: null,
        detail: { intent: 'never created' },
      };
    }
    let intent: PaymentIntent | null = null;
    let expired = false;
    try {
      intent = await fintoc.paymentIntents.expire(intentId, {
        idempotencyKey: `pasarela_expire_${paymentId}`,
      });
      expired = intent.status === 'expired';
    } catch (err) {
      const failure = describeFintocFailure(err);
      log.info(
        { payment_id: paymentId, status: failure.status, code: failure.code },
        'expire refused; reading the intent',
      );
      try {
        intent = await fintoc.paymentIntents.get(intentId);
      } catch (getErr) {
        const f = describeFintocFailure(getErr);
        if (attempts < ABANDON_MAX_ATTEMPTS && (failure.retryable || f.retryable)) {
          return { retry: later(5_000 * attempts, `fintoc unreachable: ${f.message}`) };
        }
      }
    }
    const event = intent && !expired ? eventForIntentStatus(intent.status, intent.error_reason) : null;
    if (
      event &&
      (event.type === 'intent_succeeded' || event.type === 'intent_failed' || event.type === 'intent_expired')
    ) {
      return { event, intentStatus: intent!.status, causeId: intentId };
    }
    return {
      event: { type: 'timeout' },
      intentStatus: intent?.status ?? null,
      causeId: intentId,
      detail: { expired_at_fintoc: expired, ...(intent ? {} : { fintoc: 'unreachable' }) },
    };
  }

  /** Deadlines in batches: one statement marks them, Fintoc calls overlap, one transaction applies them. */
  async function abandonMany(jobs: readonly ClaimedJob[]): Promise<JobResult[]> {
    const open = await payments.markExpireRequestedMany(jobs.map((j) => j.ref));
    const byId = new Map(open.map((o) => [o.id, o]));
    const results: JobResult[] = jobs.map(() => done);
    const items: Array<{
      paymentId: string;
      event: PaymentEvent;
      cause: Cause;
      intentStatus: string | null;
    }> = [];
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const i = next++;
        const job = jobs[i]!;
        const payment = byId.get(job.ref);
        if (!payment) continue;
        const d = await decide(payment.id, payment.payment_intent_id, job.attempts);
        if ('retry' in d) {
          results[i] = d.retry;
          continue;
        }
        items.push({
          paymentId: payment.id,
          event: d.event,
          intentStatus: d.intentStatus,
          cause: { cause: 'job:abandon', causeId: d.causeId, ...(d.detail ? { detail: d.detail } : {}) },
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, jobs.length) }, lane));
    await payments.applyEvents(items);
    return results;
  }

  return {
    /** Apply one stored webhook event. */
    async apply_event(job) {
      const result = await inbox.apply(job.ref, job.attempts);
      if (result.outcome === 'unknown_intent' && result.retry) {
        // The intent may be one whose creation answer has not been stored yet: try again soon, then less often.
        return later(Math.min(3_600_000, 2_000 * 2 ** Math.max(0, job.attempts - 1)), 'unknown intent');
      }
      return done;
    },

    /** The abandonment deadline of one payment; the runner normally uses {@link abandonMany}. */
    async abandon(job) {
      const [result] = await abandonMany([job]);
      return result ?? done;
    },

    /** Ask Fintoc for the intent's status so a lost webhook cannot leave a payment open. */
    async sync(job) {
      const payment = await payments.get(job.ref);
      if (!payment) return done;
      const settled =
        isFinal(payment.status as PaymentStatus) &&
        (payment.intent_status === null || isIntentFinal(payment.intent_status));
      if (settled || payment.payment_intent_id === null) {
        return isFinal(payment.status as PaymentStatus)
          ? done
          : later(syncDelayMs(job.attempts, config.paymentTimeoutMs));
      }
      if (clock.now() - payment.created_at.getTime() > SYNC_WINDOW_MS) return done;
      let intent: PaymentIntent;
      try {
        intent = await fintoc.paymentIntents.get(payment.payment_intent_id);
      } catch (err) {
        const f = describeFintocFailure(err);
        return later(syncDelayMs(job.attempts, config.paymentTimeoutMs), `fintoc: ${f.message}`);
      }
      const event = eventForIntentStatus(intent.status, intent.error_reason);
      if (event) {
        await payments.applyEvent(
          payment.id,
          event,
          { cause: 'job:sync', causeId: intent.id },
          { intentStatus: intent.status },
        );
      }
      const after = await payments.get(payment.id);
      if (after && isFinal(after.status as PaymentStatus) && isIntentFinal(intent.status)) return done;
      return later(syncDelayMs(job.attempts, config.paymentTimeoutMs));
    },

    /** Deliver one notification to the shop (Standard Webhooks), until a 2xx. */
    async notify(job) {
      const note = await repo.findNotification(deps.db, job.ref);
      if (!note || note.delivered_at !== null || !config.merchantWebhook) return done;
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
      try {
        const res = await deps.fetch(config.merchantWebhook.url, {
          method: 'POST',
          headers,
          body: note.payload,
          signal: AbortSignal.timeout(10_000),
        });
        status = res.status;
        await res.body?.cancel().catch(() => {});
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      const ok = status !== null && status >= 200 && status < 300;
      await repo.updateNotification(deps.db, note.id, {
        attempts,
        last_status: status,
        last_error: ok ? null : (error ?? `HTTP ${status}`),
        ...(ok ? { delivered_at: new Date(clock.now()) } : {}),
      });
      if (ok) return done;
      if (now - note.created_at.getTime() > NOTIFICATION_RETRY_WINDOW_MS) {
        log.error({ notification_id: note.id }, 'notification never acknowledged; giving up');
        return done;
      }
      return later(notificationBackoffMs(attempts), error ?? `HTTP ${status}`);
    },

    /** Refund a payment that succeeded after it was canceled (LATE_PAYMENT_POLICY=refund). */
    async refund(job) {
      const payment = await payments.get(job.ref);
      if (!payment || payment.refund_id || !payment.paid_after_cancel || !payment.payment_intent_id)
        return done;
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
    batches: { abandon: abandonMany },
  };
}
