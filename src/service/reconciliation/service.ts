/**
 * The service's reconciliation: what it has received (report files, the Payouts API's payouts and
 * their resources) matched with its own payments by `pasarela/reconcile`, on demand; the daily read
 * of the Payouts API; and the `reconciliation.mismatch` notification of differences not told before.
 */
import type { Kysely } from 'kysely';
import type { Clock, Payout, PaymentIntent, Refund } from '../../fintoc/index.js';
import {
  linesFromPayout,
  readPayouts,
  reconcile,
  type Difference,
  type LocalPayment,
  type PayoutInfo,
  type Reconciliation,
  type SettlementLine,
} from '../../reconcile/index.js';
import type { ServiceConfig } from '../config.js';
import * as repo from '../db/repositories/index.js';
import type { DB } from '../db/schema.js';
import type { FintocPort } from '../fintoc-port.js';
import { serviceId } from '../ids.js';
import type { Logger } from '../payments/index.js';
import { ReportIntake } from './intake.js';

/** The first read of the Payouts API goes this far back; later ones from the newest payout known, less a week. */
const FIRST_SYNC_BACK_MS = 35 * 86_400_000;
const RESYNC_OVERLAP_MS = 7 * 86_400_000;

/** A reconciliation with what it was made from. */
export interface ReconciliationDetail {
  result: Reconciliation;
  /** Every line read, from files and from the Payouts API. */
  lines: SettlementLine[];
  /** The local payment of each payment intent. */
  paymentByIntent: Map<string, string>;
  /** Where the period reconciled starts. */
  since: Date;
  /** Payouts read from the Payouts API (their creation time). */
  apiPayouts: Map<string, { created_at: Date; succeeded_at: Date | null }>;
}

export interface ReconcileOptions {
  /** Payments that succeeded before this are not checked for a payout. Default: the earliest line or payout received. */
  since?: Date | null;
}

/** A difference's key: the same difference found by two runs is notified once. */
export function differenceKey(d: Difference): string {
  return [d.kind, d.object_id ?? '', d.payout_id ?? '', d.payment_id ?? ''].join('|');
}

export class ReconciliationService {
  readonly intake: ReportIntake;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: ServiceConfig,
    private readonly fintoc: FintocPort,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly nudge: () => void,
  ) {
    this.intake = new ReportIntake(db, clock, () => this.queueReconcile());
  }

  /** Queues a reconciliation run (the mismatch notification) to run now. */
  async queueReconcile(): Promise<void> {
    const now = new Date(this.clock.now());
    await repo.scheduleJobSoon(this.db, { kind: 'reconcile', ref: 'latest', runAt: now, now });
    this.nudge();
  }

  /** Queues the daily read of the Payouts API (once; it then schedules itself). */
  async scheduleDailyPayouts(): Promise<void> {
    if (this.config.payoutsSyncMs === null) return;
    const now = new Date(this.clock.now());
    await repo.scheduleJob(this.db, { kind: 'payouts', ref: 'daily', runAt: now, now });
  }

  /** The shop's payments with a Fintoc intent, as the engine reads them. */
  private async localPayments(): Promise<LocalPayment[]> {
    const rows = await this.db
      .selectFrom('payments')
      .select([
        'id',
        'order_id',
        'payment_intent_id',
        'amount',
        'currency',
        'status',
        'paid_after_cancel',
        'refund_id',
        'finalized_at',
        'updated_at',
      ])
      .where('payment_intent_id', 'is not', null)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      order_id: r.order_id,
      payment_intent_id: r.payment_intent_id,
      amount: Number(r.amount),
      currency: r.currency,
      status: r.status,
      paid_after_cancel: r.paid_after_cancel,
      refund_id: r.refund_id,
      succeeded_at: r.status === 'succeeded' ? (r.finalized_at ?? r.updated_at).toISOString() : null,
      updated_at: r.updated_at.toISOString(),
    }));
  }

  /** Everything received, as the engine's lines and payouts. */
  async received(): Promise<{
    lines: SettlementLine[];
    payouts: PayoutInfo[];
    earliest: number | null;
    apiPayouts: Map<string, { created_at: Date; succeeded_at: Date | null }>;
  }> {
    const [fileLines, payoutRows, resources] = await Promise.all([
      repo.listReportLines(this.db),
      repo.listPayouts(this.db),
      repo.listPayoutResources(this.db),
    ]);
    const lines: SettlementLine[] = fileLines.map((l) => ({
      id: l.txn_id,
      type: l.type as SettlementLine['type'],
      payment_intent_id: l.payment_intent_id,
      amount: Number(l.amount),
      fee: Number(l.fee),
      currency: l.currency,
      created_at: l.created_at,
      transaction_at: l.transaction_at,
      payout_id: l.payout_id ?? (l.kind === 'payout' ? `file:${l.filename ?? l.sha256.slice(0, 12)}` : null),
      file: l.filename,
      sha256: l.sha256,
      line: l.line,
    }));
    const byPayout = new Map<string, typeof resources>();
    for (const r of resources) byPayout.set(r.payout_id, [...(byPayout.get(r.payout_id) ?? []), r]);
    const payouts: PayoutInfo[] = [];
    for (const p of payoutRows) {
      const info: PayoutInfo = {
        id: p.id,
        amount: Number(p.amount),
        currency: p.currency,
        status: p.status,
        created_at: p.created_at.toISOString(),
      };
      payouts.push(info);
      const mine = byPayout.get(p.id) ?? [];
      const of = (type: string) =>
        mine
          .filter((r) => r.resource_type === type)
          .map((r) => ({
            id: r.id,
            amount: Number(r.amount),
            ...(r.currency ? { currency: r.currency } : {}),
            ...(r.created_at ? { created_at: r.created_at } : {}),
            ...(r.resource_id ? { resource_id: r.resource_id } : {}),
          }));
      lines.push(
        ...linesFromPayout(info, {
          payment_intent: of('payment_intent'),
          refund: of('refund'),
          refund_adjustment: of('refund_adjustment'),
        }),
      );
    }
    let earliest: number | null = null;
    for (const l of lines) {
      const t = Date.parse(l.transaction_at ?? l.created_at ?? '');
      if (Number.isFinite(t) && (earliest === null || t < earliest)) earliest = t;
    }
    for (const p of payoutRows) {
      const t = p.created_at.getTime();
      if (earliest === null || t < earliest) earliest = t;
    }
    const apiPayouts = new Map(
      payoutRows.map((p) => [p.id, { created_at: p.created_at, succeeded_at: p.succeeded_at }]),
    );
    return { lines, payouts, earliest, apiPayouts };
  }

  /** Reconciles every received line and payout with the shop's payments, as of now. */
  async run(opts: ReconcileOptions = {}): Promise<Reconciliation> {
    return (await this.detail(opts)).result;
  }

  /** {@link run}, with the lines it read, the payment each intent is, and the period's start. */
  async detail(opts: ReconcileOptions = {}): Promise<ReconciliationDetail> {
    const [payments, received] = await Promise.all([this.localPayments(), this.received()]);
    const since =
      opts.since !== undefined && opts.since !== null
        ? opts.since
        : received.earliest !== null
          ? new Date(received.earliest)
          : // Nothing received yet: no payment can be "missing from a payout" nobody reported.
            new Date(this.clock.now());
    const result = reconcile({
      payments,
      lines: received.lines,
      payouts: received.payouts,
      asOf: this.clock.now(),
      since,
    });
    const paymentByIntent = new Map<string, string>();
    for (const p of payments) if (p.payment_intent_id) paymentByIntent.set(p.payment_intent_id, p.id);
    return { result, lines: received.lines, paymentByIntent, since, apiPayouts: received.apiPayouts };
  }

  /**
   * Notifies the shop (`reconciliation.mismatch`) of differences it was not told of yet: one
   * notification per run, listing them. Answers how many differences were new.
   */
  async notifyMismatches(): Promise<number> {
    if (!this.config.merchantWebhook) return 0;
    const result = await this.run();
    if (result.differences.length === 0) return 0;
    const now = new Date(this.clock.now());
    return this.db.transaction().execute(async (trx) => {
      const msgId = serviceId('msg');
      const fresh: Difference[] = [];
      for (const d of result.differences) {
        if (
          await repo.recordNotice(trx, {
            key: differenceKey(d),
            kind: d.kind,
            notification_id: msgId,
            created_at: now,
          })
        )
          fresh.push(d);
      }
      if (fresh.length === 0) return 0;
      const counts: Record<string, number> = {};
      for (const d of fresh) counts[d.kind] = (counts[d.kind] ?? 0) + 1;
      const payload = JSON.stringify({
        type: 'reconciliation.mismatch',
        timestamp: now.toISOString(),
        data: {
          object: 'reconciliation',
          as_of: result.as_of,
          new_differences: fresh.length,
          counts,
          differences: fresh.slice(0, 100),
          url: `${this.config.publicUrl}/dashboard/reconciliation`,
        },
      });
      await repo.queueNotification(
        trx,
        { id: msgId, payment_id: null, type: 'reconciliation.mismatch', payload },
        now,
      );
      this.log.warn({ differences: fresh.length, counts }, 'reconciliation found new differences');
      return fresh.length;
    });
  }

  /**
   * Reads Fintoc's Payouts API: payouts created since the newest one known (less a week, so late
   * changes of state are seen; 35 days back the first time), and what each new or changed one
   * settles; stores them. Within Fintoc's request rate (`readPayouts`).
   */
  async syncPayouts(): Promise<{ payouts: number; changed: number; requests: number }> {
    const api = this.fintoc.payouts;
    if (!api) throw new Error('the Fintoc client has no payouts API');
    const now = this.clock.now();
    const latest = await repo.latestPayoutCreatedAt(this.db);
    const since = new Date(latest ? latest.getTime() - RESYNC_OVERLAP_MS : now - FIRST_SYNC_BACK_MS);
    let changed = 0;
    let listed = 0;
    let requests = 0;
    const changedSinceStored = async (payout: Payout) => {
      const stored = await repo.findPayout(this.db, payout.id);
      return !stored || stored.status !== payout.status || Number(stored.amount) !== payout.amount;
    };
    for await (const { payout, resources } of readPayouts(api, {
      since: since.toISOString().slice(0, 10),
      want: changedSinceStored,
      onProgress: (p) => (requests = p.requests),
    })) {
      listed++;
      if (!resources) continue;
      const row = (type: string, r: PaymentIntent | Refund) => ({
        payout_id: payout.id,
        resource_type: type,
        id: r.id,
        amount: r.amount,
        currency: r.currency ?? null,
        created_at: typeof r.created_at === 'string' ? r.created_at : null,
        resource_id: 'resource_id' in r && typeof r.resource_id === 'string' ? r.resource_id : null,
      });
      await this.db.transaction().execute((trx) =>
        repo.upsertPayout(
          trx,
          {
            id: payout.id,
            amount: payout.amount,
            currency: payout.currency,
            status: payout.status,
            created_at: new Date(payout.created_at),
            succeeded_at: payout.succeeded_at ? new Date(payout.succeeded_at) : null,
            body: JSON.stringify(payout),
            fetched_at: new Date(this.clock.now()),
          },
          [
            ...resources.payment_intent.map((r) => row('payment_intent', r)),
            ...resources.refund.map((r) => row('refund', r)),
            ...resources.refund_adjustment.map((r) => row('refund_adjustment', r)),
          ],
        ),
      );
      changed++;
    }
    if (changed > 0) await this.queueReconcile();
    return { payouts: listed, changed, requests };
  }
}
