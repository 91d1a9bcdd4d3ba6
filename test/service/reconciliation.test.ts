/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
/**
 * The service's reconciliation end to end, with the sandbox as Fintoc: payments made through the
 * service are paid out on the sandbox's clock, the payout reports arrive in the watched folder and
 * the Payouts API is read by the daily job; `GET /api/reconciliation` finds the payment the service
 * never made and the amount tampered with in a file, and nothing else; the shop is notified once per
 * new difference (`reconciliation.mismatch`, Standard Webhooks); payouts, a payout's detail and the
 * payments CSV answer what a shop's engineer and accountant need.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardWebhookSignature } from '../../src/service/index.js';
import { API_KEY, MERCHANT_SECRET, harnessBudget, startHarness, type Harness } from './support/harness.js';

const DAY = 86_400_000;
const auth = { authorization: `Bearer ${API_KEY}` };

let h: Harness;
let dir: string;
const paid: Array<{ id: string; intent: string; amount: number }> = [];
let outsider = '';

async function get(url: string): Promise<{ status: number; json: any; body: string; headers: any }> {
  const res = await h.app.inject({ method: 'GET', url, headers: auth });
  const json: any = (res.headers['content-type'] ?? '').toString().startsWith('application/json')
    ? res.json()
    : null;
  return { status: res.statusCode, json, body: res.body, headers: res.headers };
}

/** Scans the watched folder until it has taken `n` files (a file is taken once it stays the same for one look). */
async function takeFolder(n: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await h.app.reportWatcher.scan();
    if (h.app.reportWatcher.counters.taken >= n) return;
    if (Date.now() > deadline)
      throw new Error(`the folder gave ${h.app.reportWatcher.counters.taken} of ${n} files`);
  }
}

beforeAll(
  async () => {
    dir = mkdtempSync(join(tmpdir(), 'pasarela-recon-'));
    h = await startHarness({ reportsDir: dir, env: { PASARELA_REPORTS_DIR: join(dir, 'inbox') } });
    await h.sandbox('PATCH', '/_sandbox/payout_settings', { organization_name: 'Tienda Demo' });
    await h.sandbox('POST', '/_sandbox/report_channels', {
      type: 'folder',
      path: 'inbox',
      reports: ['payout'],
    });
    // Five payments through the service, paid in the sandbox.
    for (let i = 0; i < 5; i++) {
      const amount = 10_000 + i * 1_111;
      const { json } = await h.createPayment({
        amount,
        currency: 'CLP',
        order_id: i === 0 ? '=HYPERLINK("x")' : `order-${i}`,
      });
      await h.simulate(String(json.payment_intent_id), 'succeed');
      paid.push({ id: String(json.id), intent: String(json.payment_intent_id), amount });
    }
    // A payment made at Fintoc outside this service (another system, or one lost here).
    const pi = (await h.sandbox('POST', '/v1/payment_intents', { amount: 4_321, currency: 'CLP' })) as {
      id: string;
    };
    await h.simulate(pi.id, 'succeed');
    outsider = pi.id;
    await h.settle();
    // A week of the sandbox's clock: the window closes, the payout is made and succeeds, its report is written.
    await h.advance(7 * DAY);
  },
  harnessBudget({ steps: 30 }),
);

afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reconciliation in the service', () => {
  it('takes the payout reports from the folder and the payouts from the API, and finds only the payment it never made', async () => {
    const files = readdirSync(join(dir, 'inbox')).filter((f) => f.endsWith('.csv'));
    expect(files.length).toBeGreaterThan(0);
    await takeFolder(files.length);
    const sync = await h.app.reconciliation.syncPayouts();
    expect(sync.payouts).toBeGreaterThan(0);
    expect(h.fintocCalls).toContain('GET /v1/payouts');

    const { status, json } = await get('/api/reconciliation');
    expect(status).toBe(200);
    expect(json.differences.map((d: any) => [d.kind, d.object_id])).toEqual([['unknown_payment', outsider]]);
    expect(json.differences_by_kind).toEqual({ unknown_payment: 1 });
    const settled = json.payouts.flatMap((p: any) => p.payment_ids);
    for (const p of paid) expect(settled).toContain(p.id);
    // Each payout's API amount is its net; the files gave the fees.
    for (const p of json.payouts.filter((x: any) => x.status === 'succeeded')) {
      expect(p.amount).toBe(p.net);
      expect(p.gross - p.fees).toBe(p.net);
    }
    const gross = json.payouts.reduce((n: number, p: any) => n + p.gross, 0);
    expect(gross).toBe(paid.reduce((n, p) => n + p.amount, 0) + 4_321);
  });

  it('reads the Payouts API daily through the job runner: once due, then again a day later', async () => {
    const listed = () => h.fintocCalls.filter((c) => c === 'GET /v1/payouts').length;
    const before = listed();
    await h.app.reconciliation.scheduleDailyPayouts();
    await h.app.reconciliation.scheduleDailyPayouts(); // queued once
    expect(await h.app.jobs.runDue(['payouts'])).toBe(1);
    expect(listed()).toBe(before + 1);
    const job = await h.database.db
      .selectFrom('jobs')
      .selectAll()
      .where('kind', '=', 'payouts')
      .executeTakeFirstOrThrow();
    // A day after it ran (the sandbox's clock runs on while the test reads it).
    expect(job.run_at.getTime() - h.sb.clock.now()).toBeGreaterThan(DAY - 60_000);
    expect(job.run_at.getTime() - h.sb.clock.now()).toBeLessThanOrEqual(DAY);
    expect(job.last_error).toBeNull();
    expect(await h.app.jobs.runDue(['payouts'])).toBe(0);
    await h.sb.clock.advance(DAY);
    expect(await h.app.jobs.runDue(['payouts'])).toBe(1);
    expect(listed()).toBe(before + 2);
  });

  it('lists payouts and shows one with its lines and the payment each is', async () => {
    const list = await get('/api/payouts');
    expect(list.status).toBe(200);
    const payout = list.json.data.find((p: any) => p.payment_ids.includes(paid[1]!.id));
    expect(payout).toMatchObject({ object: 'payout', status: 'succeeded', currency: 'CLP' });
    const one = await get(`/api/payouts/${payout.id}`);
    const line = one.json.settlement_lines.find((l: any) => l.id === paid[1]!.intent);
    expect(line).toMatchObject({ type: 'payment_intent', payment_id: paid[1]!.id, amount: paid[1]!.amount });
    const detail = await get(`/api/reconciliation/${payout.id}`);
    expect(detail.json).toMatchObject({ object: 'payout_reconciliation', payout: { id: payout.id } });
    const missing = await get('/api/payouts/po_nope');
    expect([missing.status, missing.json.error.code]).toEqual([404, 'payout_not_found']);
    const badKind = await get('/api/reconciliation?kind=nonsense');
    expect([badKind.status, badKind.json.error.code, badKind.json.error.param]).toEqual([
      400,
      'invalid_parameter',
      'kind',
    ]);
    const badSince = await get('/api/reconciliation?since=2026-02-30');
    expect([badSince.status, badSince.json.error.param]).toEqual([400, 'since']);
  });

  it('finds an amount tampered with in a file, and notifies the shop once per new difference', async () => {
    const name = readdirSync(join(dir, 'inbox')).find((f) => f.includes('-fintoc-payout-'))!;
    const text = readFileSync(join(dir, 'inbox', name), 'utf8');
    const victim = paid[2]!;
    const tampered = text
      .replace(`${victim.intent};`, `${victim.intent};`)
      .replace(new RegExp(`^(${victim.intent};[^;]*;)${victim.amount};`, 'm'), `$1${victim.amount + 1000};`);
    expect(tampered).not.toBe(text);
    const res = await h.app.inject({
      method: 'POST',
      url: `/api/reports?filename=${name.replace('.csv', '-edited.csv')}`,
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: tampered,
    });
    expect(res.statusCode).toBe(201);
    const { json } = await get('/api/reconciliation');
    expect(json.differences.map((d: any) => [d.kind, d.object_id]).sort()).toEqual(
      [
        ['amount_mismatch', victim.intent],
        ['unknown_payment', outsider],
      ].sort(),
    );
    const mismatch = json.differences.find((d: any) => d.kind === 'amount_mismatch');
    expect(mismatch).toMatchObject({
      payment_id: victim.id,
      expected: victim.amount,
      actual: victim.amount + 1000,
    });
    expect(mismatch.source.file).toContain('-edited.csv');

    // The upload queued a reconciliation: its notification carries both differences, signed.
    await h.settle();
    const notes = h.shop.filter((d) => JSON.parse(d.body).type === 'reconciliation.mismatch');
    expect(notes.length).toBeGreaterThan(0);
    const all = notes.flatMap((n) => JSON.parse(n.body).data.differences.map((d: any) => d.kind)).sort();
    expect(all).toEqual(['amount_mismatch', 'unknown_payment']);
    const last = notes[notes.length - 1]!;
    expect(last.headers['webhook-signature']).toBe(
      standardWebhookSignature({
        id: last.headers['webhook-id']!,
        timestamp: Number(last.headers['webhook-timestamp']),
        body: last.body,
        secret: MERCHANT_SECRET,
      }),
    );
    // Nothing new: no new notification.
    const before = h.shop.length;
    expect(await h.app.reconciliation.notifyMismatches()).toBe(0);
    await h.settle();
    expect(h.shop.length).toBe(before);
  });

  it('shows the Reconciliation page: differences highlighted with what to do, payouts, a payout’s lines, CSV downloads', async () => {
    const page = await get('/dashboard/reconciliation');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const kinds = [...page.body.matchAll(/data-testid="difference-row" data-kind="([a-z_]+)"/g)]
      .map((m) => m[1])
      .sort();
    expect(kinds).toEqual(['amount_mismatch', 'unknown_payment']);
    // Spanish by default (the dashboard's language), English on the switch.
    expect(page.body).toContain('compare con el dashboard de Fintoc');
    const english = await h.app.inject({
      method: 'GET',
      url: '/dashboard/reconciliation',
      headers: { ...auth, 'accept-language': 'en' },
    });
    expect(english.body).toContain('compare with Fintoc’s dashboard');
    expect(page.body).toMatch(/data-testid="recon-differences">2</);
    const payoutIds = [...page.body.matchAll(/data-testid="payout-row" data-payout-id="([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(payoutIds.length).toBeGreaterThan(0);
    expect(page.body).toContain('data-testid="report-row"');
    // The payout holding the tampered line: that line highlighted, linked to its payment.
    const api = await get('/api/payouts');
    const payout = api.json.data.find((p: any) => p.payment_ids.includes(paid[2]!.id));
    const detail = await get(`/dashboard/reconciliation/payouts/${encodeURIComponent(payout.id)}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatch(new RegExp(`data-line-id="${paid[2]!.intent}" class="late"`));
    expect(detail.body).toContain(`/dashboard/payments/${paid[2]!.id}`);
    expect(detail.body).not.toMatch(new RegExp(`data-line-id="${paid[1]!.intent}" class="late"`));
    const missing = await get('/dashboard/reconciliation/payouts/po_nope');
    expect(missing.status).toBe(404);
    const csv = await get('/dashboard/reconciliation/lines.csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const tamperedRows = csv.body
      .split('\r\n')
      .filter((r) => r.includes(`,${paid[2]!.intent},payment_intent,`));
    expect(tamperedRows.some((r) => r.endsWith(',amount_mismatch'))).toBe(true);
    // The Payments page's download button, for the filters on screen.
    const payments = await get('/dashboard?status=succeeded');
    expect(payments.body).toContain('href="/dashboard/payments.csv?status=succeeded"');
    const download = await get('/dashboard/payments.csv?status=succeeded&from=not-a-date');
    expect(download.body.trimEnd().split('\r\n')).toHaveLength(1 + paid.length);
    const signedOut = await h.app.inject({ method: 'GET', url: '/dashboard/reconciliation' });
    expect([signedOut.statusCode, signedOut.headers.location]).toEqual([303, '/dashboard/login']);
  });

  it('exports the payments as CSV for the accountant, filtered, with formulas defused', async () => {
    const all = await get('/api/payments.csv');
    expect(all.status).toBe(200);
    expect(all.headers['content-type']).toMatch(/^text\/csv/);
    expect(all.headers['content-disposition']).toMatch(
      /attachment; filename="payments-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    const rows = all.body.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'id,order_id,amount,amount_decimal,currency,status,payment_intent_id,paid_after_cancel,refund_id,succeeded_at,failure_reason,customer_email,created_at,updated_at',
    );
    expect(rows).toHaveLength(1 + paid.length);
    const first = rows.find((r) => r.startsWith(paid[0]!.id))!;
    expect(first.split(',')[1]).toBe(`"'=HYPERLINK(""x"")"`);
    const one = await get(
      `/api/payments.csv?order_id=order-3&status=succeeded&created_gte=2020-01-01T00:00:00Z`,
    );
    expect(one.body.trimEnd().split('\r\n')).toHaveLength(2);
    const none = await get('/api/payments.csv?status=failed');
    expect(none.body.trimEnd().split('\r\n')).toHaveLength(1);
    const late = await get('/api/payments.csv?paid_after_cancel=true');
    expect(late.body.trimEnd().split('\r\n')).toHaveLength(1);
    const bad = await get('/api/payments.csv?created_gte=yesterday');
    expect([bad.status, bad.json.error.param]).toEqual([400, 'created_gte']);
    const unknown = await get('/api/payments.csv?limit=5');
    expect([unknown.status, unknown.json.error.code]).toEqual([400, 'invalid_parameter']);
    const noKey = await h.app.inject({ method: 'GET', url: '/api/payments.csv' });
    expect(noKey.statusCode).toBe(401);
  });
});
