/**
 * The bad-input pass (issue 12): generated malformed requests (fast-check) for every route the
 * service registers — read from the app itself, so a new route is covered the day it is added — with
 * hostile path ids, query strings (repeated keys, NUL, surrogates, prototype keys, bad encodings),
 * headers and cookies, and bodies (wrong types, invalid JSON, prototype keys, deep nesting, huge,
 * signed webhooks with hostile ids). Every answer must be below 500, errors in the documented
 * envelope (or a page, for the HTML routes), a refused request must store nothing, and no secret may
 * appear in any answer or log line.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/fintoc/index.js';
import { secretsOf } from '../../src/service/index.js';
import { API_KEY, MERCHANT_SECRET, harnessBudget, startHarness, type Harness } from './support/harness.js';

const DASHBOARD_PASSWORD = 'dashboard password for the bad-input pass';
const RUNS_PER_ROUTE = Number(process.env.BAD_INPUT_RUNS ?? 40);

let h: Harness;
const logs: string[] = [];
let paymentId: string;
let sessionCookie: string;
let secrets: string[];

interface Route {
  method: string;
  path: string;
}

/** Every route of the app, from Fastify's own route tree (`printRoutes`). */
function routesOf(tree: string): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)(?:├── |└── )(\S+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack[depth] = (depth > 0 ? stack[depth - 1]! : '') + m[2]!;
    stack.length = depth + 1;
    for (const method of m[3]!.split(',').map((s) => s.trim())) routes.push({ method, path: stack[depth]! });
  }
  return routes;
}

beforeAll(
  async () => {
    h = await startHarness({ logs, demo: true, env: { PASARELA_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD } });
    secrets = [...secretsOf(h.config), API_KEY, MERCHANT_SECRET, h.webhookSecret, DASHBOARD_PASSWORD];
    const created = await h.createPayment({ amount: 5000, currency: 'CLP', order_id: 'bad-input-1' });
    paymentId = (created.json as { id: string }).id;
    const login = await h.app.inject({
      method: 'POST',
      url: '/dashboard/login',
      remoteAddress: '10.9.9.9',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `secret=${encodeURIComponent(API_KEY)}`,
    });
    sessionCookie = String(login.headers['set-cookie']).split(';')[0]!;
    // The sandbox's own deliveries (of intents the pass creates or expires through the checkout's
    // retry) would land between a request and its check: hold them, so what is stored is the request's.
    await h.sandbox('POST', '/_sandbox/faults', { kind: 'stop' });
  },
  harnessBudget({ steps: 4 }),
);
afterAll(async () => {
  await h.close();
});

/** Percent-encodes text for a URL, lone surrogates included (as the bytes a careless client sends). */
function encode(text: string): string {
  let out = '';
  for (const ch of text) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      out += '%ED%A0%80';
    }
  }
  return out;
}

const nasty = fc.constantFrom(
  '',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\u{1F600}',
  '__proto__',
  'constructor',
  'prototype',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '%',
  '%ff',
  '1e309',
  '-1',
  'NaN',
  'true',
  'null',
  'x'.repeat(10_000),
);
const text = fc.oneof(nasty, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
/** A path segment as it appears in the URL (already encoded, or deliberately not). */
const segment = fc.oneof(
  fc.constant(() => paymentId),
  fc.constant(() => 'pay_AAAAAAAAAAAAAAAAAAAAAA'),
  text.map((t) => () => encode(t)),
  fc.constantFrom('%ff%fe', '%E0%A4%A', '%00', '%2F..%2F', 'pay_%ff', '%', '%u0000').map((t) => () => t),
);
const query = fc.array(
  fc.tuple(
    fc.oneof(
      fc.constantFrom('order_id', 'limit', 'status', 'expand', 'from', 'to', 'secret', '__proto__', 'a[]'),
      text,
    ),
    text,
  ),
  {
    maxLength: 4,
  },
);
const header = (t: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(t) && t.length < 8_000;
const hostileHeader = text.filter(header);

function deep(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

const jsonBody = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc
    .record(
      {
        amount: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.constant(5000)),
        currency: fc.oneof(fc.constantFrom('CLP', 'MXN', 'clp', 'USD', ''), text),
        order_id: fc.oneof(text, fc.integer(), fc.array(fc.string())),
        metadata: fc.oneof(fc.dictionary(text, text, { maxKeys: 3 }), fc.string(), fc.array(fc.integer())),
        events: fc.oneof(
          fc.array(
            fc.record({ type: fc.oneof(fc.constantFrom('event', 'success', 'exit'), text), name: text }),
            {
              maxLength: 25,
            },
          ),
          text,
        ),
        secret: text,
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{"events":',
    '{"events":[{"__proto__":{"type":"success"}}]}',
    '{"__proto__":{"amount":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"amount":1e400,"currency":"CLP","order_id":"x"}',
    '{"order_id":"\\u0000","amount":100}',
    '{"order_id":"\\ud800","amount":100}',
    '',
    'null',
    '[]',
    deep(20_000),
    `{"a":${deep(3_000)}}`,
    JSON.stringify({ big: 'x'.repeat(70 * 1024) }),
  ),
);

/** A webhook body, signed with the endpoint's secret half of the time so it reaches the inbox. */
const webhook = fc
  .tuple(
    fc.boolean(),
    fc.record({
      id: fc.oneof(text, fc.constant('evt_ok_1'), fc.integer()),
      object: fc.constantFrom('event', 'x'),
      type: fc.oneof(
        fc.constantFrom('payment_intent.succeeded', 'payment_intent.failed', 'unknown.thing'),
        text,
      ),
      mode: fc.constantFrom('test', 'live', 'x'),
      created_at: fc.oneof(fc.constant(new Date().toISOString()), text),
      data: fc.oneof(
        fc.record({
          id: fc.oneof(text, fc.constant('pi_x')),
          object: fc.constant('payment_intent'),
          status: text,
        }),
        fc.jsonValue(),
      ),
    }),
  )
  .map(([signed, event]) => ({ signed, body: JSON.stringify(event) }));

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'garbage',
);

const request = fc.record({
  segments: fc.array(segment, { minLength: 2, maxLength: 2 }),
  query,
  contentType,
  body: fc.oneof(jsonBody, text, fc.constant(undefined)),
  hook: webhook,
  authorization: fc.oneof(
    fc.constant(undefined),
    fc.constant(() => `Bearer ${API_KEY}`),
    fc.constantFrom('Bearer wrong', 'Basic YTpi', 'Bearer ', 'bearer  x').map((v) => () => v),
    hostileHeader.map((v) => () => v),
  ),
  cookie: fc.oneof(
    fc.constant(undefined),
    fc.constant(() => sessionCookie),
    fc
      .constantFrom(
        'pasarela_dashboard=%E0%A4%A',
        'pasarela_dashboard=v1.99999999999999.x',
        'a=b; a=c; pasarela_dashboard=',
      )
      .map((v) => () => v),
    hostileHeader.map((v) => () => `pasarela_dashboard=${v}`),
  ),
  extra: fc.dictionary(
    fc.constantFrom(
      'idempotency-key',
      'x-forwarded-for',
      'fintoc-signature',
      'origin',
      'sec-fetch-site',
      'accept',
      'host',
    ),
    hostileHeader,
    { maxKeys: 3 },
  ),
});

type Generated = typeof request extends fc.Arbitrary<infer T> ? T : never;

function toInject(route: Route, r: Generated): InjectOptions {
  let i = 0;
  const path = route.path.replace(/:[a-z]+/g, () => r.segments[i++]!());
  const qs = r.query.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.extra)) headers[k] = v;
  if (headers.host !== undefined && !/^[\w.:-]+$/.test(headers.host)) delete headers.host;
  if (r.authorization) headers.authorization = r.authorization();
  if (r.cookie) headers.cookie = r.cookie();
  let payload: string | undefined;
  if (route.path === '/webhooks/fintoc') {
    payload = r.hook.body;
    headers['content-type'] = 'application/json';
    if (r.hook.signed) {
      headers['fintoc-signature'] = sign({
        secret: h.webhookSecret,
        body: payload,
        timestamp: Math.floor(h.sb.clock.now() / 1000),
      });
    }
  } else if (route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH') {
    payload = r.body;
    if (r.contentType) headers['content-type'] = r.contentType;
  }
  return {
    method: route.method as InjectOptions['method'],
    url: `${path}${qs ? `?${qs}` : ''}`,
    headers,
    ...(payload === undefined ? {} : { payload }),
    remoteAddress: '10.1.2.3',
  };
}

async function counts(): Promise<string> {
  const r = await sql<Record<string, number>>`SELECT
      (SELECT count(*) FROM payments) AS payments, (SELECT count(*) FROM payment_attempts) AS attempts,
      (SELECT count(*) FROM payment_timeline) AS timeline, (SELECT count(*) FROM webhook_inbox) AS inbox,
      (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM notifications) AS notifications,
      (SELECT count(*) FROM merchant_endpoints) AS endpoints`.execute(h.app.database.db);
  return JSON.stringify(r.rows[0]);
}

function leaks(res: LightMyRequestResponse): string[] {
  const text = `${res.body}\n${JSON.stringify(res.headers)}`;
  return secrets.filter((s) => s.length >= 6 && text.includes(s));
}

describe('the bad-input pass', () => {
  it('every route answers generated malformed requests below 500, in the envelope, storing nothing it refuses, leaking no secret', async () => {
    const routes = routesOf(h.app.printRoutes({ commonPrefix: false }));
    // The routes are read from the app: the pass covers what is there, and there is plenty.
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        'POST /api/payments',
        'GET /api/payments/:id',
        'POST /webhooks/fintoc',
        'POST /pay/:id/events',
        'GET /dashboard',
        'POST /dashboard/login',
        'POST /demo/checkout',
      ]),
    );
    const seen = new Map<string, number>();
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const before = await counts();
          const logsBefore = logs.length;
          const inject = toInject(route, r);
          const res = await h.app.inject(inject);
          const what = `${inject.method} ${String(inject.url).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 200)}`;
          seen.set(`${res.statusCode}`, (seen.get(`${res.statusCode}`) ?? 0) + 1);
          expect(res.statusCode, what).toBeLessThan(500);
          if (
            res.statusCode >= 400 &&
            inject.method !== 'HEAD' &&
            /json/.test(String(res.headers['content-type']))
          ) {
            let json: { error?: { code?: unknown; message?: unknown } } = {};
            try {
              json = res.json() as typeof json;
            } catch {
              throw new Error(`not JSON: ${what}`);
            }
            expect(json.error?.code, what).toEqual(expect.any(String));
            expect(json.error?.message, what).toEqual(expect.any(String));
          }
          if (res.statusCode >= 400) expect(await counts(), `${what} (before: ${before})`).toBe(before);
          expect(leaks(res), what).toEqual([]);
          const lines = logs
            .slice(logsBefore)
            .flatMap((chunk) => chunk.split('\n'))
            .filter((l) => l.trim() !== '');
          const level = (l: string) => {
            try {
              return (JSON.parse(l) as { level: number }).level;
            } catch {
              return 60; // a line that is not the logger's JSON counts as an error
            }
          };
          expect(
            lines.filter((l) => level(l) >= 50),
            what,
          ).toEqual([]);
          expect(
            lines.filter((l) => secrets.some((s) => l.includes(s))),
            what,
          ).toEqual([]);
        }),
        { numRuns: RUNS_PER_ROUTE, seed: 1126, endOnFailure: true },
      );
    }
    // The real payment was never moved by any of it.
    expect(await h.app.payments.mustGet(paymentId)).toMatchObject({ status: 'pending' });
    console.log(
      `[bad-input] ${routes.length} routes × ${RUNS_PER_ROUTE} requests; answers by status: ${JSON.stringify(Object.fromEntries(seen))}`,
    );
  }, 300_000);
});
