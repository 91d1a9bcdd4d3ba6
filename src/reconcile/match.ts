/**
 * The matching engine: pure functions from plain data (report lines or the Payouts API's resources,
 * and the shop's payments as the service's API shows them) to matches, differences of stable kinds,
 * and gross, fees and net per payout and per day. No I/O, no clock: "now" is an input.
 */
import {
  BusinessCalendar,
  defaultPayoutSchedule,
  localDate,
  payoutWindowAt,
  transactionFee,
  type Country,
  type FeeRate,
  type PayoutSchedule,
  type ReportLineType,
} from '../fintoc/index.js';
import type { ParsedReport, ReportLine } from './parse.js';

/** A payment as the service's API shows it (only these fields are read). */
export interface LocalPayment {
  id: string;
  payment_intent_id: string | null;
  amount: number;
  currency: string;
  status: string;
  paid_after_cancel?: boolean;
  /** The refund the service made (a late payment's), if any. */
  refund_id?: string | null;
  /** Refunds the shop knows of, when it keeps them. */
  refunds?: ReadonlyArray<{ id: string; amount?: number | null }>;
  /** When it succeeded; `updated_at` stands in when absent. */
  succeeded_at?: string | null;
  updated_at?: string;
  order_id?: string;
}

/** A line that moves money, from a report file or from the Payouts API. */
export interface SettlementLine {
  id: string;
  type: ReportLineType;
  payment_intent_id: string | null;
  amount: number;
  /** `null` when unknown (the Payouts API does not give fees per line). */
  fee: number | null;
  currency: string | null;
  created_at: string | null;
  transaction_at: string | null;
  /** The payout settling it, or `null` (a daily report line not yet paid out). */
  payout_id: string | null;
  /** Where it was read: the file's name and hash, and the line (all `null` for the Payouts API). */
  file: string | null;
  sha256: string | null;
  line: number | null;
}

/** A payout as the Payouts API shows it (only these fields are read). */
export interface PayoutInfo {
  id: string;
  amount: number;
  currency: string;
  status: string;
  created_at?: string;
}

/** The kinds of difference, stable (docs/reconciliation.md says what each means and what to do). */
export const DIFFERENCE_KINDS = [
  'unknown_payment',
  'not_succeeded_locally',
  'missing_from_payout',
  'amount_mismatch',
  'fee_mismatch',
  'unknown_refund',
  'refund_adjustment',
  'paid_after_cancel',
  'duplicate_settlement',
  'payout_total_mismatch',
] as const;
export type DifferenceKind = (typeof DIFFERENCE_KINDS)[number];

export interface Difference {
  kind: DifferenceKind;
  /** The local payment, when there is one. */
  payment_id: string | null;
  payment_intent_id: string | null;
  /** The transaction (`pi_…`, `re_…`) or payout (`po_…`) it is about. */
  object_id: string | null;
  payout_id: string | null;
  currency: string | null;
  /** What this side expected, and what Fintoc's data says (amounts in minor units). */
  expected: number | null;
  actual: number | null;
  /** The line it was found on, when it came from a file. */
  source: { file: string | null; sha256: string | null; line: number | null } | null;
  message: string;
}

export interface Totals {
  lines: number;
  gross: number;
  fees: number;
  net: number;
}

export interface PayoutSummary extends Totals {
  /** The payout id, or `file:<name>` for a file without payout ids. */
  id: string;
  currency: string | null;
  /** From the Payouts API, when given. */
  status: string | null;
  amount: number | null;
  /** Local payments it settles. */
  payment_ids: string[];
  /** Lines without a fee (Payouts API): fees are the gross less the payout's amount. */
  fees_derived: boolean;
}

export interface DaySummary extends Totals {
  date: string;
  currency: string;
}

export interface Reconciliation {
  as_of: string;
  /** Lines read (after files seen twice were dropped), and those matched to a local payment. */
  lines: number;
  matched: number;
  payouts: PayoutSummary[];
  days: DaySummary[];
  differences: Difference[];
  /** Files given twice (same hash): only the first counts. */
  duplicate_files: Array<{ file: string | null; sha256: string; same_as: string | null }>;
}

export interface ReconcileInput {
  payments: Iterable<LocalPayment>;
  /** Report files, parsed. */
  reports?: readonly ParsedReport[];
  /** Lines from elsewhere (the Payouts API: see `linesFromPayout`). */
  lines?: Iterable<SettlementLine>;
  /** Payouts from the Payouts API: their status and amount (a canceled or returned payout settles nothing). */
  payouts?: readonly PayoutInfo[];
  /** Now. A succeeded payment is "missing" once its payout was due more than `graceMs` before this. */
  asOf: string | number | Date;
  /** Payments that succeeded before this are not checked for a payout (the period reconciled starts here). */
  since?: string | number | Date | null;
  /** Chile's payout schedule (`banking_day` by default); Mexico always pays by business day. */
  schedule?: PayoutSchedule;
  extraHolidays?: Partial<Record<Country, readonly string[]>>;
  /** Default one day. */
  graceMs?: number;
  /** The fee agreed per country: with it, each payment line's fee is checked. */
  fees?: Partial<Record<Country, FeeRate>>;
}

const countryOf = (currency: string | null): Country =>
  currency !== null && upper(currency) === 'MXN' ? 'mx' : 'cl';

const ms = (v: string | number | Date): number =>
  v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Date.parse(v);

/**
 * A report's lines as settlement lines: a payout report's lines belong to its payout (the
 * `payout_id` column, or the file itself when the column is absent).
 */
export function linesOfReport(report: ParsedReport): SettlementLine[] {
  const file = report.filename ?? report.sha256.slice(0, 12);
  const filePayout = report.kind === 'payout' ? `file:${file}` : null;
  return report.lines.map((l: ReportLine) => ({
    id: l.id,
    type: l.type,
    payment_intent_id: l.payment_intent_id,
    amount: l.amount,
    fee: l.fee,
    currency: l.currency,
    created_at: l.created_at,
    transaction_at: l.transaction_at,
    payout_id: l.payout_id ?? filePayout,
    file: report.filename,
    sha256: report.sha256,
    line: l.line,
  }));
}

/**
 * A payout's resources from the Payouts API as settlement lines (no fee per line: the payout's
 * amount is net of all of them).
 *
 * @example
 * linesFromPayout(payout, { payment_intent: pis, refund: refunds, refund_adjustment: adjustments });
 */
export function linesFromPayout(
  payout: PayoutInfo,
  resources: Partial<
    Record<
      ReportLineType,
      ReadonlyArray<{
        id: string;
        amount: number;
        currency?: string;
        created_at?: string;
        resource_id?: string;
      }>
    >
  >,
): SettlementLine[] {
  const out: SettlementLine[] = [];
  for (const type of ['payment_intent', 'refund', 'refund_adjustment'] as const) {
    for (const r of resources[type] ?? []) {
      out.push({
        id: r.id,
        type,
        payment_intent_id: type === 'payment_intent' ? r.id : (r.resource_id ?? null),
        amount: type === 'refund' ? -Math.abs(r.amount) : Math.abs(r.amount),
        fee: null,
        currency: r.currency ?? payout.currency,
        created_at: r.created_at ?? null,
        transaction_at: null,
        payout_id: payout.id,
        file: null,
        sha256: null,
        line: null,
      });
    }
  }
  return out;
}

/**
 * One payment intent's or refund's entry: the local payment (if any) and the lines about it (if
 * any). A payment intent's entry is made for the local payment first and the lines join it, so a
 * line costs no entry of its own; most have one line and one payout, kept without arrays.
 */
interface Txn {
  payment: LocalPayment | null;
  /** The first line, or `null` for a local payment no line is about. */
  first: SettlementLine | null;
  /** Lines after the first (the same transaction in other files or payouts). */
  more: SettlementLine[] | null;
  /** The first payout that settles it (canceled and returned ones left out), and any others. */
  payout: string | null;
  morePayouts: string[] | null;
}

const linesOf = (t: Txn): SettlementLine[] =>
  t.more === null ? [t.first as SettlementLine] : [t.first as SettlementLine, ...t.more];
const payoutCount = (t: Txn): number => (t.payout === null ? 0 : 1 + (t.morePayouts?.length ?? 0));
const payoutsOf = (t: Txn): string[] => (t.payout === null ? [] : [t.payout, ...(t.morePayouts ?? [])]);

/** The lines of one transaction that differ in amount, fee or currency (the first of each). */
function distinct(lines: SettlementLine[]): SettlementLine[] {
  const seen = new Map<string, SettlementLine>();
  for (const l of lines) {
    const k = `${l.amount}|${l.fee}|${l.currency}`;
    if (!seen.has(k)) seen.set(k, l);
  }
  return [...seen.values()];
}

/** Where a line was read, for a difference (`null` for the Payouts API). */
const src = (l: SettlementLine): Difference['source'] =>
  l.sha256 === null && l.line === null ? null : { file: l.file, sha256: l.sha256, line: l.line };

const SETTLES = (status: string | undefined) => status !== 'canceled' && status !== 'returned';

/** Upper case without a new string in the usual case (the parser already gives `CLP`, `MXN`). */
const upper = (c: string): string => (c === 'CLP' || c === 'MXN' ? c : c.toUpperCase());

/**
 * Reconciles Fintoc's lines with the shop's payments.
 *
 * @example
 * const result = reconcile({ payments, reports: [await parseReport(file, { filename })], asOf: new Date() });
 * for (const d of result.differences) console.log(d.kind, d.payment_id, d.message);
 */
export function reconcile(input: ReconcileInput): Reconciliation {
  const asOf = ms(input.asOf);
  const since = input.since === undefined || input.since === null ? -Infinity : ms(input.since);
  const grace = input.graceMs ?? 86_400_000;
  const differences: Difference[] = [];
  const payoutInfo = new Map((input.payouts ?? []).map((p) => [p.id, p]));

  // Entries: one per payment intent (local payments first) and one per refund and adjustment.
  const intents = new Map<string, Txn>();
  for (const p of input.payments) {
    if (p.payment_intent_id)
      intents.set(p.payment_intent_id, {
        payment: p,
        first: null,
        more: null,
        payout: null,
        morePayouts: null,
      });
  }
  const refunds = new Map<string, Txn>();
  const adjustments = new Map<string, Txn>();
  const seenLines: Txn[] = [];

  // Totals per payout and per day, each transaction counted once per payout and once per day.
  const payouts = new Map<string, PayoutSummary>();
  const days = new Map<string, DaySummary>();
  let lastPayout: PayoutSummary | null = null;
  const addToPayout = (id: string, line: SettlementLine, t: Txn) => {
    let s = lastPayout !== null && lastPayout.id === id ? lastPayout : payouts.get(id);
    if (!s) {
      const info = payoutInfo.get(id);
      s = {
        id,
        currency: info?.currency ?? line.currency,
        status: info?.status ?? null,
        amount: info?.amount ?? null,
        payment_ids: [],
        fees_derived: false,
        lines: 0,
        gross: 0,
        fees: 0,
        net: 0,
      };
      payouts.set(id, s);
    }
    lastPayout = s;
    s.lines++;
    s.gross += line.amount;
    if (line.fee === null) s.fees_derived = true;
    else s.fees += line.fee;
    if (t.payment !== null && line.type === 'payment_intent') s.payment_ids.push(t.payment.id);
  };
  let day: DaySummary | null = null;
  let dayPrefix = '';
  let daySuffix = '';
  let dayCurrency = '';
  const addToDay = (line: SettlementLine, t: Txn) => {
    const when = line.transaction_at ?? line.created_at;
    if (when === null) return;
    const currency = upper(line.currency ?? t.payment?.currency ?? 'CLP');
    // Lines come mostly in time order: the day of the previous line's UTC hour is reused.
    let d: DaySummary | null = day;
    if (d === null || currency !== dayCurrency || !when.startsWith(dayPrefix) || !when.endsWith(daySuffix)) {
      const date = localDate(countryOf(currency), Date.parse(when));
      const key = `${date}|${currency}`;
      d = days.get(key) ?? null;
      if (d === null) days.set(key, (d = { date, currency, lines: 0, gross: 0, fees: 0, net: 0 }));
      day = d;
      dayCurrency = currency;
      dayPrefix = when.slice(0, 13);
      daySuffix = when.endsWith('Z') ? 'Z' : when.slice(-6);
    }
    d.lines++;
    d.gross += line.amount;
    d.fees += line.fee ?? 0;
  };

  let count = 0;
  const add = (line: SettlementLine) => {
    count++;
    let t: Txn | undefined;
    if (line.type === 'payment_intent') {
      t = intents.get(line.id);
      if (!t)
        intents.set(
          line.id,
          (t = { payment: null, first: null, more: null, payout: null, morePayouts: null }),
        );
    } else {
      const map = line.type === 'refund' ? refunds : adjustments;
      t = map.get(line.id);
      if (!t) {
        const payment = line.payment_intent_id
          ? (intents.get(line.payment_intent_id)?.payment ?? null)
          : null;
        map.set(line.id, (t = { payment, first: null, more: null, payout: null, morePayouts: null }));
      }
    }
    const po = line.payout_id;
    if (t.first === null) {
      t.first = line;
      seenLines.push(t);
      addToDay(line, t);
      if (po !== null) addToPayout(po, line, t);
    } else {
      // Another copy: it counts in a payout it is not yet counted in.
      const known = t.first.payout_id === po || (t.more?.some((l) => l.payout_id === po) ?? false);
      if (po !== null && !known) addToPayout(po, line, t);
      (t.more ??= []).push(line);
    }
    if (po !== null && (payoutInfo.size === 0 || SETTLES(payoutInfo.get(po)?.status))) {
      if (t.payout === null) t.payout = po;
      else if (t.payout !== po && !(t.morePayouts?.includes(po) ?? false)) (t.morePayouts ??= []).push(po);
    }
  };

  // Files: the same bytes twice count once.
  const seen = new Map<string, string | null>();
  const duplicate_files: Reconciliation['duplicate_files'] = [];
  for (const report of input.reports ?? []) {
    if (seen.has(report.sha256)) {
      duplicate_files.push({
        file: report.filename,
        sha256: report.sha256,
        same_as: seen.get(report.sha256) ?? null,
      });
      continue;
    }
    seen.set(report.sha256, report.filename);
    for (const l of linesOfReport(report)) add(l);
  }
  for (const l of input.lines ?? []) add(l);

  const diff = (
    kind: DifferenceKind,
    about: { pi: string | null; id: string | null; currency: string | null },
    payment: LocalPayment | null,
    message: string,
    extra: Partial<Pick<Difference, 'expected' | 'actual' | 'source' | 'payout_id'>> = {},
  ) =>
    differences.push({
      kind,
      payment_id: payment?.id ?? null,
      payment_intent_id: about.pi,
      object_id: about.id,
      payout_id: extra.payout_id ?? null,
      currency: about.currency ?? payment?.currency ?? null,
      expected: extra.expected ?? null,
      actual: extra.actual ?? null,
      source: extra.source ?? null,
      message,
    });

  let matched = 0;
  for (const t of seenLines) {
    const first = t.first as SettlementLine;
    const payment = t.payment;
    const about = { pi: first.payment_intent_id, id: first.id, currency: first.currency };
    // Each different (amount, fee, currency) seen for this transaction is checked once.
    const variants = t.more === null ? [first] : distinct(linesOf(t));
    if (payment) matched += t.more === null ? 1 : 1 + t.more.length;
    for (const l of variants) {
      if (l.fee !== null && (l.fee < 0 || (first.type === 'payment_intent' && l.fee > l.amount))) {
        diff(
          'fee_mismatch',
          about,
          payment,
          `The fee ${l.fee} on ${first.id} is impossible for an amount of ${l.amount}.`,
          {
            actual: l.fee,
            source: src(l),
            payout_id: l.payout_id,
          },
        );
      }
    }
    if (first.type === 'payment_intent') {
      if (!payment) {
        diff(
          'unknown_payment',
          about,
          null,
          `Fintoc paid ${first.amount} for ${first.id}, which is no payment of this shop.`,
          {
            actual: first.amount,
            source: src(first),
            payout_id: first.payout_id,
          },
        );
        continue;
      }
      if (payment.status !== 'succeeded') {
        diff(
          'not_succeeded_locally',
          about,
          payment,
          `Fintoc paid ${first.id}, but payment ${payment.id} is ${payment.status} here.`,
          {
            actual: first.amount,
            source: src(first),
            payout_id: first.payout_id,
          },
        );
      } else if (payment.paid_after_cancel) {
        diff(
          'paid_after_cancel',
          about,
          payment,
          `Payment ${payment.id} was paid after it had been given up; refund it or fulfil the order, as your policy says.`,
          { actual: first.amount, source: src(first), payout_id: first.payout_id },
        );
      }
      for (const l of variants) {
        const wrongCurrency = l.currency !== null && l.currency !== upper(payment.currency);
        if (l.amount !== payment.amount || wrongCurrency) {
          diff(
            'amount_mismatch',
            about,
            payment,
            `Fintoc's line says ${l.amount}${l.currency ? ` ${l.currency}` : ''} for ${first.id}; payment ${payment.id} is ${payment.amount} ${payment.currency}.`,
            { expected: payment.amount, actual: l.amount, source: src(l), payout_id: l.payout_id },
          );
        }
        const rate = input.fees?.[countryOf(l.currency ?? payment.currency)];
        if (rate && l.fee !== null && l.fee >= 0) {
          const want = transactionFee(payment.amount, rate);
          if (l.fee !== want) {
            diff(
              'fee_mismatch',
              about,
              payment,
              `The fee on ${first.id} is ${l.fee}; the agreed rate gives ${want}.`,
              {
                expected: want,
                actual: l.fee,
                source: src(l),
                payout_id: l.payout_id,
              },
            );
          }
        }
      }
    } else if (first.type === 'refund') {
      const known =
        payment !== null &&
        (payment.refund_id === first.id || (payment.refunds ?? []).some((r) => r.id === first.id));
      if (!known) {
        diff(
          'unknown_refund',
          about,
          payment,
          `Fintoc took ${-first.amount} back for refund ${first.id}, which this shop did not make.`,
          {
            actual: first.amount,
            source: src(first),
            payout_id: first.payout_id,
          },
        );
      } else {
        const knownAmount = payment.refunds?.find((r) => r.id === first.id)?.amount;
        for (const l of variants) {
          if (knownAmount !== undefined && knownAmount !== null && -l.amount !== knownAmount) {
            diff(
              'amount_mismatch',
              about,
              payment,
              `Refund ${first.id} took ${-l.amount}; this shop refunded ${knownAmount}.`,
              {
                expected: -knownAmount,
                actual: l.amount,
                source: src(l),
                payout_id: l.payout_id,
              },
            );
          }
        }
      }
    } else {
      diff(
        'refund_adjustment',
        about,
        payment,
        `Refund ${first.id} failed: Fintoc gave back ${first.amount}, and the customer was not refunded.`,
        { actual: first.amount, source: src(first), payout_id: first.payout_id },
      );
    }
    const n = payoutCount(t);
    if (n > 1) {
      diff(
        'duplicate_settlement',
        about,
        payment,
        `${first.id} is settled by ${n} payouts: ${payoutsOf(t).join(', ')}.`,
        {
          actual: n,
          source: src(first),
        },
      );
    }
  }

  // Payments that succeeded here but are in no payout although their payout was due.
  const calendars = new Map<Country, BusinessCalendar>();
  const calendar = (c: Country) => {
    let cal = calendars.get(c);
    if (!cal) {
      cal = new BusinessCalendar(c, { extraHolidays: input.extraHolidays?.[c] ?? [] });
      calendars.set(c, cal);
    }
    return cal;
  };
  for (const t of intents.values()) {
    const p = t.payment;
    if (p === null || p.status !== 'succeeded' || t.payout !== null) continue;
    const when = ms(p.succeeded_at ?? p.updated_at ?? '');
    if (Number.isNaN(when) || when < since) continue;
    const country = countryOf(p.currency);
    const schedule = country === 'mx' ? 'business_day' : (input.schedule ?? defaultPayoutSchedule(country));
    const due = payoutWindowAt(calendar(country), schedule, when).dueAt;
    if (asOf < due + grace) continue;
    diff(
      'missing_from_payout',
      { pi: p.payment_intent_id, id: p.payment_intent_id, currency: p.currency },
      p,
      `Payment ${p.id} succeeded ${new Date(when).toISOString()} and should have been paid out by ${new Date(due).toISOString()}, but is in no payout.`,
      { expected: p.amount },
    );
  }

  for (const d of days.values()) d.net = d.gross - d.fees;
  for (const s of payouts.values()) {
    if (s.fees_derived && s.amount !== null) s.fees = s.gross - s.amount;
    s.net = s.gross - s.fees;
    if (s.amount !== null && !s.fees_derived && s.amount !== s.net && SETTLES(s.status ?? undefined)) {
      differences.push({
        kind: 'payout_total_mismatch',
        payment_id: null,
        payment_intent_id: null,
        object_id: s.id,
        payout_id: s.id,
        currency: s.currency,
        expected: s.net,
        actual: s.amount,
        source: null,
        message: `Payout ${s.id} is ${s.amount}, but its lines add up to ${s.net} (gross ${s.gross} less fees ${s.fees}).`,
      });
    }
  }

  const order = (d: Difference) => DIFFERENCE_KINDS.indexOf(d.kind);
  differences.sort((a, b) => order(a) - order(b) || String(a.object_id).localeCompare(String(b.object_id)));
  return {
    as_of: new Date(asOf).toISOString(),
    lines: count,
    matched,
    payouts: [...payouts.values()].sort((a, b) => a.id.localeCompare(b.id)),
    days: [...days.values()].sort(
      (a, b) => a.date.localeCompare(b.date) || a.currency.localeCompare(b.currency),
    ),
    differences,
    duplicate_files,
  };
}
