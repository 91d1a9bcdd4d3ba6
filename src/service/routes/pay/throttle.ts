/**
 * Caps the browser events one payment may store: a fixed window per payment, in memory (a limit on
 * noise, not on money: losing it on restart costs nothing). Several instances each apply it.
 */
export class EventThrottle {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /**
   * @param limit events accepted per payment per window
   * @param windowMs window length
   */
  constructor(
    readonly limit = 60,
    readonly windowMs = 60_000,
  ) {}

  /**
   * Takes up to `n` events for a payment at `now`; says how many fit and when the window reopens.
   *
   * @example
   * new EventThrottle(2, 1000).take('pay_1', 3, 0); // { accepted: 2, retryAfterMs: 1000 }
   */
  take(key: string, n: number, now: number): { accepted: number; retryAfterMs: number } {
    let window = this.windows.get(key);
    if (!window || now - window.start >= this.windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
      if (this.windows.size > 10_000) this.prune(now);
    }
    const accepted = Math.max(0, Math.min(n, this.limit - window.count));
    window.count += accepted;
    return { accepted, retryAfterMs: window.start + this.windowMs - now };
  }

  private prune(now: number) {
    for (const [key, window] of this.windows)
      if (now - window.start >= this.windowMs) this.windows.delete(key);
  }
}
