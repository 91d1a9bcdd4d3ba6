import { Command } from 'commander';

/**
 * `pasarela check`: live readiness, one line per item of Fintoc's go-live checklist with its fix.
 * Exit 0 only when nothing failed (warnings allowed), 1 otherwise, 2 for bad options.
 */
export function checkCommand(): Command {
  return new Command('check')
    .description(
      "Check live readiness against Fintoc and the running service, item by item of Fintoc's go-live checklist.",
    )
    .option('--json', 'print the report as JSON (items with status pass/fail/warn/skip, summary and fix)')
    .option('--certify-report <path>', 'the certify report to judge', 'certify-report/report.json')
    .option('--certify-max-age <days>', 'how old the certify report may be, in days', '30')
    .option('--payout-account <path>', 'the record pasarela payout-account wrote', 'payout-account.json')
    .option(
      '--direct-payments',
      'your integration pays to its own recipient_account (Chile): no payout account needed',
    )
    .action(
      async (opts: {
        json?: boolean;
        certifyReport: string;
        certifyMaxAge: string;
        payoutAccount: string;
        directPayments?: boolean;
      }) => {
        const { serviceEnvironment, reportGoliveError } = await import('./golive-shared.js');
        const { runChecks, formatCheckReport, GoliveError } = await import('../../golive/index.js');
        try {
          if (!/^\d+$/.test(opts.certifyMaxAge) || Number(opts.certifyMaxAge) < 1) {
            throw new GoliveError(
              'invalid_option',
              `--certify-max-age must be a whole number of days, got "${opts.certifyMaxAge}".`,
            );
          }
          const env = await serviceEnvironment();
          const showProgress = !opts.json && process.stderr.isTTY === true;
          const report = await runChecks({
            env,
            cwd: process.cwd(),
            certifyReport: opts.certifyReport,
            certifyMaxAgeDays: Number(opts.certifyMaxAge),
            payoutAccount: opts.payoutAccount,
            directPayments: opts.directPayments === true,
            ...(showProgress ? { onProgress: (m: string) => process.stderr.write(`… ${m}\n`) } : {}),
          });
          process.stdout.write(
            opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatCheckReport(report),
          );
          process.exitCode = report.ok ? 0 : 1;
        } catch (err) {
          process.exitCode = reportGoliveError('check', err, opts.json);
        }
      },
    );
}
