/**
 * `createSandbox()`: the Fastify app that imitates Fintoc (API, control API, hosted checkout page,
 * simulated widget) over one in-memory state and one test clock. Nothing listens until you call
 * `startSandbox()` (./server.ts) or `app.listen()`; tests use `app.inject()`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import { SandboxClock, type TimeSource } from './clock.js';
import { SandboxCore } from './core.js';
import { createBridge } from './bridge.js';
import { ApiError, invalid, type SandboxErrorCode } from './errors.js';
import { authenticate, origin } from './http.js';
import {
  loadState,
  restoreState,
  serializeState,
  StateStore,
  writeStateSync,
  SandboxStateError,
} from './persist.js';
import type { Space } from './records.js';
import { apiRoutes, type RouteContext } from './routes/api.js';
import { controlRoutes } from './routes/control.js';
import { checkoutRoutes } from './routes/checkout.js';
import { hostedPageRoutes } from './hosted/index.js';
import { effectiveVersion } from './versions.js';
import { payoutRoutes } from './routes/payouts.js';
import { registerWidget, type WidgetBridge } from './widget/index.js';

/** Random bytes drawn from a larger buffer, so ids do not each pay for a call into the CSPRNG. */
function randomPool(): () => Uint8Array {
  let pool = randomBytes(8192);
  let at = 0;
  return () => {
    if (at + 32 > pool.length) {
      pool = randomBytes(8192);
      at = 0;
    }
    at += 32;
    return pool.subarray(at - 32, at);
  };
}

export interface SandboxOptions {
  /** Base time source of the test clock (sandbox time = base + offset). Default: the real clock. */
  clock?: TimeSource;
  /** Random bytes for ids and keys (tests inject a seeded source). */
  random?: () => Uint8Array;
  /** Fastify's logger option; off by default. Secret keys are never logged. */
  logger?: FastifyServerOptions['logger'];
  /** How long a webhook receiver has to answer before the attempt counts as failed. Default 10 s. */
  deliveryTimeoutMs?: number;
  /** Fintoc-side expiry of intents left `created`/`in_progress`; `null` never. Default 1 h. */
  intentTimeoutMs?: number | null;
  /** Refunds go `created → in_progress → succeeded`, one step every this long. Default 60 s. */
  refundStepMs?: number;
  /** The `t` of `Fintoc-Signature`: real time (`wall`, default, what receivers check against) or sandbox time (`clock`). */
  signWith?: 'clock' | 'wall';
  /** Used to POST webhooks (injected in tests). Default: global fetch. */
  fetch?: typeof fetch;
  /** The sandbox's address as clients reach it; default: each request's Host. */
  publicUrl?: string;
  /** Most webhook attempts in flight at once. Default 64. */
  maxConcurrentDeliveries?: number;
  /** How many API requests the request log keeps per organisation (`GET /_sandbox/requests`). Default 1000. */
  requestLogSize?: number;
  /**
   * Keep the state in this JSON file: loaded at start (missing: a fresh sandbox, created at once;
   * unreadable, corrupt or of another version: a `SandboxStateError`), rewritten after changes (at
   * most every 200 ms) and on `close()`, atomically. Default: memory only.
   */
  stateFile?: string;
  /**
   * The folder that report channels write into (folders and maildirs must be inside it; relative
   * paths are taken from it). Default `<tmp>/pasarela-sandbox-reports`.
   */
  reportsDir?: string;
}

export interface Sandbox {
  app: FastifyInstance;
  clock: SandboxClock;
  core: SandboxCore;
  bridge: WidgetBridge;
  /** The state file in use, or `null` (memory only). */
  stateFile: string | null;
  /** Writes the state file now if anything changed (no-op without one). */
  flushState(): Promise<void>;
  /** Stops the scheduler, closes the app and writes the state file a last time. */
  close(): Promise<void>;
}

function fastifyCode(err: { code?: string }): { code: SandboxErrorCode; message?: string } {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        code: 'invalid_content_type',
        message: 'Send the request body as JSON with "Content-Type: application/json".',
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'body_too_large', message: 'The request body is too large (limit 1 MiB).' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'invalid_json', message: 'The request body is not valid JSON.' };
    default:
      return { code: 'invalid_request' };
  }
}

/**
 * Builds the sandbox app.
 *
 * @example
 * const { app, clock } = createSandbox();
 * const res = await app.inject({ method: 'POST', url: '/v1/payment_intents', headers: { authorization: 'sk_test_abcd1234' }, payload: { amount: 5000, currency: 'CLP' } });
 * await clock.advance(3000);
 */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  // Read the state file before anything starts: a bad file must fail here, leaving nothing running.
  const stateFile = options.stateFile ?? null;
  const loaded = stateFile === null ? null : loadState(stateFile);
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: true,
    genReqId: () => randomUUID(),
    bodyLimit: 1 << 20,
    routerOptions: { maxParamLength: 1000 },
    // Errors the router raises before any route (bad URL encoding, over-long ids): same envelope.
    frameworkErrors: (err, _request, reply) => {
      const status = err.statusCode ?? 400;
      void (reply as unknown as FastifyReply)
        .code(status)
        .send(
          new ApiError(
            status,
            'invalid_request_error',
            'invalid_request',
            err.message.slice(0, 300),
          ).toJSON(),
        );
    },
  });
  const clock = new SandboxClock({
    ...(options.clock ? { base: options.clock } : {}),
    maxConcurrent: options.maxConcurrentDeliveries ?? 64,
    onError: (err, label) => app.log.error({ err, task: label }, 'sandbox task failed'),
    onAdvance: () => core.changed(),
    ...(loaded ? { offsetMs: loaded.clock.offset_ms } : {}),
  });
  const core = new SandboxCore({
    clock,
    random: options.random ?? randomPool(),
    fetch: options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args)),
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10_000,
    intentTimeoutMs: options.intentTimeoutMs === undefined ? 3_600_000 : options.intentTimeoutMs,
    refundStepMs: options.refundStepMs ?? 60_000,
    signWith: options.signWith ?? 'wall',
    reportsDir: options.reportsDir ?? join(tmpdir(), 'pasarela-sandbox-reports'),
  });
  let store: StateStore | null = null;
  if (stateFile !== null) {
    try {
      if (loaded) restoreState(core, loaded);
      else writeStateSync(stateFile, serializeState(core));
    } catch (err) {
      void clock.close();
      void app.close();
      if (err instanceof SandboxStateError) throw err;
      throw new SandboxStateError(
        'sandbox_state_corrupt',
        stateFile,
        `the sandbox state file ${stateFile} is not a valid sandbox state: ${(err as Error).message}. The file was left as it is: fix it, or move it away to start with an empty sandbox.`,
        { cause: err },
      );
    }
    const s = new StateStore(stateFile, () => serializeState(core), {
      onError: (err) => {
        app.log.error({ err }, 'sandbox state file not written');
        process.stderr.write(`pasarela sandbox: ${err.message} (will retry on the next change)\n`);
      },
    });
    core.onChange = () => s.changed();
    store = s;
  }
  // After `restoreState`: the bridge picks up the widget sessions it finds.
  const bridge = createBridge(core);
  const fixedOrigin = options.publicUrl ? new URL(options.publicUrl).origin : null;

  // JSON bodies: an empty body is no body (curl -X POST …/expire), a bad one gets Fintoc's envelope.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(invalid('invalid_json', 'The request body is not valid JSON.'), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.toJSON());
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) {
      const mapped = fastifyCode(e);
      const status = e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 400 : e.statusCode;
      return reply
        .code(status)
        .send(
          new ApiError(
            status,
            'invalid_request_error',
            mapped.code,
            mapped.message ?? e.message ?? 'Bad request.',
          ).toJSON(),
        );
    }
    request.log.error({ err }, 'sandbox error');
    return reply
      .code(500)
      .send(
        new ApiError(
          500,
          'api_error',
          'internal_server',
          'The sandbox failed to handle this request; see its log.',
        ).toJSON(),
      );
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // A call with a valid secret key to a path Fintoc does not have (`/payment_intents` without
    // `/v1`) is a mistake its organisation should see in its request log, as certification does.
    if (!path.startsWith('/_sandbox') && !path.startsWith('/widget')) {
      try {
        logRequest(authenticate(core, request.headers.authorization), request, 404);
      } catch {
        // No valid key: nobody's log.
      }
    }
    return reply
      .code(404)
      .send(
        new ApiError(
          404,
          'invalid_request_error',
          'unrecognized_request',
          `Unrecognized request: ${request.method} ${path}. Please see https://docs.fintoc.com/ for valid routes.`,
        ).toJSON(),
      );
  });
  // Hooks are callback-style (no promise per request): they sit on the hot path of every call.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  if (store) {
    // Anything but a read may have changed the state (reads that do, emit an event: core.changed()).
    app.addHook('onResponse', (request, _reply, done) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS')
        core.changed();
      done();
    });
  }

  const requestLogSize = Math.max(1, options.requestLogSize ?? 1000);
  function logRequest(space: Space, request: FastifyRequest, status: number, replayed = false): void {
    const key = request.headers['idempotency-key'];
    space.requests.push({
      at: new Date(core.now()).toISOString(),
      method: request.method,
      path: request.url,
      status,
      idempotency_key: typeof key === 'string' ? key : null,
      replayed,
    });
    // Keep the last `requestLogSize`, trimming in batches so a busy sandbox does not shift on every call.
    if (space.requests.length > 2 * requestLogSize)
      space.requests.splice(0, space.requests.length - requestLogSize);
  }

  // The API and the control API: every request names its organisation and mode by a secret key.
  const spaces = new WeakMap<FastifyRequest, Space>();
  const ctx: RouteContext = {
    core,
    spaceOf(request) {
      const space = spaces.get(request);
      if (space) return space;
      const found = authenticate(core, request.headers.authorization);
      spaces.set(request, found);
      return found;
    },
    originOf: (request) => origin(request, fixedOrigin),
    requestLogSize,
  };
  void app.register(async (api) => {
    api.addHook('onRequest', (request, _reply, done) => {
      try {
        // A Fintoc-Version header, when sent, must name a published version (./versions.ts).
        effectiveVersion(ctx.spaceOf(request).apiVersion, request.headers['fintoc-version']);
        done();
      } catch (err) {
        done(err as Error);
      }
    });
    // The log is of API traffic (what a certification run inspects), not of the control API. A
    // request is logged once answered, before the answer leaves: what Fintoc did is in the log even
    // when the client never gets the answer (it gave up, or died waiting).
    api.addHook('onSend', (request, reply, payload, done) => {
      const space = spaces.get(request);
      if (!space || request.url.startsWith('/_sandbox')) return done(null, payload);
      logRequest(space, request, reply.statusCode, reply.getHeader('idempotent-replayed') === 'true');
      // `slow_api` faults: Fintoc acted on the request, its answer comes late (real time).
      const ms = core.apiDelayMs(space);
      if (ms <= 0) return done(null, payload);
      setTimeout(() => done(null, payload), ms);
    });
    apiRoutes(api, ctx);
    controlRoutes(api, ctx);
    checkoutRoutes(api, ctx);
    payoutRoutes(api, ctx);
  });
  hostedPageRoutes(app, core);
  registerWidget(app, bridge, fixedOrigin ? { publicUrl: fixedOrigin } : {});

  return {
    app,
    clock,
    core,
    bridge,
    stateFile,
    flushState: async () => {
      await store?.flush();
    },
    async close() {
      await clock.close();
      await app.close();
      await store?.close();
    },
  };
}
