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

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly code: string,
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
export function invalid(code: string, message: string, param: string | null = null): ApiError {
  return new ApiError(400, 'invalid_request_error', code, message, param);
}

/** 400 `missing_parameter`, worded as Fintoc words it. */
export function missing(param: string): ApiError {
  return invalid('missing_parameter', `Missing required param: ${param}`, param);
}

/** 404 `missing_resource`, worded as Fintoc words it. */
export function notFound(resource: string, id: string): ApiError {
  return new ApiError(404, 'invalid_request_error', 'missing_resource', `No such ${resource}: ${id}`, 'id');
}

/** 401 `invalid_api_key`. */
export function unauthenticated(message: string): ApiError {
  return new ApiError(401, 'authentication_error', 'invalid_api_key', message);
}
