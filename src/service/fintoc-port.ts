import type { CheckoutSession, PaymentIntent, Payout, PayoutListParams, Refund } from '../fintoc/index.js';

/**
 * The part of the Fintoc client the service uses. `createFintocClient` from `src/fintoc` is one;
 * keeping it narrow shows exactly which Fintoc calls the service makes.
 */
export interface FintocPort {
  paymentIntents: {
    create(
      params: {
        amount: number;
        currency: string;
        customer_email?: string;
        metadata?: Record<string, string>;
      },
      options: { idempotencyKey: string },
    ): Promise<PaymentIntent>;
    get(id: string): Promise<PaymentIntent>;
    expire(id: string, options: { idempotencyKey: string }): Promise<PaymentIntent>;
  };
  /** Fintoc's current API (2026-02-01): Checkout Sessions, for the session and redirect flows. */
  v2: {
    checkoutSessions: {
      create(
        params: {
          amount: number;
          currency: string;
          ui_mode: 'embedded' | 'hosted';
          success_url?: string;
          cancel_url?: string;
          customer_email?: string;
          metadata?: Record<string, string>;
        },
        options: { idempotencyKey: string },
      ): Promise<CheckoutSession>;
      get(id: string): Promise<CheckoutSession>;
      expire(id: string, options: { idempotencyKey: string }): Promise<CheckoutSession>;
    };
  };
  refunds: {
    create(
      params: { resource_type: 'payment_intent'; resource_id: string; amount?: number },
      options: { idempotencyKey: string },
    ): Promise<{ id: string; status: string }>;
  };
  /** The Payouts API (read daily for reconciliation); optional so a narrow fake may leave it out. */
  payouts?: {
    list(params?: PayoutListParams): AsyncIterable<Payout>;
    resources(
      id: string,
      type: 'payment_intent',
      params?: { per_page?: number },
    ): AsyncIterable<PaymentIntent>;
    resources(
      id: string,
      type: 'refund' | 'refund_adjustment',
      params?: { per_page?: number },
    ): AsyncIterable<Refund>;
  };
}

/** What a failed Fintoc call tells us, read from the client's error classes. */
export interface FintocFailure {
  /** HTTP status, or null when no answer came (connection, timeout). */
  status: number | null;
  code: string | null;
  message: string;
  /** Whether the same call may succeed later. */
  retryable: boolean;
}

export function describeFintocFailure(err: unknown): FintocFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    status?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const status = typeof e.status === 'number' ? e.status : null;
  const code = typeof e.code === 'string' ? e.code : null;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const retryable = status === null || status === 408 || status === 409 || status === 429 || status >= 500;
  return { status, code, message, retryable };
}
