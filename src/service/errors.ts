/**
 * Every error the service answers with, in one catalogue: HTTP status, what it means and how to
 * fix it. Responses are `{"error": {"code", "message", "param"?}}`; codes never change meaning.
 * docs/service.md lists the same codes (a test keeps them in step).
 */
export const SERVICE_ERRORS = {
  unauthorized: {
    status: 401,
    fix: 'Send Authorization: Bearer <PASARELA_API_KEY> from the shop backend.',
  },
  invalid_json: { status: 400, fix: 'Send a JSON body with Content-Type: application/json.' },
  missing_parameter: { status: 400, fix: 'Add the parameter named in `param`.' },
  invalid_parameter: {
    status: 400,
    fix: 'Fix the parameter named in `param`; the message says what it accepts.',
  },
  invalid_amount: {
    status: 400,
    fix: 'Send amount as a positive integer in the minor unit (CLP: pesos; MXN: centavos).',
  },
  invalid_currency: { status: 400, fix: 'Send currency CLP or MXN.' },
  amount_out_of_range: { status: 400, fix: 'Stay within MIN_AMOUNT_<CUR>/MAX_AMOUNT_<CUR>.' },
  invalid_idempotency_key: { status: 400, fix: 'Use 1 to 255 printable ASCII characters, e.g. a UUID.' },
  idempotency_key_reused: {
    status: 422,
    fix: 'An Idempotency-Key belongs to one request body; use a new key for a different payment.',
  },
  flow_unavailable: {
    status: 422,
    fix: 'The redirect flow sends the customer back to checkout_url, and Fintoc returns customers only to https addresses: set PASARELA_PUBLIC_URL to the service’s https URL, or use the session flow.',
  },
  order_has_open_payment: {
    status: 409,
    fix: 'The order already has a pending payment: send the customer to it, or wait until it ends.',
  },
  order_already_paid: {
    status: 409,
    fix: 'The order already has a succeeded payment (`payment_id` in the error): fulfil it. A shop that charges one order id again sends allow_repeat_payment: true.',
  },
  payment_not_found: { status: 404, fix: 'Check the payment id (pay_…).' },
  payment_not_retryable: {
    status: 409,
    fix: 'Only a failed, expired or canceled payment of an order without an open or successful payment can get a new attempt.',
  },
  payment_not_open: {
    status: 409,
    fix: 'The payment has ended; create a new payment (or a new attempt) instead.',
  },
  invalid_browser_event: {
    status: 400,
    fix: 'The checkout page sends {"events": [{"type": "event"|"success"|"exit", "name"?, "timestamp"?}]}, 1 to 20 at a time; the message names the event at fault.',
  },
  browser_event_too_large: { status: 413, fix: 'Send fewer browser events at once (16 KB per request).' },
  too_many_browser_events: {
    status: 429,
    fix: 'At most 60 browser events per payment per minute are kept; wait for Retry-After.',
  },
  too_many_attempts: {
    status: 429,
    fix: 'At most 10 new attempts per payment in 10 minutes (each asks Fintoc for a new intent); wait for Retry-After.',
  },
  not_found: { status: 404, fix: 'Check the method and path.' },
  invalid_url: {
    status: 400,
    fix: 'Percent-encode the URL as UTF-8 (e.g. encodeURIComponent) and keep each path segment under 100 characters.',
  },
  payload_too_large: { status: 413, fix: 'Send a smaller body.' },
  unsupported_media_type: { status: 415, fix: 'Send Content-Type: application/json.' },
  fintoc_rejected: {
    status: 502,
    fix: 'Fintoc refused to create the payment intent; the message carries its reason. The payment is marked failed.',
  },
  fintoc_unavailable: {
    status: 503,
    fix: 'Fintoc could not be reached; repeat the same request (with the same Idempotency-Key, if you sent one) to complete this payment.',
  },
  missing_header: { status: 400, fix: 'Fintoc webhooks carry a Fintoc-Signature header.' },
  malformed_header: { status: 400, fix: 'The Fintoc-Signature header must be t=<unix seconds>,v1=<hex>.' },
  timestamp_too_old: {
    status: 400,
    fix: 'A stale or replayed webhook; check the clock (NTP) if Fintoc is the sender.',
  },
  timestamp_in_future: { status: 400, fix: 'Check the clock (NTP) of this server.' },
  no_matching_signature: {
    status: 400,
    fix: "Set FINTOC_WEBHOOK_SECRET to the endpoint's whsec_… secret (several, comma-separated, while rotating).",
  },
  invalid_payload: { status: 400, fix: 'The signed body is not JSON.' },
  test_clock_live_mode: {
    status: 403,
    fix: 'The test clock (/api/test-clock) works only in test mode; this service holds a live key (sk_live_…).',
  },
  invalid_report: {
    status: 422,
    fix: 'The file is not a readable Fintoc report: `report_error` says why and `line`/`column` where (docs/reconciliation.md, Errors); send the file exactly as Fintoc sent it. Nothing of it was stored.',
  },
  unsupported_report_type: {
    status: 415,
    fix: 'Send the report file itself as the body, with Content-Type: text/csv (curl --data-binary @file.csv), not a form or JSON.',
  },
  report_not_found: { status: 404, fix: 'Check the report id (rep_…): GET /api/reports lists them.' },
  payout_not_found: {
    status: 404,
    fix: 'Check the payout id (po_…): GET /api/payouts lists the payouts received, from report files or the Payouts API.',
  },
  internal_error: { status: 500, fix: 'A bug or an unavailable database; see the service log (request id).' },
  database_unavailable: {
    status: 503,
    fix: '/readyz: the database does not answer; check DATABASE_URL and that the server runs.',
  },
  data_dir_lost: {
    status: 503,
    fix: '/readyz: the embedded database directory was deleted while running; restart the service (restore the directory from a backup first to keep its data).',
  },
} as const;

export type ServiceErrorCode = keyof typeof SERVICE_ERRORS;

/**
 * An error with a stable code, answered as `{"error": {"code", "message", "param"?}}`.
 *
 * @example
 * throw new ServiceError('payment_not_found', `No payment ${id}.`);
 */
export class ServiceError extends Error {
  readonly status: number;
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly param?: string,
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ServiceError';
    this.status = SERVICE_ERRORS[code].status;
  }

  toJSON(): { error: Record<string, unknown> } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.param ? { param: this.param } : {}),
        ...(this.extra ?? {}),
      },
    };
  }
}
