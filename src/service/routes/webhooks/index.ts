/**
 * `POST /webhooks/fintoc`: Fintoc's webhook endpoint, an inbox. The body stays raw bytes (the
 * signature covers them); a verified event is stored once and answered 200 at once, a duplicate
 * too; the applier changes the payment later. Answers `{received, event_id, duplicate}`, or the
 * error envelope (a forged, stale or broken delivery is a 400 with the signature's code).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WEBHOOK_BODY_LIMIT } from '../../limits.js';

const webhookRoutes: FastifyPluginAsyncZod = async (app) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => {
    done(null, body);
  });
  app.post(
    '/webhooks/fintoc',
    {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      // Fintoc, not a browser, reads the answer: no security headers to set on the hot path.
      helmet: false,
      schema: { hide: true },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers['fintoc-signature'];
      const result = await app.inbox.receive(body, typeof header === 'string' ? header : undefined);
      return reply.code(200).send({ received: true, event_id: result.eventId, duplicate: !result.stored });
    },
  );
};

export default webhookRoutes;
