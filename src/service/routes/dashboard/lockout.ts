/**
 * Sign-in lockout: failed sign-ins are counted per client address and for the account as a whole
 * (the dashboard has one: whoever knows a secret), each over a fixed window. Over either limit, every
 * sign-in — the right secret included — is refused until that window ends, so neither one address
 * nor many rotating ones can guess for ever. Kept in memory, per instance, behind this small
 * interface so it can move to a shared store (or a rate-limit plugin) without touching the route.
 */

export interface LockoutLimits {
  /** Failed sign-ins one client address may make per window. */
  perAddress: number;
  /** Failed sign-ins from all addresses together per window. */
  perAccount: number;
  windowMs: number;
}

/** Ten per address and thirty in all per ten minutes. */
export const DEFAULT_LOCKOUT: LockoutLimits = { perAddress: 10, perAccount: 30, windowMs: 600_000 };

interface Window {
  start: number;
  count: number;
}

const ACCOUNT = 'account';

/**
 * @example
 * const lockout = new SignInLockout();
 * if (lockout.locked(request.ip, now) !== null) return reply.code(429)…;
 * ok ? lockout.succeeded(request.ip) : lockout.failed(request.ip, now);
 */
export class SignInLockout {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly limits: LockoutLimits = DEFAULT_LOCKOUT) {}

  /** Milliseconds until sign-in opens again for this address, or null when it is open now. */
  locked(address: string, now: number): number | null {
    let wait: number | null = null;
    for (const [key, limit] of this.keys(address)) {
      const w = this.windows.get(key);
      if (w && now - w.start < this.limits.windowMs && w.count >= limit) {
        wait = Math.max(wait ?? 0, w.start + this.limits.windowMs - now);
      }
    }
    return wait;
  }

  failed(address: string, now: number): void {
    for (const [key] of this.keys(address)) {
      const w = this.windows.get(key);
      const current = w && now - w.start < this.limits.windowMs ? w : { start: now, count: 0 };
      current.count += 1;
      this.windows.set(key, current);
    }
    // One entry per address that failed: forget the windows that are over, so the map stays small.
    if (this.windows.size > 10_000) {
      for (const [key, w] of this.windows)
        if (now - w.start >= this.limits.windowMs) this.windows.delete(key);
    }
  }

  /** A right secret clears its address's count; the account's count runs out with its window. */
  succeeded(address: string): void {
    this.windows.delete(`address:${address}`);
  }

  private keys(address: string): Array<[string, number]> {
    return [
      [`address:${address}`, this.limits.perAddress],
      [ACCOUNT, this.limits.perAccount],
    ];
  }
}
