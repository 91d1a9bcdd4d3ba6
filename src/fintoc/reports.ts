/**
 * Fintoc's report files, as far as the contract goes: their names and columns. Fintoc documents a
 * semicolon-separated CSV with a header row, named `yyyy-mm-dd-fintoc-payout-<orgname>.csv` (one per
 * payout) and `yyyy-mm-dd-daily-summary-fintoc-<orgname>.csv` (one per day), whose first columns are
 * `id;created_at;amount;fee` (amounts in minor units; refunds negative, a failed refund positive).
 * The columns after `fee` are not published: Pasarela's sandbox writes the ones in
 * {@link REPORT_COLUMNS} (docs/reconciliation.md), and readers must accept any others.
 *
 * @example
 * payoutReportFilename('2026-03-09', 'Mi Tienda SpA'); // '2026-03-09-fintoc-payout-mitiendaspa.csv'
 * parseReportFilename('2026-03-09-daily-summary-fintoc-mitiendaspa.csv'); // { kind: 'daily', date: '2026-03-09', org: 'mitiendaspa' }
 */
import { isDate } from './calendar.js';

/** The report kinds: one file per payout, one per day. */
export const REPORT_KINDS = ['payout', 'daily'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** The columns Fintoc documents, in order; every report starts with them. */
export const REQUIRED_REPORT_COLUMNS = ['id', 'created_at', 'amount', 'fee'] as const;

/**
 * The columns the sandbox writes, in order (the first four are Fintoc's):
 * - `id`: the transaction (`pi_…` for a payment, `re_…` for a refund or its adjustment).
 * - `created_at`: when that object was created, ISO 8601 UTC.
 * - `amount`: gross, minor units; a refund negative, a refund adjustment (a refund that failed) positive.
 * - `fee`: Fintoc's fee on the line, minor units (0 on refunds: fees are not returned).
 * - `net`: `amount − fee`.
 * - `currency`: `CLP` or `MXN`.
 * - `type`: `payment_intent`, `refund` or `refund_adjustment`.
 * - `payment_intent_id`: the payment the line belongs to (the refunded one for refunds).
 * - `status`: the object's status when the file was written.
 * - `transaction_at`: when the money moved at Fintoc (payment succeeded, refund taken, refund failed).
 * - `payout_id`: the payout that settles the line (empty in a daily report before it is paid out).
 */
export const REPORT_COLUMNS = [
  ...REQUIRED_REPORT_COLUMNS,
  'net',
  'currency',
  'type',
  'payment_intent_id',
  'status',
  'transaction_at',
  'payout_id',
] as const;
export type ReportColumn = (typeof REPORT_COLUMNS)[number];

/** What a report line is about. */
export const REPORT_LINE_TYPES = ['payment_intent', 'refund', 'refund_adjustment'] as const;
export type ReportLineType = (typeof REPORT_LINE_TYPES)[number];

/** The field separator. */
export const REPORT_SEPARATOR = ';';

/**
 * The organisation's name as it appears in file names: letters and digits only, lower case, accents
 * dropped ("My Company" → `mycompany`, "Panadería Ñuñoa" → `panaderianunoa`); `organization` when
 * nothing is left.
 *
 * @example orgSlug('My Company'); // 'mycompany'
 */
export function orgSlug(name: string): string {
  const slug = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  return slug === '' ? 'organization' : slug;
}

/** `yyyy-mm-dd-fintoc-payout-<orgname>.csv`. @example payoutReportFilename('2026-03-09', 'My Company'); */
export function payoutReportFilename(date: string, organizationName: string): string {
  return `${date}-fintoc-payout-${orgSlug(organizationName)}.csv`;
}

/** `yyyy-mm-dd-daily-summary-fintoc-<orgname>.csv`. @example dailyReportFilename('2026-03-09', 'My Company'); */
export function dailyReportFilename(date: string, organizationName: string): string {
  return `${date}-daily-summary-fintoc-${orgSlug(organizationName)}.csv`;
}

/**
 * A fee per transaction: `rate_bps` hundredths of a percent of the amount, plus `fixed` (minor
 * units), plus VAT (`vat_bps`) on both. Fintoc's prices are agreed per contract; this is the shape
 * the sandbox charges with and the reconciliation checks against.
 */
export interface FeeRate {
  rate_bps: number;
  fixed: number;
  vat_bps: number;
}

/**
 * The fee on a payment: amount × rate + fixed, then VAT on that, each rounded half up to the minor
 * unit, never more than the amount.
 *
 * @example transactionFee(10_000, { rate_bps: 60, fixed: 0, vat_bps: 1900 }); // 71 (60 + 11.4 VAT)
 */
export function transactionFee(amount: number, rate: FeeRate): number {
  const half = (n: bigint, d: bigint) => (n * 2n + d) / (2n * d);
  const base = half(BigInt(amount) * BigInt(rate.rate_bps), 10_000n) + BigInt(rate.fixed);
  const fee = base + half(base * BigInt(rate.vat_bps), 10_000n);
  return Number(fee > BigInt(amount) ? BigInt(amount) : fee);
}

const FILENAME =
  /^(\d{4}-\d{2}-\d{2})-(fintoc-payout|daily-summary-fintoc)-([a-z0-9]+)(?:[-_ ]?\(?\d+\)?)?\.csv$/i;

/**
 * What a report's file name says, or `null` when it is not one of Fintoc's names. A copy suffix
 * (`…-2.csv`, `… (2).csv`) is allowed, as mail clients and folders add one.
 *
 * @example parseReportFilename('2026-03-09-fintoc-payout-mycompany.csv'); // { kind: 'payout', date: '2026-03-09', org: 'mycompany' }
 */
export function parseReportFilename(name: string): { kind: ReportKind; date: string; org: string } | null {
  const base = name.split(/[\\/]/).pop() ?? name;
  const m = FILENAME.exec(base);
  if (!m || !isDate(m[1])) return null;
  return {
    kind: m[2]!.toLowerCase() === 'fintoc-payout' ? 'payout' : 'daily',
    date: m[1],
    org: m[3]!.toLowerCase(),
  };
}
