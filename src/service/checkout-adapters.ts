import type { FastifyInstance } from 'fastify';
import type { PaymentRow } from './db/schema.js';
import { ServiceError } from './errors.js';
import type { BrowserEvent, CheckoutBackend, CheckoutPayment } from './routes/pay/index.js';
import { CheckoutRouteError, safeReturnUrl } from './routes/pay/index.js';

function toCheckout(row: PaymentRow): CheckoutPayment {
  return {
    id: row.id,
    order_id: row.order_id,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    failure_reason: row.failure_reason,
    widget_token: row.widget_token,
    expires_at: row.expires_at,
    updated_at: row.updated_at,
    return_url: safeReturnUrl((row.metadata as Record<string, unknown>).return_url),
  };
}

/** What the hosted checkout routes (`routes/pay`) need, served by this app's payments service. */
export function serviceCheckoutBackend(app: FastifyInstance): CheckoutBackend {
  return {
    config: {
      publicKey: app.config.publicKey,
      widgetUrl: app.config.widgetUrl,
      country: app.config.country,
      shopName: app.config.shopName,
      shopUrl: app.config.shopUrl,
    },
    async getPayment(id) {
      const row = await app.payments.get(id);
      return row ? toCheckout(row) : null;
    },
    async recordBrowserEvents(id, events: BrowserEvent[], meta) {
      for (const e of events) {
        await app.payments.recordBrowserEvent(id, {
          type: e.type,
          name: e.name,
          data: { timestamp: e.timestamp, user_agent: meta.userAgent },
        });
      }
    },
    async newAttempt(id) {
      try {
        return toCheckout(await app.payments.newIntent(id));
      } catch (err) {
        if (err instanceof ServiceError && err.code === 'payment_not_open') {
          throw new CheckoutRouteError(409, 'payment_not_open', err.message);
        }
        throw err;
      }
    },
    now: () => app.clock.now(),
  };
}
