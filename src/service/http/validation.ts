/**
 * Request validation from the routes' zod schemas, in one place: the validator compiler Fastify
 * runs for every body, query string, path parameter and header a route declares, turning the first
 * problem into the service's error envelope with a stable code (`missing_parameter`,
 * `invalid_parameter`, or the parameter's own code such as `invalid_amount`) and `param` naming it.
 * Handlers get the parsed, typed values (the zod type provider) and never check shapes themselves.
 */
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { ServiceError, type ServiceErrorCode } from '../errors.js';
import { clip } from '../text.js';

/** The part of the request a schema validates, as Fastify names it. */
export type HttpPart = 'body' | 'querystring' | 'params' | 'headers';

/** Parameters whose problems carry their own code (and, for headers, the name shops write). */
const PARAM_CODES: Record<string, { code: ServiceErrorCode; param?: string }> = {
  'body amount': { code: 'invalid_amount' },
  'body currency': { code: 'invalid_currency' },
  'headers idempotency-key': { code: 'invalid_idempotency_key', param: 'Idempotency-Key' },
};

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function shapeKeys(schema: z.ZodType): string[] {
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function firstRequired(schema: z.ZodType): string | undefined {
  if (!(schema instanceof z.ZodObject)) return undefined;
  return Object.entries(schema.shape as Record<string, z.ZodType>).find(
    ([, s]) => !s.safeParse(undefined).success,
  )?.[0];
}

/**
 * The service's answer to what zod found wrong with one part of a request.
 *
 * @example
 * validationError('body', { amount: '1' }, schema.safeParse({ amount: '1' }).error!.issues, schema);
 * // ServiceError invalid_amount, param 'amount'
 */
export function validationError(
  part: HttpPart,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
): ServiceError {
  const issue = issues[0];
  // A schema may name the code its problems carry (the checkout's events: invalid_browser_event).
  const own = (schema.meta() as { errorCode?: ServiceErrorCode } | undefined)?.errorCode;
  if (!issue) return new ServiceError(own ?? 'invalid_parameter', 'The request is not valid.');
  if (issue.path.length === 0) {
    if (own) return new ServiceError(own, issue.message);
    if (part === 'body' && (data === undefined || data === null)) {
      const name = firstRequired(schema);
      if (name) return new ServiceError('missing_parameter', `${name} is required.`, name);
    }
    if (issue.code === 'unrecognized_keys') {
      const accepted = shapeKeys(schema).join(', ');
      const what = part === 'querystring' ? 'query parameter' : part === 'headers' ? 'header' : 'parameter';
      const name = clip(issue.keys[0] ?? '', 40);
      return new ServiceError(
        'invalid_parameter',
        `Unknown ${what} ${issue.keys.map((k) => clip(k, 40)).join(', ')}; accepted: ${accepted}.`,
        name,
      );
    }
    return new ServiceError(
      'invalid_parameter',
      part === 'body' ? 'The body must be a JSON object.' : `The ${part} are not valid: ${issue.message}`,
    );
  }
  const top = String(issue.path[0]);
  const special = PARAM_CODES[`${part} ${top}`];
  const param = special?.param ?? issue.path.map((p) => clip(String(p), 40)).join('.');
  const value = valueAt(data, issue.path);
  if (own) return new ServiceError(own, issue.message, param);
  if ((value === undefined || value === null) && issue.code !== 'unrecognized_keys') {
    return new ServiceError('missing_parameter', `${param} is required.`, param);
  }
  return new ServiceError(special?.code ?? 'invalid_parameter', issue.message, param);
}

/**
 * Fastify's validator compiler for zod schemas: the parsed value on success (so handlers get zod's
 * output, coercions included), a {@link ServiceError} otherwise, which the error handler answers.
 */
export const validatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const part = (httpPart ?? 'body') as HttpPart;
  return (data) => {
    const result = schema.safeParse(data);
    if (result.success) return { value: result.data };
    return { error: validationError(part, data, result.error.issues, schema) };
  };
};

/**
 * An `onRequest` hook for routes whose query string holds single values: a parameter given twice
 * (an array to the handlers) is refused by name before any schema, handler or query sees it.
 */
export async function singleQueryValues(request: FastifyRequest): Promise<void> {
  for (const [name, value] of Object.entries(request.query as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      throw new ServiceError(
        'invalid_parameter',
        `Give the query parameter ${clip(name, 40)} once.`,
        clip(name, 40),
      );
    }
  }
}
