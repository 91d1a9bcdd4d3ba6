/**
 * Errors the sandbox answers with, in Fintoc's envelope:
 * `{"error": {"type", "code", "message", "param", "doc_url"}}`, always with `type` (the official SDKs
 * crash on an error body without it). Messages say what to fix.
 *
 * @example
 * throw new ApiError(400, 'invalid_request_error', 'missing_parameter', 'Missing required param: amount', 'amount');
 */
export type ErrorType = 'invalid_request_error' | 'authentication_error' | 'api_error' | 'institution_error';

export interface ErrorEnvelope {
  error: { type: ErrorType; code: string; message: string; param: string | null; doc_url: string };
}

const DOC_URL: Record<ErrorType, string> = {
  invalid_request_error: 'https://fintoc.com/docs#invalid-request-error',
  authentication_error: 'https://fintoc.com/docs#authentication-error',
  api_error: 'https://fintoc.com/docs#api-error',
  institution_error: 'https://fintoc.com/docs#institution-error',
};

/**
 * Every `error.code` the sandbox answers with, its HTTP status and how to fix it. Fintoc's own codes
 * where they are known (`missing_parameter`, `missing_resource`, `unrecognized_request`,
 * `invalid_api_key`, `invalid_amount`, `invalid_currency`, …); the sandbox's choices otherwise
 * (docs/sandbox.md, "Features and limitations"). A test keeps this list and the docs in step.
 */
export const SANDBOX_ERRORS = {
  invalid_api_key: { status: 401, fix: 'Send a secret key sk_test_…/sk_live_… in the Authorization header.' },
  missing_parameter: { status: 400, fix: 'Add the parameter named in param.' },
  invalid_params: { status: 400, fix: 'Fix the parameter named in param as the message says.' },
  invalid_amount: { status: 400, fix: 'Send a positive integer in the currency’s smallest unit.' },
  invalid_currency: { status: 400, fix: 'Send CLP or MXN.' },
  invalid_url: { status: 400, fix: 'Use an https:// URL (http:// only to 127.0.0.1, localhost or [::1]).' },
  invalid_json: { status: 400, fix: 'Send a JSON object as the body.' },
  invalid_content_type: { status: 400, fix: 'Send the body with Content-Type: application/json.' },
  body_too_large: { status: 413, fix: 'Send a body under 1 MiB.' },
  invalid_request: { status: 400, fix: 'See the message.' },
  invalid_idempotency_key: { status: 400, fix: 'Use an Idempotency-Key of at most 255 characters.' },
  idempotency_key_reused: {
    status: 400,
    fix: 'Use a new Idempotency-Key for a new request; reuse one only to retry the same request.',
  },
  invalid_payment_intent_status: {
    status: 400,
    fix: 'Check the payment intent’s status first; this action needs another one.',
  },
  invalid_checkout_session_status: {
    status: 400,
    fix: 'Only a created checkout session can be expired or paid.',
  },
  invalid_refund_status: { status: 400, fix: 'Only a created refund can be canceled.' },
  invalid_api_version: {
    status: 403,
    fix: 'Send Fintoc-Version: 2026-02-01 (a published version) with the v2 endpoints, or pin the organisation to it.',
  },
  invalid_payout_status: {
    status: 400,
    fix: 'Only an in_progress payout can succeed or be canceled, and only a succeeded one returned.',
  },
  invalid_report_path: {
    status: 400,
    fix: 'Give a folder inside the sandbox’s reports folder (--reports-dir), or a path relative to it.',
  },
  invalid_status_transition: {
    status: 400,
    fix: 'The state machine does not allow this move; see docs/sandbox.md.',
  },
  missing_resource: {
    status: 404,
    fix: 'Check the id, and that the key is of the same organisation and mode.',
  },
  unrecognized_request: { status: 404, fix: 'Check the method and path against docs/sandbox.md.' },
  internal_server: { status: 500, fix: 'A sandbox bug: see its log and report it.' },
} as const satisfies Record<string, { status: number; fix: string }>;

export type SandboxErrorCode = keyof typeof SANDBOX_ERRORS;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly code: SandboxErrorCode,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): ErrorEnvelope {
    return {
      error: {
        type: this.type,
        code: this.code,
        message: this.message,
        param: this.param,
        doc_url: DOC_URL[this.type],
      },
    };
  }
}

/** 400 `invalid_request_error`. */
export function invalid(code: SandboxErrorCode, message: string, param: string | null = null): ApiError {
  return new ApiError(400, 'invalid_request_error', code, message, param);
}

/** 400 `missing_parameter`, worded as Fintoc words it. */
export function missing(param: string): ApiError {
  return invalid('missing_parameter', `Missing required param: ${param}`, param);
}

/** 404 `missing_resource`, worded as Fintoc words it. */
export function notFound(resource: string, id: string): ApiError {
  return new ApiError(
    404,
    'invalid_request_error',
    'missing_resource',
    `No such ${resource}: ${id.slice(0, 200)}`,
    'id',
  );
}

/** 401 `invalid_api_key`. */
export function unauthenticated(message: string): ApiError {
  return new ApiError(401, 'authentication_error', 'invalid_api_key', message);
}
