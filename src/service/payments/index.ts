/**
 * Payments, one file per job: `validate.ts` (what a request must satisfy beyond its shape),
 * `creation.ts` (creation and idempotency, new intents, new attempts), `events.ts` (every change of
 * state, in a transaction, with its cause, timeline entry and notification), `serialize.ts` (the
 * API's view). {@link PaymentsService} is the one object the routes, the inbox and the jobs use;
 * the decisions themselves are the state module's pure functions.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../../fintoc/index.js';
import type { ServiceConfig } from '../config.js';
import * as repo from '../db/repositories/index.js';
import type { DB, PaymentRow, TimelineRow } from '../db/schema.js';
import { ServiceError } from '../errors.js';
import type { FintocPort } from '../fintoc-port.js';
import type { CreatePaymentBody } from '../routes/api/schemas.js';
import type { PaymentStatus } from '../state.js';
import { isStorableText } from '../text.js';
import { PaymentCreation } from './creation.js';
import { PaymentEvents, type Logger } from './events.js';

export { expireKey, syncDelayMs } from './creation.js';
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
  ) {
    this.events = new PaymentEvents(db, config, clock, log, nudge);
    this.creation = new PaymentCreation(db, config, fintoc, clock, log, this.events, nudge);
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

  async getByIntent(intentId: string): Promise<PaymentRow | undefined> {
    return repo.findPaymentByIntent(this.db, intentId);
  }

  /** Every payment of an order, newest first. */
  async listByOrder(orderId: string): Promise<PaymentRow[]> {
    return isStorableText(orderId) ? repo.listPaymentsByOrder(this.db, orderId) : [];
  }

  /** Newest first; for the dashboard. */
  async list(opts: { limit?: number; status?: PaymentStatus; before?: Date } = {}): Promise<PaymentRow[]> {
    return repo.listPayments(this.db, {
      limit: Math.min(opts.limit ?? 50, 500),
      ...(opts.status ? { status: opts.status } : {}),
      ...(opts.before ? { before: opts.before } : {}),
    });
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
