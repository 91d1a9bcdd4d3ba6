/**
 * The Fintoc events the service's webhook route acts on: the one list that `pasarela webhooks setup`
 * subscribes an endpoint to and `pasarela check` expects.
 */
import { CHECKOUT_SESSION_EVENT_TYPES, PAYMENT_INTENT_EVENT_TYPES } from '../fintoc/index.js';

/** `intent`: payment intent + widget token; `session`/`redirect`: a Checkout Session in the embedded widget or on Fintoc's hosted page. */
export type PaymentFlow = 'intent' | 'session' | 'redirect';

/**
 * The event types an endpoint must send for the flows the service runs: every payment-intent event,
 * and the checkout-session events when a session flow is on.
 *
 * @example
 * serviceWebhookEvents(['intent']); // ['payment_intent.succeeded', …]
 */
export function serviceWebhookEvents(flows: readonly PaymentFlow[] = ['intent']): string[] {
  const events: string[] = [...PAYMENT_INTENT_EVENT_TYPES];
  if (flows.includes('session') || flows.includes('redirect')) events.push(...CHECKOUT_SESSION_EVENT_TYPES);
  return events;
}
