/**
 * What `pasarela certify` does once its options are parsed: sets up the target (the bundled
 * service on a throw-away database with its test clocks, or a shop with the sandbox certify starts
 * or finds), runs the certification, writes the report, prints the summary, and stops everything it
 * started. Loaded lazily by ./commands/certify.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  bundledTarget,
  certify,
  CertifyError,
  defaultToleranceMs,
  DEFAULT_ABANDON_AFTER_MS,
  httpTestClocks,
  loadConfigFile,
  parseDurationMs,
  redact,
  resolveConfig,
  startShopProcess,
  summaryTable,
  writeReport,
  type CertifyOptions,
  type CertifyResult,
  type ResolvedConfig,
  type ShopProcess,
} from '../certify/index.js';
import type { CertifyFlags } from './commands/certify.js';
import type { LocalStackOptions } from './local-stack.js';
import { freePort } from './ports.js';

const SHOP_FLAGS: Array<keyof CertifyFlags> = [
  'shopUrl',
  'startPage',
  'startButton',
  'startHttp',
  'verdictJson',
  'verdictPage',
  'sandboxUrl',
  'startSandbox',
  'fintocUrl',
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function durationFlag(value: string | undefined, name: string): number | null {
  if (value === undefined) return null;
  const ms = parseDurationMs(value);
  if (ms === null)
    throw new CertifyError('config_invalid', `${name} must be a duration such as "10m" or "15s".`);
  return ms;
}

/** A certify.json built from flags, for a shop without a config file. */
function configFromFlags(f: CertifyFlags, env: NodeJS.ProcessEnv): unknown {
  const secretKey = f.secretKey ?? env.FINTOC_SECRET_KEY;
  const csv = (v: string | undefined) =>
    (v ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  return {
    ...(f.country ? { country: f.country } : {}),
    ...(f.amount ? { amount: Number(f.amount) } : {}),
    ...(f.merchantName ? { merchant_name: f.merchantName } : {}),
    ...(f.fintocUrl
      ? { fintoc: { api_url: f.fintocUrl, secret_key: secretKey } }
      : {
          sandbox: f.startSandbox
            ? { start: true, port: 4010, ...(secretKey ? { secret_key: secretKey } : {}) }
            : { url: f.sandboxUrl, secret_key: secretKey },
        }),
    shop: { url: f.shopUrl },
    start: f.startHttp
      ? { http: { path: f.startHttp } }
      : { page: f.startPage, ...(f.startButton ? { button: f.startButton } : {}) },
    checkout: {
      ...(f.payButton ? { pay_button: f.payButton } : {}),
      success: f.success,
      retry: f.retry,
      rejected: f.rejected,
    },
    verdict: f.verdictPage
      ? { page: f.verdictPage, selector: f.verdictSelector, paid: csv(f.paid), not_paid: csv(f.notPaid) }
      : {
          json: f.verdictJson,
          field: f.verdictField ?? 'status',
          paid: csv(f.paid),
          not_paid: csv(f.notPaid),
        },
  };
}

/** Progress on stderr: one line per step; long waits repeat on a terminal (in place) or every 30 s. */
function progressPrinter(quiet: boolean): { line(text: string): void; stop(): void } {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let waiting: string | null = null;
  let lastRepeat = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const timer = setInterval(() => {
    if (!waiting || quiet) return;
    if (tty) process.stderr.write(`\r\x1b[2K[${stamp()}] ${waiting}`);
    else if (Date.now() - lastRepeat >= 30_000) {
      lastRepeat = Date.now();
      process.stderr.write(`[${stamp()}] still ${waiting}\n`);
    }
  }, 1_000);
  timer.unref();
  return {
    line(text) {
      if (quiet) return;
      if (tty && waiting) process.stderr.write('\r\x1b[2K');
      if (text.startsWith('waiting')) {
        waiting = text;
        lastRepeat = Date.now();
      }
      process.stderr.write(`[${stamp()}] certify: ${text}\n`);
    },
    stop() {
      clearInterval(timer);
      if (tty && waiting) process.stderr.write('\r\x1b[2K');
    },
  };
}

/**
 * The user's environment variables the bundled service takes, as `pasarela dev` does: they shape the
 * behaviour certified (`PAYMENT_TIMEOUT=2m` certifies a service that gives up after 2 minutes, and
 * fails) and point nowhere. Everything else is certify's: keys, ports, the throw-away database and
 * maildir, its own URL, no report folder, no notification endpoint. So a run never reads or writes
 * the user's folders, databases, endpoints or keys (`PASARELA_REPORTS_DIR`, `DATABASE_URL`,
 * `MERCHANT_WEBHOOK_URL`, `PASARELA_PUBLIC_URL`, `FINTOC_SECRET_KEY` …).
 */
export const BUNDLED_SERVICE_FROM_ENV = [
  'PAYMENT_TIMEOUT',
  'FINTOC_FLOW',
  'LATE_PAYMENT_POLICY',
  'MIN_AMOUNT_CLP',
  'MAX_AMOUNT_CLP',
  'MIN_AMOUNT_MXN',
  'MAX_AMOUNT_MXN',
] as const;

/** How certify starts the sandbox and the bundled service, in `dataDir` (thrown away after the run). */
export function bundledStackOptions(o: {
  env: NodeJS.ProcessEnv;
  abandonAfter: string | undefined;
  dataDir: string;
  keys: { secretKey: string; apiKey: string };
  country: 'cl' | 'mx';
  shopName: string;
}): LocalStackOptions {
  // Fintoc's report files for the run go by e-mail (Fintoc's own channel) into a maildir here.
  const reportsDir = join(o.dataDir, 'reports');
  return {
    // The service's clock moves with the sandbox's, so webhooks are signed on the sandbox's clock.
    sandbox: { port: 0, secretKey: o.keys.secretKey, signWith: 'clock', reportsDir },
    service: {
      port: 0,
      dataDir: join(o.dataDir, 'service'),
      apiKey: o.keys.apiKey,
      env: Object.fromEntries(BUNDLED_SERVICE_FROM_ENV.map((name) => [name, o.env[name]])),
      settings: {
        PASARELA_COUNTRY: o.country,
        PASARELA_SHOP_NAME: o.shopName,
        ...(o.abandonAfter ? { PAYMENT_TIMEOUT: o.abandonAfter } : {}),
        // The service takes Fintoc's report files from the maildir they are e-mailed into.
        PASARELA_REPORTS_MAILDIR: join(reportsDir, 'maildir'),
        LOG_LEVEL: 'error',
      },
      demo: false,
      logLevel: 'error',
    },
    endpointDescription: 'pasarela certify',
  };
}

async function certifyBundled(
  flags: CertifyFlags,
  common: Omit<CertifyOptions, 'target' | 'fintoc' | 'country' | 'clocks'>,
  progress: (line: string) => void,
): Promise<CertifyResult> {
  const { startLocalStack, freshStackKeys, LocalStackConfigError } = await import('./local-stack.js');
  const env = process.env;
  const country = flags.country ?? (env.PASARELA_COUNTRY === 'mx' ? 'mx' : 'cl');
  const shopName = env.PASARELA_SHOP_NAME ?? 'Tienda Pasarela';
  const dataDir = mkdtempSync(join(tmpdir(), 'pasarela-certify-'));
  const keys = freshStackKeys();
  progress('starting the sandbox and the bundled service on a throw-away embedded database');
  let stack;
  try {
    stack = await startLocalStack(
      bundledStackOptions({ env, abandonAfter: flags.abandonAfter, dataDir, keys, country, shopName }),
    );
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    if (err instanceof LocalStackConfigError) throw new CertifyError('config_invalid', err.lines.join(' '));
    throw err;
  }
  try {
    progress(`bundled service at ${stack.server.url}, sandbox at ${stack.sandbox.url}`);
    return await certify({
      ...common,
      country,
      target: {
        ...bundledTarget({ serviceUrl: stack.server.url, apiKey: keys.apiKey, country, shopName }),
        reports: {
          channel: { type: 'email', maildir: 'maildir', to: 'reportes@tienda.invalid' },
          received: {
            path: '/api/reports?limit=500',
            headers: { authorization: `Bearer ${keys.apiKey}` },
            list: 'data',
            field: 'sha256',
          },
        },
      },
      // The bundled service takes Fintoc's report files in: custom-reports is part of its certification.
      customReports: true,
      fintoc: { kind: 'sandbox', url: stack.sandbox.url, secretKey: stack.sandbox.secretKey, control: true },
      clocks: httpTestClocks({
        sandboxUrl: stack.sandbox.url,
        secretKey: stack.sandbox.secretKey,
        serviceUrl: stack.server.url,
        apiKey: keys.apiKey,
      }),
    });
  } finally {
    await stack.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function certifyShop(
  resolved: ResolvedConfig,
  configDir: string,
  common: Omit<CertifyOptions, 'target' | 'fintoc' | 'country' | 'clocks'>,
  progress: (line: string) => void,
): Promise<CertifyResult> {
  let config = resolved;
  const stops: Array<() => Promise<void>> = [];
  try {
    let fintoc: CertifyOptions['fintoc'];
    if (config.fintoc.kind === 'sandbox-start') {
      const { startSandbox, newSecretKey } = await import('../sandbox/index.js');
      const sb = await startSandbox({
        port: config.fintoc.port,
        host: '127.0.0.1',
        secretKey: config.fintoc.secretKey ?? newSecretKey('test'),
      });
      stops.push(() => sb.close());
      progress(`sandbox started at ${sb.url}`);
      fintoc = { kind: 'sandbox', url: sb.url, secretKey: sb.secretKey, control: true };
    } else {
      fintoc = config.fintoc;
    }
    if (config.shopProcess) {
      const p = config.shopProcess;
      const fintocEnv =
        fintoc.kind === 'sandbox'
          ? { FINTOC_API_URL: fintoc.url, FINTOC_SECRET_KEY: fintoc.secretKey }
          : { FINTOC_API_URL: fintoc.apiUrl, FINTOC_SECRET_KEY: fintoc.secretKey };
      const cwd = p.cwd === null ? configDir : isAbsolute(p.cwd) ? p.cwd : resolve(configDir, p.cwd);
      const template = config.target.url;
      let shop: ShopProcess | null = null;
      // shop.port: the port the shop is told to listen on (PORT); 0 picks a free one, tried again
      // if another process takes it before the shop listens.
      for (let attempt = 1; !shop; attempt++) {
        const port = p.port === 0 ? await freePort() : p.port;
        const url = port === null ? template : template.replace('{port}', String(port));
        progress(`starting the shop: ${p.command.join(' ')}${port !== null ? ` (PORT=${port})` : ''}`);
        try {
          shop = await startShopProcess({
            command: p.command,
            cwd,
            env: {
              ...fintocEnv,
              FINTOC_PUBLIC_KEY: fintocEnv.FINTOC_SECRET_KEY.replace(/^sk_/, 'pk_'),
              PAYMENT_TIMEOUT: `${Math.round(config.abandonAfterMs / 1000)}s`,
              ...(port !== null ? { PORT: String(port) } : {}),
              ...p.env,
            },
            readyUrl: `${url}${p.ready.startsWith('/') ? '' : '/'}${p.ready}`,
          });
          config = { ...config, target: { ...config.target, url } };
        } catch (err) {
          if (p.port !== 0 || attempt >= 3 || !/EADDRINUSE/.test(String((err as Error).message))) throw err;
        }
      }
      const started = shop;
      stops.push(() => started.stop());
    }
    return await certify({ ...common, country: config.country, target: config.target, fintoc, clocks: null });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  }
}

/**
 * Runs `pasarela certify` and resolves to its exit code: 0 passed, 1 not passed, 2 bad options or
 * config, 3 could not run.
 */
export async function runCertifyCommand(flags: CertifyFlags): Promise<number> {
  const progress = progressPrinter(false);
  try {
    const usesShopFlags = SHOP_FLAGS.some((k) => flags[k] !== undefined);
    if (flags.config && usesShopFlags) {
      throw new CertifyError(
        'config_invalid',
        'Give either --config or the shop flags (--shop-url …), not both.',
      );
    }
    const concurrency = Number(flags.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16) {
      throw new CertifyError('config_invalid', '--concurrency must be an integer from 1 to 16.');
    }
    const abandonFlag = durationFlag(flags.abandonAfter, '--abandon-after');
    const toleranceFlag = durationFlag(flags.tolerance, '--tolerance');
    let config: ResolvedConfig | null = null;
    let configDir = process.cwd();
    if (flags.config) {
      config = loadConfigFile(flags.config, process.env);
      configDir = dirname(resolve(flags.config));
    } else if (usesShopFlags) {
      config = resolveConfig(configFromFlags(flags, process.env), process.env);
    }
    if (config && flags.country) config = { ...config, country: flags.country };
    const abandonAfterMs = abandonFlag ?? config?.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS;
    if (config) config = { ...config, abandonAfterMs };
    const common = {
      abandonAfterMs,
      toleranceMs: toleranceFlag ?? config?.toleranceMs ?? defaultToleranceMs(abandonAfterMs),
      strict: flags.strict ?? config?.strict ?? false,
      customReports: config?.customReports ?? false,
      concurrency,
      progress: progress.line,
      pasarelaVersion: version(),
    };
    if (abandonAfterMs < DEFAULT_ABANDON_AFTER_MS) {
      progress.line(
        `REHEARSAL: the abandonment timeout is ${flags.abandonAfter ?? 'shortened'}; the report will not count as a certification`,
      );
    }
    const result = config
      ? await certifyShop(config, configDir, common, progress.line)
      : await certifyBundled(flags, common, progress.line);
    progress.stop();
    const out = resolve(flags.out);
    writeReport(out, result.report, result.screenshots);
    if (flags.json) {
      process.stdout.write(redact(`${JSON.stringify(result.report, null, 2)}\n`));
      process.stderr.write(summaryTable(result.report));
    } else {
      process.stdout.write(summaryTable(result.report));
    }
    process.stderr.write(`Report: ${join(out, 'report.html')} (also report.json, report.md)\n`);
    return result.report.passed ? 0 : 1;
  } catch (err) {
    progress.stop();
    if (err instanceof CertifyError) {
      process.stderr.write(`pasarela certify: ${err.code}: ${err.message}\n  fix: ${err.fix}\n`);
      return err.exitCode;
    }
    throw err;
  }
}
