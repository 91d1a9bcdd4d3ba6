/**
 * Reconciliation benchmark (the budget: 100,000 report lines reconciled at no less than half the
 * rate of parsing the same file alone). One payout report of 100,000 lines (payments, refunds,
 * adjustments, an unknown column) and the shop's 100,000 payments, all in memory; the file is fed
 * in 64 KiB chunks, as a stream would. Rounds alternate between the two, the best of each is kept.
 *
 *   npx tsx bench/reconcile.ts [lines]
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { REPORT_COLUMNS } from '../src/fintoc/index.js';
import { parseReportSync, reconcile, ReportParser, type LocalPayment } from '../src/reconcile/index.js';
import type { BenchResult } from './index.js';

const CHUNK = 64 * 1024;
const ROUNDS = 6;

function makeData(lines: number): { file: Buffer; payments: LocalPayment[] } {
  const header = [...REPORT_COLUMNS, 'comment'].join(';');
  const rows: string[] = [header];
  const payments: LocalPayment[] = [];
  const t = Date.parse('2026-03-09T12:00:00Z');
  for (let i = 0; i < lines; i++) {
    const at = new Date(t + i * 1000).toISOString().replace('.000Z', 'Z');
    const pi = `pi_${String(i).padStart(22, '0')}`;
    const amount = 1000 + ((i * 7919) % 500_000);
    if (i % 50 === 49) {
      // A refund of the previous payment.
      const prev = `pi_${String(i - 1).padStart(22, '0')}`;
      rows.push(
        [
          `re_${String(i).padStart(22, '0')}`,
          at,
          -500,
          0,
          -500,
          'CLP',
          'refund',
          prev,
          'succeeded',
          at,
          'po_bench',
          '',
        ].join(';'),
      );
      continue;
    }
    const fee = Math.round(amount * 0.006 * 1.19);
    rows.push(
      [
        pi,
        at,
        amount,
        fee,
        amount - fee,
        'CLP',
        'payment_intent',
        pi,
        'succeeded',
        at,
        'po_bench',
        `"n;${i}"`,
      ].join(';'),
    );
    payments.push({
      id: `pay_${i}`,
      payment_intent_id: pi,
      amount,
      currency: 'CLP',
      status: 'succeeded',
      refund_id: i % 50 === 48 ? `re_${String(i + 1).padStart(22, '0')}` : null,
      succeeded_at: at,
    });
  }
  return { file: Buffer.from(rows.join('\r\n') + '\r\n', 'utf8'), payments };
}

function parseChunked(file: Buffer) {
  const parser = new ReportParser({ filename: '2026-03-09-fintoc-payout-bench.csv' });
  for (let i = 0; i < file.length; i += CHUNK) parser.push(file.subarray(i, i + CHUNK));
  return parser.end();
}

/** A full collection before each measured phase, so neither pays for the other's garbage. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapMiB(): number {
  return process.memoryUsage().heapUsed / 2 ** 20;
}

export async function run(lines = 100_000): Promise<BenchResult[]> {
  const { file, payments } = makeData(lines);
  // Warm up both paths (JIT) on a small slice.
  const warm = makeData(2000);
  reconcile({ payments: warm.payments, reports: [parseReportSync(warm.file)], asOf: '2026-03-20T00:00:00Z' });

  let parseBest = Infinity;
  let fullBest = Infinity;
  let parseHeap = 0;
  let fullHeap = 0;
  let differences = -1;
  const parseOnly = () => {
    gc();
    const h0 = heapMiB();
    const t0 = performance.now();
    const parsed = parseChunked(file);
    parseBest = Math.min(parseBest, performance.now() - t0);
    parseHeap = Math.max(parseHeap, heapMiB() - h0);
    if (parsed.lines.length !== lines) throw new Error(`parsed ${parsed.lines.length} lines, not ${lines}`);
  };
  const parseAndMatch = () => {
    gc();
    const h1 = heapMiB();
    const t0 = performance.now();
    const report = parseChunked(file);
    const result = reconcile({ payments, reports: [report], asOf: '2026-03-20T00:00:00Z' });
    fullBest = Math.min(fullBest, performance.now() - t0);
    fullHeap = Math.max(fullHeap, heapMiB() - h1);
    differences = result.differences.length;
    if (result.lines !== lines) throw new Error('not every line was reconciled');
  };
  // In turns, each one first every other round.
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      parseOnly();
      parseAndMatch();
    } else {
      parseAndMatch();
      parseOnly();
    }
  }
  if (differences !== 0)
    throw new Error(`the benchmark's data should reconcile cleanly; got ${differences} differences`);
  const parseRate = Math.round(lines / (parseBest / 1000));
  const fullRate = Math.round(lines / (fullBest / 1000));
  return [
    {
      name: `reconcile ${lines.toLocaleString('en')} report lines (parse + match), lines/s`,
      value: fullRate,
      unit: 'lines/s',
      baseline: parseRate,
      ratio: fullRate / parseRate,
      goal: '>= 0.5 of parsing the same file alone',
    },
    { name: 'parse alone, lines/s (the baseline)', value: parseRate, unit: 'lines/s' },
    { name: `file size`, value: Math.round((file.length / 2 ** 20) * 10) / 10, unit: 'MiB' },
    {
      name: 'heap growth, parse + match (lines and result held)',
      value: Math.round(fullHeap),
      unit: 'MiB',
      baseline: Math.round(parseHeap),
      ratio: fullHeap / Math.max(1, parseHeap),
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const lines = Number(process.argv[2] ?? 100_000);
  for (const r of await run(lines)) console.log(r);
}
