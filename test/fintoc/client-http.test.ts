// The client against a real HTTP server on 127.0.0.1: the same rules as the injected-fetch tests,
// through Node's own fetch, sockets and headers.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createFintocClient, FintocConnectionError, FintocError } from '../../src/fintoc/index.js';
import { FakeClock } from './fake-clock.js';
import { paymentIntentJson } from './payment-intent.js';

const KEY = 'sk_test_local';
const pi = (id: string) => paymentIntentJson({ id, widget_token: null });

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
let server: Server | undefined;

async function serve(handler: (req: Seen, res: ServerResponse, origin: string) => void) {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(s);
      handler(s, res, origin);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, seen };
}
afterEach(async () => {
  const s = server;
  server = undefined;
  if (!s) return;
  s.closeAllConnections();
  await new Promise((resolve) => s.close(resolve));
});

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

describe('client over HTTP on 127.0.0.1', () => {
  it('sends the key, version, idempotency key and JSON body as Fintoc expects', async () => {
    const { origin, seen } = await serve((_req, res) => send(res, 201, pi('pi_1')));
    const client = createFintocClient({
      secretKey: KEY,
      baseUrl: origin,
      apiVersion: '2023-11-15',
      clock: new FakeClock(),
    });
    const created = await client.paymentIntents.create(
      { amount: 5000, currency: 'CLP' },
      { idempotencyKey: 'order-1' },
    );
    expect(created.id).toBe('pi_1');
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/v1/payment_intents',
      body: '{"amount":5000,"currency":"CLP"}',
    });
    expect(seen[0]!.headers).toMatchObject({
      authorization: KEY,
      'fintoc-version': '2023-11-15',
      'idempotency-key': 'order-1',
      'content-type': 'application/json',
    });
  });

  it('pages through a list with Fintoc-style absolute Link headers', async () => {
    const { origin, seen } = await serve((req, res, o) => {
      const url = new URL(req.url, o);
      const p = Number(url.searchParams.get('page') ?? '1');
      const base = `${o}/v1/payment_intents?status=succeeded&page=`;
      const rels = [`<${base}1>; rel="first"`];
      if (p > 1) rels.push(`<${base}${p - 1}>; rel="prev"`);
      if (p < 3) rels.push(`<${base}${p + 1}>; rel="next"`);
      rels.push(`<${base}3>; rel="last"`);
      send(res, 200, [pi(`pi_${p}a`), pi(`pi_${p}b`)], { link: rels.join(', '), 'x-total-count': '6' });
    });
    const client = createFintocClient({ secretKey: KEY, baseUrl: origin, clock: new FakeClock() });
    const ids: string[] = [];
    for await (const p of client.paymentIntents.list({ status: 'succeeded' })) ids.push(p.id);
    expect(ids).toEqual(['pi_1a', 'pi_1b', 'pi_2a', 'pi_2b', 'pi_3a', 'pi_3b']);
    expect(seen.map((s) => s.url)).toEqual([
      '/v1/payment_intents?status=succeeded',
      '/v1/payment_intents?status=succeeded&page=2',
      '/v1/payment_intents?status=succeeded&page=3',
    ]);
  });

  it('retries a 503 with the same idempotency key, then succeeds', async () => {
    let n = 0;
    const { origin, seen } = await serve((_req, res) =>
      ++n === 1
        ? send(
            res,
            503,
            { error: { type: 'api_error', code: 'internal_server', message: 'try again' } },
            { 'retry-after': '1' },
          )
        : send(res, 201, pi('pi_1')),
    );
    const clock = new FakeClock();
    const client = createFintocClient({ secretKey: KEY, baseUrl: origin, clock });
    await client.paymentIntents.create({ amount: 5000, currency: 'CLP' });
    expect(seen).toHaveLength(2);
    expect(seen[0]!.headers['idempotency-key']).toBe(seen[1]!.headers['idempotency-key']);
    expect(clock.waits).toEqual([1000]);
  });

  it('times out a server that never answers', async () => {
    const clock = new FakeClock();
    // The server stalls; the test moves the client's clock past its deadline instead of waiting.
    const { origin, seen } = await serve(() => clock.expireDeadlines());
    const client = createFintocClient({
      secretKey: KEY,
      baseUrl: origin,
      clock,
      timeoutMs: 10_000,
      maxRetries: 1,
    });
    const err = await client.paymentIntents.get('pi_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FintocConnectionError);
    expect((err as FintocError).code).toBe('timeout');
    expect(seen).toHaveLength(2);
  });

  it('refuses a redirect instead of following it with the key', async () => {
    // Node's fetch follows redirects unless told not to: only a real fetch shows the client tells it.
    const { origin, seen } = await serve((req, res, o) => {
      if (req.url === '/v1/payment_intents/pi_1') {
        res.writeHead(302, { location: `${o}/elsewhere` });
        res.end();
      } else send(res, 200, pi('pi_1'));
    });
    const client = createFintocClient({ secretKey: KEY, baseUrl: origin, clock: new FakeClock() });
    const err = await client.paymentIntents.get('pi_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FintocError);
    expect((err as FintocError).status).toBe(302);
    expect(seen.map((s) => s.url)).toEqual(['/v1/payment_intents/pi_1']);
  });

  it('reports a refused connection after retrying', async () => {
    const { origin } = await serve(() => {});
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const clock = new FakeClock();
    const client = createFintocClient({ secretKey: KEY, baseUrl: origin, clock, maxRetries: 2 });
    const err = await client.paymentIntents.get('pi_1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FintocConnectionError);
    expect((err as FintocError).message).toContain('ECONNREFUSED');
    expect(clock.waits).toHaveLength(2);
  });
});
