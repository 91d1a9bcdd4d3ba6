import type { Clock } from './clock.js';

/** A server asking to wait longer than this is not retried: the error goes back to the caller at once. */
export const MAX_RETRY_AFTER_MS = 60_000;
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 8_000;

/** What one attempt gave: an HTTP status, or `null` for a network error or timeout. */
export interface AttemptOutcome {
  status: number | null;
  retryAfterMs?: number | null;
}

/**
 * Whether to try again after an attempt (pure). Network errors, timeouts, 409, 429 and 5xx are
 * retried; other 4xx never are; a `Retry-After` longer than {@link MAX_RETRY_AFTER_MS} wins over all.
 *
 * @example
 * shouldRetry({ status: 503 }, 0, 3); // true
 * shouldRetry({ status: 400 }, 0, 3); // false
 */
export function shouldRetry(outcome: AttemptOutcome, retriesDone: number, maxRetries: number): boolean {
  if (retriesDone >= maxRetries) return false;
  if (outcome.retryAfterMs != null && outcome.retryAfterMs > MAX_RETRY_AFTER_MS) return false;
  const s = outcome.status;
  return s === null || s === 409 || s === 429 || s >= 500;
}

/**
 * How long to wait before retry number `retry` (0 = the first retry), pure. The server's
 * `Retry-After` when given; otherwise capped exponential backoff with jitter: a random point in
 * [d/2, d] where d = min(cap, base·2^retry), so concurrent clients spread out.
 *
 * @example
 * backoffMs(0, { random: () => 1 }); // 500
 * backoffMs(5, { random: () => 0 }); // 4000 (cap 8000, halved by jitter)
 * backoffMs(0, { random: Math.random, retryAfterMs: 2000 }); // 2000
 */
export function backoffMs(
  retry: number,
  opts: { random: () => number; retryAfterMs?: number | null; baseMs?: number; capMs?: number },
): number {
  if (opts.retryAfterMs != null) return Math.max(0, opts.retryAfterMs);
  const d = Math.min(opts.capMs ?? BACKOFF_CAP_MS, (opts.baseMs ?? BACKOFF_BASE_MS) * 2 ** retry);
  const r = Math.min(1, Math.max(0, opts.random()));
  return Math.round(d / 2 + (r * d) / 2);
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date; `null` when absent or unreadable.
 *
 * @example
 * parseRetryAfter('3', 0); // 3000
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/**
 * The targets of an RFC 8288 `Link` header by relation, e.g. `{ next: 'https://…&page=2' }`.
 *
 * @example
 * parseLinkHeader('<https://api.fintoc.com/v1/payment_intents?page=2>; rel="next"').get('next');
 */
export function parseLinkHeader(value: string | null): Map<string, string> {
  const links = new Map<string, string>();
  if (!value) return links;
  const re = /<([^>]*)>((?:\s*;\s*[^;,]+)*)/g;
  for (const m of value.matchAll(re)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2] ?? '')?.[1];
    if (!rel || !m[1]) continue;
    for (const r of rel.trim().split(/\s+/))
      if (!links.has(r.toLowerCase())) links.set(r.toLowerCase(), m[1]);
  }
  return links;
}

/**
 * Keeps request starts under `requestsPerSecond` in every sliding window (Fintoc allows 100/s per
 * organisation), so bulk jobs queue instead of tripping 429s.
 *
 * @example
 * const limiter = createRateLimiter(100, systemClock); await limiter.acquire();
 */
export function createRateLimiter(requestsPerSecond: number, clock: Clock): { acquire(): Promise<void> } {
  if (requestsPerSecond === Infinity) return { acquire: async () => {} };
  const capacity = Math.max(1, Math.floor(requestsPerSecond));
  const windowMs = (capacity * 1000) / requestsPerSecond;
  // Start times of the last `capacity` requests, oldest at `next`; reserved synchronously so
  // concurrent callers each get their own slot.
  const starts = new Array<number>(capacity).fill(-Infinity);
  let next = 0;
  return {
    async acquire() {
      const now = clock.now();
      const slot = Math.max(now, starts[next]! + windowMs);
      starts[next] = slot;
      next = (next + 1) % capacity;
      if (slot > now) await clock.sleep(slot - now);
    },
  };
}
