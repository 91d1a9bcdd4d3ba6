import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fintoc/fake-clock.js';
import {
  BACKOFF_CAP_MS,
  MAX_RETRY_AFTER_MS,
  backoffMs,
  createRateLimiter,
  parseLinkHeader,
  parseRetryAfter,
  shouldRetry,
} from './http-rules.js';

describe('shouldRetry', () => {
  it('retries network errors and timeouts (no status)', () => {
    expect(shouldRetry({ status: null }, 0, 3)).toBe(true);
  });
  it('retries 409, 429 and every 5xx', () => {
    for (const status of [409, 429, 500, 502, 503, 504]) expect(shouldRetry({ status }, 0, 3)).toBe(true);
  });
  it('never retries other 4xx', () => {
    for (const status of [400, 401, 402, 403, 404, 405, 406, 422])
      expect(shouldRetry({ status }, 0, 3)).toBe(false);
  });
  it('stops after maxRetries', () => {
    expect(shouldRetry({ status: 503 }, 2, 3)).toBe(true);
    expect(shouldRetry({ status: 503 }, 3, 3)).toBe(false);
    expect(shouldRetry({ status: null }, 0, 0)).toBe(false);
  });
  it('lets a long Retry-After win: the caller hears at once instead of waiting minutes', () => {
    expect(shouldRetry({ status: 429, retryAfterMs: MAX_RETRY_AFTER_MS }, 0, 3)).toBe(true);
    expect(shouldRetry({ status: 429, retryAfterMs: MAX_RETRY_AFTER_MS + 1 }, 0, 3)).toBe(false);
  });
});

describe('backoffMs', () => {
  it('doubles per retry, between half and all of 500·2^n', () => {
    expect([0, 1, 2, 3].map((n) => backoffMs(n, { random: () => 1 }))).toEqual([500, 1000, 2000, 4000]);
    expect([0, 1, 2, 3].map((n) => backoffMs(n, { random: () => 0 }))).toEqual([250, 500, 1000, 2000]);
  });
  it('is capped', () => {
    expect(backoffMs(10, { random: () => 1 })).toBe(BACKOFF_CAP_MS);
    expect(backoffMs(50, { random: () => 0.5 })).toBe(BACKOFF_CAP_MS * 0.75);
  });
  it('spreads clients out with jitter', () => {
    const values = new Set(Array.from({ length: 50 }, (_, i) => backoffMs(2, { random: () => i / 50 })));
    expect(values.size).toBe(50);
  });
  it("uses the server's Retry-After when given", () => {
    expect(backoffMs(3, { random: () => 1, retryAfterMs: 2000 })).toBe(2000);
    expect(backoffMs(3, { random: () => 1, retryAfterMs: 0 })).toBe(0);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});

describe('parseLinkHeader', () => {
  it("reads Fintoc's v1 header (first, prev, next, last)", () => {
    const base = 'https://api.fintoc.com/v1/payment_intents?since=2025-01-01&page=';
    const links = parseLinkHeader(
      `<${base}1>; rel="first", <${base}1>; rel="prev", <${base}3>; rel="next", <${base}50>; rel="last"`,
    );
    expect(links.get('next')).toBe(`${base}3`);
    expect(links.get('last')).toBe(`${base}50`);
  });
  it('has no next on the last page, nor for an empty header', () => {
    expect(
      parseLinkHeader('<https://x/v1/a?page=1>; rel="first", <https://x/v1/a?page=1>; rel="last"').has(
        'next',
      ),
    ).toBe(false);
    expect(parseLinkHeader('').size).toBe(0);
    expect(parseLinkHeader(null).size).toBe(0);
  });
  it('survives commas inside URLs and unquoted rels', () => {
    expect(parseLinkHeader('<https://x/v1/a?status=a,b&page=2>; rel=next').get('next')).toBe(
      'https://x/v1/a?status=a,b&page=2',
    );
  });
});

describe('createRateLimiter', () => {
  it('lets the first 100 through at once, then never more than 100 in any second', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter(100, clock);
    const starts: number[] = [];
    for (let i = 0; i < 350; i++) {
      await limiter.acquire();
      starts.push(clock.now());
    }
    const sorted = starts;
    expect(sorted.filter((t) => t === 0)).toHaveLength(100);
    expect(sorted.at(-1)).toBe(3000);
    for (let i = 100; i < sorted.length; i++)
      expect(sorted[i]! - sorted[i - 100]!).toBeGreaterThanOrEqual(1000);
  });
  it('does nothing when turned off', async () => {
    const clock = new FakeClock(0);
    const limiter = createRateLimiter(Infinity, clock);
    for (let i = 0; i < 1000; i++) await limiter.acquire();
    expect(clock.waits).toEqual([]);
  });
});
