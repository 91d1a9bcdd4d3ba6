/**
 * `npm run chaos`: the chaos run for both payment flows (the Checkout Session flow, the service's
 * default, and the payment-intent flow) on both stores — the embedded database with one instance,
 * and PostgreSQL with three — printing what it found and exiting 1 if anything that must never
 * happen did (see chaos/run.ts and docs/service.md, "Guarantees").
 *
 *   npm run chaos                                  # 1,000 payments per flow and store
 *   npm run chaos -- --flow session --store postgres --payments 300
 *   npm run chaos -- --json
 */
import { postgresSkipReason } from '../test/support/postgres.js';
import { CHAOS_FLOWS, formatReport, runChaos, violations, type ChaosFlow, type ChaosReport } from './run.js';

const USAGE =
  'usage: npm run chaos -- [--flow session|intent|both] [--store embedded|postgres|embedded,postgres] [--payments N] [--json]';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function usage(problem: string): never {
  process.stderr.write(`chaos: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

const payments = Number(option('payments') ?? 1000);
if (!Number.isSafeInteger(payments) || payments < 1) usage('--payments must be a positive integer');
const flowOption = option('flow') ?? 'both';
const flows: ChaosFlow[] =
  flowOption === 'both'
    ? ['session', 'intent']
    : (CHAOS_FLOWS as readonly string[]).includes(flowOption)
      ? [flowOption as ChaosFlow]
      : usage(`--flow must be session, intent or both; got ${flowOption}`);
const stores = (option('store') ?? 'embedded,postgres').split(',');
for (const store of stores) {
  if (store !== 'embedded' && store !== 'postgres')
    usage(`--store must be embedded, postgres or both comma-separated; got ${store}`);
}
const json = process.argv.includes('--json');
const say = (line: string) => process.stderr.write(`chaos: ${line}\n`);

const reports: ChaosReport[] = [];
let failed = false;
for (const flow of flows) {
  for (const store of stores as Array<'embedded' | 'postgres'>) {
    if (store === 'postgres' && postgresSkipReason()) {
      say(`skipping ${flow}/postgres: ${postgresSkipReason()}`);
      continue;
    }
    const report = await runChaos({
      flow,
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
}
if (json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
