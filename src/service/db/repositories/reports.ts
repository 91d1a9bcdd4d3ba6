/** The `report_files` and `report_lines` tables: Fintoc's report files as received, once per SHA-256. */
import type { Insertable } from 'kysely';
import type { ReportFileRow, ReportFilesTable, ReportLineRow, ReportLinesTable } from '../schema.js';
import type { Executor } from './executor.js';

/** A report file without its bytes (what lists show). */
export type ReportFileSummary = Omit<ReportFileRow, 'content'>;

const SUMMARY_COLUMNS = [
  'id',
  'sha256',
  'filename',
  'kind',
  'report_date',
  'org',
  'bytes',
  'line_count',
  'columns',
  'extra_columns',
  'source',
  'received_at',
] as const;

/** Rows per INSERT of lines: well under PostgreSQL's 65,535 parameters (14 columns each). */
const LINES_PER_INSERT = 1_000;

/**
 * Stores a file and its lines (in the caller's transaction), unless a file with the same SHA-256 is
 * there: then nothing is written and that file is answered.
 */
export async function insertReportFile(
  db: Executor,
  file: Insertable<ReportFilesTable>,
  lines: ReadonlyArray<Insertable<ReportLinesTable>>,
): Promise<{ stored: boolean; file: ReportFileSummary }> {
  const inserted = await db
    .insertInto('report_files')
    .values(file)
    .onConflict((oc) => oc.column('sha256').doNothing())
    .returning(SUMMARY_COLUMNS)
    .executeTakeFirst();
  if (!inserted) {
    const existing = await findReportFileBySha(db, file.sha256);
    if (!existing) throw new Error(`report ${file.sha256} neither stored nor found`);
    return { stored: false, file: existing };
  }
  for (let i = 0; i < lines.length; i += LINES_PER_INSERT) {
    await db
      .insertInto('report_lines')
      .values(lines.slice(i, i + LINES_PER_INSERT))
      .execute();
  }
  return { stored: true, file: inserted };
}

export async function findReportFileBySha(
  db: Executor,
  sha256: string,
): Promise<ReportFileSummary | undefined> {
  return db
    .selectFrom('report_files')
    .select(SUMMARY_COLUMNS)
    .where('sha256', '=', sha256)
    .executeTakeFirst();
}

export async function findReportFile(db: Executor, id: string): Promise<ReportFileSummary | undefined> {
  return db.selectFrom('report_files').select(SUMMARY_COLUMNS).where('id', '=', id).executeTakeFirst();
}

/** The file's exact bytes, as received. */
export async function reportFileContent(db: Executor, id: string): Promise<Uint8Array | undefined> {
  const row = await db.selectFrom('report_files').select('content').where('id', '=', id).executeTakeFirst();
  return row?.content;
}

/** Files newest first. */
export async function listReportFiles(db: Executor, opts: { limit: number }): Promise<ReportFileSummary[]> {
  return db
    .selectFrom('report_files')
    .select(SUMMARY_COLUMNS)
    .orderBy('received_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit)
    .execute();
}

/** Every stored line with its file's name, hash and kind, in file and line order. */
export async function listReportLines(
  db: Executor,
): Promise<Array<ReportLineRow & { filename: string | null; sha256: string; kind: string | null }>> {
  return db
    .selectFrom('report_lines')
    .innerJoin('report_files', 'report_files.id', 'report_lines.report_id')
    .selectAll('report_lines')
    .select(['report_files.filename', 'report_files.sha256', 'report_files.kind'])
    .orderBy('report_files.received_at')
    .orderBy('report_lines.report_id')
    .orderBy('report_lines.line')
    .execute();
}

export async function countReportFiles(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('report_files')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
