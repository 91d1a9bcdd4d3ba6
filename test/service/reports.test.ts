/* eslint-disable @typescript-eslint/no-explicit-any -- HTTP response bodies are read as plain JSON */
/**
 * Report intake as a shop's engineer tries it: `POST /api/reports` with the file as Fintoc sent it
 * (stored once however often it comes, its lines and unknown columns kept), hostile files refused
 * with the parser's code, line and column and nothing half-stored (fast-check), and the watched
 * folder and maildir taking the same files.
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportWatcher } from '../../src/service/reconciliation/index.js';
import { reportMail } from '../support/report-mail.js';
import { API_KEY, startHarness, type Harness } from './support/harness.js';

const HEADER =
  'id;created_at;amount;fee;net;currency;type;payment_intent_id;status;transaction_at;payout_id;sucursal';
const NAME = '2026-03-09-fintoc-payout-tiendames.csv';

/** A payout report in Fintoc's format with `n` payments and one refund, CRLF, and one column Pasarela does not know. */
function payoutReport(n: number, opts: { payout?: string; amount?: (i: number) => number } = {}): string {
  const payout = opts.payout ?? 'po_test1';
  const rows = [HEADER];
  for (let i = 1; i <= n; i++) {
    const amount = opts.amount?.(i) ?? 1000 + i;
    const fee = Math.round(amount * 0.00714);
    rows.push(
      `pi_r${i};2026-03-06T1${i % 10}:00:00.000Z;${amount};${fee};${amount - fee};CLP;payment_intent;pi_r${i};succeeded;2026-03-06T1${i % 10}:00:05.000Z;${payout};"Sucursal; centro"`,
    );
  }
  rows.push(
    `re_r1;2026-03-07T10:00:00.000Z;-500;0;-500;CLP;refund;pi_r1;succeeded;2026-03-07T10:00:00.000Z;${payout};`,
  );
  return `${rows.join('\r\n')}\r\n`;
}

let h: Harness;
const auth = { authorization: `Bearer ${API_KEY}` };

async function upload(
  body: string | Buffer,
  query = `?filename=${NAME}`,
  headers: Record<string, string> = {},
) {
  const res = await h.app.inject({
    method: 'POST',
    url: `/api/reports${query}`,
    headers: { ...auth, 'content-type': 'text/csv', ...headers },
    payload: body,
  });
  return { status: res.statusCode, json: res.json() as Record<string, any> };
}

async function stored(): Promise<{ files: number; lines: number }> {
  const db = h.database.db;
  const files = await db
    .selectFrom('report_files')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  const lines = await db
    .selectFrom('report_lines')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return { files: Number(files?.n ?? 0), lines: Number(lines?.n ?? 0) };
}

beforeAll(async () => {
  h = await startHarness({ merchant: false });
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('POST /api/reports', () => {
  it('stores a payout report with its lines and unknown columns, once however often it is sent', async () => {
    const before = await stored();
    const text = payoutReport(5);
    const first = await upload(text);
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({
      object: 'report',
      filename: NAME,
      kind: 'payout',
      date: '2026-03-09',
      org: 'tiendames',
      lines: 6,
      extra_columns: ['sucursal'],
      source: 'upload',
      duplicate: false,
    });
    expect(first.json.id).toMatch(/^rep_/);
    // The same bytes again (under another name too): nothing new stored, the first file answered.
    const again = await upload(text, '?filename=copy.csv');
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ id: first.json.id, duplicate: true, filename: NAME });
    expect(await stored()).toEqual({ files: before.files + 1, lines: before.lines + 6 });
    const line = await h.database.db
      .selectFrom('report_lines')
      .selectAll()
      .where('report_id', '=', first.json.id)
      .where('txn_id', '=', 'pi_r2')
      .executeTakeFirstOrThrow();
    expect(line).toMatchObject({
      line: 3,
      amount: 1002,
      payout_id: 'po_test1',
      extra: { sucursal: 'Sucursal; centro' },
    });
    const list = await h.app.inject({ method: 'GET', url: '/api/reports', headers: auth });
    expect(list.json().data.map((r: { id: string }) => r.id)).toContain(first.json.id);
    const one = await h.app.inject({ method: 'GET', url: `/api/reports/${first.json.id}`, headers: auth });
    expect(one.json()).toMatchObject({ id: first.json.id, sha256: first.json.sha256 });
  });

  it('takes the name from Content-Disposition, as Fintoc’s HTTPS delivery sends it', async () => {
    const res = await upload(payoutReport(2, { payout: 'po_disp' }), '', {
      'content-disposition': 'attachment; filename="2026-03-10-daily-summary-fintoc-tiendames.csv"',
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ kind: 'daily', date: '2026-03-10' });
  });

  it('refuses a damaged file with the line and column at fault, and keeps nothing of it', async () => {
    const before = await stored();
    const broken = payoutReport(4, { payout: 'po_broken' }).replace(
      'pi_r3;2026-03-06T13:00:00.000Z;1003',
      'pi_r3;2026-03-06T13:00:00.000Z;10.03',
    );
    const res = await upload(broken);
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({
      code: 'invalid_report',
      report_error: 'report_invalid_value',
      line: 4,
      column: 3,
    });
    expect(res.json.error.fix).toEqual(expect.any(String));
    expect(await stored()).toEqual(before);
  });

  it('refuses what is not a report file with stable codes: no key, JSON, a form with parts, an empty body, a bad name', async () => {
    const noKey = await h.app.inject({
      method: 'POST',
      url: '/api/reports',
      headers: { 'content-type': 'text/csv' },
      payload: 'x',
    });
    expect(noKey.statusCode).toBe(401);
    expect(noKey.json().error.code).toBe('unauthorized');
    const json = await upload('{"id":1}', '', { 'content-type': 'application/json' });
    expect([json.status, json.json.error.code]).toEqual([415, 'unsupported_report_type']);
    const multipart = await upload('--x\r\n\r\n--x--', '', {
      'content-type': 'multipart/form-data; boundary=x',
    });
    expect([multipart.status, multipart.json.error.code]).toEqual([415, 'unsupported_report_type']);
    const empty = await upload('', '');
    expect([empty.status, empty.json.error.code, empty.json.error.report_error]).toEqual([
      422,
      'invalid_report',
      'report_empty',
    ]);
    const badName = await upload(payoutReport(1, { payout: 'po_name' }), '?filename=..%2F..%2Fetc%2Fpasswd');
    expect([badName.status, badName.json.error.code, badName.json.error.param]).toEqual([
      400,
      'invalid_parameter',
      'filename',
    ]);
    const badKind = await upload(payoutReport(1, { payout: 'po_kind' }), '?kind=weekly');
    expect([badKind.status, badKind.json.error.code, badKind.json.error.param]).toEqual([
      400,
      'invalid_parameter',
      'kind',
    ]);
    // curl --data-binary without -H sends a form type: the bytes are still the file.
    const curlDefault = await upload(payoutReport(1, { payout: 'po_curl' }), `?filename=${NAME}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(curlDefault.status).toBe(201);
  });

  it('answers generated hostile files with 201, 200 or a stable 4xx, never a 5xx, and stores all of a file or nothing (fast-check)', async () => {
    const base = Buffer.from(payoutReport(6, { payout: 'po_fuzz' }));
    const mutation = fc.oneof(
      // Bytes replaced, inserted or cut.
      fc
        .record({ at: fc.nat(base.length - 1), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) })
        .map(({ at, bytes }) => {
          const b = Buffer.from(base);
          Buffer.from(bytes).copy(b, at);
          return { body: b, what: `overwrite at ${at}` };
        }),
      fc
        .record({
          at: fc.nat(base.length),
          text: fc.constantFrom(';', '"', '\u0000', '\r', '\n', '\uFEFF', 'é', '\ud83d', '-', '1e9', '""'),
        })
        .map(({ at, text }) => ({
          body: Buffer.concat([base.subarray(0, at), Buffer.from(text), base.subarray(at)]),
          what: `insert ${JSON.stringify(text)} at ${at}`,
        })),
      fc.nat(base.length).map((at) => ({ body: base.subarray(0, at), what: `cut at ${at}` })),
      fc.uint8Array({ maxLength: 300 }).map((b) => ({ body: Buffer.from(b), what: 'random bytes' })),
      fc.string({ maxLength: 200 }).map((s) => ({
        body: Buffer.from(`${HEADER}\r\n${s}`),
        what: `header then ${JSON.stringify(s.slice(0, 40))}`,
      })),
    );
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(mutation, async ({ body, what }) => {
        const before = await stored();
        const res = await upload(body);
        const code = res.json.error?.code;
        expect(res.status, what).toBeLessThan(500);
        expect([200, 201, 400, 422], `${what}: ${res.status} ${code}`).toContain(res.status);
        const after = await stored();
        if (res.status === 201) {
          seen.add(res.json.sha256);
          expect(after, what).toEqual({ files: before.files + 1, lines: before.lines + res.json.lines });
        } else {
          expect(after, what).toEqual(before);
        }
        if (res.status === 422) {
          expect(code).toBe('invalid_report');
          expect(res.json.error.report_error).toMatch(/^report_/);
        }
      }),
      { numRuns: 150, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
  }, 120_000);
});

describe('the watched folder and maildir', () => {
  it('take each file once, leave a folder’s files in place, and move read mails to cur/', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pasarela-intake-'));
    try {
      const dir = join(root, 'inbox');
      const maildir = join(root, 'Maildir');
      for (const d of [dir, join(maildir, 'new'), join(maildir, 'cur'), join(maildir, 'tmp')])
        mkdirSync(d, { recursive: true });
      const watcher = new ReportWatcher(h.app.reconciliation.intake, { dir, maildir }, h.app.log);
      const before = await stored();
      const folderFile = payoutReport(3, { payout: 'po_folder' });
      writeFileSync(join(dir, '2026-03-11-fintoc-payout-tiendames.csv'), folderFile);
      writeFileSync(join(dir, '.2026-03-11-fintoc-payout-tiendames.csv.rep_1.tmp'), 'half a file');
      writeFileSync(join(dir, '2026-03-11-fintoc-payout-tiendames-2.csv'), 'id;created_at\r\nbroken');
      const csv = payoutReport(2, { payout: 'po_mail' });
      const mail = reportMail('2026-03-12-fintoc-payout-tiendames.csv', csv);
      writeFileSync(join(maildir, 'new', '1700000000.M1P1.host'), mail);
      // The folder takes a file once it stayed the same for one poll; the mail at once.
      await watcher.scan();
      await watcher.scan();
      await watcher.scan();
      expect(await stored()).toEqual({ files: before.files + 2, lines: before.lines + 4 + 3 });
      expect(watcher.rejections).toEqual([
        expect.objectContaining({
          source: 'folder',
          name: '2026-03-11-fintoc-payout-tiendames-2.csv',
          code: 'report_missing_column',
        }),
      ]);
      expect(readdirSync(dir).sort()).toHaveLength(3);
      expect(readdirSync(join(maildir, 'new'))).toEqual([]);
      expect(readdirSync(join(maildir, 'cur'))).toEqual(['1700000000.M1P1.host:2,S']);
      // The same report arriving by mail again is stored once.
      writeFileSync(join(maildir, 'new', '1700000001.M2P1.host'), mail);
      await watcher.scan();
      expect(await stored()).toEqual({ files: before.files + 2, lines: before.lines + 7 });
      expect(watcher.counters).toMatchObject({ taken: 2, duplicates: 1, rejected: 1 });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
