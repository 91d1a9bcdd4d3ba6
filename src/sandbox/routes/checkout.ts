/**
 * Checkout sessions as the sandbox serves them: Fintoc's `/v1/checkout_sessions` (create, get,
 * expire) and `/v2/checkout_sessions` (create, get, list with cursors, expire; API version
 * 2026-02-01 or later), plus their control API (`/_sandbox/checkout_sessions…`) and the
 * organisation's pinned API version (`/_sandbox/api_version`). See docs/sandbox.md.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { cursorPage } from '../cursor.js';
import { invalid, missing } from '../errors.js';
import { idempotent, type Result } from '../http.js';
import type { Space } from '../records.js';
import { SESSION_ACTIONS, type SessionAction } from '../sessions.js';
import { API_VERSIONS, isApiVersion, requireV2 } from '../versions.js';
import { bodyOf, type RouteContext } from './api.js';
import { parseScenario } from './control.js';

type Params = { id: string };

export function checkoutRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { core } = ctx;
  const sessions = core.sessions;

  const post = (
    url: string,
    v2: boolean,
    run: (space: Space, request: FastifyRequest<{ Params: Params }>) => Result,
  ) =>
    app.post<{ Params: Params }>(url, async (request, reply) => {
      const space = ctx.spaceOf(request);
      if (v2) requireV2(space.apiVersion, request.headers['fintoc-version'], `POST ${routeOf(request)}`);
      const result = idempotent(core, space, request, reply, () => run(space, request));
      return reply.code(result.status).send(result.body);
    });
  const v2Space = (request: FastifyRequest) => {
    const space = ctx.spaceOf(request);
    requireV2(space.apiVersion, request.headers['fintoc-version'], `GET ${routeOf(request)}`);
    return space;
  };

  // v1 (2023-11-15): create, get, expire (Fintoc documents no v1 list).
  post('/v1/checkout_sessions', false, (space, request) => ({
    status: 201,
    body: sessions.create(space, bodyOf(request), ctx.originOf(request), 'v1').object,
  }));
  app.get<{ Params: Params }>(
    '/v1/checkout_sessions/:id',
    async (request) => sessions.get(ctx.spaceOf(request), request.params.id).object,
  );
  post('/v1/checkout_sessions/:id/expire', false, (space, request) => ({
    status: 201,
    body: sessions.expire(space, request.params.id).object,
  }));

  // v2 (2026-02-01)
  post('/v2/checkout_sessions', true, (space, request) => ({
    status: 201,
    body: sessions.create(space, bodyOf(request), ctx.originOf(request), 'v2').object,
  }));
  app.get('/v2/checkout_sessions', async (request, reply) => {
    const space = v2Space(request);
    return cursorPage(request, reply, sessions.list(space), ctx.originOf(request), 'checkout session').map(
      (r) => r.object,
    );
  });
  app.get<{ Params: Params }>(
    '/v2/checkout_sessions/:id',
    async (request) => sessions.get(v2Space(request), request.params.id).object,
  );
  post('/v2/checkout_sessions/:id/expire', true, (space, request) => ({
    status: 201,
    body: sessions.expire(space, request.params.id).object,
  }));

  // Control API
  app.get('/_sandbox/checkout_sessions', async (request) => {
    const space = ctx.spaceOf(request);
    return { data: sessions.list(space).map((r) => sessions.view(space, r)) };
  });
  app.get<{ Params: Params }>('/_sandbox/checkout_sessions/:id', async (request) => {
    const space = ctx.spaceOf(request);
    return sessions.view(space, sessions.get(space, request.params.id));
  });
  const setScenario = async (request: FastifyRequest<{ Params: Params }>) => {
    const space = ctx.spaceOf(request);
    const record = sessions.get(space, request.params.id);
    sessions.setScenario(space, record, parseScenario(bodyOf(request)));
    return sessions.view(space, record);
  };
  app.put<{ Params: Params }>('/_sandbox/checkout_sessions/:id/scenario', setScenario);
  app.post<{ Params: Params }>('/_sandbox/checkout_sessions/:id/scenario', setScenario);
  app.post<{ Params: Params }>('/_sandbox/checkout_sessions/:id/simulate', async (request) => {
    const space = ctx.spaceOf(request);
    const record = sessions.get(space, request.params.id);
    const body = bodyOf(request);
    const action = body.action;
    if (action === undefined || action === null) throw missing('action');
    if (typeof action !== 'string' || !(SESSION_ACTIONS as readonly string[]).includes(action)) {
      throw invalid(
        'invalid_params',
        `action must be one of ${SESSION_ACTIONS.join(', ')}; got ${JSON.stringify(action).slice(0, 60)}.`,
        'action',
      );
    }
    const reason =
      typeof body.error_reason === 'string' && body.error_reason !== '' ? body.error_reason : null;
    sessions.simulate(space, record, action as SessionAction, reason, `control: ${action}`);
    return sessions.view(space, record);
  });

  // The organisation's pinned API version (both modes: Fintoc pins the account).
  const versionView = (space: Space) => ({ api_version: space.apiVersion, versions: API_VERSIONS });
  app.get('/_sandbox/api_version', async (request) => versionView(ctx.spaceOf(request)));
  const pin = async (request: FastifyRequest) => {
    const space = ctx.spaceOf(request);
    const wanted = bodyOf(request).api_version;
    if (wanted === undefined || wanted === null) throw missing('api_version');
    if (!isApiVersion(wanted)) {
      throw invalid(
        'invalid_params',
        `api_version must be one of ${API_VERSIONS.join(', ')}; got ${JSON.stringify(wanted).slice(0, 60)}.`,
        'api_version',
      );
    }
    core.space('test', space.suffix).apiVersion = wanted;
    core.space('live', space.suffix).apiVersion = wanted;
    return versionView(space);
  };
  app.put('/_sandbox/api_version', pin);
  app.post('/_sandbox/api_version', pin);
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? request.url.split('?')[0] ?? '';
}
