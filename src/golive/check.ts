/**
 * `pasarela check`: live readiness, item by item of Fintoc's go-live checklist. Each item is a
 * verdict (pass, fail, warn, or skip when what it needs failed first) with one sentence saying what
 * was seen and one saying how to fix it. The result is plain data ({@link CheckReport}) so the CLI,
 * `--json` and a dashboard page can all show it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  FINTOC_API_URL,
  FintocAuthenticationError,
  FintocError,
  checkKeyPair,
  createFintocClient,
  keyKind,
  keyMode,
  parseEvent,
  type FintocClient,
  type KeyMode,
  type WebhookEndpoint,
} from '../fintoc/index.js';
import { formatDuration, loadConfig, parseDuration, serviceWebhookEvents } from '../service/index.js';
import {
  DEFAULT_CERTIFY_MAX_AGE_DAYS,
  DEFAULT_CERTIFY_REPORT,
  judgeCertifyReport,
} from './certify-report.js';
import { checkPayoutAccountRecord, PAYOUT_ACCOUNT_FILE, type Country } from './payout-account.js';
import { listEndpoints, missingEvents, sameUrl, webhookUrlFor } from './webhooks.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** Fintoc's checklist items, plus the service Pasarela runs; the order `check` prints them in. */
export const CHECK_SECTIONS = {
  keys: 'Live API keys in your backend',
  service: 'The payments service in production',
  webhooks: 'Webhooks for live mode',
  nulls: 'Webhook edge cases: null fields',
  payout: 'Payout account',
  certification: 'Certification tests',
} as const;
export type CheckSection = keyof typeof CHECK_SECTIONS;

/** Every item `check` reports, with its section and title, in the order it prints them. */
export const CHECK_ITEMS = {
  keys: { section: 'keys', title: 'Live key pair' },
  'keys-fintoc': { section: 'keys', title: 'Fintoc accepts the secret key' },
  config: { section: 'service', title: "The service's configuration" },
  'public-url': { section: 'service', title: 'Public URL' },
  'service-reachable': { section: 'service', title: 'Service reachable over https' },
  'service-mode': { section: 'service', title: 'Service runs in live mode' },
  'service-database': { section: 'service', title: 'Database' },
  'payment-timeout': { section: 'service', title: 'Abandonment timeout' },
  'dashboard-password': { section: 'service', title: 'Dashboard password' },
  'webhook-endpoint': { section: 'webhooks', title: 'Live endpoint at the service' },
  'webhook-events': { section: 'webhooks', title: 'Subscribed events' },
  'webhook-strays': { section: 'webhooks', title: 'No endpoint left at a dev or test URL' },
  'webhook-secret': { section: 'webhooks', title: 'Webhook secret' },
  'null-fields': { section: 'nulls', title: 'Null fields accepted' },
  'payout-account': { section: 'payout', title: 'Payout account details' },
  'api-url': { section: 'certification', title: 'API URL' },
  certification: { section: 'certification', title: 'Certification report' },
} as const satisfies Record<string, { section: CheckSection; title: string }>;
export type CheckItemId = keyof typeof CHECK_ITEMS;

export interface CheckItem {
  id: CheckItemId;
  section: CheckSection;
  title: string;
  status: CheckStatus;
  /** What was seen, one sentence. Never a secret beyond its prefix. */
  summary: string;
  /** How to fix it, one sentence; null when there is nothing to do. */
  fix: string | null;
}

export interface CheckReport {
  schema: 'pasarela.check/v1';
  generated_at: string;
  /** The mode of FINTOC_SECRET_KEY, or null when it is not a key. */
  mode: KeyMode | null;
  country: Country;
  /** True when no item failed (warnings and skips allowed): `check` exits 0. */
  ok: boolean;
  counts: Record<CheckStatus, number>;
  items: CheckItem[];
}

export interface CheckOptions {
  /** The environment the service's configuration comes from (with `.env` already merged). */
  env: Record<string, string | undefined>;
  /** Where relative paths (report, payout account) start. */
  cwd: string;
  /** How `check` reaches Fintoc and the service; default the global fetch. */
  fetch?: typeof fetch;
  now?: () => Date;
  /** Path of the certify report, default `certify-report/report.json`. */
  certifyReport?: string;
  certifyMaxAgeDays?: number;
  /** Path of the payout account record, default `payout-account.json`. */
  payoutAccount?: string;
  /** The integration sends `recipient_account` (direct payments, Chile): no payout account to give. */
  directPayments?: boolean;
  /** How long to wait for Fintoc's test delivery to reach the service, default 20 s. */
  deliveryTimeoutMs?: number;
  /** Called before each slow step (progress for a terminal). */
  onProgress?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const OFFICIAL_API_URL = FINTOC_API_URL;

/** Variables an item judges itself; errors `pasarela serve` would give about them are not repeated under `config`. */
const OWNED_VARIABLES = new Set([
  'FINTOC_SECRET_KEY',
  'FINTOC_PUBLIC_KEY',
  'FINTOC_API_URL',
  'FINTOC_ALLOW_UNOFFICIAL_API_URL',
  'FINTOC_WEBHOOK_SECRET',
  'PASARELA_PUBLIC_URL',
  'PAYMENT_TIMEOUT',
  'PASARELA_DASHBOARD_PASSWORD',
  'DATABASE_URL',
]);

/** A key as it may be printed: its prefix only. */
function keyPrefix(key: string): string {
  const m = /^(?:Bearer )?((?:sk|pk)_(?:test|live)_)/.exec(key);
  return m ? `${m[1]}…` : 'a value that is not a key';
}

const TUNNELS = [
  'ngrok.io',
  'ngrok.app',
  'ngrok-free.app',
  'ngrok.dev',
  'trycloudflare.com',
  'loca.lt',
  'localtunnel.me',
  'serveo.net',
  'localhost.run',
  'lhr.life',
  'webhook.site',
];

/**
 * Why a host cannot be a live service's address (loopback, private network, a reserved test name,
 * a development tunnel), or null when it looks public.
 *
 * @example
 * devHostReason('127.0.0.1'); // 'a loopback address'
 * devHostReason('pagos.tienda.cl'); // null
 */
export function devHostReason(hostname: string): string | null {
  const h = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\./.test(h) || h === '0.0.0.0') {
    return 'a loopback address';
  }
  if (
    /^10\./.test(h) ||
    /^192\.168\./.test(h) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(h) ||
    /^169\.254\./.test(h)
  ) {
    return 'a private network address';
  }
  if (/^f[cd][0-9a-f]{2}:/.test(h) || /^fe80:/.test(h)) return 'a private network address';
  for (const tld of ['test', 'local', 'example', 'invalid', 'internal', 'lan', 'home.arpa']) {
    if (h === tld || h.endsWith(`.${tld}`)) return `a reserved name (.${tld}) that the internet cannot reach`;
  }
  if (h === 'example.com' || h.endsWith('.example.com') || h === 'example.org' || h === 'example.net') {
    return 'an example domain';
  }
  const tunnel = TUNNELS.find((t) => h === t || h.endsWith(`.${t}`));
  if (tunnel) return `a development tunnel (${tunnel})`;
  return null;
}

function tryUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

/** The parsed JSON, or undefined when the text is not JSON. */
function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function get(env: Record<string, string | undefined>, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function describeFetchError(err: unknown): string {
  const e = err as {
    cause?: { code?: string; message?: string };
    code?: string;
    message?: string;
    name?: string;
  };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'no answer in time';
  return e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/**
 * The documented null fields of a payment intent, all null at once, as a customer who leaves
 * mid-process produces them, as Fintoc documents (the webhook schemas' tests check each case).
 */
function nullFieldsEvent(): unknown {
  return {
    id: 'evt_nullfields',
    object: 'event',
    type: 'payment_intent.expired',
    mode: 'live',
    created_at: '2026-01-01T00:00:00Z',
    data: {
      id: 'pi_nullfields',
      object: 'payment_intent',
      amount: 5000,
      currency: 'CLP',
      status: 'expired',
      created_at: '2026-01-01T00:00:00Z',
      mode: 'live',
      metadata: {},
      customer_email: null,
      error_reason: null,
      recipient_account: null,
      reference_id: null,
      sender_account: null,
      transaction_date: null,
      widget_token: null,
      business_profile: null,
      customer: null,
      expires_at: null,
      next_action: null,
      payment_method: null,
      payment_type: null,
      payment_type_options: null,
      subscription: null,
    },
  };
}

/**
 * Runs every item against the configuration in `env`, Fintoc (with the configured keys) and the
 * running service. Never throws for what it finds: every problem is a failed item.
 *
 * @example
 * const report = await runChecks({ env: process.env, cwd: process.cwd() });
 * process.exitCode = report.ok ? 0 : 1;
 */
export async function runChecks(opts: CheckOptions): Promise<CheckReport> {
  const env = opts.env;
  const now = opts.now ?? (() => new Date());
  const fetchImpl = opts.fetch ?? globalThis.fetch;
  const progress = opts.onProgress ?? (() => {});
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const results = new Map<CheckItemId, CheckItem>();
  const put = (id: CheckItemId, status: CheckStatus, summary: string, fix: string | null = null) => {
    results.set(id, { id, ...CHECK_ITEMS[id], status, summary, fix });
  };
  const passed = (id: CheckItemId) => {
    const s = results.get(id)?.status;
    return s === 'pass' || s === 'warn';
  };
  const skip = (id: CheckItemId, because: CheckItemId) =>
    put(id, 'skip', `not checked until "${CHECK_ITEMS[because].title}" passes.`, null);

  const countryText = (get(env, 'PASARELA_COUNTRY') ?? 'cl').toLowerCase();
  const country: Country = countryText === 'mx' ? 'mx' : 'cl';
  const secretKey = get(env, 'FINTOC_SECRET_KEY') ?? '';
  const publicKey = get(env, 'FINTOC_PUBLIC_KEY') ?? '';
  const mode = keyKind(secretKey) === 'secret' ? keyMode(secretKey) : null;

  // ---- keys
  if (!secretKey || !publicKey) {
    const missing = [!secretKey && 'FINTOC_SECRET_KEY', !publicKey && 'FINTOC_PUBLIC_KEY'].filter(Boolean);
    put(
      'keys',
      'fail',
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set.`,
      'In the Fintoc Dashboard, switch to Live mode, open API Keys and set FINTOC_SECRET_KEY=sk_live_… and FINTOC_PUBLIC_KEY=pk_live_… where the service reads its configuration.',
    );
  } else {
    const pair = checkKeyPair(secretKey, publicKey);
    if (!pair.ok) {
      put(
        'keys',
        'fail',
        pair.message.split('. ')[0]!.replace(/\.?$/, '.'),
        pair.message.split('. ').slice(1).join('. ') || null,
      );
    } else if (pair.mode !== 'live') {
      put(
        'keys',
        'fail',
        `FINTOC_SECRET_KEY ${keyPrefix(secretKey)} and FINTOC_PUBLIC_KEY ${keyPrefix(publicKey)} are test keys; live payments need the live pair.`,
        'In the Fintoc Dashboard, switch to Live mode, open API Keys and set FINTOC_SECRET_KEY=sk_live_… and FINTOC_PUBLIC_KEY=pk_live_….',
      );
    } else {
      put(
        'keys',
        'pass',
        `FINTOC_SECRET_KEY ${keyPrefix(secretKey)} and FINTOC_PUBLIC_KEY ${keyPrefix(publicKey)} are a live pair.`,
      );
    }
  }

  // ---- API URL (a certification test: requests go to https://api.fintoc.com/v1/)
  const apiUrlRaw = get(env, 'FINTOC_API_URL');
  let apiUrl = OFFICIAL_API_URL;
  /** False when the URL is no URL, or when a live key would go somewhere other than Fintoc. */
  let apiUsable = true;
  if (apiUrlRaw === undefined) {
    put(
      'api-url',
      'pass',
      `requests go to Fintoc's official ${OFFICIAL_API_URL}/v1/ (FINTOC_API_URL is not set).`,
    );
  } else {
    const u = tryUrl(apiUrlRaw);
    const normal = u ? `${u.origin}${u.pathname}`.replace(/\/+$/, '').replace(/\/v1$/, '') : null;
    if (!u || !/^https?:$/.test(u.protocol) || normal === null) {
      apiUsable = false;
      put(
        'api-url',
        'fail',
        'FINTOC_API_URL is not an http(s) URL.',
        `Remove FINTOC_API_URL; the default is ${OFFICIAL_API_URL}.`,
      );
    } else if (normal === OFFICIAL_API_URL) {
      apiUrl = normal;
      put('api-url', 'pass', `requests go to Fintoc's official ${OFFICIAL_API_URL}/v1/.`);
    } else {
      apiUrl = normal;
      const shown = u.password ? normal.replace(u.password, 'REDACTED') : normal;
      if (get(env, 'FINTOC_ALLOW_UNOFFICIAL_API_URL') === '1') {
        put(
          'api-url',
          'warn',
          `requests go to ${shown}, not ${OFFICIAL_API_URL}; allowed by FINTOC_ALLOW_UNOFFICIAL_API_URL=1 (a proxy).`,
          `Make sure ${shown} forwards to ${OFFICIAL_API_URL} unchanged; the certification checks the URL your application calls.`,
        );
      } else {
        // A test key may go to the sandbox (that is what test mode is for); a live key never leaves Fintoc.
        apiUsable = mode !== 'live';
        put(
          'api-url',
          'fail',
          `requests go to ${shown}, not Fintoc's ${OFFICIAL_API_URL}.`,
          `Remove FINTOC_API_URL (or set FINTOC_ALLOW_UNOFFICIAL_API_URL=1 if it is a proxy to ${OFFICIAL_API_URL}).`,
        );
      }
    }
  }

  // ---- Fintoc accepts the key
  let client: FintocClient | null = null;
  if (mode === null) skip('keys-fintoc', 'keys');
  else if (!apiUsable) skip('keys-fintoc', 'api-url');
  else {
    client = createFintocClient({
      secretKey,
      baseUrl: apiUrl,
      fetch: fetchImpl,
      maxRetries: 1,
      timeoutMs: 15_000,
    });
    progress('asking Fintoc who the secret key belongs to');
    try {
      const who = await client.whoami();
      if (who.mode !== mode) {
        put(
          'keys-fintoc',
          'fail',
          `Fintoc says the secret key ${keyPrefix(secretKey)} belongs to ${who.mode} mode.`,
          'Copy the secret key again from the Fintoc Dashboard in the mode you go live in.',
        );
      } else {
        put(
          'keys-fintoc',
          'pass',
          `Fintoc accepts the secret key: organisation ${JSON.stringify(who.organization_name ?? 'unnamed')}, ${who.mode} mode as Fintoc reports it.`,
        );
      }
    } catch (err) {
      if (err instanceof FintocAuthenticationError) {
        put(
          'keys-fintoc',
          'fail',
          `Fintoc refused the secret key ${keyPrefix(secretKey)} (${err.code ?? 'authentication_error'}).`,
          'Copy the live secret key again from the Fintoc Dashboard (API Keys); it may have been rolled or revoked.',
        );
      } else {
        put(
          'keys-fintoc',
          'fail',
          `could not ask Fintoc at ${apiUrl}: ${err instanceof FintocError ? err.message : describeFetchError(err)}`,
          'Check that this machine reaches the API (DNS, firewall, proxy) and try again.',
        );
      }
    }
  }
  const fintocOk = client !== null && passed('keys-fintoc') && passed('keys');

  // ---- the rest of the service's configuration
  const loaded = loadConfig(env);
  const otherErrors = loaded.ok
    ? []
    : loaded.errors.filter((line) => {
        const vars = /^([A-Z0-9_/]+)/.exec(line)?.[1]?.split('/') ?? [];
        return !vars.some((v) => OWNED_VARIABLES.has(v));
      });
  if (otherErrors.length > 0) {
    put(
      'config',
      'fail',
      `pasarela serve would refuse this configuration: ${otherErrors.join(' ')}`,
      'Fix each variable named above where the service reads its configuration (environment or .env).',
    );
  } else {
    put('config', 'pass', 'pasarela serve accepts the rest of the configuration.');
  }

  // ---- public URL
  const publicUrlRaw = get(env, 'PASARELA_PUBLIC_URL');
  let publicUrl: string | null = null;
  if (publicUrlRaw === undefined) {
    put(
      'public-url',
      'fail',
      'PASARELA_PUBLIC_URL is not set, so checkout links and the webhook URL would be http://HOST:PORT.',
      'Set PASARELA_PUBLIC_URL to the https address where customers and Fintoc reach the service, e.g. https://pagos.tienda.cl.',
    );
  } else {
    const u = tryUrl(publicUrlRaw);
    const dev = u ? devHostReason(u.hostname) : null;
    if (!u || !/^https?:$/.test(u.protocol)) {
      put(
        'public-url',
        'fail',
        'PASARELA_PUBLIC_URL is not an http(s) URL.',
        'Set it to the https address of the service, e.g. https://pagos.tienda.cl.',
      );
    } else if (u.protocol !== 'https:') {
      put(
        'public-url',
        'fail',
        `PASARELA_PUBLIC_URL is ${u.origin}, plain http: Fintoc delivers live webhooks only to https and customers would pay on an insecure page.`,
        'Serve the service over TLS (a load balancer or reverse proxy with a trusted certificate) and set PASARELA_PUBLIC_URL to its https:// address.',
      );
    } else if (dev) {
      put(
        'public-url',
        'fail',
        `PASARELA_PUBLIC_URL is ${u.origin}, ${dev}: neither Fintoc nor customers can reach it.`,
        "Set PASARELA_PUBLIC_URL to the service's public https address on your own domain.",
      );
    } else {
      publicUrl = `${u.origin}${u.pathname}`.replace(/\/+$/, '');
      put('public-url', 'pass', `PASARELA_PUBLIC_URL is ${publicUrl}.`);
    }
  }

  // ---- service reachable, its mode and database
  let readyz: { database?: unknown; mode?: unknown } | null = null;
  if (publicUrl === null) {
    skip('service-reachable', 'public-url');
    skip('service-mode', 'public-url');
  } else {
    progress(`asking the service at ${publicUrl}/readyz`);
    try {
      const res = await fetchImpl(`${publicUrl}/readyz`, {
        signal: AbortSignal.timeout(15_000),
        redirect: 'manual',
      });
      const text = await res.text();
      let body: Record<string, unknown> | null = null;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = null;
      }
      if (res.status === 200 && body?.ok === true) {
        readyz = body;
        put('service-reachable', 'pass', `${publicUrl}/readyz answers over https: ready.`);
      } else if (res.status === 503) {
        put(
          'service-reachable',
          'fail',
          `${publicUrl}/readyz answers 503${typeof (body?.error as { code?: unknown } | undefined)?.code === 'string' ? ` ${(body!.error as { code: string }).code}` : ''}: the service runs but its database is not ready.`,
          'Check DATABASE_URL and that PostgreSQL is up (or the embedded data folder is there), then look at the service logs.',
        );
      } else {
        put(
          'service-reachable',
          'fail',
          `${publicUrl}/readyz answers ${res.status}${body ? '' : ' without JSON'}: that is not Pasarela's service, or a proxy in front of it refuses.`,
          'Point PASARELA_PUBLIC_URL (and the proxy) at the running pasarela serve, so /readyz reaches it.',
        );
      }
    } catch (err) {
      put(
        'service-reachable',
        'fail',
        `could not reach ${publicUrl}/readyz over https: ${describeFetchError(err)}.`,
        'Start the service (pasarela serve) behind TLS with a certificate browsers trust, and make its address reachable from the internet.',
      );
    }
    if (!passed('service-reachable')) skip('service-mode', 'service-reachable');
    else if (readyz?.mode !== 'test' && readyz?.mode !== 'live') {
      put(
        'service-mode',
        'warn',
        'the service does not say which mode it runs in (an older Pasarela?).',
        'Upgrade the service, or check by hand that it runs with the live keys.',
      );
    } else if (readyz.mode !== 'live') {
      put(
        'service-mode',
        'fail',
        `the service at ${publicUrl} runs in ${readyz.mode} mode${mode === 'live' ? ', with other keys than FINTOC_SECRET_KEY here' : ''}.`,
        'Deploy it with the live keys (FINTOC_SECRET_KEY=sk_live_…, FINTOC_PUBLIC_KEY=pk_live_…) and restart it.',
      );
    } else {
      put('service-mode', 'pass', `the service at ${publicUrl} runs in live mode.`);
    }
  }

  const databaseUrl = get(env, 'DATABASE_URL');
  const embeddedWhy =
    'the embedded database (PGlite) lives inside one process on one disk: no second instance can share it, and backups, failover and monitoring are all yours';
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    put(
      'service-database',
      'fail',
      'DATABASE_URL does not start with postgres:// or postgresql://.',
      'Set DATABASE_URL to the PostgreSQL connection URL (postgres://user:password@host:5432/db).',
    );
  } else {
    const kind =
      readyz?.database === 'postgres' || readyz?.database === 'embedded'
        ? readyz.database
        : databaseUrl
          ? 'postgres'
          : 'embedded';
    const source = readyz?.database ? 'the running service reports' : 'DATABASE_URL says';
    if (kind === 'postgres') put('service-database', 'pass', `PostgreSQL (${source} it).`);
    else {
      put(
        'service-database',
        'warn',
        `the embedded database (${source} it): ${embeddedWhy}.`,
        'For live payments set DATABASE_URL to a PostgreSQL server with backups, run pasarela migrate, and restart the service.',
      );
    }
  }

  // ---- abandonment timeout
  const timeoutText = get(env, 'PAYMENT_TIMEOUT') ?? '10m';
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === null) {
    put(
      'payment-timeout',
      'fail',
      `PAYMENT_TIMEOUT "${timeoutText.slice(0, 40)}" is not a duration.`,
      'Unset PAYMENT_TIMEOUT or set it to 10m.',
    );
  } else if (country === 'cl' && timeoutMs !== 600_000) {
    put(
      'payment-timeout',
      'fail',
      `PAYMENT_TIMEOUT is ${formatDuration(timeoutMs)}; Fintoc's certification for Chile expects an abandoned payment canceled after 10 minutes.`,
      'Unset PAYMENT_TIMEOUT (the default is 10m) or set it to 10m.',
    );
  } else {
    put(
      'payment-timeout',
      'pass',
      country === 'cl'
        ? 'PAYMENT_TIMEOUT is 10m, the 10 minutes Fintoc expects in Chile.'
        : `PAYMENT_TIMEOUT is ${formatDuration(timeoutMs)} (Fintoc sets no abandonment rule for Mexico).`,
    );
  }

  // ---- dashboard password
  const dashboardPassword = get(env, 'PASARELA_DASHBOARD_PASSWORD');
  if (dashboardPassword === undefined) {
    put(
      'dashboard-password',
      'fail',
      "PASARELA_DASHBOARD_PASSWORD is not set, so the dashboard signs in with PASARELA_API_KEY, the secret the shop's backend holds.",
      'Set PASARELA_DASHBOARD_PASSWORD to a long random password (12+ characters) for the people who use the dashboard.',
    );
  } else if (dashboardPassword.length < 12) {
    put(
      'dashboard-password',
      'fail',
      'PASARELA_DASHBOARD_PASSWORD is shorter than 12 characters.',
      'Use at least 12 random characters (e.g. openssl rand -base64 18).',
    );
  } else {
    put('dashboard-password', 'pass', 'the dashboard has its own password (PASARELA_DASHBOARD_PASSWORD).');
  }

  // ---- webhooks
  const expectedUrl = publicUrl === null ? null : webhookUrlFor(publicUrl);
  // The events every flow needs; `pasarela webhooks setup` also subscribes the Checkout Sessions'
  // (checkout_session.*), which the session flows use to settle at once (without them, status sync
  // settles those payments, later).
  const requiredEvents = serviceWebhookEvents(['intent']);
  let endpoints: WebhookEndpoint[] | null = null;
  let listError: string | null = null;
  if (fintocOk && client) {
    progress('listing webhook endpoints at Fintoc');
    try {
      endpoints = await listEndpoints(client);
    } catch (err) {
      listError = err instanceof Error ? err.message : String(err);
    }
  }
  let primary: WebhookEndpoint | undefined;
  const fintocGate: CheckItemId = passed('keys') ? 'keys-fintoc' : 'keys';
  if (!fintocOk) skip('webhook-endpoint', fintocGate);
  else if (expectedUrl === null) skip('webhook-endpoint', 'public-url');
  else if (endpoints === null) {
    put(
      'webhook-endpoint',
      'fail',
      `could not list webhook endpoints: ${listError}`,
      'Try again; if it persists, check Fintoc’s status page.',
    );
  } else {
    const here = endpoints.filter((e) => sameUrl(e.url, expectedUrl));
    const enabled = here.filter((e) => e.status === 'enabled');
    primary = enabled[0] ?? here[0];
    const sameHostPath = endpoints.filter((e) => {
      try {
        const a = new URL(e.url);
        const b = new URL(expectedUrl);
        return a.host === b.host && a.pathname === b.pathname && a.protocol !== b.protocol;
      } catch {
        return false;
      }
    });
    if (!primary) {
      put(
        'webhook-endpoint',
        'fail',
        `no live webhook endpoint at ${expectedUrl}${sameHostPath.length ? ` (${sameHostPath[0]!.id} is at ${sameHostPath[0]!.url}, which Fintoc does not deliver live events to)` : ''}.`,
        `Run pasarela webhooks setup (it creates the endpoint for ${expectedUrl} and shows its secret once)${sameHostPath.length ? `, then delete ${sameHostPath[0]!.id}` : ''}.`,
      );
    } else if (primary.mode !== 'live') {
      put(
        'webhook-endpoint',
        'fail',
        `${primary.id} at ${expectedUrl} is a ${primary.mode} endpoint.`,
        'Run pasarela webhooks setup with the live secret key.',
      );
    } else if (primary.status !== 'enabled') {
      put(
        'webhook-endpoint',
        'fail',
        `${primary.id} at ${expectedUrl} is disabled: Fintoc sends it nothing.`,
        'Run pasarela webhooks setup (it enables the endpoint).',
      );
    } else if (enabled.length > 1) {
      put(
        'webhook-endpoint',
        'warn',
        `${enabled.length} enabled endpoints at ${expectedUrl} (${enabled.map((e) => e.id).join(', ')}): a secret rotation in progress, each event arrives twice.`,
        'Once FINTOC_WEBHOOK_SECRET holds the new secret everywhere, finish with pasarela webhooks rotate --finish.',
      );
    } else {
      put('webhook-endpoint', 'pass', `${primary.id} (live, enabled) at ${expectedUrl}.`);
    }
  }

  if (!passed('webhook-endpoint') || !primary) skip('webhook-events', 'webhook-endpoint');
  else {
    const missing = missingEvents(primary, requiredEvents);
    if (missing.length > 0) {
      put(
        'webhook-events',
        'fail',
        `${primary.id} does not send ${missing.join(', ')}, which the service handles.`,
        'Run pasarela webhooks setup (it adds the missing events and keeps the others).',
      );
    } else {
      put(
        'webhook-events',
        'pass',
        `${primary.id} sends every event the service handles (${requiredEvents.join(', ')}).`,
      );
    }
  }

  if (!fintocOk) skip('webhook-strays', fintocGate);
  else if (endpoints === null) skip('webhook-strays', 'webhook-endpoint');
  else {
    const strays = endpoints.filter((e) => {
      if (e.status !== 'enabled') return false;
      let u: URL;
      try {
        u = new URL(e.url);
      } catch {
        return true;
      }
      if (expectedUrl !== null) {
        const x = new URL(expectedUrl);
        if (u.host === x.host && u.pathname === x.pathname) return false; // judged by webhook-endpoint
      }
      return u.protocol !== 'https:' || devHostReason(u.hostname) !== null;
    });
    if (strays.length > 0) {
      const shown = strays.slice(0, 3).map((e) => {
        let why = 'not https';
        try {
          why = devHostReason(new URL(e.url).hostname) ?? why;
        } catch {
          why = 'not a URL';
        }
        return `${e.id} → ${e.url} (${why})`;
      });
      put(
        'webhook-strays',
        'fail',
        `live events also go to ${shown.join('; ')}${strays.length > 3 ? ` and ${strays.length - 3} more` : ''}.`,
        'Delete or disable those endpoints in the Fintoc Dashboard (live mode, Webhooks): live payment data must not reach a development machine.',
      );
    } else {
      put(
        'webhook-strays',
        'pass',
        `none of the ${endpoints.length} live endpoints points at a development or test URL.`,
      );
    }
  }

  const secrets = (get(env, 'FINTOC_WEBHOOK_SECRET') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const badSecret = secrets.findIndex((s) => !/^whsec_[A-Za-z0-9_-]+$/.test(s));
  if (secrets.length === 0) {
    put(
      'webhook-secret',
      'fail',
      'FINTOC_WEBHOOK_SECRET is not set, so the service cannot verify a single webhook.',
      'Set it to the secret pasarela webhooks setup showed (or run it with --write-env .env); lost it? run pasarela webhooks rotate.',
    );
  } else if (badSecret >= 0) {
    put(
      'webhook-secret',
      'fail',
      `FINTOC_WEBHOOK_SECRET entry ${badSecret + 1} does not look like whsec_….`,
      'Copy the endpoint secret exactly as pasarela webhooks setup showed it.',
    );
  } else if (!passed('webhook-endpoint') || !primary) skip('webhook-secret', 'webhook-endpoint');
  else if (!passed('service-reachable')) skip('webhook-secret', 'service-reachable');
  else {
    await confirmSecret(primary);
  }

  async function confirmSecret(endpoint: WebhookEndpoint): Promise<void> {
    const byHand =
      'Confirm by hand: in the Fintoc Dashboard (live mode, Webhooks, this endpoint) the recent deliveries must show 200; a 400 no_matching_signature in the service logs means FINTOC_WEBHOOK_SECRET is not this endpoint’s secret.';
    const deliveriesOf = async (query: string): Promise<{ data: Array<Record<string, unknown>> } | null> => {
      try {
        const res = await fetchImpl(`${apiUrl}/_sandbox/deliveries?${query}`, {
          headers: { authorization: secretKey, accept: 'application/json' },
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status !== 200) return null;
        const body = (await res.json()) as { data?: unknown };
        return Array.isArray(body.data) ? (body as { data: Array<Record<string, unknown>> }) : null;
      } catch {
        return null;
      }
    };
    // Only an API that reports deliveries (the sandbox does; Fintoc documents no such endpoint) can
    // tell whether the service took a signed event, so the test event is sent only there.
    if ((await deliveriesOf(`endpoint_id=${encodeURIComponent(endpoint.id)}`)) === null) {
      put(
        'webhook-secret',
        'warn',
        `FINTOC_WEBHOOK_SECRET is set (${secrets.length} secret${secrets.length > 1 ? 's' : ''}), but Fintoc's API does not say whether the service accepted a delivery, so it cannot be confirmed from here.`,
        byHand,
      );
      return;
    }
    const type = endpoint.enabled_events.includes('*')
      ? requiredEvents[0]!
      : (requiredEvents.find((t) => endpoint.enabled_events.includes(t)) ?? requiredEvents[0]!);
    progress(`sending a test ${type} event to ${endpoint.url}`);
    let eventId: string;
    try {
      const event = (await client!.webhookEndpoints.test(endpoint.id, { type })) as { id?: unknown };
      if (typeof event?.id !== 'string') throw new Error('the answer has no event id');
      eventId = event.id;
    } catch (err) {
      put(
        'webhook-secret',
        'warn',
        `Fintoc did not send a test event (${err instanceof Error ? err.message : String(err)}), so the secret cannot be confirmed.`,
        byHand,
      );
      return;
    }
    const deadline = Date.now() + (opts.deliveryTimeoutMs ?? 20_000);
    for (;;) {
      const list = await deliveriesOf(`event_id=${encodeURIComponent(eventId)}`);
      const attempts = (list?.data[0]?.attempts ?? []) as Array<{
        status_code?: number | null;
        response_body_excerpt?: string | null;
        error?: string | null;
        outcome?: string;
      }>;
      // An attempt is listed as soon as it starts; it is over when it has a status code or an error.
      const first = attempts.find((a) => (a.status_code ?? null) !== null || (a.error ?? null) !== null);
      if (first) {
        const code = first.status_code ?? null;
        if (code !== null && code >= 200 && code < 300) {
          put(
            'webhook-secret',
            'pass',
            `the service accepted a test event (${eventId}) signed with ${endpoint.id}'s secret: FINTOC_WEBHOOK_SECRET matches.`,
          );
        } else if (code !== null && /no_matching_signature/.test(first.response_body_excerpt ?? '')) {
          put(
            'webhook-secret',
            'fail',
            `the service refused the test event ${eventId} (400 no_matching_signature): its FINTOC_WEBHOOK_SECRET is not ${endpoint.id}'s secret.`,
            "Set FINTOC_WEBHOOK_SECRET to this endpoint's secret and restart the service; if the secret is lost, run pasarela webhooks rotate.",
          );
        } else {
          put(
            'webhook-secret',
            'fail',
            `Fintoc's test event ${eventId} did not get a 2xx from the service (${code !== null ? `HTTP ${code}` : (first.error ?? 'no answer')}).`,
            `Make ${endpoint.url} reach pasarela serve (POST /webhooks/fintoc) and look at its logs for this event.`,
          );
        }
        return;
      }
      if (Date.now() > deadline) {
        put(
          'webhook-secret',
          'warn',
          `Fintoc's test event ${eventId} was not delivered within ${Math.round((opts.deliveryTimeoutMs ?? 20_000) / 1000)} s.`,
          byHand,
        );
        return;
      }
      await sleep(250);
    }
  }

  // ---- null fields
  try {
    parseEvent(nullFieldsEvent());
    put(
      'null-fields',
      'pass',
      'payment_intent events with every documented null (sender_account, error_reason, widget_token, reference_id, transaction_date, customer_email, …) are accepted; the tests prove it for every step of a payment (src/fintoc/schemas.test.ts, "with the nulls of that step") and for a customer who leaves (test/service/webhooks.test.ts, "accepts null fields").',
    );
  } catch (err) {
    put(
      'null-fields',
      'fail',
      `this build refuses an event with the documented null fields: ${err instanceof Error ? err.message : String(err)}`,
      'Reinstall Pasarela; the schemas in src/fintoc must accept every documented null.',
    );
  }

  // ---- payout account
  if (opts.directPayments) {
    put(
      'payout-account',
      'skip',
      'direct payments: the money goes straight to the recipient_account of each payment intent, so Fintoc pays nothing out and needs no payout account.',
      null,
    );
  } else {
    const path = resolve(opts.cwd, opts.payoutAccount ?? PAYOUT_ACCOUNT_FILE);
    const text = readText(path);
    if (text === null) {
      put(
        'payout-account',
        'fail',
        `no payout account record at ${path}.`,
        'Run pasarela payout-account, then e-mail payout-account.eml to your Account Executive (Fintoc Collects pays out to that account).',
      );
    } else {
      const json = tryJson(text);
      const r =
        json === undefined
          ? { ok: false as const, problems: ['it is not JSON'] }
          : checkPayoutAccountRecord(json, country);
      if (!r.ok) {
        put(
          'payout-account',
          'fail',
          `${path} is not a valid payout account for ${country}: ${r.problems.join('; ')}.`,
          'Run pasarela payout-account again with the right details and e-mail the new payout-account.eml to your Account Executive.',
        );
      } else {
        const a = r.account;
        const what =
          a.country === 'cl'
            ? `${a.bank.name}, account …${a.account_number.slice(-4)}, RUT ${a.rut}`
            : `${a.company_name}, ${a.bank.name}, RFC ${a.rfc}`;
        put(
          'payout-account',
          'pass',
          `${path} is valid for ${country === 'cl' ? 'Chile' : 'Mexico'} (${what}); it is sent when payout-account.eml reaches your Account Executive.`,
        );
      }
    }
  }

  // ---- certification report
  const reportPath = resolve(opts.cwd, opts.certifyReport ?? DEFAULT_CERTIFY_REPORT);
  const reportText = readText(reportPath);
  if (reportText === null) {
    put(
      'certification',
      'fail',
      `no certification report at ${reportPath}.`,
      'Run pasarela certify (against Fintoc’s test mode, or the sandbox) and keep its report folder here, or pass --certify-report PATH.',
    );
  } else {
    const v = judgeCertifyReport(tryJson(reportText) ?? null, {
      country,
      now: now(),
      maxAgeDays: opts.certifyMaxAgeDays ?? DEFAULT_CERTIFY_MAX_AGE_DAYS,
    });
    if (v.ok) put('certification', 'pass', `${reportPath}: ${v.summary}.`);
    else
      put(
        'certification',
        'fail',
        `${reportPath}: ${v.problem}.`,
        v.fix.charAt(0).toUpperCase() + v.fix.slice(1),
      );
  }

  const items = (Object.keys(CHECK_ITEMS) as CheckItemId[]).map((id) => results.get(id)!);
  const counts = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const i of items) counts[i.status]++;
  return {
    schema: 'pasarela.check/v1',
    generated_at: now().toISOString(),
    mode,
    country,
    ok: counts.fail === 0,
    counts,
    items,
  };
}

const SYMBOL: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };

/**
 * The report as a person reads it: one line per item (✓ passed, ✗ failed, ! a warning, - not
 * checked because something before it failed), the fix under each one that needs it.
 *
 * @example
 * process.stdout.write(formatCheckReport(await runChecks({ env, cwd })));
 */
export function formatCheckReport(report: CheckReport): string {
  const out: string[] = [
    `Pasarela go-live check: ${report.mode ?? 'no valid'} keys, ${report.country === 'cl' ? 'Chile' : 'Mexico'}`,
  ];
  for (const [section, title] of Object.entries(CHECK_SECTIONS)) {
    const items = report.items.filter((i) => i.section === section);
    if (items.length === 0) continue;
    out.push('', title);
    for (const i of items) {
      out.push(`  ${SYMBOL[i.status]} ${i.title}: ${i.summary}`);
      if (i.fix && i.status !== 'pass') out.push(`      fix: ${i.fix}`);
    }
  }
  const c = report.counts;
  out.push(
    '',
    `${c.pass} ✓, ${c.fail} ✗, ${c.warn} !, ${c.skip} not checked. ${report.ok ? (c.warn > 0 ? 'Ready to go live, after reading the warnings.' : 'Ready to go live.') : 'Not ready: fix each ✗ and run pasarela check again.'}`,
  );
  return `${out.join('\n')}\n`;
}
