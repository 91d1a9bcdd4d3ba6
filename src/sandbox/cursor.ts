/**
 * Fintoc's v2 list pagination: a bare JSON array, `limit` (default 30), `starting_after` /
 * `ending_before` cursors (object ids), and a `Link` header holding only the next page's absolute
 * URL, or empty on the last page (as the real v2 API answers).
 *
 * @example
 * const page = cursorPage(request, reply, newestFirst, 'http://127.0.0.1:4010', 'checkout session');
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from './errors.js';

export const V2_DEFAULT_LIMIT = 30;
/** Fintoc's maximum is unknown; 100 is the sandbox's choice. */
export const V2_MAX_LIMIT = 100;

function limitOf(value: unknown): number {
  if (value === undefined || value === '') return V2_DEFAULT_LIMIT;
  const n = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > V2_MAX_LIMIT) {
    throw invalid(
      'invalid_params',
      `limit must be an integer from 1 to ${V2_MAX_LIMIT}; got ${JSON.stringify(value).slice(0, 60)}.`,
      'limit',
    );
  }
  return n;
}

function cursorOf(value: unknown, name: string): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') {
    throw invalid('invalid_params', `${name} must be one object id, given once.`, name);
  }
  return value;
}

/**
 * One page of `items` (already newest first) for the request's `limit`, `starting_after` and
 * `ending_before`; sets the `Link` header. A cursor that is not an id in `items` is a 400.
 */
export function cursorPage<T extends { object: { id: string } }>(
  request: FastifyRequest,
  reply: FastifyReply,
  items: readonly T[],
  base: string,
  what: string,
): T[] {
  const q = request.query as Record<string, unknown>;
  const limit = limitOf(q.limit);
  const after = cursorOf(q.starting_after, 'starting_after');
  const before = cursorOf(q.ending_before, 'ending_before');
  if (after !== null && before !== null) {
    throw invalid('invalid_params', 'Send starting_after or ending_before, not both.', 'ending_before');
  }
  const indexOf = (id: string, name: string) => {
    const i = items.findIndex((item) => item.object.id === id);
    if (i < 0) {
      throw invalid(
        'invalid_params',
        `${name} must be the id of a ${what} of this organisation and mode; got ${JSON.stringify(id.slice(0, 100))}.`,
        name,
      );
    }
    return i;
  };
  let page: T[];
  let next: [string, string] | null = null;
  if (before !== null) {
    // The `limit` items just before the cursor (newer ones), still newest first.
    const newer = items.slice(0, indexOf(before, 'ending_before'));
    page = newer.slice(Math.max(0, newer.length - limit));
    if (newer.length > limit && page[0]) next = ['ending_before', page[0].object.id];
  } else {
    const rest = after === null ? items : items.slice(indexOf(after, 'starting_after') + 1);
    page = rest.slice(0, limit);
    const last = page[page.length - 1];
    if (rest.length > limit && last) next = ['starting_after', last.object.id];
  }
  if (next) {
    const [path = '', query = ''] = request.url.split('?');
    const params = new URLSearchParams(query);
    params.delete('starting_after');
    params.delete('ending_before');
    params.append(next[0], next[1]);
    reply.header('link', `<${base}${path}?${params.toString()}>; rel="next"`);
  } else {
    reply.header('link', '');
  }
  return page;
}
