/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
/**
 * The sandbox's payouts and report files: the schedule on the test clock (cut-off, business days,
 * holidays), fees, refunds and failed refunds, cancel and return, Direct payments, the API with
 * Fintoc's paging, the report channels (folder, maildir, HTTPS) and restarts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign, verify } from '../../src/fintoc/index.js';
import { createSandbox } from '../../src/sandbox/index.js';
import {
  build,
  createEndpoint,
  createIntent,
  sandboxClient,
  simulate,
  TEST_KEY,
  type Harness,
} from './helper.js';

// T0 (helper) is 2025-01-01 09:00 in Chile: a holiday. The first banking day closes Thu 2 Jan 14:00.
const JAN2_1500 = Date.parse('2025-01-02T18:00:00Z');
const HOUR = 3_600_000;

let dir: string;
let h: Harness;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pasarela-payouts-'));
  h = build({ reportsDir: dir });
});
afterEach(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function paid(amount: number, currency = 'CLP'): Promise<any> {
  const pi = await createIntent(h, { amount, currency });
  const res = await simulate(h, pi.id, 'run');
  expect(res.body.status).toBe('succeeded');
  return pi;
}
const advanceTo = async (ms: number) => h.sb.clock.advance(Math.max(0, ms - h.sb.clock.now()));
const payouts = async (query = '') => (await h.request('GET', `/v1/payouts${query}`)).body;
const events = (type: string) =>
  h.received.map((r) => JSON.parse(r.body)).filter((e: any) => e.type === type) as any[];

describe('payouts on the schedule', () => {
  it('pays the banking day out at 15:00 of the first business day, net of the fee, with signed events', async () => {
    const we = await createEndpoint(h, ['payout.created', 'payout.succeeded']);
    await paid(10_000);
    await paid(25_000);
    await advanceTo(JAN2_1500 - 1);
    expect(await payouts()).toEqual([]);
    await h.sb.clock.advance(1);
    const [po] = await payouts();
    // Fee: 0.60 % + 19 % VAT, rounded half up per payment: 71 + 179.
    expect(po).toMatchObject({
      object: 'payout',
      amount: 35_000 - 71 - 179,
      currency: 'CLP',
      mode: 'test',
      status: 'in_progress',
      succeeded_at: null,
      created_at: '2025-01-02T18:00:00Z',
      recipient_account: { institution_id: 'cl_banco_security' },
    });
    expect(po.id).toMatch(/^po_[0-9A-Za-z]{22}$/);
    await h.sb.clock.advance(HOUR);
    const got = (await h.request('GET', `/v1/payouts/${po.id}`)).body;
    expect(got).toMatchObject({ status: 'succeeded', succeeded_at: '2025-01-02T19:00:00Z' });
    expect(events('payout.created').map((e) => e.data.id)).toEqual([po.id]);
    expect(events('payout.succeeded')[0].data.status).toBe('succeeded');
    for (const r of h.received)
      expect(() =>
        verify({
          body: r.body,
          header: r.headers['fintoc-signature']!,
          secrets: [we.secret],
          now: new Date(r.at),
        }),
      ).not.toThrow();
  });

  it('closes the window at 14:00: a payment at 14:00 goes into the next business day', async () => {
    await advanceTo(Date.parse('2025-01-02T16:59:59Z'));
    const early = await paid(1000);
    await h.sb.clock.advance(1000); // 14:00:00 on the dot
    const late = await paid(2000);
    await advanceTo(Date.parse('2025-01-03T19:00:00Z')); // Friday 16:00
    const list = await payouts();
    expect(list).toHaveLength(2);
    const resources = async (id: string) =>
      (await h.request('GET', `/v1/payouts/${id}/resources?resource_type=payment_intent`)).body.map(
        (p: any) => p.id,
      );
    expect(await resources(list[1].id)).toEqual([early.id]);
    expect(await resources(list[0].id)).toEqual([late.id]);
    expect(list[0].created_at).toBe('2025-01-03T18:00:00Z');
  });

  it('business-day schedule: a weekend joins Monday, paid out Tuesday 10:00', async () => {
    await h.request('PATCH', '/_sandbox/payout_settings', { body: { payout_schedule: 'business_day' } });
    await advanceTo(Date.parse('2025-01-04T15:00:00Z')); // Saturday
    await paid(5000);
    await advanceTo(Date.parse('2025-01-07T12:59:59Z'));
    expect(await payouts()).toEqual([]);
    await advanceTo(Date.parse('2025-01-07T13:00:00Z'));
    expect((await payouts())[0].created_at).toBe('2025-01-07T13:00:00Z');
  });

  it('refunds are taken when they start, a failed refund comes back as an adjustment', async () => {
    const pi = await paid(50_000);
    const refund = (
      await h.request('POST', '/v1/refunds', {
        body: { resource_type: 'payment_intent', resource_id: pi.id, amount: 20_000 },
      })
    ).body;
    await h.sb.clock.advance(60_000); // in_progress: the money is taken
    await advanceTo(JAN2_1500);
    const [first] = await payouts();
    expect(first.amount).toBe(50_000 - 357 - 20_000);
    const refunds = (await h.request('GET', `/v1/payouts/${first.id}/resources?resource_type=refund`)).body;
    expect(refunds.map((r: any) => r.id)).toEqual([refund.id]);
    const failed = await h.request('POST', `/_sandbox/refunds/${refund.id}/simulate`, {
      body: { action: 'fail' },
    });
    expect(failed.body).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' });
    await advanceTo(Date.parse('2025-01-03T18:00:00Z'));
    const [second] = await payouts();
    expect(second.amount).toBe(20_000);
    const adj = (await h.request('GET', `/v1/payouts/${second.id}/resources?resource_type=refund_adjustment`))
      .body;
    expect(adj).toHaveLength(1);
    expect(adj[0]).toMatchObject({ id: refund.id, status: 'failed' });
    expect((await h.request('GET', `/v1/payouts/${second.id}/resources?resource_type=charge`)).body).toEqual(
      [],
    );
    const again = await h.request('POST', `/_sandbox/refunds/${refund.id}/simulate`, {
      body: { action: 'fail' },
    });
    expect(again).toMatchObject({ status: 400, body: { error: { code: 'invalid_refund_status' } } });
  });

  it('a window whose refunds outweigh its payments pays nothing until the balance is positive', async () => {
    const pi = await paid(10_000);
    await advanceTo(JAN2_1500);
    expect(await payouts()).toHaveLength(1);
    await h.request('POST', '/v1/refunds', { body: { resource_type: 'payment_intent', resource_id: pi.id } });
    await h.sb.clock.advance(60_000);
    await advanceTo(Date.parse('2025-01-03T18:00:00Z'));
    expect(await payouts()).toHaveLength(1);
    await paid(30_000);
    await advanceTo(Date.parse('2025-01-06T18:00:00Z'));
    const list = await payouts();
    expect(list).toHaveLength(2);
    expect(list[0].amount).toBe(30_000 - 214 - 10_000);
  });

  it('cancel and return put the entries into the next payout; other moves are refused', async () => {
    await createEndpoint(h, ['payout.canceled', 'payout.returned']);
    await paid(10_000);
    await advanceTo(JAN2_1500);
    const [po] = await payouts();
    const bad = await h.request('POST', `/_sandbox/payouts/${po.id}/simulate`, {
      body: { action: 'return' },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid_payout_status' } } });
    expect(
      (await h.request('POST', `/_sandbox/payouts/${po.id}/simulate`, { body: { action: 'cancel' } })).body
        .status,
    ).toBe('canceled');
    await advanceTo(Date.parse('2025-01-03T18:00:00Z'));
    const [second] = await payouts('?status=in_progress');
    expect(second.amount).toBe(po.amount);
    await h.request('POST', `/_sandbox/payouts/${second.id}/simulate`, { body: { action: 'succeed' } });
    expect(
      (await h.request('POST', `/_sandbox/payouts/${second.id}/simulate`, { body: { action: 'return' } }))
        .body.status,
    ).toBe('returned');
    await advanceTo(Date.parse('2025-01-06T18:00:00Z'));
    expect((await payouts()).map((p: any) => p.status)).toEqual(['in_progress', 'returned', 'canceled']);
    expect(events('payout.canceled')).toHaveLength(1);
    expect(events('payout.returned')).toHaveLength(1);
    expect((await payouts('?status=canceled')).map((p: any) => p.id)).toEqual([po.id]);
  });

  it('Direct payments are never paid out', async () => {
    await h.request('PATCH', '/_sandbox/payout_settings', { body: { payment_scenario: 'direct_payments' } });
    await paid(10_000);
    await advanceTo(JAN2_1500 + 10 * 86_400_000);
    expect(await payouts()).toEqual([]);
    const ledger = (await h.request('GET', '/_sandbox/ledger')).body.data;
    expect(ledger).toMatchObject([{ type: 'payment_intent', collect: false, payout_id: null }]);
  });

  it('Mexico pays out by business day, skipping its bank holidays', async () => {
    await advanceTo(Date.parse('2025-02-01T18:00:00Z')); // Saturday; Monday 3 Feb is a holiday
    await paid(100_00, 'MXN');
    await advanceTo(Date.parse('2025-02-05T15:59:59Z'));
    expect(await payouts()).toEqual([]);
    await h.sb.clock.advance(1000); // Wednesday 10:00 in Mexico City
    const [po] = await payouts();
    expect(po).toMatchObject({ currency: 'MXN', amount: 10_000 - 464, created_at: '2025-02-05T16:00:00Z' });
  });

  it('lists with Fintoc’s paging and filters', async () => {
    for (let day = 0; day < 7; day++) {
      await paid(1000 + day);
      await h.sb.clock.advance(86_400_000);
    }
    await h.sb.clock.advance(3 * 86_400_000);
    const all = await h.request('GET', '/v1/payouts?per_page=2');
    const total = Number(all.headers['x-total-count']);
    expect(total).toBeGreaterThanOrEqual(4);
    expect(all.body).toHaveLength(2);
    expect(String(all.headers.link)).toContain('/v1/payouts?per_page=2&page=2>; rel="next"');
    expect((await h.request('GET', '/v1/payouts?per_page=301')).body.error.code).toBe('invalid_params');
    expect((await h.request('GET', '/v1/payouts?status=paid')).body.error.code).toBe('invalid_params');
    expect((await h.request('GET', '/v1/payouts/po_nope')).status).toBe(404);
    const id = all.body[0].id;
    expect((await h.request('GET', `/v1/payouts/${id}/resources`)).body.error).toMatchObject({
      code: 'missing_parameter',
      param: 'resource_type',
    });
    expect(
      (await h.request('GET', `/v1/payouts/${id}/resources?resource_type=payment`)).body.error.code,
    ).toBe('invalid_params');
    // Other organisations and the live side see nothing.
    expect((await h.request('GET', '/v1/payouts', { key: 'sk_test_someoneElse9' })).body).toEqual([]);
    expect((await h.request('GET', '/v1/payouts', { key: 'sk_live_orgAAAA1111' })).body).toEqual([]);
  });

  it('takes hostile settings with a 400 and changes nothing', async () => {
    const before = (await h.request('GET', '/_sandbox/payout_settings')).body;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'payment_scenario',
            'payout_schedule',
            'transfer_time',
            'fees',
            'daily_report',
            'extra_holidays',
            'recipient_account',
            'organization_name',
            'x',
          ),
          fc.oneof(fc.anything(), fc.record({ cl: fc.anything(), mx: fc.anything() })),
          { minKeys: 1 },
        ),
        async (body) => {
          const res = await h.request('PATCH', '/_sandbox/payout_settings', { body });
          if (res.status === 200) {
            await h.request('PATCH', '/_sandbox/payout_settings', { body: before });
            return true;
          }
          return res.status === 400 && typeof res.body.error.code === 'string';
        },
      ),
      { numRuns: 200 },
    );
    expect((await h.request('GET', '/_sandbox/payout_settings')).body).toEqual(before);
  });

  it('takes back what it answers, so settings read can be restored', async () => {
    const before = (await h.request('GET', '/_sandbox/payout_settings')).body;
    expect(before.transfer_time).toBe('1h');
    const changed = await h.request('PATCH', '/_sandbox/payout_settings', {
      body: { organization_name: 'Tienda Uno', transfer_time: '90m' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ organization_name: 'Tienda Uno', transfer_time: '1h30m' });
    const restored = await h.request('PATCH', '/_sandbox/payout_settings', { body: before });
    expect(restored.status).toBe(200);
    expect(restored.body).toEqual(before);
  });
});

describe('report files', () => {
  it('writes the payout report to a folder, a maildir and an HTTPS endpoint, the same bytes as the download', async () => {
    const folder = await h.request('POST', '/_sandbox/report_channels', {
      body: { type: 'folder', path: 'inbox' },
    });
    expect(folder.status).toBe(201);
    const mail = await h.request('POST', '/_sandbox/report_channels', {
      body: { type: 'email', maildir: join(dir, 'Maildir'), to: 'finanzas@tienda.cl', reports: ['payout'] },
    });
    const post = await h.request('POST', '/_sandbox/report_channels', {
      body: { type: 'https', url: 'https://shop.example/reports', reports: ['payout'] },
    });
    expect(post.body.secret).toMatch(/^whsec_/);
    expect(
      (await h.request('GET', '/_sandbox/report_channels')).body.data.every((c: any) => c.secret === null),
    ).toBe(true);
    await h.request('PATCH', '/_sandbox/payout_settings', { body: { organization_name: 'Mi Tienda SpA' } });
    let calls = 0;
    h.respond = (r) => (r.url.endsWith('/reports') && ++calls === 1 ? { status: 503 } : { status: 200 });
    const pi = await paid(10_000);
    await advanceTo(JAN2_1500 + HOUR + 3000);

    const reports = (await h.request('GET', '/_sandbox/reports?kind=payout')).body.data;
    expect(reports).toHaveLength(1);
    const report = reports[0];
    expect(report.filename).toBe('2025-01-02-fintoc-payout-mitiendaspa.csv');
    const download = await h.request('GET', `/_sandbox/reports/${report.id}/download`);
    expect(download.headers['content-type']).toBe('text/csv; charset=utf-8');
    const csv = download.body as string;
    const [header, line] = csv.split('\r\n');
    expect(header).toBe(
      'id;created_at;amount;fee;net;currency;type;payment_intent_id;status;transaction_at;payout_id',
    );
    expect(line).toBe(
      `${pi.id};${pi.created_at};10000;71;9929;CLP;payment_intent;${pi.id};succeeded;${pi.created_at};${report.payout_id}`,
    );

    expect(readFileSync(join(dir, 'inbox', report.filename), 'utf8')).toBe(csv);
    const mails = readdirSync(join(dir, 'Maildir', 'new'));
    expect(mails).toHaveLength(1);
    const eml = readFileSync(join(dir, 'Maildir', 'new', mails[0]!), 'utf8');
    expect(eml).toContain('To: <finanzas@tienda.cl>');
    expect(eml).toContain(`filename="${report.filename}"`);
    const b64 = eml.split('Content-Transfer-Encoding: base64\r\n\r\n')[1]!.split('\r\n--')[0]!;
    expect(Buffer.from(b64.replace(/\r\n/g, ''), 'base64').toString('utf8')).toBe(csv);

    const posts = h.received.filter((r) => r.url === 'https://shop.example/reports');
    expect(posts).toHaveLength(2); // a 503, then 3 s later the retry
    expect(posts[1]!.at - posts[0]!.at).toBe(3000);
    expect(posts[1]!.body).toBe(csv);
    expect(posts[1]!.headers['content-disposition']).toBe(`attachment; filename="${report.filename}"`);
    const t = Math.floor(posts[1]!.at / 1000);
    expect(posts[1]!.headers['fintoc-signature']).toBe(
      sign({ secret: post.body.secret, body: csv, timestamp: t }),
    );
    const full = (await h.request('GET', `/_sandbox/reports/${report.id}`)).body;
    expect(full.deliveries.map((d: any) => [d.type, d.status, d.attempts.length])).toEqual([
      ['folder', 'delivered', 1],
      ['email', 'delivered', 1],
      ['https', 'delivered', 2],
    ]);
    expect(full.content).toBeUndefined();
    expect(mail.status).toBe(201);
  });

  it('writes the daily report on the chronological day and on Chile’s banking day', async () => {
    await h.request('POST', '/_sandbox/report_channels', {
      body: { type: 'folder', path: 'daily', reports: ['daily'] },
    });
    await paid(1000); // Wednesday 1 Jan (a holiday), 09:00
    await advanceTo(Date.parse('2025-01-02T03:20:00Z')); // 00:20 of the 2nd
    expect(readdirSync(join(dir, 'daily'))).toEqual([
      '2025-01-01-daily-summary-fintoc-sandboxorganizationorgaaaa1.csv',
    ]);
    await h.request('PATCH', '/_sandbox/payout_settings', { body: { daily_report: 'banking_day' } });
    await advanceTo(Date.parse('2025-01-03T19:00:00Z')); // Friday 16:00
    await paid(2000);
    await advanceTo(Date.parse('2025-01-06T17:19:59Z'));
    expect(readdirSync(join(dir, 'daily'))).toHaveLength(1);
    await h.sb.clock.advance(1000); // Monday 14:20
    const monday = readFileSync(
      join(dir, 'daily', '2025-01-06-daily-summary-fintoc-sandboxorganizationorgaaaa1.csv'),
      'utf8',
    );
    expect(monday.trim().split('\r\n')).toHaveLength(2);
    expect(monday).toContain(';2000;');
  });

  it('keeps folders inside the reports folder and checks every channel field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'folder', path: '../escape' }, 'invalid_report_path'],
      [{ type: 'folder', path: '/etc' }, 'invalid_report_path'],
      [{ type: 'folder' }, 'missing_parameter'],
      [{ type: 'email', maildir: 'm' }, 'missing_parameter'],
      [{ type: 'email', maildir: 'm', to: 'not an address' }, 'invalid_params'],
      [{ type: 'https', url: 'http://example.com/x' }, 'invalid_url'],
      [{ type: 'ftp' }, 'invalid_params'],
      [{ type: 'folder', path: 'x', reports: ['monthly'] }, 'invalid_params'],
    ];
    for (const [body, code] of cases) {
      const res = await h.request('POST', '/_sandbox/report_channels', { body });
      expect([res.status, res.body.error.code], JSON.stringify(body)).toEqual([400, code]);
    }
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            type: fc.constantFrom('folder', 'email', 'https'),
            path: fc.anything(),
            maildir: fc.anything(),
            to: fc.anything(),
            url: fc.anything(),
            reports: fc.anything(),
          },
          { requiredKeys: ['type'] },
        ),
        async (body) => {
          const res = await h.request('POST', '/_sandbox/report_channels', { body });
          return res.status === 201 || res.status === 400;
        },
      ),
      { numRuns: 150 },
    );
    const created = (await h.request('GET', '/_sandbox/report_channels')).body.data;
    for (const c of created) if (c.path) expect(c.path.startsWith(dir)).toBe(true);
    expect((await h.request('DELETE', `/_sandbox/report_channels/rch_nope`)).status).toBe(404);
  });
});

describe('across a restart', () => {
  it('keeps payouts, reports, channels and the payout still due', async () => {
    const stateFile = join(dir, 'state.json');
    const base = { now: () => Date.parse('2025-01-02T15:00:00Z') };
    const first = createSandbox({ clock: base, stateFile, reportsDir: dir });
    const req = (sb: typeof first, method: string, url: string, payload?: object) =>
      sb.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: TEST_KEY },
        ...(payload ? { payload } : {}),
      });
    await req(first, 'POST', '/_sandbox/report_channels', { type: 'folder', path: 'restart' });
    const pi = (await req(first, 'POST', '/v1/payment_intents', { amount: 7000, currency: 'CLP' })).json();
    await req(first, 'POST', `/_sandbox/payment_intents/${pi.id}/simulate`, { action: 'run' });
    await first.close();

    const second = createSandbox({ clock: base, stateFile, reportsDir: dir });
    try {
      await second.clock.advance(5 * HOUR);
      const list = (await req(second, 'GET', '/v1/payouts')).json();
      expect(list).toMatchObject([{ status: 'succeeded', amount: 7000 - 50 }]);
      expect(readdirSync(join(dir, 'restart'))).toContain(
        '2025-01-02-fintoc-payout-sandboxorganizationorgaaaa1.csv',
      );
    } finally {
      await second.close();
    }
    const third = createSandbox({ clock: base, stateFile, reportsDir: dir });
    try {
      expect((await req(third, 'GET', '/_sandbox/reports')).json().data).toHaveLength(1);
      expect((await req(third, 'GET', '/_sandbox/report_channels')).json().data).toHaveLength(1);
    } finally {
      await third.close();
    }
  });
});

describe('the typed client', () => {
  it('lists payouts and their resources through Fintoc’s paging', async () => {
    for (let i = 0; i < 5; i++) await paid(1000 + i);
    await advanceTo(JAN2_1500 + HOUR);
    const client = sandboxClient(h);
    const list: any[] = [];
    for await (const p of client.payouts.list({ status: 'succeeded' })) list.push(p);
    expect(list).toHaveLength(1);
    expect((await client.payouts.get(list[0].id)).amount).toBe(list[0].amount);
    const ids: string[] = [];
    for await (const pi of client.payouts.resources(list[0].id, 'payment_intent', { per_page: 2 }))
      ids.push(pi.id);
    expect(ids).toHaveLength(5);
    const refunds: any[] = [];
    for await (const r of client.payouts.resources(list[0].id, 'refund')) refunds.push(r);
    expect(refunds).toEqual([]);
  });
});
