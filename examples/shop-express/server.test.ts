/**
 * The example shop opens Fintoc's widget on the order's payment intent while that intent is still
 * payable, and asks Fintoc (not its own memory) whether it is: a payment authorized in the bank app
 * whose webhook has not arrived is over, and its widget_token is spent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSecretKey, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { startShop } from './server.js';

let sb: RunningSandbox;
let shop: { url: string; close(): Promise<void> };
const key = newSecretKey('test');

beforeAll(async () => {
  sb = await startSandbox({ port: 0, host: '127.0.0.1' });
  shop = await startShop({ secretKey: key, publicKey: key.replace(/^sk_/, 'pk_'), apiUrl: sb.url }, 0);
});
afterAll(async () => {
  await shop?.close();
  await sb?.close();
});

async function call(url: string, method = 'GET', body?: unknown) {
  const res = await fetch(url, {
    method,
    headers: { authorization: key, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

/** Starts a payment for the order, then Fintoc settles it (`scenario`) with its webhooks withheld. */
async function settledUnseen(order: string, scenario: 'succeed' | 'reject') {
  const first = await call(`${shop.url}/api/orders/${order}/intent`, 'POST');
  expect(first.status).toBe(200);
  const intent = (await call(`${shop.url}/api/orders/${order}`)).json.payment_intent_id!;
  await call(`${sb.url}/_sandbox/faults`, 'POST', { kind: 'stop', payment_intent_id: intent });
  await call(`${sb.url}/_sandbox/payment_intents/${intent}/scenario`, 'PUT', { scenario });
  await call(`${sb.url}/_sandbox/payment_intents/${intent}/simulate`, 'POST', { action: 'run' });
  // The shop has not heard (no webhook): its order is still open.
  expect((await call(`${shop.url}/api/orders/${order}`)).json.status).toBe('pending');
  return first.json.widget_token!;
}

describe('examples/shop-express: the widget token it hands out', () => {
  it('refuses to open the widget again for an order whose payment succeeded unseen: 409, and the order is paid', async () => {
    await settledUnseen('paid-unseen', 'succeed');
    const again = await call(`${shop.url}/api/orders/paid-unseen/intent`, 'POST');
    expect(again).toMatchObject({ status: 409, json: { error: 'already paid' } });
    expect((await call(`${shop.url}/api/orders/paid-unseen`)).json.status).toBe('paid');
  });

  it('opens a new intent for an order whose payment the bank rejected unseen, not the spent one', async () => {
    const spent = await settledUnseen('rejected-unseen', 'reject');
    const again = await call(`${shop.url}/api/orders/rejected-unseen/intent`, 'POST');
    expect(again.status).toBe(200);
    expect(again.json.widget_token).toMatch(/^pi_\w+_sec_\w+$/);
    expect(again.json.widget_token).not.toBe(spent);
  });

  it('reuses the intent of an order still being paid', async () => {
    const first = await call(`${shop.url}/api/orders/open/intent`, 'POST');
    const again = await call(`${shop.url}/api/orders/open/intent`, 'POST');
    expect(again).toMatchObject({ status: 200, json: { widget_token: first.json.widget_token } });
  });
});
