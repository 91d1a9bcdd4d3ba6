/**
 * Payouts, reconciliation and the payments export as zod schemas (validation, handler types,
 * answers and `/openapi.json`).
 */
import { z } from 'zod';
import { DIFFERENCE_KINDS } from '../../../reconcile/index.js';
import { ListPaymentsQuery } from '../api/schemas.js';
import { isStorableText, NOT_STORABLE } from '../../text.js';

const isoTime = z.iso.datetime({ offset: true });

const day = (what: string) =>
  z
    .string({ error: `${what} must be given once.` })
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${what} must be a date, YYYY-MM-DD.`)
    .refine(
      (d) =>
        !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
      `${what} must be a real date, YYYY-MM-DD.`,
    );

export const SinceQuery = z.object({
  since: day('since')
    .optional()
    .describe(
      'Payments that succeeded before this day (UTC) are not checked for a payout. Default: the earliest line or payout received.',
    ),
});

export const ReconciliationQuery = SinceQuery.extend({
  kind: z
    .enum(DIFFERENCE_KINDS, { error: `kind must be one of ${DIFFERENCE_KINDS.join(', ')}.` })
    .optional()
    .describe('Only the differences of this kind.'),
});

export const PayoutParams = z.object({
  id: z
    .string()
    .min(1, 'id must not be empty.')
    .max(300, 'id is at most 300 characters.')
    .refine(isStorableText, `id ${NOT_STORABLE}`)
    .describe('po_… (or file:<name> for a payout report without payout ids)'),
});

export const Difference = z
  .object({
    kind: z.enum(DIFFERENCE_KINDS),
    payment_id: z.string().nullable(),
    payment_intent_id: z.string().nullable(),
    object_id: z.string().nullable().describe('The transaction (pi_…, re_…) or payout (po_…) it is about.'),
    payout_id: z.string().nullable(),
    currency: z.string().nullable(),
    expected: z.number().nullable().describe('What this service expected (minor units).'),
    actual: z.number().nullable().describe('What Fintoc’s data says (minor units).'),
    source: z
      .object({
        file: z.string().nullable(),
        sha256: z.string().nullable(),
        line: z.number().int().nullable(),
      })
      .nullable()
      .describe('The report line it was found on (null: the Payouts API).'),
    message: z.string(),
  })
  .meta({ id: 'ReconciliationDifference' });

export const Payout = z
  .object({
    id: z.string(),
    object: z.literal('payout'),
    currency: z.string().nullable(),
    status: z.string().nullable().describe('From the Payouts API (null when only report files name it).'),
    amount: z.number().nullable().describe('From the Payouts API: what reached the bank.'),
    created_at: isoTime.nullable(),
    lines: z.number().int(),
    gross: z.number(),
    fees: z.number(),
    net: z.number(),
    fees_derived: z
      .boolean()
      .describe('Fees are the gross less the amount (the Payouts API gives no fee per line).'),
    payment_ids: z.array(z.string()).describe('The payments it settles.'),
    differences: z.number().int().describe('Differences about this payout.'),
  })
  .meta({ id: 'Payout' });

export const SettlementLine = z
  .object({
    id: z.string(),
    type: z.enum(['payment_intent', 'refund', 'refund_adjustment']),
    payment_intent_id: z.string().nullable(),
    payment_id: z.string().nullable().describe('The local payment it matches, when there is one.'),
    amount: z.number(),
    fee: z.number().nullable(),
    currency: z.string().nullable(),
    created_at: z.string().nullable(),
    transaction_at: z.string().nullable(),
    payout_id: z.string().nullable(),
    file: z.string().nullable(),
    line: z.number().int().nullable(),
  })
  .meta({ id: 'SettlementLine' });

export const PayoutList = z.object({ data: z.array(Payout) }).meta({ id: 'PayoutList' });

export const PayoutWithLines = Payout.extend({ settlement_lines: z.array(SettlementLine) }).meta({
  id: 'PayoutWithLines',
});

const Day = z.object({
  date: z.string(),
  currency: z.string(),
  lines: z.number().int(),
  gross: z.number(),
  fees: z.number(),
  net: z.number(),
});

export const Reconciliation = z
  .object({
    object: z.literal('reconciliation'),
    as_of: isoTime,
    since: isoTime,
    lines: z.number().int().describe('Lines read (each transaction once).'),
    matched: z.number().int().describe('Lines matched to a local payment.'),
    differences_by_kind: z.record(z.string(), z.number().int()),
    differences: z.array(Difference),
    payouts: z.array(Payout),
    days: z.array(Day).describe('Gross, fees and net per local day and currency.'),
    duplicate_files: z.array(
      z.object({ file: z.string().nullable(), sha256: z.string(), same_as: z.string().nullable() }),
    ),
  })
  .meta({ id: 'Reconciliation' });

export const PayoutReconciliation = z
  .object({
    object: z.literal('payout_reconciliation'),
    as_of: isoTime,
    payout: Payout,
    settlement_lines: z.array(SettlementLine),
    differences: z.array(Difference),
  })
  .meta({ id: 'PayoutReconciliation' });

/** `GET /api/payments.csv`: the same filters as `GET /api/payments` (no page: every row). */
export const PaymentsCsvQuery = z.strictObject({
  status: ListPaymentsQuery.shape.status,
  order_id: ListPaymentsQuery.shape.order_id,
  paid_after_cancel: ListPaymentsQuery.shape.paid_after_cancel,
  created_gte: ListPaymentsQuery.shape.created_gte,
  created_lt: ListPaymentsQuery.shape.created_lt,
});
