/**
 * The bundled target: Pasarela's own payments service, certified like any shop through its HTTP
 * API (`POST /api/payments` answers a checkout URL; `GET /api/payments/:id` is its verdict) and its
 * hosted checkout page.
 */
import type { ShopTarget } from './config.js';
import { CURRENCY_OF, type Country } from './scenarios.js';

/** What the bundled certification charges: $12.990 CLP, or $349.00 MXN (in centavos). */
export const BUNDLED_AMOUNT: Record<Country, number> = { cl: 12_990, mx: 34_900 };

/**
 * The service at `serviceUrl`, as a certification target.
 *
 * @example
 * const target = bundledTarget({ serviceUrl: 'http://127.0.0.1:3000', apiKey, country: 'cl', shopName: 'Tienda' });
 */
export function bundledTarget(o: {
  serviceUrl: string;
  apiKey: string;
  country: Country;
  shopName: string;
}): ShopTarget {
  const auth = { authorization: `Bearer ${o.apiKey}` };
  return {
    kind: 'bundled',
    url: o.serviceUrl.replace(/\/+$/, ''),
    start: {
      kind: 'http',
      method: 'POST',
      path: '/api/payments',
      headers: auth,
      body: { amount: '{amount}', currency: '{currency}', order_id: '{order_id}' },
      checkoutUrlField: 'checkout_url',
      idField: 'id',
    },
    payButton: '[data-testid="fintoc-button"]',
    states: {
      success: '[data-testid="checkout-status"][data-status="succeeded"]',
      retry: '[data-testid="retry-button"]',
      rejected: '[data-testid="checkout-status"][data-status="failed"]',
    },
    verdict: {
      kind: 'json',
      path: '/api/payments/{payment_id}',
      headers: auth,
      field: 'status',
      paid: ['succeeded'],
      notPaid: ['failed', 'expired', 'canceled'],
    },
    amount: BUNDLED_AMOUNT[o.country],
    currency: CURRENCY_OF[o.country],
    merchantName: o.shopName,
  };
}
