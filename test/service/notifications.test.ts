/**
 * Notifications to the shop per Standard Webhooks (issue 12): a redirect is not followed (a failed
 * attempt, retried), `410 Gone` disables the endpoint (it stops, is marked, and shows on the
 * dashboard and in /readyz), and the endpoint has 20 s to answer. The shop is a real HTTP server on
 * 127.0.0.1, so what `fetch` does with the answer is what is tested.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFICATION_TIMEOUT_MS, deliveryOutcome } from '../../src/service/index.js';
import { API_KEY, MERCHANT_SECRET, harnessBudget, startHarness, type Harness } from './support/harness.js';

interface Seen {
  method: string;
  path: string;
  body: string;
  webhookId: string | undefined;
}

async function startShop(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const closedEarly: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        path: req.url ?? '',
        body,
        webhookId: req.headers['webhook-id'] as string,
      });
      res.on('close', () => {
        if (!res.writableEnded) closedEarly.push(req.url ?? '');
      });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    closedEarly,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let h: Harness | undefined;
let shop: Awaited<ReturnType<typeof startShop>> | undefined;
afterEach(async () => {
  await h?.close();
  await shop?.close();
  h = undefined;
  shop = undefined;
});

async function harnessFor(url: string) {
  return startHarness({ env: { MERCHANT_WEBHOOK_URL: url, MERCHANT_WEBHOOK_SECRET: MERCHANT_SECRET } });
}

/** A payment the customer pays: its `payment.succeeded` notification is due. */
async function paidPayment(orderId: string): Promise<string> {
  const res = await h!.createPayment({ amount: 5000, currency: 'CLP', order_id: orderId });
  const p = res.json as { id: string; payment_intent_id: string };
  await h!.simulate(p.payment_intent_id, 'authorize');
  await h!.sb.clock.flush();
  await h!.app.jobs.runDue(['apply_event']);
  return p.id;
}

async function notificationOf(paymentId: string) {
  const [n] = await h!.app.payments.notifications(paymentId);
  if (!n) throw new Error(`no notification for ${paymentId}`);
  return n;
}

describe('what an answer to a notification means', () => {
  it('2xx delivers, 410 disables, anything else (redirects too) is retried', () => {
    expect([200, 204, 299].map(deliveryOutcome)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(deliveryOutcome(410)).toBe('gone');
    expect([301, 302, 307, 308, 404, 500, null].map(deliveryOutcome)).toEqual(Array(7).fill('retry'));
    expect(NOTIFICATION_TIMEOUT_MS).toBeGreaterThanOrEqual(15_000);
    expect(NOTIFICATION_TIMEOUT_MS).toBeLessThanOrEqual(30_000);
  });
});

describe('notifications to a real shop endpoint', () => {
  it(
    'does not follow a redirect: a 302 is a failed attempt, retried until the endpoint itself answers 2xx',
    async () => {
      let moved = true;
      shop = await startShop((req, res) => {
        if (req.url === '/hook' && moved) {
          res.writeHead(302, { location: '/elsewhere' }).end();
        } else res.writeHead(200).end('ok');
      });
      h = await harnessFor(`${shop.url}/hook`);
      const id = await paidPayment('redirect-1');
      await h.app.jobs.runDue(['notify']);
      expect(shop.seen.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /hook']);
      expect(await notificationOf(id)).toMatchObject({
        delivered_at: null,
        attempts: 1,
        last_status: 302,
        last_error: expect.stringMatching(/redirects are not followed/),
      });
      // The shop fixes its endpoint: the retry (same id, same body) is delivered there.
      moved = false;
      await h.advance(5_000);
      expect(shop.seen.map((s) => `${s.method} ${s.path}`)).toEqual(['POST /hook', 'POST /hook']);
      expect(new Set(shop.seen.map((s) => s.body)).size).toBe(1);
      expect(new Set(shop.seen.map((s) => s.webhookId)).size).toBe(1);
      expect(await notificationOf(id)).toMatchObject({
        attempts: 2,
        last_status: 200,
        delivered_at: expect.any(Date),
      });
    },
    harnessBudget({ steps: 10 }),
  );

  it(
    'stops at 410 Gone: the endpoint is disabled, marked on the dashboard and in /readyz, until enabled again',
    async () => {
      let gone = true;
      shop = await startShop((_req, res) => res.writeHead(gone ? 410 : 200).end());
      h = await harnessFor(`${shop.url}/hook`);
      const first = await paidPayment('gone-1');
      await h.app.jobs.runDue(['notify']);
      expect(await notificationOf(first)).toMatchObject({
        attempts: 1,
        last_status: 410,
        delivered_at: null,
      });

      // Hours pass and another payment ends: nothing more is sent.
      const second = await paidPayment('gone-2');
      await h.advance(6 * 3_600_000);
      expect(shop.seen).toHaveLength(1);
      expect(await notificationOf(second)).toMatchObject({ attempts: 0, delivered_at: null });

      const ready = await h.app.inject({ url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().notifications).toMatchObject({
        state: 'disabled',
        url: `${shop.url}/hook`,
        reason: expect.stringMatching(/410 Gone/),
        disabled_at: expect.any(String),
      });
      const auth = { authorization: `Bearer ${API_KEY}` };
      const page = await h.app.inject({ url: '/dashboard', headers: auth });
      expect(page.body).toContain('data-testid="notifications-disabled"');

      // The shop is back; staff enable it again: what waited is delivered.
      gone = false;
      const enable = await h.app.inject({
        method: 'POST',
        url: '/dashboard/notifications/enable',
        headers: auth,
      });
      expect(enable.statusCode).toBe(303);
      await h.settle();
      expect(await notificationOf(first)).toMatchObject({ delivered_at: expect.any(Date) });
      expect(await notificationOf(second)).toMatchObject({ delivered_at: expect.any(Date) });
      expect((await h.app.inject({ url: '/readyz' })).json().notifications).toMatchObject({
        state: 'enabled',
      });
      expect((await h.app.inject({ url: '/dashboard', headers: auth })).body).not.toContain(
        'notifications-disabled',
      );
    },
    harnessBudget({ steps: 16 }),
  );

  it(
    'gives the endpoint 20 s to answer (not 10), then counts the attempt as failed',
    async () => {
      shop = await startShop(() => {
        // Never answers.
      });
      h = await harnessFor(`${shop.url}/hook`);
      const id = await paidPayment('slow-1');
      const running = h.app.jobs.runDue(['notify']);
      const until = Date.now() + 10_000;
      while (shop.seen.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
      expect(shop.seen).toHaveLength(1);
      await h.sb.clock.advance(15_000);
      expect(shop.closedEarly).toEqual([]);
      expect(await notificationOf(id)).toMatchObject({ attempts: 0 });
      await h.sb.clock.advance(5_000);
      await running;
      expect(await notificationOf(id)).toMatchObject({
        attempts: 1,
        delivered_at: null,
        last_error: 'no answer within 20 s',
      });
    },
    harnessBudget({ steps: 8 }),
  );
});
