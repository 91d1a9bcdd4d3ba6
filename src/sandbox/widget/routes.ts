import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FRAME_CSP, FRAME_HTML, browserBundles, loaderScript } from './assets.js';
import { CUSTOMER_ACTIONS, type WidgetBridge, type WidgetSessionResult } from './bridge.js';

export interface WidgetRouteOptions {
  /**
   * The sandbox's address as browsers reach it (e.g. `https://sandbox.example`). Without it the
   * script points its frame at the origin each request reached (`Host`, and the protocol Fastify
   * sees, which honours `trustProxy`).
   */
  publicUrl?: string;
}

const SessionBody = z.object({ options: z.record(z.string(), z.unknown()) });
const ActionBody = z.object({ action: z.enum(CUSTOMER_ACTIONS) });

type ErrorType = 'invalid_request_error' | 'authentication_error';

type SessionErrorCode =
  Extract<WidgetSessionResult, { ok: false }>['code'] | 'invalid_request' | 'invalid_country';

/** HTTP status and Fintoc error type for each code the session route can answer. */
export const SESSION_ERRORS: Readonly<Record<SessionErrorCode, [number, ErrorType]>> = {
  invalid_request: [400, 'invalid_request_error'],
  invalid_country: [400, 'invalid_request_error'],
  invalid_product: [400, 'invalid_request_error'],
  invalid_holder_type: [400, 'invalid_request_error'],
  invalid_widget_token: [400, 'invalid_request_error'],
  mode_mismatch: [400, 'invalid_request_error'],
  invalid_public_key: [401, 'authentication_error'],
  widget_token_spent: [409, 'invalid_request_error'],
  invalid_session_token: [400, 'invalid_request_error'],
  session_token_spent: [409, 'invalid_request_error'],
};

function sendError(
  reply: FastifyReply,
  status: number,
  type: ErrorType,
  code: string,
  message: string,
  param: string | null = null,
) {
  return reply.code(status).send({ error: { type, code, message, param } });
}

function invalidBody(reply: FastifyReply, error: z.ZodError) {
  const issue = error.issues[0];
  const param = issue?.path.join('.') || null;
  return sendError(
    reply,
    400,
    'invalid_request_error',
    'invalid_request',
    `Invalid widget request${param ? ` (${param})` : ''}: ${issue?.message ?? 'malformed body'}`,
    param,
  );
}

/**
 * Serves the simulated Fintoc widget on a Fastify app: the script at `/widget.js` and at the real
 * script's path `/v1/`, the frame at `/widget/frame`, and the JSON routes the frame calls, which go
 * through `bridge` to the sandbox's state.
 *
 * @example
 * const app = Fastify();
 * registerWidget(app, sandboxBridge);
 * // a page: <script src="http://127.0.0.1:4010/widget.js"></script>
 * //         Fintoc.create({ product: 'payments', publicKey, widgetToken, onSuccess, onExit, onEvent }).open()
 */
export function registerWidget(
  app: FastifyInstance,
  bridge: WidgetBridge,
  options: WidgetRouteOptions = {},
): void {
  const fixedOrigin = options.publicUrl === undefined ? null : new URL(options.publicUrl).origin;

  const script = async (request: FastifyRequest, reply: FastifyReply) => {
    const { loader } = await browserBundles();
    const origin = fixedOrigin ?? `${request.protocol}://${request.host}`;
    // The script names the origin it was reached on, so it must not be cached across hosts.
    return reply
      .header('content-type', 'application/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('vary', 'host')
      .send(loaderScript(loader, origin));
  };
  app.get('/widget.js', script);
  app.get('/v1/', script);
  // `@fintoc/fintoc-js` requests `https://js.fintoc.com/v1` without the slash.
  if (!app.hasRoute({ method: 'GET', url: '/v1' })) app.get('/v1', script);

  app.get('/widget/frame', async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', FRAME_CSP)
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(FRAME_HTML),
  );

  app.get('/widget/frame.js', async (_request, reply) => {
    const { frame } = await browserBundles();
    return reply
      .header('content-type', 'application/javascript; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(frame);
  });

  app.post('/widget/sessions', async (request, reply) => {
    const body = SessionBody.safeParse(request.body);
    if (!body.success) return invalidBody(reply, body.error);
    const widgetOptions = body.data.options;
    const country = widgetOptions.country;
    if (country !== undefined && country !== 'cl' && country !== 'mx') {
      return sendError(
        reply,
        400,
        'invalid_request_error',
        'invalid_country',
        'country must be "cl" or "mx".',
        'country',
      );
    }
    const result = bridge.openSession(widgetOptions);
    if (!result.ok) {
      const [status, type] = SESSION_ERRORS[result.code] ?? [400, 'invalid_request_error'];
      return sendError(reply, status, type, result.code, result.message);
    }
    const { sessionId, intent, country: sessionCountry, scenario } = result;
    return reply.code(201).send({ sessionId, intent, country: sessionCountry, scenario });
  });

  app.post<{ Params: { id: string } }>('/widget/sessions/:id/actions', async (request, reply) => {
    const body = ActionBody.safeParse(request.body);
    if (!body.success) return invalidBody(reply, body.error);
    const result = bridge.customerAction(request.params.id, body.data.action);
    if (!result.ok) {
      const status = /^unknown_|_not_found$|^missing_resource$/.test(result.code) ? 404 : 409;
      return sendError(reply, status, 'invalid_request_error', result.code, result.message);
    }
    return reply.send({ status: result.status, errorReason: result.errorReason });
  });
}
