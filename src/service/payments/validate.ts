/**
 * What a creation request must satisfy beyond its shape (which the route's schema checks): the
 * amount within the configured limits of its currency, the country's currency when none is given.
 * The result is what the payment stores, and its hash binds an Idempotency-Key to the request.
 */
import { createHash } from 'node:crypto';
import { returnsAllowed, type ServiceConfig } from '../config.js';
import { ServiceError } from '../errors.js';
import { checkAmount, type Currency } from '../money.js';
import type { CreatePaymentBody } from '../routes/api/schemas.js';
import type { PaymentFlow } from '../state.js';

export interface ValidPayment {
  amount: number;
  currency: Currency;
  order_id: string;
  customer_email: string | null;
  metadata: Record<string, string>;
  /** The flow the request asked for; null: FINTOC_FLOW's. */
  flow: PaymentFlow | null;
}

/**
 * The payment a request asks for, or the {@link ServiceError} that says why not.
 *
 * @example
 * validatePayment({ amount: 50, currency: 'MXN', order_id: 'o-1' }, config); // throws amount_out_of_range
 */
export function validatePayment(
  body: CreatePaymentBody,
  config: Pick<ServiceConfig, 'defaultCurrency' | 'amountLimits' | 'flow' | 'publicUrl'>,
): ValidPayment {
  const money = checkAmount(body.amount, body.currency ?? config.defaultCurrency, config.amountLimits);
  if (!money.ok) throw new ServiceError(money.code, money.message, money.param);
  if ((body.flow ?? config.flow) === 'redirect' && !returnsAllowed(config.publicUrl)) {
    throw new ServiceError(
      'flow_unavailable',
      `The redirect flow needs an https checkout_url for Fintoc to send the customer back to; ${config.publicUrl} is not one (set PASARELA_PUBLIC_URL).`,
      'flow',
    );
  }
  return {
    amount: money.amount,
    currency: money.currency,
    order_id: body.order_id,
    customer_email: body.customer_email ?? null,
    metadata: body.metadata ?? {},
    flow: body.flow ?? null,
  };
}

/** The request's fingerprint: the same payment asked twice has the same hash. */
export function requestHash(valid: ValidPayment): string {
  // A request that names no flow hashes as requests did before flows existed (their keys still replay).
  const { flow, ...rest } = valid;
  return createHash('sha256')
    .update(JSON.stringify(flow ? { ...rest, flow } : rest))
    .digest('hex');
}
