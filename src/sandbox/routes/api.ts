/**
 * Fintoc's API as the sandbox serves it (`/v1/…`): payment intents, webhook endpoints, events,
 * refunds and whoami (checkout sessions: ./checkout.ts). Same paths, bodies, status codes and error envelope.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxCore } from '../core.js';
import { invalid, notFound } from '../errors.js';
import { idempotent, paginate, type Result } from '../http.js';
import { INTENT_STATUSES } from '../machine.js';
import type { EndpointRecord, Space } from '../records.js';

export interface RouteContext {
  core: SandboxCore;
  spaceOf(request: FastifyRequest): Space;
  originOf(request: FastifyRequest): string;
  /** How many API requests `GET /_sandbox/requests` shows (the newest). */
  requestLogSize: number;
}

export function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('invalid_json', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function endpointView(e: EndpointRecord): Record<string, unknown> {
  return { ...e.object, secret: null };
}

const REFUND_STATUSES = ['created', 'in_progress', 'succeeded', 'failed', 'canceled'] as const;

export function apiRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { core } = ctx;
  type Params = { id: string };

  const post = (url: string, run: (space: Space, request: FastifyRequest<{ Params: Params }>) => Result) =>
    app.post<{ Params: Params }>(url, async (request, reply) => {
      const space = ctx.spaceOf(request);
      const result = idempotent(core, space, request, reply, () => run(space, request));
      return reply.code(result.status).send(result.body);
    });
  const list = <T extends { createdMs: number }>(
    request: FastifyRequest,
    reply: FastifyReply,
    items: readonly T[],
    opts?: Parameters<typeof paginate<T>>[4],
  ) => paginate(request, reply, items, ctx.originOf(request), opts);

  // Payment intents
  post('/v1/payment_intents', (space, request) => ({
    status: 201,
    body: core.createIntent(space, bodyOf(request)),
  }));
  app.get('/v1/payment_intents', async (request, reply) =>
    list(request, reply, ctx.spaceOf(request).intentList, {
      statuses: INTENT_STATUSES,
      status: (r) => r.object.status,
    }).map((r) => r.object),
  );
  app.get<{ Params: Params }>(
    '/v1/payment_intents/:id',
    async (request) => core.intent(ctx.spaceOf(request), request.params.id).object,
  );
  post('/v1/payment_intents/:id/expire', (space, request) => ({
    status: 201,
    body: core.expireIntent(space, request.params.id),
  }));

  // Webhook endpoints
  post('/v1/webhook_endpoints', (space, request) => {
    const e = core.createEndpoint(space, bodyOf(request));
    return { status: 201, body: { ...e.object, secret: e.secret } };
  });
  app.get('/v1/webhook_endpoints', async (request, reply) =>
    list(request, reply, ctx.spaceOf(request).endpointList).map(endpointView),
  );
  app.get<{ Params: Params }>('/v1/webhook_endpoints/:id', async (request) =>
    endpointView(core.endpoint(ctx.spaceOf(request), request.params.id)),
  );
  app.patch<{ Params: Params }>('/v1/webhook_endpoints/:id', async (request) =>
    endpointView(core.updateEndpoint(ctx.spaceOf(request), request.params.id, bodyOf(request))),
  );
  app.delete<{ Params: Params }>('/v1/webhook_endpoints/:id', async (request) => {
    const e = core.deleteEndpoint(ctx.spaceOf(request), request.params.id);
    return { id: e.object.id, object: 'webhook_endpoint', deleted: true };
  });
  post('/v1/webhook_endpoints/:id/test', (space, request) => {
    const endpoint = core.endpoint(space, request.params.id);
    const body = bodyOf(request);
    return { status: 201, body: core.trigger(space, body.type, body.overrides, endpoint).object };
  });

  // Events
  post('/v1/events/trigger', (space, request) => {
    const body = bodyOf(request);
    return { status: 201, body: core.trigger(space, body.type, body.overrides).object };
  });
  app.get('/v1/events', async (request, reply) => {
    const space = ctx.spaceOf(request);
    const q = request.query as Record<string, unknown>;
    const type = typeof q.type === 'string' && q.type !== '' ? q.type : null;
    const events = type ? space.eventList.filter((e) => e.object.type === type) : space.eventList;
    return list(request, reply, events).map((e) => e.object);
  });
  app.get<{ Params: Params }>('/v1/events/:id', async (request) => {
    const e = ctx.spaceOf(request).events.get(request.params.id);
    if (!e) throw notFound('event', request.params.id);
    return e.object;
  });

  // Refunds
  post('/v1/refunds', (space, request) => ({
    status: 201,
    body: core.createRefund(space, bodyOf(request)).object,
  }));
  app.get('/v1/refunds', async (request, reply) =>
    list(request, reply, ctx.spaceOf(request).refundList, {
      statuses: REFUND_STATUSES,
      status: (r) => r.object.status,
    }).map((r) => r.object),
  );
  app.get<{ Params: Params }>(
    '/v1/refunds/:id',
    async (request) => core.refund(ctx.spaceOf(request), request.params.id).object,
  );
  post('/v1/refunds/:id/cancel', (space, request) => ({
    status: 201,
    body: core.cancelRefund(space, request.params.id).object,
  }));

  // Who am I
  app.get('/v1/whoami', async (request) => {
    const space = ctx.spaceOf(request);
    return { organization_name: space.organizationName, mode: space.mode, api_version: space.apiVersion };
  });
}
