/**
 * `POST /webhooks/fintoc`: Fintoc's webhook endpoint, an inbox. The body stays raw bytes (the
 * signature covers them); a verified event is stored once and answered 200 at once, a duplicate
 * too; the applier changes the payment later.
 */
import type { FastifyInstance } from 'fastify';
import { WEBHOOK_BODY_LIMIT } from '../../app.js';

export default async function webhookRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
      (_req, body, done) => {
        done(null, body);
      },
    );
    hooks.post('/webhooks/fintoc', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers['fintoc-signature'];
      const result = await app.inbox.receive(body, typeof header === 'string' ? header : undefined);
      return reply.code(200).send({ received: true, event_id: result.eventId, duplicate: !result.stored });
    });
  });
}
