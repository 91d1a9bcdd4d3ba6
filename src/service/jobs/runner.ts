import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../fintoc/index.js';
import * as repo from '../db/repositories/index.js';
import type { ClaimedJob, JobKind } from '../db/repositories/index.js';
import type { DB } from '../db/schema.js';
import type { Logger } from '../payments/index.js';

/** What a handler asks for: done (the job row goes), or another run at `retryAt` (epoch ms). */
export type JobResult =
  { done: true } | { done: false; retryAt: number; error?: string; resetAttempts?: boolean };
export type JobHandler = (job: ClaimedJob) => Promise<JobResult>;
/** Handles many jobs of one kind at once; answers one result per job, in order. */
export type BatchJobHandler = (jobs: readonly ClaimedJob[]) => Promise<JobResult[]>;
export type BatchHandlers = Partial<Record<JobKind, BatchJobHandler>>;

/** A stored webhook event the inbox lane claimed. */
export interface ClaimedEvent {
  eventId: string;
  attempts: number;
}

/** The handler of every job kind, the inbox lane's, and the batch handlers of the kinds that have one. */
export type JobHandlers = Record<JobKind, JobHandler> & {
  inbox: (event: ClaimedEvent) => Promise<JobResult>;
  batches?: BatchHandlers;
};

/** The work the runner does: the kinds of `jobs` rows, and `apply_event`, the inbox lane. */
export type WorkKind = JobKind | 'apply_event';

export interface JobRunnerOptions {
  /** Jobs claimed per round. */
  batchSize?: number;
  /** Jobs of one batch run at once. */
  concurrency?: number;
  /** How long a claimed job stays invisible to other workers; a crashed worker's jobs return after it. */
  leaseMs?: number;
  /** Wait between empty polls of the background loop. */
  pollMs?: number;
}

/** Backoff for a job whose handler threw: 5 s doubling to 10 min. */
export function jobBackoffMs(attempts: number): number {
  return Math.min(600_000, 5_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * Runs durable jobs from the `jobs` table. Several runners (processes or instances) can share one
 * database: claims skip locked rows and hold a lease, so each job runs on one worker at a time and
 * a crash loses nothing (the lease ends and another worker takes the job).
 */
export class JobRunner {
  readonly worker = `w_${randomBytes(6).toString('hex')}`;
  readonly counters = { done: 0, retried: 0, failed: 0 };
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wake: (() => void) | null = null;
  private nudged = false;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly handlers: JobHandlers,
    private readonly log: Logger,
    options: JobRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 100;
    this.concurrency = options.concurrency ?? 16;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 500;
  }

  /**
   * Claims and runs one batch of due work: rows of `jobs`, and the inbox's stored events in a lane
   * of their own (those of one intent one after the other, in arrival order). Resolves to how many ran.
   */
  async runBatch(kinds?: readonly WorkKind[]): Promise<number> {
    const now = new Date(this.clock.now());
    const claim = { now, leaseMs: this.leaseMs, limit: this.batchSize, worker: this.worker };
    const jobKinds = kinds?.filter((k): k is JobKind => k !== 'apply_event');
    const jobs =
      !kinds || (jobKinds && jobKinds.length > 0)
        ? await repo.claimJobs(this.db, { ...claim, ...(jobKinds ? { kinds: jobKinds } : {}) })
        : [];
    const events = !kinds || kinds.includes('apply_event') ? await repo.claimInbox(this.db, claim) : [];
    if (jobs.length === 0 && events.length === 0) return 0;
    const byIntent = new Map<string, ClaimedEvent[]>();
    for (const e of events) {
      const key = e.intent_id ?? e.event_id;
      byIntent.set(key, [...(byIntent.get(key) ?? []), { eventId: e.event_id, attempts: e.attempts }]);
    }
    const batches = this.handlers.batches ?? {};
    const singles = jobs.filter((j) => !batches[j.kind]);
    const chunks: Array<{ handler: BatchJobHandler; jobs: ClaimedJob[] }> = [];
    for (const [kind, handler] of Object.entries(batches) as Array<[JobKind, BatchJobHandler]>) {
      const mine = jobs.filter((j) => j.kind === kind);
      for (let i = 0; i < mine.length; i += 100) chunks.push({ handler, jobs: mine.slice(i, i + 100) });
    }
    const work: Array<() => Promise<void>> = [
      ...singles.map((j) => () => this.runOne(j)),
      ...[...byIntent.values()].map((sequence) => async () => {
        for (const event of sequence) await this.runEvent(event);
      }),
    ];
    let next = 0;
    const lane = async () => {
      while (next < work.length) await work[next++]!();
    };
    await Promise.all([
      ...Array.from({ length: Math.min(this.concurrency, work.length) }, lane),
      ...chunks.map((c) => this.runChunk(c.handler, c.jobs)),
    ]);
    return jobs.length + events.length;
  }

  /** Runs a handler, turning a throw into a retry with backoff. */
  private async attempt(
    what: { kind: string; ref: string; attempts: number },
    run: () => Promise<JobResult>,
  ): Promise<JobResult> {
    try {
      return await run();
    } catch (err) {
      this.counters.failed++;
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn(
        { job: what.kind, ref: what.ref, attempts: what.attempts, err: message },
        'job failed; will retry',
      );
      return {
        done: false,
        retryAt: this.clock.now() + jobBackoffMs(what.attempts),
        error: message.slice(0, 500),
      };
    }
  }

  /** One stored event: the applier writes its outcome; only a retry needs recording here. */
  private async runEvent(event: ClaimedEvent): Promise<void> {
    const ref = { kind: 'apply_event', ref: event.eventId, attempts: event.attempts };
    const result = await this.attempt(ref, () => this.handlers.inbox(event));
    try {
      if (result.done) this.counters.done++;
      else {
        this.counters.retried++;
        const retryAt = Math.max(result.retryAt, this.clock.now() + 1_000);
        await repo.rescheduleInbox(
          this.db,
          event.eventId,
          this.worker,
          new Date(retryAt),
          result.error ?? null,
        );
      }
    } catch (err) {
      // The lease will end and the event is claimed again; applying is safe to repeat.
      this.log.error(
        { job: 'apply_event', ref: event.eventId, err: String(err) },
        'could not record job result',
      );
    }
  }

  private async runChunk(handler: BatchJobHandler, jobs: ClaimedJob[]): Promise<void> {
    let results: JobResult[];
    try {
      results = await handler(jobs);
    } catch (err) {
      this.counters.failed += jobs.length;
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn({ job: jobs[0]?.kind, count: jobs.length, err: message }, 'job batch failed; will retry');
      results = jobs.map((j) => ({
        done: false,
        retryAt: this.clock.now() + jobBackoffMs(j.attempts),
        error: message.slice(0, 500),
      }));
    }
    const finished: number[] = [];
    try {
      for (const [i, job] of jobs.entries()) {
        const result = results[i] ?? { done: true };
        if (result.done) {
          finished.push(job.id);
          continue;
        }
        this.counters.retried++;
        const retryAt = Math.max(result.retryAt, this.clock.now() + 1_000);
        await repo.rescheduleJob(this.db, job.id, this.worker, new Date(retryAt), result.error ?? null);
      }
      await repo.finishJobs(this.db, finished, this.worker);
      this.counters.done += finished.length;
    } catch (err) {
      this.log.error({ err: String(err) }, 'could not record job batch results');
    }
  }

  private async runOne(job: ClaimedJob): Promise<void> {
    const handler = this.handlers[job.kind];
    const result = await this.attempt(job, () =>
      handler
        ? handler(job)
        : Promise.resolve({
            done: false,
            retryAt: this.clock.now() + 3_600_000,
            error: `no handler for ${job.kind}`,
          }),
    );
    try {
      if (result.done) {
        this.counters.done++;
        await repo.finishJob(this.db, job.id, this.worker);
      } else {
        this.counters.retried++;
        const retryAt = Math.max(result.retryAt, this.clock.now() + 1_000);
        await repo.rescheduleJob(
          this.db,
          job.id,
          this.worker,
          new Date(retryAt),
          result.error ?? null,
          result.resetAttempts ?? false,
        );
      }
    } catch (err) {
      // The lease will end and the job runs again; handlers are safe to repeat.
      this.log.error({ job: job.kind, ref: job.ref, err: String(err) }, 'could not record job result');
    }
  }

  /**
   * Runs every job that is due now, batch after batch, until none is left. Tests call this after
   * moving their clock; it is also what the background loop does each round.
   */
  async runDue(kinds?: readonly WorkKind[]): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.runBatch(kinds);
      total += n;
      if (n === 0) return total;
    }
  }

  /** Wakes the background loop now (new work was queued by this process). */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Starts the background loop (real time: polls every `pollMs`). */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        this.nudged = false;
        let n = 0;
        try {
          n = await this.runBatch();
        } catch (err) {
          this.log.error({ err: String(err) }, 'job loop error');
        }
        if (this.stopping) break;
        if (n > 0 || this.nudged) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, this.pollMs);
          function done() {
            clearTimeout(timer);
            resolve();
          }
          this.wake = done;
        });
        this.wake = null;
      }
    })();
  }

  /** Stops the loop and waits for the batch in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  get running(): boolean {
    return this.loop !== null;
  }
}
