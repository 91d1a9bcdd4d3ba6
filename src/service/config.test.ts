import { describe, expect, it } from 'vitest';
import { loadConfig, publicConfig, secretsOf } from './config.js';
import { parseDuration } from './duration.js';
import { checkAmount, DEFAULT_AMOUNT_LIMITS } from './money.js';

const SK = 'sk_test_abcdefghijklmnopqrstuvwx';
const PK = 'pk_test_abcdefghijklmnopqrstuvwx';
const VALID = {
  FINTOC_SECRET_KEY: SK,
  FINTOC_PUBLIC_KEY: PK,
  FINTOC_WEBHOOK_SECRET: 'whsec_abc123',
  PASARELA_API_KEY: 'a-long-random-api-key-123',
};

function errors(env: Record<string, string>): string[] {
  const r = loadConfig(env);
  return r.ok ? [] : r.errors;
}

describe('loadConfig', () => {
  it('accepts the minimal configuration with the documented defaults', () => {
    const r = loadConfig(VALID);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      fintoc: { apiUrl: 'https://api.fintoc.com', widgetUrl: 'https://js.fintoc.com/v1/', mode: 'test' },
      databaseUrl: null,
      dataDir: './.pasarela',
      paymentTimeoutMs: 600_000,
      country: 'cl',
      defaultCurrency: 'CLP',
      latePaymentPolicy: 'accept',
      merchantWebhook: null,
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:3000',
    });
  });

  it('gives one line per problem, naming the variable, for everything missing', () => {
    const lines = errors({});
    expect(lines).toHaveLength(4);
    for (const name of [
      'FINTOC_SECRET_KEY',
      'FINTOC_PUBLIC_KEY',
      'FINTOC_WEBHOOK_SECRET',
      'PASARELA_API_KEY',
    ]) {
      expect(lines.some((l) => l.startsWith(`${name} is missing`))).toBe(true);
    }
  });

  it('refuses a malformed key and keys of different modes, without printing them', () => {
    const malformed = errors({ ...VALID, FINTOC_SECRET_KEY: 'sk_prod_secretvalue' });
    expect(malformed.join('\n')).toMatch(/FINTOC_SECRET_KEY \(invalid_secret_key\)/);
    expect(malformed.join('\n')).not.toContain('secretvalue');
    const mixed = errors({ ...VALID, FINTOC_PUBLIC_KEY: 'pk_live_abcdefghijklmnopqrstuvwx' });
    expect(mixed.join('\n')).toMatch(/mode_mismatch/);
    expect(mixed.join('\n')).not.toContain('abcdefghijklmnopqrstuvwx');
  });

  it('refuses a live key with an unofficial API URL unless explicitly allowed, then warns', () => {
    const live = {
      ...VALID,
      FINTOC_SECRET_KEY: 'sk_live_abcdefghijklmnopqrstuvwx',
      FINTOC_PUBLIC_KEY: 'pk_live_abcdefghijklmnopqrstuvwx',
      FINTOC_API_URL: 'http://127.0.0.1:4010',
    };
    expect(errors(live).join('\n')).toMatch(
      /FINTOC_API_URL: a live secret key must talk to https:\/\/api\.fintoc\.com/,
    );
    const allowed = loadConfig({ ...live, FINTOC_ALLOW_UNOFFICIAL_API_URL: '1' });
    expect(allowed.ok).toBe(true);
    if (allowed.ok) expect(allowed.warnings.join('\n')).toMatch(/LIVE secret key with FINTOC_API_URL/);
    // The official URL, with or without /v1, is fine.
    expect(loadConfig({ ...live, FINTOC_API_URL: 'https://api.fintoc.com/v1/' }).ok).toBe(true);
  });

  it('refuses a malformed timeout and other bad values', () => {
    expect(errors({ ...VALID, PAYMENT_TIMEOUT: 'ten minutes' })).toEqual([
      'PAYMENT_TIMEOUT: "ten minutes" is not a duration; write it like 10m, 90s or 1h.',
    ]);
    expect(errors({ ...VALID, PAYMENT_TIMEOUT: '600' })).toHaveLength(1);
    expect(errors({ ...VALID, PASARELA_COUNTRY: 'ar' })).toEqual(['PASARELA_COUNTRY must be cl or mx.']);
    expect(errors({ ...VALID, LATE_PAYMENT_POLICY: 'keep' })).toHaveLength(1);
    expect(errors({ ...VALID, DATABASE_URL: 'mysql://x' })).toHaveLength(1);
    expect(errors({ ...VALID, PORT: 'http' })).toHaveLength(1);
    expect(errors({ ...VALID, FINTOC_WEBHOOK_SECRET: 'whsec_ok,not-a-secret' })).toHaveLength(1);
    expect(errors({ ...VALID, MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks' })[0]).toMatch(
      /^MERCHANT_WEBHOOK_SECRET is missing/,
    );
    expect(errors({ ...VALID, MAX_AMOUNT_CLP: '0' })).toHaveLength(1);
  });

  it('reads rotation secrets, merchant webhook and amount limits', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const r = loadConfig({
      ...VALID,
      FINTOC_WEBHOOK_SECRET: 'whsec_new, whsec_old',
      MERCHANT_WEBHOOK_URL: 'https://shop.example/hooks',
      MERCHANT_WEBHOOK_SECRET: secret,
      MAX_AMOUNT_CLP: '1000',
      PASARELA_COUNTRY: 'mx',
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.fintoc.webhookSecrets).toEqual(['whsec_new', 'whsec_old']);
    expect(r.config.merchantWebhook).toEqual({ url: 'https://shop.example/hooks', secret });
    expect(r.config.amountLimits.CLP.max).toBe(1000);
    expect(r.config.defaultCurrency).toBe('MXN');
  });

  it('keeps secrets out of the public configuration and lists them for redaction', () => {
    const r = loadConfig(VALID);
    if (!r.ok) throw new Error('invalid');
    const text = JSON.stringify(publicConfig(r.config));
    expect(text).not.toContain(SK);
    expect(text).not.toContain('whsec_');
    expect(text).not.toContain(VALID.PASARELA_API_KEY);
    expect(text).toContain(PK);
    expect(secretsOf(r.config)).toEqual(expect.arrayContaining([SK, 'whsec_abc123', VALID.PASARELA_API_KEY]));
  });

  it('takes an optional dashboard password, refuses a short one and counts it as a secret', () => {
    expect(errors({ ...VALID, PASARELA_DASHBOARD_PASSWORD: 'short' })).toEqual([
      expect.stringMatching(/^PASARELA_DASHBOARD_PASSWORD is too short/),
    ]);
    const unset = loadConfig(VALID);
    if (!unset.ok) throw new Error('invalid');
    expect(unset.config.dashboardPassword).toBeNull();
    const r = loadConfig({ ...VALID, PASARELA_DASHBOARD_PASSWORD: 'correct horse battery' });
    if (!r.ok) throw new Error('invalid');
    expect(r.config.dashboardPassword).toBe('correct horse battery');
    expect(secretsOf(r.config)).toContain('correct horse battery');
    expect(JSON.stringify(publicConfig(r.config))).not.toContain('correct horse');
  });

  it('counts the passwords of DATABASE_URL and FINTOC_API_URL as secrets, and never prints them', () => {
    const r = loadConfig({
      ...VALID,
      DATABASE_URL: 'postgres://app:db%2Fpass123@db.internal/pasarela',
      FINTOC_API_URL: 'https://proxy:proxypass456@proxy.internal',
    });
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(secretsOf(r.config)).toEqual(
      expect.arrayContaining(['db%2Fpass123', 'db/pass123', 'proxypass456']),
    );
    const live = loadConfig({
      ...VALID,
      FINTOC_SECRET_KEY: 'sk_live_0123456789abcdef',
      FINTOC_PUBLIC_KEY: 'pk_live_0123456789abcdef',
      FINTOC_API_URL: 'https://proxy:proxypass456@proxy.internal',
    });
    expect(live.ok).toBe(false);
    expect(JSON.stringify(live)).toContain('proxy.internal');
    expect(JSON.stringify(live)).not.toContain('proxypass456');
  });
});

describe('PASARELA_TRUST_PROXY', () => {
  it('is off by default, takes a hop count or addresses, and refuses trusting everyone', () => {
    const ok = (value?: string) => {
      const r = loadConfig({ ...VALID, ...(value === undefined ? {} : { PASARELA_TRUST_PROXY: value }) });
      if (!r.ok) throw new Error(r.errors.join('\n'));
      return r.config.trustProxy;
    };
    expect(ok()).toBe(false);
    expect(ok('false')).toBe(false);
    expect(ok('2')).toBe(2);
    expect(ok('10.0.0.1, 192.168.0.0/16,::1,loopback')).toEqual([
      '10.0.0.1',
      '192.168.0.0/16',
      '::1',
      'loopback',
    ]);
    for (const bad of ['true', '*', '11', 'proxy.example', '10.0.0.0/33', '10.0.0.1/8/1']) {
      const r = loadConfig({ ...VALID, PASARELA_TRUST_PROXY: bad });
      expect(r.ok, bad).toBe(false);
      if (!r.ok) expect(r.errors.join('\n')).toMatch(/^PASARELA_TRUST_PROXY: /m);
    }
  });
});

describe('parseDuration', () => {
  it('reads units and refuses bare numbers', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('600')).toBeNull();
    expect(parseDuration('0s')).toBeNull();
    expect(parseDuration('-1m')).toBeNull();
  });
});

describe('checkAmount', () => {
  it('accepts positive integers in minor units within limits, per currency', () => {
    expect(checkAmount(1500, 'clp', DEFAULT_AMOUNT_LIMITS)).toEqual({
      ok: true,
      amount: 1500,
      currency: 'CLP',
    });
    expect(checkAmount(10.5, 'MXN', DEFAULT_AMOUNT_LIMITS)).toMatchObject({
      ok: false,
      code: 'invalid_amount',
    });
    expect(checkAmount('1500', 'CLP', DEFAULT_AMOUNT_LIMITS)).toMatchObject({
      ok: false,
      code: 'invalid_amount',
    });
    expect(checkAmount(0, 'CLP', DEFAULT_AMOUNT_LIMITS)).toMatchObject({ ok: false, code: 'invalid_amount' });
    expect(checkAmount(99, 'MXN', DEFAULT_AMOUNT_LIMITS)).toMatchObject({
      ok: false,
      code: 'amount_out_of_range',
    });
    expect(checkAmount(100, 'USD', DEFAULT_AMOUNT_LIMITS)).toMatchObject({
      ok: false,
      code: 'invalid_currency',
    });
  });
});
