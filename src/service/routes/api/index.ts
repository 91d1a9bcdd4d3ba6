/**
 * The shop backend's API: `POST /api/payments`, `GET /api/payments/:id`, `GET /api/payments`
 * (`?order_id=` or the latest), `POST /api/payments/:id/attempts`. Bearer `PASARELA_API_KEY`;
 * `Idempotency-Key` honoured on creation. Requests and answers are the schemas of ./schemas.ts,
 * which `/openapi.json` publishes.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { singleQueryValues } from '../../http/validation.js';
import { paymentToApi, timelineToApi } from '../../payments/index.js';
import {
  CreatePaymentBody,
  CreatePaymentHeaders,
  errorResponses,
  GetPaymentQuery,
  ListPaymentsQuery,
  Payment,
  PaymentList,
  PaymentParams,
  PaymentWithTimeline,
} from './schemas.js';

const apiRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.requireApiKey);
  app.addHook('onRequest', singleQueryValues);
  // JSON only: a form or text body is a client mistake, answered 415 rather than guessed at.
  app.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
  const toApi = paymentToApi(app.payments.publicUrl);

  app.post(
    '/api/payments',
    {
      schema: {
        summary: 'Create a payment',
        description:
          'Stores the payment, creates its Fintoc payment intent and answers the checkout URL to send the customer to. With an Idempotency-Key, the same request answers the same payment (200, Idempotent-Replayed: true).',
        body: CreatePaymentBody,
        headers: CreatePaymentHeaders,
        response: {
          200: Payment,
          201: Payment,
          ...errorResponses(400, 401, 409, 413, 415, 422, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const { payment, replayed } = await app.payments.create(request.body, {
        idempotencyKey: request.headers['idempotency-key'] ?? null,
      });
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(replayed ? 200 : 201).send(toApi(payment));
    },
  );

  app.get(
    '/api/payments/:id',
    {
      schema: {
        summary: 'Read a payment',
        description: 'The payment; `?expand=timeline` adds every change with its cause.',
        params: PaymentParams,
        querystring: GetPaymentQuery,
        response: { 200: PaymentWithTimeline, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const payment = await app.payments.mustGet(request.params.id);
      if (request.query.expand !== 'timeline') return toApi(payment);
      return { ...toApi(payment), timeline: timelineToApi(await app.payments.timeline(payment.id)) };
    },
  );

  app.get(
    '/api/payments',
    {
      schema: {
        summary: 'List payments',
        description:
          'Every payment of an order (`?order_id=`), or the latest (`?limit=`, 50 by default), newest first.',
        querystring: ListPaymentsQuery,
        response: { 200: PaymentList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const { order_id: orderId, limit } = request.query;
      const rows =
        orderId !== undefined
          ? await app.payments.listByOrder(orderId)
          : await app.payments.list({ limit: limit ?? 50 });
      return { data: rows.map(toApi) };
    },
  );

  app.post(
    '/api/payments/:id/attempts',
    {
      schema: {
        summary: 'Retry a payment',
        description:
          'After a failed, expired or canceled payment, a new payment for the same order (the old one stays as it was). If the order already has an open payment, that one is answered.',
        params: PaymentParams,
        response: { 201: Payment, ...errorResponses(400, 401, 404, 409, 502, 503) },
      },
    },
    async (request, reply) => {
      const payment = await app.payments.newAttempt(request.params.id);
      return reply.code(201).send(toApi(payment));
    },
  );
};

export default apiRoutes;
