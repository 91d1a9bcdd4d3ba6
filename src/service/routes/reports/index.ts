/**
 * Fintoc's report files into the service: `POST /api/reports` takes one file as its body (exactly
 * as Fintoc sent it: `curl --data-binary @file.csv -H 'Content-Type: text/csv'`), reads it whole
 * and stores it with its lines, once per SHA-256 (the same file again answers 200 and
 * `duplicate: true`); `GET /api/reports` lists what was received (from any channel), and
 * `GET /api/reports/:id` shows one. Bearer `PASARELA_API_KEY`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ServiceError } from '../../errors.js';
import { singleQueryValues } from '../../http/validation.js';
import { REPORT_BODY_LIMIT } from '../../limits.js';
import { headerParams } from '../../reconciliation/mail.js';
import type { ReportFileSummary } from '../../db/repositories/index.js';
import * as repo from '../../db/repositories/index.js';
import { errorResponses } from '../api/schemas.js';
import {
  ListReportsQuery,
  ReportBody,
  ReportFile,
  ReportList,
  ReportParams,
  UploadReportHeaders,
  UploadReportQuery,
  type ApiReportFile,
} from './schemas.js';

/** The API's view of a stored file. */
export function reportToApi(file: ReportFileSummary, duplicate = false): ApiReportFile {
  return {
    id: file.id,
    object: 'report',
    filename: file.filename,
    kind: file.kind === 'payout' || file.kind === 'daily' ? file.kind : null,
    date: file.report_date,
    org: file.org,
    sha256: file.sha256,
    bytes: file.bytes,
    lines: file.line_count,
    columns: file.columns,
    extra_columns: file.extra_columns,
    source: file.source as ApiReportFile['source'],
    received_at: file.received_at.toISOString(),
    duplicate,
  };
}

const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.requireApiKey);
  app.addHook('onRequest', singleQueryValues);
  // The body is the file: any type but JSON and forms with parts is taken as its bytes (curl's
  // --data-binary sends application/x-www-form-urlencoded unless told otherwise).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: REPORT_BODY_LIMIT },
    (request, body, done) => {
      const type = (request.headers['content-type'] ?? '').toLowerCase();
      if (type.startsWith('application/json') || type.startsWith('multipart/')) {
        done(
          new ServiceError(
            'unsupported_report_type',
            `Send the report file itself as the body (Content-Type: text/csv), not ${type.split(';')[0]}: curl --data-binary @file.csv -H 'Content-Type: text/csv'.`,
          ),
        );
        return;
      }
      done(null, body);
    },
  );

  app.post(
    '/api/reports',
    {
      bodyLimit: REPORT_BODY_LIMIT,
      schema: {
        summary: 'Upload a Fintoc report file',
        description:
          'The payout reconciliation report or the daily transaction report, as the body, exactly as Fintoc sent it. Read whole before anything is stored: a file that cannot be read is refused with `invalid_report` (`report_error`, `line`, `column`) and nothing of it is kept. The same bytes again answer 200 with `duplicate: true`.',
        consumes: ['text/csv'],
        querystring: UploadReportQuery,
        headers: UploadReportHeaders,
        body: ReportBody,
        response: { 200: ReportFile, 201: ReportFile, ...errorResponses(400, 401, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body as unknown;
      const bytes = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
      let filename = request.query.filename ?? null;
      const disposition = request.headers['content-disposition'];
      if (filename === null && disposition)
        filename = headerParams(`x; ${disposition.replace(/^[^;]*;?/, '')}`).params.get('filename') ?? null;
      const result = await app.reconciliation.intake.receive(bytes, {
        filename,
        source: 'upload',
        ...(request.query.kind ? { kind: request.query.kind } : {}),
      });
      return reply.code(result.duplicate ? 200 : 201).send(reportToApi(result.file, result.duplicate));
    },
  );

  app.get(
    '/api/reports',
    {
      schema: {
        summary: 'List report files received',
        description: 'Report files received by any channel (upload, watched folder, maildir), newest first.',
        querystring: ListReportsQuery,
        response: { 200: ReportList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const rows = await repo.listReportFiles(app.database.db, { limit: request.query.limit ?? 50 });
      return { data: rows.map((r) => reportToApi(r)) };
    },
  );

  app.get(
    '/api/reports/:id',
    {
      schema: {
        summary: 'Read a report file received',
        params: ReportParams,
        response: { 200: ReportFile, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const file = await repo.findReportFile(app.database.db, request.params.id);
      if (!file) throw new ServiceError('report_not_found', `No report ${request.params.id}.`, 'id');
      return reportToApi(file);
    },
  );
};

export default reportRoutes;
