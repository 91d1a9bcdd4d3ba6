/** The `notifications` table: what the service sends the shop, byte for byte, and its deliveries. */
import type { NotificationRow } from '../schema.js';
import type { Executor } from './executor.js';
import { scheduleJob } from './jobs.js';

export async function insertNotification(db: Executor, row: NotificationRow): Promise<void> {
  await db.insertInto('notifications').values(row).execute();
}

/**
 * Stores a new notification for the shop (exactly these bytes go out, every attempt) and schedules
 * its delivery at once; meant for the transaction that makes the change it tells about.
 */
export async function queueNotification(
  db: Executor,
  n: Pick<NotificationRow, 'id' | 'payment_id' | 'type' | 'payload'>,
  now: Date,
): Promise<void> {
  await insertNotification(db, {
    ...n,
    created_at: now,
    delivered_at: null,
    attempts: 0,
    last_status: null,
    last_error: null,
  });
  await scheduleJob(db, { kind: 'notify', ref: n.id, runAt: now, now });
}

export async function findNotification(db: Executor, id: string): Promise<NotificationRow | undefined> {
  return db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listNotifications(db: Executor, paymentId: string): Promise<NotificationRow[]> {
  return db
    .selectFrom('notifications')
    .selectAll()
    .where('payment_id', '=', paymentId)
    .orderBy('created_at', 'asc')
    .execute();
}

export async function updateNotification(
  db: Executor,
  id: string,
  changes: Partial<Pick<NotificationRow, 'delivered_at' | 'attempts' | 'last_status' | 'last_error'>>,
): Promise<void> {
  await db.updateTable('notifications').set(changes).where('id', '=', id).execute();
}
