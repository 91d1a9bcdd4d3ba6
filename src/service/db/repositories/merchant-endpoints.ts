/** The `merchant_endpoints` table: the shop's notification endpoint, disabled after a 410 Gone. */
import type { Kysely } from 'kysely';
import type { DB, MerchantEndpointRow } from '../schema.js';
import type { Executor } from './executor.js';

export async function findMerchantEndpoint(
  db: Executor,
  urlHash: string,
): Promise<MerchantEndpointRow | undefined> {
  return db.selectFrom('merchant_endpoints').selectAll().where('url_hash', '=', urlHash).executeTakeFirst();
}

/** Marks the endpoint disabled (once: the first reason stays). */
export async function disableMerchantEndpoint(
  db: Executor,
  urlHash: string,
  at: Date,
  reason: string,
): Promise<void> {
  await db
    .insertInto('merchant_endpoints')
    .values({ url_hash: urlHash, disabled_at: at, disabled_reason: reason })
    .onConflict((oc) =>
      oc
        .column('url_hash')
        .doUpdateSet({ disabled_at: at, disabled_reason: reason })
        .where('merchant_endpoints.disabled_at', 'is', null),
    )
    .execute();
}

/**
 * Enables the endpoint again and queues every notification still undelivered and created since
 * `since`, in one transaction. Returns how many were queued.
 */
export async function enableMerchantEndpoint(
  db: Kysely<DB>,
  urlHash: string,
  now: Date,
  since: Date,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('merchant_endpoints').where('url_hash', '=', urlHash).execute();
    const waiting = await trx
      .selectFrom('notifications')
      .select('id')
      .where('delivered_at', 'is', null)
      .where('created_at', '>=', since)
      .execute();
    if (waiting.length === 0) return 0;
    await trx
      .insertInto('jobs')
      .values(waiting.map((n) => ({ kind: 'notify', ref: n.id, run_at: now, created_at: now })))
      .onConflict((oc) => oc.columns(['kind', 'ref']).doUpdateSet({ run_at: now }))
      .execute();
    return waiting.length;
  });
}
