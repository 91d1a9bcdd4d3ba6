/* eslint-disable @typescript-eslint/no-explicit-any -- command output is read as plain JSON */
/**
 * `pasarela reconcile` as a shop's engineer runs it: on report files with the payments exported by
 * the service (a file, or the running service itself), or on Fintoc's Payouts API (`--from-api`);
 * a table, `--json` or `--csv`; exit 0 clean, 1 with differences, 2 for a bad option or file, 3 when
 * the service does not answer.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, harnessBudget, startHarness, type Harness } from './support/harness.js';

const BIN = resolve('bin/pasarela.mjs');
const DAY = 86_400_000;

let dir: string;

/** Runs the command in `dir` (so no ./.env of the repo is read) with only the given settings. */
function pasarela(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, 'reconcile', ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', fail);
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

const PAYMENTS = [
  'id,order_id,amount,amount_decimal,currency,status,payment_intent_id,paid_after_cancel,refund_id,succeeded_at,failure_reason,customer_email,created_at,updated_at',
  'pay_a,o-1,1000,1000,CLP,succeeded,pi_a,false,,2026-03-02T12:00:00.000Z,,,2026-03-02T11:59:00.000Z,2026-03-02T12:00:00.000Z',
  'pay_b,"\'=1+1",2000,2000,CLP,succeeded,pi_b,false,,2026-03-02T13:00:00.000Z,,,2026-03-02T12:59:00.000Z,2026-03-02T13:00:00.000Z',
  'pay_c,o-3,500,500,CLP,canceled,pi_c,false,,,,,2026-03-02T14:00:00.000Z,2026-03-02T14:10:00.000Z',
].join('\r\n');
const HEADER = 'id;created_at;amount;fee;net;currency;type;payment_intent_id;status;transaction_at;payout_id';
const report = (bAmount: number) =>
  [
    HEADER,
    'pi_a;2026-03-02T11:59:00.000Z;1000;7;993;CLP;payment_intent;pi_a;succeeded;2026-03-02T12:00:00.000Z;po_1',
    `pi_b;2026-03-02T12:59:00.000Z;${bAmount};14;${bAmount - 14};CLP;payment_intent;pi_b;succeeded;2026-03-02T13:00:00.000Z;po_1`,
    '',
  ].join('\r\n');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pasarela-reconcile-cli-'));
  writeFileSync(join(dir, 'payments.csv'), PAYMENTS);
  writeFileSync(join(dir, '2026-03-03-fintoc-payout-tienda.csv'), report(2000));
  writeFileSync(join(dir, '2026-03-03-fintoc-payout-tienda-edited.csv'), report(2500));
  writeFileSync(
    join(dir, 'broken.csv'),
    `${HEADER}\r\npi_a;2026-03-02T11:59:00.000Z;10.00;7;993;CLP;payment_intent;pi_a;succeeded;;po_1\r\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pasarela reconcile FILE…', () => {
  it('exits 0 and prints the payout when every line matches', async () => {
    const r = await pasarela(['2026-03-03-fintoc-payout-tienda.csv', '--payments', 'payments.csv']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Reconciled 2 line(s), 2 matched to a payment, 1 payout(s)');
    expect(r.stdout).toMatch(/po_1\s+-\s+2\s+3000\s+21\s+2979/);
    expect(r.stdout).toContain('No differences.');
  }, 60_000);

  it('exits 1 with the difference as a table, as JSON and as CSV', async () => {
    const args = ['2026-03-03-fintoc-payout-tienda-edited.csv', '--payments', 'payments.csv'];
    const text = await pasarela(args);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('1 difference(s): amount_mismatch 1');
    expect(text.stdout).toMatch(
      /amount_mismatch\s+pay_b\s+pi_b\s+2000\s+2500\s+2026-03-03-fintoc-payout-tienda-edited\.csv:3/,
    );
    const json = await pasarela([...args, '--json']);
    expect(json.status).toBe(1);
    const result = JSON.parse(json.stdout);
    expect(result.differences.map((d: any) => [d.kind, d.payment_id, d.expected, d.actual])).toEqual([
      ['amount_mismatch', 'pay_b', 2000, 2500],
    ]);
    const csv = await pasarela([...args, '--csv']);
    expect(csv.status).toBe(1);
    expect(csv.stdout.split('\r\n')[1]).toMatch(/^amount_mismatch,pay_b,pi_b,pi_b,po_1,CLP,2000,2500,/);
  }, 60_000);

  it('exits 2 for an unreadable file (with its line and column) or a bad option, 3 when the service does not answer', async () => {
    const broken = await pasarela(['broken.csv', '--payments', 'payments.csv']);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain('report_invalid_value');
    expect(broken.stderr).toContain('(line 2, column 3)');
    expect(broken.stderr).toContain('fix:');
    const brokenJson = await pasarela(['broken.csv', '--payments', 'payments.csv', '--json']);
    expect(JSON.parse(brokenJson.stdout).error).toMatchObject({
      code: 'invalid_report',
      report_error: 'report_invalid_value',
      line: 2,
      column: 3,
    });
    expect((await pasarela([])).status).toBe(2);
    expect((await pasarela(['--from-api'])).stderr).toContain('--from-api needs --since');
    expect((await pasarela(['x.csv', '--since', '2026-02-30', '--payments', 'payments.csv'])).status).toBe(2);
    const missing = await pasarela(['nope.csv', '--payments', 'payments.csv']);
    expect([missing.status, missing.stderr.includes('nope.csv')]).toEqual([2, true]);
    const down = await pasarela(['2026-03-03-fintoc-payout-tienda.csv'], {
      PASARELA_API_KEY: API_KEY,
      PASARELA_PUBLIC_URL: 'http://127.0.0.1:1',
    });
    expect(down.status).toBe(3);
    expect(down.stderr).toContain('did not answer');
  }, 120_000);
});

describe('pasarela reconcile with the service and the Payouts API', () => {
  let h: Harness;
  const paid: string[] = [];
  let url = '';
  beforeAll(
    async () => {
      h = await startHarness({ reportsDir: dir, merchant: false });
      await h.sandbox('PATCH', '/_sandbox/payout_settings', { organization_name: 'Tienda CLI' });
      await h.sandbox('POST', '/_sandbox/report_channels', {
        type: 'folder',
        path: 'from-sandbox',
        reports: ['payout'],
      });
      for (let i = 0; i < 3; i++) {
        const { json } = await h.createPayment({ amount: 5_000 + i, currency: 'CLP', order_id: `cli-${i}` });
        await h.simulate(String(json.payment_intent_id), 'succeed');
        paid.push(String(json.payment_intent_id));
      }
      await h.settle();
      await h.advance(7 * DAY);
      url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    },
    harnessBudget({ steps: 20 }),
  );
  afterAll(async () => {
    await h?.close();
  });

  it('reads the payments from the running service, the payouts from the report files or from the API: the same, and clean', async () => {
    const files = readdirSync(join(dir, 'from-sandbox')).filter((f) => f.endsWith('.csv'));
    expect(files.length).toBeGreaterThan(0);
    const service = { PASARELA_API_KEY: API_KEY, PASARELA_PUBLIC_URL: url };
    const fromFiles = await pasarela([...files.map((f) => join('from-sandbox', f)), '--json'], service);
    expect(fromFiles.stderr).toBe('');
    expect(fromFiles.status).toBe(0);
    const a = JSON.parse(fromFiles.stdout);
    const since = new Date(h.sb.clock.now() - 10 * DAY).toISOString().slice(0, 10);
    const fromApi = await pasarela(['--from-api', '--since', since, '--json'], {
      ...service,
      FINTOC_SECRET_KEY: h.sb.secretKey,
      FINTOC_API_URL: h.sb.url,
    });
    expect(fromApi.stderr).toBe('');
    expect(fromApi.status).toBe(0);
    const b = JSON.parse(fromApi.stdout);
    const settled = (r: any) => r.payouts.flatMap((p: any) => p.payment_ids).sort();
    expect(settled(a)).toHaveLength(3);
    expect(settled(b)).toEqual(settled(a));
    expect(b.payouts.map((p: any) => p.net)).toEqual(b.payouts.map((p: any) => p.amount));
    // The same payouts from the dashboard's page (GET /api/payouts) and from the command.
    await h.app.reconciliation.syncPayouts();
    const api = (
      await h.app.inject({
        method: 'GET',
        url: '/api/payouts',
        headers: { authorization: `Bearer ${API_KEY}` },
      })
    ).json();
    expect(api.data.map((p: any) => [p.id, p.amount]).sort()).toEqual(
      b.payouts.map((p: any) => [p.id, p.amount]).sort(),
    );
    // A wrong key is the user's to fix: exit 2.
    const wrong = await pasarela(
      files.map((f) => join('from-sandbox', f)),
      { ...service, PASARELA_API_KEY: 'wrong-key-0123456789' },
    );
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('answered 401');
  }, 120_000);
});
