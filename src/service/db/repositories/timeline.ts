/** The `payment_timeline` table: every change of a payment, with its cause. */
import type { TimelineRow } from '../schema.js';
import type { PaymentStatus } from '../../state.js';
import type { Executor } from './executor.js';

export interface NewTimelineEntry {
  payment_id: string;
  at: Date;
  kind: 'created' | 'status' | 'ignored' | 'browser' | 'note';
  from_status?: PaymentStatus | null;
  to_status?: PaymentStatus | null;
  cause: string;
  cause_id?: string | null;
  detail?: Record<string, unknown> | null;
}

export async function addTimeline(db: Executor, entry: NewTimelineEntry): Promise<void> {
  await addTimelineMany(db, [entry]);
}

export async function addTimelineMany(db: Executor, entries: readonly NewTimelineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insertInto('payment_timeline')
    .values(
      entries.map((entry) => ({
        payment_id: entry.payment_id,
        at: entry.at,
        kind: entry.kind,
        from_status: entry.from_status ?? null,
        to_status: entry.to_status ?? null,
        cause: entry.cause,
        cause_id: entry.cause_id ?? null,
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
      })),
    )
    .execute();
}

export async function timeline(db: Executor, paymentId: string): Promise<TimelineRow[]> {
  return db
    .selectFrom('payment_timeline')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .orderBy('id', 'asc')
    .execute();
}
