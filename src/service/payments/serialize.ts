/** A payment and its timeline as the API answers them (the schemas of routes/api/schemas.ts). */
import type { PaymentRow, TimelineRow } from '../db/schema.js';
import type { ApiPayment, ApiTimelineEntry } from '../routes/api/schemas.js';

/** The checkout page of a payment. */
export function checkoutUrl(publicUrl: string, id: string): string {
  return `${publicUrl}/pay/${id}`;
}

/**
 * The API's view of a payment row, for a service reached at `publicUrl`.
 *
 * @example
 * const toApi = paymentToApi('https://pay.shop.example');
 * reply.send(toApi(row));
 */
export function paymentToApi(publicUrl: string): (row: PaymentRow) => ApiPayment {
  return (row) => ({
    id: row.id,
    object: 'payment',
    order_id: row.order_id,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    flow: row.flow,
    payment_intent_id: row.payment_intent_id,
    checkout_session_id: row.checkout_session_id,
    checkout_url: checkoutUrl(publicUrl, row.id),
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    failure_reason: row.failure_reason,
    paid_after_cancel: row.paid_after_cancel,
    customer_email: row.customer_email,
    metadata: row.metadata,
    refund_id: row.refund_id,
  });
}

export function timelineToApi(rows: readonly TimelineRow[]): ApiTimelineEntry[] {
  return rows.map((r) => ({
    at: r.at.toISOString(),
    kind: r.kind,
    from_status: r.from_status,
    to_status: r.to_status,
    cause: r.cause,
    cause_id: r.cause_id,
    detail: r.detail,
  }));
}
