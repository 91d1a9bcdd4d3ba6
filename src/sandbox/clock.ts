/**
 * The sandbox's test clock and the scheduler that runs timed work on it (webhook attempts and
 * retries, payment intents that settle after `pending`, expiries, refunds being processed).
 *
 * Sandbox time is a base time source (the real clock unless one is injected) plus an offset that
 * only grows. `advance(ms)` moves the offset forward and, on the way, runs every task that becomes
 * due, in order of due time, each one at its own instant: a webhook retried 3 s after a failure is
 * attempted at exactly that sandbox time even when the clock jumps a day. Between advances a small
 * real-time timer runs whatever falls due as real time passes.
 *
 * @example
 * const clock = new SandboxClock();
 * clock.schedule(clock.now() + 3000, 'hello', () => console.log('3 sandbox seconds later'));
 * await clock.advance(3000); // prints now, without waiting 3 real seconds
 */
import type { Clock } from '../fintoc/index.js';

export interface TimeSource {
  /** Epoch milliseconds. */
  now(): number;
}

interface Task {
  id: number;
  at: number;
  label: string;
  run: () => unknown;
}

export interface AdvanceResult {
  /** Sandbox time before and after, epoch ms. */
  from: number;
  to: number;
  /** How many scheduled tasks ran while the clock moved. */
  tasksRun: number;
}

export interface SandboxClockOptions {
  /** Where "real" time comes from; tests inject a frozen one. Default `Date.now`. */
  base?: TimeSource;
  /** Most tasks running at once in real time (bounded so a burst of webhooks cannot flood a receiver). */
  maxConcurrent?: number;
  /** Called with a task's error; the task is dropped, the scheduler goes on. */
  onError?: (err: unknown, label: string) => void;
  /** Called after `advance` moved sandbox time forward (the offset changed). */
  onAdvance?: (result: AdvanceResult) => void;
  /** Start this far ahead of the base clock (a restarted sandbox resumes its offset). Default 0. */
  offsetMs?: number;
}

export class SandboxClock implements Clock {
  readonly #base: TimeSource;
  readonly #maxConcurrent: number;
  readonly #onError: (err: unknown, label: string) => void;
  readonly #onAdvance: (result: AdvanceResult) => void;
  #offset = 0;
  #seq = 0;
  #queue: Task[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #advancing = false;
  #closed = false;
  #lock: Promise<unknown> = Promise.resolve();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(options: SandboxClockOptions = {}) {
    this.#base = options.base ?? { now: () => Date.now() };
    this.#maxConcurrent = options.maxConcurrent ?? 64;
    this.#onError = options.onError ?? (() => {});
    this.#onAdvance = options.onAdvance ?? (() => {});
    const offset = options.offsetMs ?? 0;
    if (!Number.isFinite(offset) || offset < 0) throw new RangeError('offsetMs must be a finite number ≥ 0');
    this.#offset = offset;
  }

  /** Sandbox time, epoch milliseconds. */
  now(): number {
    return this.#base.now() + this.#offset;
  }

  /** How far sandbox time is ahead of the base clock, in ms. */
  get offsetMs(): number {
    return this.#offset;
  }

  /** Tasks waiting, soonest first (for the control API). */
  pending(): Array<{ at: number; label: string }> {
    return this.#queue.map((t) => ({ at: t.at, label: t.label }));
  }

  /** Resolves once sandbox time has passed `ms` from now (by advancing or by real time). */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const cancel = this.schedule(this.now() + Math.max(0, ms), 'sleep', () => resolve());
      signal?.addEventListener(
        'abort',
        () => {
          cancel();
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Runs `run` when sandbox time reaches `at`; returns a function that cancels it. */
  schedule(at: number, label: string, run: () => unknown): () => void {
    const task: Task = { id: ++this.#seq, at, label, run };
    // Insert after every task due at the same time or earlier, so equal times keep their order.
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#queue[mid] as Task).at <= at) lo = mid + 1;
      else hi = mid;
    }
    this.#queue.splice(lo, 0, task);
    this.#arm();
    return () => {
      const i = this.#queue.indexOf(task);
      if (i >= 0) this.#queue.splice(i, 1);
    };
  }

  /**
   * Moves sandbox time forward by `ms`, running every task that falls due on the way, each at its
   * own due time and in order; tasks scheduled meanwhile (a retry after a failed attempt) run too
   * if they fall inside the window. Resolves when all of that work has finished.
   */
  advance(ms: number): Promise<AdvanceResult> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advance: ms must be a finite number ≥ 0');
    return this.#exclusive(async () => {
      this.#advancing = true;
      this.#disarm();
      try {
        await this.#settle();
        const from = this.now();
        const target = from + ms;
        let tasksRun = 0;
        for (;;) {
          const next = this.#queue[0];
          if (!next || next.at > target) break;
          const now = this.now();
          if (next.at > now) this.#offset += next.at - now;
          const batch = this.#takeDue(this.now(), Infinity);
          tasksRun += batch.length;
          // Tasks due at the same instant run together, at most maxConcurrent at a time.
          let cursor = 0;
          const worker = async () => {
            while (cursor < batch.length) await this.#run(batch[cursor++] as Task);
          };
          await Promise.all(Array.from({ length: Math.min(this.#maxConcurrent, batch.length) }, worker));
        }
        const now = this.now();
        if (target > now) this.#offset += target - now;
        const result = { from, to: this.now(), tasksRun };
        if (result.to > result.from) this.#onAdvance(result);
        return result;
      } finally {
        this.#advancing = false;
        this.#arm();
      }
    });
  }

  /** Runs what is due now and waits for all running tasks: `advance(0)`. */
  async flush(): Promise<AdvanceResult> {
    return this.advance(0);
  }

  /** Stops the real-time timer and waits for running tasks; scheduled tasks are dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#disarm();
    this.#queue = [];
    await this.#settle();
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#lock.then(fn, fn);
    this.#lock = result.catch(() => {});
    return result;
  }

  async #settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  #takeDue(now: number, max: number): Task[] {
    let n = 0;
    while (n < this.#queue.length && n < max && (this.#queue[n] as Task).at <= now) n++;
    return this.#queue.splice(0, n);
  }

  async #run(task: Task): Promise<void> {
    try {
      await task.run();
    } catch (err) {
      this.#onError(err, task.label);
    }
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** Keeps one real-time timer set for the soonest task. */
  #arm(): void {
    if (this.#advancing || this.#closed) return;
    const next = this.#queue[0];
    if (!next) return this.#disarm();
    if (this.#inFlight.size >= this.#maxConcurrent) return; // re-armed when a slot frees
    if (this.#timer !== undefined && this.#timerAt <= next.at) return;
    this.#disarm();
    this.#timerAt = next.at;
    // Capped so a far-future task is re-checked now and then (the base clock may be injected).
    const delay = Math.min(Math.max(0, next.at - this.now()), 60_000);
    this.#timer = setTimeout(() => this.#fire(), delay);
    this.#timer.unref?.();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#advancing || this.#closed) return;
    const slots = this.#maxConcurrent - this.#inFlight.size;
    for (const task of this.#takeDue(this.now(), slots)) {
      const p: Promise<void> = this.#run(task).finally(() => {
        this.#inFlight.delete(p);
        this.#arm();
      });
      this.#inFlight.add(p);
    }
    this.#arm();
  }
}
