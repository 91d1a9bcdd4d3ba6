/**
 * HTTP pieces shared by the sandbox's routes: authentication by secret key, `Idempotency-Key`
 * replay, and Fintoc's page-based list pagination with absolute `Link` URLs.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { keyKind, keyMode } from '../fintoc/index.js';
import type { SandboxCore } from './core.js';
import { ApiError, invalid, unauthenticated } from './errors.js';
import type { Space } from './records.js';

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

/** The space a request's `Authorization` header names, or a 401 `ApiError`. */
export function authenticate(core: SandboxCore, header: string | undefined): Space {
  if (header === undefined || header.trim() === '') {
    throw unauthenticated(
      'No API key provided. Send your secret key in the Authorization header, e.g. "Authorization: sk_test_…".',
    );
  }
  const key = header.trim().replace(/^Bearer\s+/, '');
  const kind = keyKind(key);
  const mode = keyMode(key);
  if (kind === 'public') {
    throw unauthenticated(
      'This is a public key (pk_…). The API needs your secret key (sk_test_… or sk_live_…).',
    );
  }
  if (kind !== 'secret' || mode === null || key.length < 'sk_test_'.length + 4) {
    throw unauthenticated('Invalid API key. Use a secret key of the form sk_test_… or sk_live_….');
  }
  return core.space(mode, key.slice('sk_test_'.length));
}

/** JSON with object keys sorted, so the same body always gives the same fingerprint. */
function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .filter((k) => obj[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export interface Result {
  status: number;
  body: unknown;
}

/**
 * Runs a POST once per `Idempotency-Key`: the first response (success or error) is stored and
 * replayed for the same key and body; the same key with another body or path is refused.
 */
export function idempotent(
  core: SandboxCore,
  space: Space,
  request: FastifyRequest,
  reply: FastifyReply,
  run: () => Result,
): Result {
  const raw = request.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  const exec = (): Result => {
    try {
      return run();
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, body: err.toJSON() };
      throw err;
    }
  };
  if (key === undefined || key === '') return exec();
  if (key.length > 255) {
    throw invalid(
      'invalid_idempotency_key',
      'Idempotency-Key must be at most 255 characters (a UUID v4 is recommended).',
    );
  }
  const path = request.url.split('?')[0] ?? request.url;
  const fingerprint = `${request.method} ${path} ${stable(request.body ?? null)}`;
  const now = core.now();
  const seen = space.idempotency.get(key);
  if (seen && now - seen.atMs < IDEMPOTENCY_TTL_MS) {
    if (seen.fingerprint !== fingerprint) {
      throw invalid(
        'idempotency_key_reused',
        `This Idempotency-Key was already used for a different request (${seen.fingerprint.split(' ').slice(0, 2).join(' ')} with other parameters). Use a new key for a new request; reuse a key only to retry the very same request.`,
      );
    }
    reply.header('idempotent-replayed', 'true');
    reply.type('application/json; charset=utf-8');
    return { status: seen.status, body: seen.body };
  }
  const result = exec();
  // Stored as the serialized text: later changes to the object must not leak into a replay.
  const text = JSON.stringify(result.body);
  space.idempotency.set(key, { fingerprint, status: result.status, body: text, atMs: now });
  reply.type('application/json; charset=utf-8');
  return { status: result.status, body: text };
}

export function origin(request: FastifyRequest, fixed: string | null): string {
  return fixed ?? `${request.protocol}://${request.host}`;
}

function int(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalid(
      'invalid_params',
      `${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(value)}.`,
      name,
    );
  }
  return n;
}

function time(value: unknown, name: string, endOfDay: boolean): number | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string')
    throw invalid('invalid_params', `${name} must be an ISO 8601 date or time.`, name);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw invalid(
      'invalid_params',
      `${name} must be an ISO 8601 date or time (e.g. 2025-01-31 or 2025-01-31T12:00:00Z); got "${value}".`,
      name,
    );
  }
  return endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(value) ? ms + 86_399_999 : ms;
}

/**
 * Filters (`since`, `until`, `status`) and paginates (`page`, `per_page` ≤ 300, 30 by default) a
 * list, newest first, and sets `Link` (absolute, `first, prev, next, last`) and `X-Total-Count`.
 */
export function paginate<T extends { createdMs: number }>(
  request: FastifyRequest,
  reply: FastifyReply,
  all: readonly T[],
  base: string,
  opts: { statuses?: readonly string[]; status?: (item: T) => string } = {},
): T[] {
  const q = request.query as Record<string, unknown>;
  const perPage = int(q.per_page, 'per_page', 1, 300, 30);
  const page = int(q.page, 'page', 1, Number.MAX_SAFE_INTEGER, 1);
  const since = time(q.since, 'since', false);
  const until = time(q.until, 'until', true);
  let status: string | null = null;
  if (q.status !== undefined && q.status !== '' && opts.statuses && opts.status) {
    if (typeof q.status !== 'string' || !opts.statuses.includes(q.status)) {
      throw invalid(
        'invalid_params',
        `status must be one of ${opts.statuses.join(', ')}; got ${JSON.stringify(q.status)}.`,
        'status',
      );
    }
    status = q.status;
  }
  const items: T[] = [];
  for (let i = all.length - 1; i >= 0; i--) {
    const item = all[i] as T;
    if (since !== null && item.createdMs < since) continue;
    if (until !== null && item.createdMs > until) continue;
    if (status !== null && opts.status?.(item) !== status) continue;
    items.push(item);
  }
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const [path = '', query = ''] = request.url.split('?');
  const params = new URLSearchParams(query);
  params.delete('page');
  const keep = params.toString();
  const link = (n: number) => `<${base}${path}?${keep ? `${keep}&` : ''}page=${n}>`;
  const links = [`${link(1)}; rel="first"`];
  if (page > 1) links.push(`${link(Math.min(page - 1, last))}; rel="prev"`);
  if (page < last) links.push(`${link(page + 1)}; rel="next"`);
  links.push(`${link(last)}; rel="last"`);
  reply.header('link', links.join(', '));
  reply.header('x-total-count', String(items.length));
  return items.slice((page - 1) * perPage, page * perPage);
}
