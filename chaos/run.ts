/**
 * The chaos run (issue 12): the payments service as a shop runs it — `pasarela serve` processes
 * behind a load balancer, on the embedded database or PostgreSQL — against the sandbox as Fintoc
 * with delivery faults (duplicates, reordering, dropped deliveries, lost answers) and Fintoc
 * answering late, while a shop creates payments (retrying with its Idempotency-Key on any error) and
 * customers pay, are rejected, fail, leave, or pay at the last second. One instance is killed with
 * SIGKILL mid-run and started again. When everything has settled, the run compares the service's
 * database with Fintoc's truth (the sandbox's intents, Checkout Sessions and request log) and with
 * what the shop received, and counts what must never happen.
 *
 * Either payment flow: `intent` (the service creates a payment intent; its customer acts on it
 * through the sandbox's control API) or `session` (the service's default: the service creates a
 * Checkout Session; its customer opens the checkout's session from the service, `GET /pay/:id/session`,
 * opens the widget with its `sessionToken` through the widget's own HTTP routes, which makes the
 * session's payment intent, acts in the widget and reports the widget's callbacks to the service as
 * the checkout page does). Both are judged by the same rules, each Fintoc object (an intent, or a
 * session with its intent) read as the payment-intent status it stands for.
 *
 * Everything runs on 127.0.0.1 with real time (PAYMENT_TIMEOUT 10 s, the least the service takes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createFintocClient } from '../src/fintoc/index.js';
import { startSandbox, type RunningSandbox } from '../src/sandbox/index.js';
import {
  openDatabase,
  serviceWebhookEvents,
  standardWebhookSignature,
  type Database,
} from '../src/service/index.js';
import { startPostgres, type TestPostgres } from '../test/support/postgres.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const API_KEY = 'chaos_api_key_0123456789abcdef';
const MERCHANT_SECRET = `whsec_${Buffer.from('chaos-merchant-secret-0123456789ab').toString('base64')}`;
const TIMEOUT_MS = 10_000;
const PENDING_FOR_S = 12;
/** What the run keeps, at the end of its budget, for the last payments to be paid and settle. */
const SETTLE_MARGIN_MS = 45_000;
const FINAL = new Set(['succeeded', 'failed', 'expired', 'canceled']);
const INTENT_FINAL = new Set(['succeeded', 'failed', 'rejected', 'expired']);

/** The payment flows the chaos run drives: the widget with a payment intent, or a Checkout Session. */
export const CHAOS_FLOWS = ['intent', 'session'] as const;
export type ChaosFlow = (typeof CHAOS_FLOWS)[number];

export interface ChaosOptions {
  store: 'embedded' | 'postgres';
  /** How the service makes new payments (FINTOC_FLOW), and so how the customers pay them. */
  flow: ChaosFlow;
  /** Service processes behind the balancer (the embedded database takes one). */
  instances: number;
  payments: number;
  /** Creations are spread over this long. */
  spreadMs: number;
  /** The whole run's bound: what has not settled by then counts as stuck. */
  budgetMs: number;
  /** Seeds the sandbox's random source (fault draws, ids) and the customers' choices. */
  seed?: number;
  log?: (line: string) => void;
}

export interface ChaosFindings {
  /** Payments whose final state is not what Fintoc's intents say. */
  disagreeWithFintoc: number;
  /** Payments not final at the end, or with an intent Fintoc has not finished. */
  stuck: number;
  /** Webhook events applied more than once, and final transitions made more than once. */
  appliedTwice: number;
  /** Canceled payments with an intent that was still payable when they were canceled. */
  canceledWhilePayable: number;
  /** Orders with no payment, or more than one, after the shop's retries with one Idempotency-Key. */
  paymentsPerOrderNotOne: number;
  /**
   * Expire calls Fintoc served (replays not counted) per canceled payment: on its intents (intent
   * flow); on its Checkout Sessions where Fintoc expired the session, plus those on the sessions'
   * intents (session flow). `refusedSessionExpires` counts, apart, the session expires Fintoc refused
   * (400 `invalid_checkout_session_status`: the customer had started paying), after which the
   * service expires the session's intent instead.
   */
  expireCallsPerAbandoned: {
    abandoned: number;
    min: number;
    max: number;
    notOne: number;
    refusedSessionExpires: number;
  };
  /** Distinct notifications the shop received per final state a payment reached. */
  notificationsPerFinalState: { finalStates: number; min: number; max: number; notOne: number };
  /** Notifications whose Standard Webhooks signature did not verify. */
  badSignatures: number;
}

export interface ChaosReport {
  flow: ChaosFlow;
  store: 'embedded' | 'postgres';
  instances: number;
  payments: number;
  durationMs: number;
  settledMs: number | null;
  outcomes: Record<string, number>;
  plans: Record<string, number>;
  faults: {
    deliveries: number;
    duplicated: number;
    dropped: number;
    lostAnswers: number;
    reordered: number;
    slowApiProbability: number;
  };
  kill: { at: number; inFlight: number; creationsInFlight: number; downMs: number };
  shopRetries: number;
  /** Orders whose creation the shop stopped retrying without an answer (the run's time ran out). */
  shopGaveUp: number;
  errorLogLines: number;
  findings: ChaosFindings;
  /** A few findings described, for the reader of a failed run. */
  examples: string[];
}

/** mulberry32: a small seeded generator, so a run can be repeated. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

// ---------------------------------------------------------------- the balancer in front

interface Balancer {
  url: string;
  targets: string[];
  inFlight: Map<string, { all: number; creations: number }>;
  close(): Promise<void>;
}

/**
 * A load balancer as a shop would put in front: round robin over the live instances; a refused
 * connection goes to the next one (nothing was sent), any other failure is a 502 to the client.
 */
async function startBalancer(): Promise<Balancer> {
  const targets: string[] = [];
  const inFlight = new Map<string, { all: number; creations: number }>();
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(Buffer.concat(chunks), 0));
    const fail = () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"bad_gateway","message":"no instance answered"}}');
      } else res.destroy();
    };
    const forward = (body: Buffer, tries: number) => {
      const live = [...targets];
      if (live.length === 0 || tries >= live.length) return fail();
      const target = live[next++ % live.length]!;
      const u = new URL(target);
      const count = inFlight.get(target) ?? { all: 0, creations: 0 };
      inFlight.set(target, count);
      const creation = req.method === 'POST' && req.url === '/api/payments';
      count.all++;
      if (creation) count.creations++;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        count.all--;
        if (creation) count.creations--;
      };
      const up = httpRequest(
        {
          host: u.hostname,
          port: u.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: u.host },
          agent: false,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('end', finish);
          answer.on('error', () => {
            finish();
            res.destroy();
          });
        },
      );
      up.on('error', (err: NodeJS.ErrnoException) => {
        finish();
        if (err.code === 'ECONNREFUSED' && !res.headersSent) return forward(body, tries + 1);
        fail();
      });
      up.end(body);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    targets,
    inFlight,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

// ---------------------------------------------------------------- the shop's notification endpoint

interface Received {
  id: string;
  type: string;
  paymentId: string;
  verified: boolean;
}

async function startShop(
  random: () => number,
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      const expected = standardWebhookSignature({
        id,
        timestamp: Number(req.headers['webhook-timestamp']),
        body,
        secret: MERCHANT_SECRET,
      });
      const verified = String(req.headers['webhook-signature'] ?? '')
        .split(' ')
        .includes(expected);
      let parsed: { type?: string; data?: { id?: string } } = {};
      try {
        parsed = JSON.parse(body) as typeof parsed;
      } catch {
        // counted as unverified below
      }
      // A shop that is sometimes down: about one answer in twenty is a 503 (retried by the service).
      if (verified && random() < 0.05) {
        res.writeHead(503).end();
        return;
      }
      received.push({ id, type: parsed.type ?? '?', paymentId: parsed.data?.id ?? '?', verified });
      res.writeHead(verified ? 200 : 400).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`,
    received,
    close: () => closeServer(server),
  };
}

// ---------------------------------------------------------------- service instances

interface Instance {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

async function startInstance(env: Record<string, string>, onLog: (line: string) => void): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'chaos', 'instance.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // No instance outlives the run, even one that ends by an exception or a timeout.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', reap);
      resolve();
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance not ready within 90 s: ${stderr}`)), 90_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('CHAOS_READY ')) {
        clearTimeout(timer);
        resolve((JSON.parse(line.slice('CHAOS_READY '.length)) as { url: string }).url);
      } else onLog(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`instance exited with ${code} before it was ready: ${stderr}`));
    });
  });
  return { child, url, exited };
}

async function stopInstance(instance: Instance): Promise<void> {
  if (instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  instance.child.kill('SIGTERM');
  const stopped = await Promise.race([instance.exited.then(() => true), sleep(20_000).then(() => false)]);
  if (!stopped) {
    instance.child.kill('SIGKILL');
    await instance.exited;
  }
}

// ---------------------------------------------------------------- the run

const PLANS = [
  'pay',
  'pay',
  'pay',
  'reject',
  'fail',
  'pending_then_succeed',
  'pending_then_fail',
  'leave_before_starting',
  'leave_after_starting',
  'pay_at_the_deadline',
] as const;
type Plan = (typeof PLANS)[number];

/** What the run reads of the service's database once its instances have stopped. */
interface ServiceRows {
  payments: Array<{
    id: string;
    order_id: string;
    status: string;
    payment_intent_id: string | null;
    checkout_session_id: string | null;
    finalized_at: Date | null;
  }>;
  timeline: Array<{
    payment_id: string;
    kind: string;
    to_status: string | null;
    cause: string;
    cause_id: string | null;
  }>;
}

interface SandboxIntent {
  id: string;
  status: string;
  created_at: string;
  metadata: Record<string, unknown>;
  sandbox: { history: Array<{ at: string; status: string }> };
}

interface SandboxSession {
  id: string;
  status: string;
  created_at: string;
  metadata: Record<string, unknown>;
  sandbox: { payment_intent_id: string | null; history: Array<{ at: string; status: string }> };
}

interface SandboxRequest {
  method: string;
  path: string;
  status: number;
  replayed: boolean;
}

const SESSION_FINAL = new Set(['finished', 'expired']);

/**
 * One Fintoc object a payment has (an intent, or a Checkout Session with its intent), read the same
 * way for both flows: the payment-intent status it stands for, whether Fintoc has finished with it,
 * when it stopped being payable, and the expire calls made on it.
 */
interface FintocObject {
  id: string;
  /** The payment intent: the object itself, or the session's (null until the customer opened it). */
  intentId: string | null;
  /** The payment-intent status it stands for (a session's: its intent's, or `expired`/`created`). */
  outcome: string;
  /** Fintoc has finished with it (and, for a session, with its intent). */
  final: boolean;
  createdAt: string;
  /** When it stopped being payable at Fintoc (expired, or finished), if it did. */
  endedAt: string | undefined;
  /** Expire calls served (not replays): on an intent; on a session, those that expired it plus those on its intent. */
  expireCalls: number;
  replayedExpires: number;
  refusedSessionExpires: number;
  describe: string;
}

/** Expire calls per object id from the sandbox's request log: served, replayed, and refused. */
function expireCallsOf(requests: readonly SandboxRequest[]) {
  const count = () => new Map<string, number>();
  const calls = { served: count(), replayed: count(), refused: count() };
  for (const r of requests) {
    const m = /^\/v[12]\/(?:payment_intents|checkout_sessions)\/([^/?]+)\/expire$/.exec(r.path);
    if (r.method !== 'POST' || !m) continue;
    const counted = r.replayed ? calls.replayed : r.status >= 400 ? calls.refused : calls.served;
    counted.set(m[1]!, (counted.get(m[1]!) ?? 0) + 1);
  }
  return calls;
}

/** Each payment's Fintoc objects, by `metadata.pasarela_payment_id`. */
function fintocObjects(
  flow: ChaosFlow,
  intents: readonly SandboxIntent[],
  sessions: readonly SandboxSession[],
  requests: readonly SandboxRequest[],
): Map<string, FintocObject[]> {
  const calls = expireCallsOf(requests);
  const n = (m: Map<string, number>, id: string | null) => (id === null ? 0 : (m.get(id) ?? 0));
  const byPayment = new Map<string, FintocObject[]>();
  const add = (metadata: Record<string, unknown>, o: FintocObject) => {
    const pid = String(metadata.pasarela_payment_id ?? '');
    byPayment.set(pid, [...(byPayment.get(pid) ?? []), o]);
  };
  if (flow === 'intent') {
    for (const i of intents) {
      add(i.metadata, {
        id: i.id,
        intentId: i.id,
        outcome: i.status,
        final: INTENT_FINAL.has(i.status),
        createdAt: i.created_at,
        endedAt: i.sandbox.history.find((h) => h.status === 'expired')?.at,
        // An intent's refused expire (already decided) is still a call the deadline made.
        expireCalls: n(calls.served, i.id) + n(calls.refused, i.id),
        replayedExpires: n(calls.replayed, i.id),
        refusedSessionExpires: 0,
        describe: `${i.id}=${i.status}`,
      });
    }
    return byPayment;
  }
  const intentById = new Map(intents.map((i) => [i.id, i]));
  for (const s of sessions) {
    const pi = s.sandbox.payment_intent_id;
    const intent = pi === null ? undefined : intentById.get(pi);
    // What the session stands for, as the service reads it: its intent's status once it has one.
    const outcome =
      s.status === 'created'
        ? 'created'
        : s.status === 'expired'
          ? intent?.status === 'succeeded'
            ? 'succeeded'
            : 'expired'
          : (intent?.status ?? s.status);
    add(s.metadata, {
      id: s.id,
      intentId: pi,
      outcome,
      final: SESSION_FINAL.has(s.status) && (intent === undefined || INTENT_FINAL.has(intent.status)),
      createdAt: s.created_at,
      endedAt: s.sandbox.history.find((h) => SESSION_FINAL.has(h.status))?.at,
      expireCalls: n(calls.served, s.id) + n(calls.served, pi) + n(calls.refused, pi),
      replayedExpires: n(calls.replayed, s.id) + n(calls.replayed, pi),
      refusedSessionExpires: n(calls.refused, s.id),
      describe: `${s.id}=${s.status}${intent ? ` (${intent.id}=${intent.status})` : ''}`,
    });
  }
  return byPayment;
}

/**
 * Runs one chaos run and reports what it found. Nothing is asserted here: the caller (the test, or
 * `npm run chaos`) decides what the findings must be.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const name = `${options.flow}/${options.store}`;
  const seed = options.seed ?? 20261126;
  const random = prng(seed);
  const started = Date.now();
  const cleanups: Array<() => Promise<void> | void> = [];
  const errorLines: string[] = [];
  try {
    // Fintoc: the sandbox, with a seeded random source so the fault draws repeat.
    const sandboxRandom = prng(seed ^ 0x5eed);
    const sb: RunningSandbox = await startSandbox({
      port: 0,
      intentTimeoutMs: null,
      requestLogSize: 200_000,
      random: () => {
        const bytes = new Uint8Array(32);
        for (let i = 0; i < 32; i++) bytes[i] = Math.floor(sandboxRandom() * 256);
        return bytes;
      },
    });
    cleanups.push(() => sb.close());
    const balancer = await startBalancer();
    cleanups.push(() => balancer.close());
    const shop = await startShop(prng(seed ^ 0x5409));
    cleanups.push(() => shop.close());

    const control = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${sb.url}${path}`, {
        method,
        headers: { authorization: sb.secretKey, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    const fintoc = createFintocClient({ secretKey: sb.secretKey, baseUrl: sb.url, maxRetries: 0 });
    const endpoint = await fintoc.webhookEndpoints.create({
      url: `${balancer.url}/webhooks/fintoc`,
      // Every event the service asks for (`pasarela dev` subscribes the same): checkout_session.* too.
      enabled_events: serviceWebhookEvents(),
    });
    const slowApiProbability = 0.2;
    for (const fault of [
      { kind: 'duplicate', probability: 0.3 },
      { kind: 'reorder', window: '1s', probability: 0.3 },
      { kind: 'drop', probability: 0.05 },
      { kind: 'lose_response', probability: 0.05 },
      { kind: 'slow_api', delay: '1500ms', probability: slowApiProbability },
    ]) {
      const res = await control('POST', '/_sandbox/faults', fault);
      if (res.status !== 201) throw new Error(`fault ${fault.kind}: ${JSON.stringify(res.json)}`);
    }

    // The store.
    let database: () => Promise<Database>;
    const storeEnv: Record<string, string> = {};
    if (options.store === 'postgres') {
      let pg: TestPostgres | undefined;
      for (let attempt = 1; !pg; attempt++) {
        try {
          pg = await startPostgres();
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
      const server = pg;
      const stopOnExit = () => server.stop();
      process.once('exit', stopOnExit);
      cleanups.push(() => {
        process.off('exit', stopOnExit);
        server.stop();
      });
      const url = server.createDatabase(`chaos_${process.pid}_${Date.now()}`);
      storeEnv.DATABASE_URL = url;
      database = () => openDatabase({ url });
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'pasarela-chaos-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      storeEnv.PASARELA_DATA_DIR = dir;
      database = () => openDatabase({ dataDir: dir });
    }
    const env: Record<string, string> = {
      ...storeEnv,
      FINTOC_SECRET_KEY: sb.secretKey,
      FINTOC_PUBLIC_KEY: sb.publicKey,
      FINTOC_WEBHOOK_SECRET: endpoint.secret as string,
      FINTOC_API_URL: sb.url,
      PASARELA_API_KEY: API_KEY,
      PASARELA_PUBLIC_URL: balancer.url,
      PAYMENT_TIMEOUT: `${TIMEOUT_MS / 1000}s`,
      FINTOC_FLOW: options.flow,
      FINTOC_WIDGET_URL: `${sb.url}/widget.js`,
      MERCHANT_WEBHOOK_URL: shop.url,
      MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      CHAOS_LEASE_MS: '5000',
    };
    const onLog = (line: string) => {
      try {
        if ((JSON.parse(line) as { level?: number }).level! >= 50) errorLines.push(line);
      } catch {
        // not a log line
      }
    };
    const instances: Instance[] = [];
    cleanups.push(async () => {
      for (const i of instances) await stopInstance(i);
    });
    // The first instance migrates; the others start beside it.
    instances.push(await startInstance(env, onLog));
    instances.push(
      ...(await Promise.all(Array.from({ length: options.instances - 1 }, () => startInstance(env, onLog)))),
    );
    balancer.targets.push(...instances.map((i) => i.url));
    log(`${name}: ${instances.length} instance(s) up behind ${balancer.url}; ${options.payments} payments`);

    // The shop and its customers.
    const plans = new Map<number, Plan>();
    const planCounts: Record<string, number> = {};
    let leavers = 0;
    let shopRetries = 0;
    let shopGaveUp = 0;
    const shopCall = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      try {
        const res = await fetch(`${balancer.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${API_KEY}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await res.text();
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          // a 502 from the balancer, or an answer cut by a kill
        }
        return { status: res.status, json };
      } catch {
        return null;
      }
    };
    const simulate = (intentId: string, action: string) =>
      control('POST', `/_sandbox/payment_intents/${intentId}/simulate`, { action }).catch(() => null);

    type Created = {
      id: string;
      status: string;
      payment_intent_id: string | null;
      checkout_session_id: string | null;
      created_at: string;
    };
    /** The Fintoc object the service made for the payment: its intent, or its Checkout Session. */
    const remoteOf = (p: Created) =>
      options.flow === 'intent' ? p.payment_intent_id : p.checkout_session_id;

    /** An intent-flow customer: acts on the payment intent through the sandbox's control API. */
    const intentCustomer = async (plan: Plan, got: Created, intentId: string, wait: number) => {
      switch (plan) {
        case 'pay':
          await sleep(wait);
          await simulate(intentId, 'run');
          break;
        case 'reject':
        case 'fail':
          await sleep(wait);
          await simulate(intentId, 'start');
          await sleep(300);
          await simulate(intentId, plan);
          break;
        case 'pending_then_succeed':
        case 'pending_then_fail':
          await control('PUT', `/_sandbox/payment_intents/${intentId}/scenario`, {
            scenario: plan,
            pending_for: `${PENDING_FOR_S}s`,
          }).catch(() => null);
          await sleep(wait);
          await simulate(intentId, 'run');
          break;
        case 'leave_before_starting':
          break;
        case 'leave_after_starting':
          await sleep(wait);
          await simulate(intentId, 'start');
          break;
        case 'pay_at_the_deadline':
          // Just before the service's deadline: the expiry and the payment race.
          await sleep(Date.parse(got.created_at) + TIMEOUT_MS - 400 - Date.now());
          await simulate(intentId, 'run');
          break;
      }
    };

    // The session flow's customer is a browser: the checkout's session from the service, the widget
    // (the sandbox's widget routes, as its frame calls them), and the widget's callbacks reported back.
    const browserCall = async (url: string, body?: unknown) => {
      try {
        const res = await fetch(url, {
          method: body === undefined ? 'GET' : 'POST',
          ...(body === undefined
            ? {}
            : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        });
        const text = await res.text();
        try {
          return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
        } catch {
          return { status: res.status, json: {} as Record<string, unknown> };
        }
      } catch {
        return null;
      }
    };
    /**
     * Opens the payment as the checkout page does (`GET /pay/:id/session`, then `Fintoc.create` with
     * the session token), retrying while the service is down; null when it can no longer be paid.
     */
    const openWidget = async (paymentId: string, until: number): Promise<string | null> => {
      type Widget = { publicKey?: string; sessionToken?: string; product?: string };
      const checkout = async (): Promise<Widget | null> => {
        while (Date.now() < until) {
          const res = await browserCall(`${balancer.url}/pay/${paymentId}/session`);
          if (res?.status === 200) {
            const session = res.json as { widget?: Widget | null; payment?: { status?: string } };
            if (session.widget) return session.widget;
            if (session.payment?.status !== 'pending') return null;
          }
          await sleep(200);
        }
        return null;
      };
      const widget = await checkout();
      if (!widget) return null;
      const opened = await browserCall(`${sb.url}/widget/sessions`, {
        options: { product: widget.product, publicKey: widget.publicKey, sessionToken: widget.sessionToken },
      });
      return opened?.status === 201 ? String(opened.json.sessionId) : null;
    };
    const act = (widgetSession: string, action: string) =>
      browserCall(`${sb.url}/widget/sessions/${widgetSession}/actions`, { action });
    const reportToService = (paymentId: string, type: 'success' | 'exit') =>
      browserCall(`${balancer.url}/pay/${paymentId}/events`, { events: [{ type, timestamp: Date.now() }] });

    /** A session-flow customer: the same plans, paid in the widget the checkout opens with the session token. */
    const sessionCustomer = async (
      plan: Plan | 'leave_without_opening',
      got: Created,
      sessionId: string,
      wait: number,
    ) => {
      const deadline = Date.parse(got.created_at) + TIMEOUT_MS;
      const scenario = (name: string) =>
        control('PUT', `/_sandbox/checkout_sessions/${sessionId}/scenario`, {
          scenario: name,
          pending_for: `${PENDING_FOR_S}s`,
        }).catch(() => null);
      const open = async () => {
        await sleep(wait);
        return openWidget(got.id, deadline + 2_000);
      };
      const pay = async (ws: string, then: 'success' | 'exit') => {
        await act(ws, 'start');
        await act(ws, 'authorize');
        await reportToService(got.id, then);
      };
      let ws: string | null;
      switch (plan) {
        case 'pay':
          if ((ws = await open())) await pay(ws, 'success');
          break;
        case 'reject':
          if ((ws = await open())) {
            await act(ws, 'start');
            await sleep(300);
            await act(ws, 'reject');
            await reportToService(got.id, 'exit');
          }
          break;
        case 'fail':
        case 'pending_then_succeed':
        case 'pending_then_fail':
          // The bank's answer is the session's scenario; the customer authorizes in the widget.
          await scenario(plan);
          if ((ws = await open())) {
            await act(ws, 'start');
            await sleep(300);
            await act(ws, 'authorize');
            await reportToService(got.id, plan === 'pending_then_succeed' ? 'success' : 'exit');
          }
          break;
        case 'leave_without_opening':
          // The session stays `created`, without an intent.
          break;
        case 'leave_before_starting':
          if (await open()) await reportToService(got.id, 'exit');
          break;
        case 'leave_after_starting':
          if ((ws = await open())) {
            await act(ws, 'start');
            await reportToService(got.id, 'exit');
          }
          break;
        case 'pay_at_the_deadline':
          // Opened early, paid just before the service's deadline: the expiry and the payment race.
          if ((ws = await open())) {
            await sleep(deadline - 400 - Date.now());
            await pay(ws, 'success');
          }
          break;
      }
    };

    const customer = async (i: number) => {
      const plan = PLANS[Math.floor(random() * PLANS.length)]!;
      plans.set(i, plan);
      // Session customers who leave before starting take turns: one never opens the checkout, the next
      // opens the widget (which makes the session's intent) and closes it.
      const neverOpens =
        options.flow === 'session' && plan === 'leave_before_starting' && leavers++ % 2 === 0;
      const label = neverOpens ? 'leave_without_opening' : plan;
      planCounts[label] = (planCounts[label] ?? 0) + 1;
      const wait = Math.floor(random() * 3_000);
      const body = { amount: 1_000 + i, currency: 'CLP', order_id: `chaos-${i}` };
      const key = { 'idempotency-key': `chaos-${seed}-${i}` };
      let payment: Created | null = null;
      // The shop keeps retrying while the run leaves time to pay and settle: on a busy machine a
      // killed instance has taken a minute to come back.
      const giveUp = Math.max(Date.now() + 60_000, started + options.budgetMs - SETTLE_MARGIN_MS);
      let answered = false;
      for (let attempt = 0; Date.now() < giveUp; attempt++) {
        const res = await shopCall('POST', '/api/payments', body, key);
        if (res && res.status < 300) {
          payment = res.json as unknown as Created;
          answered = remoteOf(payment) !== null || payment.status !== 'pending';
          if (answered) break;
        } else if (res && res.status >= 400 && res.status < 500) {
          log(`order ${i}: creation refused ${res.status} ${JSON.stringify(res.json)}`);
          answered = true;
          break;
        }
        shopRetries++;
        await sleep(Math.min(2_000, 150 * 2 ** attempt) + Math.floor(random() * 100));
      }
      if (!answered) {
        shopGaveUp++;
        log(`order ${i}: the shop gave up creating it after ${Math.round((Date.now() - started) / 1000)} s`);
      }
      const got = payment as Created | null;
      const remoteId = got ? remoteOf(got) : null;
      if (!got || !remoteId || got.status !== 'pending') return;
      if (options.flow === 'intent') await intentCustomer(plan, got, remoteId, wait);
      else await sessionCustomer(neverOpens ? 'leave_without_opening' : plan, got, remoteId, wait);
    };

    // Creations spread over the window; the kill comes a third of the way in, while creations wait on Fintoc.
    const drivers: Array<Promise<void>> = [];
    const driveStart = Date.now();
    const killAt = driveStart + Math.floor(options.spreadMs * 0.35);
    let kill: ChaosReport['kill'] = { at: 0, inFlight: 0, creationsInFlight: 0, downMs: 0 };
    const killer = (async () => {
      await sleep(killAt - Date.now());
      const victim = instances[0]!;
      // Mid-creation: wait (a little) for creations this instance is waiting on Fintoc for.
      const waitUntil = Date.now() + 3_000;
      while ((balancer.inFlight.get(victim.url)?.creations ?? 0) === 0 && Date.now() < waitUntil)
        await sleep(5);
      const counts = balancer.inFlight.get(victim.url) ?? { all: 0, creations: 0 };
      kill = {
        at: Date.now() - started,
        inFlight: counts.all,
        creationsInFlight: counts.creations,
        downMs: 0,
      };
      victim.child.kill('SIGKILL');
      await victim.exited;
      balancer.targets.splice(balancer.targets.indexOf(victim.url), 1);
      log(
        `${name}: killed ${victim.url} with SIGKILL (${counts.all} requests in flight, ${counts.creations} creations)`,
      );
      // The embedded database's only instance stays down past the deadline of what was in flight,
      // so it restarts with deadlines overdue while the shop retries.
      const down = options.store === 'embedded' ? TIMEOUT_MS + 1_000 : 3_000;
      await sleep(down);
      const again = await startInstance(env, onLog);
      instances[0] = again;
      balancer.targets.push(again.url);
      kill.downMs = Date.now() - started - kill.at;
      log(`${name}: started again at ${again.url} after ${kill.downMs} ms`);
    })();
    for (let i = 0; i < options.payments; i++) {
      const at = driveStart + Math.floor((i * options.spreadMs) / options.payments);
      await sleep(at - Date.now());
      drivers.push(customer(i));
    }
    await killer;
    await Promise.all(drivers);
    log(
      `${name}: the shop and the customers are done at ${Date.now() - started} ms; waiting for everything to settle`,
    );

    // Settled: no payment open, no deadline, notification or late intent waiting, no event unapplied,
    // and Fintoc has finished every intent and Checkout Session.
    const fintocSessions = async () =>
      options.flow === 'session'
        ? ((await control('GET', '/_sandbox/checkout_sessions')).json.data as SandboxSession[])
        : [];
    const deadline = started + options.budgetMs;
    let settledMs: number | null = null;
    while (Date.now() < deadline) {
      const res = await fetch(`${balancer.url}/metrics`).catch(() => null);
      const body = res?.ok ? await res.text() : '';
      const gauge = (name: string, label?: string) =>
        body
          .split('\n')
          .filter((l) => l.startsWith(name) && (label === undefined || l.includes(label)))
          .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
      const open =
        gauge('pasarela_payments{', 'status="pending"') + gauge('pasarela_payments{', 'status="processing"');
      const queued = ['abandon', 'notify', 'expire_intent', 'refund'].reduce(
        (n, kind) => n + gauge('pasarela_jobs_queued{', `kind="${kind}"`),
        0,
      );
      const inbox = gauge('pasarela_webhooks_pending');
      const intents = (await control('GET', '/_sandbox/payment_intents')).json.data as SandboxIntent[];
      const sessions = await fintocSessions();
      const unfinished =
        intents.filter((i) => !INTENT_FINAL.has(i.status)).length +
        sessions.filter((c) => !SESSION_FINAL.has(c.status)).length;
      if (body && open === 0 && queued === 0 && inbox === 0 && unfinished === 0) {
        settledMs = Date.now() - started;
        break;
      }
      await sleep(1_000);
    }
    log(`${name}: ${settledMs === null ? 'not settled within the budget' : `settled at ${settledMs} ms`}`);

    // Fintoc's truth, then the service's own record (read once the instances have stopped).
    const intents = (await control('GET', '/_sandbox/payment_intents')).json.data as SandboxIntent[];
    const sessions = await fintocSessions();
    const requests = (await control('GET', '/_sandbox/requests')).json.data as SandboxRequest[];
    const deliveries = (await control('GET', '/_sandbox/deliveries')).json.data as Array<{
      faults: string[];
      duplicate_of: string | null;
    }>;
    const faultKinds = new Map(
      ((await control('GET', '/_sandbox/faults')).json.data as Array<{ id: string; kind: string }>).map(
        (f) => [f.id, f.kind],
      ),
    );
    for (const i of instances) await stopInstance(i);
    instances.length = 0;
    const db = await database();
    let rows: ServiceRows;
    try {
      rows = {
        payments: await db.db
          .selectFrom('payments')
          .select(['id', 'order_id', 'status', 'payment_intent_id', 'checkout_session_id', 'finalized_at'])
          .execute(),
        timeline: await db.db
          .selectFrom('payment_timeline')
          .select(['payment_id', 'kind', 'to_status', 'cause', 'cause_id'])
          .execute(),
      };
    } finally {
      await db.close();
    }

    const report = judge({
      options,
      started,
      settledMs,
      plans: planCounts,
      objects: fintocObjects(options.flow, intents, sessions, requests),
      rows,
      received: shop.received,
    });
    report.faults = {
      deliveries: deliveries.filter((d) => d.duplicate_of === null).length,
      duplicated: deliveries.filter((d) => d.duplicate_of !== null).length,
      dropped: deliveries.filter((d) => d.faults.some((f) => faultKinds.get(f) === 'drop')).length,
      lostAnswers: deliveries.filter((d) => d.faults.some((f) => faultKinds.get(f) === 'lose_response'))
        .length,
      reordered: deliveries.filter((d) => d.faults.some((f) => faultKinds.get(f) === 'reorder')).length,
      slowApiProbability,
    };
    report.kill = kill;
    report.shopRetries = shopRetries;
    report.shopGaveUp = shopGaveUp;
    report.errorLogLines = errorLines.length;
    report.examples.push(...errorLines.slice(0, 3).map((l) => `error log: ${l.slice(0, 300)}`));
    return report;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep cleaning up
      }
    }
  }
}

/** Compares the service's record with Fintoc's truth and the shop's inbox. */
function judge(input: {
  options: ChaosOptions;
  started: number;
  settledMs: number | null;
  plans: Record<string, number>;
  objects: Map<string, FintocObject[]>;
  rows: ServiceRows;
  received: Received[];
}): ChaosReport {
  const { options, objects, rows, received } = input;
  const examples: string[] = [];
  const example = (text: string) => {
    if (examples.length < 12) examples.push(text);
  };
  const statusChanges = new Map<string, string[]>();
  const webhookApplications = new Map<string, number>();
  for (const e of rows.timeline) {
    if (e.kind === 'status' && e.to_status) {
      statusChanges.set(e.payment_id, [...(statusChanges.get(e.payment_id) ?? []), e.to_status]);
    }
    if (e.cause === 'webhook' && e.cause_id && (e.kind === 'status' || e.kind === 'ignored')) {
      webhookApplications.set(e.cause_id, (webhookApplications.get(e.cause_id) ?? 0) + 1);
    }
  }
  const notes = new Map<string, Map<string, Set<string>>>();
  let badSignatures = 0;
  for (const r of received) {
    if (!r.verified) badSignatures++;
    const byType = notes.get(r.paymentId) ?? new Map<string, Set<string>>();
    notes.set(r.paymentId, byType);
    byType.set(r.type, (byType.get(r.type) ?? new Set()).add(r.id));
  }
  const sec = (iso: string) => Math.floor(Date.parse(iso) / 1000);

  const findings: ChaosFindings = {
    disagreeWithFintoc: 0,
    stuck: 0,
    appliedTwice: 0,
    canceledWhilePayable: 0,
    paymentsPerOrderNotOne: 0,
    expireCallsPerAbandoned: { abandoned: 0, min: Infinity, max: 0, notOne: 0, refusedSessionExpires: 0 },
    notificationsPerFinalState: { finalStates: 0, min: Infinity, max: 0, notOne: 0 },
    badSignatures,
  };
  const outcomes: Record<string, number> = {};
  const perOrder = new Map<string, number>();
  for (const p of rows.payments) perOrder.set(p.order_id, (perOrder.get(p.order_id) ?? 0) + 1);
  for (let i = 0; i < options.payments; i++) {
    const n = perOrder.get(`chaos-${i}`) ?? 0;
    if (n !== 1) {
      findings.paymentsPerOrderNotOne++;
      example(`order chaos-${i} has ${n} payments`);
    }
  }
  for (const [id, n] of webhookApplications) {
    if (n > 1) {
      findings.appliedTwice += n - 1;
      example(`webhook event ${id} applied ${n} times`);
    }
  }
  // Fintoc has an object for a payment the service does not have: a payment answered, then lost.
  const known = new Set(rows.payments.map((p) => p.id));
  for (const [paymentId, its] of objects) {
    if (known.has(paymentId)) continue;
    findings.disagreeWithFintoc++;
    example(
      `Fintoc has ${its.map((o) => o.describe).join(', ')} for ${paymentId || 'no payment id'}, unknown to the service`,
    );
  }
  for (const p of rows.payments) {
    outcomes[p.status] = (outcomes[p.status] ?? 0) + 1;
    const its = objects.get(p.id) ?? [];
    const remoteId = options.flow === 'intent' ? p.payment_intent_id : p.checkout_session_id;
    const current = its.find((o) => o.id === remoteId);
    const others = its.filter((o) => o !== current);
    const othersExpired = others.every((o) => o.outcome === 'expired');
    const fintoc = its.map((o) => o.describe).join(', ') || 'nothing';
    if (!FINAL.has(p.status) || its.some((o) => !o.final)) {
      findings.stuck++;
      example(`${p.id} is ${p.status}; Fintoc: ${fintoc}`);
    }
    let agrees = true;
    switch (p.status) {
      case 'succeeded':
        agrees = current?.outcome === 'succeeded' && othersExpired;
        break;
      case 'failed':
        agrees = current ? ['failed', 'rejected'].includes(current.outcome) && othersExpired : othersExpired;
        break;
      case 'canceled':
        agrees = its.every((o) => o.outcome === 'expired');
        break;
      case 'expired':
        agrees = current?.outcome === 'expired' && othersExpired;
        break;
    }
    // The payment names the payment intent Fintoc has for it (a session's, once the customer opened it).
    const namesItsIntent = (p.payment_intent_id ?? null) === (current?.intentId ?? null);
    if (FINAL.has(p.status) && (!agrees || !namesItsIntent)) {
      findings.disagreeWithFintoc++;
      example(
        `${p.id} is ${p.status}${namesItsIntent ? '' : ` naming intent ${p.payment_intent_id}`}; Fintoc: ${fintoc}`,
      );
    }
    const changes = statusChanges.get(p.id) ?? [];
    const finals = changes.filter((s) => FINAL.has(s));
    const twice = finals.length - new Set(finals).size;
    if (twice > 0) {
      findings.appliedTwice += twice;
      example(`${p.id} reached ${finals.join(' then ')}`);
    }
    if (p.status === 'canceled') {
      const canceledAt = p.finalized_at ? Math.floor(p.finalized_at.getTime() / 1000) : Infinity;
      const payable = its.filter((o) => {
        if (o.outcome !== 'expired') return true;
        if (sec(o.createdAt) > canceledAt) return false; // made after the cancel, and expired at once
        return o.endedAt === undefined || sec(o.endedAt) > canceledAt;
      });
      if (payable.length > 0) {
        findings.canceledWhilePayable++;
        example(`${p.id} canceled while ${payable.map((o) => o.describe).join(', ')} could be paid`);
      }
      const calls = its.reduce((n, o) => n + o.expireCalls, 0);
      const e = findings.expireCallsPerAbandoned;
      e.abandoned++;
      e.min = Math.min(e.min, calls);
      e.max = Math.max(e.max, calls);
      e.refusedSessionExpires += its.reduce((n, o) => n + o.refusedSessionExpires, 0);
      if (calls !== 1) {
        e.notOne++;
        const replayed = its.reduce((n, o) => n + o.replayedExpires, 0);
        example(`${p.id} canceled with ${calls} expire calls (and ${replayed} replayed); Fintoc: ${fintoc}`);
      }
    }
    if (FINAL.has(p.status)) {
      const byType = notes.get(p.id) ?? new Map<string, Set<string>>();
      const expected = new Set(finals.map((s) => `payment.${s}`));
      const n = findings.notificationsPerFinalState;
      for (const type of expected) {
        const ids = byType.get(type)?.size ?? 0;
        n.finalStates++;
        n.min = Math.min(n.min, ids);
        n.max = Math.max(n.max, ids);
        if (ids !== 1) {
          n.notOne++;
          example(`${p.id}: ${ids} ${type} notifications`);
        }
      }
      for (const [type, ids] of byType) {
        if (!expected.has(type)) {
          n.notOne++;
          example(`${p.id}: ${ids.size} ${type} notifications for a state it never reached`);
        }
      }
    }
  }
  const fix = (o: { min: number; max: number }) => {
    if (o.min === Infinity) o.min = 0;
  };
  fix(findings.expireCallsPerAbandoned);
  fix(findings.notificationsPerFinalState);
  return {
    flow: options.flow,
    store: options.store,
    instances: options.instances,
    payments: rows.payments.length,
    durationMs: Date.now() - input.started,
    settledMs: input.settledMs,
    outcomes,
    plans: input.plans,
    faults: { deliveries: 0, duplicated: 0, dropped: 0, lostAnswers: 0, reordered: 0, slowApiProbability: 0 },
    kill: { at: 0, inFlight: 0, creationsInFlight: 0, downMs: 0 },
    shopRetries: 0,
    shopGaveUp: 0,
    errorLogLines: 0,
    findings,
    examples,
  };
}

/** The findings that must be zero, by name, with their value (the exact-one counts as their misses). */
export function violations(report: ChaosReport): Record<string, number> {
  const f = report.findings;
  return {
    disagreeWithFintoc: f.disagreeWithFintoc,
    stuck: f.stuck,
    appliedTwice: f.appliedTwice,
    canceledWhilePayable: f.canceledWhilePayable,
    paymentsPerOrderNotOne: f.paymentsPerOrderNotOne,
    expireCallsNotOne: f.expireCallsPerAbandoned.notOne,
    notificationsNotOne: f.notificationsPerFinalState.notOne,
    badSignatures: f.badSignatures,
    errorLogLines: report.errorLogLines,
  };
}

/** The report as the lines `npm run chaos` prints. */
export function formatReport(r: ChaosReport): string {
  const f = r.findings;
  const lines = [
    `flow ${r.flow}, store ${r.store}, ${r.instances} instance(s), ${r.payments} payments, ${Math.round(r.durationMs / 1000)} s (settled at ${r.settledMs === null ? 'never' : `${Math.round(r.settledMs / 1000)} s`})`,
    `  customers: ${Object.entries(r.plans)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  outcomes: ${Object.entries(r.outcomes)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `  faults: ${r.faults.deliveries} deliveries, ${r.faults.duplicated} duplicate copies, ${r.faults.dropped} with dropped attempts, ${r.faults.lostAnswers} with lost answers, ${r.faults.reordered} reordered; Fintoc late on ${Math.round(r.faults.slowApiProbability * 100)} % of API calls`,
    `  kill -9 at ${Math.round(r.kill.at / 1000)} s with ${r.kill.inFlight} requests in flight (${r.kill.creationsInFlight} creations), back after ${Math.round(r.kill.downMs / 1000)} s; the shop retried ${r.shopRetries} times${r.shopGaveUp > 0 ? ` and gave up on ${r.shopGaveUp} orders` : ''}`,
    `  payments whose final state disagrees with Fintoc: ${f.disagreeWithFintoc}`,
    `  payments stuck: ${f.stuck}`,
    `  events applied twice: ${f.appliedTwice}`,
    `  payments canceled while still payable: ${f.canceledWhilePayable}`,
    `  orders without exactly one payment: ${f.paymentsPerOrderNotOne}`,
    `  expire calls per abandoned payment: ${f.expireCallsPerAbandoned.min}..${f.expireCallsPerAbandoned.max} over ${f.expireCallsPerAbandoned.abandoned} (not one: ${f.expireCallsPerAbandoned.notOne})${
      r.flow === 'session'
        ? `; counted: sessions Fintoc expired and calls on their intents, not the ${f.expireCallsPerAbandoned.refusedSessionExpires} session expires Fintoc refused because the customer had started`
        : ''
    }`,
    `  notifications per final state: ${f.notificationsPerFinalState.min}..${f.notificationsPerFinalState.max} over ${f.notificationsPerFinalState.finalStates} (not one: ${f.notificationsPerFinalState.notOne}); bad signatures: ${f.badSignatures}`,
    `  error log lines: ${r.errorLogLines}`,
    ...r.examples.map((e) => `    ! ${e}`),
  ];
  return lines.join('\n');
}
