/**
 * The payments service as a Fastify app, laid out like fastify/demo: configuration and the store
 * come in, app plugins (payments, inbox, jobs) are decorated on the instance, then each
 * `routes/<resource>/index.ts` is registered. `server.ts` only listens and shuts down.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { createFintocClient, systemClock, type Clock } from '../fintoc/index.js';
import { serviceCheckoutBackend } from './checkout-adapters.js';
import { publicConfig, secretsOf, type PublicConfig, type ServiceConfig } from './config.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrations.js';
import { ServiceError } from './errors.js';
import type { FintocPort } from './fintoc-port.js';
import { Inbox } from './inbox.js';
import { MerchantEndpoint } from './merchant-endpoint.js';
import { jobHandlers, type Checkpoint } from './jobs/handlers.js';
import { JobRunner, type JobRunnerOptions } from './jobs/runner.js';
import { createLogger } from './logger.js';
import { PaymentsService } from './payments.js';
import apiRoutes from './routes/api/index.js';
import dashboard from './routes/dashboard/index.js';
import demoRoutes from './routes/demo-registration.js';
import healthRoutes from './routes/health/index.js';
import { checkoutNotFound, payRoutes } from './routes/pay/index.js';
import testClockRoutes from './routes/test-clock/index.js';
import webhookRoutes from './routes/webhooks/index.js';
import { TestClock } from './test-clock.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Public configuration only (public key, widget URL, country, shop name): safe for pages. */
    config: PublicConfig;
    payments: PaymentsService;
    inbox: Inbox;
    /** The shop's notification endpoint (disabled after a 410 Gone). */
    merchantEndpoint: MerchantEndpoint;
    jobs: JobRunner;
    /** The service's clock (injected in tests). */
    clock: Clock;
    database: Database;
  }
}

export interface BuildOptions {
  config: ServiceConfig;
  /** Opened by the caller; the app migrates it and closes it on `app.close()`. */
  database: Database;
  /** The business clock (deadlines, timestamps). Default: the system clock. */
  clock?: Clock;
  /** Used for calls to Fintoc and notifications to the shop. */
  fetch?: typeof fetch;
  /** A ready Fintoc client; default: `createFintocClient` on `FINTOC_API_URL`. */
  fintoc?: FintocPort;
  /** Run the job loop in the background (default true; false for an API-only instance or tests that drive jobs). */
  workers?: boolean;
  jobOptions?: JobRunnerOptions;
  /** `false` for silence, or a logger; default: JSON lines on stdout with secrets redacted. */
  logger?: FastifyBaseLogger | false;
  /** Serve the demo shop at `/` (only `pasarela dev`). */
  demo?: boolean;
  /** Runs between the deadline's read and its write (tests interleave work there); none in production. */
  checkpoint?: Checkpoint;
}

/** Largest webhook body accepted; Fintoc's events are a few KB. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;
export const API_BODY_LIMIT = 64 * 1024;

/**
 * Builds the app on an open database (migrating it first).
 *
 * @example
 * const app = await buildApp({ config, database: await openDatabase({ dataDir: config.dataDir }) });
 * await app.listen({ port: config.port, host: config.host });
 */
export async function buildApp(options: BuildOptions): Promise<FastifyInstance> {
  const { config, database } = options;
  // Test mode only: the clock can be moved forward over HTTP (see routes/test-clock).
  const clock = new TestClock(options.clock ?? systemClock, config.fintoc.mode);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const loggerInstance =
    options.logger === false
      ? createLogger({ secrets: secretsOf(config), level: 'silent' })
      : (options.logger ??
        createLogger({ secrets: secretsOf(config), level: process.env.LOG_LEVEL ?? 'info' }));

  const payNotFound = checkoutNotFound(config.fintoc.widgetUrl);
  const app = Fastify({
    loggerInstance,
    bodyLimit: API_BODY_LIMIT,
    // Off unless PASARELA_TRUST_PROXY names the proxies in front: request.ip is then the client's.
    trustProxy: trustProxyOption(config.trustProxy),
    return503OnClosing: true,
    // A URL the router cannot even read (percent-encoding that is not UTF-8, a path segment over
    // 100 characters): the customer's page under /pay, the error envelope elsewhere; a client's
    // mistake, logged below error.
    frameworkErrors: (error, request, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      request.log.info({ code: error.code }, 'unreadable URL');
      if (payNotFound.wants(request as unknown as FastifyRequest)) {
        void payNotFound.send(reply);
        return;
      }
      void reply
        .code(400)
        .send(
          new ServiceError(
            'invalid_url',
            `The URL ${clip(request.url)} cannot be read: percent-encoding must decode to UTF-8 and each path segment is at most 100 characters.`,
          ).toJSON(),
        );
    },
  });

  await migrate(database.db);

  const fintoc =
    options.fintoc ??
    createFintocClient({
      secretKey: config.fintoc.secretKey,
      baseUrl: config.fintoc.apiUrl,
      fetch: fetchImpl,
      maxRetries: 2,
      timeoutMs: 15_000,
    });
  let runner: JobRunner | null = null;
  const nudge = () => runner?.nudge();
  const payments = new PaymentsService(database.db, config, fintoc, clock, app.log, nudge);
  const inbox = new Inbox(database.db, payments, config.fintoc.webhookSecrets, clock, nudge);
  const merchantEndpoint = new MerchantEndpoint(database.db, config, clock);
  runner = new JobRunner(
    database.db,
    clock,
    jobHandlers({
      db: database.db,
      config,
      fintoc,
      clock,
      payments,
      inbox,
      fetch: fetchImpl,
      log: app.log,
      endpoint: merchantEndpoint,
      ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    }),
    app.log,
    options.jobOptions,
  );

  app.decorate('config', publicConfig(config));
  app.decorate('payments', payments);
  app.decorate('inbox', inbox);
  app.decorate('merchantEndpoint', merchantEndpoint);
  app.decorate('jobs', runner);
  app.decorate('clock', clock);
  app.decorate('database', database);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const e = toServiceError(error);
    if (e.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: e.code }, 'request refused');
    return reply.code(e.status).send(e.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    if (payNotFound.wants(request)) return payNotFound.send(reply);
    return reply
      .code(404)
      .send(
        new ServiceError(
          'not_found',
          `No route ${request.method} ${clip(request.url.split('?')[0] ?? '')}.`,
        ).toJSON(),
      );
  });
  // The query string of the API and the dashboard holds single values: a repeated parameter (an
  // array to the handlers) is refused before any handler or query sees it.
  app.addHook('onRequest', async (request, reply) => {
    if (!/^\/(api|dashboard)(\/|$|\?)/.test(request.url)) return;
    const query = request.query as Record<string, unknown>;
    for (const [name, value] of Object.entries(query)) {
      if (typeof value !== 'string') {
        return reply
          .code(400)
          .send(
            new ServiceError(
              'invalid_parameter',
              `Give the query parameter ${clip(name, 40)} once.`,
              clip(name, 40),
            ).toJSON(),
          );
      }
    }
  });

  await app.register(healthRoutes);
  await app.register(apiRoutes, { apiKey: config.apiKey });
  await app.register(webhookRoutes);
  await app.register(testClockRoutes, { apiKey: config.apiKey, clock });
  await app.register(payRoutes, { backend: serviceCheckoutBackend(app) });
  await app.register(dashboard, {
    secrets: config.dashboardPassword ? [config.apiKey, config.dashboardPassword] : [config.apiKey],
    secureCookies: config.publicUrl.startsWith('https:'),
  });
  if (options.demo)
    await app.register(demoRoutes, { apiKey: config.apiKey, merchantWebhook: config.merchantWebhook });

  app.addHook('onClose', async () => {
    await runner.stop();
    await database.close();
  });
  if (options.workers ?? true) app.addHook('onReady', async () => runner.start());
  return app;
}

/**
 * Fastify's form of PASARELA_TRUST_PROXY. A hop count becomes proxy-addr's hop rule (the nearest n
 * addresses are proxies), which Fastify itself no longer derives from a number.
 */
function trustProxyOption(
  setting: ServiceConfig['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return setting;
}

/** Text from a request, cut for a message (a 10 KB URL is not worth echoing). */
function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function toServiceError(error: FastifyError): ServiceError {
  if (error instanceof ServiceError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ServiceError('payload_too_large', 'The request body is too large.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ServiceError('unsupported_media_type', 'Send Content-Type: application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ServiceError('invalid_json', 'The body is not valid JSON.');
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new ServiceError('invalid_json', 'The body is not valid JSON.');
  }
  if (error.statusCode === 413)
    return new ServiceError('payload_too_large', 'The request body is too large.');
  if (error.statusCode === 415)
    return new ServiceError('unsupported_media_type', 'Send Content-Type: application/json.');
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new ServiceError('invalid_parameter', error.message);
  }
  return new ServiceError(
    'internal_error',
    'Something went wrong on our side; the request id is in the log.',
  );
}
