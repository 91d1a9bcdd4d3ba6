/**
 * The service's business clock with a test-mode offset: `now()` is the base clock plus time moved
 * forward over `POST /api/test-clock/advance`, so a certification run can prove the abandonment
 * timeout without waiting ten real minutes. Keyed on the Fintoc key's mode: with a live key the
 * offset can never move, and the route answers `test_clock_live_mode`.
 */
import type { Clock } from '../fintoc/index.js';
import { ServiceError } from './errors.js';

const LIVE_MODE =
  'The test clock exists only in test mode; this service holds a live Fintoc key (sk_live_…).';

export class TestClock implements Clock {
  #offsetMs = 0;

  constructor(
    private readonly base: Clock,
    readonly mode: 'test' | 'live',
  ) {}

  now(): number {
    return this.base.now() + this.#offsetMs;
  }

  /** Real waiting (request timeouts, backoff): moving the clock does not shorten a sleep. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.base.sleep(ms, signal);
  }

  get offsetMs(): number {
    return this.#offsetMs;
  }

  /**
   * Moves business time forward by `ms` (never back). Throws `test_clock_live_mode` with a live key.
   *
   * @example
   * clock.advance(10 * 60_000); // ten minutes pass for deadlines and timestamps
   */
  advance(ms: number): void {
    this.assertTestMode();
    if (!Number.isFinite(ms) || ms < 0) {
      throw new ServiceError('invalid_parameter', 'by must be a duration forward, such as "10m".', 'by');
    }
    this.#offsetMs += ms;
  }

  /** Throws `test_clock_live_mode` when the service holds a live key. */
  assertTestMode(): void {
    if (this.mode === 'live') throw new ServiceError('test_clock_live_mode', LIVE_MODE);
  }
}
