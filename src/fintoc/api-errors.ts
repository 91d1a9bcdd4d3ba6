import { FINTOC_ERROR_TYPE_FIXES, FINTOC_ERRORS } from './errors.js';
import type { FintocErrorCode } from './errors.js';
import { FintocErrorEnvelopeSchema } from './schemas.js';

export interface FintocErrorInit {
  message: string;
  status?: number | null;
  type?: string | null;
  code?: string | null;
  param?: string | null;
  docUrl?: string | null;
  requestId?: string | null;
  raw?: string | null;
  cause?: unknown;
}

/**
 * An error from the Fintoc API or from reaching it. `code` is Fintoc's `error.code` when Fintoc sent
 * one, otherwise a code of {@link FINTOC_ERRORS} (`timeout`, `connection_error`, …). `fix` says what to do.
 *
 * @example
 * try { await client.paymentIntents.create(params) } catch (e) {
 *   if (e instanceof FintocInvalidRequestError) console.log(e.code, e.param, e.requestId);
 * }
 */
export class FintocError extends Error {
  readonly status: number | null;
  readonly type: string | null;
  readonly code: string | null;
  readonly param: string | null;
  readonly docUrl: string | null;
  readonly requestId: string | null;
  /** The response body exactly as received, for logs and support tickets. */
  readonly raw: string | null;
  readonly fix: string;
  constructor(init: FintocErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status ?? null;
    this.type = init.type ?? null;
    this.code = init.code ?? null;
    this.param = init.param ?? null;
    this.docUrl = init.docUrl ?? null;
    this.requestId = init.requestId ?? null;
    this.raw = init.raw ?? null;
    this.fix =
      (this.type && FINTOC_ERROR_TYPE_FIXES[this.type]) ||
      (this.code && this.code in FINTOC_ERRORS && FINTOC_ERRORS[this.code as FintocErrorCode].fix) ||
      (this.status === 429 && FINTOC_ERROR_TYPE_FIXES['rate_limit']) ||
      "See the message and Fintoc's docs (doc_url).";
  }
}
/** `authentication_error`: the key is missing, malformed, revoked or of the other mode. */
export class FintocAuthenticationError extends FintocError {}
/** `invalid_request_error`: the request is wrong (missing or invalid param, unknown id). Not retried. */
export class FintocInvalidRequestError extends FintocError {}
/** `api_error`: a problem on Fintoc's side. Retried. */
export class FintocApiError extends FintocError {}
/** `institution_error`: the bank failed or is unavailable. */
export class FintocInstitutionError extends FintocError {}
/** `link_error`: the bank link is broken. */
export class FintocLinkError extends FintocError {}
/** HTTP 429: too many requests. Retried, honouring `Retry-After`. */
export class FintocRateLimitError extends FintocError {}
/** No answer: network error (`connection_error`) or per-request timeout (`timeout`); `status` is null. */
export class FintocConnectionError extends FintocError {}

const BY_TYPE: Readonly<Record<string, typeof FintocError>> = {
  authentication_error: FintocAuthenticationError,
  invalid_request_error: FintocInvalidRequestError,
  api_error: FintocApiError,
  institution_error: FintocInstitutionError,
  link_error: FintocLinkError,
};

function classFor(status: number, type: string | null): typeof FintocError {
  if (status === 429) return FintocRateLimitError;
  if (type) return BY_TYPE[type] ?? FintocError;
  if (status === 401) return FintocAuthenticationError;
  if (status >= 500) return FintocApiError;
  return FintocError;
}

/**
 * Maps a non-2xx answer to its error class (pure). A body that is not Fintoc's error envelope (an
 * HTML page from a proxy, an empty body) still gives a clear error with code `unparseable_error_body`.
 *
 * @example
 * errorFromResponse(400, '{"error":{"type":"invalid_request_error","code":"missing_parameter","param":"amount","message":"Missing required param: amount"}}', new Headers());
 * // FintocInvalidRequestError { status: 400, code: 'missing_parameter', param: 'amount' }
 */
export function errorFromResponse(status: number, body: string, headers: Headers): FintocError {
  const requestId = headers.get('x-request-id');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const envelope = FintocErrorEnvelopeSchema.safeParse(json);
  if (envelope.success) {
    const e = envelope.data.error;
    const Cls = classFor(status, e.type);
    return new Cls({
      message: e.message || `Fintoc answered HTTP ${status}: ${e.type}${e.code ? ` (${e.code})` : ''}`,
      status,
      type: e.type,
      code: e.code ?? null,
      param: e.param ?? null,
      docUrl: e.doc_url ?? null,
      requestId,
      raw: body,
    });
  }
  const contentType = headers.get('content-type');
  const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 200);
  const Cls = classFor(status, null);
  return new Cls({
    message:
      `Fintoc answered HTTP ${status} with ${snippet ? 'a body' : 'an empty body'} that is not a Fintoc error` +
      `${contentType ? ` (${contentType})` : ''}${snippet ? `: ${snippet}` : ''}`,
    status,
    code: 'unparseable_error_body',
    requestId,
    raw: body,
  });
}
