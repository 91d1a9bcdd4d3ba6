/**
 * `app.checkout`: what the hosted checkout's routes (`routes/pay`) need from the payments service,
 * as a small interface ({@link CheckoutBackend}); the routes are tested against a fake of it.
 */
import fp from 'fastify-plugin';
import type { PaymentRow } from '../../db/schema.js';
import type { CheckoutBackend, CheckoutPayment } from '../../routes/pay/backend.js';
import { safeReturnUrl } from '../../routes/pay/backend.js';
import { ServiceError } from '../../errors.js';
import { customerMayRetry } from '../../state.js';

declare module 'fastify' {
  interface FastifyInstance {
    checkout: CheckoutBackend;
  }
}

function toCheckout(row: PaymentRow, retryable = false): CheckoutPayment {
  return {
    id: row.id,
    order_id: row.order_id,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    failure_reason: row.failure_reason,
    flow: row.flow,
    widget_token: row.widget_token,
    session_token: row.session_token,
    redirect_url: row.redirect_url,
    expires_at: row.expires_at,
    updated_at: row.updated_at,
    return_url: safeReturnUrl(row.metadata.return_url),
    retryable,
  };
}

export default fp(
  async (app) => {
    const backend: CheckoutBackend = {
      config: {
        publicKey: app.config.publicKey,
        widgetUrl: app.config.widgetUrl,
        country: app.config.country,
        shopName: app.config.shopName,
        shopUrl: app.config.shopUrl,
      },
      async getPayment(id) {
        const row = await app.payments.get(id);
        if (!row) return null;
        // Only a rejected payment can be retried by the customer; only then is the order read.
        const retryable =
          row.status === 'failed' &&
          customerMayRetry(
            { status: row.status, failureReason: row.failure_reason },
            await app.payments.listByOrder(row.order_id),
          );
        return toCheckout(row, retryable);
      },
      async recordBrowserEvents(id, events, meta) {
        for (const e of events) {
          await app.payments.recordBrowserEvent(id, {
            type: e.type,
            name: e.name,
            data: { timestamp: e.timestamp, user_agent: meta.userAgent },
          });
        }
      },
      async newAttempt(id) {
        return toCheckout(await app.payments.newIntent(id));
      },
      async retryPayment(id) {
        const row = await app.payments.mustGet(id);
        if (
          !customerMayRetry(
            { status: row.status, failureReason: row.failure_reason },
            await app.payments.listByOrder(row.order_id),
          )
        ) {
          throw new ServiceError(
            'payment_not_retryable',
            `Payment ${id} cannot be tried again from the checkout (${row.status}).`,
            'id',
          );
        }
        return toCheckout(await app.payments.newAttempt(id));
      },
      async returned(id, from, meta) {
        // A "success" return only brings the next status check forward (browserEventAsksSync).
        await app.payments.recordBrowserEvent(id, {
          type: 'event',
          name: `redirect_return_${from ?? 'unknown'}`,
          data: { user_agent: meta.userAgent },
        });
      },
      now: () => app.clock.now(),
    };
    app.decorate('checkout', backend);
  },
  { name: 'checkout', dependencies: ['services', 'config'] },
);
