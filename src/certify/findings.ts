/**
 * Findings: what a certification run learns, scenario by scenario, as it goes. Journeys (a customer
 * paying, leaving, …) and run-wide checks add them; at the end each scenario's verdict is drawn from
 * its own findings only, by one rule: a failed check fails it, a blocking or missing capability
 * explains why it did not run, and it passes only on checks that held. No evidence, no pass.
 */
import type { EvidenceEntry, EvidenceSource, ScenarioResult, ScreenshotRef, Verdict } from './report.js';
import { SCENARIOS, type Country, type ScenarioId } from './scenarios.js';

export interface Finding {
  scenario: ScenarioId;
  entry: EvidenceEntry;
}

interface Special {
  scenario: ScenarioId;
  kind: 'not_available' | 'blocked';
  reason: string;
  by: ScenarioId | null;
}

/** The sentence a scenario's report gives when every check held. */
const PASSED: Record<ScenarioId, string> = {
  'api-url':
    "Every call of the shop's backend went to Fintoc's API (its /v1/ and /v2/ paths) with a test key, and no secret key reached the browser.",
  'widget-product':
    "Every widget was opened with product 'payments', the test public key and the token the backend created for that payment (a checkout session's or a payment intent's).",
  'ux-guidelines':
    "The checkout shows Fintoc's hosted button with the approved copy, unrestyled, with the amount and the merchant's name, and works at 390 px.",
  'custom-reports':
    "Fintoc's report files for this run's payments were made in Fintoc's format and delivered through every channel the shop configured.",
  'cl-leave-before-authorizing':
    'The shop expired the abandoned payment at Fintoc after the timeout and within the tolerance, and its verdict says not paid.',
  'cl-authorize-and-never-return':
    "With the tab closed, the shop answered Fintoc's webhook 2xx in time and its verdict became paid.",
  'browser-events-cl':
    'The page showed success after onSuccess, offered to try again after onExit without claiming success, and said when the bank rejected.',
  'browser-events-mx':
    'The page showed success after onSuccess, offered to try again after onExit without claiming success, and said when the bank rejected.',
  'webhook-duplicate':
    'The same event delivered twice was answered 2xx both times and the verdict did not change.',
  'webhook-out-of-order': 'With succeeded delivered before pending, the shop kept the payment paid.',
  'webhook-forged-signature': 'A forged webhook was refused with a 4xx and changed nothing.',
  'webhook-stale-signature':
    'A correctly signed webhook from an hour ago was refused with a 4xx and changed nothing.',
  'webhook-retry':
    "After Fintoc's first attempt failed, the shop took the retry and the payment became paid.",
  'webhook-lost':
    'With every webhook of the payment withheld, the shop still learned it was paid by asking Fintoc.',
  'paid-after-cancel': 'The payment the shop had canceled ended paid when the late success came.',
};

export class Findings {
  private readonly findings: Finding[] = [];
  private readonly specials: Special[] = [];
  private readonly shots = new Map<ScenarioId, ScreenshotRef[]>();

  constructor(private readonly stamp: (realMs?: number) => string) {}

  /** A check that held (`ok: true`) or failed (`ok: false`), or a plain fact (`ok` omitted). */
  add(scenario: ScenarioId, source: EvidenceSource, text: string, ok?: boolean, at?: string | null): void {
    this.findings.push({
      scenario,
      entry: { at: at === undefined ? this.stamp() : at, source, text, ...(ok === undefined ? {} : { ok }) },
    });
  }

  check(
    scenario: ScenarioId,
    source: EvidenceSource,
    ok: boolean,
    passText: string,
    failText: string,
  ): boolean {
    this.add(scenario, source, ok ? passText : failText, ok);
    return ok;
  }

  notAvailable(scenario: ScenarioId, reason: string): void {
    this.specials.push({ scenario, kind: 'not_available', reason, by: null });
  }

  /** The scenario could not run because `by` failed first (e.g. the widget never opened). */
  blocked(scenario: ScenarioId, by: ScenarioId | null, reason: string): void {
    this.specials.push({ scenario, kind: 'blocked', by, reason });
  }

  screenshot(scenario: ScenarioId, ref: ScreenshotRef): void {
    this.shots.set(scenario, [...(this.shots.get(scenario) ?? []), ref]);
  }

  /** Has this scenario a failed check already? */
  failed(scenario: ScenarioId): boolean {
    return this.findings.some((f) => f.scenario === scenario && f.entry.ok === false);
  }

  /**
   * The verdict of every scenario of the run.
   *
   * @example
   * const results = findings.results({ country: 'cl', strict: false, customReports: false });
   */
  results(o: { country: Country; strict: boolean; customReports: boolean }): ScenarioResult[] {
    return SCENARIOS.map((info) => {
      const applies = info.countries.includes(o.country);
      const mine = this.findings.filter((f) => f.scenario === info.id).map((f) => f.entry);
      // Custom reports are part of a certification only for shops that take Fintoc's report files.
      const needed = info.id === 'custom-reports' ? o.customReports : !info.hardening || o.strict;
      const base = {
        id: info.id,
        title: info.title,
        required: applies && needed,
        hardening: info.hardening,
        evidence: mine,
        screenshots: this.shots.get(info.id) ?? [],
      };
      if (!applies) {
        const other = info.countries.map((c) => (c === 'cl' ? 'Chile' : 'Mexico')).join(' and ');
        return {
          ...base,
          verdict: 'skipped' as Verdict,
          reason: `Applies to ${other}; this run certifies ${o.country === 'cl' ? 'Chile' : 'Mexico'}.`,
        };
      }
      const failedCheck = mine.find((e) => e.ok === false);
      if (failedCheck) return { ...base, verdict: 'failed' as Verdict, reason: failedCheck.text };
      const special = this.specials.find((s) => s.scenario === info.id);
      if (special?.kind === 'blocked') {
        return {
          ...base,
          verdict: 'skipped' as Verdict,
          reason: `Not run: ${special.reason}`,
          ...(special.by ? { blocked_by: special.by } : {}),
        };
      }
      if (special?.kind === 'not_available')
        return { ...base, verdict: 'not_available' as Verdict, reason: special.reason };
      if (mine.some((e) => e.ok === true))
        return { ...base, verdict: 'passed' as Verdict, reason: PASSED[info.id] };
      return {
        ...base,
        verdict: 'failed' as Verdict,
        reason: 'No evidence was gathered for this scenario, so it cannot pass (see the run log).',
      };
    });
  }
}
