/**
 * Payments, one file per job: `validate.ts` (what a request must satisfy beyond its shape),
 * `creation.ts` (creation and idempotency, new intents, new attempts), `events.ts` (every change of
 * state, in a transaction, with its cause, timeline entry and notification), `serialize.ts` (the
 * API's view). {@link PaymentsService} is the one object the routes, the inbox and the jobs use;
 * the decisions themselves are the state module's pure functions.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../fintoc/index.js';
import type { Checkpoint } from '../checkpoint.js';
import type { ServiceConfig } from '../config.js';
import * as repo from '../db/repositories/index.js';
import type { DB, PaymentRow, TimelineRow } from '../db/schema.js';
import { ServiceError } from '../errors.js';
import type { FintocPort } from '../fintoc-port.js';
import type { CreatePaymentBody } from '../routes/api/schemas.js';
import { isStorableText } from '../text.js';
import { PaymentCreation } from './creation.js';
import { PaymentEvents, type Logger } from './events.js';

export { syncDelayMs } from './creation.js';
export { expireKey, remoteIdOf, remoteOfIntent, remoteOfSession, Remotes, type Remote } from './remote.js';
export type { BatchItem, Cause, Logger } from './events.js';
export { checkoutUrl, paymentToApi, timelineToApi } from './serialize.js';
export { requestHash, validatePayment, type ValidPayment } from './validate.js';

export class PaymentsService {
  private readonly events: PaymentEvents;
  private readonly creation: PaymentCreation;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: ServiceConfig,
    fintoc: FintocPort,
    clock: Clock,
    log: Logger,
    /** Tells the job runner that work is due now (it also polls). */
    nudge: () => void = () => {},
    /** Tests interleave work between a decision and its write ({@link Checkpoint}); none in production. */
    checkpoint: Checkpoint = async () => {},
  ) {
    this.events = new PaymentEvents(db, config, clock, log, nudge);
    this.creation = new PaymentCreation(db, config, fintoc, clock, log, this.events, nudge, checkpoint);
  }

  /** Where customers reach this service (the base of `checkout_url`). */
  get publicUrl(): string {
    return this.config.publicUrl;
  }

  // Creation and idempotency (./creation.ts).
  create(body: CreatePaymentBody, opts: { idempotencyKey?: string | null } = {}) {
    return this.creation.create(body, opts);
  }
  resolveIntent(payment: PaymentRow) {
    return this.creation.resolveIntent(payment);
  }
  newIntent(id: string) {
    return this.creation.newIntent(id);
  }
  newAttempt(id: string) {
    return this.creation.newAttempt(id);
  }

  // Changes of state (./events.ts).
  applyEvent(...args: Parameters<PaymentEvents['applyEvent']>) {
    return this.events.applyEvent(...args);
  }
  applyEvents(...args: Parameters<PaymentEvents['applyEvents']>) {
    return this.events.applyEvents(...args);
  }
  markClosing(ids: readonly string[]) {
    return this.events.markClosing(ids);
  }
  note(...args: Parameters<PaymentEvents['note']>) {
    return this.events.note(...args);
  }
  recordRefund(id: string, refundId: string, status: string) {
    return this.events.recordRefund(id, refundId, status);
  }

  /**
   * Records what the checkout page's widget reported. The browser never decides a payment: a
   * reported success only makes the service ask Fintoc now.
   */
  async recordBrowserEvent(
    id: string,
    event: { type: string; name?: string | null; data?: Record<string, unknown> | null },
  ): Promise<PaymentRow> {
    const payment = await this.mustGet(id);
    await this.events.recordBrowserEvent(payment, event);
    return payment;
  }

  // Reads.
  async get(id: string): Promise<PaymentRow | undefined> {
    // An id the database cannot even compare (a NUL from a URL) names no payment.
    return isStorableText(id) ? repo.findPayment(this.db, id) : undefined;
  }

  async mustGet(id: string): Promise<PaymentRow> {
    const p = await this.get(id);
    if (!p) throw new ServiceError('payment_not_found', `No payment ${id.slice(0, 100)}.`, 'id');
    return p;
  }

  /** The payment a Fintoc payment intent or Checkout Session belongs to (its current attempt's or an earlier one's). */
  async getByIntent(intentId: string): Promise<PaymentRow | undefined> {
    return repo.findPaymentByIntent(this.db, intentId);
  }

  /** Every payment of an order, newest first. */
  async listByOrder(orderId: string): Promise<PaymentRow[]> {
    return isStorableText(orderId) ? repo.listPaymentsByOrder(this.db, orderId) : [];
  }

  /**
   * A page of payments, newest first, narrowed by `filter` (the API's list and the dashboard). A
   * cursor that names no payment is `400 invalid_parameter` naming it.
   */
  async page(
    filter: repo.PaymentListFilter,
    page: repo.PageRequest,
  ): Promise<{ rows: PaymentRow[]; hasMore: boolean }> {
    // An order id the database cannot even hold (a NUL) names no payment: an empty page.
    if (filter.orderId !== undefined && !isStorableText(filter.orderId)) return { rows: [], hasMore: false };
    const result = await repo.listPaymentsPage(this.db, filter, {
      ...page,
      limit: Math.min(page.limit, 500),
    });
    if (!result.ok) {
      const id = result.unknownCursor === 'starting_after' ? page.startingAfter : page.endingBefore;
      throw new ServiceError(
        'invalid_parameter',
        `${result.unknownCursor} names no payment (${String(id).slice(0, 100)}).`,
        result.unknownCursor,
      );
    }
    return { rows: result.rows, hasMore: result.hasMore };
  }

  async timeline(id: string): Promise<TimelineRow[]> {
    return repo.timeline(this.db, id);
  }

  async countByStatus(): Promise<Record<string, number>> {
    return repo.countPaymentsByStatus(this.db);
  }

  async notifications(id: string) {
    return repo.listNotifications(this.db, id);
  }
}
