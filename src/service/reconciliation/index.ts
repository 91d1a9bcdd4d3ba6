/**
 * Reconciliation inside the service: report intake (upload, folder, maildir), the Payouts API's
 * daily read, matching with `pasarela/reconcile`, and the mismatch notification.
 */
export {
  ReconciliationService,
  differenceKey,
  type ReconcileOptions,
  type ReconciliationDetail,
} from './service.js';
export {
  ReportIntake,
  reportFilenameProblem,
  invalidReport,
  MAX_REPORT_FILENAME,
  type ReportSource,
  type IntakeResult,
} from './intake.js';
export { ReportWatcher, type IntakeRejection, type WatchOptions } from './watch.js';
export { mailAttachments, type MailAttachment } from './mail.js';
export { paymentsCsv, csvCell, amountDecimal, PAYMENT_CSV_COLUMNS, type PaymentCsvFilter } from './export.js';
