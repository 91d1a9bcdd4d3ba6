/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseEvent } from '../../src/fintoc/index.js';
import { build, createIntent, simulate, LIVE_KEY, OTHER_KEY, TEST_KEY, type Harness } from './helper.js';

let h: Harness;
beforeEach(() => {
  h = build();
});
afterEach(() => h.close());

async function events(key = TEST_KEY): Promise<any[]> {
  return (await h.request('GET', '/_sandbox/events', { key })).body.data.reverse();
}

async function status(id: string): Promise<any> {
  return (await h.request('GET', `/v1/payment_intents/${id}`)).body;
}

async function setScenario(body: Record<string, unknown>, id?: string) {
  const url = id ? `/_sandbox/payment_intents/${id}/scenario` : '/_sandbox/scenario';
  const res = await h.request('PUT', url, { body });
  expect(res.status).toBe(200);
  return res.body;
}

describe('state transitions', () => {
  it('created → in_progress emits nothing; → succeeded emits payment_intent.succeeded with the whole object', async () => {
    const pi = await createIntent(h, { customer_email: 'c@d.cl' });
    await simulate(h, pi.id, 'start');
    expect((await status(pi.id)).status).toBe('in_progress');
    expect(await events()).toEqual([]);
    await simulate(h, pi.id, 'authorize');
    const [evt] = await events();
    expect(evt).toMatchObject({ type: 'payment_intent.succeeded', object: 'event', mode: 'test' });
    expect(evt.id).toMatch(/^evt_/);
    const { sandbox: _s, ...plain } = evt;
    const parsed = parseEvent(plain);
    expect(parsed.type).toBe('payment_intent.succeeded');
    expect(evt.data).toEqual(await status(pi.id));
    expect(evt.data).toMatchObject({
      status: 'succeeded',
      error_reason: null,
      widget_token: null,
      customer_email: 'c@d.cl',
    });
    expect(evt.data.sender_account).toMatchObject({
      institution_id: expect.stringMatching(/^cl_/),
      number: expect.any(String),
    });
  });

  it('refuses moves the machine does not allow, with a clear 400', async () => {
    const pi = await createIntent(h);
    await simulate(h, pi.id, 'run');
    for (const action of ['start', 'authorize', 'reject', 'fail', 'pending', 'expire']) {
      const res = await simulate(h, pi.id, action);
      if (action === 'start') {
        expect(res.status).toBe(200); // starting again is a no-op
        continue;
      }
      expect(res.status, action).toBe(400);
      expect(res.body.error.code).toBe('invalid_status_transition');
      expect(res.body.error.message).toContain('succeeded');
    }
    expect((await status(pi.id)).status).toBe('succeeded');
  });

  it('rejects an unknown simulate action and an unknown intent', async () => {
    const pi = await createIntent(h);
    expect((await simulate(h, pi.id, 'explode')).body.error).toMatchObject({
      code: 'invalid_params',
      param: 'action',
    });
    expect((await simulate(h, 'pi_nope', 'run')).status).toBe(404);
    expect((await simulate(h, pi.id, 'run', {}, OTHER_KEY)).status).toBe(404);
  });

  it('the sandbox expires an intent nobody finished after the intent timeout, on the clock', async () => {
    const pi = await createIntent(h);
    await simulate(h, pi.id, 'start');
    await h.sb.clock.advance(3_600_000 - 1);
    expect((await status(pi.id)).status).toBe('in_progress');
    await h.sb.clock.advance(1);
    expect(await status(pi.id)).toMatchObject({
      status: 'expired',
      error_reason: 'timeout',
      sender_account: null,
    });
    expect((await events()).map((e) => e.type)).toEqual(['payment_intent.expired']);
  });
});

describe('settings', () => {
  it('intent_timeout can be changed or turned off for new intents', async () => {
    const set = await h.request('PATCH', '/_sandbox/settings', { body: { intent_timeout: '10m' } });
    expect(set.body.intent_timeout_ms).toBe(600_000);
    const a = await createIntent(h);
    await h.request('PATCH', '/_sandbox/settings', { body: { intent_timeout: 'never' } });
    const b = await createIntent(h);
    await h.sb.clock.advance(86_400_000);
    expect((await status(a.id)).status).toBe('expired');
    expect((await status(b.id)).status).toBe('created');
    expect(
      (await h.request('PATCH', '/_sandbox/settings', { body: { intent_timeout: 'later' } })).status,
    ).toBe(400);
  });
});

describe('scenarios', () => {
  it('succeed (the default)', async () => {
    const pi = await createIntent(h);
    await simulate(h, pi.id, 'run');
    expect(await status(pi.id)).toMatchObject({ status: 'succeeded', error_reason: null });
  });

  it('reject, with the default and a given error_reason', async () => {
    await setScenario({ scenario: 'reject' });
    const a = await createIntent(h);
    await simulate(h, a.id, 'run');
    expect(await status(a.id)).toMatchObject({
      status: 'rejected',
      error_reason: 'mfa_invalid_authorization',
    });
    await setScenario({ scenario: 'reject', error_reason: 'mfa_locked' });
    const b = await createIntent(h);
    await simulate(h, b.id, 'run');
    expect(await status(b.id)).toMatchObject({ status: 'rejected', error_reason: 'mfa_locked' });
    expect((await events()).map((e) => e.type)).toEqual([
      'payment_intent.rejected',
      'payment_intent.rejected',
    ]);
  });

  it('fail with an error_reason, set per intent', async () => {
    const pi = await createIntent(h);
    const view = await setScenario({ scenario: 'fail', error_reason: 'bank_not_available' }, pi.id);
    expect(view.sandbox.scenario).toMatchObject({ name: 'fail', error_reason: 'bank_not_available' });
    await simulate(h, pi.id, 'run');
    expect(await status(pi.id)).toMatchObject({ status: 'failed', error_reason: 'bank_not_available' });
    const other = await createIntent(h);
    await simulate(h, other.id, 'run');
    expect((await status(other.id)).status).toBe('succeeded'); // the per-intent scenario did not leak
  });

  it('pending_then_succeed settles when the clock passes pending_for', async () => {
    await setScenario({ scenario: 'pending_then_succeed', pending_for: '2m' });
    const pi = await createIntent(h);
    await simulate(h, pi.id, 'run');
    expect(await status(pi.id)).toMatchObject({ status: 'pending', error_reason: null });
    await h.sb.clock.advance(119_000);
    expect((await status(pi.id)).status).toBe('pending');
    await h.sb.clock.advance(1000);
    expect(await status(pi.id)).toMatchObject({ status: 'succeeded', error_reason: null });
    expect((await events()).map((e) => e.type)).toEqual([
      'payment_intent.pending',
      'payment_intent.succeeded',
    ]);
  });

  it('each event keeps the object as it was when emitted', async () => {
    await setScenario({ scenario: 'pending_then_succeed' });
    const pi = await createIntent(h);
    await simulate(h, pi.id, 'run');
    await h.sb.clock.advance(60_000);
    const [pending, succeeded] = await events();
    expect(pending.data).toMatchObject({ status: 'pending', sender_account: expect.any(Object) });
    expect(succeeded.data.status).toBe('succeeded');
    expect(succeeded.created_at > pending.created_at).toBe(true);
  });

  it('pending_then_fail ends failed with unresolved_final_status by default', async () => {
    await setScenario({ scenario: 'pending_then_fail' });
    const pi = await createIntent(h);
    await simulate(h, pi.id, 'run');
    await h.sb.clock.advance(60_000);
    expect(await status(pi.id)).toMatchObject({ status: 'failed', error_reason: 'unresolved_final_status' });
    expect((await events()).map((e) => e.type)).toEqual(['payment_intent.pending', 'payment_intent.failed']);
  });

  it('customer_leaves: the intent stays in_progress with no account; the shop expires it', async () => {
    await setScenario({ scenario: 'customer_leaves' });
    const pi = await createIntent(h);
    await simulate(h, pi.id, 'run');
    expect(await status(pi.id)).toMatchObject({ status: 'in_progress', sender_account: null });
    await h.sb.clock.advance(10 * 60_000);
    const expired = await h.request('POST', `/v1/payment_intents/${pi.id}/expire`);
    expect(expired.body).toMatchObject({
      status: 'expired',
      error_reason: 'manually_expired',
      sender_account: null,
    });
    const [evt] = await events();
    expect(evt.data.sender_account).toBeNull();
  });

  it('authorize_in_bank_and_never_return: succeeds (webhook) with no browser', async () => {
    await setScenario({ scenario: 'authorize_in_bank_and_never_return' });
    const pi = await createIntent(h);
    await simulate(h, pi.id, 'run');
    expect((await status(pi.id)).status).toBe('succeeded');
    expect((await events()).map((e) => e.type)).toEqual(['payment_intent.succeeded']);
  });

  it('simulate reject/fail take the given error_reason, else the scenario’s of that kind, else the default', async () => {
    const outcome = async (scenario: Record<string, unknown> | null, action: string, reason?: string) => {
      const pi = await createIntent(h);
      if (scenario) await setScenario(scenario, pi.id);
      const res = await simulate(h, pi.id, action, reason ? { error_reason: reason } : {});
      expect(res.status).toBe(200);
      return `${res.body.status}:${res.body.error_reason}`;
    };
    expect(await outcome({ scenario: 'reject', error_reason: 'mfa_locked' }, 'reject')).toBe(
      'rejected:mfa_locked',
    );
    expect(await outcome({ scenario: 'reject', error_reason: 'mfa_locked' }, 'reject', 'x')).toBe(
      'rejected:x',
    );
    expect(await outcome({ scenario: 'fail', error_reason: 'bank_not_available' }, 'fail')).toBe(
      'failed:bank_not_available',
    );
    expect(await outcome({ scenario: 'fail', error_reason: 'bank_not_available' }, 'reject')).toBe(
      'rejected:mfa_invalid_authorization',
    );
    expect(await outcome(null, 'fail')).toBe('failed:insufficient_funds');
    expect(await outcome(null, 'expire')).toBe('expired:timeout');
    expect(await outcome(null, 'leave')).toBe('created:null');
  });

  it('refuses unknown scenarios and bad durations', async () => {
    const bad = await h.request('PUT', '/_sandbox/scenario', { body: { scenario: 'win' } });
    expect(bad.body.error).toMatchObject({ code: 'invalid_params', param: 'scenario' });
    const dur = await h.request('PUT', '/_sandbox/scenario', {
      body: { scenario: 'pending_then_fail', pending_for: 'soon' },
    });
    expect(dur.body.error.param).toBe('pending_for');
    expect((await h.request('GET', '/_sandbox/scenario')).body.name).toBe('succeed');
  });

  it('the default scenario is per organisation and mode', async () => {
    await setScenario({ scenario: 'reject' });
    const live = await createIntent(h, {}, LIVE_KEY);
    await simulate(h, live.id, 'run', {}, LIVE_KEY);
    expect((await h.request('GET', `/v1/payment_intents/${live.id}`, { key: LIVE_KEY })).body.status).toBe(
      'succeeded',
    );
  });
});

describe('widget bridge', () => {
  const pk = 'pk_test_orgAAAA1111';
  const open = (pi: any, extra: Record<string, unknown> = {}) =>
    h.sb.bridge.openSession({
      product: 'payments',
      publicKey: pk,
      widgetToken: pi.widget_token,
      holderType: 'individual',
      country: 'cl',
      ...extra,
    });
  /** An accepted session (the test fails here if it was refused). */
  const session = (pi: any) => {
    const r = open(pi);
    if (!r.ok) throw new Error(`expected a session, got ${r.code}`);
    return r;
  };
  const act = (r: { sessionId: string }, action: Parameters<typeof h.sb.bridge.customerAction>[1]) =>
    h.sb.bridge.customerAction(r.sessionId, action);

  it('opens a session for a valid token and records the options', async () => {
    const pi = await createIntent(h);
    const r = open(pi);
    expect(r).toMatchObject({
      ok: true,
      intent: { id: pi.id, amount: 5000, currency: 'CLP', status: 'created', mode: 'test' },
      country: 'cl',
      scenario: 'succeed',
    });
    const listed = (await h.request('GET', '/_sandbox/widget_sessions')).body.data;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      ok: true,
      payment_intent_id: pi.id,
      options: {
        product: 'payments',
        publicKey: pk,
        widgetToken: pi.widget_token,
        holderType: 'individual',
        country: 'cl',
      },
    });
  });

  it.each([
    ['invalid_product', { product: 'movements' }, TEST_KEY],
    ['invalid_public_key', { publicKey: 'sk_test_orgAAAA1111' }, TEST_KEY],
    ['invalid_public_key', { publicKey: 'pk_test_someoneElse99' }, 'sk_test_someoneElse99'],
    ['mode_mismatch', { publicKey: 'pk_live_orgAAAA1111' }, LIVE_KEY],
    ['invalid_widget_token', { widgetToken: 'pi_x_sec_y' }, TEST_KEY],
    ['invalid_widget_token', { widgetToken: undefined }, TEST_KEY],
    ['invalid_holder_type', { holderType: 'business' }, TEST_KEY],
  ])(
    'refuses with %s, and lists the refused session to the organisation its key names',
    async (code, extra, key) => {
      const pi = await createIntent(h);
      const r = open(pi, extra);
      expect(r).toMatchObject({ ok: false, code });
      if (!r.ok) expect(r.message.length).toBeGreaterThan(10);
      const listed = (await h.request('GET', '/_sandbox/widget_sessions', { key })).body.data;
      expect(listed).toEqual([
        expect.objectContaining({
          ok: false,
          error: { code, message: expect.any(String) },
          // What the browser sent, as JSON carries it (an undefined option is no option).
          options: JSON.parse(
            JSON.stringify({
              product: 'payments',
              publicKey: pk,
              widgetToken: pi.widget_token,
              holderType: 'individual',
              country: 'cl',
              ...extra,
            }),
          ),
        }),
      ]);
      if (key !== TEST_KEY)
        expect((await h.request('GET', '/_sandbox/widget_sessions')).body.data).toEqual([]);
    },
  );

  it('a key that names no organisation: refused, and listed nowhere', async () => {
    const pi = await createIntent(h);
    expect(open(pi, { publicKey: 'Bearer pk_test_orgAAAA1111' })).toMatchObject({
      ok: false,
      code: 'invalid_public_key',
    });
    expect(open(pi, { publicKey: 'pk_test_abc' })).toMatchObject({ ok: false, code: 'invalid_public_key' });
    expect((await h.request('GET', '/_sandbox/widget_sessions')).body.data).toEqual([]);
  });

  it('drives the intent: start, authorize (per scenario); the token is then spent', async () => {
    const pi = await createIntent(h);
    const r = session(pi);
    expect(act(r, 'start')).toEqual({
      ok: true,
      status: 'in_progress',
      errorReason: null,
    });
    expect(act(r, 'authorize')).toEqual({
      ok: true,
      status: 'succeeded',
      errorReason: null,
    });
    expect(act(r, 'authorize')).toMatchObject({
      ok: false,
      code: 'widget_token_spent',
    });
    expect(open(pi)).toMatchObject({ ok: false, code: 'widget_token_spent' });
    const listed = (await h.request('GET', '/_sandbox/widget_sessions')).body.data.find(
      (s: any) => s.id === r.sessionId,
    );
    expect(listed.actions.map((a: any) => `${a.action}:${a.ok}`)).toEqual([
      'start:true',
      'authorize:true',
      'authorize:false',
    ]);
  });

  it('reject gives rejected; leave changes nothing; the scenario decides authorize', async () => {
    const a = await createIntent(h);
    const ra = session(a);
    act(ra, 'start');
    expect(act(ra, 'reject')).toEqual({
      ok: true,
      status: 'rejected',
      errorReason: 'mfa_invalid_authorization',
    });

    const b = await createIntent(h);
    const rb = session(b);
    act(rb, 'start');
    expect(act(rb, 'leave')).toEqual({
      ok: true,
      status: 'in_progress',
      errorReason: null,
    });

    const c = await createIntent(h);
    await setScenario({ scenario: 'fail', error_reason: 'insufficient_funds' }, c.id);
    const rc = session(c);
    expect(rc.scenario).toBe('fail');
    expect(act(rc, 'authorize_and_close')).toEqual({
      ok: true,
      status: 'failed',
      errorReason: 'insufficient_funds',
    });
    expect(h.sb.bridge.customerAction('ws_nope', 'start')).toMatchObject({
      ok: false,
      code: 'unknown_session',
    });
  });

  it('sessions are listed only to their organisation', async () => {
    const pi = await createIntent(h);
    open(pi);
    expect((await h.request('GET', '/_sandbox/widget_sessions', { key: OTHER_KEY })).body.data).toEqual([]);
  });
});

describe('control API listings', () => {
  it('lists intents with scenario, history and token; records API requests', async () => {
    const pi = await createIntent(h);
    await simulate(h, pi.id, 'run');
    const [listed] = (await h.request('GET', '/_sandbox/payment_intents')).body.data;
    expect(listed).toMatchObject({ id: pi.id, widget_token: pi.widget_token, status: 'succeeded' });
    expect(listed.sandbox.history.map((x: any) => x.status)).toEqual(['created', 'in_progress', 'succeeded']);
    const reqs = (await h.request('GET', '/_sandbox/requests')).body.data.map(
      (r: any) => `${r.method} ${r.path} ${r.status}`,
    );
    expect(reqs).toContain('POST /v1/payment_intents 201');
    expect(reqs.some((r: string) => r.includes('/_sandbox'))).toBe(false);
  });

  it("logs a keyed call to a path Fintoc does not have in that organisation's request log", async () => {
    const pi = await createIntent(h);
    expect((await h.request('GET', `/payment_intents/${pi.id}`)).status).toBe(404);
    expect((await h.request('GET', '/v2/nothing', { key: OTHER_KEY })).status).toBe(404);
    const noKey = await h.sb.app.inject({ method: 'GET', url: '/payment_intents' });
    expect(noKey.statusCode).toBe(404);
    const reqs = (await h.request('GET', '/_sandbox/requests')).body.data.map(
      (r: any) => `${r.method} ${r.path} ${r.status}`,
    );
    expect(reqs[0]).toBe(`GET /payment_intents/${pi.id} 404`);
    expect(reqs.filter((r: string) => r.includes(' 404'))).toHaveLength(1);
    const other = (await h.request('GET', '/_sandbox/requests', { key: OTHER_KEY })).body.data;
    expect(other.map((r: any) => r.path)).toEqual(['/v2/nothing']);
  });

  it('reads and advances the clock by a duration or seconds', async () => {
    const before = (await h.request('GET', '/_sandbox/clock')).body;
    expect(before).toMatchObject({ now: '2025-01-01T12:00:00.000Z', offset_ms: 0 });
    const after = await h.request('POST', '/_sandbox/clock/advance', { body: { by: '10m' } });
    expect(after.body).toMatchObject({ now: '2025-01-01T12:10:00.000Z', advanced_ms: 600_000 });
    const secs = await h.request('POST', '/_sandbox/clock/advance', { body: { by: 30 } });
    expect(secs.body.now).toBe('2025-01-01T12:10:30.000Z');
    expect(
      (await h.request('POST', '/_sandbox/clock/advance', { body: { by: '-5m' } })).body.error.param,
    ).toBe('by');
    expect((await h.request('POST', '/_sandbox/clock/advance', { body: {} })).body.error.code).toBe(
      'missing_parameter',
    );
  });
});
