/**
 * Sandbox benchmarks, on 127.0.0.1 only and bounded in time:
 * - payment-intent creations per second (autocannon, 3 s) beside a bare Fastify hello-world that
 *   parses the same JSON body, measured in the same run (goal: at least half of it);
 * - webhook deliveries per second (signed, recorded) to a local receiver that answers 200.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { createSandbox, startSandbox } from '../src/sandbox/index.js';

const DURATION_S = 3;
const CONNECTIONS = 16;
const KEY = 'sk_test_benchBench1234';
const BODY = JSON.stringify({
  amount: 5000,
  currency: 'CLP',
  customer_email: 'bench@example.cl',
  metadata: { order_id: 'b-1' },
});

async function cannon(url: string, headers: Record<string, string> = {}): Promise<Measure> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { 'content-type': 'application/json', ...headers },
    body: BODY,
  });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

type Measure = { rps: number; p99: number; errors: number };

/** Listens on 127.0.0.1 and returns the URL to hit and how to stop. */
async function helloWorld(): Promise<{
  url: string;
  headers: Record<string, string>;
  close(): Promise<void>;
}> {
  const app = Fastify();
  app.post('/', async () => ({ hello: 'world' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`,
    headers: {},
    close: () => app.close(),
  };
}

async function sandbox(): Promise<{ url: string; headers: Record<string, string>; close(): Promise<void> }> {
  const sb = await startSandbox({ port: 0, host: '127.0.0.1', secretKey: KEY });
  return { url: `${sb.url}/v1/payment_intents`, headers: { authorization: KEY }, close: () => sb.close() };
}

/**
 * Both servers run side by side and are measured in turns (after a warm-up), best of the rounds
 * each, so a neighbour's load on the shared machine hits both figures alike.
 */
async function creationsVsHello(rounds = 2): Promise<{ base: Measure; pi: Measure }> {
  const targets = [await helloWorld(), await sandbox()];
  try {
    for (const t of targets)
      await autocannon({
        url: t.url,
        method: 'POST',
        connections: CONNECTIONS,
        duration: 1,
        headers: { 'content-type': 'application/json', ...t.headers },
        body: BODY,
      });
    const best: Measure[] = [
      { rps: 0, p99: Infinity, errors: 0 },
      { rps: 0, p99: Infinity, errors: 0 },
    ];
    for (let r = 0; r < rounds; r++) {
      for (const [i, t] of targets.entries()) {
        const m = await cannon(t.url, t.headers);
        const b = best[i] as Measure;
        b.rps = Math.max(b.rps, m.rps);
        b.p99 = Math.min(b.p99, m.p99);
        b.errors += m.errors;
      }
    }
    return { base: best[0] as Measure, pi: best[1] as Measure };
  } finally {
    for (const t of targets) await t.close();
  }
}

async function deliveries(count: number): Promise<{ perSecond: number; delivered: number }> {
  let received = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.end('ok');
      if (++received === count) resolveAll();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const sb = createSandbox({ intentTimeoutMs: null });
  try {
    const space = sb.core.space('test', 'benchBench1234');
    sb.core.createEndpoint(space, {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
      enabled_events: ['payment_intent.succeeded'],
    });
    const started = performance.now();
    for (let i = 0; i < count; i++) sb.core.trigger(space, 'payment_intent.succeeded', { amount: i + 1 });
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000).unref());
    await Promise.race([all, timeout]);
    const seconds = (performance.now() - started) / 1000;
    await sb.clock.flush();
    const delivered = space.deliveryList.filter((d) => d.status === 'delivered').length;
    return { perSecond: delivered / seconds, delivered };
  } finally {
    await sb.close();
    await new Promise((r) => receiver.close(r));
  }
}

export async function run(): Promise<
  Array<{ name: string; value: number; unit: string; baseline?: number; ratio?: number; goal?: string }>
> {
  const { base, pi } = await creationsVsHello();
  const hooks = await deliveries(3000);
  return [
    {
      name: 'payment-intent creations (POST /v1/payment_intents)',
      value: Math.round(pi.rps),
      unit: 'req/s',
      baseline: Math.round(base.rps),
      ratio: pi.rps / base.rps,
      goal: '>= 0.5 of a bare Fastify hello-world',
    },
    { name: 'payment-intent creation p99 latency', value: pi.p99, unit: 'ms', baseline: base.p99 },
    { name: 'payment-intent creation errors (non-2xx or failed)', value: pi.errors, unit: 'requests' },
    {
      name: 'webhook deliveries to a local receiver (3000 events)',
      value: Math.round(hooks.perSecond),
      unit: 'deliveries/s',
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await run()) console.log(JSON.stringify(r));
}
