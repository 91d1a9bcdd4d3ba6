/**
 * Generated hostile input against the checkout-session routes (fast-check): bodies, query strings,
 * path ids and headers of every shape. The sandbox must answer each with Fintoc's error envelope
 * (always with `type`) or a valid object, never a 5xx, and stay consistent afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckoutSessionSchema, FintocErrorEnvelopeSchema } from '../../src/fintoc/index.js';
import { build, TEST_KEY, type Harness } from './helper.js';

let h: Harness;
let ids: { v1: string; v2: string; token: string };

beforeAll(async () => {
  h = build();
  const body = {
    amount: 5000,
    currency: 'CLP',
    success_url: 'https://shop.example/ok',
    cancel_url: 'https://shop.example/ko',
  };
  const v1 = (await h.request('POST', '/v1/checkout_sessions', { body })).body;
  const v2 = (await h.request('POST', '/v2/checkout_sessions', { body: { ...body, ui_mode: 'embedded' } }))
    .body;
  ids = { v1: v1.id, v2: v2.id, token: v2.session_token };
});
afterAll(() => h.close());

/** Values that break naive code: wrong types, extremes, odd text, prototype keys. */
const hostile = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    '',
    ' ',
    'CLP',
    'clp',
    'MXN',
    'hosted',
    'embedded',
    'bank_transfer',
    'https://shop.example/ok',
    'http://localhost/x',
    'http://[::1]:3000/ok',
    'javascript:alert(1)',
    'https://',
    '2026-01-01T00:00:00Z',
    '\u0000',
    '\ud800',
    '<script>alert(1)</script>',
    '__proto__',
    'x'.repeat(10_000),
  ),
  fc.integer(),
  fc.double(),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);

const FIELDS = [
  'amount',
  'currency',
  'success_url',
  'cancel_url',
  'ui_mode',
  'customer_email',
  'metadata',
  'business_profile',
  'customer',
  'payment_method_types',
  'payment_method_options',
  'expires_at',
  'action',
  'error_reason',
  'scenario',
  'pending_for',
  'api_version',
  '__proto__',
  'constructor',
];

const VALID = {
  amount: 5000,
  currency: 'CLP',
  success_url: 'https://shop.example/ok',
  cancel_url: 'https://shop.example/ko',
  action: 'open',
  scenario: 'succeed',
  api_version: '2026-02-01',
};

/**
 * A body that gets deep into the handler: a valid one with up to three fields replaced by hostile
 * values (so each check is reached with the others passing), or any JSON at all.
 */
const body = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .dictionary(fc.constantFrom(...FIELDS), hostile, { maxKeys: 3 })
      .map((f) => ({ ...VALID, ...f })),
  },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), hostile, { maxKeys: 6 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);

/** A header value Node can send: printable ASCII. */
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);

async function expectFintocAnswer(
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
  what: string,
): Promise<void> {
  expect(res.statusCode, what).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const json = JSON.parse(res.body) as unknown;
    expect(FintocErrorEnvelopeSchema.safeParse(json).success, `${what} → ${res.body.slice(0, 300)}`).toBe(
      true,
    );
  } else if (String(res.headers['content-type']).includes('json')) {
    const json = JSON.parse(res.body) as unknown;
    const objects = Array.isArray(json) ? json : [json];
    for (const o of objects) {
      if ((o as { object?: unknown }).object === 'checkout_session')
        expect(CheckoutSessionSchema.safeParse(o).success, `${what} → ${res.body.slice(0, 300)}`).toBe(true);
    }
  }
}

const RUNS = { numRuns: 150 };

describe('checkout-session routes under generated input', () => {
  it('POST bodies: creates, expires, control actions, scenarios, the API version', async () => {
    const ROUTES = [
      'create v1',
      'create v2',
      'expire v1',
      'expire v2',
      'simulate',
      'scenario',
      'api_version',
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.constantFrom('v1', 'v2'),
        body,
        async (route, ns, payload) => {
          // A fresh session each run, so that actions meet a session that can still move.
          const fresh = await h.request('POST', `/${ns}/checkout_sessions`, {
            body: { ...VALID, ui_mode: 'embedded' },
          });
          const id = fresh.body.id as string;
          const url = {
            'create v1': '/v1/checkout_sessions',
            'create v2': '/v2/checkout_sessions',
            'expire v1': `/v1/checkout_sessions/${id}/expire`,
            'expire v2': `/v2/checkout_sessions/${id}/expire`,
            simulate: `/_sandbox/checkout_sessions/${id}/simulate`,
            scenario: `/_sandbox/checkout_sessions/${id}/scenario`,
            api_version: '/_sandbox/api_version',
          }[route];
          const res = await h.sb.app.inject({
            method: 'POST',
            url,
            headers: { authorization: TEST_KEY, 'content-type': 'application/json' },
            payload: JSON.stringify(payload),
          });
          await expectFintocAnswer(res, `POST ${url} ${JSON.stringify(payload).slice(0, 200)}`);
          if (route === 'scenario' && res.statusCode === 200) {
            const run = await h.request('POST', `/_sandbox/checkout_sessions/${id}/simulate`, {
              body: { action: 'run' },
            });
            expect(run.status, JSON.stringify(run.body)).toBeLessThan(500);
          }
          // A pin the fuzzer set must not lock the next runs out of v2.
          h.sb.core.space('test', 'orgAAAA1111').apiVersion = '2026-02-01';
        },
      ),
      { numRuns: 400 },
    );
  });

  it('bodies that are not JSON objects, or not JSON at all', async () => {
    const raw = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.constantFrom('{', '[]', 'null', '"x"', '{"a":'),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'x/y',
    );
    await fc.assert(
      fc.asyncProperty(raw, contentType, async (payload, type) => {
        for (const url of ['/v2/checkout_sessions', `/_sandbox/checkout_sessions/${ids.v2}/simulate`]) {
          const res = await h.sb.app.inject({
            method: 'POST',
            url,
            headers: { authorization: TEST_KEY, 'content-type': type },
            payload,
          });
          await expectFintocAnswer(res, `POST ${url} (${type}) ${JSON.stringify(payload).slice(0, 100)}`);
        }
      }),
      RUNS,
    );
  });

  it('list queries: limit, cursors, repeated and unknown parameters', async () => {
    const param = fc.oneof(
      hostile.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
      fc.constant(ids.v1),
    );
    const query = fc.array(
      fc.tuple(fc.constantFrom('limit', 'starting_after', 'ending_before', 'status', 'page', 'x'), param),
      { maxLength: 4 },
    );
    await fc.assert(
      fc.asyncProperty(query, async (pairs) => {
        const qs = new URLSearchParams(pairs).toString();
        const res = await h.sb.app.inject({
          method: 'GET',
          url: `/v2/checkout_sessions?${qs}`,
          headers: { authorization: TEST_KEY },
        });
        await expectFintocAnswer(res, `GET ?${qs.slice(0, 200)}`);
        if (res.statusCode === 200) {
          const link = String(res.headers.link ?? '');
          // Absolute, no comma inside (the SDKs split the header on commas), or empty.
          expect(link === '' || /^<http:\/\/[^,>]+>; rel="next"$/.test(link), link).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('ids in paths: API, control API and the hosted page', async () => {
    const id = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 50 }),
      fc.constant(`${ids.v1}x`),
    );
    await fc.assert(
      fc.asyncProperty(id, async (raw) => {
        const segment = encodeURIComponent(raw);
        for (const [method, url] of [
          ['GET', `/v2/checkout_sessions/${segment}`],
          ['GET', `/v1/checkout_sessions/${segment}`],
          ['POST', `/v2/checkout_sessions/${segment}/expire`],
          ['GET', `/_sandbox/checkout_sessions/${segment}`],
          ['POST', `/_sandbox/checkout_sessions/${segment}/simulate`],
        ] as const) {
          const res = await h.sb.app.inject({ method, url, headers: { authorization: TEST_KEY } });
          // '' and the dot segments name no id: a URL resolves '..' as every WHATWG client does (GET
          // /v1/checkout_sessions/.. is GET /v1/, the widget script, a 200), seed 3546 found it.
          if (!['', '.', '..'].includes(raw))
            expect(res.statusCode, `${method} ${url}`).toBeGreaterThanOrEqual(400);
          await expectFintocAnswer(res, `${method} ${url}`);
        }
        for (const url of [`/checkout/${segment}`, `/payment?checkout_session=${segment}`]) {
          const res = await h.sb.app.inject({ method: 'GET', url });
          expect(res.statusCode, url).toBeLessThan(500);
          expect(res.body).not.toContain('<script>alert');
        }
      }),
      RUNS,
    );
  });

  it('headers: Authorization, Fintoc-Version and Idempotency-Key of any printable text', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(headerValue, fc.constant(TEST_KEY), fc.constant(`Bearer ${TEST_KEY}`)),
        fc.oneof(headerValue, fc.constantFrom('2023-11-15', '2025-08-13', '2026-02-01')),
        fc.option(headerValue),
        async (authorization, version, key) => {
          const headers: Record<string, string> = {
            authorization,
            'fintoc-version': version,
            'content-type': 'application/json',
          };
          if (key !== null) headers['idempotency-key'] = key;
          const res = await h.sb.app.inject({
            method: 'POST',
            url: '/v2/checkout_sessions',
            headers,
            payload: JSON.stringify({ amount: 100, currency: 'CLP', ui_mode: 'embedded' }),
          });
          await expectFintocAnswer(res, JSON.stringify(headers));
          const list = await h.sb.app.inject({
            method: 'GET',
            url: '/v2/checkout_sessions?limit=1',
            headers,
          });
          await expectFintocAnswer(list, `GET ${JSON.stringify(headers)}`);
        },
      ),
      RUNS,
    );
  });

  it('the widget opening sessions with any sessionToken', async () => {
    const token = fc.oneof(
      hostile,
      fc.constant(ids.token),
      fc.string().map((s) => `${ids.v2}_sec_${s}`),
    );
    await fc.assert(
      fc.asyncProperty(token, fc.option(hostile), async (sessionToken, widgetToken) => {
        const options: Record<string, unknown> = {
          product: 'payments',
          publicKey: 'pk_test_orgAAAA1111',
          sessionToken,
        };
        if (widgetToken !== null) options.widgetToken = widgetToken;
        const res = await h.sb.app.inject({ method: 'POST', url: '/widget/sessions', payload: { options } });
        expect(res.statusCode, JSON.stringify(options).slice(0, 200)).toBeLessThan(500);
      }),
      RUNS,
    );
  });

  it('afterwards every session still reads back as a valid object', async () => {
    const list = await h.request('GET', '/_sandbox/checkout_sessions');
    expect(list.status).toBe(200);
    expect(list.body.data.length).toBeGreaterThan(2);
    for (const s of list.body.data) expect(CheckoutSessionSchema.safeParse(s).success, s.id).toBe(true);
    let url: string | null = '/v2/checkout_sessions?limit=100';
    let seen = 0;
    while (url) {
      const page = await h.request('GET', url);
      expect(page.status).toBe(200);
      seen += page.body.length;
      const next = /<([^>]+)>; rel="next"/.exec(String(page.headers.link))?.[1];
      url = next ? new URL(next).pathname + new URL(next).search : null;
    }
    expect(seen).toBe(list.body.data.length);
  });
});
