/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
/**
 * The state file (`createSandbox({ stateFile })`): a sandbox closed and started again from its file
 * knows every intent, endpoint (with its secret), event, delivery and pending task it had, and the
 * test clock resumes its offset; a bad file is a clear error, never a silent reset; writes leave
 * no temporary file behind.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verify } from '../../src/fintoc/index.js';
import { SandboxStateError, STATE_VERSION } from '../../src/sandbox/index.js';
import { build, createEndpoint, createIntent, simulate, T0, type Harness } from './helper.js';

let dir: string;
let file: string;
const open: Harness[] = [];

function start(): Harness {
  const h = build({ stateFile: file });
  open.push(h);
  return h;
}

async function stop(h: Harness): Promise<void> {
  open.splice(open.indexOf(h), 1);
  await h.close();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pasarela-sandbox-state-'));
  file = join(dir, 'sandbox.json');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (h: Harness, url: string) => {
  const res = await h.request('GET', url);
  expect(res.status, url).toBe(200);
  return res.body;
};

describe('state file round trip', () => {
  it('a restarted sandbox has the same intents, endpoint, secret, clock and pending work', async () => {
    const h1 = start();
    h1.respond = () => ({ status: 500, body: 'down' });
    const we = await createEndpoint(h1);
    const created = await createIntent(h1, { metadata: { order_id: 'A-1' } });
    const succeeded = await createIntent(h1);
    const rejected = await createIntent(h1, { currency: 'MXN' });
    const pending = await createIntent(h1);
    const replayable = await h1.request('POST', '/v1/payment_intents', {
      body: { amount: 777, currency: 'CLP' },
      headers: { 'idempotency-key': 'order-9' },
    });
    expect(replayable.status).toBe(201);
    await simulate(h1, succeeded.id, 'run');
    await simulate(h1, rejected.id, 'reject', { error_reason: 'insufficient_funds' });
    await h1.request('PUT', `/_sandbox/payment_intents/${pending.id}/scenario`, {
      body: { scenario: 'pending_then_succeed', pending_for: '2m' },
    });
    await simulate(h1, pending.id, 'run');
    await h1.request('PUT', '/_sandbox/scenario', { body: { scenario: 'fail', error_reason: 'x_reason' } });
    const fault = (
      await h1.request('POST', '/_sandbox/faults', {
        body: { kind: 'duplicate', event_type: 'refund.succeeded' },
      })
    ).body;
    const refund = (
      await h1.request('POST', '/v1/refunds', {
        body: { resource_type: 'payment_intent', resource_id: succeeded.id, amount: 1000 },
      })
    ).body;
    const checkout = (
      await h1.request('POST', '/v1/checkout_sessions', {
        body: {
          amount: 990,
          currency: 'CLP',
          success_url: 'https://shop.example/ok',
          cancel_url: 'https://shop.example/ko',
        },
      })
    ).body;
    // Sandbox time moves a little; the three webhooks are attempted once, fail, and wait 3 s.
    await h1.sb.clock.advance(1500);
    expect(h1.received).toHaveLength(3);
    const offset = h1.sb.clock.offsetMs;
    expect(offset).toBe(1500);

    const ids = [created.id, succeeded.id, rejected.id, pending.id, replayable.body.id];
    const before = {
      intents: await Promise.all(ids.map((id) => get(h1, `/_sandbox/payment_intents/${id}`))),
      deliveries: (await get(h1, '/_sandbox/deliveries')).data,
      events: await get(h1, '/v1/events'),
      clock: await get(h1, '/_sandbox/clock'),
      refund: await get(h1, `/v1/refunds/${refund.id}`),
      checkout: await get(h1, `/v1/checkout_sessions/${checkout.id}`),
      endpoints: await get(h1, '/v1/webhook_endpoints'),
    };
    expect(before.deliveries.map((d: any) => d.status)).toEqual(['scheduled', 'scheduled', 'scheduled']);
    await stop(h1);
    expect(readdirSync(dir)).toEqual(['sandbox.json']);
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(STATE_VERSION);

    const h2 = start();
    expect(h2.sb.clock.offsetMs).toBe(offset);
    expect(h2.sb.clock.now()).toBe(T0 + offset);
    for (const [i, id] of ids.entries()) {
      expect(await get(h2, `/_sandbox/payment_intents/${id}`)).toEqual(before.intents[i]);
      expect(await get(h2, `/v1/payment_intents/${id}`)).toEqual(
        (({ sandbox: _s, ...o }) => ({ ...o, widget_token: null }))(before.intents[i]),
      );
    }
    expect(before.intents.map((i: any) => i.status)).toEqual([
      'created',
      'succeeded',
      'rejected',
      'pending',
      'created',
    ]);
    expect(before.intents[3].sandbox.scenario).toMatchObject({ name: 'pending_then_succeed' });
    expect(before.intents[1].sandbox.history.length).toBeGreaterThan(1);
    expect((await get(h2, '/_sandbox/deliveries')).data).toEqual(before.deliveries);
    expect(await get(h2, '/v1/events')).toEqual(before.events);
    expect(await get(h2, '/_sandbox/clock')).toEqual(before.clock); // every task, at the same instant
    expect(await get(h2, `/v1/refunds/${refund.id}`)).toEqual(before.refund);
    expect(await get(h2, `/v1/checkout_sessions/${checkout.id}`)).toEqual(before.checkout);
    expect(await get(h2, '/v1/webhook_endpoints')).toEqual(before.endpoints);
    expect((await get(h2, `/_sandbox/webhook_endpoints/${we.id}/secret`)).secret).toBe(we.secret);
    expect(await get(h2, '/_sandbox/scenario')).toMatchObject({ name: 'fail', error_reason: 'x_reason' });
    expect((await get(h2, '/_sandbox/faults')).data).toEqual([fault]);

    // Idempotency records survive: the same request with the same key is a replay.
    const again = await h2.request('POST', '/v1/payment_intents', {
      body: { amount: 777, currency: 'CLP' },
      headers: { 'idempotency-key': 'order-9' },
    });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(replayable.body.id);

    // The widget token still opens the widget.
    expect(
      h2.sb.bridge.openSession({
        product: 'payments',
        publicKey: 'pk_test_orgAAAA1111',
        widgetToken: created.widget_token,
        holderType: 'individual',
      }),
    ).toMatchObject({ ok: true, intent: { id: created.id } });

    // The failed deliveries retry 3 s after their first attempt, with the endpoint's same secret.
    await h2.sb.clock.flush();
    expect(h2.received).toHaveLength(0);
    await h2.sb.clock.advance(1499);
    expect(h2.received).toHaveLength(0);
    await h2.sb.clock.advance(1);
    expect(h2.received).toHaveLength(3);
    for (const r of h2.received) {
      expect(r.at).toBe(T0 + 3000);
      const event = verify({
        body: r.body,
        header: r.headers['fintoc-signature'],
        secrets: we.secret,
        now: new Date(r.at),
      });
      expect(before.events.map((e: any) => e.id)).toContain(event.id);
    }
    const retried = (await get(h2, '/_sandbox/deliveries')).data;
    expect(retried.map((d: any) => [d.status, d.attempts.length])).toEqual([
      ['delivered', 2],
      ['delivered', 2],
      ['delivered', 2],
    ]);

    // The rest of the pending work runs on time: the pending intent settles after its 2 minutes,
    // the refund moves after 60 s, the untouched intent expires after the 1 h intent timeout.
    await h2.sb.clock.advance(60_000);
    expect((await get(h2, `/v1/refunds/${refund.id}`)).status).toBe('in_progress');
    await h2.sb.clock.advance(60_000);
    expect((await get(h2, `/v1/payment_intents/${pending.id}`)).status).toBe('succeeded');
    await h2.sb.clock.advance(3_600_000);
    expect(await get(h2, `/v1/payment_intents/${created.id}`)).toMatchObject({
      status: 'expired',
      error_reason: 'timeout',
    });
    const types = (await get(h2, '/v1/events')).map((e: any) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['payment_intent.succeeded', 'refund.in_progress', 'payment_intent.expired']),
    );
    await stop(h2);
    expect(readdirSync(dir)).toEqual(['sandbox.json']);
  });

  it('a third start sees what the second one did', async () => {
    const h1 = start();
    const pi = await createIntent(h1);
    await stop(h1);
    const h2 = start();
    await simulate(h2, pi.id, 'run');
    await h2.sb.clock.advance(10_000);
    await stop(h2);
    const h3 = start();
    expect((await get(h3, `/v1/payment_intents/${pi.id}`)).status).toBe('succeeded');
    expect(h3.sb.clock.offsetMs).toBe(10_000);
  });
});

describe('delivery work across a restart', () => {
  const trigger = (h: Harness, amount: number) =>
    h.request('POST', '/v1/events/trigger', {
      body: { type: 'payment_intent.succeeded', overrides: { amount } },
    });

  it('deliveries a reorder fault holds are still held, then sent newest first when the window ends', async () => {
    const h1 = start();
    await createEndpoint(h1);
    await h1.request('POST', '/_sandbox/faults', { body: { kind: 'reorder', window: '10s' } });
    await trigger(h1, 1);
    await h1.sb.clock.advance(2000);
    await trigger(h1, 2);
    await h1.sb.clock.advance(2000);
    expect(h1.received).toHaveLength(0);
    await stop(h1);

    const h2 = start();
    expect((await get(h2, '/_sandbox/deliveries')).data.map((d: any) => d.status)).toEqual(['held', 'held']);
    await h2.sb.clock.advance(5999);
    expect(h2.received).toHaveLength(0);
    await h2.sb.clock.advance(1);
    expect(h2.received.map((r) => JSON.parse(r.body).data.amount)).toEqual([2, 1]);
  });

  it('an attempt under way when the file was written (then a crash) is made again at start', async () => {
    const h1 = start();
    h1.respond = () => ({ status: 503 });
    await createEndpoint(h1);
    await trigger(h1, 5);
    await h1.sb.clock.flush();
    await stop(h1);
    // What the file holds if the process died while the second attempt waited for its answer:
    // the attempt recorded without an answer, and no task for the delivery.
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const [delivery] = doc.spaces[0].deliveries;
    expect(delivery.attempts).toHaveLength(1);
    delivery.attempts.push({
      ...delivery.attempts[0],
      number: 2,
      outcome: 'failed',
      status_code: null,
      response_time_ms: null,
      response_body_excerpt: null,
      error: null,
    });
    doc.timers = doc.timers.filter((t: any) => t.spec.kind !== 'deliver');
    writeFileSync(file, JSON.stringify(doc));

    const h2 = start();
    await h2.sb.clock.flush();
    expect(h2.received).toHaveLength(1);
    const [d] = (await get(h2, '/_sandbox/deliveries')).data;
    expect(d.status).toBe('delivered');
    expect(d.attempts.map((a: any) => [a.number, a.status_code])).toEqual([
      [1, 503],
      [2, 200],
    ]);
  });
});

describe('state file writes', () => {
  it('no file: a fresh sandbox, and the file is created at once (parent folders too)', async () => {
    file = join(dir, 'nested', 'deeper', 'sandbox.json');
    expect(existsSync(file)).toBe(false);
    const h = start();
    expect(h.sb.stateFile).toBe(file);
    expect(await get(h, '/v1/payment_intents')).toEqual([]);
    expect(h.sb.clock.offsetMs).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc).toMatchObject({ version: STATE_VERSION, spaces: [], timers: [], clock: { offset_ms: 0 } });
  });

  it('writes after changes on flush (atomically: never a temporary file left) and on close', async () => {
    const h = start();
    const pi = await createIntent(h);
    await h.sb.flushState();
    expect(readFileSync(file, 'utf8')).toContain(pi.id);
    expect(readdirSync(dir)).toEqual(['sandbox.json']);
    await h.sb.clock.advance(5000); // no task ran, but the offset changed
    await h.sb.flushState();
    expect(JSON.parse(readFileSync(file, 'utf8')).clock.offset_ms).toBe(5000);
    const second = await createIntent(h);
    await h.sb.flushState();
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.spaces[0].intents.map((i: any) => i.object.id)).toEqual([pi.id, second.id]);
    const third = await createIntent(h);
    await stop(h);
    expect(readFileSync(file, 'utf8')).toContain(third.id);
    expect(readdirSync(dir)).toEqual(['sandbox.json']);
  });
});

describe('a bad state file', () => {
  const failure = (): SandboxStateError => {
    try {
      start();
    } catch (err) {
      return err as SandboxStateError;
    }
    throw new Error('the sandbox started');
  };

  it('not JSON: sandbox_state_corrupt naming the file, and the file is left alone', () => {
    writeFileSync(file, '{"version":1,"spaces":[');
    const err = failure();
    expect(err).toBeInstanceOf(SandboxStateError);
    expect(err.code).toBe('sandbox_state_corrupt');
    expect(err.file).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/^sandbox_state_corrupt: /);
    expect(readFileSync(file, 'utf8')).toBe('{"version":1,"spaces":[');
  });

  it('another version: sandbox_state_version', () => {
    writeFileSync(file, JSON.stringify({ version: 99 }));
    const err = failure();
    expect(err.code).toBe('sandbox_state_version');
    expect(err.message).toContain(file);
    expect(err.message).toContain('version 99');
  });

  it('no version, a wrong shape or a task naming nothing: sandbox_state_corrupt', async () => {
    writeFileSync(file, JSON.stringify({ hello: 'world' }));
    expect(failure().code).toBe('sandbox_state_corrupt');

    rmSync(file);
    const h = start();
    await createIntent(h);
    await stop(h);
    const good = JSON.parse(readFileSync(file, 'utf8'));

    writeFileSync(file, JSON.stringify({ ...good, spaces: 'none' }));
    expect(failure().message).toContain('spaces is not an array');

    const orphan = {
      ...good,
      timers: [{ at: T0, spec: { kind: 'deliver', space: 'test:orgAAAA1111', id: 'dlv_nope' } }],
    };
    writeFileSync(file, JSON.stringify(orphan));
    const err = failure();
    expect(err.code).toBe('sandbox_state_corrupt');
    expect(err.message).toContain('dlv_nope');
  });

  it('an empty file is corrupt too, not a fresh start', () => {
    writeFileSync(file, '');
    expect(failure().code).toBe('sandbox_state_corrupt');
  });
});

// Checkout sessions: every session (token, intent, scenario, history), the organisation's pinned API
// version and each session's expiry at its exact time; a file written before v2 sessions is taken in.
const SESSION_URLS = { success_url: 'https://shop.example/ok', cancel_url: 'https://shop.example/ko' };

async function createSession(h: Harness, ns: 'v1' | 'v2', body: Record<string, unknown> = {}): Promise<any> {
  const res = await h.request('POST', `/${ns}/checkout_sessions`, {
    body: { amount: 5000, currency: 'CLP', ...SESSION_URLS, ...body },
    headers: { 'idempotency-key': `k-${ns}-${JSON.stringify(body)}` },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const simulateSession = (h: Harness, id: string, action: string) =>
  h.request('POST', `/_sandbox/checkout_sessions/${id}/simulate`, { body: { action } });

describe('checkout sessions in the state file', () => {
  it('a restarted sandbox has the same sessions, pin, expiries, and opens a session by its token', async () => {
    const h1 = start();
    const fresh = await createSession(h1, 'v2', { ui_mode: 'embedded', metadata: { order_id: 'S-1' } });
    const started = await createSession(h1, 'v1');
    const finished = await createSession(h1, 'v2');
    const expired = await createSession(h1, 'v2', { ui_mode: 'embedded' });
    await h1.request('PUT', `/_sandbox/checkout_sessions/${fresh.id}/scenario`, {
      body: { scenario: 'reject', error_reason: 'x_reason' },
    });
    await simulateSession(h1, started.id, 'start');
    await simulateSession(h1, finished.id, 'run');
    await h1.request('POST', `/v2/checkout_sessions/${expired.id}/expire`);
    await h1.request('PUT', '/_sandbox/api_version', { body: { api_version: '2025-08-13' } });
    const before = {
      sessions: (await h1.request('GET', '/_sandbox/checkout_sessions')).body.data,
      clock: (await h1.request('GET', '/_sandbox/clock')).body,
    };
    expect(before.sessions.map((s: any) => s.status)).toEqual([
      'expired',
      'finished',
      'in_progress',
      'created',
    ]);
    await stop(h1);

    const h2 = start();
    expect((await h2.request('GET', '/_sandbox/checkout_sessions')).body.data).toEqual(before.sessions);
    expect((await h2.request('GET', '/_sandbox/clock')).body).toEqual(before.clock);
    expect((await h2.request('GET', '/_sandbox/api_version')).body.api_version).toBe('2025-08-13');
    expect((await h2.request('GET', '/v2/checkout_sessions')).status).toBe(403);
    const v2 = { 'fintoc-version': '2026-02-01' };
    expect((await h2.request('GET', '/v2/checkout_sessions', { headers: v2 })).body).toHaveLength(4);
    // The idempotency record of a create survives too.
    const replay = await h2.request('POST', '/v2/checkout_sessions', {
      body: {
        amount: 5000,
        currency: 'CLP',
        ...SESSION_URLS,
        ui_mode: 'embedded',
        metadata: { order_id: 'S-1' },
      },
      headers: {
        ...v2,
        'idempotency-key': `k-v2-${JSON.stringify({ ui_mode: 'embedded', metadata: { order_id: 'S-1' } })}`,
      },
    });
    expect(replay.body.id).toBe(fresh.id);

    // The widget opens the kept session by its token, under the scenario set before the restart.
    const widget = await h2.sb.app.inject({
      method: 'POST',
      url: '/widget/sessions',
      payload: {
        options: { product: 'payments', publicKey: 'pk_test_orgAAAA1111', sessionToken: fresh.session_token },
      },
    });
    expect(widget.statusCode).toBe(201);
    expect(widget.json().scenario).toBe('reject');

    // The started session's expiry is still due at its time: its payment expires with it.
    await h2.sb.clock.advance(24 * 3_600_000);
    const after = (await h2.request('GET', `/_sandbox/checkout_sessions/${started.id}`)).body;
    expect(after).toMatchObject({
      status: 'expired',
      payment_resource: { payment_intent: { status: 'expired', error_reason: 'timeout' } },
    });
  });

  it('takes in a file written before v2 sessions: the session gets a token and still follows its intent', async () => {
    const h1 = start();
    const cs = await createSession(h1, 'v1', { metadata: { order_id: 'OLD-1' } });
    const opened = (await simulateSession(h1, cs.id, 'open')).body;
    const piId = opened.payment_resource.payment_intent.id;
    await stop(h1);

    // What the sandbox wrote before: no namespace, token, page URL, expiry, scenario or history on
    // the record, the older object, the intent linked through its metadata, no pinned version.
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    const space = doc.spaces.find((s: any) => s.mode === 'test');
    delete space.api_version;
    for (const r of space.checkouts) {
      for (const k of ['namespace', 'sessionToken', 'pageUrl', 'expiresMs', 'scenario', 'history'])
        delete r[k];
      for (const k of [
        'session_token',
        'ui_mode',
        'customer',
        'line_items',
        'payment_method',
        'payment_method_options',
      ])
        delete r.object[k];
    }
    for (const r of space.intents) {
      delete r.checkoutId;
      r.object.metadata.checkout_session = cs.id;
    }
    writeFileSync(file, JSON.stringify(doc));

    const h2 = start();
    const adopted = (await h2.request('GET', `/v2/checkout_sessions/${cs.id}`)).body;
    expect(adopted).toMatchObject({ status: 'created', ui_mode: 'hosted', redirect_url: cs.redirect_url });
    expect(adopted.session_token).toMatch(new RegExp(`^${cs.id}_sec_`));
    expect((await h2.request('GET', '/v1/whoami')).body.api_version).toBe('2026-02-01');
    await h2.request('POST', `/_sandbox/payment_intents/${piId}/simulate`, { body: { action: 'run' } });
    expect((await h2.request('GET', `/v1/checkout_sessions/${cs.id}`)).body).toMatchObject({
      status: 'finished',
      payment_resource: { payment_intent: { id: piId, status: 'succeeded' } },
    });
  });
});
