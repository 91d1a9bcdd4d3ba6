/**
 * Sign-in lockout on `@fastify/rate-limit` (its counters in the service's database, so every
 * instance sees the same ones): failed sign-ins are counted per client address and for the account
 * as a whole (the dashboard has one: whoever knows a secret), each over a fixed window. Over either
 * limit, every sign-in — the right secret included — is refused until that window ends, so neither
 * one address nor many rotating ones can guess for ever. The address is `request.ip`: the client's
 * as the proxies trusted in PASARELA_TRUST_PROXY report it, else the socket's.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface LockoutLimits {
  /** Failed sign-ins one client address may make per window. */
  perAddress: number;
  /** Failed sign-ins from all addresses together per window. */
  perAccount: number;
  windowMs: number;
}

/** Ten per address and thirty in all per ten minutes. */
export const DEFAULT_LOCKOUT: LockoutLimits = { perAddress: 10, perAccount: 30, windowMs: 600_000 };

export interface SignInLockout {
  /** Milliseconds until sign-in opens again for this request's address, or null when it is open now. */
  locked(request: FastifyRequest): Promise<number | null>;
  failed(request: FastifyRequest): Promise<void>;
}

/**
 * @example
 * const lockout = signInLockout(app);
 * if ((await lockout.locked(request)) !== null) return reply.code(429)…;
 * if (!ok) await lockout.failed(request);
 */
export function signInLockout(app: FastifyInstance, limits: LockoutLimits = DEFAULT_LOCKOUT): SignInLockout {
  const limiters = [
    app.createRateLimit({
      max: limits.perAddress,
      timeWindow: limits.windowMs,
      keyGenerator: (request) => `dashboard-sign-in:address:${request.ip}`,
    }),
    app.createRateLimit({
      max: limits.perAccount,
      timeWindow: limits.windowMs,
      keyGenerator: () => 'dashboard-sign-in:account',
    }),
  ];
  return {
    async locked(request) {
      let wait: number | null = null;
      for (const limiter of limiters) {
        const state = await limiter(request, { increment: false });
        if (!state.isAllowed && state.remaining === 0) wait = Math.max(wait ?? 0, state.ttl);
      }
      return wait;
    },
    async failed(request) {
      for (const limiter of limiters) await limiter(request);
    },
  };
}
