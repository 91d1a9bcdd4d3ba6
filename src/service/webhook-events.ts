/**
 * The Fintoc events the service's webhook route acts on: the one list that `pasarela webhooks setup`
 * subscribes an endpoint to and `pasarela check` expects.
 */
import { CHECKOUT_SESSION_EVENT_TYPES, PAYMENT_INTENT_EVENT_TYPES } from '../fintoc/index.js';

import { PAYMENT_FLOWS, type PaymentFlow } from './state.js';

export type { PaymentFlow };

/**
 * The event types an endpoint must send for the flows the service runs: every payment-intent event,
 * and the checkout-session events when a session flow is on.
 *
 * @example
 * serviceWebhookEvents(['intent']); // ['payment_intent.succeeded', …]
 * serviceWebhookEvents(); // every flow (a payment may choose its own): also 'checkout_session.finished', …
 */
export function serviceWebhookEvents(flows: readonly PaymentFlow[] = PAYMENT_FLOWS): string[] {
  const events: string[] = [...PAYMENT_INTENT_EVENT_TYPES];
  if (flows.includes('session') || flows.includes('redirect')) events.push(...CHECKOUT_SESSION_EVENT_TYPES);
  return events;
}
