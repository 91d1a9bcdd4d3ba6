/**
 * `pasarela/certify`: Fintoc's certification tests, run in Chromium against any shop, with the
 * evidence and a report an Account Executive can read (report.json, report.md, report.html).
 * Talks to the shop, the sandbox and Fintoc over HTTP only, plus the browser. See docs/certify.md.
 *
 * @example
 * import { certify, resolveConfig, writeReport } from 'pasarela/certify';
 * const config = resolveConfig(JSON.parse(text), process.env);
 * const { report, screenshots } = await certify({ ...options });
 * writeReport('./certify-report', report, screenshots);
 */
export { certify, httpTestClocks, browserSlots } from './run.js';
export type { CertifyOptions, CertifyResult } from './run.js';
export type { TestClocks } from './context.js';
export {
  resolveConfig,
  loadConfigFile,
  parseDurationMs,
  defaultToleranceMs,
  defaultPayButton,
  CertifyConfigSchema,
  DEFAULT_ABANDON_AFTER_MS,
} from './config.js';
export type {
  CertifyConfig,
  ResolvedConfig,
  ShopTarget,
  FintocTarget,
  PaymentStart,
  VerdictSource,
} from './config.js';
export { bundledTarget, BUNDLED_AMOUNT } from './targets.js';
export { startShopProcess } from './shop-process.js';
export type { ShopProcess, ShopProcessOptions } from './shop-process.js';
export { CERTIFY_ERRORS, CertifyError } from './errors.js';
export type { CertifyErrorCode } from './errors.js';
export { REPORT_SCHEMA, headline, formatMs, allRequiredPassed } from './report.js';
export type {
  CertifyReport,
  ScenarioResult,
  Verdict,
  EvidenceEntry,
  EvidenceSource,
  ScreenshotRef,
} from './report.js';
export {
  SCENARIOS,
  CHECKLIST_SCENARIO_IDS,
  HARDENING_SCENARIO_IDS,
  APPROVED_COPY,
  scenarioInfo,
} from './scenarios.js';
export type { ScenarioId, ScenarioInfo, Country } from './scenarios.js';
export { renderMarkdown, renderHtml, writeReport, summaryTable, redact } from './render.js';
export { findChromium, launchChromium, standInButtonSvg } from './browser.js';
export { amountTexts } from './ux.js';
