/**
 * The service's test clock (`/api/test-clock`): moved forward over HTTP with the API key, it makes
 * deadlines fall due and wakes the job runner; refused with a live key; hostile input never a 500.
 */
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createFintocClient, PAYMENT_INTENT_EVENT_TYPES } from '../../src/fintoc/index.js';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { buildApp, loadConfig } from '../../src/service/index.js';
import { freshEmbedded } from './support/db.js';

const API_KEY = 'test_api_key_0123456789abcdef';
const auth = { authorization: `Bearer ${API_KEY}` };

let app: FastifyInstance | undefined;
let sb: RunningSandbox | undefined;
afterEach(async () => {
  await app?.close();
  await sb?.close();
  app = undefined;
  sb = undefined;
});

async function serviceOnSandbox(): Promise<FastifyInstance> {
  sb = await startSandbox({ port: 0, intentTimeoutMs: null });
  const fintoc = createFintocClient({ secretKey: sb.secretKey, baseUrl: sb.url, maxRetries: 0 });
  const endpoint = await fintoc.webhookEndpoints.create({
    url: 'http://127.0.0.1:1/webhooks/fintoc',
    enabled_events: [...PAYMENT_INTENT_EVENT_TYPES],
  });
  const result = loadConfig({
    FINTOC_SECRET_KEY: sb.secretKey,
    FINTOC_PUBLIC_KEY: sb.publicKey,
    FINTOC_WEBHOOK_SECRET: String(endpoint.secret),
    FINTOC_API_URL: sb.url,
    PASARELA_API_KEY: API_KEY,
    PAYMENT_TIMEOUT: '10m',
    // The test clock is the subject here, on the intent flow (sessions at the deadline: sessions.test.ts).
    FINTOC_FLOW: 'intent',
  });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  // The job loop polls once an hour here: only the clock route can make it act in time.
  const built = await buildApp({
    config: result.config,
    database: await freshEmbedded(),
    logger: false,
    jobOptions: { pollMs: 3_600_000 },
  });
  await built.ready();
  return built;
}

describe('the test clock', () => {
  it('moves deadlines forward and answers once the job runner has canceled the abandoned payment', async () => {
    app = await serviceOnSandbox();
    const created = await app.inject({
      method: 'POST',
      url: '/api/payments',
      headers: auth,
      payload: { amount: 12990, currency: 'CLP', order_id: 'clock-1' },
    });
    expect(created.statusCode).toBe(201);
    const payment = created.json() as { id: string; payment_intent_id: string; expires_at: string };

    const before = await app.inject({ method: 'GET', url: '/api/test-clock', headers: auth });
    expect(before.json()).toMatchObject({ object: 'test_clock', mode: 'test', offset_ms: 0 });

    const moved = await app.inject({
      method: 'POST',
      url: '/api/test-clock/advance',
      headers: auth,
      payload: { by: '9m' },
    });
    expect(moved.json()).toMatchObject({ offset_ms: 540_000, advanced_ms: 540_000 });
    const status = async () =>
      (
        (await app!.inject({ method: 'GET', url: `/api/payments/${payment.id}`, headers: auth })).json() as {
          status: string;
        }
      ).status;
    expect(await status()).toBe('pending');

    // The answer comes once the deadline that fell due has been acted on: no waiting needed.
    await app.inject({ method: 'POST', url: '/api/test-clock/advance', headers: auth, payload: { by: 61 } });
    expect(await status()).toBe('canceled');
    const intent = (await (
      await fetch(`${sb!.url}/v1/payment_intents/${payment.payment_intent_id}`, {
        headers: { authorization: sb!.secretKey },
      })
    ).json()) as { status: string; error_reason: string };
    expect(intent).toMatchObject({ status: 'expired', error_reason: 'manually_expired' });
  });

  it('needs the API key, and refuses bad durations with a clear error (never a 500)', async () => {
    app = await serviceOnSandbox();
    expect((await app.inject({ method: 'GET', url: '/api/test-clock' })).statusCode).toBe(401);
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/test-clock/advance',
      headers: { authorization: 'Bearer nope' },
      payload: { by: '1m' },
    });
    expect(wrong.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const missing = await app.inject({ method: 'POST', url: '/api/test-clock/advance', headers: auth });
    expect(missing.json()).toMatchObject({ error: { code: 'missing_parameter', param: 'by' } });
    for (const by of ['-5m', 'soon', -3, Number.MAX_SAFE_INTEGER, null, { m: 1 }]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/test-clock/advance',
        headers: auth,
        payload: { by },
      });
      expect(res.statusCode, JSON.stringify(by)).toBe(400);
      expect(res.json()).toMatchObject({ error: { param: 'by' } });
    }
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        const res = await app!.inject({
          method: 'POST',
          url: '/api/test-clock/advance',
          headers: { ...auth, 'content-type': 'application/json' },
          payload: JSON.stringify({ by: value }),
        });
        expect([200, 400]).toContain(res.statusCode);
      }),
      { numRuns: 60 },
    );
    const after = (await app.inject({ method: 'GET', url: '/api/test-clock', headers: auth })).json() as {
      offset_ms: number;
    };
    expect(after.offset_ms).toBeGreaterThanOrEqual(0);
  });

  it('is refused with a clear error when the service holds a live key', async () => {
    const result = loadConfig({
      FINTOC_SECRET_KEY: 'sk_live_liveOrg0001',
      FINTOC_PUBLIC_KEY: 'pk_live_liveOrg0001',
      FINTOC_WEBHOOK_SECRET: 'whsec_live0001',
      PASARELA_API_KEY: API_KEY,
    });
    if (!result.ok) throw new Error(result.errors.join('\n'));
    app = await buildApp({
      config: result.config,
      database: await freshEmbedded(),
      logger: false,
      workers: false,
    });
    for (const [method, url] of [
      ['GET', '/api/test-clock'],
      ['POST', '/api/test-clock/advance'],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers: auth,
        payload: method === 'POST' ? { by: '10m' } : undefined,
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'test_clock_live_mode' } });
      expect((res.json() as { error: { message: string } }).error.message).toMatch(/live/);
    }
    expect(app.clock.now()).toBeLessThanOrEqual(Date.now());
  });
});
