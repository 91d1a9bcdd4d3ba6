/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
/**
 * Bad input never crashes the sandbox: every route answers odd bodies, ids and queries with a 4xx
 * in Fintoc's envelope (with `type`), never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FintocErrorEnvelopeSchema } from '../../src/fintoc/index.js';
import { build, createEndpoint, createIntent, type Harness } from './helper.js';

let h: Harness;
let ids: Record<string, string>;

beforeAll(async () => {
  h = build();
  const pi = await createIntent(h);
  const we = await createEndpoint(h);
  ids = { pi: pi.id, we: we.id };
});
afterAll(() => h.close());

const BODIES: unknown[] = [
  null,
  [],
  [1, 2],
  'text',
  42,
  true,
  { amount: {}, currency: [] },
  { amount: 1e300, currency: 'CLP' },
  {
    amount: 5000,
    currency: 'CLP',
    metadata: [1],
    customer_email: 5,
    recipient_account: 'x',
    business_profile: 3,
  },
  { url: 5, enabled_events: [5] },
  { url: 'https://a.example', enabled_events: 'x', disabled: 'yes', description: {} },
  { type: 5, overrides: 'x' },
  { type: 'a.b', overrides: { '': 1, 'a..b': 2, '__proto__.x': 1 } },
  { resource_type: 'payment_intent', resource_id: {}, amount: 'all' },
  { scenario: 5, error_reason: 5, pending_for: {} },
  { action: {}, error_reason: [] },
  { by: {}, kind: [], count: 'x', delay: [], window: {} },
  { success_url: 5, cancel_url: null, amount: 1, currency: 'MXN' },
];

const ROUTES = (): Array<[string, string]> => [
  ['POST', '/v1/payment_intents'],
  ['POST', `/v1/payment_intents/${ids.pi}/expire`],
  ['POST', '/v1/checkout_sessions'],
  ['POST', '/v1/webhook_endpoints'],
  ['PATCH', `/v1/webhook_endpoints/${ids.we}`],
  ['POST', `/v1/webhook_endpoints/${ids.we}/test`],
  ['POST', '/v1/events/trigger'],
  ['POST', '/v1/refunds'],
  ['POST', '/_sandbox/clock/advance'],
  ['PUT', '/_sandbox/scenario'],
  ['PUT', `/_sandbox/payment_intents/${ids.pi}/scenario`],
  ['POST', `/_sandbox/payment_intents/${ids.pi}/simulate`],
  ['POST', '/_sandbox/faults'],
  ['PATCH', '/_sandbox/settings'],
];

describe('odd input', () => {
  it('every write route answers every odd body with a non-500, and errors in the envelope', async () => {
    for (const [method, url] of ROUTES()) {
      for (const body of BODIES) {
        const res = await h.sb.app.inject({
          method: method as 'POST',
          url,
          headers: { authorization: 'sk_test_orgAAAA1111', 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        const what = `${method} ${url} ${JSON.stringify(body)}`;
        expect(res.statusCode, what).toBeLessThan(500);
        if (res.statusCode >= 400)
          expect(FintocErrorEnvelopeSchema.safeParse(res.json()).success, what).toBe(true);
      }
    }
    expect(({} as any).x).toBeUndefined(); // overrides never polluted prototypes
  });

  it('odd ids and queries get 4xx envelopes', async () => {
    const urls = [
      '/v1/payment_intents/%00',
      '/v1/payment_intents/' + 'x'.repeat(5000),
      '/v1/payment_intents?page=abc',
      '/v1/payment_intents?per_page=-1',
      '/v1/payment_intents?since=2025-13-45',
      '/v1/payment_intents?status=created&status=expired',
      '/v1/refunds?status=nope',
      '/v1/events/evt_nope',
      '/_sandbox/deliveries/dlv_nope',
      '/v1/checkout_sessions/cs_nope',
    ];
    for (const url of urls) {
      const res = await h.request('GET', url);
      expect(res.status, url).toBeGreaterThanOrEqual(400);
      expect(res.status, url).toBeLessThan(500);
      expect(FintocErrorEnvelopeSchema.safeParse(res.body).success, url).toBe(true);
    }
  });
});
