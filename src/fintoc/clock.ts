/**
 * Time, injected. Everything in `src/fintoc` that waits or reads the time goes through a `Clock`,
 * so tests pass a fake one and never sleep for real.
 *
 * @example
 * const clock: Clock = { now: () => 0, sleep: async () => {} };
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Resolves once `ms` have passed on this clock, never sooner: the client arms its per-request
   * timeout with it, so a fake that resolves at once would time every request out. Resolves early
   * (and frees its timer) when `signal` aborts.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock: `Date.now()` and `setTimeout`.
 *
 * @example
 * await systemClock.sleep(10);
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
};
