/**
 * The dashboard's sign-in lockout on a running service (issue 12): a client cannot win fresh tries by
 * sending a new X-Forwarded-For, trusted proxies are a setting (PASARELA_TRUST_PROXY, off by default),
 * and failures also count for the account, so addresses that rotate cannot guess for ever.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, harnessBudget, startHarness, type Harness } from './support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const login = (secret: string, opts: { remoteAddress?: string; forwardedFor?: string } = {}) =>
  h!.app.inject({
    method: 'POST',
    url: '/dashboard/login',
    ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(opts.forwardedFor ? { 'x-forwarded-for': opts.forwardedFor } : {}),
    },
    payload: `secret=${encodeURIComponent(secret)}`,
  });

describe('dashboard sign-in lockout', () => {
  it(
    'a locked-out client gets no fresh tries by naming a new address in X-Forwarded-For',
    async () => {
      h = await startHarness({ merchant: false });
      for (let i = 0; i < 10; i++) expect((await login(`guess-${i}`)).statusCode).toBe(401);
      for (let i = 0; i < 5; i++) {
        const res = await login(`guess-xff-${i}`, { forwardedFor: `203.0.113.${i + 1}` });
        expect(res.statusCode).toBe(429);
      }
      const right = await login(API_KEY, { forwardedFor: '198.51.100.7' });
      expect(right.statusCode).toBe(429);
      expect(right.headers['set-cookie']).toBeUndefined();
      expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    },
    harnessBudget({ steps: 16 }),
  );

  it(
    'counts failures for the account too: rotating addresses are locked out after thirty in all',
    async () => {
      h = await startHarness({ merchant: false });
      for (let i = 0; i < 30; i++) {
        // Three guesses per address: never ten from one.
        const res = await login(`guess-${i}`, { remoteAddress: `10.1.${Math.floor(i / 3)}.1` });
        expect(res.statusCode).toBe(401);
      }
      const next = await login('guess-30', { remoteAddress: '10.2.0.1' });
      expect(next.statusCode).toBe(429);
      // The right secret from an address that never failed is refused too while the account is locked.
      expect((await login(API_KEY, { remoteAddress: '10.3.0.1' })).statusCode).toBe(429);
      // Ten minutes later the account opens again.
      await h.advance(600_000);
      expect((await login(API_KEY, { remoteAddress: '10.3.0.1' })).statusCode).toBe(303);
    },
    harnessBudget({ steps: 34 }),
  );

  it(
    'behind a proxy named in PASARELA_TRUST_PROXY, each client address is counted on its own',
    async () => {
      h = await startHarness({ merchant: false, env: { PASARELA_TRUST_PROXY: '127.0.0.1' } });
      for (let i = 0; i < 10; i++) {
        expect((await login(`guess-${i}`, { forwardedFor: '203.0.113.9' })).statusCode).toBe(401);
      }
      expect((await login(API_KEY, { forwardedFor: '203.0.113.9' })).statusCode).toBe(429);
      // Another customer behind the same proxy still signs in.
      expect((await login(API_KEY, { forwardedFor: '203.0.113.10' })).statusCode).toBe(303);
      // A request that does not come through the trusted proxy cannot choose its address.
      for (let i = 0; i < 10; i++) {
        await login(`direct-${i}`, { remoteAddress: '192.0.2.50', forwardedFor: `198.51.100.${i}` });
      }
      expect(
        (await login(API_KEY, { remoteAddress: '192.0.2.50', forwardedFor: '198.51.100.99' })).statusCode,
      ).toBe(429);
    },
    harnessBudget({ steps: 26 }),
  );

  it(
    'a hop count trusts that many proxies in front',
    async () => {
      h = await startHarness({ merchant: false, env: { PASARELA_TRUST_PROXY: '1' } });
      for (let i = 0; i < 10; i++) await login(`guess-${i}`, { forwardedFor: '198.51.100.1, 203.0.113.9' });
      expect((await login(API_KEY, { forwardedFor: '203.0.113.9' })).statusCode).toBe(429);
      expect((await login(API_KEY, { forwardedFor: '203.0.113.10' })).statusCode).toBe(303);
    },
    harnessBudget({ steps: 14 }),
  );
});
