/** The API's views of a reconciliation: payouts with their totals, lines with their payments. */
import type { Difference, PayoutSummary, SettlementLine } from '../../../reconcile/index.js';
import type { ReconciliationDetail } from '../../reconciliation/index.js';
import type { z } from 'zod';
import type { Payout, SettlementLine as LineSchema } from './schemas.js';

export type ApiPayoutView = z.output<typeof Payout>;
export type ApiLine = z.output<typeof LineSchema>;

/** The differences about one payout: named by it, or about a payment it settles. */
export function differencesOfPayout(p: PayoutSummary, differences: readonly Difference[]): Difference[] {
  const settles = new Set(p.payment_ids);
  return differences.filter(
    (d) =>
      d.payout_id === p.id || d.object_id === p.id || (d.payment_id !== null && settles.has(d.payment_id)),
  );
}

export function payoutView(p: PayoutSummary, detail: ReconciliationDetail): ApiPayoutView {
  const api = detail.apiPayouts.get(p.id);
  return {
    id: p.id,
    object: 'payout',
    currency: p.currency,
    status: p.status,
    amount: p.amount,
    created_at: api ? api.created_at.toISOString() : null,
    lines: p.lines,
    gross: p.gross,
    fees: p.fees,
    net: p.net,
    fees_derived: p.fees_derived,
    payment_ids: p.payment_ids,
    differences: differencesOfPayout(p, detail.result.differences).length,
  };
}

/** One line per transaction and payout (a line repeated by the daily and the payout report shown once). */
export function linesOfPayout(id: string, detail: ReconciliationDetail): ApiLine[] {
  const seen = new Set<string>();
  const out: ApiLine[] = [];
  for (const l of detail.lines as SettlementLine[]) {
    if (l.payout_id !== id) continue;
    const key = `${l.type}|${l.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({
      id: l.id,
      type: l.type,
      payment_intent_id: l.payment_intent_id,
      payment_id: l.payment_intent_id ? (detail.paymentByIntent.get(l.payment_intent_id) ?? null) : null,
      amount: l.amount,
      fee: l.fee,
      currency: l.currency,
      created_at: l.created_at,
      transaction_at: l.transaction_at,
      payout_id: l.payout_id,
      file: l.file,
      line: l.line,
    });
  }
  return out;
}

/** Payouts newest first (those the Payouts API dated first, then by id). */
export function sortedPayouts(views: ApiPayoutView[]): ApiPayoutView[] {
  return views.sort((a, b) =>
    (b.created_at ?? '') === (a.created_at ?? '')
      ? b.id.localeCompare(a.id)
      : (b.created_at ?? '').localeCompare(a.created_at ?? ''),
  );
}
