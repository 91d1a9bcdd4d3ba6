/**
 * This checkout's service against another checkout's (`npx tsx bench/service-ab.ts <other checkout>`),
 * in one process and in alternating short rounds, so a busy machine weighs on both alike: webhook
 * intake (signed events verified and stored) and payment creation (Fintoc answered in-process), each
 * through `app.inject`. Prints each side's median rate and the ratio this/other. Bounded: a few
 * seconds per round, six rounds.
 */
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sign, type PaymentIntent } from '../src/fintoc/index.js';
import { paymentIntentJson } from '../test/fintoc/payment-intent.js';

const WEBHOOK_SECRET = 'whsec_benchbenchbench';
const API_KEY = 'bench_api_key_0123456789';
const ROUNDS = 6;
const PER_ROUND = 400;

type ServiceModule = typeof import('../src/service/index.js');

async function side(root: string) {
  const mod = (await import(resolve(root, 'src/service/index.ts'))) as ServiceModule;
  const r = mod.loadConfig({
    FINTOC_SECRET_KEY: 'sk_test_benchBench1234',
    FINTOC_PUBLIC_KEY: 'pk_test_benchBench1234',
    FINTOC_WEBHOOK_SECRET: WEBHOOK_SECRET,
    PASARELA_API_KEY: API_KEY,
  });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  const pglite = await PGlite.create({ parsers: mod.pgliteParsers });
  const database = await mod.openDatabase({ pglite });
  let n = 0;
  const intent = (): PaymentIntent =>
    paymentIntentJson({ id: `pi_ab${++n}`, amount: 1000, status: 'created' }) as unknown as PaymentIntent;
  const fintoc = {
    paymentIntents: {
      create: async () => intent(),
      get: async () => intent(),
      expire: async () => intent(),
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
  const app = await mod.buildApp({ config: r.config, database, fintoc, workers: false, logger: false });
  await app.ready();
  return { root, app };
}

let seq = 0;
async function intakeRound(app: Awaited<ReturnType<typeof side>>['app']): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < PER_ROUND; i++) {
    const body = JSON.stringify({
      id: `evt_ab${++seq}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      mode: 'test',
      created_at: '2026-01-01T00:00:00Z',
      data: paymentIntentJson({ id: `pi_x${seq}`, amount: 12990, status: 'succeeded', widget_token: null }),
    });
    const res = await app.inject({
      method: 'POST',
      url: '/webhooks/fintoc',
      headers: {
        'content-type': 'application/json',
        'fintoc-signature': sign({ secret: WEBHOOK_SECRET, body, timestamp: Math.floor(Date.now() / 1000) }),
      },
      payload: body,
    });
    if (res.statusCode !== 200) throw new Error(`intake answered ${res.statusCode}: ${res.body}`);
  }
  return PER_ROUND / ((performance.now() - started) / 1000);
}

async function createRound(app: Awaited<ReturnType<typeof side>>['app']): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < PER_ROUND / 4; i++) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/payments',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ amount: 12990, currency: 'CLP', order_id: `ab-${++seq}` }),
    });
    if (res.statusCode !== 201) throw new Error(`create answered ${res.statusCode}: ${res.body}`);
  }
  return PER_ROUND / 4 / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const other = process.argv[2];
if (!other) throw new Error('usage: npx tsx bench/service-ab.ts <other checkout>');
const mine = await side(resolve(import.meta.dirname, '..'));
const theirs = await side(resolve(other));
const rates = {
  intake: { mine: [] as number[], theirs: [] as number[] },
  create: { mine: [] as number[], theirs: [] as number[] },
};
// Warm-up, then alternate which side goes first.
await intakeRound(mine.app);
await intakeRound(theirs.app);
await createRound(mine.app);
await createRound(theirs.app);
for (let round = 0; round < ROUNDS; round++) {
  const order =
    round % 2 === 0
      ? ([
          ['mine', mine],
          ['theirs', theirs],
        ] as const)
      : ([
          ['theirs', theirs],
          ['mine', mine],
        ] as const);
  for (const [name, s] of order) rates.intake[name].push(await intakeRound(s.app));
  for (const [name, s] of order) rates.create[name].push(await createRound(s.app));
}
for (const part of ['intake', 'create'] as const) {
  const a = median(rates[part].mine);
  const b = median(rates[part].theirs);
  console.log(
    `${part}: this ${a.toFixed(0)}/s, other ${b.toFixed(0)}/s, ratio ${(a / b).toFixed(3)} (rounds: this ${rates[part].mine.map((x) => x.toFixed(0)).join(' ')}; other ${rates[part].theirs.map((x) => x.toFixed(0)).join(' ')})`,
  );
}
await mine.app.close();
await theirs.app.close();
