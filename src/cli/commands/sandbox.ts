import { Command, Option } from 'commander';

/**
 * `pasarela sandbox`: runs the offline Fintoc sandbox and prints one JSON line when ready,
 * `{"url":…,"secretKey":…,"publicKey":…}`; stops cleanly on SIGINT/SIGTERM.
 */
export function sandboxCommand(): Command {
  return new Command('sandbox')
    .description(
      'Run the offline Fintoc sandbox (API, webhooks, test clock, widget); prints one JSON line when ready.',
    )
    .option('-p, --port <port>', 'port to listen on (0 = any free port)', '4010')
    .option('-H, --host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--secret-key <key>',
      'secret key to print (default: a fresh sk_test_… key; any well-formed key works)',
    )
    .option(
      '--public-url <url>',
      'the address clients reach the sandbox at, if not host:port (e.g. behind a proxy)',
    )
    .addOption(
      new Option('--sign-with <clock>', 'time in webhook signatures: sandbox clock or real time')
        .choices(['clock', 'wall'])
        .default('wall'),
    )
    .option(
      '--intent-timeout <duration>',
      'Fintoc-side expiry of unfinished payment intents ("never" to disable)',
      '1h',
    )
    .option('--delivery-timeout <duration>', 'how long a webhook receiver has to answer', '10s')
    .option(
      '--state-file <path>',
      'keep the state in this JSON file: loaded at start (created if missing), written after changes and on stop',
    )
    .option(
      '--reports-dir <path>',
      'the folder report channels write into (their folders and maildirs must be inside it); default <tmp>/pasarela-sandbox-reports',
    )
    .option('--verbose', 'log each request (method, path, status; never keys) to stderr')
    .action(async (opts: Record<string, string>) => {
      const { startSandbox, parseDuration } = await import('../../sandbox/index.js');
      const { resolve } = await import('node:path');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be 0–65535, got ${opts.port}`);
      const intentTimeout = opts.intentTimeout === 'never' ? null : parseDuration(opts.intentTimeout);
      if (intentTimeout === null && opts.intentTimeout !== 'never') {
        throw new Error(
          `--intent-timeout must be a duration such as 10m or "never", got ${opts.intentTimeout}`,
        );
      }
      const deliveryTimeout = parseDuration(opts.deliveryTimeout);
      if (deliveryTimeout === null || deliveryTimeout === 0) {
        throw new Error(`--delivery-timeout must be a duration such as 10s, got ${opts.deliveryTimeout}`);
      }
      if (opts.stateFile) {
        const { lockOrExplain } = await import('../lock.js');
        const file = resolve(opts.stateFile);
        const lock = lockOrExplain(
          `${file}.lock`,
          'pasarela sandbox',
          `the state file ${file}`,
          'give this one a file of its own: pasarela sandbox --state-file <another file>',
        );
        if (!lock) return;
      }
      const sb = await startSandbox({
        port,
        host: opts.host,
        intentTimeoutMs: intentTimeout,
        deliveryTimeoutMs: deliveryTimeout,
        signWith: opts.signWith as 'clock' | 'wall',
        ...(opts.verbose ? { logger: { level: 'info', stream: process.stderr } } : {}),
        ...(opts.secretKey ? { secretKey: opts.secretKey } : {}),
        ...(opts.publicUrl ? { publicUrl: opts.publicUrl } : {}),
        ...(opts.stateFile ? { stateFile: resolve(opts.stateFile) } : {}),
        ...(opts.reportsDir ? { reportsDir: resolve(opts.reportsDir) } : {}),
      });
      process.stdout.write(
        JSON.stringify({ url: sb.url, secretKey: sb.secretKey, publicKey: sb.publicKey }) + '\n',
      );
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          sb.close().then(done, (err: unknown) => {
            process.stderr.write(`pasarela sandbox: error while stopping: ${String(err)}\n`);
            process.exitCode = 1;
            done();
          });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
