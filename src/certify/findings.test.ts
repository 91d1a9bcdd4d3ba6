import { describe, expect, it } from 'vitest';
import { Findings } from './findings.js';
import { allRequiredPassed, headline, summarize, type CertifyReport } from './report.js';
import { SCENARIOS } from './scenarios.js';

const stamp = () => '2026-01-01T00:00:00.000Z';
const byId = (
  f: Findings,
  o: { country: 'cl' | 'mx'; strict: boolean; customReports: boolean } = {
    country: 'cl',
    strict: false,
    customReports: false,
  },
) => Object.fromEntries(f.results(o).map((r) => [r.id, r]));

describe('verdicts from findings', () => {
  it('passes a scenario only on checks that held, and fails one with no evidence at all', () => {
    const f = new Findings(stamp);
    f.add('api-url', 'fintoc', '12 requests', true);
    f.add('api-url', 'fintoc', 'a fact, not a check');
    const r = byId(f);
    expect(r['api-url']).toMatchObject({ verdict: 'passed', required: true });
    expect(r['widget-product']).toMatchObject({
      verdict: 'failed',
      reason: expect.stringMatching(/No evidence/),
    });
    const facts = new Findings(stamp);
    facts.add('ux-guidelines', 'browser', 'only facts');
    expect(byId(facts)['ux-guidelines']!.verdict).toBe('failed');
  });

  it('fails on the first failed check, whatever else was found', () => {
    const f = new Findings(stamp);
    f.add('ux-guidelines', 'browser', 'copy ok', true);
    f.add('ux-guidelines', 'browser', 'The button is restyled.', false);
    f.add('ux-guidelines', 'browser', 'Another problem.', false);
    f.notAvailable('ux-guidelines', 'not here');
    expect(byId(f)['ux-guidelines']).toMatchObject({ verdict: 'failed', reason: 'The button is restyled.' });
  });

  it('says why a scenario did not run: blocked by another, or not available here', () => {
    const f = new Findings(stamp);
    f.blocked('browser-events-cl', 'widget-product', 'the widget never opened.');
    f.notAvailable('webhook-retry', 'needs the sandbox');
    f.add('webhook-retry', 'certify', 'a fact');
    const r = byId(f);
    expect(r['browser-events-cl']).toMatchObject({
      verdict: 'skipped',
      reason: 'Not run: the widget never opened.',
      blocked_by: 'widget-product',
    });
    expect(r['webhook-retry']).toMatchObject({ verdict: 'not_available', reason: 'needs the sandbox' });
  });

  it('requires the country’s checklist, hardening only when strict, custom reports only for shops that take them', () => {
    const f = new Findings(stamp);
    const required = (o: { country: 'cl' | 'mx'; strict: boolean; customReports: boolean }) =>
      f
        .results(o)
        .filter((r) => r.required)
        .map((r) => r.id);
    expect(required({ country: 'cl', strict: false, customReports: false })).toEqual([
      'api-url',
      'widget-product',
      'ux-guidelines',
      'cl-leave-before-authorizing',
      'cl-authorize-and-never-return',
      'browser-events-cl',
    ]);
    expect(required({ country: 'mx', strict: false, customReports: true })).toEqual([
      'api-url',
      'widget-product',
      'ux-guidelines',
      'custom-reports',
      'browser-events-mx',
    ]);
    expect(required({ country: 'cl', strict: true, customReports: false })).toHaveLength(
      6 + SCENARIOS.filter((s) => s.hardening).length,
    );
    const mx = byId(f, { country: 'mx', strict: false, customReports: false });
    expect(mx['cl-leave-before-authorizing']).toMatchObject({
      verdict: 'skipped',
      reason: expect.stringMatching(/Chile/),
    });
  });

  it('certifies only when every required scenario passed, and the headline says which it is', () => {
    const f = new Findings(stamp);
    for (const s of SCENARIOS) f.add(s.id, 'certify', 'held', true);
    f.notAvailable('custom-reports', 'not yet');
    const scenarios = f.results({ country: 'cl', strict: false, customReports: false });
    expect(allRequiredPassed(scenarios)).toBe(true);
    const report = {
      target: { kind: 'bundled', url: 'http://x' },
      country: 'cl',
      rehearsal: false,
      passed: true,
      abandon_after_ms: 600_000,
      summary: summarize(scenarios),
      scenarios,
    } as unknown as CertifyReport;
    expect(headline(report)).toMatch(/^PASSED: /);
    expect(headline({ ...report, rehearsal: true, abandon_after_ms: 15_000 })).toMatch(
      /^REHEARSAL, not a certification: the abandonment timeout was shortened to 0:15/,
    );
    const withReports = f.results({ country: 'cl', strict: false, customReports: true });
    expect(allRequiredPassed(withReports)).toBe(false);
    expect(headline({ ...report, passed: false, scenarios: withReports })).toMatch(
      /^NOT CERTIFIED: 1 required scenario\(s\) could not run .*custom-reports/,
    );
    expect(allRequiredPassed([])).toBe(false);
  });
});
