import { isIP } from 'node:net';
import { FINTOC_API_URL, checkKeyPair } from '../fintoc/index.js';
import { parseDuration } from './duration.js';
import { DEFAULT_AMOUNT_LIMITS, countryCurrency, type AmountLimits, type Currency } from './money.js';
import { PAYMENT_FLOWS, isPaymentFlow, type PaymentFlow } from './state.js';

export type Country = 'cl' | 'mx';
export type LatePaymentPolicy = 'accept' | 'refund';

/** The whole configuration; secret values stay on the server (see {@link publicConfig}). */
export interface ServiceConfig {
  fintoc: {
    secretKey: string;
    publicKey: string;
    /** Several during a rotation; every one is tried. */
    webhookSecrets: string[];
    apiUrl: string;
    widgetUrl: string;
    mode: 'test' | 'live';
  };
  /** `null` means the embedded database under {@link dataDir}. */
  databaseUrl: string | null;
  /** How long a start keeps trying a PostgreSQL server that does not answer yet (`DATABASE_WAIT`). */
  databaseWaitMs: number;
  dataDir: string;
  apiKey: string;
  /** A second secret that signs in to the dashboard (`PASARELA_DASHBOARD_PASSWORD`), for staff without the API key. */
  dashboardPassword: string | null;
  paymentTimeoutMs: number;
  /** `FINTOC_FLOW`: how new payments are paid unless they name their own `flow`. */
  flow: PaymentFlow;
  country: Country;
  defaultCurrency: Currency;
  latePaymentPolicy: LatePaymentPolicy;
  merchantWebhook: { url: string; secret: string } | null;
  port: number;
  host: string;
  /**
   * Which proxies in front may tell the client's address (`X-Forwarded-For`): `false` none (the
   * socket's address is the client's), a hop count, or their addresses/CIDR ranges.
   */
  trustProxy: false | number | string[];
  /** Base of `checkout_url`; defaults to `http://HOST:PORT`. */
  publicUrl: string;
  shopName: string;
  /** The shop's own site, the checkout's "back to the shop" when a payment has no `metadata.return_url`. */
  shopUrl: string | null;
  amountLimits: Record<Currency, AmountLimits>;
  /** Fintoc's report files: a folder watched for them and a maildir whose mails carry them (null: none). */
  reports: { dir: string | null; maildir: string | null };
  /** How often the Payouts API is read (`PASARELA_PAYOUTS_SYNC`); null: never. */
  payoutsSyncMs: number | null;
}

/** What pages and browsers may see: never a secret. */
export interface PublicConfig {
  publicKey: string;
  widgetUrl: string;
  country: Country;
  currency: Currency;
  shopName: string;
  shopUrl: string | null;
  mode: 'test' | 'live';
}

export function publicConfig(config: ServiceConfig): PublicConfig {
  return {
    publicKey: config.fintoc.publicKey,
    widgetUrl: config.fintoc.widgetUrl,
    country: config.country,
    currency: config.defaultCurrency,
    shopName: config.shopName,
    shopUrl: config.shopUrl,
    mode: config.fintoc.mode,
  };
}

export type ConfigResult =
  { ok: true; config: ServiceConfig; warnings: string[] } | { ok: false; errors: string[] };

const OFFICIAL_API_URL = FINTOC_API_URL.replace(/\/+$/, '').replace(/\/v1$/, '');

/**
 * Every environment variable the service reads, in the order `.env.example` lists them (a test
 * keeps the two, and this file's reads, in step).
 */
export const CONFIG_VARIABLES = [
  'FINTOC_SECRET_KEY',
  'FINTOC_PUBLIC_KEY',
  'FINTOC_WEBHOOK_SECRET',
  'FINTOC_API_URL',
  'FINTOC_ALLOW_UNOFFICIAL_API_URL',
  'FINTOC_WIDGET_URL',
  'FINTOC_FLOW',
  'PASARELA_API_KEY',
  'PASARELA_DASHBOARD_PASSWORD',
  'DATABASE_URL',
  'DATABASE_WAIT',
  'PASARELA_DATA_DIR',
  'PASARELA_COUNTRY',
  'PAYMENT_TIMEOUT',
  'LATE_PAYMENT_POLICY',
  'MERCHANT_WEBHOOK_URL',
  'MERCHANT_WEBHOOK_SECRET',
  'MIN_AMOUNT_CLP',
  'MAX_AMOUNT_CLP',
  'MIN_AMOUNT_MXN',
  'MAX_AMOUNT_MXN',
  'PASARELA_PUBLIC_URL',
  'PASARELA_SHOP_NAME',
  'PASARELA_SHOP_URL',
  'PORT',
  'HOST',
  'PASARELA_TRUST_PROXY',
  'LOG_LEVEL',
  'PASARELA_REPORTS_DIR',
  'PASARELA_REPORTS_MAILDIR',
  'PASARELA_PAYOUTS_SYNC',
] as const;

/**
 * Reads and validates the configuration from environment variables (docs/service.md lists them). Every
 * problem gives one line naming the variable and the fix; values of secrets never appear.
 *
 * @example
 * const result = loadConfig(process.env);
 * if (!result.ok) for (const line of result.errors) console.error(line);
 */
export function loadConfig(env: Record<string, string | undefined>): ConfigResult {
  const errors: string[] = [];
  const warnings: string[] = [];
  const get = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const required = (name: string, hint: string): string => {
    const v = get(name);
    if (v === undefined) errors.push(`${name} is missing: ${hint}`);
    return v ?? '';
  };

  const secretKey = required(
    'FINTOC_SECRET_KEY',
    'set it to your Fintoc secret key (sk_test_… or sk_live_…).',
  );
  const publicKey = required('FINTOC_PUBLIC_KEY', 'set it to the public key (pk_…) of the same mode.');
  let mode: 'test' | 'live' = 'test';
  if (secretKey && publicKey) {
    const pair = checkKeyPair(secretKey, publicKey);
    if (pair.ok) mode = pair.mode;
    else {
      const variable =
        pair.code === 'invalid_secret_key'
          ? 'FINTOC_SECRET_KEY'
          : pair.code === 'invalid_public_key'
            ? 'FINTOC_PUBLIC_KEY'
            : 'FINTOC_SECRET_KEY/FINTOC_PUBLIC_KEY';
      errors.push(`${variable} (${pair.code}): ${pair.message}`);
    }
  }

  const webhookSecrets = (
    required(
      'FINTOC_WEBHOOK_SECRET',
      'set it to the whsec_… secret of your Fintoc webhook endpoint (comma-separated during a rotation).',
    ) || ''
  )
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  webhookSecrets.forEach((s, i) => {
    if (!/^whsec_[A-Za-z0-9_-]+$/.test(s)) {
      errors.push(
        `FINTOC_WEBHOOK_SECRET: entry ${i + 1} does not look like whsec_…; copy the endpoint secret from the Fintoc Dashboard.`,
      );
    }
  });

  const apiUrlRaw = get('FINTOC_API_URL') ?? OFFICIAL_API_URL;
  let apiUrl = apiUrlRaw.replace(/\/+$/, '');
  if (!isHttpUrl(apiUrlRaw)) {
    errors.push(`FINTOC_API_URL is not an http(s) URL; use ${OFFICIAL_API_URL} (the default).`);
  } else {
    apiUrl = apiUrl.replace(/\/v1$/, '');
    const official = apiUrl === OFFICIAL_API_URL;
    if (mode === 'live' && !official) {
      const shown = withoutPassword(apiUrl);
      if (get('FINTOC_ALLOW_UNOFFICIAL_API_URL') === '1') {
        warnings.push(
          `LIVE secret key with FINTOC_API_URL=${shown}, not ${OFFICIAL_API_URL}: allowed by FINTOC_ALLOW_UNOFFICIAL_API_URL=1. Live payments will not reach Fintoc unless this is a proxy to it.`,
        );
      } else {
        errors.push(
          `FINTOC_API_URL: a live secret key must talk to ${OFFICIAL_API_URL}, not ${shown}; remove FINTOC_API_URL (or set FINTOC_ALLOW_UNOFFICIAL_API_URL=1 for a proxy).`,
        );
      }
    }
  }
  const widgetUrl = get('FINTOC_WIDGET_URL') ?? 'https://js.fintoc.com/v1/';
  if (!isHttpUrl(widgetUrl))
    errors.push('FINTOC_WIDGET_URL is not an http(s) URL; leave it unset for https://js.fintoc.com/v1/.');

  const flowText = (get('FINTOC_FLOW') ?? 'session').toLowerCase();
  const flow: PaymentFlow = isPaymentFlow(flowText) ? flowText : 'session';
  if (!isPaymentFlow(flowText)) {
    errors.push(
      `FINTOC_FLOW must be ${PAYMENT_FLOWS.join(', ')}: session (a Checkout Session in the embedded widget, the default), redirect (Fintoc's hosted page) or intent (a payment intent and its widget_token).`,
    );
  }

  const databaseUrl = get('DATABASE_URL') ?? null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    errors.push(
      'DATABASE_URL must start with postgres:// or postgresql://; unset it to use the embedded database.',
    );
  }
  const dataDir = get('PASARELA_DATA_DIR') ?? './.pasarela';
  const waitText = get('DATABASE_WAIT') ?? '60s';
  const databaseWaitMs = parseDuration(waitText);
  if (databaseWaitMs === null) {
    errors.push(`DATABASE_WAIT: "${waitText}" is not a duration; write it like 60s or 2m.`);
  }

  const apiKey = required(
    'PASARELA_API_KEY',
    "set it to a long random string; the shop's backend sends it as Authorization: Bearer <key>.",
  );
  if (apiKey && apiKey.length < 16) {
    errors.push(
      'PASARELA_API_KEY is too short: use at least 16 random characters (e.g. openssl rand -hex 24).',
    );
  }

  const dashboardPassword = get('PASARELA_DASHBOARD_PASSWORD') ?? null;
  if (dashboardPassword !== null && dashboardPassword.length < 12) {
    errors.push(
      'PASARELA_DASHBOARD_PASSWORD is too short: use at least 12 characters, or unset it to sign in with PASARELA_API_KEY.',
    );
  }

  const timeoutText = get('PAYMENT_TIMEOUT') ?? '10m';
  const paymentTimeoutMs = parseDuration(timeoutText);
  if (paymentTimeoutMs === null) {
    errors.push(`PAYMENT_TIMEOUT: "${timeoutText}" is not a duration; write it like 10m, 90s or 1h.`);
  } else if (paymentTimeoutMs < 10_000) {
    errors.push('PAYMENT_TIMEOUT must be at least 10s; Fintoc recommends 10m.');
  }

  const countryText = (get('PASARELA_COUNTRY') ?? 'cl').toLowerCase();
  const country: Country = countryText === 'mx' ? 'mx' : 'cl';
  if (countryText !== 'cl' && countryText !== 'mx') errors.push('PASARELA_COUNTRY must be cl or mx.');

  const policyText = (get('LATE_PAYMENT_POLICY') ?? 'accept').toLowerCase();
  const latePaymentPolicy: LatePaymentPolicy = policyText === 'refund' ? 'refund' : 'accept';
  if (policyText !== 'accept' && policyText !== 'refund') {
    errors.push('LATE_PAYMENT_POLICY must be accept (fulfil the order) or refund (refund through Fintoc).');
  }

  const merchantUrl = get('MERCHANT_WEBHOOK_URL');
  const merchantSecret = get('MERCHANT_WEBHOOK_SECRET');
  let merchantWebhook: ServiceConfig['merchantWebhook'] = null;
  if (merchantUrl !== undefined) {
    if (!isHttpUrl(merchantUrl)) errors.push('MERCHANT_WEBHOOK_URL is not an http(s) URL.');
    if (merchantSecret === undefined) {
      errors.push(
        'MERCHANT_WEBHOOK_SECRET is missing: notifications are signed; set a whsec_<base64> secret (e.g. whsec_$(openssl rand -base64 24)).',
      );
    } else if (!isStandardWebhookSecret(merchantSecret)) {
      errors.push('MERCHANT_WEBHOOK_SECRET must be whsec_ followed by base64 of at least 24 bytes.');
    } else {
      merchantWebhook = { url: merchantUrl, secret: merchantSecret };
    }
  } else if (merchantSecret !== undefined) {
    warnings.push('MERCHANT_WEBHOOK_SECRET is set without MERCHANT_WEBHOOK_URL: the shop is not notified.');
  }

  const trustProxy = parseTrustProxy(get('PASARELA_TRUST_PROXY'));
  if (typeof trustProxy === 'string') errors.push(`PASARELA_TRUST_PROXY: ${trustProxy}`);

  const port = parsePort(get('PORT') ?? '3000');
  if (port === null) errors.push('PORT must be an integer between 0 and 65535.');
  const host = get('HOST') ?? '127.0.0.1';
  const publicUrlRaw = get('PASARELA_PUBLIC_URL');
  if (publicUrlRaw !== undefined && !isHttpUrl(publicUrlRaw))
    errors.push('PASARELA_PUBLIC_URL is not an http(s) URL.');
  const publicUrl = (
    publicUrlRaw ?? `http://${host.includes(':') ? `[${host}]` : host}:${port ?? 3000}`
  ).replace(/\/+$/, '');

  if (flow === 'redirect' && !returnsAllowed(publicUrl)) {
    warnings.push(
      `FINTOC_FLOW=redirect: Fintoc sends customers back only to https URLs, and checkout_url's base ${publicUrl} is not one; set PASARELA_PUBLIC_URL to the service's https address.`,
    );
  }

  const shopUrl = get('PASARELA_SHOP_URL') ?? null;
  if (shopUrl !== null && !isHttpUrl(shopUrl)) {
    errors.push(
      "PASARELA_SHOP_URL is not an http(s) URL; set it to your shop's home page, e.g. https://shop.example.",
    );
  }

  const amountLimits = { CLP: { ...DEFAULT_AMOUNT_LIMITS.CLP }, MXN: { ...DEFAULT_AMOUNT_LIMITS.MXN } };
  for (const currency of ['CLP', 'MXN'] as const) {
    for (const bound of ['min', 'max'] as const) {
      const name = `${bound.toUpperCase()}_AMOUNT_${currency}`;
      const v = get(name);
      if (v === undefined) continue;
      if (!/^\d+$/.test(v) || Number(v) <= 0 || !Number.isSafeInteger(Number(v))) {
        errors.push(`${name} must be a positive integer in minor units.`);
      } else amountLimits[currency][bound] = Number(v);
    }
    if (amountLimits[currency].min > amountLimits[currency].max) {
      errors.push(`MIN_AMOUNT_${currency} is larger than MAX_AMOUNT_${currency}.`);
    }
  }

  const payoutsSyncText = (get('PASARELA_PAYOUTS_SYNC') ?? '24h').toLowerCase();
  const payoutsSyncMs = payoutsSyncText === 'off' ? null : parseDuration(payoutsSyncText);
  if (payoutsSyncText !== 'off' && (payoutsSyncMs === null || payoutsSyncMs < 60_000)) {
    errors.push(
      `PASARELA_PAYOUTS_SYNC: "${payoutsSyncText}" is not a duration of at least 1m; write it like 24h, or off.`,
    );
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    warnings,
    config: {
      fintoc: { secretKey, publicKey, webhookSecrets, apiUrl, widgetUrl, mode },
      databaseUrl,
      databaseWaitMs: databaseWaitMs ?? 60_000,
      dataDir,
      apiKey,
      dashboardPassword,
      paymentTimeoutMs: paymentTimeoutMs ?? 600_000,
      flow,
      country,
      defaultCurrency: countryCurrency(country),
      latePaymentPolicy,
      merchantWebhook,
      port: port ?? 3000,
      host,
      trustProxy: typeof trustProxy === 'string' ? false : trustProxy,
      publicUrl,
      shopName: get('PASARELA_SHOP_NAME') ?? 'Pasarela shop',
      shopUrl,
      amountLimits,
      reports: { dir: get('PASARELA_REPORTS_DIR') ?? null, maildir: get('PASARELA_REPORTS_MAILDIR') ?? null },
      payoutsSyncMs: payoutsSyncMs !== null && payoutsSyncMs >= 60_000 ? payoutsSyncMs : null,
    },
  };
}

/** Every secret value in a config, for log redaction. */
export function secretsOf(config: ServiceConfig): string[] {
  return [
    config.fintoc.secretKey,
    ...config.fintoc.webhookSecrets,
    config.apiKey,
    ...(config.dashboardPassword ? [config.dashboardPassword] : []),
    ...(config.merchantWebhook ? [config.merchantWebhook.secret] : []),
    ...[config.databaseUrl, config.fintoc.apiUrl].flatMap((url) => passwordsOf(url ?? '')),
  ].filter((s) => s.length >= 6);
}

/** The password in a URL's user info (a proxy's, a database's), as written and decoded. */
function passwordsOf(url: string): string[] {
  try {
    const raw = new URL(url).password;
    return raw ? [raw, decodeURIComponent(raw)] : [];
  } catch {
    return [];
  }
}

/** A URL as it may be printed: any password in it replaced. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = 'REDACTED';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Whether Fintoc takes this base for a Checkout Session's `success_url`/`cancel_url`: https, or http
 * on a loopback host (the redirect flow needs it).
 *
 * @example
 * returnsAllowed('http://127.0.0.1:3000'); // true
 * returnsAllowed('http://shop.example'); // false
 */
export function returnsAllowed(base: string): boolean {
  try {
    const u = new URL(base);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    return u.protocol === 'https:' || host === 'localhost' || host === '::1' || host.startsWith('127.');
  } catch {
    return false;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * `PASARELA_TRUST_PROXY`: unset, `false` or `0` trusts no proxy; `1`…`10` trusts that many hops in
 * front; otherwise a comma-separated list of addresses or CIDR ranges (`10.0.0.0/8`, `::1`) or the
 * names `loopback`, `linklocal`, `uniquelocal`. Returns the setting, or a message saying what is wrong.
 */
export function parseTrustProxy(text: string | undefined): false | number | string[] | string {
  if (text === undefined || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '*') {
    return 'trusting every proxy lets any client choose its own address with X-Forwarded-For; give the number of proxies in front of the service (e.g. 1) or their addresses.';
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return hops <= 10 ? hops : "a hop count is at most 10; give the proxies' addresses instead.";
  }
  const entries = text.split(',').map((e) => e.trim());
  for (const entry of entries) {
    if (['loopback', 'linklocal', 'uniquelocal'].includes(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      extra !== undefined ||
      (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > maxBits))
    ) {
      return `"${entry.slice(0, 60)}" is not an address, a CIDR range or loopback/linklocal/uniquelocal; write e.g. 1, or 10.0.0.1,192.168.0.0/16.`;
    }
  }
  return entries;
}

function parsePort(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= 0 && n <= 65535 ? n : null;
}

export function isStandardWebhookSecret(secret: string): boolean {
  if (!secret.startsWith('whsec_')) return false;
  const b64 = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return false;
  return Buffer.from(b64, 'base64').length >= 24;
}
