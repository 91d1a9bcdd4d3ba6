/**
 * The shop backend's API: `POST /api/payments`, `GET /api/payments/:id`, `GET /api/payments`
 * (filters and cursor pages), `POST /api/payments/:id/attempts`. Bearer `PASARELA_API_KEY`;
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
          'Payments newest first, narrowed by the filters given (status, order_id, paid_after_cancel, created_gte, created_lt), a page at a time: `limit` per page (50 by default), `has_more` when more follow; the next page starts after the last id (`starting_after`), the previous one ends before the first (`ending_before`). An unknown parameter is refused (400 invalid_parameter naming it).',
        querystring: ListPaymentsQuery,
        response: { 200: PaymentList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const q = request.query;
      const { rows, hasMore } = await app.payments.page(
        {
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.order_id !== undefined ? { orderId: q.order_id } : {}),
          ...(q.paid_after_cancel !== undefined ? { paidAfterCancel: q.paid_after_cancel } : {}),
          ...(q.created_gte !== undefined ? { createdFrom: q.created_gte } : {}),
          ...(q.created_lt !== undefined ? { createdBefore: q.created_lt } : {}),
        },
        {
          limit: q.limit ?? 50,
          ...(q.starting_after !== undefined ? { startingAfter: q.starting_after } : {}),
          ...(q.ending_before !== undefined ? { endingBefore: q.ending_before } : {}),
        },
      );
      return { object: 'list' as const, data: rows.map(toApi), has_more: hasMore };
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
