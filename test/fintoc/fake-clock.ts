import type { Clock } from '../../src/fintoc/index.js';

/**
 * A clock for tests that never waits for real. Plain waits (backoff, rate limit) pass at once and
 * move time forward; cancellable waits (per-request deadlines, armed with a signal) stay pending
 * until cancelled or until `expireDeadlines()` makes them fire.
 */
export class FakeClock implements Clock {
  /** Every plain wait, in order (ms). */
  readonly waits: number[] = [];
  private readonly deadlines = new Set<{ at: number; fire: () => void }>();
  constructor(private t = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (!signal) {
      this.waits.push(ms);
      this.t += ms;
      return Promise.resolve();
    }
    // As the Clock contract says: an aborted signal ends the wait (also one aborted before it began).
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const d = { at: this.t + ms, fire: resolve };
      this.deadlines.add(d);
      signal.addEventListener(
        'abort',
        () => {
          this.deadlines.delete(d);
          resolve();
        },
        { once: true },
      );
    });
  }
  get pendingDeadlines(): number {
    return this.deadlines.size;
  }
  expireDeadlines(): void {
    for (const d of this.deadlines) {
      this.t = Math.max(this.t, d.at);
      d.fire();
    }
    this.deadlines.clear();
  }
}
