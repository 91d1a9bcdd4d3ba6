/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
/**
 * Test helpers: a sandbox on a frozen base clock (sandbox time moves only when a test advances it)
 * with an in-memory webhook receiver in place of the network.
 */
import { createFintocClient, type FintocClient } from '../../src/fintoc/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';

export const T0 = Date.parse('2025-01-01T12:00:00Z');
export const TEST_KEY = 'sk_test_orgAAAA1111';
export const LIVE_KEY = 'sk_live_orgAAAA1111';
export const OTHER_KEY = 'sk_test_orgBBBB2222';

export interface Received {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Sandbox time when the request arrived. */
  at: number;
}

export interface Harness {
  sb: Sandbox;
  received: Received[];
  /** How the fake receiver answers; default 200. */
  respond: (r: Received) => { status: number; body?: string } | 'hang';
  request(
    method: string,
    url: string,
    opts?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    body: any;
    headers: Record<string, string | string[] | undefined>;
  }>;
  close(): Promise<void>;
}

export function build(options: Parameters<typeof createSandbox>[0] = {}): Harness {
  const received: Received[] = [];
  const h = {} as Harness;
  h.received = received;
  h.respond = () => ({ status: 200, body: 'ok' });
  const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries((init?.headers ?? {}) as Record<string, string>))
      headers[k.toLowerCase()] = v;
    const r: Received = { url: String(input), headers, body: String(init?.body ?? ''), at: h.sb.clock.now() };
    received.push(r);
    const answer = h.respond(r);
    if (answer === 'hang') {
      return new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
      });
    }
    const nullBody = answer.status === 204 || answer.status === 304;
    return new Response(nullBody ? null : (answer.body ?? ''), { status: answer.status });
  }) as typeof fetch;
  // Signatures on sandbox time, so tests can check `t` exactly.
  h.sb = createSandbox({ clock: { now: () => T0 }, fetch: fakeFetch, signWith: 'clock', ...options });
  h.request = async (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = opts.key === undefined ? TEST_KEY : opts.key;
    if (key !== null) headers.authorization = key;
    const res = await h.sb.app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
    });
    let body: unknown = res.body;
    try {
      body = res.json();
    } catch {
      // not JSON
    }
    return {
      status: res.statusCode,
      body,
      headers: res.headers as Record<string, string | string[] | undefined>,
    };
  };
  h.close = () => h.sb.close();
  return h;
}

/** Creates a payment intent and returns the create response's body. */
export async function createIntent(
  h: Harness,
  body: Record<string, unknown> = {},
  key?: string,
): Promise<any> {
  const res = await h.request('POST', '/v1/payment_intents', {
    body: { amount: 5000, currency: 'CLP', ...body },
    ...(key ? { key } : {}),
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function createEndpoint(h: Harness, events: string[] = ['*'], key?: string): Promise<any> {
  const res = await h.request('POST', '/v1/webhook_endpoints', {
    body: { url: 'https://shop.example/webhooks/fintoc', enabled_events: events },
    ...(key ? { key } : {}),
  });
  if (res.status !== 201) throw new Error(`endpoint failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function simulate(
  h: Harness,
  id: string,
  action: string,
  extra: Record<string, unknown> = {},
  key?: string,
) {
  return h.request('POST', `/_sandbox/payment_intents/${id}/simulate`, {
    body: { action, ...extra },
    ...(key ? { key } : {}),
  });
}

/** The typed client of src/fintoc, talking to the harness's sandbox through `app.inject` (no port). */
export function sandboxClient(h: Harness, key = TEST_KEY): FintocClient {
  return createFintocClient({
    secretKey: key,
    baseUrl: 'http://sandbox.local',
    maxRetries: 0,
    fetch: (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      const res = await h.sb.app.inject({
        method: (init?.method ?? 'GET') as 'GET',
        url: url.pathname + url.search,
        headers: { ...(init?.headers as Record<string, string>), host: 'sandbox.local' },
        ...(init?.body ? { payload: String(init.body) } : {}),
      });
      return new Response(res.body, {
        status: res.statusCode,
        headers: res.headers as Record<string, string>,
      });
    }) as typeof fetch,
  });
}
