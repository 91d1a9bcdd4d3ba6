import { describe, expect, it } from 'vitest';
import { passingReport } from '../../test/fixtures/certify-report.js';
import { judgeCertifyReport } from './certify-report.js';

const now = new Date('2026-12-01T12:00:00Z');
const passing = (overrides: Record<string, unknown> = {}) =>
  passingReport(new Date('2026-11-30T12:00:00.000Z'), overrides);
const judge = (r: unknown, country: 'cl' | 'mx' = 'cl') =>
  judgeCertifyReport(r, { country, now, maxAgeDays: 30 });

describe('certify report', () => {
  it('accepts a passing, recent, real certification of the country', () => {
    expect(judge(passing())).toMatchObject({
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
    expect(judge(passing(overrides))).toMatchObject({
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
