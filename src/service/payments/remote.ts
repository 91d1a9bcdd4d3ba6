/**
 * The Fintoc object behind one attempt of a payment, whatever its flow: a payment intent (`intent`)
 * or a Checkout Session (`session`, `redirect`). Creating, reading and expiring it are one call per
 * flow here; what comes back is read the same way for every flow (the status of the payment intent
 * it stands for, by the state module's rules), so deadlines, status sync and closing need not know
 * which flow a payment uses.
 */
import {
  sessionPaymentIntent,
  sessionPaymentIntentId,
  type CheckoutSession,
  type PaymentIntent,
} from '../../fintoc/index.js';
import type { FintocPort } from '../fintoc-port.js';
import type { PaymentRow } from '../db/schema.js';
import { sessionIntentStatus, usesSession, type PaymentFlow } from '../state.js';

/** One attempt's Fintoc object, as the service reads it. */
export interface Remote {
  /** `pi_…` or `cs_…`. */
  id: string;
  kind: 'payment_intent' | 'checkout_session';
  /**
   * The payment-intent status it stands for (a session's by `sessionIntentStatus`), or null when a
   * session says nothing usable yet (finished without its intent, an unknown status).
   */
  status: string | null;
  errorReason: string | null;
  /** The payment intent: the object itself, or the session's once Fintoc names it. */
  intentId: string | null;
  /** The session's own status (`created`, `in_progress`, `finished`, `expired`); null for an intent. */
  sessionStatus: string | null;
  /** The session's payment intent as Fintoc sent it (status and reason), when it sent it whole. */
  sessionIntent: { status: string; error_reason: string | null } | null;
  /** What the checkout opens: the intent's `widget_token` or the session's `session_token`. */
  token: string | null;
  /** Fintoc's hosted page (redirect flow). */
  redirectUrl: string | null;
}

export function remoteOfIntent(intent: PaymentIntent): Remote {
  return {
    id: intent.id,
    kind: 'payment_intent',
    status: intent.status,
    errorReason: intent.error_reason,
    intentId: intent.id,
    sessionStatus: null,
    sessionIntent: null,
    token: intent.widget_token,
    redirectUrl: null,
  };
}

/**
 * A Checkout Session as the service reads it (from the API or a `checkout_session.*` event).
 *
 * @example
 * remoteOfSession(event.data).status; // 'succeeded' for a session finished by a succeeded intent
 */
export function remoteOfSession(session: CheckoutSession): Remote {
  const pi = sessionPaymentIntent(session);
  const sessionIntent = pi ? { status: pi.status, error_reason: pi.error_reason } : null;
  const stands = sessionIntentStatus({ status: session.status, intent: sessionIntent });
  return {
    id: session.id,
    kind: 'checkout_session',
    status: stands?.status ?? null,
    errorReason: stands?.errorReason ?? null,
    intentId: sessionPaymentIntentId(session),
    sessionStatus: session.status,
    sessionIntent,
    token: session.session_token ?? null,
    redirectUrl: session.redirect_url ?? null,
  };
}

/** The id of the Fintoc object of a payment's current attempt: its intent, or its Checkout Session. */
export function remoteIdOf(payment: Pick<PaymentRow, 'flow' | 'payment_intent_id' | 'checkout_session_id'>) {
  return usesSession(payment.flow) ? payment.checkout_session_id : payment.payment_intent_id;
}

/**
 * The idempotency key of the expire call for one Fintoc object: the same whoever asks (deadline, new
 * attempt, late creation, status sync), so Fintoc sees one expiry per intent or session however
 * often it is asked.
 */
export function expireKey(id: string): string {
  return `pasarela_expire_${id}`;
}

/** What the service asks Fintoc to create for one attempt of a payment: the same body on every retry of it. */
export interface CreateRequest {
  amount: number;
  currency: string;
  customer_email?: string;
  metadata: Record<string, string>;
}

/** Calls to Fintoc for one flow's objects. */
export class Remotes {
  constructor(
    private readonly fintoc: FintocPort,
    /** The service's public base, where a redirect-flow customer comes back (`/pay/:id/return`). */
    private readonly publicUrl: string,
  ) {}

  /** Creates the object of one attempt, under the attempt's own idempotency key. */
  async create(
    flow: PaymentFlow,
    paymentId: string,
    body: CreateRequest,
    idempotencyKey: string,
  ): Promise<Remote> {
    switch (flow) {
      case 'intent':
        return remoteOfIntent(await this.fintoc.paymentIntents.create(body, { idempotencyKey }));
      case 'session':
        return remoteOfSession(
          await this.fintoc.v2.checkoutSessions.create({ ...body, ui_mode: 'embedded' }, { idempotencyKey }),
        );
      case 'redirect': {
        // The customer comes back to the service's own page, which shows what the service knows.
        const back = `${this.publicUrl}/pay/${encodeURIComponent(paymentId)}/return`;
        return remoteOfSession(
          await this.fintoc.v2.checkoutSessions.create(
            {
              ...body,
              ui_mode: 'hosted',
              success_url: `${back}?from=success`,
              cancel_url: `${back}?from=cancel`,
            },
            { idempotencyKey },
          ),
        );
      }
    }
  }

  async get(flow: PaymentFlow, id: string): Promise<Remote> {
    return usesSession(flow)
      ? remoteOfSession(await this.fintoc.v2.checkoutSessions.get(id))
      : remoteOfIntent(await this.fintoc.paymentIntents.get(id));
  }

  /**
   * Asks Fintoc to expire the object; when Fintoc refuses (a session the customer started answers
   * 400 `invalid_checkout_session_status`, an intent already decided its own 4xx), reads it instead:
   * what it is now is the answer either way. Throws only when Fintoc cannot be read.
   */
  async expireOrRead(flow: PaymentFlow, id: string): Promise<{ remote: Remote; refused: unknown | null }> {
    try {
      const remote = usesSession(flow)
        ? remoteOfSession(await this.fintoc.v2.checkoutSessions.expire(id, { idempotencyKey: expireKey(id) }))
        : remoteOfIntent(await this.fintoc.paymentIntents.expire(id, { idempotencyKey: expireKey(id) }));
      return { remote, refused: null };
    } catch (err) {
      return { remote: await this.get(flow, id), refused: err };
    }
  }
}
