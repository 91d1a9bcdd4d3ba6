/**
 * The local stack `pasarela dev` and `pasarela certify` both run: the sandbox as Fintoc, the
 * service's webhook endpoint registered in it (an earlier run's endpoint reused when the sandbox
 * keeps its state), and the payments service configured against it on the embedded database.
 * Loaded lazily by those commands (it imports the sandbox and the service).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { freePort } from './ports.js';
import { createFintocClient } from '../fintoc/index.js';
import { newSecretKey, startSandbox, type RunningSandbox } from '../sandbox/index.js';
import {
  createLogger,
  loadConfig,
  secretsOf,
  serviceWebhookEvents,
  startServer,
  type RunningServer,
  type ServiceConfig,
} from '../service/index.js';

export interface LocalStackOptions {
  sandbox: {
    /** `0` picks a free port. */
    port: number;
    secretKey?: string;
    /** Keep the sandbox's state in this file (dev); memory only without. */
    stateFile?: string;
    /** `clock` when the service's clock moves with the sandbox's (certify's test clocks). */
    signWith?: 'clock' | 'wall';
    /** The folder the sandbox's report channels write into (its default: a shared temporary one). */
    reportsDir?: string;
    /** A folder channel inside it (its path) to make sure of (dev: the service watches it). */
    reportChannelFolder?: string;
  };
  service: {
    /** `0` picks a free port (tried again if another process takes it first). */
    port: number;
    dataDir: string;
    apiKey: string;
    /** Base environment (process.env for dev); the stack's own values win. */
    env?: Record<string, string | undefined>;
    /** Extra settings that win over `env` (country, shop name, merchant webhook …). */
    settings?: Record<string, string>;
    demo: boolean;
    logLevel?: string;
  };
  /** The description that names the service's webhook endpoint in the sandbox. */
  endpointDescription: string;
  /** Told, in a short line, what the start is doing (sandbox, database creation, migrations, service). */
  progress?: (line: string) => void;
}

export interface LocalStack {
  sandbox: RunningSandbox;
  server: RunningServer;
  config: ServiceConfig;
  /** Stops the service, then the sandbox. */
  close(): Promise<void>;
}

/** The configuration was refused: one line per problem, ready to print. */
export class LocalStackConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('; '));
    this.name = 'LocalStackConfigError';
  }
}

/** A fresh test key, API key and merchant secret, for a stack that keeps nothing. */
export function freshStackKeys(): { secretKey: string; apiKey: string; merchantSecret: string } {
  return {
    secretKey: newSecretKey('test'),
    apiKey: `dev_${randomBytes(18).toString('hex')}`,
    merchantSecret: `whsec_${randomBytes(24).toString('base64')}`,
  };
}

/**
 * Starts the sandbox and the service against it; on any failure stops what it started.
 *
 * @example
 * const stack = await startLocalStack({ sandbox: { port: 0 }, service: { port: 0, dataDir, apiKey, demo: false }, endpointDescription: 'pasarela certify' });
 * await stack.close();
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const progress = options.progress ?? (() => {});
  progress(
    `starting the sandbox on ${options.sandbox.port === 0 ? 'a free port' : `127.0.0.1:${options.sandbox.port}`}`,
  );
  const sb = await startSandbox({
    port: options.sandbox.port,
    host: '127.0.0.1',
    ...(options.sandbox.secretKey ? { secretKey: options.sandbox.secretKey } : {}),
    ...(options.sandbox.stateFile ? { stateFile: options.sandbox.stateFile } : {}),
    ...(options.sandbox.signWith ? { signWith: options.sandbox.signWith } : {}),
    ...(options.sandbox.reportsDir ? { reportsDir: options.sandbox.reportsDir } : {}),
  });
  try {
    const fintoc = createFintocClient({ secretKey: sb.secretKey, baseUrl: sb.url });
    const folder = options.sandbox.reportChannelFolder;
    if (folder) {
      // The report files the sandbox writes into this folder are what the service watches (dev):
      // one folder channel, kept across runs with the sandbox's state.
      const { data: channels } = (await fintoc.request('GET', '/_sandbox/report_channels')) as {
        data: Array<{ type: string; path?: string }>;
      };
      if (!channels.some((c) => c.type === 'folder' && c.path === folder))
        await fintoc.request('POST', '/_sandbox/report_channels', { body: { type: 'folder', path: folder } });
    }
    const { service } = options;
    for (let attempt = 1; ; attempt++) {
      const port = service.port === 0 ? await freePort() : service.port;
      const serviceUrl = `http://127.0.0.1:${port}`;
      const wanted = {
        url: `${serviceUrl}/webhooks/fintoc`,
        // Every flow's events: FINTOC_FLOW picks the default, and each payment may choose its own.
        enabled_events: serviceWebhookEvents(),
        description: options.endpointDescription,
      };
      // A sandbox that keeps its state has the endpoint an earlier run registered: reuse it (and
      // its secret, from the sandbox's control API), pointed at this run's port.
      let endpoint: { id: string; secret: string | null } | undefined;
      for await (const we of fintoc.webhookEndpoints.list()) {
        if (we.description !== wanted.description) continue;
        if (
          we.url !== wanted.url ||
          we.status !== 'enabled' ||
          we.enabled_events.join() !== wanted.enabled_events.join()
        ) {
          await fintoc.webhookEndpoints.update(we.id, { ...wanted, disabled: false });
        }
        const kept = (await fintoc.request('GET', `/_sandbox/webhook_endpoints/${we.id}/secret`)) as {
          secret: string;
        };
        endpoint = { id: we.id, secret: kept.secret };
        break;
      }
      endpoint ??= await fintoc.webhookEndpoints.create(wanted);
      const env = {
        ...service.env,
        FINTOC_SECRET_KEY: sb.secretKey,
        FINTOC_PUBLIC_KEY: sb.publicKey,
        FINTOC_WEBHOOK_SECRET: String(endpoint.secret),
        FINTOC_API_URL: sb.url,
        FINTOC_WIDGET_URL: `${sb.url}/widget.js`,
        PASARELA_API_KEY: service.apiKey,
        PASARELA_DATA_DIR: service.dataDir,
        DATABASE_URL: '',
        PORT: String(port),
        HOST: '127.0.0.1',
        ...service.settings,
      };
      const result = loadConfig(env);
      if (!result.ok) throw new LocalStackConfigError(result.errors);
      const logger: FastifyBaseLogger = createLogger({
        secrets: secretsOf(result.config),
        level: service.logLevel ?? 'warn',
      });
      progress(`starting the payments service on ${serviceUrl}`);
      try {
        const server = await startServer(result.config, {
          demo: service.demo,
          logger,
          progress,
          // The dashboard's Go live page: `pasarela check` against this local stack, on demand.
          goLive: async () => (await import('../golive/index.js')).runChecks({ env, cwd: process.cwd() }),
        });
        return {
          sandbox: sb,
          server,
          config: result.config,
          close: async () => {
            await server.close();
            await sb.close();
          },
        };
      } catch (err) {
        // Only a port picked here can be picked again; another process took it between the two.
        if (service.port !== 0 || (err as { code?: string }).code !== 'EADDRINUSE' || attempt >= 5) throw err;
      }
    }
  } catch (err) {
    await sb.close();
    throw err;
  }
}
