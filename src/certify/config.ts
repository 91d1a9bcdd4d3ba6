/**
 * `certify.json`: how to certify any shop. It names the Fintoc to use (a sandbox certify starts, a
 * running sandbox, or Fintoc's test mode), how a payment starts (a page and its button, or an HTTP
 * call that answers a checkout URL), what the checkout page shows in each state, how to read the
 * shop's own verdict about a payment, and the country. docs/certify.md documents every field.
 * `${NAME}` in any string is replaced by the environment variable NAME, so keys stay out of files.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { keyKind, keyMode } from '../fintoc/index.js';
import { CertifyError } from './errors.js';
import { APPROVED_COPY, CURRENCY_OF, type Country } from './scenarios.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * `15s`, `10m`, `1m30s`, `500ms`, or a number of seconds, in milliseconds; null when not one.
 *
 * @example
 * parseDurationMs('10m'); // 600000
 */
export function parseDurationMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.round(value * 1000) : null;
  if (typeof value !== 'string' || !/^(\d+(ms|s|m|h))+$/.test(value.trim())) return null;
  let total = 0;
  for (const m of value.trim().matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0);
  return total > 0 && Number.isSafeInteger(total) ? total : null;
}

const text = (max = 2000) => z.string().min(1).max(max);
const selector = text(500);
const strings = z.union([text(200), z.array(text(200)).min(1).max(20)]);
const headers = z.record(z.string().min(1).max(100), z.string().max(4000));
const duration = z.union([z.string().max(40), z.number()]);
const httpUrl = text().refine((u) => /^https?:\/\/[^\s]+$/.test(u), 'must be an http(s) URL');

export const CertifyConfigSchema = z
  .object({
    country: z.enum(['cl', 'mx']).optional(),
    amount: z.number().int().positive().max(1_000_000_000_000).optional(),
    merchant_name: text(200).optional(),
    abandon_after: duration.optional(),
    tolerance: duration.optional(),
    strict: z.boolean().optional(),
    custom_reports: z.boolean().optional(),
    reports: z
      .object({
        channel: z
          .discriminatedUnion('type', [
            z.object({ type: z.literal('folder'), path: text(1000) }).strict(),
            z.object({ type: z.literal('email'), maildir: text(1000), to: text(254) }).strict(),
            z.object({ type: z.literal('https'), url: httpUrl }).strict(),
          ])
          .optional(),
        received: z
          .object({
            json: text(),
            headers: headers.optional(),
            list: text(200).optional(),
            field: text(200).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    sandbox: z
      .object({
        url: httpUrl.optional(),
        start: z.boolean().optional(),
        port: z.number().int().min(0).max(65535).optional(),
        secret_key: text(200).optional(),
      })
      .strict()
      .optional(),
    fintoc: z
      .object({
        api_url: httpUrl.optional(),
        secret_key: text(200),
        widget_url: httpUrl.optional(),
      })
      .strict()
      .optional(),
    shop: z
      .object({
        url: text().refine(
          (u) => /^https?:\/\/[^\s]+$/.test(u.replace('{port}', '1')),
          'must be an http(s) URL',
        ),
        port: z.number().int().min(0).max(65535).optional(),
        command: z.union([text(), z.array(text()).min(1).max(50)]).optional(),
        cwd: text().optional(),
        env: z.record(z.string().min(1).max(100), z.string().max(4000)).optional(),
        ready: text().optional(),
      })
      .strict(),
    start: z.union([
      z.object({ page: text(), button: selector.optional() }).strict(),
      z
        .object({
          http: z
            .object({
              method: z.enum(['POST', 'PUT', 'GET']).optional(),
              path: text(),
              headers: headers.optional(),
              body: z.unknown().optional(),
              checkout_url: text(200).optional(),
              id: text(200).optional(),
            })
            .strict(),
        })
        .strict(),
    ]),
    checkout: z
      .object({
        pay_button: selector.optional(),
        success: selector,
        retry: selector,
        rejected: selector,
      })
      .strict(),
    verdict: z.union([
      z
        .object({
          json: text(),
          headers: headers.optional(),
          field: text(200),
          paid: strings,
          not_paid: strings,
        })
        .strict(),
      z.object({ page: text(), selector, paid: strings, not_paid: strings }).strict(),
    ]),
  })
  .strict();

export type CertifyConfig = z.infer<typeof CertifyConfigSchema>;

/** How a payment starts: the shop's page and (optionally) the button that leads to the checkout, or an HTTP call. */
export type PaymentStart =
  | { kind: 'page'; page: string; button: string | null }
  | {
      kind: 'http';
      method: string;
      path: string;
      headers: Record<string, string>;
      body: unknown;
      checkoutUrlField: string;
      idField: string | null;
    };

export type VerdictSource =
  | {
      kind: 'json';
      path: string;
      headers: Record<string, string>;
      field: string;
      paid: string[];
      notPaid: string[];
    }
  | { kind: 'page'; path: string; selector: string; paid: string[]; notPaid: string[] };

/** Where Fintoc's report files go and where the shop shows it took them in (`custom-reports`). */
export interface ReportsSetup {
  /**
   * A report channel certify configures at the sandbox for the run, as the shop would at Fintoc
   * (folder and maildir paths are inside the sandbox's reports folder); null: the organisation's own.
   */
  channel: Record<string, string> | null;
  /**
   * A JSON list of the report files the shop took in: `path` (relative to the shop), the array's
   * dot path in the answer (`''`: the answer itself), and each item's field holding the file's
   * SHA-256 (or its name).
   */
  received: { path: string; headers: Record<string, string>; list: string; field: string } | null;
}

/** The shop under certification, as certify drives it. */
export interface ShopTarget {
  kind: 'bundled' | 'shop';
  /** The shop's base URL; relative paths below are resolved against it. */
  url: string;
  start: PaymentStart;
  /** The element that opens Fintoc's widget (Fintoc's button). */
  payButton: string;
  /** What the checkout page shows after each of the widget's endings (Playwright selectors). */
  states: { success: string; retry: string; rejected: string };
  verdict: VerdictSource;
  /** What the test payment charges, in minor units, when known (checked on the page and the intent). */
  amount: number | null;
  currency: 'CLP' | 'MXN';
  merchantName: string | null;
  /** Fintoc's report files for this shop (absent: the organisation's channels, intake not shown). */
  reports?: ReportsSetup;
}

export type FintocTarget =
  | { kind: 'sandbox'; url: string; secretKey: string; control: boolean }
  | { kind: 'fintoc'; apiUrl: string; secretKey: string; widgetUrl: string | null };

export interface ResolvedConfig {
  country: Country;
  target: ShopTarget;
  fintoc: FintocTarget | { kind: 'sandbox-start'; port: number; secretKey: string | null };
  /** A shop certify starts: its command, and the port to give it (`0`: certify picks a free one). */
  shopProcess: {
    command: string[];
    cwd: string | null;
    env: Record<string, string>;
    ready: string;
    port: number | null;
  } | null;
  abandonAfterMs: number;
  toleranceMs: number | null;
  strict: boolean;
  /** The shop takes Fintoc's custom report files (certify.json `custom_reports`). */
  customReports: boolean;
}

export const DEFAULT_ABANDON_AFTER_MS = 10 * 60_000;

/** Replaces `${NAME}` in every string of a JSON value by the environment variable NAME. */
function expand(value: unknown, env: Record<string, string | undefined>, missing: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_m, name: string) => {
      const v = env[name];
      if (v === undefined) missing.add(name);
      return v ?? '';
    });
  }
  if (Array.isArray(value)) return value.map((v) => expand(v, env, missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v, env, missing)]));
  }
  return value;
}

function list(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

function invalid(message: string): CertifyError {
  return new CertifyError('config_invalid', message);
}

/** The default pay button: a button (or link) whose name is Fintoc's approved copy for the country. */
export function defaultPayButton(country: Country): string {
  const names = APPROVED_COPY[country].map((c) => c.replace(/ /g, '\\s+')).join('|');
  return `role=button[name=/${names}/i]`;
}

/**
 * Validates a parsed certify.json (or the same object built from flags) and resolves it.
 *
 * @example
 * const config = resolveConfig(JSON.parse(text), process.env);
 */
export function resolveConfig(raw: unknown, env: Record<string, string | undefined> = {}): ResolvedConfig {
  const missing = new Set<string>();
  const expanded = expand(raw, env, missing);
  if (missing.size > 0) {
    throw invalid(`certify.json uses \${${[...missing][0]}}, but that environment variable is not set.`);
  }
  const parsed = CertifyConfigSchema.safeParse(expanded);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'certify.json';
    throw invalid(`${where}: ${issue?.message ?? 'is not valid'}.`);
  }
  const c = parsed.data;
  const country: Country = c.country ?? 'cl';
  if (!c.sandbox === !c.fintoc) {
    throw invalid(
      'name exactly one Fintoc: "sandbox" (started by certify, or its url) or "fintoc" (Fintoc\'s test mode).',
    );
  }
  const checkKey = (key: string, where: string) => {
    if (keyKind(key) !== 'secret' || keyMode(key) === null)
      throw invalid(`${where} must be a secret key (sk_test_…).`);
    if (keyMode(key) !== 'test') {
      throw new CertifyError(
        'live_key_refused',
        `${where} is a live key: certification runs in test mode (sk_test_…).`,
      );
    }
  };
  let fintoc: ResolvedConfig['fintoc'];
  if (c.fintoc) {
    checkKey(c.fintoc.secret_key, 'fintoc.secret_key');
    fintoc = {
      kind: 'fintoc',
      apiUrl: (c.fintoc.api_url ?? 'https://api.fintoc.com').replace(/\/+$/, '').replace(/\/v1$/, ''),
      secretKey: c.fintoc.secret_key,
      widgetUrl: c.fintoc.widget_url ?? null,
    };
  } else {
    const sb = c.sandbox!;
    if (sb.secret_key !== undefined) checkKey(sb.secret_key, 'sandbox.secret_key');
    if (sb.start) {
      if (sb.url)
        throw invalid('sandbox: give either "start": true or the "url" of a running sandbox, not both.');
      if (!sb.secret_key && !c.shop.command) {
        throw invalid(
          'sandbox.secret_key: a sandbox certify starts needs the key the shop is configured with (or shop.command, which certify starts with a fresh key).',
        );
      }
      fintoc = { kind: 'sandbox-start', port: sb.port ?? 0, secretKey: sb.secret_key ?? null };
    } else {
      if (!sb.url) throw invalid('sandbox: give the "url" of a running sandbox, or "start": true.');
      if (!sb.secret_key) throw invalid('sandbox.secret_key: the secret key (sk_test_…) the shop uses.');
      fintoc = { kind: 'sandbox', url: sb.url.replace(/\/+$/, ''), secretKey: sb.secret_key, control: true };
    }
  }

  const start: PaymentStart =
    'page' in c.start
      ? { kind: 'page', page: c.start.page, button: c.start.button ?? null }
      : {
          kind: 'http',
          method: c.start.http.method ?? 'POST',
          path: c.start.http.path,
          headers: c.start.http.headers ?? {},
          body: c.start.http.body ?? null,
          checkoutUrlField: c.start.http.checkout_url ?? 'checkout_url',
          idField: c.start.http.id ?? null,
        };
  const verdict: VerdictSource =
    'json' in c.verdict
      ? {
          kind: 'json',
          path: c.verdict.json,
          headers: c.verdict.headers ?? {},
          field: c.verdict.field,
          paid: list(c.verdict.paid),
          notPaid: list(c.verdict.not_paid),
        }
      : {
          kind: 'page',
          path: c.verdict.page,
          selector: c.verdict.selector,
          paid: list(c.verdict.paid),
          notPaid: list(c.verdict.not_paid),
        };
  if (c.shop.url.includes('{port}') && (c.shop.port === undefined || !c.shop.command)) {
    throw invalid(
      'shop.url uses {port}: give shop.port (0 lets certify pick a free one) and the shop.command it is passed to.',
    );
  }
  if (verdict.path.includes('{payment_id}') && (start.kind !== 'http' || start.idField === null)) {
    throw invalid("verdict uses {payment_id}: it comes from the start call's answer, so give start.http.id.");
  }
  const abandonAfterMs =
    c.abandon_after === undefined ? DEFAULT_ABANDON_AFTER_MS : parseDurationMs(c.abandon_after);
  if (abandonAfterMs === null) throw invalid('abandon_after must be a duration such as "10m" or "15s".');
  const toleranceMs = c.tolerance === undefined ? null : parseDurationMs(c.tolerance);
  if (toleranceMs === null && c.tolerance !== undefined)
    throw invalid('tolerance must be a duration such as "1m".');

  return {
    country,
    target: {
      kind: 'shop',
      url: c.shop.url.replace(/\/+$/, ''),
      start,
      payButton: c.checkout.pay_button ?? defaultPayButton(country),
      states: { success: c.checkout.success, retry: c.checkout.retry, rejected: c.checkout.rejected },
      verdict,
      amount: c.amount ?? null,
      currency: CURRENCY_OF[country],
      merchantName: c.merchant_name ?? null,
      reports: {
        channel: c.reports?.channel ?? null,
        received: c.reports?.received
          ? {
              path: c.reports.received.json,
              headers: c.reports.received.headers ?? {},
              list: c.reports.received.list ?? 'data',
              field: c.reports.received.field ?? 'sha256',
            }
          : null,
      },
    },
    fintoc,
    shopProcess: c.shop.command
      ? {
          command: Array.isArray(c.shop.command)
            ? c.shop.command
            : c.shop.command.split(/\s+/).filter(Boolean),
          cwd: c.shop.cwd ?? null,
          env: c.shop.env ?? {},
          ready: c.shop.ready ?? '/',
          port: c.shop.port ?? null,
        }
      : null,
    abandonAfterMs,
    toleranceMs,
    strict: c.strict ?? false,
    customReports: c.custom_reports ?? false,
  };
}

/** Reads and resolves a certify.json file. */
export function loadConfigFile(path: string, env: Record<string, string | undefined>): ResolvedConfig {
  let textValue: string;
  try {
    textValue = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CertifyError('config_unreadable', `Cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(textValue);
  } catch (err) {
    throw new CertifyError('config_invalid', `${path} is not JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return resolveConfig(raw, env);
}

/** The default tolerance after the timeout: 1 minute for a real run; a fifth of a shortened timeout (at least 5 s). */
export function defaultToleranceMs(abandonAfterMs: number): number {
  return abandonAfterMs >= DEFAULT_ABANDON_AFTER_MS
    ? 60_000
    : Math.max(5_000, Math.round(abandonAfterMs / 5));
}
