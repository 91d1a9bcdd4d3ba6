/**
 * `pasarela certify` as a user runs it, in child processes side by side:
 * - with no options it certifies the bundled service (sandbox + service on a throw-away embedded
 *   database, the 10-minute rule proven on the test clocks) and passes: a real certification;
 * - the same with the service configured to give up after 2 minutes fails cl-leave-before-authorizing,
 *   saying the intent was expired before the 10-minute timeout;
 * - `--config examples/shop-express/certify.json` starts a sandbox and the example shop itself and
 *   certifies it (a rehearsal, with the timeout shortened as the shop is);
 * - bad options and configs get their exit code and a fix line.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertifyReport } from '../../src/certify/index.js';
import { judgeCertifyReport } from '../../src/golive/index.js';
import { skipWithoutChromium } from '../support/chromium.js';
import { explain, parseReport, readReport } from './explain.js';

const BIN = 'bin/pasarela.mjs';
const dir = mkdtempSync(join(tmpdir(), 'pasarela-certify-cli-'));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pasarela certify …`, bounded in time; the child is killed if it outlives the bound. */
function certify(args: string[], env: NodeJS.ProcessEnv = {}, boundMs = 420_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'certify', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const SECRETS = /sk_(?:test|live)_[A-Za-z0-9]{4,}|whsec_[A-Za-z0-9+/=_-]{6,}|dev_[0-9a-f]{36}/;

describe.skipIf(skipWithoutChromium('pasarela certify (CLI)'))(
  'pasarela certify (CLI)',
  { timeout: 30_000 },
  () => {
    const runs: Record<string, Outcome> = {};

    beforeAll(async () => {
      const [bundled, early, shop] = await Promise.all([
        certify(['--json', '--concurrency', '2', '--out', join(dir, 'bundled')]),
        certify(['--json', '--concurrency', '2', '--out', join(dir, 'early')], { PAYMENT_TIMEOUT: '2m' }),
        certify([
          '--config',
          'examples/shop-express/certify.json',
          // A minute: the shop's timeout must leave certify's customer time to pay on a loaded machine.
          '--abandon-after',
          '60s',
          '--concurrency',
          '2',
          '--out',
          join(dir, 'shop'),
        ]),
      ]);
      Object.assign(runs, { bundled, early, shop });
      // Three runs side by side: 1.5–2 minutes on a loaded machine; a generous bound above that.
    }, 480_000);

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('certifies the bundled service by default: exit 0, a passing certification on the test clocks', () => {
      const { code, stdout, stderr } = runs.bundled!;
      expect(code, explain(parseReport(stdout), stderr)).toBe(0);
      const report = JSON.parse(stdout) as CertifyReport;
      expect(report).toMatchObject({
        schema: 'pasarela.certify.report/v1',
        passed: true,
        custom_reports: true,
        rehearsal: false,
        clocks: 'test',
        country: 'cl',
        flow: 'session',
        target: { kind: 'bundled' },
        fintoc: { kind: 'sandbox', mode: 'test' },
        abandon_after_ms: 600_000,
      });
      expect(Date.now() - Date.parse(report.generated_at)).toBeLessThan(10 * 60_000);
      const verdicts = Object.fromEntries(report.scenarios.map((s) => [s.id, s.verdict]));
      expect(verdicts).toMatchObject({
        'api-url': 'passed',
        'widget-product': 'passed',
        'ux-guidelines': 'passed',
        'custom-reports': 'passed',
        'cl-leave-before-authorizing': 'passed',
        'cl-authorize-and-never-return': 'passed',
        'browser-events-cl': 'passed',
        'browser-events-mx': 'skipped',
      });
      // The hardening set passes on the bundled service too.
      expect(report.scenarios.filter((s) => s.hardening).map((s) => `${s.id}: ${s.verdict}`)).toEqual(
        report.scenarios.filter((s) => s.hardening).map((s) => `${s.id}: passed`),
      );
      const leave = report.scenarios.find((s) => s.id === 'cl-leave-before-authorizing')!;
      expect(leave.evidence.map((e) => e.text).join('\n')).toMatch(/Expired 10:0\d(\.\d)? after creation/);
      // Fintoc's report files of the run's payments, in its format, delivered by e-mail into a maildir.
      const reports = report.scenarios.find((s) => s.id === 'custom-reports')!;
      const evidence = reports.evidence.map((e) => e.text).join('\n');
      expect(evidence).toMatch(
        /-fintoc-payout-\w+\.csv: Fintoc's payout reconciliation report of po_\w+, \d+ lines, columns id;created_at;amount;fee;/,
      );
      expect(evidence).toMatch(/-daily-summary-fintoc-\w+\.csv: Fintoc's daily transaction report/);
      expect(evidence).toMatch(/-fintoc-payout-\w+\.csv delivered through email to .*\/maildir\/new\//);
      // … and the service took each one in from that maildir (required: the service takes reports).
      expect(reports.required).toBe(true);
      expect(evidence).toMatch(
        /The shop lists \S+-fintoc-payout-\w+\.csv among the files it took in \(GET \/api\/reports\?limit=500: rep_\w+, maildir\)/,
      );
      expect(reports.evidence.filter((e) => e.ok === false)).toEqual([]);
      // Progress went to stderr, one line per step, and the summary table too.
      expect(stderr).toMatch(/certify: pay: started/);
      expect(stderr).toMatch(/PASSED: every required certification scenario passed/);
    });

    it('writes report.json, report.md and a self-contained report.html with screenshots, and no secret anywhere', () => {
      const out = join(dir, 'bundled');
      for (const f of ['report.json', 'report.md', 'report.html'])
        expect(existsSync(join(out, f)), f).toBe(true);
      const shots = readdirSync(join(out, 'screenshots'));
      expect(shots.length).toBeGreaterThanOrEqual(4);
      const html = readFileSync(join(out, 'report.html'), 'utf8');
      expect(html).toMatch(/data:image\/jpeg;base64,/);
      expect(html).not.toMatch(/<img src="screenshots\//);
      expect(html).toMatch(
        /PASSED: every required certification scenario passed for Pasarela&#39;s bundled service/,
      );
      const md = readFileSync(join(out, 'report.md'), 'utf8');
      expect(md.split('\n')[0]).toMatch(/^PASSED: /);
      for (const f of ['report.json', 'report.md', 'report.html']) {
        expect(readFileSync(join(out, f), 'utf8'), f).not.toMatch(SECRETS);
      }
      expect(runs.bundled!.stdout + runs.bundled!.stderr).not.toMatch(SECRETS);
    });

    it('fails a bundled service that gives up after 2 minutes: cl-leave-before-authorizing, and why', () => {
      const { code, stdout, stderr } = runs.early!;
      const why = explain(parseReport(stdout), stderr);
      expect(code, why).toBe(1);
      const report = JSON.parse(stdout) as CertifyReport;
      expect(report.passed).toBe(false);
      const failed = report.scenarios.filter((s) => s.required && s.verdict !== 'passed');
      expect(
        failed.map((s) => `${s.id}: ${s.verdict}`),
        why,
      ).toEqual(['cl-leave-before-authorizing: failed']);
      expect(failed[0]!.reason).toMatch(
        /expired the intent 2:\d\d(\.\d)? after it was created, before the 10:00 timeout/,
      );
      expect(readFileSync(join(dir, 'early', 'report.md'), 'utf8').split('\n')[0]).toMatch(
        /^FAILED: 1 required/,
      );
    });

    it('certifies the example shop from its certify.json (sandbox and shop started by certify), as a rehearsal', () => {
      const { code, stdout, stderr } = runs.shop!;
      const report = readReport(join(dir, 'shop'));
      expect(code, explain(report, stderr)).toBe(0);
      expect(stdout.split('\n')[0]).toMatch(
        /^REHEARSAL, not a certification: the abandonment timeout was shortened to 1:00/,
      );
      expect(report, explain(report, stderr)).toMatchObject({
        passed: true,
        rehearsal: true,
        target: { kind: 'shop' },
        clocks: 'real',
      });
      expect(stderr).toMatch(/starting the shop: npx tsx server\.ts \(PORT=\d+\)/);
    });

    it('writes the report pasarela check reads: the bundled one is accepted, the rehearsal and the failure are not', () => {
      const read = (name: string) =>
        JSON.parse(readFileSync(join(dir, name, 'report.json'), 'utf8')) as unknown;
      const now = new Date();
      expect(judgeCertifyReport(read('bundled'), { country: 'cl', now, maxAgeDays: 30 })).toMatchObject({
        ok: true,
      });
      expect(judgeCertifyReport(read('bundled'), { country: 'mx', now, maxAgeDays: 30 })).toMatchObject({
        ok: false,
      });
      expect(judgeCertifyReport(read('shop'), { country: 'cl', now, maxAgeDays: 30 })).toMatchObject({
        ok: false,
        problem: expect.stringMatching(/rehearsal/),
      });
      expect(judgeCertifyReport(read('early'), { country: 'cl', now, maxAgeDays: 30 })).toMatchObject({
        ok: false,
        problem: expect.stringMatching(/cl-leave-before-authorizing/),
      });

      // `pasarela check` itself, reading the folders certify wrote (its other items fail here: no keys).
      const check = (name: string) => {
        let out: string;
        try {
          out = execFileSync(
            process.execPath,
            [resolve(BIN), 'check', '--json', '--certify-report', join(dir, name, 'report.json')],
            { cwd: dir, env: { PATH: process.env.PATH, PASARELA_COUNTRY: 'cl' }, encoding: 'utf8' },
          );
        } catch (err) {
          out = (err as { stdout: string }).stdout;
        }
        const items = (JSON.parse(out) as { items: Array<{ id: string; status: string; summary: string }> })
          .items;
        return items.find((i) => i.id === 'certification')!;
      };
      expect(check('bundled')).toMatchObject({ status: 'pass' });
      expect(check('shop')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/rehearsal/) });
    }, 120_000);

    it('answers bad options and configs with exit 2 and a fix line, and a shop that cannot start with 3', async () => {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ shop: { url: 'http://127.0.0.1:1' } }));
      const notJson = join(dir, 'not.json');
      writeFileSync(notJson, '{');
      const live = join(dir, 'live.json');
      writeFileSync(
        live,
        JSON.stringify({
          sandbox: { url: 'http://127.0.0.1:1', secret_key: 'sk_live_abcd1234' },
          shop: { url: 'http://127.0.0.1:1' },
          start: { page: '/' },
          checkout: { success: '#ok', retry: '#retry', rejected: '#no' },
          verdict: { json: '/o/{order_id}', field: 'status', paid: 'paid', not_paid: 'no' },
        }),
      );
      const unreachable = join(dir, 'unreachable.json');
      writeFileSync(unreachable, readFileSync(live, 'utf8').replace('sk_live_', 'sk_test_'));
      const [a, b, c, d, e, f] = await Promise.all([
        certify(['--config', join(dir, 'missing.json')]),
        certify(['--config', notJson]),
        certify(['--config', bad]),
        certify(['--config', live]),
        certify(['--config', unreachable]),
        certify(['--concurrency', 'lots']),
      ]);
      expect([a.code, b.code, c.code, d.code, e.code, f.code]).toEqual([2, 2, 2, 2, 3, 2]);
      expect(a.stderr).toMatch(/config_unreadable: .*\n {2}fix: /);
      expect(b.stderr).toMatch(/config_invalid: .*not JSON/);
      expect(c.stderr).toMatch(/config_invalid: /);
      expect(d.stderr).toMatch(/live_key_refused/);
      expect(e.stderr).toMatch(/fintoc_unreachable/);
      for (const o of [a, b, c, d, e, f]) expect(o.stderr + o.stdout).not.toMatch(/sk_live_abcd1234/);
    }, 120_000);
  },
);
