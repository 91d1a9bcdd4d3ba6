/**
 * `pasarela/golive`: going live with Fintoc. Readiness checks against Fintoc and the running service
 * (`runChecks`, plain data a page can render), webhook endpoints set up in the key's mode, and the
 * payout account's details (RUT, RFC, CLABE) with the e-mail for the Account Executive.
 *
 * @example
 * import { runChecks, formatCheckReport } from 'pasarela/golive';
 * const report = await runChecks({ env: process.env, cwd: process.cwd() });
 * console.log(formatCheckReport(report));
 */
export { runChecks, formatCheckReport, devHostReason, CHECK_ITEMS, CHECK_SECTIONS } from './check.js';
export type {
  CheckReport,
  CheckItem,
  CheckItemId,
  CheckSection,
  CheckStatus,
  CheckOptions,
} from './check.js';
export {
  judgeCertifyReport,
  CertifyReportSchema,
  CERTIFY_REPORT_SCHEMA,
  DEFAULT_CERTIFY_REPORT,
  DEFAULT_CERTIFY_MAX_AGE_DAYS,
} from './certify-report.js';
export type { CertifyReport, CertifyVerdict } from './certify-report.js';
export {
  WEBHOOK_PATH,
  webhookUrlFor,
  checkEndpointUrl,
  setupEndpoint,
  startRotation,
  finishRotation,
  listEndpoints,
  missingEvents,
  endpointView,
  sameUrl,
  clientFromEnv,
} from './webhooks.js';
export type { EndpointView, SetupResult } from './webhooks.js';
export { writeEnvVariable, setEnvLine, envFileValue } from './env-file.js';
export { checkRut, rutCheckDigit } from './rut.js';
export { checkRfc, rfcCheckDigit } from './rfc.js';
export { checkClabe, clabeControlDigit } from './clabe.js';
export type { FieldCheck } from './fields.js';
export {
  CHILE_BANKS,
  CHILE_ACCOUNT_TYPES,
  CHILE_ACCOUNT_DIGITS,
  MEXICO_BANKS,
  MEXICO_STATES,
  findChileBank,
  findMexicoBank,
  findMexicoState,
} from './banks.js';
export type { ChileBank, MexicoBank, ChileAccountType } from './banks.js';
export {
  PAYOUT_ACCOUNT_SCHEMA,
  PAYOUT_ACCOUNT_FILE,
  PAYOUT_EMAIL_FILE,
  PAYOUT_FIELDS,
  buildPayoutAccount,
  checkPayoutAccountRecord,
  checkPayoutField,
  checkEmail,
  payoutFieldsFor,
  payoutEmail,
  payoutEml,
  writePayoutAccountFiles,
  payoutInputFromJson,
} from './payout-account.js';
export { askPayoutAccount, inquirerPrompter } from './payout-prompts.js';
export type { Prompter } from './payout-prompts.js';
export type {
  PayoutAccount,
  PayoutAccountInput,
  PayoutAccountResult,
  PayoutField,
} from './payout-account.js';
export { GOLIVE_ERRORS, GoliveError } from './errors.js';
export type { GoliveErrorCode } from './errors.js';
