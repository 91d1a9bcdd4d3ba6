import { Command } from 'commander';

/** Exit codes of `pasarela reconcile`. */
const EXIT = { clean: 0, differences: 1, usage: 2, unreachable: 3 } as const;

interface ReconcileOptions {
  fromApi?: boolean;
  since?: string;
  payments?: string;
  serviceUrl?: string;
  apiKey?: string;
  json?: boolean;
  csv?: boolean;
}

/** A problem the user can fix: printed with its fix, exit 2 (or 3 when something did not answer). */
class ReconcileCliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
    readonly exit: number = EXIT.usage,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/**
 * `pasarela reconcile FILE… | --from-api --since DATE`: reconciles Fintoc's report files, or the
 * Payouts API's payouts, with the shop's payments (from the running service's
 * `GET /api/payments.csv`, or an exported file with `--payments`), and prints the payouts and every
 * difference as a table (`--json`, `--csv`). Exit 0 without differences, 1 with differences, 2 for a
 * bad option or an unreadable file, 3 when the service or Fintoc did not answer.
 */
export function reconcileCommand(): Command {
  return new Command('reconcile')
    .description(
      "Reconcile Fintoc's report files (or its Payouts API) with the shop's payments; exit 1 when there are differences.",
    )
    .argument('[files...]', 'Fintoc report files (payout or daily), as Fintoc sent them')
    .option(
      '--from-api',
      "read the payouts and what they settle from Fintoc's Payouts API (FINTOC_SECRET_KEY)",
    )
    .option('--since <date>', 'the period starts here (YYYY-MM-DD): payouts read from, payments checked from')
    .option(
      '--payments <file>',
      'the payments as exported by GET /api/payments.csv (instead of asking the service)',
    )
    .option('--service-url <url>', 'the running service (default PASARELA_PUBLIC_URL, else http://HOST:PORT)')
    .option('--api-key <key>', 'its API key (default PASARELA_API_KEY)')
    .option('--json', 'print the reconciliation as JSON')
    .option('--csv', 'print the differences as CSV')
    .addHelpText(
      'after',
      '\nExit codes: 0 no differences, 1 differences found, 2 bad option or unreadable file, 3 the service or Fintoc did not answer.',
    )
    .action(async (files: string[], opts: ReconcileOptions) => {
      try {
        process.exitCode = await run(files, opts);
      } catch (err) {
        if (!(err instanceof ReconcileCliError)) throw err;
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ error: { code: err.code, message: err.message, fix: err.fix, ...err.details } })}\n`,
          );
        } else {
          process.stderr.write(`pasarela reconcile: ${err.message}\n  fix: ${err.fix}\n`);
        }
        process.exitCode = err.exit;
      }
    });
}

async function run(files: string[], opts: ReconcileOptions): Promise<number> {
  const { basename } = await import('node:path');
  const { createReadStream, readFileSync } = await import('node:fs');
  const reconcileLib = await import('../../reconcile/index.js');
  const { parseReport, reconcile, ReportParseError, linesFromPayout, readPayouts, formatReconciliation } =
    reconcileLib;
  const { serviceEnvironment } = await import('./golive-shared.js');
  // Progress goes to stderr, on a terminal only (stdout stays the table, the JSON or the CSV).
  const progress = (line: string) => {
    if (process.stderr.isTTY) process.stderr.write(`… ${line}\n`);
  };

  if (opts.json && opts.csv)
    throw new ReconcileCliError('invalid_option', 'Give --json or --csv, not both.', 'Drop one.');
  if (files.length === 0 && !opts.fromApi)
    throw new ReconcileCliError(
      'invalid_option',
      'Nothing to reconcile.',
      'Give report files (pasarela reconcile 2026-03-09-fintoc-payout-mitienda.csv …) or --from-api --since YYYY-MM-DD.',
    );
  let since: Date | null = null;
  if (opts.since !== undefined) {
    if (
      !/^\d{4}-\d{2}-\d{2}$/.test(opts.since) ||
      !new Date(`${opts.since}T00:00:00Z`).toISOString().startsWith(opts.since)
    )
      throw new ReconcileCliError(
        'invalid_option',
        `--since must be a date, YYYY-MM-DD; got "${opts.since}".`,
        'Write it like 2026-03-01.',
      );
    since = new Date(`${opts.since}T00:00:00Z`);
  }
  if (opts.fromApi && since === null)
    throw new ReconcileCliError(
      'invalid_option',
      '--from-api needs --since.',
      'Add --since YYYY-MM-DD: the first day of the payouts to read.',
    );

  const env = await serviceEnvironment();

  // The report files, read whole (each stops at its first fault with the line and column).
  const reports: Awaited<ReturnType<typeof parseReport>>[] = [];
  for (const [i, file] of files.entries()) {
    progress(`reading ${file} (${i + 1} of ${files.length})`);
    try {
      reports.push(await parseReport(createReadStream(file), { filename: basename(file) }));
    } catch (err) {
      if (err instanceof ReportParseError)
        throw new ReconcileCliError('invalid_report', `${file}: ${err.message}`, err.fix, EXIT.usage, {
          file,
          report_error: err.code,
          line: err.line,
          column: err.column,
        });
      const e = err as NodeJS.ErrnoException;
      throw new ReconcileCliError(
        'unreadable_file',
        `${file}: ${e.code ?? ''} ${e.message}`.trim(),
        'Check the path and that you may read it.',
      );
    }
  }

  // The Payouts API, with the secret key the service uses.
  const lines: ReturnType<typeof linesFromPayout> = [];
  const payouts: Array<{ id: string; amount: number; currency: string; status: string }> = [];
  if (opts.fromApi) {
    const { createFintocClient } = await import('../../fintoc/index.js');
    const secretKey = env.FINTOC_SECRET_KEY?.trim();
    if (!secretKey)
      throw new ReconcileCliError(
        'missing_secret_key',
        'FINTOC_SECRET_KEY is not set.',
        'Set it (environment or ./.env) to the secret key of the organisation to reconcile.',
      );
    const client = createFintocClient({
      secretKey,
      ...(env.FINTOC_API_URL ? { baseUrl: env.FINTOC_API_URL } : {}),
    });
    try {
      for await (const { payout, resources } of readPayouts(client.payouts, {
        since: opts.since!,
        onProgress: (p) => progress(`payout ${p.payout.id} (${p.payouts} read, ${p.requests} requests)`),
      })) {
        payouts.push(payout);
        if (resources) lines.push(...linesFromPayout(payout, resources));
      }
    } catch (err) {
      const e = err as { status?: number; message?: string };
      throw new ReconcileCliError(
        'fintoc_unavailable',
        `Fintoc's Payouts API: ${e.message ?? String(err)}`,
        e.status === 401
          ? 'Check FINTOC_SECRET_KEY.'
          : 'Check the network and FINTOC_API_URL, then run it again.',
        e.status === 401 ? EXIT.usage : EXIT.unreachable,
      );
    }
  }

  // The shop's payments: an exported file, or the running service.
  let paymentsText: string;
  if (opts.payments) {
    try {
      paymentsText = readFileSync(opts.payments, 'utf8');
    } catch (err) {
      throw new ReconcileCliError(
        'unreadable_file',
        `${opts.payments}: ${(err as Error).message}`,
        'Check the path of --payments.',
      );
    }
  } else {
    const url = (
      opts.serviceUrl ??
      env.PASARELA_PUBLIC_URL ??
      `http://${env.HOST ?? '127.0.0.1'}:${env.PORT ?? '3000'}`
    ).replace(/\/+$/, '');
    const apiKey = opts.apiKey ?? env.PASARELA_API_KEY;
    if (!apiKey)
      throw new ReconcileCliError(
        'missing_api_key',
        'No API key for the service.',
        'Set PASARELA_API_KEY (or --api-key), or give an exported file with --payments.',
      );
    progress(`reading payments from ${url}/api/payments.csv`);
    let res: Response;
    try {
      res = await fetch(`${url}/api/payments.csv`, { headers: { authorization: `Bearer ${apiKey}` } });
    } catch (err) {
      throw new ReconcileCliError(
        'service_unavailable',
        `The service at ${url} did not answer: ${(err as Error).message}.`,
        'Start it (pasarela serve or pasarela dev), give --service-url, or use --payments with an exported file.',
        EXIT.unreachable,
      );
    }
    if (!res.ok)
      throw new ReconcileCliError(
        'service_refused',
        `The service at ${url} answered ${res.status} to GET /api/payments.csv.`,
        res.status === 401 ? 'Check PASARELA_API_KEY (or --api-key).' : 'See the service log.',
        res.status === 401 ? EXIT.usage : EXIT.unreachable,
      );
    paymentsText = await res.text();
  }
  let payments;
  try {
    payments = reconcileLib.paymentsFromCsv(paymentsText);
  } catch (err) {
    if (err instanceof ReportParseError)
      throw new ReconcileCliError(
        'invalid_payments_file',
        `payments: ${err.message}`,
        'Give the file GET /api/payments.csv answers, unedited.',
      );
    throw err;
  }

  progress(`matching ${payments.length} payment(s)`);
  const result = reconcile({
    payments,
    reports,
    lines,
    payouts,
    asOf: new Date(),
    ...(since ? { since } : {}),
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (opts.csv) process.stdout.write(reconcileLib.differencesCsv(result));
  else process.stdout.write(formatReconciliation(result));
  return result.differences.length > 0 ? EXIT.differences : EXIT.clean;
}
