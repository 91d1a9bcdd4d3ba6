/**
 * What the checkout routes need from the payments service, as a small interface: the routes are
 * tested against a fake, and `plugins/app/checkout.ts` decorates the app with the real one (`app.checkout`).
 */
import type { PaymentFlow, PaymentStatus } from '../../state.js';

/**
 * A payment as the checkout may see it. `widget_token` and `session_token` are for the widget only
 * and never logged.
 */
export interface CheckoutPayment {
  id: string;
  order_id: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  failure_reason: string | null;
  /** How it is paid: the widget with `session_token` (session) or `widget_token` (intent), or Fintoc's page (redirect). */
  flow: PaymentFlow;
  widget_token: string | null;
  session_token: string | null;
  /** Fintoc's hosted page (redirect flow). */
  redirect_url: string | null;
  expires_at: Date | string | null;
  updated_at: Date | string | null;
  /** Where "back to the shop" goes (the shop sets `metadata.return_url`); null hides the link. */
  return_url: string | null;
  /**
   * The payment ended without money and the customer may try again: a new payment for the order
   * (the service's retry rules decide; see `customerMayRetry`).
   */
  retryable?: boolean;
}

/** One widget callback, as the page reports it. */
export interface BrowserEvent {
  type: 'event' | 'success' | 'exit';
  /** `onEvent`'s name (only for `type: 'event'`). */
  name: string | null;
  /** The widget's `metadata.timestamp` (epoch ms), or when the page saw it. */
  timestamp: number | null;
}

/** The public configuration the page shows and passes to the widget: never a secret. */
export interface CheckoutPublicConfig {
  publicKey: string;
  widgetUrl: string;
  country: 'cl' | 'mx';
  shopName: string;
  /** PASARELA_SHOP_URL: "back to the shop" for a payment without `metadata.return_url`. */
  shopUrl: string | null;
}

export interface CheckoutBackend {
  config: CheckoutPublicConfig;
  getPayment(id: string): Promise<CheckoutPayment | null>;
  /** Stores the events on the payment's timeline. Never changes the payment's status. */
  recordBrowserEvents(id: string, events: BrowserEvent[], meta: { userAgent: string | null }): Promise<void>;
  /**
   * Starts a new attempt (a new payment intent or Checkout Session, so a new token) on a payment that
   * is still open. Rejects with a ServiceError `payment_not_open` when it has ended.
   */
  newAttempt(id: string): Promise<CheckoutPayment>;
  /**
   * After a rejected payment, the order's next payment: a new one, or the one already open. Rejects
   * with a ServiceError `payment_not_retryable` when the rules say no (the order is paid, …).
   */
  retryPayment(id: string): Promise<CheckoutPayment>;
  /**
   * The customer came back from Fintoc's page (redirect flow) by its success or cancel URL: kept on
   * the timeline, and the service asks Fintoc for the session now. Never changes the payment's status.
   */
  returned(id: string, from: 'success' | 'cancel' | null, meta: { userAgent: string | null }): Promise<void>;
  /** Epoch ms; injected so throttling follows the service's clock. */
  now(): number;
}

/** A shop-supplied return URL, kept only when it is http(s). */
export function safeReturnUrl(value: unknown): string | null {
  // Browsers drop tabs and newlines inside URLs (`/\t/host` is `//host`): refuse any control character.
  if (typeof value !== 'string' || value === '' || [...value].some((c) => c < ' ')) return null;
  // A path on this site; `//host` and `/\host` would leave it (browsers read `\` as `/`).
  if (value.startsWith('/')) return /^\/[/\\]/.test(value) ? null : value;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
