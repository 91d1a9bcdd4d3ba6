/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies and state files are read as plain JSON */
/**
 * Checkout sessions in the state file: a restarted sandbox has every session (token, intent,
 * scenario, history), the organisation's pinned API version and each session's expiry at its exact
 * time; the widget still opens a session by its token; and a file written before v2 sessions existed
 * is taken in, its sessions still following their intents.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { build, type Harness } from './helper.js';

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
  dir = mkdtempSync(join(tmpdir(), 'pasarela-sessions-state-'));
  file = join(dir, 'sandbox.json');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const URLS = { success_url: 'https://shop.example/ok', cancel_url: 'https://shop.example/ko' };

async function create(h: Harness, ns: 'v1' | 'v2', body: Record<string, unknown> = {}): Promise<any> {
  const res = await h.request('POST', `/${ns}/checkout_sessions`, {
    body: { amount: 5000, currency: 'CLP', ...URLS, ...body },
    headers: { 'idempotency-key': `k-${ns}-${JSON.stringify(body)}` },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

const simulate = (h: Harness, id: string, action: string) =>
  h.request('POST', `/_sandbox/checkout_sessions/${id}/simulate`, { body: { action } });

describe('checkout sessions in the state file', () => {
  it('a restarted sandbox has the same sessions, pin, expiries, and opens a session by its token', async () => {
    const h1 = start();
    const fresh = await create(h1, 'v2', { ui_mode: 'embedded', metadata: { order_id: 'S-1' } });
    const started = await create(h1, 'v1');
    const finished = await create(h1, 'v2');
    const expired = await create(h1, 'v2', { ui_mode: 'embedded' });
    await h1.request('PUT', `/_sandbox/checkout_sessions/${fresh.id}/scenario`, {
      body: { scenario: 'reject', error_reason: 'x_reason' },
    });
    await simulate(h1, started.id, 'start');
    await simulate(h1, finished.id, 'run');
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
      body: { amount: 5000, currency: 'CLP', ...URLS, ui_mode: 'embedded', metadata: { order_id: 'S-1' } },
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
    const cs = await create(h1, 'v1', { metadata: { order_id: 'OLD-1' } });
    const opened = (await simulate(h1, cs.id, 'open')).body;
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
