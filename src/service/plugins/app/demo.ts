/**
 * `app.demo` (only under `pasarela dev`): the demo shop's backend. It creates payments through the
 * same `POST /api/payments` a shop backend calls, with the API key, in-process, and verifies the
 * service's notifications with the shop's webhook secret.
 */
import fp from 'fastify-plugin';
import type { ServiceConfig } from '../../config.js';
import type { DemoBackend } from '../../routes/demo/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    demo: DemoBackend;
  }
}

export default fp<{ config: ServiceConfig }>(
  async (app, { config }) => {
    app.decorate('demo', {
      country: app.config.country,
      shopName: app.config.shopName,
      flow: config.flow,
      async createPayment(body) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/payments',
          headers: {
            authorization: `Bearer ${config.apiKey}`,
            'idempotency-key': `demo-${body.order_id}`,
          },
          payload: body,
        });
        return { statusCode: res.statusCode, body: res.json() as unknown };
      },
      webhookSecret: config.merchantWebhook?.secret ?? null,
      now: () => app.clock.now(),
    } satisfies DemoBackend);
  },
  { name: 'demo', dependencies: ['config'] },
);
