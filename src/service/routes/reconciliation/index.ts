/**
 * What the shop's books need: `GET /api/payouts` (payouts received, from report files and the
 * Payouts API, with gross, fees and net) and `GET /api/payouts/:id` (with its lines),
 * `GET /api/reconciliation` (every difference, by kind, and the totals per payout and day) and
 * `GET /api/reconciliation/:payout_id` (one payout's lines and differences), and
 * `GET /api/payments.csv` (the payments, streamed, for the accountant). Bearer `PASARELA_API_KEY`.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ServiceError } from '../../errors.js';
import { singleQueryValues } from '../../http/validation.js';
import { paymentsCsv, type PaymentCsvFilter } from '../../reconciliation/index.js';
import { errorResponses } from '../api/schemas.js';
import {
  PaymentsCsvQuery,
  PayoutList,
  PayoutParams,
  PayoutReconciliation,
  PayoutWithLines,
  Reconciliation,
  ReconciliationQuery,
  SinceQuery,
} from './schemas.js';
import { differencesOfPayout, linesOfPayout, payoutView, sortedPayouts } from './view.js';

const dayStart = (d: string) => new Date(`${d}T00:00:00Z`);

/** The CSV export's filters from the query string (the list's own). */
export function csvFilter(query: z.output<typeof PaymentsCsvQuery>): PaymentCsvFilter {
  return {
    ...(query.status ? { status: query.status } : {}),
    ...(query.paid_after_cancel !== undefined ? { paidAfterCancel: query.paid_after_cancel } : {}),
    ...(query.order_id !== undefined ? { orderId: query.order_id } : {}),
    ...(query.created_gte ? { from: query.created_gte } : {}),
    ...(query.created_lt ? { to: query.created_lt } : {}),
  };
}

const reconciliationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.addHook('onRequest', app.requireApiKey);
  app.addHook('onRequest', singleQueryValues);
  const since = (q: { since?: string | undefined }) => (q.since ? { since: dayStart(q.since) } : {});

  app.get(
    '/api/payouts',
    {
      schema: {
        summary: 'List payouts received',
        description:
          'Payouts named by the report files received or read from the Payouts API, newest first, with their gross, fees, net and the payments they settle.',
        querystring: SinceQuery,
        response: { 200: PayoutList, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const detail = await app.reconciliation.detail(since(request.query));
      return { data: sortedPayouts(detail.result.payouts.map((p) => payoutView(p, detail))) };
    },
  );

  app.get(
    '/api/payouts/:id',
    {
      schema: {
        summary: 'Read a payout received',
        description:
          'The payout with every line it settles (each transaction once) and the payment each one is.',
        params: PayoutParams,
        response: { 200: PayoutWithLines, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const detail = await app.reconciliation.detail();
      const p = detail.result.payouts.find((x) => x.id === request.params.id);
      if (!p) throw new ServiceError('payout_not_found', 'No payout received with that id.', 'id');
      return { ...payoutView(p, detail), settlement_lines: linesOfPayout(p.id, detail) };
    },
  );

  app.get(
    '/api/reconciliation',
    {
      schema: {
        summary: 'Reconcile',
        description:
          'Every report line and payout received, matched with this service’s payments now: the differences (each with a stable kind, see docs/reconciliation.md), their count by kind, and gross, fees and net per payout and per day.',
        querystring: ReconciliationQuery,
        response: { 200: Reconciliation, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const detail = await app.reconciliation.detail(since(request.query));
      const { result } = detail;
      const byKind: Record<string, number> = {};
      for (const d of result.differences) byKind[d.kind] = (byKind[d.kind] ?? 0) + 1;
      const kind = request.query.kind;
      return {
        object: 'reconciliation' as const,
        as_of: result.as_of,
        since: detail.since.toISOString(),
        lines: result.lines,
        matched: result.matched,
        differences_by_kind: byKind,
        differences: kind ? result.differences.filter((d) => d.kind === kind) : result.differences,
        payouts: sortedPayouts(result.payouts.map((p) => payoutView(p, detail))),
        days: result.days,
        duplicate_files: result.duplicate_files,
      };
    },
  );

  app.get(
    '/api/reconciliation/:id',
    {
      schema: {
        summary: 'Reconcile one payout',
        description: 'One payout: its lines with the payment each one is, and the differences about it.',
        params: PayoutParams,
        querystring: SinceQuery,
        response: { 200: PayoutReconciliation, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const detail = await app.reconciliation.detail(since(request.query));
      const p = detail.result.payouts.find((x) => x.id === request.params.id);
      if (!p) throw new ServiceError('payout_not_found', 'No payout received with that id.', 'id');
      return {
        object: 'payout_reconciliation' as const,
        as_of: detail.result.as_of,
        payout: payoutView(p, detail),
        settlement_lines: linesOfPayout(p.id, detail),
        differences: differencesOfPayout(p, detail.result.differences),
      };
    },
  );

  app.get(
    '/api/payments.csv',
    {
      schema: {
        summary: 'Export payments as CSV',
        description:
          'Every payment the filters of GET /api/payments keep, newest first, streamed with no row limit: id, order_id, amount (minor units), amount_decimal, currency, status, payment_intent_id, paid_after_cancel, refund_id, succeeded_at, failure_reason, customer_email, created_at, updated_at. Text a spreadsheet would run as a formula starts with an apostrophe.',
        produces: ['text/csv'],
        querystring: PaymentsCsvQuery,
        response: {
          200: { description: 'The CSV (RFC 4180, UTF-8).', content: { 'text/csv': { schema: z.string() } } },
          ...errorResponses(400, 401),
        },
      },
    },
    async (request, reply) => {
      const stamp = new Date(app.clock.now()).toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="payments-${stamp}.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(paymentsCsv(app.database.db, csvFilter(request.query))) as unknown as string);
    },
  );
};

export default reconciliationRoutes;
