/**
 * `POST /api/reports` and the report lists as zod schemas (validation, handler types, answers and
 * `/openapi.json`). The body is the file itself (text/csv), described as binary.
 */
import { z } from 'zod';
import { MAX_REPORT_FILENAME } from '../../reconciliation/index.js';
import { LIMIT_PARAM } from '../api/schemas.js';

const isoTime = z.iso.datetime({ offset: true });

export const UploadReportQuery = z.object({
  filename: z
    .string({ error: 'filename must be given once.' })
    .min(1, 'filename must not be empty.')
    .max(MAX_REPORT_FILENAME, `filename is at most ${MAX_REPORT_FILENAME} characters.`)
    .optional()
    .describe(
      "The file's name as Fintoc sent it (yyyy-mm-dd-fintoc-payout-<org>.csv, yyyy-mm-dd-daily-summary-fintoc-<org>.csv): it says the report's kind and date. Else Content-Disposition's filename.",
    ),
  kind: z
    .enum(['payout', 'daily'], { error: 'kind must be payout or daily.' })
    .optional()
    .describe('The report kind when the file name does not say it.'),
});

export const UploadReportHeaders = z.object({
  'content-disposition': z
    .string({ error: 'Content-Disposition must be given once.' })
    .max(2000, 'Content-Disposition is at most 2000 characters.')
    .optional()
    .describe('attachment; filename="…" (as Fintoc’s HTTPS delivery sends it), when ?filename is not given.'),
});

/** The file, exactly as received (validated by the report parser, not by a schema). */
export const ReportBody = z.any().meta({
  type: 'string',
  format: 'binary',
  description: 'The report file, as Fintoc sent it (semicolon CSV).',
});

export const ReportFile = z
  .object({
    id: z.string().describe('rep_…'),
    object: z.literal('report'),
    filename: z.string().nullable(),
    kind: z.enum(['payout', 'daily']).nullable(),
    date: z.string().nullable().describe('The date in the file name.'),
    org: z.string().nullable().describe('The organisation in the file name.'),
    sha256: z.string().describe('Of the exact bytes: the same file twice is stored once.'),
    bytes: z.number().int(),
    lines: z.number().int().describe('Transaction lines (the header aside).'),
    columns: z.array(z.string()),
    extra_columns: z.array(z.string()).describe('Columns Pasarela does not know: kept as they are.'),
    source: z.enum(['upload', 'folder', 'maildir']),
    received_at: isoTime,
    duplicate: z
      .boolean()
      .describe('True when this exact file had been received before (nothing new stored).'),
  })
  .meta({ id: 'ReportFile' });
export type ApiReportFile = z.output<typeof ReportFile>;

export const ReportList = z.object({ data: z.array(ReportFile) }).meta({ id: 'ReportList' });

export const ReportParams = z.object({
  id: z
    .string()
    .regex(/^rep_[A-Za-z0-9]{1,64}$/, 'id is a report id: rep_ and letters or digits.')
    .describe('rep_…'),
});

export const ListReportsQuery = z.object({
  limit: LIMIT_PARAM.describe('The latest files, 50 by default.'),
});
