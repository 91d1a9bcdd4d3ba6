/**
 * The dashboard's Go live page shows what `pasarela check` finds (the same `runChecks()` report),
 * each verdict with its fix, what remains, in Spanish and English, and never a secret.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks, type CheckReport } from '../../src/golive/index.js';
import dashboardRoutes, { issueSession } from '../../src/service/routes/dashboard/index.js';
import type { GoLiveRunner } from '../../src/service/index.js';
import { routeTestApp } from '../service/support/route-app.js';

const API_KEY = 'dashboard_api_key_0123456789abcdef';
const SECRET_KEY = `sk_live_${'S3cr3tLiveKeyBody'.repeat(2)}`;
const WEBHOOK_SECRET = `whsec_${Buffer.from('the webhook secret of this shop').toString('base64url')}`;
const DASHBOARD_PASSWORD = 'a dashboard password nobody sees';
const ENV = {
  PASARELA_COUNTRY: 'cl',
  FINTOC_SECRET_KEY: SECRET_KEY,
  FINTOC_PUBLIC_KEY: `pk_live_${'PublicKeyBody'.repeat(2)}`,
  FINTOC_WEBHOOK_SECRET: WEBHOOK_SECRET,
  PASARELA_API_KEY: API_KEY,
  PASARELA_DASHBOARD_PASSWORD: DASHBOARD_PASSWORD,
  PASARELA_PUBLIC_URL: 'https://pagos.tienda.cl',
  PAYMENT_TIMEOUT: '3m',
};
const SECRETS = [SECRET_KEY, WEBHOOK_SECRET, API_KEY, DASHBOARD_PASSWORD];

/** Nothing answers: Fintoc and the service are out of reach, as on a machine with no network. */
const offline: typeof fetch = async () => {
  throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
};

async function pageApp(goLive: GoLiveRunner | undefined): Promise<FastifyInstance> {
  const notUsed = async () => {
    throw new Error('not used by the Go live page');
  };
  const app = await routeTestApp({
    dashboard: {
      data: {
        listPayments: notUsed,
        getPayment: notUsed,
        timeline: notUsed,
        notifications: notUsed,
        inbox: notUsed,
        jobs: notUsed,
        countsByStatus: notUsed,
        dailyByStatus: notUsed,
      },
      now: () => Date.now(),
      ...(goLive ? { goLive: { run: goLive, secrets: SECRETS } } : {}),
    },
    dashboardAuth: { secrets: [API_KEY], secureCookies: false },
  });
  await app.register(dashboardRoutes);
  return app;
}

describe('the Go live page', () => {
  let cwd: string;
  let app: FastifyInstance;
  let runs = 0;
  const cookie = () => `pasarela_dashboard=${encodeURIComponent(issueSession([API_KEY], Date.now()))}`;
  const options = () => ({ env: ENV, cwd, fetch: offline, deliveryTimeoutMs: 100 });

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'pasarela-golive-page-'));
    app = await pageApp(async () => {
      runs += 1;
      return runChecks(options());
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  const get = (lang: 'es' | 'en') =>
    app.inject({ url: '/dashboard/go-live', headers: { cookie: `${cookie()}; pasarela_lang=${lang}` } });

  it('is behind the sign-in, and says nothing was checked until staff ask', async () => {
    const anonymous = await app.inject({ url: '/dashboard/go-live' });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/dashboard/login');
    expect((await app.inject({ method: 'POST', url: '/dashboard/go-live' })).statusCode).toBe(401);
    const page = await get('es');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-testid="golive-never"');
    expect(runs).toBe(0);
  });

  it('shows the verdict of every item of pasarela check, with its fix, in both languages', async () => {
    const run = await app.inject({
      method: 'POST',
      url: '/dashboard/go-live',
      headers: { cookie: cookie() },
    });
    expect(run.statusCode).toBe(303);
    expect(run.headers.location).toBe('/dashboard/go-live');
    expect(runs).toBe(1);
    const expected: CheckReport = await runChecks(options());

    const english = (await get('en')).body;
    const shown = [
      ...english.matchAll(/data-testid="golive-item" data-item="([\w-]+)" data-status="(\w+)"/g),
    ];
    // Each item once in its section (failures and warnings once more under "What remains").
    const bySection = new Map<string, string>();
    for (const [, id, status] of shown) bySection.set(id!, status!);
    expect(Object.fromEntries(bySection)).toEqual(
      Object.fromEntries(expected.items.map((i) => [i.id, i.status])),
    );
    const open = expected.items.filter((i) => i.status === 'fail' || i.status === 'warn');
    expect(open.length).toBeGreaterThan(0);
    expect(shown.length).toBe(expected.items.length + open.length);
    expect(english).toContain('data-testid="golive-verdict" data-ok="false"');
    expect(english).toContain('Not ready: fix each ✗ and check again.');
    // The English page gives check's own sentences: what was seen and how to fix it.
    const timeout = expected.items.find((i) => i.id === 'payment-timeout')!;
    expect(timeout.status).toBe('fail');
    expect(english).toContain(timeout.fix!.replace(/'/g, '&#39;'));
    expect(english).toContain('Live API keys in your backend');

    const spanish = (await get('es')).body;
    expect(spanish).toContain('<html lang="es">');
    expect(spanish).toContain('<h1>Salir a producción</h1>');
    expect(spanish).toContain('Aún no: arregla cada ✗ y revisa de nuevo.');
    expect(spanish).toContain('Claves de API de producción en tu backend');
    expect(spanish).toContain('<b>Plazo de abandono</b>');
    expect(spanish).toContain('Quita PAYMENT_TIMEOUT (el valor por defecto es 10m) o ponlo en 10m');
    // Every item has its Spanish title and, where it failed, a Spanish fix.
    for (const item of expected.items) expect(spanish, item.id).not.toContain(`<b>${item.title}</b>`);
    expect([...spanish.matchAll(/data-testid="golive-fix"/g)].length).toBe(2 * open.length);
  });

  it('never shows a secret, whatever the report holds', async () => {
    for (const lang of ['es', 'en'] as const) {
      const body = (await get(lang)).body;
      for (const secret of SECRETS) expect(body).not.toContain(secret);
      expect(body).not.toMatch(/sk_live_[A-Za-z0-9]/);
    }
    // A report that would hold secrets (a future item, a message passed through) is redacted anyway.
    const leaky = await pageApp(async () => {
      const report = await runChecks(options());
      report.items[0] = {
        ...report.items[0]!,
        status: 'fail',
        summary: `seen ${SECRET_KEY} and ${WEBHOOK_SECRET} and ${DASHBOARD_PASSWORD}`,
        fix: `set FINTOC_SECRET_KEY=sk_test_${'x'.repeat(24)} and whsec_abc`,
      };
      return report;
    });
    try {
      await leaky.inject({ method: 'POST', url: '/dashboard/go-live', headers: { cookie: cookie() } });
      for (const lang of ['es', 'en'] as const) {
        const res = await leaky.inject({
          url: '/dashboard/go-live',
          headers: { cookie: `${cookie()}; pasarela_lang=${lang}` },
        });
        for (const secret of SECRETS) expect(res.body).not.toContain(secret);
        expect(res.body).not.toMatch(/sk_(live|test)_[A-Za-z0-9]|whsec_[A-Za-z0-9]/);
      }
    } finally {
      await leaky.close();
    }
  });

  it('says so when the service was started without the checks, and when they could not run', async () => {
    const bare = await pageApp(undefined);
    try {
      const res = await bare.inject({ url: '/dashboard/go-live', headers: { cookie: cookie() } });
      expect(res.body).toContain('data-testid="golive-unavailable"');
      expect(res.body).not.toContain('data-testid="golive-run"');
    } finally {
      await bare.close();
    }
    const broken = await pageApp(async () => {
      throw new Error(`boom with ${SECRET_KEY}`);
    });
    try {
      await broken.inject({ method: 'POST', url: '/dashboard/go-live', headers: { cookie: cookie() } });
      const res = await broken.inject({ url: '/dashboard/go-live', headers: { cookie: cookie() } });
      expect(res.body).toContain('data-testid="golive-error"');
      expect(res.body).not.toContain(SECRET_KEY);
    } finally {
      await broken.close();
    }
  });
});
