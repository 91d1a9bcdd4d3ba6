/**
 * Payments-service benchmarks, on 127.0.0.1 only and bounded in time:
 * - webhook intake: verified and stored events per second and p99 (autocannon, each request a new
 *   signed event), beside a bare Fastify hello-world that parses the same body, in the same run
 *   (goal: at least half of it);
 * - POST /api/payments: the service's added latency (p50) over the sandbox call it makes
 *   (goal: at most 2 ms);
 * - 100,000 open payments reaching their deadlines: how late each abandonment acts (goal: each
 *   within 5 s of its deadline), with Fintoc answered in-process so the service is what is measured.
 */
import { PGlite } from '@electric-sql/pglite';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { createFintocClient, sign, systemClock, type PaymentIntent } from '../src/fintoc/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../test/support/postgres.js';
import {
  buildApp,
  loadConfig,
  migrate,
  openDatabase,
  pgliteParsers,
  type Database,
  type FintocPort,
  type ServiceConfig,
} from '../src/service/index.js';
import { paymentIntentJson } from '../test/fintoc/payment-intent.js';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  goal?: string;
}

const DURATION_S = 4;
const CONNECTIONS = 16;
const WEBHOOK_SECRET = 'whsec_benchbenchbench';
const API_KEY = 'bench_api_key_0123456789';

function config(env: Record<string, string> = {}): ServiceConfig {
  const r = loadConfig({
    FINTOC_SECRET_KEY: 'sk_test_benchBench1234',
    FINTOC_PUBLIC_KEY: 'pk_test_benchBench1234',
    FINTOC_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PASARELA_API_KEY: API_KEY,
    ...env,
  });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

async function embedded() {
  const pglite = await PGlite.create({ parsers: pgliteParsers });
  const database = await openDatabase({ pglite });
  await migrate(database.db);
  return database;
}

const noFintoc: FintocPort = {
  paymentIntents: {
    create: () => Promise.reject(new Error('not used')),
    get: () => Promise.reject(new Error('not used')),
    expire: () => Promise.reject(new Error('not used')),
  },
  v2: {
    checkoutSessions: {
      create: () => Promise.reject(new Error('not used')),
      get: () => Promise.reject(new Error('not used')),
      expire: () => Promise.reject(new Error('not used')),
    },
  },
  refunds: { create: () => Promise.reject(new Error('not used')) },
};

function eventBody(i: number): string {
  return JSON.stringify({
    id: `evt_bench${String(i).padStart(12, '0')}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    mode: 'test',
    created_at: '2026-01-01T00:00:00Z',
    data: paymentIntentJson({ id: `pi_bench${i}`, amount: 12990, status: 'succeeded', widget_token: null }),
  });
}

type Measure = { rps: number; p99: number; errors: number };

async function cannon(
  url: string,
  next: () => { body: string; headers: Record<string, string> },
): Promise<Measure> {
  const r = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        setupRequest: (req) => {
          const { body, headers } = next();
          return {
            ...req,
            body,
            headers: { ...req.headers, 'content-type': 'application/json', ...headers },
          };
        },
      },
    ],
  });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function webhookIntake(): Promise<BenchResult[]> {
  const hello = Fastify();
  hello.post('/', async () => ({ hello: 'world' }));
  await hello.listen({ port: 0, host: '127.0.0.1' });
  const app = await buildApp({
    config: config(),
    database: await embedded(),
    fintoc: noFintoc,
    workers: false,
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const helloUrl = `http://127.0.0.1:${(hello.server.address() as AddressInfo).port}/`;
  const serviceUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/webhooks/fintoc`;
  let i = 0;
  const signedEvent = () => {
    const body = eventBody(++i);
    return {
      body,
      headers: {
        'fintoc-signature': sign({ secret: WEBHOOK_SECRET, body, timestamp: Math.floor(Date.now() / 1000) }),
      },
    };
  };
  try {
    // Both servers get the same requests from the same generator (a new signed event each; the
    // hello-world ignores it), so the generator's own cost weighs on both alike. Warm up both, then
    // measure in turns and keep the best round of each.
    await cannon(helloUrl, signedEvent);
    await cannon(serviceUrl, signedEvent);
    let base: Measure | undefined;
    let svc: Measure | undefined;
    for (let round = 0; round < 2; round++) {
      const b = await cannon(helloUrl, signedEvent);
      const s = await cannon(serviceUrl, signedEvent);
      if (!base || b.rps > base.rps) base = b;
      if (!svc || s.rps > svc.rps) svc = s;
    }
    const stored = Number(
      (await sql<{ n: number }>`SELECT count(*) AS n FROM webhook_inbox`.execute(app.database.db)).rows[0]
        ?.n ?? 0,
    );
    if (svc!.errors > 0) throw new Error(`webhook intake: ${svc!.errors} errors`);
    return [
      {
        name: 'webhook intake (verified + stored, embedded db)',
        value: Math.round(svc!.rps),
        unit: 'events/s',
        baseline: Math.round(base!.rps),
        ratio: svc!.rps / base!.rps,
        goal: '>= 0.5 of a bare Fastify hello-world',
      },
      {
        name: 'webhook intake p99',
        value: svc!.p99,
        unit: 'ms',
        baseline: base!.p99,
        ratio: svc!.p99 / base!.p99,
      },
      { name: 'webhook events stored during the run', value: stored, unit: 'events' },
    ];
  } finally {
    await app.close();
    await hello.close();
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function creationLatency(): Promise<BenchResult[]> {
  const sb = await startSandbox({ port: 0, host: '127.0.0.1', secretKey: 'sk_test_benchBench1234' });
  const cfg = config({ FINTOC_API_URL: sb.url });
  // Both clients without the 100 requests/s pacing: this loop runs near that rate, and the pacing
  // is Fintoc's limit, not the service's overhead.
  const app = await buildApp({
    config: cfg,
    database: await embedded(),
    fintoc: createFintocClient({ secretKey: sb.secretKey, baseUrl: sb.url, requestsPerSecond: Infinity }),
    workers: false,
    logger: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const serviceUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/payments`;
  const fintoc = createFintocClient({
    secretKey: sb.secretKey,
    baseUrl: sb.url,
    requestsPerSecond: Infinity,
  });
  const N = 400;
  const direct: number[] = [];
  const service: number[] = [];
  try {
    for (let i = 0; i < N + 50; i++) {
      // Interleave so both see the same machine load; the first 50 of each are warm-up.
      let t = performance.now();
      await fintoc.paymentIntents.create({ amount: 5000, currency: 'CLP', metadata: { n: String(i) } });
      if (i >= 50) direct.push(performance.now() - t);
      t = performance.now();
      const res = await fetch(serviceUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 5000, currency: 'CLP', order_id: `bench-${i}` }),
      });
      await res.arrayBuffer();
      if (res.status !== 201) throw new Error(`POST /api/payments answered ${res.status}`);
      if (i >= 50) service.push(performance.now() - t);
    }
  } finally {
    await app.close();
    await sb.close();
  }
  const d50 = percentile(direct, 50);
  const s50 = percentile(service, 50);
  return [
    {
      name: 'POST /api/payments p50 (service + sandbox call)',
      value: s50,
      unit: 'ms',
      baseline: d50,
      ratio: s50 / d50,
    },
    { name: 'POST /api/payments added latency p50', value: s50 - d50, unit: 'ms', goal: '<= 2 ms' },
    {
      name: 'POST /api/payments p99',
      value: percentile(service, 99),
      unit: 'ms',
      baseline: percentile(direct, 99),
    },
  ];
}

/**
 * 100,000 open payments whose deadlines fall due over `spreadS` seconds from now, and the job runner
 * (as `pasarela serve` runs it) acting on them against an in-process Fintoc that expires at once.
 */
async function deadlines(
  count = 100_000,
  spreadS = 60,
  store: 'embedded' | 'postgres' = 'embedded',
): Promise<BenchResult[]> {
  let pg: TestPostgres | undefined;
  let database: Database;
  if (store === 'postgres') {
    pg = await startPostgres();
    database = await openDatabase({ url: pg.createDatabase('bench_deadlines'), poolSize: 20 });
    await migrate(database.db);
  } else database = await embedded();
  const cfg = config();
  let expires = 0;
  const fintoc: FintocPort = {
    ...noFintoc,
    paymentIntents: {
      ...noFintoc.paymentIntents,
      expire: async (id): Promise<PaymentIntent> => {
        expires++;
        return {
          id,
          object: 'payment_intent',
          status: 'expired',
          error_reason: 'manually_expired',
        } as PaymentIntent;
      },
    },
  };
  const start = Date.now() + 15_000; // time to insert before the first deadline
  const t0 = performance.now();
  await sql`
    INSERT INTO payments (id, order_id, amount, currency, status, metadata, payment_intent_id, expires_at, created_at, updated_at)
    SELECT 'pay_b' || g, 'order-' || g, 1000, 'CLP', 'pending', '{}'::jsonb, 'pi_b' || g,
           to_timestamp((${start}::bigint + (g::bigint * ${spreadS * 1000}::bigint) / ${count}::bigint) / 1000.0),
           now(), now()
    FROM generate_series(1, ${count}) AS g`.execute(database.db);
  await sql`
    INSERT INTO jobs (kind, ref, run_at, created_at)
    SELECT 'abandon', id, expires_at, now() FROM payments`.execute(database.db);
  const insertS = (performance.now() - t0) / 1000;
  const app = await buildApp({
    config: cfg,
    database,
    fintoc,
    workers: true,
    logger: false,
    jobOptions: { batchSize: 200, concurrency: 32, pollMs: 100 },
  });
  await app.ready();
  const wait = Math.max(0, start + spreadS * 1000 - Date.now());
  await systemClock.sleep(wait);
  for (;;) {
    const left = Number(
      (await sql<{ n: number }>`SELECT count(*) AS n FROM jobs WHERE kind = 'abandon'`.execute(database.db))
        .rows[0]?.n ?? 0,
    );
    if (left === 0) break;
    await systemClock.sleep(250);
  }
  const lags = (
    await sql<{ lag: number }>`
      SELECT (extract(epoch FROM finalized_at - expires_at) * 1000)::float8 AS lag FROM payments`.execute(
      database.db,
    )
  ).rows.map((r) => Number(r.lag));
  const canceled = Number(
    (
      await sql<{ n: number }>`SELECT count(*) AS n FROM payments WHERE status = 'canceled'`.execute(
        database.db,
      )
    ).rows[0]?.n ?? 0,
  );
  await app.close();
  pg?.stop();
  if (canceled !== count || expires !== count)
    throw new Error(`deadlines: ${canceled} canceled, ${expires} expire calls`);
  return [
    {
      name: `deadlines acted on (${count} over ${spreadS} s, ${store} db)`,
      value: canceled,
      unit: 'payments',
    },
    { name: 'deadline lag p50', value: percentile(lags, 50), unit: 'ms' },
    { name: 'deadline lag p99', value: percentile(lags, 99), unit: 'ms' },
    {
      name: 'deadline lag max',
      value: lags.reduce((a, b) => Math.max(a, b), -Infinity),
      unit: 'ms',
      goal: '<= 5000 ms',
    },
    { name: 'setup: insert 100k payments + deadlines', value: insertS, unit: 's' },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const results = [...(await webhookIntake()), ...(await creationLatency()), ...(await deadlines())];
  if (postgresSkipReason() === null) results.push(...(await deadlines(100_000, 60, 'postgres')));
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const which = process.argv[2];
  const results =
    which === 'intake'
      ? await webhookIntake()
      : which === 'create'
        ? await creationLatency()
        : which === 'deadlines'
          ? await deadlines(
              Number(process.argv[3] ?? 100_000),
              Number(process.argv[4] ?? 60),
              process.argv[5] === 'postgres' ? 'postgres' : 'embedded',
            )
          : await run();
  console.table(results);
}
