/**
 * The shop backend's API: `POST /api/payments`, `GET /api/payments/:id`, `GET /api/payments?order_id=`.
 * Bearer `PASARELA_API_KEY`; `Idempotency-Key` honoured on creation.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { timingSafeEqual, createHash } from 'node:crypto';
import { ServiceError } from '../../errors.js';
import { PaymentsService } from '../../payments.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export default async function apiRoutes(app: FastifyInstance, opts: { apiKey: string }): Promise<void> {
  const expected = digest(opts.apiKey);
  const authenticate = async (request: FastifyRequest) => {
    const header = request.headers.authorization ?? '';
    const m = /^Bearer (.+)$/i.exec(header);
    if (!m || !timingSafeEqual(digest(m[1]!.trim()), expected)) {
      throw new ServiceError(
        'unauthorized',
        'Missing or wrong API key: send Authorization: Bearer <PASARELA_API_KEY>.',
      );
    }
  };

  await app.register(async (api) => {
    api.addHook('onRequest', authenticate);
    // JSON only: a form or text body is a client mistake, answered 415 rather than guessed at.
    api.removeContentTypeParser('text/plain');

    api.post('/api/payments', async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const { payment, replayed } = await app.payments.create((request.body ?? {}) as never, {
        idempotencyKey: typeof key === 'string' ? key : null,
      });
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 201).send(app.payments.toApi(payment));
    });

    api.get<{ Params: { id: string }; Querystring: { expand?: string } }>(
      '/api/payments/:id',
      async (request) => {
        const payment = await app.payments.mustGet(request.params.id);
        const body: Record<string, unknown> = { ...app.payments.toApi(payment) };
        if (request.query.expand === 'timeline') {
          body.timeline = PaymentsService.timelineToApi(await app.payments.timeline(payment.id));
        }
        return body;
      },
    );

    api.get<{ Querystring: { order_id?: string; limit?: string } }>('/api/payments', async (request) => {
      const orderId = request.query.order_id;
      if (orderId !== undefined) {
        if (orderId === '')
          throw new ServiceError('invalid_parameter', 'order_id must not be empty.', 'order_id');
        const rows = await app.payments.listByOrder(orderId);
        return { data: rows.map((r) => app.payments.toApi(r)) };
      }
      const limit = request.query.limit === undefined ? 50 : Number(request.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
        throw new ServiceError('invalid_parameter', 'limit must be an integer from 1 to 500.', 'limit');
      }
      const rows = await app.payments.list({ limit });
      return { data: rows.map((r) => app.payments.toApi(r)) };
    });

    api.post<{ Params: { id: string } }>('/api/payments/:id/attempts', async (request, reply) => {
      const payment = await app.payments.newAttempt(request.params.id);
      return reply.code(201).send(app.payments.toApi(payment));
    });
  });
}
