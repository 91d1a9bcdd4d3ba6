import { describe, expect, it } from 'vitest';
import { judgeCertifyReport } from './certify-report.js';

const now = new Date('2026-12-01T12:00:00Z');
export function passingReport(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schema: 'pasarela.certify.report/v1',
    pasarela_version: '0.1.0',
    generated_at: '2026-11-30T12:00:00.000Z',
    target: { kind: 'bundled', url: 'http://127.0.0.1:3000' },
    fintoc: { kind: 'sandbox', api_url: 'http://127.0.0.1:4010', mode: 'test' },
    country: 'cl',
    flow: 'intent',
    rehearsal: false,
    passed: true,
    scenarios: [
      { id: 'api-url', title: 'API URL', required: true, verdict: 'passed', reason: 'ok', evidence: [] },
      { id: 'abandon', title: 'Leaves', required: true, verdict: 'passed', reason: 'ok', evidence: [] },
      {
        id: 'reports',
        title: 'Reports',
        required: false,
        verdict: 'not_available',
        reason: 'n/a',
        evidence: [],
      },
    ],
    ...overrides,
  };
}
const judge = (r: unknown, country: 'cl' | 'mx' = 'cl') =>
  judgeCertifyReport(r, { country, now, maxAgeDays: 30 });

describe('certify report', () => {
  it('accepts a passing, recent, real certification of the country', () => {
    expect(judge(passingReport())).toMatchObject({
      ok: true,
      summary: expect.stringMatching(/2 required scenarios passed, against the sandbox/),
    });
  });
  it.each([
    ['an unknown schema', { schema: 'pasarela.certify.report/v2' }, /schema/],
    ['another country', { country: 'mx' }, /certifies mx/],
    ['a rehearsal', { rehearsal: true }, /rehearsal/],
    [
      'a failure',
      { passed: false, scenarios: [{ id: 'abandon', required: true, verdict: 'failed' }] },
      /did not pass \(required scenarios not passed: abandon\)/,
    ],
    ['an old one', { generated_at: '2026-10-01T00:00:00Z' }, /61 days old/],
    ['one from the future', { generated_at: '2027-01-01T00:00:00Z' }, /in the future/],
    ['a damaged one', { passed: 'yes' }, /damaged \(passed/],
  ])('refuses %s, saying so', (_name, overrides, problem) => {
    expect(judge(passingReport(overrides))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(problem),
      fix: expect.any(String),
    });
  });
  it('refuses what is not a report', () => {
    expect(judge(null)).toMatchObject({ ok: false });
    expect(judge([1])).toMatchObject({ ok: false });
  });
});
