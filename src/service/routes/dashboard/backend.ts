/**
 * What the dashboard reads, as an interface (tested with a fake), and its implementation over the
 * service's database: plain read-only queries, newest first, bounded.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, InboxRow, NotificationRow, PaymentRow, TimelineRow } from '../../db/schema.js';
import type { PaymentStatus } from '../../state.js';
import type { GoLiveBackend } from './go-live.js';
import { listPaymentsPage, type PaymentListFilter } from '../../db/repositories/index.js';

/** Jobs that only watch a payment (its deadline, its status checks)… */
const DEADLINE_KINDS = ['abandon', 'sync'] as const;
/** …which have nothing left to watch once it succeeded or failed (money moved, or never will). */
const DONE_STATUSES = ['succeeded', 'failed'] as const;

function pick(row: PaymentRow): DashPayment {
  return Object.fromEntries(PAYMENT_COLUMNS.map((c) => [c, row[c]])) as DashPayment;
}

// What the dashboard shows of each table: the columns it selects, typed from the schema so the two
// stay in step. `metadata`, order ids and reasons are shop- or customer-written: shown escaped, never trusted.
export type DashPayment = Pick<PaymentRow, (typeof PAYMENT_COLUMNS)[number]>;
export type DashTimelineEntry = Pick<TimelineRow, (typeof TIMELINE_COLUMNS)[number]>;
export type DashInboxEntry = Pick<InboxRow, (typeof INBOX_COLUMNS)[number]>;
export type DashJob = Pick<Selectable<DB['jobs']>, (typeof JOB_COLUMNS)[number]>;
export type DashNotification = Pick<NotificationRow, (typeof NOTIFICATION_COLUMNS)[number]>;

const TIMELINE_COLUMNS = ['at', 'kind', 'from_status', 'to_status', 'cause', 'cause_id', 'detail'] as const;
const INBOX_COLUMNS = [
  'event_id',
  'type',
  'intent_id',
  'received_at',
  'applied_at',
  'outcome',
  'attempts',
  'last_error',
] as const;
const JOB_COLUMNS = ['kind', 'ref', 'run_at', 'attempts', 'last_error'] as const;
const NOTIFICATION_COLUMNS = [
  'id',
  'type',
  'created_at',
  'delivered_at',
  'attempts',
  'last_status',
  'last_error',
] as const;
const PAYMENT_COLUMNS = [
  'id',
  'order_id',
  'amount',
  'currency',
  'status',
  'failure_reason',
  'metadata',
  'paid_after_cancel',
  'flow',
  'payment_intent_id',
  'checkout_session_id',
  'intent_status',
  'expires_at',
  'created_at',
  'updated_at',
] as const;

export interface PaymentFilter {
  /** A status, or `paid_after_cancel` for the payments flagged so. */
  status?: PaymentStatus | 'paid_after_cancel';
  orderId?: string;
  /** Created at or after. */
  from?: Date;
  /** Created before. */
  to?: Date;
  limit: number;
  /** A page after this payment (older ones) … */
  startingAfter?: string;
  /** … or before it (newer ones). */
  endingBefore?: string;
}

/** One page of the payments list, newest first; `hasMore`: more beyond it in the direction of travel. */
export interface DashPaymentPage {
  payments: DashPayment[];
  hasMore: boolean;
}

export interface DashboardData {
  listPayments(filter: PaymentFilter): Promise<DashPaymentPage>;
  getPayment(id: string): Promise<DashPayment | null>;
  timeline(paymentId: string): Promise<DashTimelineEntry[]>;
  notifications(paymentId: string): Promise<DashNotification[]>;
  inbox(filter: { limit: number; intentIds?: string[] }): Promise<DashInboxEntry[]>;
  /**
   * Scheduled work, soonest first; `ref` narrows to one payment's jobs. The deadline and status
   * checks of a payment that already succeeded or failed are left out: they have nothing left to do.
   */
  jobs(filter: { limit: number; ref?: string }): Promise<DashJob[]>;
  countsByStatus(): Promise<Record<string, number>>;
  /** Payments created per UTC day and status, since `since`. */
  dailyByStatus(since: Date): Promise<Array<{ day: string; status: string; count: number }>>;
}

/** What the dashboard's routes read (`app.dashboard`); who may sign in is `app.dashboardAuth`. */
export interface DashboardBackend {
  data: DashboardData;
  /** Epoch ms, the service's clock. */
  now(): number;
  /** The go-live checks (`pasarela check`'s), when whoever started the service provided them. */
  goLive?: GoLiveBackend;
  /** Webhook deliveries at the door since this instance started (refused ones are never stored). */
  intake?: () => WebhookIntake;
  /** The shop's notification endpoint: whether a 410 Gone disabled it, and enabling it again. */
  notifications?: {
    state(): Promise<{
      state: string;
      url: string | null;
      disabled_at: string | null;
      reason: string | null;
    }>;
    enable(): Promise<number>;
  };
}

export interface WebhookIntake {
  received: number;
  stored: number;
  duplicates: number;
  /** Refused deliveries by reason (forged, stale, malformed). */
  rejected: Record<string, number>;
}

/**
 * The dashboard's reads over the service database (PGlite or PostgreSQL).
 *
 * @example
 * const data = dashboardDataFromDb(app.db);
 */
export function dashboardDataFromDb(db: Kysely<DB>): DashboardData {
  const normalize = <T extends { amount: number }>(row: T): T => ({ ...row, amount: Number(row.amount) });
  return {
    async listPayments(filter) {
      const query: PaymentListFilter = {
        ...(filter.status === 'paid_after_cancel'
          ? { paidAfterCancel: true }
          : filter.status
            ? { status: filter.status }
            : {}),
        ...(filter.orderId !== undefined ? { orderId: filter.orderId } : {}),
        ...(filter.from ? { createdFrom: filter.from } : {}),
        ...(filter.to ? { createdBefore: filter.to } : {}),
      };
      const cursor = {
        ...(filter.startingAfter !== undefined ? { startingAfter: filter.startingAfter } : {}),
        ...(filter.endingBefore !== undefined ? { endingBefore: filter.endingBefore } : {}),
      };
      let page = await listPaymentsPage(db, query, { limit: filter.limit, ...cursor });
      // A cursor that names no payment (an old link) starts over at the newest.
      if (!page.ok) page = await listPaymentsPage(db, query, { limit: filter.limit });
      if (!page.ok) return { payments: [], hasMore: false };
      return { payments: page.rows.map((r) => normalize(pick(r))), hasMore: page.hasMore };
    },
    async getPayment(id) {
      const row = await db
        .selectFrom('payments')
        .select(PAYMENT_COLUMNS)
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? normalize(row) : null;
    },
    async timeline(paymentId) {
      return db
        .selectFrom('payment_timeline')
        .select(TIMELINE_COLUMNS)
        .where('payment_id', '=', paymentId)
        .orderBy('id', 'asc')
        .execute();
    },
    async notifications(paymentId) {
      return db
        .selectFrom('notifications')
        .select(NOTIFICATION_COLUMNS)
        .where('payment_id', '=', paymentId)
        .orderBy('created_at', 'asc')
        .execute();
    },
    async inbox(filter) {
      let q = db.selectFrom('webhook_inbox').select(INBOX_COLUMNS);
      if (filter.intentIds) {
        if (filter.intentIds.length === 0) return [];
        q = q.where('intent_id', 'in', filter.intentIds);
      }
      return q.orderBy('received_at', 'desc').limit(filter.limit).execute();
    },
    async jobs(filter) {
      let q = db
        .selectFrom('jobs')
        .select(JOB_COLUMNS.map((c) => `jobs.${c}` as const))
        .where((eb) =>
          eb.or([
            eb('jobs.kind', 'not in', DEADLINE_KINDS),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('payments')
                  .select('payments.id')
                  .whereRef('payments.id', '=', 'jobs.ref')
                  .where('payments.status', 'in', DONE_STATUSES),
              ),
            ),
          ]),
        );
      if (filter.ref) q = q.where('jobs.ref', '=', filter.ref);
      return q.orderBy('jobs.run_at', 'asc').limit(filter.limit).execute();
    },
    async countsByStatus() {
      const rows = await db
        .selectFrom('payments')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      const counts: Record<string, number> = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      const late = await db
        .selectFrom('payments')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('paid_after_cancel', '=', true)
        .executeTakeFirst();
      counts.paid_after_cancel = Number(late?.n ?? 0);
      return counts;
    },
    async dailyByStatus(since) {
      const result = await sql<{ day: string; status: string; count: number }>`
        SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, status, count(*)::int AS count
        FROM payments WHERE created_at >= ${since}
        GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
      return result.rows.map((r) => ({ day: r.day, status: r.status, count: Number(r.count) }));
    },
  };
}
