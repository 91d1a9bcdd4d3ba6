import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertifyError } from './errors.js';
import { Findings } from './findings.js';
import { redact, renderHtml, renderMarkdown, summaryTable, writeReport } from './render.js';
import { REPORT_SCHEMA, summarize, type CertifyReport } from './report.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function report(overrides: Partial<CertifyReport> = {}): CertifyReport {
  const f = new Findings(() => '2026-01-01T00:00:00.000Z');
  f.add('api-url', 'fintoc', 'GET /v1/payment_intents/pi_… × 3 (200)', true);
  // What a shop shows can land in the evidence: it must stay text.
  f.add('browser-events-cl', 'shop', 'The verdict says "<script>alert(1)</script>"', false);
  f.add('widget-product', 'browser', 'publicKey sk_test_leakedKey123 and whsec_abcdefgh1234', false);
  f.screenshot('ux-guidelines', { file: 'screenshots/checkout-phone.jpg', caption: 'The checkout' });
  f.add('ux-guidelines', 'browser', 'ok', true);
  const scenarios = f.results({ country: 'cl', strict: false, customReports: false });
  return {
    schema: REPORT_SCHEMA,
    pasarela_version: '0.1.0',
    generated_at: '2026-01-01T00:00:00.000Z',
    target: { kind: 'shop', url: 'http://127.0.0.1:3100' },
    fintoc: { kind: 'sandbox', api_url: 'http://127.0.0.1:4010', mode: 'test' },
    country: 'cl',
    flow: 'intent',
    rehearsal: false,
    passed: false,
    strict: false,
    custom_reports: false,
    abandon_after_ms: 600_000,
    tolerance_ms: 60_000,
    clocks: 'real',
    duration_ms: 1234,
    summary: summarize(scenarios),
    scenarios,
    ...overrides,
  };
}

describe('the report files', () => {
  it('never write a secret key, and keep what a shop showed as text', () => {
    const r = report();
    const shots = new Map([['screenshots/checkout-phone.jpg', Buffer.from([0xff, 0xd8, 0xff])]]);
    for (const text of [renderMarkdown(r), renderHtml(r, shots), redact(JSON.stringify(r))]) {
      expect(text).not.toMatch(/sk_test_leakedKey123|whsec_abcdefgh1234/);
      expect(text).toMatch(/sk_test_\[REDACTED\]/);
    }
    const html = renderHtml(r, shots);
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain(
      `src="data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, 0xff]).toString('base64')}"`,
    );
    expect(html).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
    expect(html).not.toMatch(/<link |<script /);
  });

  it('say on their first line what the report is', () => {
    const rehearsal = report({ rehearsal: true, abandon_after_ms: 15_000 });
    expect(renderMarkdown(rehearsal).split('\n')[0]).toMatch(/^REHEARSAL, not a certification/);
    expect(summaryTable(rehearsal).split('\n')[0]).toMatch(/^REHEARSAL, not a certification/);
    expect(renderHtml(rehearsal, new Map())).toMatch(
      /<p class="banner rehearsal" data-testid="headline">REHEARSAL/,
    );
    expect(renderMarkdown(report()).split('\n')[0]).toMatch(/^FAILED: 4 required scenario\(s\) failed/);
    const md = renderMarkdown(report());
    expect(md).toMatch(/\| `api-url` \| yes \| PASSED \|/);
    expect(md).toMatch(/- `2026-01-01T00:00:00.000Z` fintoc: ✓ GET/);
  });

  it('are written into a folder, replacing an earlier run’s screenshots; an unwritable folder is a clear error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'certify-report-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'screenshots'));
    writeFileSync(join(dir, 'screenshots', 'old.jpg'), 'old');
    const written = writeReport(dir, report(), new Map([['screenshots/new.jpg', Buffer.from('x')]]));
    expect(written.map((p) => p.slice(dir.length + 1))).toEqual([
      'report.json',
      'report.md',
      'report.html',
      'screenshots/new.jpg',
    ]);
    expect(existsSync(join(dir, 'screenshots', 'old.jpg'))).toBe(false);
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as CertifyReport;
    expect(json.schema).toBe('pasarela.certify.report/v1');
    // A folder inside a file cannot be made (root or not).
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const target = join(file, 'out');
    expect(() => writeReport(target, report(), new Map())).toThrow(CertifyError);
  });
});
