/**
 * `pasarela/reconcile`: reading Fintoc's report files and reconciling them (or the Payouts API's
 * data) with the shop's payments. Pure and streaming: bytes and plain objects in, lines, matches,
 * differences of stable kinds, and gross, fees and net per payout and per day out. See
 * docs/reconciliation.md.
 *
 * @example
 * import { parseReport, reconcile } from 'pasarela/reconcile';
 * const report = await parseReport(createReadStream(path), { filename: basename(path) });
 * const result = reconcile({ payments, reports: [report], asOf: new Date() });
 * if (result.differences.length > 0) process.exitCode = 1;
 */
export { CsvReader, type CsvRecord, type CsvOptions } from './csv.js';
export { RECONCILE_ERRORS, ReportParseError, type ReconcileErrorCode } from './errors.js';
export {
  ReportParser,
  parseReport,
  parseReportSync,
  type ReportLine,
  type ParsedReport,
  type ReportParserOptions,
} from './parse.js';
export {
  DIFFERENCE_KINDS,
  reconcile,
  linesOfReport,
  linesFromPayout,
  type DifferenceKind,
  type Difference,
  type LocalPayment,
  type SettlementLine,
  type PayoutInfo,
  type PayoutSummary,
  type DaySummary,
  type Totals,
  type Reconciliation,
  type ReconcileInput,
} from './match.js';
export {
  readPayouts,
  pacer,
  PAYOUTS_API_REQUESTS_PER_SECOND,
  type PayoutsApi,
  type PayoutResources,
} from './api.js';
export { paymentsFromCsv, formatReconciliation, differencesCsv } from './text.js';
