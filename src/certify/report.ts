/**
 * The certification report: `report.json` (this shape, versioned by `schema`; `pasarela check`
 * reads it), from which `report.md` and `report.html` are drawn. Fields are only ever added.
 */
import type { Country, ScenarioId } from './scenarios.js';

/** The schema id `pasarela check` recognises. */
export const REPORT_SCHEMA = 'pasarela.certify.report/v1';

export type Verdict = 'passed' | 'failed' | 'not_available' | 'skipped';

/** Where a piece of evidence comes from. */
export type EvidenceSource =
  | 'shop' // the shop's own answers: its verdict, its pages' HTTP answers
  | 'browser' // what the customer's browser saw: widget options, callbacks, page states
  | 'widget' // the sandbox's record of the widget session
  | 'fintoc' // Fintoc's (or the sandbox's) API and request log
  | 'webhook' // deliveries to the shop's endpoint and its answers
  | 'clock' // test clocks moved, or real time waited
  | 'certify'; // a conclusion certify drew

/** One line of a scenario's timeline. `ok` marks a check that held (true) or failed (false). */
export interface EvidenceEntry {
  /** ISO 8601 time of what happened (sandbox or Fintoc time when it comes from there), or null. */
  at: string | null;
  source: EvidenceSource;
  text: string;
  ok?: boolean;
}

export interface ScreenshotRef {
  /** Path inside the report folder, e.g. `screenshots/pay-phone.jpg`. */
  file: string;
  caption: string;
}

export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  /** Counts for `passed`: every checklist scenario of the country, and hardening with `--strict`. */
  required: boolean;
  /** Beyond Fintoc's checklist (required only with `--strict`). */
  hardening: boolean;
  verdict: Verdict;
  /** One sentence a shop's engineer understands: why it passed, failed, or could not run. */
  reason: string;
  evidence: EvidenceEntry[];
  screenshots: ScreenshotRef[];
  /** When the scenario could not run because another one failed first. */
  blocked_by?: ScenarioId;
}

export interface CertifyReport {
  schema: typeof REPORT_SCHEMA;
  pasarela_version: string;
  generated_at: string;
  target: { kind: 'bundled' | 'shop'; url: string };
  fintoc: { kind: 'sandbox' | 'fintoc'; api_url: string; mode: 'test' | 'live' };
  country: Country;
  /** How the shop opened the widget: a payment intent's `widget_token` (`intent`), a Checkout Session (`session`), or a redirect to Fintoc's page. */
  flow: 'intent' | 'session' | 'redirect' | null;
  /** True when the abandonment timeout was shortened: a rehearsal, not a certification. */
  rehearsal: boolean;
  /** Every required scenario passed. */
  passed: boolean;
  /** Hardening scenarios were required (`--strict`). */
  strict: boolean;
  /** The shop takes Fintoc's custom report files, so `custom-reports` is required. */
  custom_reports: boolean;
  /** The abandonment timeout certified (10 minutes unless rehearsing) and the tolerance after it. */
  abandon_after_ms: number;
  tolerance_ms: number;
  /** `test`: the timeout was proven on test clocks (sandbox + service); `real`: waited in real time. */
  clocks: 'test' | 'real';
  duration_ms: number;
  summary: Record<Verdict, number>;
  scenarios: ScenarioResult[];
}

/** True when every required scenario passed (and there is at least one). */
export function allRequiredPassed(scenarios: readonly ScenarioResult[]): boolean {
  const required = scenarios.filter((s) => s.required);
  return required.length > 0 && required.every((s) => s.verdict === 'passed');
}

export function summarize(scenarios: readonly ScenarioResult[]): Record<Verdict, number> {
  const summary: Record<Verdict, number> = { passed: 0, failed: 0, not_available: 0, skipped: 0 };
  for (const s of scenarios) summary[s.verdict] += 1;
  return summary;
}

/** The first line of every rendering: what this report is, and whether it certifies. */
export function headline(report: CertifyReport): string {
  const what =
    report.target.kind === 'bundled' ? "Pasarela's bundled service" : `the shop at ${report.target.url}`;
  if (report.rehearsal) {
    return `REHEARSAL, not a certification: the abandonment timeout was shortened to ${formatMs(report.abandon_after_ms)} (Fintoc's rule is 10 minutes). ${report.passed ? 'Every required scenario passed' : 'Some required scenarios failed'} for ${what}.`;
  }
  const where = report.country === 'cl' ? 'Chile' : 'Mexico';
  if (report.passed) return `PASSED: every required certification scenario passed for ${what} (${where}).`;
  const failed = report.scenarios.filter((s) => s.required && s.verdict === 'failed').length;
  const unproven = report.scenarios.filter(
    (s) => s.required && s.verdict !== 'failed' && s.verdict !== 'passed',
  );
  return failed > 0
    ? `FAILED: ${failed} required scenario(s) failed for ${what} (${where}); the report says why.`
    : `NOT CERTIFIED: ${unproven.length} required scenario(s) could not run for ${what} (${where}): ${unproven.map((s) => s.id).join(', ')}.`;
}

/** `600000` → `10:00`, `15000` → `0:15`, `61500` → `1:01.5`. */
export function formatMs(ms: number): string {
  const negative = ms < 0;
  const abs = Math.abs(ms);
  const minutes = Math.floor(abs / 60_000);
  const seconds = (abs % 60_000) / 1000;
  const s = Number.isInteger(seconds)
    ? String(seconds).padStart(2, '0')
    : seconds.toFixed(1).padStart(4, '0');
  return `${negative ? '-' : ''}${minutes}:${s}`;
}
