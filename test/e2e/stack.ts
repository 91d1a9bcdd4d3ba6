/**
 * The dev stack for browser tests, in-process on 127.0.0.1: the sandbox, and the payments service
 * (embedded database, demo shop, dashboard) configured against it the way `pasarela dev` does, with
 * the sandbox's test clock as the service's clock, so one `advance()` moves both.
 */
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { buildApp, loadConfig } from '../../src/service/index.js';
import { freshEmbedded } from '../service/support/db.js';

export interface Stack {
  sandbox: RunningSandbox;
  service: FastifyInstance;
  /** The service's origin, e.g. http://127.0.0.1:41234. */
  url: string;
  apiKey: string;
  /** Moves the shared test clock and lets the service run whatever fell due. */
  advance(ms: number): Promise<void>;
  /** The service's API, as the shop backend calls it. */
  api<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>;
  /** The sandbox's API and control API, with the secret key. */
  sandboxApi<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<T>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StackOptions {
  country?: 'cl' | 'mx';
  /** The widget script the service names; default the sandbox's. */
  widgetUrl?: (sandboxUrl: string) => string;
  shopName?: string;
  /** FINTOC_FLOW; default the service's own (session). */
  flow?: 'session' | 'redirect' | 'intent';
}

/**
 * Starts sandbox + service.
 *
 * @example
 * const stack = await startStack();
 * await stack.close();
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // The service runs on the sandbox's clock, so webhooks are signed with that clock too.
  const sandbox = await startSandbox({ signWith: 'clock' });
  const call = async <T>(
    base: string,
    auth: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  };
  const sandboxApi = <T>(method: string, path: string, body?: unknown) =>
    call<T>(sandbox.url, sandbox.secretKey, method, path, body);

  // The service's own URL goes into its config (and the sandbox's webhook endpoint) before it listens,
  // so its port is picked first. Another process may take that port before `listen`: then the
  // service is built again on another port and the endpoint moved there.
  let endpoint: { id: string; secret: string } | null = null;
  const apiKey = randomBytes(24).toString('hex');
  let service: FastifyInstance | null = null;
  let url = '';
  for (let attempt = 1; !service; attempt += 1) {
    const database = await freshEmbedded();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    if (endpoint) {
      await sandboxApi('PATCH', `/v1/webhook_endpoints/${endpoint.id}`, { url: `${url}/webhooks/fintoc` });
    } else {
      endpoint = await sandboxApi<{ id: string; secret: string }>('POST', '/v1/webhook_endpoints', {
        url: `${url}/webhooks/fintoc`,
        enabled_events: ['*'],
      });
    }
    const result = loadConfig({
      FINTOC_SECRET_KEY: sandbox.secretKey,
      FINTOC_PUBLIC_KEY: sandbox.publicKey,
      FINTOC_WEBHOOK_SECRET: endpoint.secret,
      FINTOC_API_URL: sandbox.url,
      FINTOC_WIDGET_URL: options.widgetUrl ? options.widgetUrl(sandbox.url) : `${sandbox.url}/widget.js`,
      PASARELA_API_KEY: apiKey,
      PASARELA_COUNTRY: options.country ?? 'cl',
      PASARELA_SHOP_NAME: options.shopName ?? 'Café Pasarela',
      PAYMENT_TIMEOUT: '10m',
      ...(options.flow ? { FINTOC_FLOW: options.flow } : {}),
      MERCHANT_WEBHOOK_URL: `${url}/demo/notifications`,
      MERCHANT_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}`,
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    if (!result.ok) throw new Error(`stack config: ${result.errors.join('; ')}`);
    const app = await buildApp({
      config: result.config,
      database,
      clock: sandbox.clock,
      logger: false,
      demo: true,
      jobOptions: { pollMs: 100 },
    });
    try {
      await app.listen({ port, host: '127.0.0.1' });
      service = app;
    } catch (error) {
      await app.close();
      if ((error as { code?: string }).code !== 'EADDRINUSE' || attempt >= 5) {
        await sandbox.close();
        throw error;
      }
    }
  }
  const running: FastifyInstance = service;

  return {
    sandbox,
    service: running,
    url,
    apiKey,
    async advance(ms) {
      await sandbox.clock.advance(ms);
      await running.jobs.runDue();
    },
    api: (method, path, body) => call(url, `Bearer ${apiKey}`, method, path, body),
    sandboxApi: (method, path, body) => sandboxApi(method, path, body),
    async close() {
      await running.close();
      await sandbox.close();
    },
  };
}
