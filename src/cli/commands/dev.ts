import { Command, Option } from 'commander';
import { freePort } from '../ports.js';

/** What `pasarela dev` keeps between runs, in `<data dir>/dev.json`: keys stay the same, data stays. */
interface DevState {
  secretKey: string;
  apiKey: string;
  merchantSecret: string;
}

interface DevOptions {
  port: string;
  sandboxPort: string;
  dataDir: string;
  country: 'cl' | 'mx';
  paymentTimeout: string;
  json?: boolean;
}

/** What the printed `curl` line pays, per country: an amount in the currency's minor unit. */
const EXAMPLE_PAYMENT = {
  cl: { amount: 12990, currency: 'CLP' },
  mx: { amount: 24900, currency: 'MXN' },
} as const;

/**
 * `pasarela dev` (what `npm start` runs): the sandbox as Fintoc, the payments service on the
 * embedded database under `.pasarela/`, the demo shop; the service's webhook endpoint registered in
 * the sandbox; URLs and keys printed. A second start reuses the data and the keys. Ctrl-C stops both.
 */
export function devCommand(): Command {
  return new Command('dev')
    .description('Run the sandbox, the payments service (embedded database) and the demo shop, all local.')
    .option('-p, --port <port>', 'service port (0: any free port)', process.env.PORT ?? '3000')
    .option('--sandbox-port <port>', 'sandbox port (0: any free port)', '4010')
    .option(
      '--data-dir <dir>',
      'where the database, dev.json and the sandbox state (sandbox.json) live (PASARELA_DATA_DIR)',
      process.env.PASARELA_DATA_DIR ?? './.pasarela',
    )
    .addOption(
      new Option(
        '--country <country>',
        "the shop's country: checkout copy, currency, bank flow (PASARELA_COUNTRY)",
      )
        .choices(['cl', 'mx'])
        .default((process.env.PASARELA_COUNTRY ?? 'cl').trim().toLowerCase() || 'cl'),
    )
    .option(
      '--payment-timeout <duration>',
      'cancel a payment nobody paid after this long, e.g. 30s to watch the 10-minute rule quickly (PAYMENT_TIMEOUT)',
      process.env.PAYMENT_TIMEOUT ?? '10m',
    )
    .option('--json', 'print one JSON line with URLs and keys when ready')
    .action(async (opts: DevOptions) => {
      const started = Date.now();
      /** Progress and notices go to stderr, so stdout stays the banner (or the one JSON line). */
      const progress = (line: string) => process.stderr.write(`pasarela dev: ${line}\n`);
      // Before anything else: a second process on the same files exits at once.
      const { lockOrExplain } = await import('../lock.js');
      const { join, resolve } = await import('node:path');
      const { mkdirSync } = await import('node:fs');
      const dataDir = resolve(opts.dataDir);
      mkdirSync(dataDir, { recursive: true });
      const separately =
        'run this one on a directory of its own: pasarela dev --data-dir <another directory> (or PASARELA_DATA_DIR)';
      const dbLock = lockOrExplain(
        join(dataDir, 'db.lock'),
        'pasarela dev',
        `the data directory ${dataDir}`,
        separately,
      );
      if (!dbLock) return;
      const sandboxLock = lockOrExplain(
        join(dataDir, 'sandbox.json.lock'),
        'pasarela dev',
        `the sandbox state ${join(dataDir, 'sandbox.json')}`,
        separately,
      );
      if (!sandboxLock) return dbLock.release();
      const { startLocalStack, freshStackKeys, LocalStackConfigError } = await import('../local-stack.js');
      const { readFileSync, writeFileSync, existsSync } = await import('node:fs');

      const port = Number(opts.port);
      const sandboxPort = Number(opts.sandboxPort);
      for (const [name, value] of [
        ['--port', port],
        ['--sandbox-port', sandboxPort],
      ] as const) {
        if (!Number.isInteger(value) || value < 0 || value > 65535)
          throw new Error(`${name} must be 0–65535`);
      }
      // The service's own URL goes into the sandbox's webhook endpoint, the demo shop's notification
      // URL and checkout links before it listens: "any free port" is resolved to one first.
      const servicePort = port === 0 ? await freePort() : port;
      const statePath = join(dataDir, 'dev.json');
      let state: DevState;
      let keysNote: string | null = null;
      if (existsSync(statePath)) {
        state = JSON.parse(readFileSync(statePath, 'utf8')) as DevState;
      } else {
        // Said out loud: a script or shop holding an earlier key gets 401 from now on, and a data
        // directory deleted since the last run took its payments with it.
        keysNote = existsSync(join(dataDir, 'db', 'PG_VERSION'))
          ? `${statePath} was missing: made NEW keys. The database's earlier payments are kept, but an earlier API key no longer works.`
          : `no keys and no database in ${dataDir}: made NEW keys and an empty database. If pasarela dev ran here before, that data directory was removed: its payments and its API key are gone.`;
        progress(keysNote);
        state = freshStackKeys();
        writeFileSync(statePath, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
      }

      const serviceUrl = `http://127.0.0.1:${servicePort}`;
      let stack: Awaited<ReturnType<typeof startLocalStack>>;
      try {
        stack = await startLocalStack({
          sandbox: {
            port: sandboxPort,
            secretKey: state.secretKey,
            stateFile: join(dataDir, 'sandbox.json'),
            // Payouts and report files: the sandbox writes them into reports/inbox, the service watches it.
            reportsDir: join(dataDir, 'reports'),
            reportChannelFolder: 'inbox',
          },
          service: {
            port: servicePort,
            dataDir,
            apiKey: state.apiKey,
            env: process.env,
            settings: {
              PASARELA_COUNTRY: opts.country,
              PASARELA_SHOP_URL: `${serviceUrl}/`,
              PAYMENT_TIMEOUT: opts.paymentTimeout,
              MERCHANT_WEBHOOK_URL: `${serviceUrl}/demo/notifications`,
              MERCHANT_WEBHOOK_SECRET: state.merchantSecret,
              PASARELA_REPORTS_DIR: join(dataDir, 'reports', 'inbox'),
              // The demo reads the Payouts API every minute, so payouts show soon after the sandbox makes them.
              PASARELA_PAYOUTS_SYNC: '1m',
            },
            demo: true,
            logLevel: process.env.LOG_LEVEL ?? 'warn',
          },
          endpointDescription: 'pasarela dev',
          progress,
        });
      } catch (err) {
        sandboxLock.release();
        dbLock.release();
        process.exitCode = 1;
        if (err instanceof LocalStackConfigError) {
          for (const line of err.lines) progress(line.replace(/^PAYMENT_TIMEOUT/, '--payment-timeout'));
          return;
        }
        const { explainStartError } = await import('../start-errors.js');
        const busy = (err as { port?: unknown }).port;
        const line = explainStartError(err, busy === sandboxPort ? '--sandbox-port <port>' : '--port <port>');
        if (line === null) throw err;
        progress(line);
        return;
      }
      const sb = stack.sandbox;
      const running = stack.server;
      const example = EXAMPLE_PAYMENT[opts.country];
      const info = {
        shop: `${running.url}/`,
        api: `${running.url}/api/payments`,
        dashboard: `${running.url}/dashboard`,
        reconciliation: `${running.url}/dashboard/reconciliation`,
        reportsDir: join(dataDir, 'reports', 'inbox'),
        sandbox: sb.url,
        apiKey: state.apiKey,
        secretKey: sb.secretKey,
        publicKey: sb.publicKey,
        dataDir,
        country: opts.country,
        paymentTimeout: opts.paymentTimeout,
        keysCreated: keysNote !== null,
        readyMs: Date.now() - started,
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(info)}\n`);
      } else {
        process.stdout.write(
          [
            `Pasarela is running (test mode, ${opts.country === 'mx' ? 'Mexico' : 'Chile'}, ready in ${info.readyMs} ms)`,
            `  demo shop     ${info.shop}`,
            `  service API   ${info.api}   (Authorization: Bearer ${info.apiKey})`,
            `  dashboard     ${info.dashboard}   (sign in with the API key ${info.apiKey})`,
            `  sandbox       ${info.sandbox}   (secret key ${info.secretKey}, public key ${info.publicKey})`,
            `  data          ${dataDir}`,
            `  timeout       an unpaid payment is canceled after ${opts.paymentTimeout}${opts.paymentTimeout === '10m' ? ' (--payment-timeout 30s to watch it happen)' : ''}`,
            ...(keysNote ? [`  NEW KEYS      ${keysNote}`] : []),
            '',
            '  Try it:',
            `    curl -s ${info.api} -H 'Authorization: Bearer ${info.apiKey}' -H 'Content-Type: application/json' \\`,
            `      -d '{"amount": ${example.amount}, "currency": "${example.currency}", "order_id": "order-1"}'`,
            `    curl -s ${sb.url}/_sandbox/payment_intents/<payment_intent_id>/simulate -H 'Authorization: ${info.secretKey}' \\`,
            `      -H 'Content-Type: application/json' -d '{"action": "authorize"}'`,
            `    curl -s ${running.url}/api/payments/<id> -H 'Authorization: Bearer ${info.apiKey}'`,
            '  Payouts and reconciliation (move the sandbox two days on; reports land in reports/inbox):',
            `    curl -s ${sb.url}/_sandbox/clock/advance -H 'Authorization: ${info.secretKey}' -H 'Content-Type: application/json' -d '{"by": "2d"}'`,
            `    then ${info.dashboard}/reconciliation`,
            '',
            'Ctrl-C stops everything.',
            '',
          ].join('\n'),
        );
      }
      // A data directory deleted while running: /readyz answers 503, and the terminal says it once.
      const watch = setInterval(() => {
        const lost = running.app.database.lost();
        if (lost === null) return;
        progress(lost);
        clearInterval(watch);
      }, 2_000);
      watch.unref();
      await new Promise<void>((resolveStop) => {
        let stopping = false;
        const stop = () => {
          if (stopping) return;
          stopping = true;
          const lost = running.app.database.lost() !== null;
          running
            .close()
            .then(() => sb.close())
            .then(() => {
              sandboxLock.release();
              dbLock.release();
            })
            .then(resolveStop, (err: unknown) => {
              if (lost) {
                // Expected: the sandbox cannot save into a directory that is gone.
                progress(`stopped; nothing was saved, as ${dataDir} was deleted while running.`);
                return resolveStop();
              }
              process.stderr.write(`pasarela dev: error while stopping: ${String(err)}\n`);
              process.exitCode = 1;
              resolveStop();
            });
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
