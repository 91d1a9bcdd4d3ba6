/**
 * Taking in Fintoc's report files, from any channel (an upload, the watched folder, the maildir):
 * the file is read whole by `pasarela/reconcile`'s parser before anything is stored, then stored
 * with its lines in one transaction, once per SHA-256 of its exact bytes. A file that cannot be read
 * is refused with the parser's code, line and column, and nothing of it is kept.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock, ReportKind } from '../../fintoc/index.js';
import { parseReportSync, ReportParseError, type ParsedReport } from '../../reconcile/index.js';
import * as repo from '../db/repositories/index.js';
import type { ReportFileSummary } from '../db/repositories/index.js';
import type { DB } from '../db/schema.js';
import { ServiceError } from '../errors.js';
import { serviceId } from '../ids.js';
import { isStorableText } from '../text.js';

/** Where a report file came from. */
export type ReportSource = 'upload' | 'folder' | 'maildir';

export interface IntakeResult {
  /** True when a file with the same bytes was already stored (nothing was written). */
  duplicate: boolean;
  file: ReportFileSummary;
}

/** The longest file name kept (longer ones are refused: Fintoc's names are short). */
export const MAX_REPORT_FILENAME = 255;

/**
 * A file name as received, or why it is refused (a path, control characters, too long).
 *
 * @example
 * reportFilenameProblem('2026-03-09-fintoc-payout-tienda.csv'); // null
 */
export function reportFilenameProblem(name: string): string | null {
  if (name.length === 0) return 'filename must not be empty.';
  if (name.length > MAX_REPORT_FILENAME) return `filename is at most ${MAX_REPORT_FILENAME} characters.`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!isStorableText(name) || /[\u0000-\u001f\u007f/\\]/.test(name))
    return 'filename must be a plain file name: no path separators or control characters.';
  if (name === '.' || name === '..') return 'filename must be a plain file name.';
  return null;
}

/** The answer to a report file that cannot be read: the parser's code, line, column and fix. */
export function invalidReport(err: ReportParseError): ServiceError {
  return new ServiceError('invalid_report', err.message, undefined, {
    report_error: err.code,
    line: err.line,
    column: err.column,
    fix: err.fix,
  });
}

export class ReportIntake {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    /** Called after a new file is stored (queues the reconciliation). */
    private readonly onStored: () => Promise<void>,
  ) {}

  /**
   * Reads and stores one report file. Throws a {@link ServiceError} `invalid_report` (nothing
   * stored) when it cannot be read, `invalid_parameter` for a file name that is not one.
   */
  async receive(
    bytes: Uint8Array,
    opts: { filename?: string | null; kind?: ReportKind; source: ReportSource },
  ): Promise<IntakeResult> {
    const filename = opts.filename ?? null;
    if (filename !== null) {
      const problem = reportFilenameProblem(filename);
      if (problem) throw new ServiceError('invalid_parameter', problem, 'filename');
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const seen = await repo.findReportFileBySha(this.db, sha256);
    if (seen) return { duplicate: true, file: seen };
    let report: ParsedReport;
    try {
      report = parseReportSync(bytes, {
        ...(filename !== null ? { filename } : {}),
        ...(opts.kind ? { kind: opts.kind } : {}),
      });
    } catch (err) {
      if (err instanceof ReportParseError) throw invalidReport(err);
      throw err;
    }
    const id = serviceId('rep');
    const now = new Date(this.clock.now());
    const { stored, file } = await this.db.transaction().execute((trx) =>
      repo.insertReportFile(
        trx,
        {
          id,
          sha256,
          filename,
          kind: report.kind,
          report_date: report.date,
          org: report.org,
          bytes: bytes.byteLength,
          line_count: report.lines.length,
          columns: JSON.stringify(report.columns),
          extra_columns: JSON.stringify(report.extraColumns),
          source: opts.source,
          content: bytes,
          received_at: now,
        },
        report.lines.map((l) => ({
          report_id: id,
          line: l.line,
          txn_id: l.id,
          type: l.type,
          payment_intent_id: l.payment_intent_id,
          amount: l.amount,
          fee: l.fee,
          net: l.net,
          currency: l.currency,
          status: l.status,
          created_at: l.created_at,
          transaction_at: l.transaction_at,
          payout_id: l.payout_id,
          extra: JSON.stringify(l.extra),
        })),
      ),
    );
    if (stored) await this.onStored();
    return { duplicate: !stored, file };
  }
}
