import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign } from '../src/fintoc/index.js';
import type { FintocEvent } from '../src/fintoc/index.js';
import { buildApp } from './express-webhook.js';

const body = readFileSync(
  new URL('../test/fixtures/fintoc/fintoc-event-payment_intent.succeeded.mx.json', import.meta.url),
  'utf8',
);
const secret = 'whsec_example_secret';
const now = () => Math.floor(Date.now() / 1000);
const events: FintocEvent[] = [];
let server: ReturnType<ReturnType<typeof buildApp>['listen']>;
let url: string;

beforeAll(async () => {
  const app = buildApp({ secrets: [secret], onEvent: (e) => events.push(e) });
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/fintoc`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function post(payload: string, header?: string) {
  events.length = 0;
  const res = await fetch(url, {
    method: 'POST',
    body: payload,
    headers: { 'content-type': 'application/json', ...(header ? { 'fintoc-signature': header } : {}) },
  });
  return { status: res.status, json: (await res.json()) as { error?: { code: string } } };
}

describe('examples/express-webhook', () => {
  it('accepts a request Fintoc signed and hands over the typed event', async () => {
    const res = await post(body, sign({ secret, body, timestamp: now() }));
    expect(res.status).toBe(200);
    expect(events.map((e) => [e.id, e.type])).toEqual([['evt_2AaZeLCz0GjOW5zj', 'payment_intent.succeeded']]);
  });
  it('rejects a forged request (signed with another secret) with 400', async () => {
    const res = await post(body, sign({ secret: 'whsec_attacker', body, timestamp: now() }));
    expect(res.status).toBe(400);
    expect(res.json.error?.code).toBe('no_matching_signature');
    expect(events).toEqual([]);
  });
  it('rejects a replayed old request and a missing header', async () => {
    expect((await post(body, sign({ secret, body, timestamp: now() - 3600 }))).json.error?.code).toBe(
      'timestamp_too_old',
    );
    expect((await post(body)).json.error?.code).toBe('missing_header');
  });
});
