/**
 * The sandbox's timed work, described as data. Every task the core and the deliverer put on the
 * test clock goes through here with a plain description (`TimerSpec`: what to do, to which record
 * of which space), so the state file can list what is still due and a restarted sandbox can put the
 * same tasks back at the same instants (./persist.ts).
 *
 * @example
 * const timers = new Timers(clock, () => store.changed());
 * timers.add(at, `timeout ${id}`, { kind: 'intent_timeout', space: space.key, id }, () => expire());
 * timers.pending(); // [{ seq: 1, at, spec: { kind: 'intent_timeout', … } }]
 */
import type { SandboxClock } from './clock.js';
import type { MoneyTask } from './payouts.js';

export type TimerSpec =
  /** An intent nobody finished expires (`error_reason: timeout`). */
  | { kind: 'intent_timeout'; space: string; id: string }
  /** A `pending` intent settles as its scenario said when it was authorized. */
  | { kind: 'settle'; space: string; id: string; status: 'succeeded' | 'failed'; error_reason: string | null }
  /** An unpaid checkout session expires. */
  | { kind: 'checkout_expiry'; space: string; id: string }
  /** A refund moves one step. */
  | {
      kind: 'refund_step';
      space: string;
      id: string;
      from: 'created' | 'in_progress';
      to: 'in_progress' | 'succeeded';
    }
  /** A webhook delivery's next attempt (`id`: the delivery). */
  | { kind: 'deliver'; space: string; id: string }
  /** A `reorder` fault's window ends (`id`: the endpoint whose deliveries are held). */
  | { kind: 'release'; space: string; id: string }
  /** Payouts and report files (./payouts.ts): `id` is the currency, payout or report the task is for. */
  | { kind: 'money'; space: string; id: string; task: MoneyTask };

export interface PendingTimer {
  /** Order of creation: tasks due at the same instant run in this order. */
  seq: number;
  /** Sandbox time, epoch ms. */
  at: number;
  spec: TimerSpec;
}

export class Timers {
  #seq = 0;
  readonly #live = new Map<number, PendingTimer>();

  constructor(
    private readonly clock: SandboxClock,
    /** Called after a task has run (the state changed). */
    private readonly onRun: () => void = () => {},
  ) {}

  /** Schedules `run` at `at` on the clock, remembering `spec` until it runs or is canceled. */
  add(at: number, label: string, spec: TimerSpec, run: () => unknown): () => void {
    const timer: PendingTimer = { seq: ++this.#seq, at, spec };
    this.#live.set(timer.seq, timer);
    const cancel = this.clock.schedule(at, label, () => {
      this.#live.delete(timer.seq);
      let result: unknown;
      try {
        result = run();
      } catch (err) {
        this.onRun();
        throw err;
      }
      if (result instanceof Promise) return result.finally(this.onRun);
      this.onRun();
      return result;
    });
    return () => {
      this.#live.delete(timer.seq);
      cancel();
    };
  }

  /** What is still due, soonest first (equal times in creation order). */
  pending(): PendingTimer[] {
    return [...this.#live.values()].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}
