/**
 * Mounts the demo shop (`routes/demo`, only under `pasarela dev`) on this app: it creates payments
 * through the same `POST /api/payments` a shop backend calls, with the API key, in-process.
 */
import type { FastifyInstance } from 'fastify';
import { demoRoutes, type DemoBackend } from './demo/index.js';

export default async function demoRegistration(
  app: FastifyInstance,
  opts: { apiKey: string; merchantWebhook: { url: string; secret: string } | null },
): Promise<void> {
  const backend: DemoBackend = {
    country: app.config.country,
    shopName: app.config.shopName,
    async createPayment(body) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/payments',
        headers: { authorization: `Bearer ${opts.apiKey}`, 'idempotency-key': `demo-${body.order_id}` },
        payload: body,
      });
      return { statusCode: res.statusCode, body: res.json() as unknown };
    },
    webhookSecret: opts.merchantWebhook?.secret ?? null,
    now: () => app.clock.now(),
  };
  await app.register(demoRoutes, { backend });
}
