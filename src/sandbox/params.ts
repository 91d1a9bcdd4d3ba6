/**
 * Request parameters: the bodies of Fintoc's calls are parsed with the schemas the client's request
 * types come from (`src/fintoc`), and a zod issue becomes Fintoc's error envelope, with the code
 * Fintoc gives that parameter (`missing_parameter`, `invalid_amount`, `invalid_currency`,
 * `invalid_url`, `invalid_params`). The sandbox's own policy on top of the shape (which URLs it
 * calls) lives here too, so the routes and the core share one set of helpers.
 */
import type { z } from 'zod';
import { invalid, missing, type ApiError, type SandboxErrorCode } from './errors.js';

/** The error code Fintoc answers for a bad value of these parameters; `invalid_params` otherwise. */
const PARAM_CODES: Record<string, SandboxErrorCode> = {
  amount: 'invalid_amount',
  currency: 'invalid_currency',
  url: 'invalid_url',
  success_url: 'invalid_url',
  cancel_url: 'invalid_url',
};

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The sandbox's answer to the first problem zod found in `body`. */
export function paramsError(body: unknown, issues: readonly z.core.$ZodIssue[]): ApiError {
  const issue = issues[0];
  if (!issue) return invalid('invalid_params', 'The request parameters are not valid.');
  const param = issue.path.length > 0 ? String(issue.path[0]) : null;
  if (param === null) return invalid('invalid_json', 'The request body must be a JSON object.');
  const value = valueAt(body, issue.path);
  const emptyRequired = value === '' && issue.code === 'too_small';
  // Only a required parameter is refused when absent (or null, or an empty id).
  if (value === undefined || value === null || emptyRequired)
    return missing(issue.path.map(String).join('.'));
  return invalid(PARAM_CODES[param] ?? 'invalid_params', issue.message, param);
}

/**
 * Parses a request body with one of the client's schemas, or throws the error Fintoc would answer.
 *
 * @example
 * const params = parseParams(PaymentIntentCreateParamsSchema, body); // params.amount: number
 */
export function parseParams<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw paramsError(body, parsed.error.issues);
  return parsed.data;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** `https://…` anywhere, or `http://` to this machine only (documented in docs/sandbox.md). */
export function checkUrl(value: unknown, param: string): string {
  if (value === undefined || value === null || value === '') throw missing(param);
  if (typeof value !== 'string') throw invalid('invalid_url', `${param} must be a string URL.`, param);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid('invalid_url', `${param} is not a valid URL: "${value.slice(0, 200)}".`, param);
  }
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return value;
  throw invalid(
    'invalid_url',
    `${param} must use https:// (Fintoc only calls HTTPS URLs). The sandbox also allows http:// to 127.0.0.1, localhost and [::1] for local development; got "${url.protocol}//${url.hostname}".`,
    param,
  );
}
