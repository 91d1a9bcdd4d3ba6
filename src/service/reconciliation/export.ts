/**
 * The shop's payments as CSV for its accountant (`GET /api/payments.csv`, the dashboard's download):
 * every payment the filters keep, newest first, read from the database in pages and written as it
 * goes (no row limit, flat memory). RFC 4180 (comma, CRLF, quotes doubled), UTF-8; a text cell that a
 * spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, CR) starts with `'`.
 */
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { PaymentStatus } from '../state.js';

/** Which payments: the dashboard's and the API list's filters. */
export interface PaymentCsvFilter {
  status?: PaymentStatus;
  paidAfterCancel?: boolean;
  orderId?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
}

export const PAYMENT_CSV_COLUMNS = [
  'id',
  'order_id',
  'amount',
  'amount_decimal',
  'currency',
  'status',
  'payment_intent_id',
  'paid_after_cancel',
  'refund_id',
  'succeeded_at',
  'failure_reason',
  'customer_email',
  'created_at',
  'updated_at',
] as const;

const PAGE = 500;

/** One CSV cell: quoted when it must be, formula-like text defused. */
export function csvCell(value: string | number | boolean | null, text = true): string {
  if (value === null) return '';
  let s = String(value);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** An amount in minor units as the accountant writes it: CLP 1500 → "1500", MXN 15000 → "150.00". */
export function amountDecimal(amount: number, currency: string): string {
  if (currency !== 'MXN') return String(amount);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * The CSV, chunk by chunk (the header first, then a chunk per page of payments).
 *
 * @example
 * reply.type('text/csv; charset=utf-8').send(Readable.from(paymentsCsv(db, { status: 'succeeded' })));
 */
export async function* paymentsCsv(db: Kysely<DB>, filter: PaymentCsvFilter): AsyncGenerator<string> {
  yield `${PAYMENT_CSV_COLUMNS.join(',')}\r\n`;
  let after: { created_at: Date; id: string } | null = null;
  for (;;) {
    let q = db
      .selectFrom('payments')
      .select([
        'id',
        'order_id',
        'amount',
        'currency',
        'status',
        'payment_intent_id',
        'paid_after_cancel',
        'refund_id',
        'finalized_at',
        'failure_reason',
        'customer_email',
        'created_at',
        'updated_at',
      ])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(PAGE);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.paidAfterCancel !== undefined) q = q.where('paid_after_cancel', '=', filter.paidAfterCancel);
    if (filter.orderId !== undefined) q = q.where('order_id', '=', filter.orderId);
    if (filter.from) q = q.where('created_at', '>=', filter.from);
    if (filter.to) q = q.where('created_at', '<', filter.to);
    if (after) {
      const a = after;
      q = q.where(sql<boolean>`(created_at, id) < (${a.created_at}::timestamptz, ${a.id}::text)`);
    }
    const rows = await q.execute();
    if (rows.length === 0) return;
    let chunk = '';
    for (const r of rows) {
      const amount = Number(r.amount);
      chunk +=
        [
          csvCell(r.id),
          csvCell(r.order_id),
          csvCell(amount, false),
          csvCell(amountDecimal(amount, r.currency), false),
          csvCell(r.currency),
          csvCell(r.status),
          csvCell(r.payment_intent_id),
          csvCell(r.paid_after_cancel, false),
          csvCell(r.refund_id),
          csvCell(r.status === 'succeeded' && r.finalized_at ? r.finalized_at.toISOString() : null),
          csvCell(r.failure_reason),
          csvCell(r.customer_email),
          csvCell(r.created_at.toISOString()),
          csvCell(r.updated_at.toISOString()),
        ].join(',') + '\r\n';
    }
    yield chunk;
    const last = rows[rows.length - 1]!;
    after = { created_at: last.created_at, id: last.id };
    if (rows.length < PAGE) return;
  }
}
