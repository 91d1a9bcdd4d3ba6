/**
 * Every error `src/reconcile` raises, in one catalogue: a stable code, what it means and how to fix
 * it. docs/reconciliation.md lists the same codes (a test keeps the two in step).
 *
 * @example
 * RECONCILE_ERRORS.report_column_count.fix;
 */
export const RECONCILE_ERRORS = {
  report_empty: {
    summary: 'The file has no header row.',
    fix: 'Give the report file as Fintoc sent it; an empty file is not a report.',
  },
  report_invalid_encoding: {
    summary: 'The file is not UTF-8 text.',
    fix: 'Give the file as received (UTF-8); do not re-save it from a spreadsheet in another encoding.',
  },
  report_nul_byte: {
    summary: 'The file holds a NUL character.',
    fix: 'The file is damaged or not a CSV: download or receive it again.',
  },
  report_line_too_long: {
    summary: 'A line is longer than the limit (64 KiB by default).',
    fix: 'The file is damaged or not a report: Fintoc’s lines are short. Raise maxLineChars only if you know why.',
  },
  report_unterminated_quote: {
    summary: 'A quoted field is never closed.',
    fix: 'The file was cut short or edited by hand: receive it again.',
  },
  report_bad_quote: {
    summary: 'A double quote where CSV does not allow one.',
    fix: 'Quote a whole field ("a;b"), and double any quote inside it (""); or receive the file again.',
  },
  report_missing_column: {
    summary: 'The header lacks one of Fintoc’s columns id, created_at, amount, fee.',
    fix: 'Check this is a Fintoc report with its header row, separated by semicolons.',
  },
  report_duplicate_column: {
    summary: 'Two header columns have the same name.',
    fix: 'The header was edited: receive the file again.',
  },
  report_bad_header: {
    summary: 'A header column has no name.',
    fix: 'The header was edited, or the file has no header row: receive it again.',
  },
  report_column_count: {
    summary: 'A line has more or fewer fields than the header.',
    fix: 'Check the separator is a semicolon and fields holding one are quoted; or receive the file again.',
  },
  report_invalid_value: {
    summary: 'A field does not hold what its column needs (an integer amount, an ISO 8601 date, an id…).',
    fix: 'The file was edited or damaged at the line and column given: receive it again.',
  },
  payments_file_invalid: {
    summary:
      'A payments file (GET /api/payments.csv) that cannot be read: no header, a missing column, a line of another length, an amount that is not an integer.',
    fix: 'Give the file GET /api/payments.csv (or the dashboard’s Download CSV) answered, unedited.',
  },
} as const satisfies Record<string, { summary: string; fix: string }>;

export type ReconcileErrorCode = keyof typeof RECONCILE_ERRORS;

/**
 * A report file that cannot be read, with where: `line` (1 = the header) and `column` (1-based
 * field number), when they are known.
 *
 * @example
 * try { parseReport(text); } catch (err) { if (err instanceof ReportParseError) console.log(err.code, err.line, err.column); }
 */
export class ReportParseError extends Error {
  override readonly name = 'ReportParseError';
  readonly fix: string;

  constructor(
    readonly code: ReconcileErrorCode,
    message: string,
    readonly line: number | null = null,
    readonly column: number | null = null,
  ) {
    const where =
      line === null ? '' : column === null ? ` (line ${line})` : ` (line ${line}, column ${column})`;
    super(`${code}: ${message}${where}`);
    this.fix = RECONCILE_ERRORS[code].fix;
  }
}
