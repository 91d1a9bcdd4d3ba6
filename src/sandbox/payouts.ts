/**
 * Payouts, as Fintoc Collects makes them: every movement of money (a payment succeeded, a refund
 * taken, a failed refund given back) becomes a ledger entry of its organisation; on the payout
 * schedule (src/fintoc's calendar: Chile's 14:00 banking cut-off or the business-day cut-off,
 * business days, bank holidays) the entries of the closed window are paid out as one `po_…`, net of
 * a fee per transaction, `in_progress` then `succeeded`, with `payout.*` events. The control API can
 * cancel or return a payout (its entries go back into the next one) and make an organisation one of
 * Direct payments (no payouts). Report files are made and delivered by ./reports.ts.
 *
 * All of it is driven by the test clock: tasks are armed only when there is something to pay out.
 */
import {
  BusinessCalendar,
  localDate,
  payoutWindowAt,
  dailyReportWindowAt,
  transactionFee,
  type DailyReportSchedule,
  type FeeRate,
  type PayoutSchedule,
} from '../fintoc/index.js';
import type { SandboxCore } from './core.js';
import { invalid, notFound } from './errors.js';
import { isoSeconds } from './iso.js';
import type { BankAccount, IntentRecord, RefundRecord, Space } from './records.js';
import { ReportDesk, type ReportChannel, type ReportRecord } from './reports.js';

export type Currency = 'CLP' | 'MXN';
type Country = 'cl' | 'mx';

export const countryOf = (currency: string): Country => (currency === 'MXN' ? 'mx' : 'cl');

export const PAYMENT_SCENARIOS = ['fintoc_collects', 'direct_payments'] as const;
export type PaymentScenario = (typeof PAYMENT_SCENARIOS)[number];

/** What an organisation chose about its money (control API `/_sandbox/payout_settings`). */
export interface MoneySettings {
  payment_scenario: PaymentScenario;
  /** Chile's schedule; Mexico always pays out by business day. */
  payout_schedule: PayoutSchedule;
  /** From `in_progress` to `succeeded`. */
  transfer_ms: number;
  fees: Record<Country, FeeRate>;
  daily_report: DailyReportSchedule | 'off';
  extra_holidays: Record<Country, string[]>;
  recipient_account: Record<Country, BankAccount>;
  /** Shown by whoami and in report file names; default "Sandbox organization <key>". */
  organization_name: string | null;
}

export function defaultSettings(): MoneySettings {
  return {
    payment_scenario: 'fintoc_collects',
    payout_schedule: 'banking_day',
    transfer_ms: 3_600_000,
    fees: {
      cl: { rate_bps: 60, fixed: 0, vat_bps: 1900 },
      mx: { rate_bps: 100, fixed: 300, vat_bps: 1600 },
    },
    daily_report: 'chronological',
    extra_holidays: { cl: [], mx: [] },
    recipient_account: {
      cl: {
        holder_id: '761349341',
        institution_id: 'cl_banco_security',
        number: '9213610',
        type: 'checking_account',
      },
      mx: {
        holder_id: 'PSA2601019A1',
        institution_id: 'mx_bbva',
        number: '012180001234567897',
        type: 'checking_account',
      },
    },
    organization_name: null,
  };
}

export const LEDGER_TYPES = ['payment_intent', 'refund', 'refund_adjustment'] as const;
export type LedgerType = (typeof LEDGER_TYPES)[number];

/** One movement of money at Fintoc. */
export interface LedgerEntry {
  /** `<type>:<object id>`: a payment, a refund and its adjustment each move money once. */
  key: string;
  type: LedgerType;
  object_id: string;
  payment_intent_id: string;
  currency: Currency;
  /** Signed: payments positive, refunds negative, adjustments positive. */
  amount: number;
  fee: number;
  /** When the money moved (sandbox ms). */
  at: number;
  /** Whether Fintoc collected it (else Direct payments: never paid out). */
  collect: boolean;
  /** The payout settling it now (null before, and again after that payout was canceled or returned). */
  payout_id: string | null;
}

export const PAYOUT_STATUSES = ['in_progress', 'succeeded', 'canceled', 'returned'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/** A payout as the API shows it (Fintoc's documented fields). */
export interface PayoutObject {
  id: string;
  object: 'payout';
  amount: number;
  created_at: string;
  currency: Currency;
  mode: Space['mode'];
  recipient_account: BankAccount;
  status: PayoutStatus;
  succeeded_at: string | null;
  updated_at: string;
}

export interface PayoutRecord {
  object: PayoutObject;
  createdMs: number;
  /** Ledger keys it settles, in order. */
  entries: string[];
  /** The business day whose window it pays. */
  window_date: string;
  gross: number;
  fees: number;
}

/** Timed work of this module (a `money` timer of ./timers.ts). */
export type MoneyTask =
  | { task: 'payout_cycle'; end: number; date: string }
  | { task: 'payout_succeed' }
  | { task: 'daily_report'; start: number; end: number; date: string }
  | { task: 'report_delivery'; channel: string; attempt: number };

/** The money side of one organisation and mode (kept in `Space.money`, saved in the state file). */
export class MoneyState {
  settings: MoneySettings = defaultSettings();
  readonly entries: LedgerEntry[] = [];
  readonly entryIndex = new Map<string, LedgerEntry>();
  readonly payouts: PayoutRecord[] = [];
  readonly payoutIndex = new Map<string, PayoutRecord>();
  readonly reports: ReportRecord[] = [];
  readonly reportIndex = new Map<string, ReportRecord>();
  readonly channels: ReportChannel[] = [];
  /** Armed payout cycle per currency: its due time (memory only; rebuilt from the timers on restart). */
  readonly cycles = new Map<Currency, number>();
  /** Armed daily reports, `<currency>:<date>` (memory only, as above). */
  readonly dailies = new Set<string>();

  toJSON(): unknown {
    return {
      settings: this.settings,
      entries: this.entries,
      payouts: this.payouts,
      reports: this.reports,
      channels: this.channels,
    };
  }

  /** Restores what `toJSON` wrote; throws on a document that is not one. */
  restore(doc: unknown): void {
    if (doc === undefined || doc === null) return;
    const d = doc as Partial<Record<'settings' | 'entries' | 'payouts' | 'reports' | 'channels', unknown>>;
    const list = (v: unknown, what: string) => {
      if (!Array.isArray(v)) throw new Error(`money.${what} is not an array`);
      return v as unknown[];
    };
    if (typeof d.settings !== 'object' || d.settings === null)
      throw new Error('money.settings is not an object');
    this.settings = { ...defaultSettings(), ...(d.settings as MoneySettings) };
    for (const e of list(d.entries, 'entries') as LedgerEntry[]) {
      if (typeof e?.key !== 'string') throw new Error('money.entries has an entry without a key');
      this.entries.push(e);
      this.entryIndex.set(e.key, e);
    }
    for (const p of list(d.payouts, 'payouts') as PayoutRecord[]) {
      if (typeof p?.object?.id !== 'string') throw new Error('money.payouts has a payout without an id');
      this.payouts.push(p);
      this.payoutIndex.set(p.object.id, p);
    }
    for (const r of list(d.reports, 'reports') as ReportRecord[]) {
      if (typeof r?.id !== 'string' || typeof r.content !== 'string')
        throw new Error('money.reports has a report without an id or content');
      this.reports.push(r);
      this.reportIndex.set(r.id, r);
    }
    for (const c of list(d.channels, 'channels') as ReportChannel[]) {
      if (typeof c?.id !== 'string') throw new Error('money.channels has a channel without an id');
      this.channels.push(c);
    }
  }
}

/** The payouts engine of a sandbox: one per core, acting on each space's `MoneyState`. */
export class Money {
  readonly reports: ReportDesk;
  readonly #cancels = new Map<string, () => void>();

  constructor(private readonly core: SandboxCore) {
    this.reports = new ReportDesk(core, this);
  }

  calendar(space: Space, country: Country): BusinessCalendar {
    return new BusinessCalendar(country, { extraHolidays: space.money.settings.extra_holidays[country] });
  }

  scheduleOf(space: Space, country: Country): PayoutSchedule {
    return country === 'mx' ? 'business_day' : space.money.settings.payout_schedule;
  }

  // ---------------------------------------------------------------- the ledger

  /** An intent succeeded: Fintoc holds its amount, less the fee. */
  intentSucceeded(space: Space, record: IntentRecord): void {
    const pi = record.object;
    const currency = pi.currency as Currency;
    this.#record(space, {
      type: 'payment_intent',
      object_id: pi.id,
      payment_intent_id: pi.id,
      currency,
      amount: pi.amount,
      fee: transactionFee(pi.amount, space.money.settings.fees[countryOf(currency)]),
    });
  }

  /** A refund changed: taken from the balance when it starts (`in_progress`). */
  refundChanged(space: Space, refund: RefundRecord): void {
    const r = refund.object;
    if (r.status !== 'in_progress' && r.status !== 'succeeded') return;
    this.#record(space, {
      type: 'refund',
      object_id: r.id,
      payment_intent_id: r.resource_id,
      currency: r.currency as Currency,
      amount: -r.amount,
      fee: 0,
    });
  }

  /**
   * The bank could not pay a refund back (control API): `refund.failed`, and the money it had taken
   * comes back as a refund adjustment in the next payout.
   */
  failRefund(space: Space, refund: RefundRecord, failureCode: string): void {
    const r = refund.object;
    if (r.status === 'failed' || r.status === 'canceled') {
      throw invalid('invalid_refund_status', `Refund ${r.id} is ${r.status}; it cannot fail now.`, 'id');
    }
    r.status = 'failed';
    r.failure_code = failureCode;
    r.updated_at = isoSeconds(this.core.now());
    this.core.emit(space, 'refund.failed', r);
    if (space.money.entryIndex.has(`refund:${r.id}`)) {
      this.#record(space, {
        type: 'refund_adjustment',
        object_id: r.id,
        payment_intent_id: r.resource_id,
        currency: r.currency as Currency,
        amount: r.amount,
        fee: 0,
      });
    }
  }

  #record(space: Space, e: Omit<LedgerEntry, 'key' | 'at' | 'collect' | 'payout_id'>): void {
    const m = space.money;
    const key = `${e.type}:${e.object_id}`;
    if (m.entryIndex.has(key)) return;
    const entry: LedgerEntry = {
      key,
      ...e,
      at: this.core.now(),
      collect: m.settings.payment_scenario === 'fintoc_collects',
      payout_id: null,
    };
    m.entries.push(entry);
    m.entryIndex.set(key, entry);
    if (entry.collect) this.#armCycle(space, entry.currency, entry.at);
    this.#armDaily(space, entry.currency, entry.at);
    this.core.changed();
  }

  // ---------------------------------------------------------------- payout cycles

  #armCycle(space: Space, currency: Currency, forAt: number): void {
    const country = countryOf(currency);
    const w = payoutWindowAt(this.calendar(space, country), this.scheduleOf(space, country), forAt);
    const armed = space.money.cycles.get(currency);
    if (armed !== undefined && armed <= w.dueAt) return;
    this.#cancel(`cycle:${space.key}:${currency}`);
    this.#cycleAt(space, currency, w.dueAt, { task: 'payout_cycle', end: w.end, date: w.date });
  }

  #cycleAt(
    space: Space,
    currency: Currency,
    at: number,
    task: Extract<MoneyTask, { task: 'payout_cycle' }>,
  ): void {
    space.money.cycles.set(currency, at);
    const key = `cycle:${space.key}:${currency}`;
    const cancel = this.core.timers.add(
      at,
      `payout cycle ${space.suffix.slice(0, 8)} ${currency} ${task.date}`,
      { kind: 'money', space: space.key, id: currency, task },
      () => {
        this.#cancels.delete(key);
        space.money.cycles.delete(currency);
        this.#runCycle(space, currency, task.end, task.date);
      },
    );
    this.#cancels.set(key, () => {
      space.money.cycles.delete(currency);
      cancel();
    });
  }

  #runCycle(space: Space, currency: Currency, end: number, date: string): void {
    const m = space.money;
    const unpaid = m.entries.filter((e) => e.collect && e.currency === currency && e.payout_id === null);
    const due = unpaid.filter((e) => e.at < end);
    const net = due.reduce((sum, e) => sum + e.amount - e.fee, 0);
    // A window whose refunds outweigh its payments pays nothing: the balance waits for the next one.
    if (due.length > 0 && net > 0) this.#createPayout(space, currency, due, date);
    const later = unpaid.filter((e) => e.at >= end);
    if (later.length > 0) this.#armCycle(space, currency, Math.min(...later.map((e) => e.at)));
  }

  #createPayout(space: Space, currency: Currency, entries: LedgerEntry[], date: string): PayoutRecord {
    const now = this.core.now();
    const country = countryOf(currency);
    const gross = entries.reduce((sum, e) => sum + e.amount, 0);
    const fees = entries.reduce((sum, e) => sum + e.fee, 0);
    const record: PayoutRecord = {
      createdMs: now,
      entries: entries.map((e) => e.key),
      window_date: date,
      gross,
      fees,
      object: {
        id: this.core.id('po'),
        object: 'payout',
        amount: gross - fees,
        created_at: isoSeconds(now),
        currency,
        mode: space.mode,
        recipient_account: { ...space.money.settings.recipient_account[country] },
        status: 'in_progress',
        succeeded_at: null,
        updated_at: isoSeconds(now),
      },
    };
    for (const e of entries) e.payout_id = record.object.id;
    space.money.payouts.push(record);
    space.money.payoutIndex.set(record.object.id, record);
    this.core.emit(space, 'payout.created', record.object);
    this.#succeedAt(space, record, now + space.money.settings.transfer_ms);
    return record;
  }

  #succeedAt(space: Space, record: PayoutRecord, at: number): void {
    const id = record.object.id;
    const key = `payout:${space.key}:${id}`;
    const cancel = this.core.timers.add(
      at,
      `payout ${id} succeeded`,
      { kind: 'money', space: space.key, id, task: { task: 'payout_succeed' } },
      () => {
        this.#cancels.delete(key);
        if (record.object.status === 'in_progress') this.#succeed(space, record);
      },
    );
    this.#cancels.set(key, cancel);
  }

  #succeed(space: Space, record: PayoutRecord): void {
    const now = isoSeconds(this.core.now());
    record.object.status = 'succeeded';
    record.object.succeeded_at = now;
    record.object.updated_at = now;
    this.core.emit(space, 'payout.succeeded', record.object);
    this.reports.payoutReport(space, record);
  }

  /** Control API: finish, cancel or return a payout. */
  simulatePayout(space: Space, id: string, action: 'succeed' | 'cancel' | 'return'): PayoutRecord {
    const record = this.payout(space, id);
    const status = record.object.status;
    const refuse = (needs: string) =>
      invalid('invalid_payout_status', `Payout ${id} is ${status}; "${action}" needs it ${needs}.`, 'action');
    switch (action) {
      case 'succeed':
        if (status !== 'in_progress') throw refuse('in_progress');
        this.#cancel(`payout:${space.key}:${id}`);
        this.#succeed(space, record);
        return record;
      case 'cancel':
        if (status !== 'in_progress') throw refuse('in_progress');
        this.#cancel(`payout:${space.key}:${id}`);
        return this.#unwind(space, record, 'canceled');
      case 'return':
        if (status !== 'succeeded') throw refuse('succeeded');
        return this.#unwind(space, record, 'returned');
    }
  }

  /** A payout that did not reach the bank account: its entries go into the next payout. */
  #unwind(space: Space, record: PayoutRecord, to: 'canceled' | 'returned'): PayoutRecord {
    const now = this.core.now();
    record.object.status = to;
    record.object.updated_at = isoSeconds(now);
    for (const key of record.entries) {
      const e = space.money.entryIndex.get(key);
      if (e && e.payout_id === record.object.id) e.payout_id = null;
    }
    this.core.emit(space, `payout.${to}`, record.object);
    this.#armCycle(space, record.object.currency, now);
    return record;
  }

  payout(space: Space, id: string): PayoutRecord {
    const record = space.money.payoutIndex.get(id);
    if (!record) throw notFound('payout', id);
    return record;
  }

  // ---------------------------------------------------------------- daily reports

  #armDaily(space: Space, currency: Currency, forAt: number): void {
    const schedule = space.money.settings.daily_report;
    if (schedule === 'off') return;
    const country = countryOf(currency);
    // Mexico has no banking day: its daily report is always by calendar day.
    const w = dailyReportWindowAt(
      this.calendar(space, country),
      country === 'mx' ? 'chronological' : schedule,
      forAt,
    );
    this.#dailyAt(space, currency, w.dueAt, {
      task: 'daily_report',
      start: w.start,
      end: w.end,
      date: w.date,
    });
  }

  #dailyAt(
    space: Space,
    currency: Currency,
    at: number,
    task: Extract<MoneyTask, { task: 'daily_report' }>,
  ): void {
    const id = `${currency}:${task.date}`;
    if (space.money.dailies.has(id)) return;
    space.money.dailies.add(id);
    this.core.timers.add(at, `daily report ${id}`, { kind: 'money', space: space.key, id, task }, () => {
      space.money.dailies.delete(id);
      this.reports.dailyReport(space, currency, task.start, task.end, task.date);
    });
  }

  /** The local date of an instant in the currency's country. */
  dateOf(currency: Currency, ms: number): string {
    return localDate(countryOf(currency), ms);
  }

  // ---------------------------------------------------------------- restart

  /** Puts a `money` task back on the clock after a restart (core.resume). */
  resume(space: Space, id: string, task: MoneyTask, at: number): void {
    switch (task.task) {
      case 'payout_cycle':
        if (id !== 'CLP' && id !== 'MXN') throw new Error(`a payout cycle names an unknown currency ${id}`);
        return this.#cycleAt(space, id, at, task);
      case 'payout_succeed':
        return this.#succeedAt(space, this.payout(space, id), at);
      case 'daily_report': {
        const [currency] = id.split(':');
        if (currency !== 'CLP' && currency !== 'MXN')
          throw new Error(`a daily report names an unknown currency ${id}`);
        return this.#dailyAt(space, currency, at, task);
      }
      case 'report_delivery':
        return this.reports.resumeDelivery(space, id, task, at);
    }
  }

  #cancel(key: string): void {
    this.#cancels.get(key)?.();
    this.#cancels.delete(key);
  }
}
