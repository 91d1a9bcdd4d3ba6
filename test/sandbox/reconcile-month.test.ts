/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
/**
 * The proof of the money side, sandbox and library: a month of test-clock time with a few hundred
 * payments (successes, failures, refunds, a refund that fails, payments that succeed after the shop
 * gave them up), the reports received through every channel (folder, maildir, HTTPS, download), one
 * amount tampered with in one file, and the library finding every planted difference and nothing
 * else, from the files and again from the Payouts API.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  linesFromPayout,
  parseReportSync,
  reconcile,
  type LocalPayment,
  type ParsedReport,
  type SettlementLine,
} from '../../src/reconcile/index.js';
import { build, sandboxClient, type Harness } from './helper.js';

const START = Date.parse('2026-03-02T12:00:00Z'); // Monday 09:00 in Chile
const DAY = 86_400_000;
const DAYS = 30;
const PER_DAY = 10;
const FEES = { cl: { rate_bps: 60, fixed: 0, vat_bps: 1900 } };

let dir: string;
let h: Harness;
const local = new Map<string, LocalPayment>();
const plants: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pasarela-month-'));
  h = build({ reportsDir: dir, clock: { now: () => START } });
  const req = async (method: string, url: string, body?: unknown) => {
    const res = await h.request(method, url, body === undefined ? {} : { body });
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  await req('PATCH', '/_sandbox/payout_settings', { organization_name: 'Tienda Mes' });
  await req('POST', '/_sandbox/report_channels', { type: 'folder', path: 'inbox' });
  await req('POST', '/_sandbox/report_channels', {
    type: 'email',
    maildir: 'Maildir',
    to: 'finanzas@tienda.cl',
  });
  await req('POST', '/_sandbox/report_channels', {
    type: 'https',
    url: 'https://tienda.example/fintoc/reports',
  });

  const pay = async (n: number, outcome: 'succeed' | 'fail' | 'reject' | 'leave') => {
    const amount = 1000 + ((n * 7919) % 90_000);
    const pi = await req('POST', '/v1/payment_intents', { amount, currency: 'CLP' });
    if (outcome !== 'leave')
      await req('POST', `/_sandbox/payment_intents/${pi.id}/simulate`, { action: outcome });
    const status = { succeed: 'succeeded', fail: 'failed', reject: 'failed', leave: 'canceled' }[outcome];
    local.set(pi.id, {
      id: `pay_${n}`,
      payment_intent_id: pi.id,
      amount,
      currency: 'CLP',
      status,
      paid_after_cancel: false,
      refund_id: null,
      refunds: [],
      succeeded_at: status === 'succeeded' ? new Date(h.sb.clock.now()).toISOString() : null,
    });
    return pi.id as string;
  };
  const refund = async (pi: string, amount?: number) => {
    const re = await req('POST', '/v1/refunds', {
      resource_type: 'payment_intent',
      resource_id: pi,
      ...(amount ? { amount } : {}),
    });
    const p = local.get(pi)!;
    p.refunds = [...(p.refunds ?? []), { id: re.id, amount: re.amount }];
    return re.id as string;
  };

  let n = 0;
  let refundToFail: string | null = null;
  for (let day = 0; day < DAYS; day++) {
    for (let k = 0; k < PER_DAY; k++) {
      n++;
      const outcome = n % 13 === 0 ? 'fail' : n % 17 === 0 ? 'reject' : n % 19 === 0 ? 'leave' : 'succeed';
      const pi = await pay(n, outcome);
      if (outcome === 'succeed' && n % 11 === 0) await refund(pi, n % 22 === 0 ? undefined : 500);
      if (n === 58) refundToFail = await refund(pi, 300);
      await h.sb.clock.advance(DAY / PER_DAY);
    }
    if (day === 3) {
      // Two customers who authorize in the bank after the shop's 10-minute timeout.
      const late = await pay(++n, 'leave');
      const missed = await pay(++n, 'leave');
      await h.sb.clock.advance(15 * 60_000);
      await req('POST', `/_sandbox/payment_intents/${late}/simulate`, { action: 'succeed' });
      await req('POST', `/_sandbox/payment_intents/${missed}/simulate`, { action: 'succeed' });
      const p = local.get(late)!;
      Object.assign(p, {
        status: 'succeeded',
        paid_after_cancel: true,
        succeeded_at: new Date(h.sb.clock.now()).toISOString(),
      });
      plants[late] = 'paid_after_cancel'; // the service learned it late and flagged it
      plants[missed] = 'not_succeeded_locally'; // the service never learned: still canceled here
    }
    if (day === 8 && refundToFail) {
      await req('POST', `/_sandbox/refunds/${refundToFail}/simulate`, { action: 'fail' });
      plants[refundToFail] = 'refund_adjustment';
    }
  }
  // A payment the service lost, and one it believes succeeded although Fintoc failed it.
  const [omitted] = [...local.values()].filter(
    (p) => p.status === 'succeeded' && !p.refunds?.length && !p.paid_after_cancel,
  );
  local.delete(omitted!.payment_intent_id!);
  plants[omitted!.payment_intent_id!] = 'unknown_payment';
  const failedAtFintoc = [...local.values()].find((p) => p.status === 'failed')!;
  Object.assign(failedAtFintoc, {
    status: 'succeeded',
    succeeded_at: new Date(START + 5 * DAY).toISOString(),
  });
  plants[failedAtFintoc.payment_intent_id!] = 'missing_from_payout';
  // Let the last payouts and reports arrive.
  await h.sb.clock.advance(5 * DAY);
}, 240_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Every report file each channel received, as name → text. */
function received(): Record<'folder' | 'email' | 'https', Map<string, string>> {
  const folder = new Map(
    readdirSync(join(dir, 'inbox')).map((f) => [f, readFileSync(join(dir, 'inbox', f), 'utf8')]),
  );
  const email = new Map<string, string>();
  for (const f of readdirSync(join(dir, 'Maildir', 'new'))) {
    const eml = readFileSync(join(dir, 'Maildir', 'new', f), 'utf8');
    const name = /filename="([^"]+)"/.exec(eml)![1]!;
    const b64 = eml.split('Content-Transfer-Encoding: base64\r\n\r\n')[1]!.split('\r\n--')[0]!;
    email.set(name, Buffer.from(b64.replace(/\r\n/g, ''), 'base64').toString('utf8'));
  }
  const https = new Map<string, string>();
  for (const r of h.received.filter((r) => r.url === 'https://tienda.example/fintoc/reports'))
    https.set(/filename="([^"]+)"/.exec(r.headers['content-disposition']!)![1]!, r.body);
  return { folder, email, https };
}

describe('a month of payouts, reconciled', () => {
  it('made a few hundred payments and paid them out on business days only', async () => {
    expect(local.size).toBeGreaterThanOrEqual(300);
    const payouts = (await h.request('GET', '/v1/payouts?per_page=300')).body as any[];
    expect(payouts.length).toBeGreaterThanOrEqual(20);
    for (const p of payouts) {
      const day = new Date(Date.parse(p.created_at) - 3 * 3_600_000).getUTCDay();
      expect([1, 2, 3, 4, 5]).toContain(day);
      expect(p.created_at).not.toMatch(/^2026-04-03/); // Good Friday
      expect(p.status).toBe('succeeded');
    }
  });

  it('delivered every report through every channel, byte for byte the download', async () => {
    const list = (await h.request('GET', '/_sandbox/reports')).body.data as any[];
    expect(list.filter((r) => r.kind === 'payout').length).toBeGreaterThanOrEqual(20);
    expect(list.filter((r) => r.kind === 'daily').length).toBeGreaterThanOrEqual(DAYS);
    const channels = received();
    for (const r of list) {
      const text = (await h.request('GET', `/_sandbox/reports/${r.id}/download`)).body as string;
      for (const [name, files] of Object.entries(channels))
        expect(files.get(r.filename), `${name} ${r.filename}`).toBe(text);
      expect(r.deliveries.every((d: any) => d.status === 'delivered')).toBe(true);
    }
  });

  it('finds every planted difference and nothing else, from the files (one amount tampered with)', () => {
    const channels = received();
    // Tamper with one payment's amount in one payout file of the folder channel.
    const clean = (row: string) => {
      const c = row.split(';');
      return c[6] === 'payment_intent' && !(c[0]! in plants);
    };
    const [name, text] = [...channels.folder].find(
      ([f, t]) => f.includes('-fintoc-payout-') && t.split('\r\n').slice(1).some(clean),
    )!;
    const rows = text.split('\r\n');
    const at = rows.findIndex((r, i) => i > 0 && clean(r));
    const cells = rows[at]!.split(';');
    const tampered = cells[0]!;
    cells[2] = String(Number(cells[2]) + 1000);
    rows[at] = cells.join(';');
    channels.folder.set(name, rows.join('\r\n'));
    plants[tampered] = 'amount_mismatch';

    const reports: ParsedReport[] = [];
    for (const files of Object.values(channels))
      for (const [f, t] of files) reports.push(parseReportSync(t, { filename: f }));
    const result = reconcile({
      payments: local.values(),
      reports,
      asOf: h.sb.clock.now(),
      since: START,
      fees: FEES,
    });
    const found = Object.fromEntries(result.differences.map((d) => [d.object_id, d.kind]));
    expect(found).toEqual(plants);
    expect(result.differences).toHaveLength(Object.keys(plants).length);
    const tamper = result.differences.find((d) => d.kind === 'amount_mismatch')!;
    expect(tamper.source).toMatchObject({ file: name, line: at + 1 });
    // Each untampered file arrived three times: counted once.
    expect(result.duplicate_files.length).toBe(reports.length - new Set(reports.map((r) => r.sha256)).size);
    expect(result.payouts.length).toBeGreaterThanOrEqual(20);
    expect(result.days.length).toBeGreaterThanOrEqual(DAYS);
  });

  it('finds the same from the Payouts API, and each payout adds up', async () => {
    const client = sandboxClient(h);
    const payouts = [];
    const lines: SettlementLine[] = [];
    for await (const po of client.payouts.list({ since: '2026-03-01' })) {
      payouts.push(po);
      const collect = async <T>(it: AsyncIterable<T>) => {
        const out: T[] = [];
        for await (const x of it) out.push(x);
        return out;
      };
      lines.push(
        ...linesFromPayout(po, {
          payment_intent: await collect(client.payouts.resources(po.id, 'payment_intent', { per_page: 300 })),
          refund: await collect(client.payouts.resources(po.id, 'refund')),
          refund_adjustment: await collect(client.payouts.resources(po.id, 'refund_adjustment')),
        }),
      );
    }
    const result = reconcile({
      payments: local.values(),
      lines,
      payouts,
      asOf: h.sb.clock.now(),
      since: START,
    });
    const want = Object.fromEntries(Object.entries(plants).filter(([, kind]) => kind !== 'amount_mismatch'));
    expect(Object.fromEntries(result.differences.map((d) => [d.object_id, d.kind]))).toEqual(want);
    const fromFiles = reconcile({
      payments: local.values(),
      reports: [...received().https].map(([f, t]) => parseReportSync(t, { filename: f })),
      asOf: h.sb.clock.now(),
    });
    for (const s of result.payouts) {
      const file = fromFiles.payouts.find((p) => p.id === s.id)!;
      expect([s.gross, s.fees, s.net, s.amount]).toEqual([file.gross, file.fees, file.net, file.net]);
    }
  });
});
