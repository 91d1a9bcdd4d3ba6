import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sign } from '../src/fintoc/index.js';
import type { FintocEvent } from '../src/fintoc/index.js';
import { buildApp } from './fastify-webhook.js';

const body = readFileSync(
  new URL('../test/fixtures/fintoc/fintoc-event-payment_intent.succeeded.mx.json', import.meta.url),
  'utf8',
);
const secret = 'whsec_example_secret';
const now = () => Math.floor(Date.now() / 1000);

async function post(payload: string, header?: string) {
  const events: FintocEvent[] = [];
  const app = buildApp({ secrets: ['whsec_previous', secret], onEvent: (e) => events.push(e) });
  const res = await app.inject({
    method: 'POST',
    url: '/webhooks/fintoc',
    payload,
    headers: { 'content-type': 'application/json', ...(header ? { 'fintoc-signature': header } : {}) },
  });
  await app.close();
  return { status: res.statusCode, json: res.json() as { error?: { code: string } }, events };
}

describe('examples/fastify-webhook', () => {
  it('accepts a request Fintoc signed and hands over the typed event', async () => {
    const res = await post(body, sign({ secret, body, timestamp: now() }));
    expect(res.status).toBe(200);
    expect(res.events.map((e) => [e.id, e.type])).toEqual([
      ['evt_2AaZeLCz0GjOW5zj', 'payment_intent.succeeded'],
    ]);
  });
  it('rejects a forged request (signed with another secret) with 400', async () => {
    const res = await post(body, sign({ secret: 'whsec_attacker', body, timestamp: now() }));
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe('no_matching_signature');
    expect(res.events).toEqual([]);
  });
  it('rejects a tampered body and a missing header', async () => {
    const header = sign({ secret, body, timestamp: now() });
    expect((await post(body.replace('"amount":1', '"amount":100'), header)).json.error?.code).toBe(
      'no_matching_signature',
    );
    expect((await post(body)).json.error?.code).toBe('missing_header');
  });
});
