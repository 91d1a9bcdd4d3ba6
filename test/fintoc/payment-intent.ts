/**
 * A payment intent as Fintoc answers it (2023-11-15 shape, the nulls of a fresh intent), for client
 * tests; `over` replaces any field.
 */
export function paymentIntentJson(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'pi_2vKOKniSGXRhXTKrJ67VXZ',
    object: 'payment_intent',
    amount: 5000,
    currency: 'CLP',
    created_at: '2026-01-01T00:00:00Z',
    customer_email: null,
    error_reason: null,
    metadata: {},
    mode: 'test',
    recipient_account: null,
    reference_id: null,
    sender_account: null,
    status: 'created',
    transaction_date: null,
    widget_token: 'pi_2vKOKniSGXRhXTKrJ67VXZ_sec_a4xK32BanKWYn',
    business_profile: null,
    ...over,
  };
}
