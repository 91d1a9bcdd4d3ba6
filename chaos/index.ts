/**
 * `npm run chaos`: the chaos run on both stores — the embedded database with one instance, and
 * PostgreSQL with three — printing what it found and exiting 1 if anything that must never happen
 * did (see chaos/run.ts and docs/service.md, "Guarantees").
 *
 *   npm run chaos                                  # 1,000 payments on each store
 *   npm run chaos -- --payments 300 --store postgres
 *   npm run chaos -- --json
 */
import { postgresSkipReason } from '../test/support/postgres.js';
import { formatReport, runChaos, violations, type ChaosReport } from './run.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const payments = Number(option('payments') ?? 1000);
const stores = (option('store') ?? 'embedded,postgres').split(',') as Array<'embedded' | 'postgres'>;
const json = process.argv.includes('--json');
const say = (line: string) => process.stderr.write(`chaos: ${line}\n`);

const reports: ChaosReport[] = [];
let failed = false;
for (const store of stores) {
  if (store === 'postgres' && postgresSkipReason()) {
    say(`skipping postgres: ${postgresSkipReason()}`);
    continue;
  }
  const report = await runChaos({
    store,
    instances: store === 'postgres' ? 3 : 1,
    payments,
    // About 17 creations a second, the rate a busy shop would see at Fintoc's 100 requests/s.
    spreadMs: Math.max(10_000, payments * 60),
    budgetMs: Math.max(10_000, payments * 60) + 120_000,
    log: say,
  });
  reports.push(report);
  const bad = Object.entries(violations(report)).filter(([, n]) => n !== 0);
  if (bad.length > 0) failed = true;
  if (!json)
    process.stdout.write(
      `${formatReport(report)}\n  ${bad.length === 0 ? 'all zero' : `FAILED: ${bad.map(([k, n]) => `${k} ${n}`).join(', ')}`}\n\n`,
    );
}
if (json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
