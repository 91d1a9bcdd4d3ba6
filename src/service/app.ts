/**
 * The payments service as a Fastify app, laid out like fastify/demo: `buildApp` registers the
 * external plugins (the store, security headers, cookies, forms, CORS, rate limits, the OpenAPI
 * document), then the app plugins (configuration, authentication, errors, the service's parts,
 * what the checkout and dashboard read), then each `routes/<resource>/index.ts`. Every route gets
 * its dependencies one way: from decorators the app plugins declare (`app.payments`,
 * `app.checkout`, …), never from options. `server.ts` only listens and shuts down.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { systemClock, type Clock } from '../fintoc/index.js';
import { secretsOf, type ServiceConfig } from './config.js';
import type { Database } from './db/database.js';
import type { FintocPort } from './fintoc-port.js';
import { validatorCompiler } from './http/validation.js';
import type { Checkpoint } from './checkpoint.js';
import type { JobRunnerOptions } from './jobs/runner.js';
import { API_BODY_LIMIT } from './limits.js';
import { createLogger } from './logger.js';
import authPlugin from './plugins/app/auth.js';
import checkoutPlugin from './plugins/app/checkout.js';
import configPlugin from './plugins/app/config.js';
import dashboardPlugin from './plugins/app/dashboard.js';
import demoPlugin from './plugins/app/demo.js';
import errorsPlugin, { unreadableUrl } from './plugins/app/errors.js';
import servicesPlugin from './plugins/app/services.js';
import cookiePlugin from './plugins/external/cookie.js';
import databasePlugin from './plugins/external/database.js';
import formbodyPlugin from './plugins/external/formbody.js';
import helmetPlugin from './plugins/external/helmet.js';
import rateLimitPlugin from './plugins/external/rate-limit.js';
import swaggerPlugin from './plugins/external/swagger.js';
import apiRoutes from './routes/api/index.js';
import dashboardRoutes from './routes/dashboard/index.js';
import demoRoutes from './routes/demo/index.js';
import healthRoutes from './routes/health/index.js';
import payRoutes from './routes/pay/index.js';
import type { GoLiveRunner } from './routes/dashboard/index.js';
import reconciliationRoutes from './routes/reconciliation/index.js';
import reportRoutes from './routes/reports/index.js';
import testClockRoutes from './routes/test-clock/index.js';
import webhookRoutes from './routes/webhooks/index.js';
import { TestClock } from './test-clock.js';

export { API_BODY_LIMIT, WEBHOOK_BODY_LIMIT } from './limits.js';

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
  /** `pasarela check`'s checks for the dashboard's Go live page (the CLI hands them in; golive imports the service, not the reverse). */
  goLive?: GoLiveRunner;
  /** Runs between a decision and its write (tests interleave work there, see checkpoint.ts); none in production. */
  checkpoint?: Checkpoint;
}

/** The package's version, in the OpenAPI document. */
const VERSION = '0.1.0';

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

  const app: FastifyInstance = Fastify({
    loggerInstance,
    bodyLimit: API_BODY_LIMIT,
    // Off unless PASARELA_TRUST_PROXY names the proxies in front: request.ip is then the client's.
    trustProxy: trustProxyOption(config.trustProxy),
    return503OnClosing: true,
    // A URL the router cannot even read (percent-encoding that is not UTF-8, a path segment over
    // 100 characters): answered like an unknown one, a client's mistake logged below error.
    frameworkErrors: (_error, request, reply) =>
      unreadableUrl(app, request, reply as unknown as FastifyReply),
  }).withTypeProvider<ZodTypeProvider>();
  // Requests are validated, and answers serialized, with the routes' zod schemas.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // External plugins.
  await app.register(databasePlugin, { database });
  await app.register(configPlugin, { config, clock });
  await app.register(helmetPlugin, { https: config.publicUrl.startsWith('https:') });
  await app.register(cookiePlugin);
  await app.register(formbodyPlugin);
  await app.register(rateLimitPlugin);
  await app.register(swaggerPlugin, { version: VERSION, publicUrl: config.publicUrl });

  // App plugins.
  await app.register(errorsPlugin);
  await app.register(authPlugin, { config });
  await app.register(servicesPlugin, {
    config,
    fetch: fetchImpl,
    ...(options.fintoc ? { fintoc: options.fintoc } : {}),
    ...(options.jobOptions ? { jobOptions: options.jobOptions } : {}),
    ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
  });
  await app.register(checkoutPlugin);
  await app.register(dashboardPlugin, {
    ...(options.goLive ? { goLive: options.goLive } : {}),
    secrets: secretsOf(config),
  });
  if (options.demo) await app.register(demoPlugin, { config });

  // Routes.
  await app.register(healthRoutes);
  await app.register(apiRoutes);
  await app.register(reportRoutes);
  await app.register(reconciliationRoutes);
  await app.register(webhookRoutes);
  await app.register(testClockRoutes);
  await app.register(payRoutes);
  await app.register(dashboardRoutes);
  if (options.demo) await app.register(demoRoutes);

  app.addHook('onClose', async () => {
    await app.reportWatcher.stop();
    await app.jobs.stop();
    await database.close();
  });
  if (options.workers ?? true) {
    app.addHook('onReady', async () => {
      await app.reconciliation.scheduleDailyPayouts();
      app.jobs.start();
      app.reportWatcher.start();
    });
  }
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
