import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { transactionFee } from '../fintoc/index.js';
import {
  linesFromPayout,
  reconcile,
  type LocalPayment,
  type ReconcileInput,
  type SettlementLine,
} from './match.js';
import { parseReportSync } from './parse.js';

const HEADER = 'id;created_at;amount;fee;net;currency;type;payment_intent_id;status;transaction_at;payout_id';
// Monday 2026-03-09, 11:00 in Chile (UTC−3): paid out that day at 15:00.
const SUCCEEDED = '2026-03-09T14:00:00Z';
const AFTER = '2026-03-12T12:00:00Z';
const RATE = { rate_bps: 60, fixed: 0, vat_bps: 1900 };

function payment(n: number, over: Partial<LocalPayment> = {}): LocalPayment {
  return {
    id: `pay_${n}`,
    payment_intent_id: `pi_${n}`,
    amount: 10_000,
    currency: 'CLP',
    status: 'succeeded',
    paid_after_cancel: false,
    refund_id: null,
    succeeded_at: SUCCEEDED,
    ...over,
  };
}

function line(id: string, amount: number, fee: number, over: Record<string, string> = {}): string {
  const type =
    over.type ?? (id.startsWith('pi_') ? 'payment_intent' : amount < 0 ? 'refund' : 'refund_adjustment');
  const pi = over.pi ?? id;
  return [
    id,
    SUCCEEDED,
    amount,
    fee,
    amount - fee,
    over.currency ?? 'CLP',
    type,
    pi,
    'succeeded',
    SUCCEEDED,
    over.payout ?? 'po_1',
  ].join(';');
}

function report(lines: string[], filename = '2026-03-09-fintoc-payout-shop.csv') {
  return parseReportSync([HEADER, ...lines, ''].join('\n'), { filename });
}

const run = (payments: LocalPayment[], lines: string[], extra: Partial<ReconcileInput> = {}) =>
  reconcile({ payments, reports: [report(lines)], asOf: AFTER, fees: { cl: RATE }, ...extra });
const kinds = (r: ReturnType<typeof reconcile>) => r.differences.map((d) => `${d.kind}:${d.object_id}`);

describe('matching', () => {
  it('a clean payout: every line matched, no differences, gross/fees/net per payout and per day', () => {
    const r = run(
      [payment(1), payment(2, { amount: 25_000 })],
      [line('pi_1', 10_000, 71), line('pi_2', 25_000, 179)],
    );
    expect(r.differences).toEqual([]);
    expect(r.matched).toBe(2);
    expect(r.payouts).toEqual([
      expect.objectContaining({
        id: 'po_1',
        lines: 2,
        gross: 35_000,
        fees: 250,
        net: 34_750,
        payment_ids: ['pay_1', 'pay_2'],
      }),
    ]);
    expect(r.days).toEqual([
      { date: '2026-03-09', currency: 'CLP', lines: 2, gross: 35_000, fees: 250, net: 34_750 },
    ]);
  });

  const table: Array<[string, LocalPayment[], string[], Partial<ReconcileInput>, string[]]> = [
    ['paid at Fintoc, unknown here', [], [line('pi_9', 10_000, 71)], {}, ['unknown_payment:pi_9']],
    [
      'paid at Fintoc, canceled here',
      [payment(1, { status: 'canceled' })],
      [line('pi_1', 10_000, 71)],
      {},
      ['not_succeeded_locally:pi_1'],
    ],
    [
      'succeeded here, in no payout when it was due',
      [payment(1), payment(2)],
      [line('pi_1', 10_000, 71)],
      {},
      ['missing_from_payout:pi_2'],
    ],
    [
      'succeeded here, payout not due yet',
      [payment(1), payment(2)],
      [line('pi_1', 10_000, 71)],
      { asOf: '2026-03-09T20:00:00Z' },
      [],
    ],
    [
      'succeeded before the period reconciled',
      [payment(1), payment(2)],
      [line('pi_1', 10_000, 71)],
      { since: '2026-03-10' },
      [],
    ],
    ['amount changed in the file', [payment(1)], [line('pi_1', 10_001, 71)], {}, ['amount_mismatch:pi_1']],
    [
      'currency changed in the file',
      [payment(1)],
      [line('pi_1', 10_000, 71, { currency: 'MXN' })],
      {},
      ['amount_mismatch:pi_1'],
    ],
    ['fee off the agreed rate', [payment(1)], [line('pi_1', 10_000, 90)], {}, ['fee_mismatch:pi_1']],
    ['fee not checked without a rate', [payment(1)], [line('pi_1', 10_000, 90)], { fees: {} }, []],
    [
      'an impossible fee, rate or not',
      [payment(1)],
      [line('pi_1', 10_000, -1)],
      { fees: {} },
      ['fee_mismatch:pi_1'],
    ],
    [
      'a refund this shop made',
      [payment(1, { refund_id: 're_1' })],
      [line('pi_1', 10_000, 71), line('re_1', -10_000, 0, { pi: 'pi_1' })],
      {},
      [],
    ],
    [
      'a refund this shop did not make',
      [payment(1)],
      [line('pi_1', 10_000, 71), line('re_1', -4_000, 0, { pi: 'pi_1' })],
      {},
      ['unknown_refund:re_1'],
    ],
    [
      'a refund of another amount than the shop’s',
      [payment(1, { refunds: [{ id: 're_1', amount: 3_000 }] })],
      [line('pi_1', 10_000, 71), line('re_1', -4_000, 0, { pi: 'pi_1' })],
      {},
      ['amount_mismatch:re_1'],
    ],
    [
      'a failed refund given back',
      [payment(1, { refund_id: 're_1' })],
      [
        line('pi_1', 10_000, 71),
        line('re_1', -10_000, 0, { pi: 'pi_1' }),
        line('re_1', 10_000, 0, { pi: 'pi_1' }),
      ],
      {},
      ['refund_adjustment:re_1'],
    ],
    [
      'paid after the shop gave up',
      [payment(1, { paid_after_cancel: true })],
      [line('pi_1', 10_000, 71)],
      {},
      ['paid_after_cancel:pi_1'],
    ],
    [
      'one payment in two payouts',
      [payment(1)],
      [line('pi_1', 10_000, 71), line('pi_1', 10_000, 71, { payout: 'po_2' })],
      {},
      ['duplicate_settlement:pi_1'],
    ],
    [
      'one payment in a returned payout and the next',
      [payment(1)],
      [line('pi_1', 10_000, 71), line('pi_1', 10_000, 71, { payout: 'po_2' })],
      { payouts: [{ id: 'po_1', amount: 9929, currency: 'CLP', status: 'returned' }] },
      [],
    ],
    [
      'a payout whose amount is not its lines’',
      [payment(1)],
      [line('pi_1', 10_000, 71)],
      { payouts: [{ id: 'po_1', amount: 9000, currency: 'CLP', status: 'succeeded' }] },
      ['payout_total_mismatch:po_1'],
    ],
  ];
  for (const [name, payments, lines, extra, want] of table) {
    it(name, () => expect(kinds(run(payments, lines, extra))).toEqual(want));
  }

  it('counts a file received twice once, and keeps where each difference was read', () => {
    const a = report([line('pi_1', 10_000, 71), line('pi_2', 5, 0)]);
    const b = report([line('pi_1', 10_000, 71), line('pi_2', 5, 0)], 'copy.csv');
    const r = reconcile({ payments: [payment(1)], reports: [a, b], asOf: AFTER });
    expect(r.duplicate_files).toEqual([{ file: 'copy.csv', sha256: a.sha256, same_as: a.filename }]);
    expect(r.lines).toBe(2);
    expect(r.differences).toEqual([
      expect.objectContaining({
        kind: 'unknown_payment',
        source: { file: a.filename, sha256: a.sha256, line: 3 },
        actual: 5,
      }),
    ]);
  });

  it('a tampered copy beside the true one: one amount mismatch, totals from the first line', () => {
    const r = reconcile({
      payments: [payment(1)],
      reports: [report([line('pi_1', 10_000, 71)]), report([line('pi_1', 99_999, 71)], 'tampered.csv')],
      asOf: AFTER,
    });
    expect(kinds(r)).toEqual(['amount_mismatch:pi_1']);
    expect(r.differences[0]).toMatchObject({
      expected: 10_000,
      actual: 99_999,
      source: { file: 'tampered.csv', line: 2 },
    });
    expect(r.payouts[0]).toMatchObject({ gross: 10_000, lines: 1 });
  });

  it('takes the Payouts API’s resources: fees derived from the payout’s amount', () => {
    const po = { id: 'po_9', amount: 9929 - 4000, currency: 'CLP', status: 'succeeded' };
    const lines: SettlementLine[] = linesFromPayout(po, {
      payment_intent: [{ id: 'pi_1', amount: 10_000, created_at: SUCCEEDED }],
      refund: [{ id: 're_1', amount: 4000, resource_id: 'pi_1', created_at: SUCCEEDED }],
    });
    const r = reconcile({ payments: [payment(1, { refund_id: 're_1' })], lines, payouts: [po], asOf: AFTER });
    expect(r.differences).toEqual([]);
    expect(r.payouts).toEqual([
      expect.objectContaining({
        id: 'po_9',
        gross: 6000,
        fees: 71,
        net: 5929,
        fees_derived: true,
        status: 'succeeded',
      }),
    ]);
  });

  it('a daily report line does not count as paid out; a payout report without payout ids is its own payout', () => {
    const daily = parseReportSync(`${HEADER}\n${line('pi_1', 10_000, 71, { payout: '' })}\n`, {
      filename: '2026-03-09-daily-summary-fintoc-shop.csv',
    });
    expect(kinds(reconcile({ payments: [payment(1)], reports: [daily], asOf: AFTER }))).toEqual([
      'missing_from_payout:pi_1',
    ]);
    const bare = parseReportSync(`id;created_at;amount;fee\npi_1;${SUCCEEDED};10000;71\n`, {
      filename: '2026-03-09-fintoc-payout-shop.csv',
    });
    const r = reconcile({ payments: [payment(1)], reports: [bare], asOf: AFTER });
    expect(r.differences).toEqual([]);
    expect(r.payouts[0]!.id).toBe('file:2026-03-09-fintoc-payout-shop.csv');
  });

  it('knows holidays: a payment before Fiestas Patrias is not missing until the Monday payout', () => {
    const p = payment(1, { succeeded_at: '2026-09-17T19:00:00Z' }); // Thursday 16:00, after the cut-off
    expect(kinds(reconcile({ payments: [p], asOf: '2026-09-21T12:00:00Z' }))).toEqual([]);
    expect(kinds(reconcile({ payments: [p], asOf: '2026-09-22T18:00:01Z' }))).toEqual([
      'missing_from_payout:pi_1',
    ]);
  });

  it('property: with the true lines of any set of payments there is no difference, and each change is found', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.constantFrom('amount', 'drop_local', 'drop_line', 'fee'),
        (amounts, pick, change) => {
          const payments = amounts.map((amount, i) => payment(i, { amount }));
          const fee = (a: number) => transactionFee(a, RATE);
          const lines = payments.map((p) => line(p.payment_intent_id!, p.amount, fee(p.amount)));
          const clean = run(payments, lines);
          if (clean.differences.length > 0) return false;
          const i = pick % payments.length;
          const target = payments[i]!;
          if (change === 'amount')
            lines[i] = line(target.payment_intent_id!, target.amount + 1, fee(target.amount));
          if (change === 'fee')
            lines[i] = line(target.payment_intent_id!, target.amount, fee(target.amount) + 1);
          if (change === 'drop_line') lines.splice(i, 1);
          const local = change === 'drop_local' ? payments.filter((_, j) => j !== i) : payments;
          const want = {
            amount: 'amount_mismatch',
            fee: 'fee_mismatch',
            drop_line: 'missing_from_payout',
            drop_local: 'unknown_payment',
          }[change];
          const found = run(local, lines).differences.filter((d) => d.object_id === target.payment_intent_id);
          return found.some((d) => d.kind === want);
        },
      ),
      { numRuns: 300 },
    );
  });
});
