/**
 * Why a certification did not pass, as a test's failure message: every scenario that failed (or,
 * when required, did not pass), its reason and the checks that did not hold, with their times. A CI
 * log then says which scenario failed and why without the report folder, which the test removes.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { CertifyReport } from '../../src/certify/index.js';

/** The report certify wrote in `dir` (report.json), or null when there is none or it is not JSON. */
export function readReport(dir: string): CertifyReport | null {
  const file = `${dir}/report.json`;
  if (!existsSync(file)) return null;
  return parseReport(readFileSync(file, 'utf8'));
}

/** A report printed with `--json` (stdout), or null when it is not one. */
export function parseReport(text: string): CertifyReport | null {
  try {
    const parsed = JSON.parse(text) as CertifyReport;
    return Array.isArray(parsed?.scenarios) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * The scenarios that did not pass and why, one block each; `output` (e.g. certify's stderr) is added
 * when there is no report to explain, shortened to its end.
 *
 * @example
 * expect(code, explain(readReport(out), stderr)).toBe(0);
 */
export function explain(report: CertifyReport | null | undefined, output = ''): string {
  const tail = output.length > 4_000 ? `…${output.slice(-4_000)}` : output;
  if (!report) return `certify wrote no report. Its output:\n${tail}`;
  const lines = [
    `certify report: passed=${report.passed}, ${report.target.kind} target, ${report.rehearsal ? 'rehearsal' : 'certification'} on ${report.clocks} clocks, ${(report.duration_ms / 1000).toFixed(1)} s`,
  ];
  const shown = report.scenarios.filter(
    (s) => s.verdict === 'failed' || (s.required && s.verdict !== 'passed'),
  );
  for (const s of shown) {
    lines.push(
      `- ${s.id} (${s.required ? 'required' : 'optional'}): ${s.verdict}${s.blocked_by ? ` (blocked by ${s.blocked_by})` : ''}: ${s.reason}`,
    );
    for (const e of s.evidence.filter((x) => x.ok === false))
      lines.push(`    ✗ ${e.at ?? '-'} [${e.source}] ${e.text}`);
  }
  if (shown.length === 0) lines.push('- every scenario passed or did not apply');
  return lines.join('\n');
}
