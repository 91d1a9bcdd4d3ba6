/**
 * The service wired to the sandbox as its Fintoc, for end-to-end tests. The service calls the
 * sandbox over HTTP on 127.0.0.1 (like Fintoc); the sandbox's webhook deliveries reach the service
 * through `app.inject` (no port needed). One clock: the sandbox's test clock drives both, so a test
 * moves time with `advance()` and never sleeps.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { createFintocClient, sign, type FintocClient } from '../../../src/fintoc/index.js';
import { startSandbox, type RunningSandbox } from '../../../src/sandbox/index.js';
import {
  buildApp,
  createLogger,
  loadConfig,
  secretsOf,
  serviceWebhookEvents,
  type Checkpoint,
  type Database,
  type ServiceConfig,
} from '../../../src/service/index.js';
import { paymentIntentJson } from '../../fintoc/payment-intent.js';
import { freshEmbedded } from './db.js';

export const API_KEY = 'test_api_key_0123456789abcdef';
export const MERCHANT_SECRET = `whsec_${Buffer.from('merchant-secret-for-tests-0123456789').toString('base64')}`;
export const MERCHANT_URL = 'http://shop.test/notifications';

export interface ShopDelivery {
  headers: Record<string, string>;
  body: string;
  status: number;
}

export interface Harness {
  sb: RunningSandbox;
  app: FastifyInstance;
  config: ServiceConfig;
  fintoc: FintocClient;
  webhookSecret: string;
  database: Database;
  /** What the shop received; `shopAnswers` decides the next status codes (default 200). */
  shop: ShopDelivery[];
  shopAnswers: number[];
  /** The fetch the service uses (Fintoc calls are recorded, the shop is simulated). */
  serviceFetch: typeof fetch;
  /** Calls the service made to Fintoc (method + path). */
  fintocCalls: string[];
  /** Make the next n calls to Fintoc fail as if the network were down, or answer `response` instead. */
  failFintoc(n: number, match?: RegExp, response?: { status: number; body: unknown }): void;
  /**
   * Hands the next call to Fintoc matching `match` (e.g. `/^POST \/v1\/payment_intents$/`) to `fn`,
   * which decides when (and whether) it reaches Fintoc by calling `forward`, and what the service
   * gets back: an answer that comes late, or is lost after Fintoc acted on the request.
   */
  interceptFintoc(match: RegExp, fn: (forward: () => Promise<Response>) => Promise<Response>): void;
  /** POST /api/payments with the API key. */
  createPayment(
    body: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  getPayment(id: string, expand?: boolean): Promise<Record<string, unknown>>;
  simulate(intentId: string, action: string, extra?: Record<string, unknown>): Promise<void>;
  sandbox(method: string, path: string, body?: unknown): Promise<unknown>;
  /** Moves the shared clock, lets the sandbox deliver what fell due, then runs the service's due jobs, until quiet. */
  advance(ms: number): Promise<void>;
  settle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A test's time budget from what it does. Quiet, on 2 cores: starting a harness (loading the
 * prepared database, starting the sandbox, building the app) takes about 1.5 s, and a step (a
 * request, a simulated customer, a move of the clock with its deliveries and jobs) about 0.2 s. A
 * whole `npm test` beside other work has run 10–20 times slower, so the budget is 20 times that,
 * plus 10 s to close.
 */
export function harnessBudget(work: { harnesses?: number; steps: number }): number {
  return 20 * ((work.harnesses ?? 1) * 1_500 + work.steps * 200) + 10_000;
}

export async function startHarness(
  opts: {
    env?: Record<string, string>;
    database?: Database;
    merchant?: boolean;
    checkpoint?: Checkpoint;
    /** Collects the service's log lines (level info and up) instead of silencing them. */
    logs?: string[];
    /** Serve the demo shop too, as `pasarela dev` does. */
    demo?: boolean;
    /** The sandbox's reports folder (its folder and maildir channels write inside it). */
    reportsDir?: string;
    /**
     * Sign webhooks at the shared test clock's time instead of the wall clock's (the sandbox's
     * default), so deliveries made after `advance()` pass the service's 300 s tolerance.
     */
    signWithClock?: boolean;
  } = {},
): Promise<Harness> {
  const ref: { app?: FastifyInstance } = {};
  const shop: ShopDelivery[] = [];
  const shopAnswers: number[] = [];
  const fintocCalls: string[] = [];
  let failures = 0;
  let failMatch: RegExp | undefined;
  let failResponse: { status: number; body: unknown } | undefined;
  const interceptors: Array<{
    match: RegExp;
    fn: (forward: () => Promise<Response>) => Promise<Response>;
  }> = [];

  const sb = await startSandbox({
    intentTimeoutMs: null,
    ...(opts.reportsDir ? { reportsDir: opts.reportsDir } : {}),
    ...(opts.signWithClock ? { signWith: 'clock' as const } : {}),
    fetch: async (url, init) => {
      if (!ref.app) return new Response('not ready', { status: 503 });
      const res = await ref.app.inject({
        method: 'POST',
        url: new URL(String(url)).pathname,
        headers: init?.headers as Record<string, string>,
        payload: init?.body as string,
      });
      return new Response(res.body, {
        status: res.statusCode,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
  const fintoc = createFintocClient({ secretKey: sb.secretKey, baseUrl: sb.url, maxRetries: 0 });
  const endpoint = await fintoc.webhookEndpoints.create({
    url: 'http://127.0.0.1:1/webhooks/fintoc',
    enabled_events: serviceWebhookEvents(),
  });
  const webhookSecret = endpoint.secret as string;

  const result = loadConfig({
    FINTOC_SECRET_KEY: sb.secretKey,
    FINTOC_PUBLIC_KEY: sb.publicKey,
    FINTOC_WEBHOOK_SECRET: webhookSecret,
    FINTOC_API_URL: sb.url,
    PASARELA_API_KEY: API_KEY,
    PASARELA_PUBLIC_URL: 'http://pay.test',
    // The tests written for the payment-intent flow name it; the session flows (the default) pass
    // FINTOC_FLOW or a payment's own `flow` (test/service/sessions.test.ts).
    FINTOC_FLOW: 'intent',
    ...(opts.merchant === false
      ? {}
      : { MERCHANT_WEBHOOK_URL: MERCHANT_URL, MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET }),
    ...opts.env,
  });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  const config = result.config;
  const database = opts.database ?? (await freshEmbedded());

  const serviceFetch: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith('http://shop.test')) {
      const status = shopAnswers.shift() ?? 200;
      shop.push({ headers: init?.headers as Record<string, string>, body: String(init?.body), status });
      return new Response('{}', { status });
    }
    const u = new URL(url);
    const call = `${init?.method ?? 'GET'} ${u.pathname}`;
    fintocCalls.push(call);
    if (failures > 0 && (!failMatch || failMatch.test(call))) {
      failures--;
      if (failResponse) {
        return new Response(JSON.stringify(failResponse.body), {
          status: failResponse.status,
          headers: { 'content-type': 'application/json' },
        });
      }
      throw new TypeError('fetch failed (simulated network failure)');
    }
    const i = interceptors.findIndex((x) => x.match.test(call));
    if (i >= 0) {
      const [{ fn }] = interceptors.splice(i, 1) as [(typeof interceptors)[number]];
      return fn(() => fetch(input, init));
    }
    return fetch(input, init);
  };

  const theApp = await buildApp({
    config,
    database,
    clock: sb.clock,
    fetch: serviceFetch,
    fintoc: createFintocClient({
      secretKey: config.fintoc.secretKey,
      baseUrl: config.fintoc.apiUrl,
      fetch: serviceFetch,
      maxRetries: 0,
    }),
    workers: false,
    logger: opts.logs
      ? createLogger({
          secrets: secretsOf(config),
          level: 'info',
          destination: { write: (line: string) => void opts.logs!.push(line) },
        })
      : false,
    ...(opts.checkpoint ? { checkpoint: opts.checkpoint } : {}),
    ...(opts.demo ? { demo: true } : {}),
  });
  ref.app = theApp;

  const sandbox = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sb.url}${path}`, {
      method,
      headers: { authorization: sb.secretKey, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`sandbox ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      const r = await sb.clock.flush();
      const n = await theApp.jobs.runDue();
      if (r.tasksRun === 0 && n === 0) return;
    }
  };

  return {
    sb,
    app: theApp,
    config,
    fintoc,
    webhookSecret,
    database,
    shop,
    shopAnswers,
    serviceFetch,
    fintocCalls,
    failFintoc(n, match, response) {
      failures = n;
      failMatch = match;
      failResponse = response;
    },
    interceptFintoc(match, fn) {
      interceptors.push({ match, fn });
    },
    async createPayment(body, headers = {}) {
      const res = await theApp.inject({
        method: 'POST',
        url: '/api/payments',
        headers: { authorization: `Bearer ${API_KEY}`, ...headers },
        payload: body,
      });
      return { status: res.statusCode, json: res.json() };
    },
    async getPayment(id, expand = false) {
      const res = await theApp.inject({
        method: 'GET',
        url: `/api/payments/${id}${expand ? '?expand=timeline' : ''}`,
        headers: { authorization: `Bearer ${API_KEY}` },
      });
      return res.json();
    },
    async simulate(intentId, action, extra = {}) {
      await sandbox('POST', `/_sandbox/payment_intents/${intentId}/simulate`, { action, ...extra });
    },
    sandbox,
    async advance(ms) {
      await sb.clock.advance(ms);
      await settle();
    },
    settle,
    async close() {
      await theApp.close();
      await sb.close();
    },
  };
}

/** A webhook delivery of `body`, signed with the endpoint's secret at the sandbox's time. */
export function signedDelivery(h: Harness, body: string): InjectOptions {
  return {
    method: 'POST',
    url: '/webhooks/fintoc',
    headers: {
      'content-type': 'application/json',
      'fintoc-signature': sign({
        secret: h.webhookSecret,
        body,
        timestamp: Math.floor(h.sb.clock.now() / 1000),
      }),
    },
    payload: body,
  };
}

/**
 * Delivers a signed `payment_intent.succeeded` for an intent the sandbox has already finished (its
 * finals never change): Fintoc reporting money that moved after the payment was given up.
 */
export async function deliverLateSuccess(h: Harness, intentId: string): Promise<void> {
  const body = JSON.stringify({
    id: `evt_late_${intentId}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    mode: 'test',
    created_at: new Date(h.sb.clock.now()).toISOString(),
    data: paymentIntentJson({ id: intentId, status: 'succeeded', widget_token: null }),
  });
  const res = await h.app.inject(signedDelivery(h, body));
  if (res.statusCode !== 200) throw new Error(`late success: ${res.statusCode} ${res.body}`);
}
