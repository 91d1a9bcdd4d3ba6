/* eslint-disable @typescript-eslint/no-explicit-any -- the official SDK's resources are untyped objects */
/**
 * Conformance: the official `fintoc` npm SDK, unchanged but for its base URL, against the sandbox
 * listening on 127.0.0.1 — and, with the same cases, against Fintoc's real test mode when
 * FINTOC_TEST_SECRET_KEY is set (cases that need the sandbox's control API or a reachable webhook
 * receiver are skipped there, each with its reason).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Fintoc, WebhookSignature } from 'fintoc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';

interface Target {
  name: string;
  /** Only the sandbox can drive intents (control API) and reach a 127.0.0.1 receiver. */
  sandbox: boolean;
  setup(): Promise<{ fintoc: Fintoc; key: string; url: string; close(): Promise<void>; sb?: RunningSandbox }>;
}

const realKey = process.env.FINTOC_TEST_SECRET_KEY;

/** The class name of the error a call rejects with (the SDK does not export its error classes). */
async function errorClass(call: Promise<unknown>): Promise<string> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  return err === null ? 'no error' : ((err as object).constructor?.name ?? 'unknown');
}
const targets: Array<Target & { skip: string | null }> = [
  {
    name: 'sandbox',
    sandbox: true,
    skip: null,
    async setup() {
      const sb = await startSandbox({ port: 0, host: '127.0.0.1' });
      const fintoc = new Fintoc(sb.secretKey);
      (fintoc.paymentIntents as any)._client.baseUrl = sb.url;
      return { fintoc, key: sb.secretKey, url: sb.url, sb, close: () => sb.close() };
    },
  },
  {
    name: 'Fintoc test mode',
    sandbox: false,
    skip: realKey ? null : 'FINTOC_TEST_SECRET_KEY is not set, so the suite does not run against real Fintoc',
    async setup() {
      const fintoc = new Fintoc(realKey as string);
      return { fintoc, key: realKey as string, url: 'https://api.fintoc.com', close: async () => {} };
    },
  },
];

for (const target of targets) {
  if (target.skip) console.info(`conformance [${target.name}] skipped: ${target.skip}`);

  describe.skipIf(target.skip !== null)(`conformance with the official SDK: ${target.name}`, () => {
    let env: Awaited<ReturnType<Target['setup']>>;
    let receiver: Server;
    let receiverUrl = '';
    const received: Array<{ body: string; signature: string | undefined }> = [];

    beforeAll(async () => {
      env = await target.setup();
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          received.push({
            body: Buffer.concat(chunks).toString('utf8'),
            signature: req.headers['fintoc-signature'] as string | undefined,
          });
          res.writeHead(200).end('ok');
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/fintoc`;
    });
    afterAll(async () => {
      await env?.close();
      await new Promise((resolve) => receiver?.close(resolve));
    });

    /** The sandbox's control API (plain HTTP, same key). */
    const control = async (path: string, body: unknown) => {
      const res = await fetch(`${env.url}${path}`, {
        method: 'POST',
        headers: { authorization: env.key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.ok).toBe(true);
      return res.json() as Promise<any>;
    };

    it('creates, gets and expires a payment intent', async () => {
      const pi: any = await env.fintoc.paymentIntents.create({
        amount: 5000,
        currency: 'clp',
        customer_email: 'buyer@example.cl',
        metadata: { order_id: 'c-1' },
      });
      expect(pi.id).toMatch(/^pi_/);
      expect(pi.status).toBe('created');
      expect(pi.currency).toBe('CLP');
      expect(typeof pi.widget_token).toBe('string');
      expect(pi.widget_token.startsWith(`${pi.id}_sec_`)).toBe(true);
      const got: any = await env.fintoc.paymentIntents.get(pi.id);
      expect(got.id).toBe(pi.id);
      expect(got.widget_token).toBeNull();
      expect(got.error_reason).toBeNull();
      const expired: any = await env.fintoc.paymentIntents.expire(pi.id);
      expect(expired.status).toBe('expired');
      expect(expired.error_reason).toBe('manually_expired');
    });

    it('lists across pages by following the Link header', async () => {
      const made: string[] = [];
      for (let i = 0; i < 35; i++)
        made.push(
          ((await env.fintoc.paymentIntents.create({ amount: 1000 + i, currency: 'CLP' })) as any).id,
        );
      const all = (await env.fintoc.paymentIntents.list({ lazy: false })) as any[];
      const ids = new Set(all.map((p) => p.id));
      for (const id of made) expect(ids.has(id)).toBe(true);
      const small = (await env.fintoc.paymentIntents.list({ lazy: false, per_page: 7 })) as any[];
      expect(small.length).toBe(all.length);
      const lazy = await env.fintoc.paymentIntents.list({ per_page: 10 });
      let n = 0;
      for await (const _ of lazy as AsyncIterable<unknown>) n++;
      expect(n).toBe(all.length);
      if (target.sandbox) {
        // The pages really were fetched one by one, through the Link header's URLs.
        const log = await fetch(`${env.url}/_sandbox/requests`, { headers: { authorization: env.key } });
        const paths = ((await log.json()) as { data: Array<{ method: string; path: string }> }).data
          .filter((r) => r.method === 'GET' && r.path.startsWith('/v1/payment_intents?'))
          .map((r) => r.path);
        expect(paths.filter((p) => p.includes('per_page=7')).length).toBe(Math.ceil(all.length / 7));
        expect(paths.filter((p) => p.includes('per_page=10')).length).toBe(Math.ceil(all.length / 10));
        expect(paths).toContain('/v1/payment_intents?per_page=7&page=2');
      }
    });

    it('raises the SDK error classes on errors', async () => {
      expect(await errorClass(env.fintoc.paymentIntents.get('pi_doesNotExist000'))).toBe(
        'InvalidRequestError',
      );
      expect(await errorClass(env.fintoc.paymentIntents.create({ amount: -5, currency: 'CLP' }))).toBe(
        'InvalidRequestError',
      );
      const wrong = new Fintoc('sk_test_x');
      (wrong.paymentIntents as any)._client.baseUrl = env.url;
      expect(await errorClass(wrong.paymentIntents.get('pi_x'))).toBe('AuthenticationError');
    });

    it('manages webhook endpoints: create (secret once), get, list, update, test, delete', async () => {
      const url = target.sandbox ? receiverUrl : 'https://example.com/pasarela-conformance';
      const we: any = await env.fintoc.webhookEndpoints.create({
        url,
        enabled_events: ['payment_intent.succeeded'],
        description: 'conformance',
      });
      expect(we.id).toMatch(/^we_/);
      expect(we.secret).toMatch(/^whsec_/);
      const got: any = await env.fintoc.webhookEndpoints.get(we.id);
      expect(got.secret ?? null).toBeNull();
      expect(got.status).toBe('enabled');
      const listed = (await env.fintoc.webhookEndpoints.list({ lazy: false })) as any[];
      expect(listed.some((e) => e.id === we.id)).toBe(true);
      const updated: any = await env.fintoc.webhookEndpoints.update(we.id, {
        enabled_events: ['payment_intent.succeeded', 'payment_intent.failed'],
        description: 'conformance (updated)',
      });
      expect(updated.enabled_events).toEqual(['payment_intent.succeeded', 'payment_intent.failed']);
      // SDK 1.15 has no webhookEndpoints.test(); its own transport sends the documented request.
      const client = (env.fintoc.webhookEndpoints as any)._client;
      const tested = await client.request({
        path: `/v1/webhook_endpoints/${we.id}/test`,
        method: 'post',
        json: { type: 'payment_intent.succeeded' },
      });
      expect(tested.type).toBe('payment_intent.succeeded');
      if (target.sandbox) {
        await env.sb!.clock.flush();
        expect(received.length).toBeGreaterThanOrEqual(1);
        for (const r of received)
          expect(() => WebhookSignature.verifyHeader(r.body, r.signature as string, we.secret)).not.toThrow();
      }
      expect(await env.fintoc.webhookEndpoints.delete(we.id)).toBe(we.id);
      expect(await errorClass(env.fintoc.webhookEndpoints.get(we.id))).toBe('InvalidRequestError');
    });

    it.skipIf(!target.sandbox)(
      'delivers every payment event to a 127.0.0.1 receiver, each verified by WebhookSignature.verifyHeader',
      async () => {
        received.length = 0;
        const we: any = await env.fintoc.webhookEndpoints.create({ url: receiverUrl, enabled_events: ['*'] });
        const scenarios = ['succeed', 'reject', 'fail', 'pending_then_succeed'];
        for (const scenario of scenarios) {
          const pi: any = await env.fintoc.paymentIntents.create({ amount: 5000, currency: 'CLP' });
          await control(`/_sandbox/payment_intents/${pi.id}/scenario`, { scenario, pending_for: '1s' });
          await control(`/_sandbox/payment_intents/${pi.id}/simulate`, { action: 'run' });
        }
        const expiring: any = await env.fintoc.paymentIntents.create({ amount: 5000, currency: 'CLP' });
        await env.fintoc.paymentIntents.expire(expiring.id);
        await control('/_sandbox/clock/advance', { by: '1s' });
        await env.sb!.clock.flush();
        const types = received.map((r) => JSON.parse(r.body).type).sort();
        expect(types).toEqual(
          [
            'payment_intent.succeeded',
            'payment_intent.rejected',
            'payment_intent.failed',
            'payment_intent.pending',
            'payment_intent.succeeded',
            'payment_intent.expired',
          ].sort(),
        );
        for (const r of received) WebhookSignature.verifyHeader(r.body, r.signature as string, we.secret);
      },
    );

    it.skipIf(!target.sandbox)('creates, gets, lists and cancels refunds', async () => {
      const pi: any = await env.fintoc.paymentIntents.create({ amount: 9000, currency: 'CLP' });
      await control(`/_sandbox/payment_intents/${pi.id}/simulate`, { action: 'run' });
      const refund: any = await env.fintoc.refunds.create({
        resource_type: 'payment_intent',
        resource_id: pi.id,
        amount: 3000,
      });
      expect(refund.id).toMatch(/^re_/);
      expect(refund.status).toBe('created');
      expect(((await env.fintoc.refunds.get(refund.id)) as any).amount).toBe(3000);
      const list = (await env.fintoc.refunds.list({ lazy: false })) as any[];
      expect(list.some((r) => r.id === refund.id)).toBe(true);
      const canceled: any = await env.fintoc.refunds.cancel(refund.id);
      expect(canceled.status).toBe('canceled');
    });

    it.skipIf(!target.sandbox)(
      'lists payouts and their resources through the SDK’s own transport and Link paginator (SDK 1.15 has no payouts manager)',
      async () => {
        const made: string[] = [];
        for (let i = 0; i < 4; i++) {
          const pi: any = await env.fintoc.paymentIntents.create({ amount: 2000 + i, currency: 'CLP' });
          await control(`/_sandbox/payment_intents/${pi.id}/simulate`, { action: 'run' });
          made.push(pi.id);
        }
        // Three business days always hold a cut-off and its payout, whatever today is.
        await control('/_sandbox/clock/advance', { by: '5d' });
        const client = (env.fintoc.paymentIntents as any)._client;
        const drain = async (it: AsyncIterable<any>) => {
          const out: any[] = [];
          for await (const x of it) out.push(x);
          return out;
        };
        const payouts = await drain(
          await client.request({ path: '/v1/payouts', paginated: true, params: { per_page: 1 } }),
        );
        expect(payouts.length).toBeGreaterThanOrEqual(1);
        for (const p of payouts)
          expect(p).toMatchObject({ object: 'payout', status: 'succeeded', currency: 'CLP' });
        const one = await client.request({ path: `/v1/payouts/${payouts[0].id}` });
        expect(one.id).toBe(payouts[0].id);
        const paid: string[] = [];
        for (const p of payouts) {
          const items = await drain(
            await client.request({
              path: `/v1/payouts/${p.id}/resources`,
              paginated: true,
              params: { resource_type: 'payment_intent', per_page: 1 },
            }),
          );
          paid.push(...items.map((x: any) => x.id));
        }
        for (const id of made) expect(paid).toContain(id);
        expect(await errorClass(client.request({ path: '/v1/payouts/po_doesNotExist0000' }))).toBe(
          'AxiosError',
        );
      },
    );

    it('creates, gets and expires a checkout session (v1)', async () => {
      const cs: any = await env.fintoc.checkoutSessions.create({
        amount: 5000,
        currency: 'CLP',
        success_url: 'https://shop.example/ok',
        cancel_url: 'https://shop.example/ko',
        metadata: { order_id: 'ord_c7x' },
      });
      expect(cs.id).toMatch(/^cs_/);
      expect(cs.status).toBe('created');
      expect(typeof cs.redirect_url).toBe('string');
      const got: any = await env.fintoc.checkoutSessions.get(cs.id);
      expect(got.status).toBe('created');
      expect(got.metadata.order_id).toBe('ord_c7x');
      const expired: any = await env.fintoc.checkoutSessions.expire(cs.id);
      expect(expired.status).toBe('expired');
      expect(await errorClass(env.fintoc.checkoutSessions.expire(cs.id))).toBe('InvalidRequestError');
    });

    /** The SDK sends no Fintoc-Version: its v2 calls need an account pinned to 2026-02-01 or later. */
    const v2Skip = async (skip: (note: string) => void) => {
      if (target.sandbox) return;
      const res = await fetch(`${env.url}/v1/whoami`, { headers: { authorization: env.key } });
      const pinned = ((await res.json()) as { api_version?: string }).api_version ?? '';
      if (pinned < '2026-02-01')
        skip(`this Fintoc account is pinned to ${pinned}; the SDK cannot send Fintoc-Version for v2`);
    };

    it('v2 checkout sessions: create (hosted and embedded), get, list across cursor pages, expire', async (ctx) => {
      await v2Skip((note) => ctx.skip(note));
      const hosted: any = await env.fintoc.v2.checkoutSessions.create({
        amount: 5000,
        currency: 'CLP',
        success_url: 'https://shop.example/ok',
        cancel_url: 'https://shop.example/ko',
      });
      expect(hosted.id).toMatch(/^cs_/);
      expect(hosted.status).toBe('created');
      expect(typeof hosted.redirect_url).toBe('string');
      const embedded: any = await env.fintoc.v2.checkoutSessions.create({
        amount: 6000,
        currency: 'CLP',
        ui_mode: 'embedded',
        metadata: { order_id: 'ord_c8x' },
      });
      expect(typeof embedded.session_token).toBe('string');
      const got: any = await env.fintoc.v2.checkoutSessions.get(embedded.id);
      expect(got.id).toBe(embedded.id);
      expect(got.metadata.order_id).toBe('ord_c8x');
      for (let i = 0; i < 3; i++)
        await env.fintoc.v2.checkoutSessions.create({
          amount: 100 + i,
          currency: 'CLP',
          ui_mode: 'embedded',
        });
      const all = (await env.fintoc.v2.checkoutSessions.list({ lazy: false })) as any[];
      const paged = (await env.fintoc.v2.checkoutSessions.list({ lazy: false, limit: 2 })) as any[];
      expect(paged.map((s) => s.id)).toEqual(all.map((s) => s.id));
      expect(new Set(paged.map((s) => s.id)).size).toBe(paged.length);
      for (const id of [hosted.id, embedded.id]) expect(paged.some((s) => s.id === id)).toBe(true);
      if (target.sandbox) {
        // The pages really were fetched one by one, through the Link header's cursor URLs.
        const log = await fetch(`${env.url}/_sandbox/requests`, { headers: { authorization: env.key } });
        const paths = ((await log.json()) as { data: Array<{ method: string; path: string }> }).data
          .filter((r) => r.method === 'GET' && r.path.startsWith('/v2/checkout_sessions?limit=2'))
          .map((r) => r.path);
        expect(paths.length).toBe(Math.ceil(all.length / 2));
        expect(paths.filter((p) => p.includes('&starting_after=cs_')).length).toBe(paths.length - 1);
      }
      const expired: any = await env.fintoc.v2.checkoutSessions.expire(hosted.id);
      expect(expired.status).toBe('expired');
      expect(await errorClass(env.fintoc.v2.checkoutSessions.expire(hosted.id))).toBe('InvalidRequestError');
      expect(await errorClass(env.fintoc.v2.checkoutSessions.get('cs_doesNotExist000'))).toBe(
        'InvalidRequestError',
      );
    });

    it.skipIf(!target.sandbox)(
      'v2 checkout session events reach a 127.0.0.1 receiver and verify with WebhookSignature.verifyHeader',
      async () => {
        // Only this test's endpoint may receive: earlier tests left a "*" one.
        for (const old of (await env.fintoc.webhookEndpoints.list({ lazy: false })) as any[])
          await env.fintoc.webhookEndpoints.delete(old.id);
        received.length = 0;
        const we: any = await env.fintoc.webhookEndpoints.create({
          url: receiverUrl,
          enabled_events: ['checkout_session.finished', 'checkout_session.expired'],
        });
        const paid: any = await env.fintoc.v2.checkoutSessions.create({
          amount: 5000,
          currency: 'CLP',
          ui_mode: 'embedded',
        });
        await control(`/_sandbox/checkout_sessions/${paid.id}/simulate`, { action: 'run' });
        const left: any = await env.fintoc.v2.checkoutSessions.create({
          amount: 5000,
          currency: 'CLP',
          ui_mode: 'embedded',
        });
        await env.fintoc.v2.checkoutSessions.expire(left.id);
        await control('/_sandbox/clock/advance', { by: 0 });
        await env.sb!.clock.flush();
        const events = received.map((r) => {
          WebhookSignature.verifyHeader(r.body, r.signature as string, we.secret);
          return JSON.parse(r.body);
        });
        expect(events.map((e) => `${e.type} ${e.data.id}`).sort()).toEqual(
          [`checkout_session.finished ${paid.id}`, `checkout_session.expired ${left.id}`].sort(),
        );
        const finished = ((await env.fintoc.v2.checkoutSessions.get(paid.id)) as any).payment_resource;
        expect(finished.payment_intent.status).toBe('succeeded');
        await env.fintoc.webhookEndpoints.delete(we.id);
      },
    );
  });
}
