/**
 * The session and redirect flows end to end, with the sandbox as Fintoc: a Checkout Session per
 * attempt (its payment id in the metadata), `checkout_session.*` and the session intent's
 * `payment_intent.*` events applied once, the deadline expiring the session (and treating Fintoc's
 * refusal for a session the customer started as "still paying"), status sync reading the session,
 * and the redirect flow's return page. On both stores.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/service/index.js';
import { STORES } from './support/db.js';
import { harnessBudget, startHarness, type Harness } from './support/harness.js';

type Payment = {
  id: string;
  status: string;
  flow: string;
  payment_intent_id: string | null;
  checkout_session_id: string | null;
  paid_after_cancel: boolean;
  failure_reason: string | null;
};
type Entry = {
  kind: string;
  to_status: string | null;
  cause: string;
  cause_id: string | null;
  detail: Record<string, unknown> | null;
};

for (const store of STORES) {
  describe.skipIf(store.skip)(`Checkout Sessions (${store.name})`, () => {
    let h: Harness;
    let database: Database;
    beforeAll(() => store.setup(), 120_000);
    afterAll(() => store.teardown());
    beforeEach(
      async () => {
        database = await store.fresh();
        // The service's own default: FINTOC_FLOW unset is the session flow.
        h = await startHarness({ database, env: { FINTOC_FLOW: 'session' }, signWithClock: true });
      },
      harnessBudget({ steps: 2 }),
    );
    afterEach(async () => {
      await h.close();
      await database.close();
    });

    async function newPayment(extra: Record<string, unknown> = {}): Promise<Payment> {
      const res = await h.createPayment({
        amount: 12990,
        currency: 'CLP',
        order_id: `order-${Math.random().toString(36).slice(2)}`,
        ...extra,
      });
      expect(res.status, JSON.stringify(res.json)).toBe(201);
      return res.json as unknown as Payment;
    }
    const session = (p: Payment) => h.fintoc.v2.checkoutSessions.get(p.checkout_session_id!);
    const drive = (p: Payment, action: string, extra: Record<string, unknown> = {}) =>
      h.sandbox('POST', `/_sandbox/checkout_sessions/${p.checkout_session_id}/simulate`, {
        action,
        ...extra,
      });
    const get = async (p: Payment) => (await h.getPayment(p.id)) as unknown as Payment;
    const timeline = async (p: Payment) => (await h.getPayment(p.id, true)).timeline as Entry[];
    const statuses = async (p: Payment) =>
      (await timeline(p)).filter((e) => e.kind === 'status').map((e) => [e.to_status, e.cause]);
    const notified = () => h.shop.map((s) => (JSON.parse(s.body) as { type: string }).type);

    it(
      'creates an embedded Checkout Session with the payment id in its metadata, and the checkout opens it with the session token',
      async () => {
        const p = await newPayment();
        expect(p).toMatchObject({ status: 'pending', flow: 'session', payment_intent_id: null });
        expect(p.checkout_session_id).toMatch(/^cs_/);
        expect(h.fintocCalls).toContain('POST /v2/checkout_sessions');
        expect(h.fintocCalls.some((c) => c.startsWith('POST /v1/payment_intents'))).toBe(false);
        const cs = await session(p);
        expect(cs).toMatchObject({ amount: 12990, currency: 'CLP', status: 'created', ui_mode: 'embedded' });
        expect(cs.metadata).toMatchObject({ pasarela_payment_id: p.id });
        const page = await h.app.inject({ method: 'GET', url: `/pay/${p.id}/session` });
        const body = page.json() as { widget: Record<string, unknown> | null; redirect: unknown };
        expect(body.widget).toMatchObject({ sessionToken: cs.session_token, product: 'payments' });
        expect(body.widget).not.toHaveProperty('widgetToken');
        expect(body.redirect).toBeNull();
        // The token is for the widget only: the API never shows it.
        expect(JSON.stringify(await h.getPayment(p.id))).not.toContain(String(cs.session_token));
      },
      harnessBudget({ steps: 6 }),
    );

    it(
      'succeeds once when the customer pays, whichever of checkout_session.finished and payment_intent.succeeded comes first',
      async () => {
        const p = await newPayment();
        await drive(p, 'run');
        await h.settle();
        const after = await get(p);
        const cs = await session(p);
        expect(cs.status).toBe('finished');
        const pi = cs.payment_resource?.payment_intent as { id: string };
        expect(after).toMatchObject({
          status: 'succeeded',
          payment_intent_id: pi.id,
          paid_after_cancel: false,
        });
        expect(await statuses(p)).toHaveLength(1);
        expect(notified()).toEqual(['payment.succeeded']);
        // An intent event that came before the session named its intent is applied on its retry.
        await h.advance(10_000);
        expect(notified()).toEqual(['payment.succeeded']);
        const inbox = await h.app.inbox.list({ limit: 20 });
        const types = inbox.map((e) => e.type);
        expect(types).toContain('checkout_session.finished');
        expect(types).toContain('payment_intent.succeeded');
        expect(inbox.every((e) => e.applied_at !== null)).toBe(true);
        expect(inbox.filter((e) => e.outcome === 'applied')).toHaveLength(1);
      },
      harnessBudget({ steps: 6 }),
    );

    it(
      'succeeds by webhook alone when the customer authorizes in the bank app and never returns',
      async () => {
        const p = await newPayment();
        await drive(p, 'authorize_and_close');
        await h.settle();
        expect(await get(p)).toMatchObject({ status: 'succeeded' });
        expect(notified()).toEqual(['payment.succeeded']);
      },
      harnessBudget({ steps: 5 }),
    );

    it(
      'fails on a rejected payment, with the reason kept',
      async () => {
        const p = await newPayment();
        await drive(p, 'reject', { error_reason: 'insufficient_funds' });
        await h.settle();
        expect(await get(p)).toMatchObject({
          status: 'failed',
          failure_reason: 'rejected: insufficient_funds',
        });
        expect(notified()).toEqual(['payment.failed']);
      },
      harnessBudget({ steps: 5 }),
    );

    it(
      'expires the session at Fintoc at the deadline when the customer left before starting, and cancels the payment',
      async () => {
        const p = await newPayment();
        await drive(p, 'open');
        await h.advance(10 * 60_000 + 1_000);
        expect(await get(p)).toMatchObject({ status: 'canceled', failure_reason: 'payment_timeout' });
        expect(
          h.fintocCalls.filter((c) => c === `POST /v2/checkout_sessions/${p.checkout_session_id}/expire`),
        ).toHaveLength(1);
        expect((await session(p)).status).toBe('expired');
        // checkout_session.expired and payment_intent.expired follow; neither moves it.
        await h.settle();
        expect(await statuses(p)).toEqual([['canceled', 'job:abandon']]);
        expect(notified()).toEqual(['payment.canceled']);
      },
      harnessBudget({ steps: 6 }),
    );

    it(
      'cancels at the deadline a session the customer started but did not authorize: Fintoc keeps the session (400), so its intent is expired',
      async () => {
        const p = await newPayment();
        await drive(p, 'start');
        await h.settle();
        expect((await session(p)).status).toBe('in_progress');
        await h.advance(10 * 60_000 + 1_000);
        const cs = await session(p);
        const pi = (cs.payment_resource?.payment_intent as { id: string }).id;
        expect(h.fintocCalls).toContain(`POST /v2/checkout_sessions/${p.checkout_session_id}/expire`);
        expect(h.fintocCalls).toContain(`POST /v1/payment_intents/${pi}/expire`);
        expect(cs.status).toBe('expired');
        expect(await get(p)).toMatchObject({ status: 'canceled', failure_reason: 'payment_timeout' });
        await h.settle();
        expect(await statuses(p)).toEqual([
          ['processing', 'job:sync'],
          ['canceled', 'job:abandon'],
        ]);
        expect(notified()).toEqual(['payment.canceled']);
      },
      harnessBudget({ steps: 8 }),
    );

    it(
      'treats Fintoc refusing to expire a session whose bank is deciding (400 invalid_checkout_session_status) as still paying, then takes its end',
      async () => {
        const p = await newPayment();
        await h.sandbox('POST', `/_sandbox/checkout_sessions/${p.checkout_session_id}/scenario`, {
          scenario: 'pending_then_succeed',
          pending_for: '15m',
        });
        await drive(p, 'run');
        await h.settle();
        expect((await session(p)).status).toBe('in_progress');
        await h.advance(10 * 60_000 + 1_000);
        // Not canceled, not an error: the customer is paying.
        expect(await get(p)).toMatchObject({ status: 'processing', failure_reason: null });
        const deadline = (await timeline(p)).filter((e) => e.cause === 'job:abandon');
        expect(deadline).toHaveLength(1);
        expect(deadline[0]!.detail).toMatchObject({ fintoc_code: 'invalid_checkout_session_status' });
        expect(h.fintocCalls.filter((c) => /^POST \/v1\/payment_intents\/.*\/expire$/.test(c))).toEqual([]);
        const jobs = await h.database.db.selectFrom('jobs').selectAll().where('ref', '=', p.id).execute();
        expect(jobs.filter((j) => j.kind === 'abandon')).toEqual([]);
        // The bank says yes after the deadline: that is the payment's end.
        await h.advance(6 * 60_000);
        expect(await get(p)).toMatchObject({ status: 'succeeded', paid_after_cancel: false });
        expect(notified()).toEqual(['payment.succeeded']);
      },
      harnessBudget({ steps: 8 }),
    );

    it(
      'keeps a started session processing when Fintoc refuses to expire its intent too, and cancels it when Fintoc expires the session (its expires_at)',
      async () => {
        const p = await newPayment();
        await drive(p, 'start');
        await h.settle();
        h.failFintoc(1, /^POST \/v1\/payment_intents\/.*\/expire$/, {
          status: 400,
          body: { error: { type: 'invalid_request_error', code: 'invalid_request', message: 'no' } },
        });
        await h.advance(10 * 60_000 + 1_000);
        expect((await get(p)).status).toBe('processing');
        await h.advance(24 * 3_600_000);
        expect((await session(p)).status).toBe('expired');
        expect(await get(p)).toMatchObject({ status: 'canceled', failure_reason: 'payment_timeout' });
        expect(notified()).toEqual(['payment.canceled']);
      },
      harnessBudget({ steps: 8 }),
    );

    it(
      "tries the deadline again when Fintoc cannot be reached to expire a started session's intent, instead of leaving it payable and the payment processing for a day",
      async () => {
        const p = await newPayment();
        await drive(p, 'start');
        await h.settle();
        const expireIntent = /^POST \/v1\/payment_intents\/[^/]+\/expire$/;
        // Fintoc refuses the session's expire (the customer started), then does not answer the
        // expire of its intent: a failure to reach Fintoc, not a refusal.
        h.failFintoc(1, expireIntent);
        await h.advance(10 * 60_000 + 1_000);
        expect(h.fintocCalls.filter((c) => expireIntent.test(c))).toHaveLength(1);
        expect((await get(p)).status).not.toBe('canceled');
        // The deadline comes back (5 s later) and expires the intent: canceled, nothing left payable.
        await h.advance(6_000);
        const cs = await session(p);
        const pi = cs.payment_resource?.payment_intent as { id: string; status: string };
        expect(h.fintocCalls.filter((c) => c === `POST /v1/payment_intents/${pi.id}/expire`)).toHaveLength(2);
        expect(pi.status).toBe('expired');
        expect(cs.status).toBe('expired');
        expect(await get(p)).toMatchObject({
          status: 'canceled',
          failure_reason: 'payment_timeout',
          payment_intent_id: pi.id,
        });
        await h.settle();
        expect(notified()).toEqual(['payment.canceled']);
      },
      harnessBudget({ steps: 8 }),
    );

    it(
      'ends succeeded when the session finishes while the deadline is expiring it (Fintoc refuses the expire: the money wins)',
      async () => {
        const p = await newPayment();
        await drive(p, 'open');
        // Every webhook lost: only the deadline's own read can learn the outcome.
        await h.sandbox('POST', '/_sandbox/faults', { kind: 'drop', count: 40 });
        h.interceptFintoc(/^POST \/v2\/checkout_sessions\/cs_\w+\/expire$/, async (forward) => {
          // The customer authorizes just as the expire is on its way.
          await drive(p, 'authorize');
          return forward();
        });
        h.failFintoc(1, /^GET \/v2\/checkout_sessions\//);
        await h.advance(10 * 60_000 + 1_000);
        expect((await session(p)).status).toBe('finished');
        expect(await get(p)).toMatchObject({ status: 'succeeded', paid_after_cancel: false });
        expect((await timeline(p)).find((e) => e.to_status === 'succeeded')?.cause).toBe('job:abandon');
        expect(notified()).toEqual(['payment.succeeded']);
      },
      harnessBudget({ steps: 8 }),
    );

    it(
      'recovers lost webhooks by reading the session (status sync), and records its payment intent',
      async () => {
        const p = await newPayment();
        await h.sandbox('POST', '/_sandbox/faults', { kind: 'drop', count: 40 });
        await drive(p, 'authorize');
        await h.settle();
        expect((await get(p)).status).toBe('pending');
        await h.advance(2 * 60_000 + 1_000);
        const after = await get(p);
        expect(after.status).toBe('succeeded');
        expect(after.payment_intent_id).toMatch(/^pi_/);
        expect(h.fintocCalls).toContain(`GET /v2/checkout_sessions/${p.checkout_session_id}`);
        expect((await timeline(p)).find((e) => e.to_status === 'succeeded')?.cause).toBe('job:sync');
      },
      harnessBudget({ steps: 6 }),
    );

    it(
      'gives a new session when the customer asks for a new attempt, and expires the old one',
      async () => {
        const p = await newPayment();
        const first = p.checkout_session_id!;
        const res = await h.app.inject({ method: 'POST', url: `/pay/${p.id}/attempts`, payload: {} });
        expect(res.statusCode).toBe(201);
        const after = await get(p);
        expect(after.checkout_session_id).toMatch(/^cs_/);
        expect(after.checkout_session_id).not.toBe(first);
        expect((await h.fintoc.v2.checkoutSessions.get(first)).status).toBe('expired');
        // The old session's expiry (and its event) leaves the payment waiting for the new one.
        await h.settle();
        expect(after.status).toBe('pending');
        expect((await get(p)).status).toBe('pending');
      },
      harnessBudget({ steps: 6 }),
    );

    it(
      'keeps each flow per payment: an intent payment beside session ones, and a flow it does not know is refused',
      async () => {
        const intent = await newPayment({ flow: 'intent' });
        expect(intent).toMatchObject({ flow: 'intent', checkout_session_id: null });
        expect(intent.payment_intent_id).toMatch(/^pi_/);
        await h.simulate(intent.payment_intent_id!, 'authorize');
        await h.settle();
        expect((await get(intent)).status).toBe('succeeded');
        const bad = await h.createPayment({
          amount: 1000,
          currency: 'CLP',
          order_id: 'bad-flow',
          flow: 'widget',
        });
        expect(bad.status).toBe(400);
        expect(bad.json).toMatchObject({ error: { code: 'invalid_parameter', param: 'flow' } });
        expect(await h.app.payments.listByOrder('bad-flow')).toEqual([]);
      },
      harnessBudget({ steps: 6 }),
    );
  });
}

describe('the redirect flow', () => {
  let h: Harness;
  beforeEach(
    async () => {
      h = await startHarness({
        env: { FINTOC_FLOW: 'redirect', PASARELA_PUBLIC_URL: 'https://pay.test' },
      });
    },
    harnessBudget({ steps: 2 }),
  );
  afterEach(() => h.close());

  it(
    'sends the customer to Fintoc’s page, and the return page shows what the service knows, never the query string',
    async () => {
      const res = await h.createPayment({ amount: 5000, currency: 'CLP', order_id: 'redir-1' });
      expect(res.status).toBe(201);
      const p = res.json as unknown as Payment;
      expect(p.flow).toBe('redirect');
      const cs = await h.fintoc.v2.checkoutSessions.get(p.checkout_session_id!);
      expect(cs).toMatchObject({ ui_mode: 'hosted' });
      expect(cs.success_url).toBe(`https://pay.test/pay/${p.id}/return?from=success`);
      expect(cs.cancel_url).toBe(`https://pay.test/pay/${p.id}/return?from=cancel`);
      const view = (await h.app.inject({ method: 'GET', url: `/pay/${p.id}/session` })).json() as {
        widget: unknown;
        redirect: { url: string } | null;
      };
      expect(view.widget).toBeNull();
      expect(view.redirect?.url).toBe(cs.redirect_url);
      const page = await h.app.inject({ method: 'GET', url: `/pay/${p.id}` });
      expect(page.body).toContain(`href="${cs.redirect_url}"`);

      // Back "successfully" before anything was paid: the page says pending, not paid.
      const early = await h.app.inject({ method: 'GET', url: `/pay/${p.id}/return?from=success` });
      expect(early.statusCode).toBe(200);
      expect(early.body).not.toContain('data-status="succeeded"');
      expect(early.body).toContain('data-phase="ready"');
      await h.settle();
      expect((await h.getPayment(p.id)).status).toBe('pending');

      // The customer pays on Fintoc's page but every webhook is lost: the return asks Fintoc now.
      await h.sandbox('POST', '/_sandbox/faults', { kind: 'drop', count: 40 });
      await h.sandbox('POST', `/_sandbox/checkout_sessions/${p.checkout_session_id}/simulate`, {
        action: 'authorize',
      });
      await h.settle();
      expect((await h.getPayment(p.id)).status).toBe('pending');
      await h.app.inject({ method: 'GET', url: `/pay/${p.id}/return?from=success` });
      await h.settle();
      expect((await h.getPayment(p.id)).status).toBe('succeeded');
      const done = await h.app.inject({ method: 'GET', url: `/pay/${p.id}/return?from=cancel` });
      expect(done.body).toContain('data-status="succeeded"');
      const tl = (await h.getPayment(p.id, true)).timeline as Entry[];
      expect(tl.filter((e) => e.kind === 'browser').map((e) => e.cause_id)).toEqual([
        'redirect_return_success',
        'redirect_return_success',
        'redirect_return_cancel',
      ]);
      expect(tl.find((e) => e.to_status === 'succeeded')?.cause).toBe('job:sync');
    },
    harnessBudget({ steps: 12 }),
  );

  it(
    'is refused with flow_unavailable, storing nothing, when checkout_url is not https',
    async () => {
      const res = await h.createPayment({ amount: 5000, order_id: 'redir-2', flow: 'session' });
      expect(res.status).toBe(201);
      const local = await startHarness({ env: { FINTOC_FLOW: 'intent' } });
      try {
        const bad = await local.createPayment({ amount: 5000, order_id: 'redir-3', flow: 'redirect' });
        expect(bad.status).toBe(422);
        expect(bad.json).toMatchObject({ error: { code: 'flow_unavailable', param: 'flow' } });
        expect(await local.app.payments.listByOrder('redir-3')).toEqual([]);
        expect(local.fintocCalls).toEqual([]);
      } finally {
        await local.close();
      }
    },
    harnessBudget({ harnesses: 2, steps: 4 }),
  );
});
