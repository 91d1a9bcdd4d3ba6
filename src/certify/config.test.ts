import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defaultPayButton, defaultToleranceMs, parseDurationMs, resolveConfig } from './config.js';
import { CertifyError } from './errors.js';

const base = {
  sandbox: { url: 'http://127.0.0.1:4010', secret_key: 'sk_test_abcd1234' },
  shop: { url: 'http://127.0.0.1:3100/' },
  start: { page: '/checkout/{order_id}' },
  checkout: { success: '#ok', retry: '#retry', rejected: '#no' },
  verdict: {
    json: '/api/orders/{order_id}',
    field: 'status',
    paid: 'paid',
    not_paid: ['canceled', 'failed'],
  },
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof CertifyError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
}

describe('certify.json', () => {
  it('resolves a shop against a running sandbox, with defaults', () => {
    const c = resolveConfig(base);
    expect(c.country).toBe('cl');
    expect(c.fintoc).toEqual({
      kind: 'sandbox',
      url: 'http://127.0.0.1:4010',
      secretKey: 'sk_test_abcd1234',
      control: true,
    });
    expect(c.target).toMatchObject({
      kind: 'shop',
      url: 'http://127.0.0.1:3100',
      start: { kind: 'page', page: '/checkout/{order_id}', button: null },
      payButton: defaultPayButton('cl'),
      currency: 'CLP',
      amount: null,
      verdict: { kind: 'json', paid: ['paid'], notPaid: ['canceled', 'failed'] },
    });
    expect(c.abandonAfterMs).toBe(600_000);
    expect(c.toleranceMs).toBeNull();
    expect(c.strict).toBe(false);
    expect(c.customReports).toBe(false);
  });

  it('reads the example shop’s certify.json (a sandbox and the shop started by certify, on a free port)', () => {
    const raw = JSON.parse(
      readFileSync(new URL('../../examples/shop-express/certify.json', import.meta.url), 'utf8'),
    );
    const c = resolveConfig(raw);
    expect(c.fintoc).toEqual({ kind: 'sandbox-start', port: 0, secretKey: null });
    expect(c.shopProcess).toMatchObject({ command: ['npx', 'tsx', 'server.ts'], port: 0, ready: '/healthz' });
    expect(c.target.url).toBe('http://127.0.0.1:{port}');
  });

  it("takes Fintoc's test mode with the key from the environment, never a live key", () => {
    const fintoc = { ...base, sandbox: undefined, fintoc: { secret_key: '${FINTOC_SECRET_KEY}' } };
    expect(resolveConfig(fintoc, { FINTOC_SECRET_KEY: 'sk_test_real0001' }).fintoc).toEqual({
      kind: 'fintoc',
      apiUrl: 'https://api.fintoc.com',
      secretKey: 'sk_test_real0001',
      widgetUrl: null,
    });
    expect(codeOf(() => resolveConfig(fintoc, {}))).toMatch(
      /^config_invalid: .*\$\{FINTOC_SECRET_KEY\}.*not set/,
    );
    const live = codeOf(() => resolveConfig(fintoc, { FINTOC_SECRET_KEY: 'sk_live_real0001' }));
    expect(live).toMatch(/^live_key_refused: /);
    expect(live).not.toContain('real0001');
    expect(
      codeOf(() => resolveConfig({ ...base, sandbox: { url: 'http://x', secret_key: 'pk_test_abcd1234' } })),
    ).toMatch(/secret key/);
  });

  it('refuses what cannot work, naming the field', () => {
    expect(codeOf(() => resolveConfig({ ...base, fintoc: { secret_key: 'sk_test_abcd1234' } }))).toMatch(
      /exactly one Fintoc/,
    );
    expect(codeOf(() => resolveConfig({ ...base, sandbox: { start: true } }))).toMatch(/sandbox\.secret_key/);
    expect(
      codeOf(() => resolveConfig({ ...base, verdict: { ...base.verdict, json: '/p/{payment_id}' } })),
    ).toMatch(/start\.http\.id/);
    expect(codeOf(() => resolveConfig({ ...base, abandon_after: 'soon' }))).toMatch(/abandon_after/);
    expect(codeOf(() => resolveConfig({ ...base, surprise: 1 }))).toMatch(/config_invalid: certify\.json: /);
    expect(codeOf(() => resolveConfig({ ...base, shop: { url: 'http://127.0.0.1:{port}' } }))).toMatch(
      /shop\.port/,
    );
    expect(codeOf(() => resolveConfig({ ...base, checkout: { success: '#ok' } }))).toMatch(
      /^config_invalid: checkout\.retry/,
    );
  });

  it('resolves an HTTP start and a page verdict', () => {
    const c = resolveConfig({
      ...base,
      country: 'mx',
      start: { http: { path: '/api/pay', body: { amount: '{amount}' }, id: 'id' } },
      verdict: { page: '/orders/{payment_id}', selector: '#status', paid: 'Pagado', not_paid: 'Cancelado' },
      abandon_after: '15s',
      tolerance: 3,
    });
    expect(c.target.start).toEqual({
      kind: 'http',
      method: 'POST',
      path: '/api/pay',
      headers: {},
      body: { amount: '{amount}' },
      checkoutUrlField: 'checkout_url',
      idField: 'id',
    });
    expect(c.target.payButton).toBe(defaultPayButton('mx'));
    expect(c.target.currency).toBe('MXN');
    expect([c.abandonAfterMs, c.toleranceMs]).toEqual([15_000, 3_000]);
  });

  it("resolves where Fintoc's report files go and where the shop lists what it took in", () => {
    const c = resolveConfig(
      {
        ...base,
        custom_reports: true,
        reports: {
          channel: { type: 'email', maildir: 'shop/maildir', to: 'finanzas@tienda.cl' },
          received: { json: '/api/reports', headers: { authorization: 'Bearer ${SHOP_KEY}' } },
        },
      },
      { SHOP_KEY: 'k1' },
    );
    expect(c.customReports).toBe(true);
    expect(c.target.reports).toEqual({
      channel: { type: 'email', maildir: 'shop/maildir', to: 'finanzas@tienda.cl' },
      received: {
        path: '/api/reports',
        headers: { authorization: 'Bearer k1' },
        list: 'data',
        field: 'sha256',
      },
    });
    expect(() => resolveConfig({ ...base, reports: { channel: { type: 'ftp', path: 'x' } } })).toThrow(
      /reports\.channel/,
    );
    expect(() =>
      resolveConfig({ ...base, reports: { channel: { type: 'https', url: 'file:///x' } } }),
    ).toThrow(/reports\.channel\.url/);
    expect(resolveConfig(base).target.reports).toEqual({ channel: null, received: null });
  });

  it('never crashes on hostile input: a CertifyError or a resolved config', () => {
    const anyShape = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          country: fc.jsonValue(),
          sandbox: fc.oneof(fc.jsonValue(), fc.constant(base.sandbox)),
          shop: fc.oneof(fc.jsonValue(), fc.constant(base.shop)),
          start: fc.jsonValue(),
          checkout: fc.oneof(fc.jsonValue(), fc.constant(base.checkout)),
          verdict: fc.jsonValue(),
          abandon_after: fc.jsonValue(),
          reports: fc.oneof(
            fc.jsonValue(),
            fc.record(
              {
                channel: fc.oneof(
                  fc.jsonValue(),
                  fc.record(
                    {
                      type: fc.constantFrom('folder', 'email', 'https', 'ftp'),
                      path: fc.jsonValue(),
                      url: fc.jsonValue(),
                      maildir: fc.jsonValue(),
                      to: fc.jsonValue(),
                    },
                    { requiredKeys: [] },
                  ),
                ),
                received: fc.oneof(
                  fc.jsonValue(),
                  fc.record(
                    { json: fc.jsonValue(), list: fc.jsonValue(), field: fc.jsonValue() },
                    { requiredKeys: [] },
                  ),
                ),
              },
              { requiredKeys: [] },
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(anyShape, (raw) => {
        try {
          resolveConfig(raw, {});
        } catch (err) {
          expect(err).toBeInstanceOf(CertifyError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('reads durations, and tolerances that scale with a shortened timeout', () => {
    expect(['10m', '15s', '1m30s', '500ms', 90, '1h'].map(parseDurationMs)).toEqual([
      600_000, 15_000, 90_000, 500, 90_000, 3_600_000,
    ]);
    for (const bad of ['', 'soon', '-5s', 0, -1, null, '10 m', Number.NaN])
      expect(parseDurationMs(bad)).toBeNull();
    expect(defaultToleranceMs(600_000)).toBe(60_000);
    expect(defaultToleranceMs(15_000)).toBe(5_000);
    expect(defaultToleranceMs(60_000)).toBe(12_000);
  });
});
