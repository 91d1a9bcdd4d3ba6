/**
 * `pasarela check` against the sandbox in LIVE mode (an `sk_live_` key is its own live organisation
 * there), end to end: the service runs on PostgreSQL behind TLS at https://pagos.tienda-ejemplo.cl,
 * the sandbox answers as https://api.fintoc.com, both on 127.0.0.1 through the tests' private network
 * (test/golive/network.ts). After `webhooks setup`, `payout-account` and a passing certify report the
 * check is all ✓; then each single thing is broken in turn and must give exactly its own ✗.
 *
 * The certify report is a fixture that follows the shared report contract (see the report below),
 * not a real `pasarela certify` run.
 */
import type { FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFintocClient, type FintocClient } from '../../src/fintoc/index.js';
import {
  buildPayoutAccount,
  clientFromEnv,
  runChecks,
  setupEndpoint,
  writePayoutAccountFiles,
  type CheckItemId,
  type CheckReport,
} from '../../src/golive/index.js';
import { newSecretKey, publicKeyOf, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { buildApp, loadConfig, serviceWebhookEvents, type Database } from '../../src/service/index.js';
import { passingReport } from '../fixtures/certify-report.js';
import { STORES } from '../service/support/db.js';
import { closedPort, networkFetch, startTlsFront, type TlsFront } from './network.js';

const postgres = STORES.find((s) => s.name === 'postgres')!;
const PUBLIC_URL = 'https://pagos.tienda-ejemplo.cl';
const WEBHOOK_URL = `${PUBLIC_URL}/webhooks/fintoc`;
const DAY = 86_400_000;

const report = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify(passingReport(new Date(Date.now() - DAY), overrides));

describe.skipIf(postgres.skip)('pasarela check in live mode against the sandbox', () => {
  let dir: string;
  let sb: RunningSandbox;
  let apiFront: TlsFront;
  let payFront: TlsFront;
  let net: ReturnType<typeof networkFetch>;
  let database: Database;
  let databaseUrl: string;
  let servicePort: number;
  let fintoc: FintocClient;
  let env: Record<string, string>;
  let endpointId: string;
  let webhookSecret: string;
  const apps: FastifyInstance[] = [];

  async function startService(
    serviceEnv: Record<string, string>,
  ): Promise<{ app: FastifyInstance; port: number }> {
    const result = loadConfig(serviceEnv);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const a = await buildApp({
      config: result.config,
      database,
      fetch: net.fetch,
      fintoc: createFintocClient({
        secretKey: result.config.fintoc.secretKey,
        fetch: net.fetch,
        maxRetries: 0,
      }),
      workers: false,
      logger: false,
    });
    await a.listen({ port: 0, host: '127.0.0.1' });
    apps.push(a);
    return { app: a, port: (a.server.address() as { port: number }).port };
  }

  const check = (overrides: Record<string, string | undefined> = {}, opts: { certifyReport?: string } = {}) =>
    runChecks({
      env: { ...env, ...overrides },
      cwd: dir,
      fetch: net.fetch,
      deliveryTimeoutMs: 20_000,
      ...opts,
    });
  const failed = (r: CheckReport) => r.items.filter((i) => i.status === 'fail').map((i) => i.id);
  const item = (r: CheckReport, id: CheckItemId) => r.items.find((i) => i.id === id)!;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pasarela-check-'));
    await postgres.setup();
    databaseUrl = await postgres.freshUrl!();
    database = await postgres.fresh();
    apiFront = await startTlsFront(0);
    payFront = await startTlsFront(await closedPort());
    net = networkFetch({ 'api.fintoc.com': apiFront, 'pagos.tienda-ejemplo.cl': payFront });
    const secretKey = newSecretKey('live');
    sb = await startSandbox({ secretKey, fetch: net.fetch, intentTimeoutMs: null });
    apiFront.retarget(Number(new URL(sb.url).port));
    env = {
      FINTOC_SECRET_KEY: secretKey,
      FINTOC_PUBLIC_KEY: publicKeyOf(secretKey),
      PASARELA_API_KEY: 'live_api_key_0123456789abcdef',
      PASARELA_DASHBOARD_PASSWORD: 'a-long-dashboard-password',
      PASARELA_PUBLIC_URL: PUBLIC_URL,
      DATABASE_URL: databaseUrl,
      PASARELA_COUNTRY: 'cl',
    };
    fintoc = clientFromEnv(env, net.fetch);

    // The road, as a shop walks it: webhooks setup, payout-account, certify.
    const setup = await setupEndpoint(fintoc, { url: WEBHOOK_URL, events: serviceWebhookEvents(['intent']) });
    expect(setup).toMatchObject({ created: true, endpoint: { mode: 'live', url: WEBHOOK_URL } });
    endpointId = setup.endpoint.id;
    webhookSecret = setup.secret!;
    env.FINTOC_WEBHOOK_SECRET = webhookSecret;
    const again = await setupEndpoint(fintoc, { url: WEBHOOK_URL, events: serviceWebhookEvents(['intent']) });
    expect(again).toMatchObject({ created: false, changes: [], secret: null, endpoint: { id: endpointId } });

    const account = buildPayoutAccount('cl', {
      bank: 'Banco Estado',
      account_type: 'cuenta corriente',
      account_number: '29100012345',
      rut: '76.354.771-K',
      notifications_email: 'pagos@tienda-ejemplo.cl',
    });
    if (!account.ok) throw new Error('payout account refused');
    writePayoutAccountFiles(dir, account.account);
    mkdirSync(join(dir, 'certify-report'));
    writeFileSync(join(dir, 'certify-report', 'report.json'), report());

    ({ port: servicePort } = await startService(env));
    payFront.retarget(servicePort);
  }, 120_000);

  afterAll(async () => {
    for (const a of apps) await a.close();
    await database?.close();
    await sb?.close();
    await apiFront?.close();
    await payFront?.close();
    await net?.close();
    await postgres.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('is all ✓ after webhooks setup, payout-account and a passing certify report', async () => {
    const r = await check();
    expect(r.items.filter((i) => i.status !== 'pass')).toEqual([]);
    expect(r).toMatchObject({
      ok: true,
      mode: 'live',
      country: 'cl',
      counts: { pass: 17, fail: 0, warn: 0, skip: 0 },
    });
    expect(item(r, 'keys-fintoc').summary).toMatch(/live mode as Fintoc reports it/);
    expect(item(r, 'webhook-secret').summary).toMatch(/the service accepted a test event \(evt_/);
    expect(item(r, 'service-database').summary).toMatch(/PostgreSQL \(the running service reports it\)/);
    // The test event went through TLS to the service, which verified and stored it.
    const stored = await database.db.selectFrom('webhook_inbox').select('event_id').execute();
    expect(stored.length).toBeGreaterThan(0);
    const text = JSON.stringify(r);
    for (const secret of [
      env.FINTOC_SECRET_KEY!,
      webhookSecret,
      env.PASARELA_API_KEY!,
      env.PASARELA_DASHBOARD_PASSWORD!,
    ]) {
      expect(text).not.toContain(secret);
    }
  }, 60_000);

  it('test keys: only the key pair fails', async () => {
    const testKey = env.FINTOC_SECRET_KEY!.replace('sk_live_', 'sk_test_');
    const r = await check({ FINTOC_SECRET_KEY: testKey, FINTOC_PUBLIC_KEY: publicKeyOf(testKey) });
    expect(failed(r)).toEqual(['keys']);
    expect(item(r, 'keys')).toMatchObject({
      summary: expect.stringMatching(/sk_test_… and .* pk_test_… are test keys/),
      fix: expect.stringMatching(/Live mode/),
    });
    expect(item(r, 'keys-fintoc').summary).toMatch(/test mode as Fintoc reports it/);
  }, 60_000);

  it('a live secret key with a test public key: only the key pair fails', async () => {
    const r = await check({
      FINTOC_PUBLIC_KEY: publicKeyOf(env.FINTOC_SECRET_KEY!).replace('pk_live_', 'pk_test_'),
    });
    expect(failed(r)).toEqual(['keys']);
    expect(item(r, 'keys').summary).toMatch(/live key but the public key is a test key/);
  }, 60_000);

  it('a key Fintoc does not know: only "Fintoc accepts the secret key" fails', async () => {
    // Well formed for Pasarela, but the sandbox (like Fintoc) knows no such key: it wants 4+ characters.
    const r = await check({ FINTOC_SECRET_KEY: 'sk_live_abc', FINTOC_PUBLIC_KEY: 'pk_live_abc' });
    expect(failed(r)).toEqual(['keys-fintoc']);
    expect(item(r, 'keys-fintoc')).toMatchObject({
      summary: expect.stringMatching(/Fintoc refused the secret key sk_live_… \(invalid_api_key\)/),
      fix: expect.stringMatching(/Copy the live secret key again/),
    });
  }, 60_000);

  it('an http webhook URL: only the public URL fails, what depends on it is not checked', async () => {
    const r = await check({ PASARELA_PUBLIC_URL: 'http://pagos.tienda-ejemplo.cl' });
    expect(failed(r)).toEqual(['public-url']);
    expect(item(r, 'public-url')).toMatchObject({
      summary: expect.stringMatching(/plain http/),
      fix: expect.stringMatching(/TLS/),
    });
    expect(
      ['webhook-endpoint', 'service-reachable', 'webhook-secret'].map(
        (id) => item(r, id as CheckItemId).status,
      ),
    ).toEqual(['skip', 'skip', 'skip']);
  }, 60_000);

  it('a missing event: only the subscribed events fail; webhooks setup adds it back', async () => {
    const all = serviceWebhookEvents(['intent']);
    await fintoc.webhookEndpoints.update(endpointId, {
      enabled_events: all.filter((t) => t !== 'payment_intent.pending'),
    });
    const r = await check();
    expect(failed(r)).toEqual(['webhook-events']);
    expect(item(r, 'webhook-events')).toMatchObject({
      summary: expect.stringMatching(/does not send payment_intent\.pending/),
      fix: expect.stringMatching(/webhooks setup/),
    });
    const fixed = await setupEndpoint(fintoc, { url: WEBHOOK_URL, events: all });
    expect(fixed).toMatchObject({ created: false, changes: ['added payment_intent.pending'] });
    expect(failed(await check())).toEqual([]);
  }, 90_000);

  it('a disabled endpoint: only the endpoint fails; webhooks setup enables it', async () => {
    await fintoc.webhookEndpoints.update(endpointId, { disabled: true });
    const r = await check();
    expect(failed(r)).toEqual(['webhook-endpoint']);
    expect(item(r, 'webhook-endpoint').summary).toMatch(/is disabled/);
    expect(
      (await setupEndpoint(fintoc, { url: WEBHOOK_URL, events: serviceWebhookEvents(['intent']) })).changes,
    ).toEqual(['enabled it']);
  }, 90_000);

  it('a test endpoint left in live mode: only the strays fail', async () => {
    const left = await fintoc.webhookEndpoints.create({
      url: 'http://localhost:3000/webhooks/fintoc',
      enabled_events: ['*'],
    });
    try {
      const r = await check();
      expect(failed(r)).toEqual(['webhook-strays']);
      expect(item(r, 'webhook-strays')).toMatchObject({
        summary: expect.stringContaining(
          `${left.id} → http://localhost:3000/webhooks/fintoc (a loopback address)`,
        ),
        fix: expect.stringMatching(/Delete or disable/),
      });
    } finally {
      await fintoc.webhookEndpoints.delete(left.id);
    }
  }, 60_000);

  it('a service whose webhook secret is not the endpoint’s: only the webhook secret fails', async () => {
    const other = await startService({ ...env, FINTOC_WEBHOOK_SECRET: 'whsec_notTheEndpointsSecret' });
    payFront.retarget(other.port);
    try {
      const r = await check();
      expect(failed(r)).toEqual(['webhook-secret']);
      expect(item(r, 'webhook-secret')).toMatchObject({
        summary: expect.stringMatching(/refused the test event evt_\w+ \(400 no_matching_signature\)/),
        fix: expect.stringMatching(/Set FINTOC_WEBHOOK_SECRET/),
      });
    } finally {
      payFront.retarget(servicePort);
    }
  }, 60_000);

  it('FINTOC_WEBHOOK_SECRET unset: only the webhook secret fails', async () => {
    const r = await check({ FINTOC_WEBHOOK_SECRET: undefined });
    expect(failed(r)).toEqual(['webhook-secret']);
    expect(item(r, 'webhook-secret').summary).toMatch(/not set/);
  }, 60_000);

  it('the service down: only "reachable" fails', async () => {
    payFront.retarget(await closedPort());
    try {
      const r = await check();
      expect(failed(r)).toEqual(['service-reachable']);
      expect(item(r, 'service-reachable').summary).toMatch(
        /could not reach https:\/\/pagos\.tienda-ejemplo\.cl\/readyz/,
      );
    } finally {
      payFront.retarget(servicePort);
    }
  }, 60_000);

  it('a service in test mode: only the service mode fails', async () => {
    const testKey = newSecretKey('test');
    const other = await startService({
      ...env,
      FINTOC_SECRET_KEY: testKey,
      FINTOC_PUBLIC_KEY: publicKeyOf(testKey),
      FINTOC_API_URL: sb.url,
    });
    payFront.retarget(other.port);
    try {
      const r = await check();
      // The test-mode service cannot verify the live endpoint's test event either: its secret is the live one, so that passes.
      expect(failed(r)).toEqual(['service-mode']);
      expect(item(r, 'service-mode').summary).toMatch(/runs in test mode, with other keys/);
    } finally {
      payFront.retarget(servicePort);
    }
  }, 60_000);

  it('the embedded database in live mode is a warning with its reason, not a failure', async () => {
    const r = await check({ DATABASE_URL: undefined });
    // The running service still reports PostgreSQL; what it runs on is what counts.
    expect(item(r, 'service-database').status).toBe('pass');
    payFront.retarget(await closedPort());
    try {
      const down = await check({ DATABASE_URL: undefined });
      expect(item(down, 'service-database')).toMatchObject({
        status: 'warn',
        summary: expect.stringMatching(/no second instance/),
      });
    } finally {
      payFront.retarget(servicePort);
    }
  }, 60_000);

  it.each([
    [
      'an unofficial API URL',
      { FINTOC_API_URL: 'https://proxy.tienda-ejemplo.cl' },
      'api-url',
      /not Fintoc's https:\/\/api\.fintoc\.com/,
    ],
    [
      'a 5-minute abandonment timeout',
      { PAYMENT_TIMEOUT: '5m' },
      'payment-timeout',
      /expects an abandoned payment canceled after 10 minutes/,
    ],
    [
      'no dashboard password',
      { PASARELA_DASHBOARD_PASSWORD: undefined },
      'dashboard-password',
      /signs in with PASARELA_API_KEY/,
    ],
    ['no API key for the shop', { PASARELA_API_KEY: undefined }, 'config', /PASARELA_API_KEY is missing/],
  ] as const)(
    '%s: only its item fails',
    async (_name, overrides, id, summary) => {
      const r = await check(overrides);
      expect(failed(r)).toEqual([id]);
      expect(item(r, id)).toMatchObject({ summary: expect.stringMatching(summary), fix: expect.any(String) });
    },
    60_000,
  );

  it('an unofficial API URL allowed as a proxy is a warning, and the key is not sent elsewhere otherwise', async () => {
    const r = await check({
      FINTOC_API_URL: 'https://proxy.tienda-ejemplo.cl',
      FINTOC_ALLOW_UNOFFICIAL_API_URL: '1',
    });
    expect(item(r, 'api-url').status).toBe('warn');
    // proxy.tienda-ejemplo.cl has no front in the network: asking it fails, and says so.
    expect(failed(r)).toEqual(['keys-fintoc']);
  }, 60_000);

  it('a bad RUT in payout-account.json: only the payout account fails', async () => {
    const path = join(dir, 'bad-payout.json');
    const account = buildPayoutAccount('cl', {
      bank: 'cl_banco_estado',
      account_type: 'cuenta_vista',
      account_number: '12345678',
      rut: '76.354.771-K',
      notifications_email: 'pagos@tienda-ejemplo.cl',
    });
    if (!account.ok) throw new Error('refused');
    writeFileSync(path, JSON.stringify({ ...account.account, rut: '76.354.771-5' }));
    const r = await runChecks({ env, cwd: dir, fetch: net.fetch, payoutAccount: 'bad-payout.json' });
    expect(failed(r)).toEqual(['payout-account']);
    expect(item(r, 'payout-account')).toMatchObject({
      summary: expect.stringMatching(/RUT: the check digit does not match/),
      fix: expect.stringMatching(/pasarela payout-account/),
    });
    const missing = await runChecks({ env, cwd: dir, fetch: net.fetch, payoutAccount: 'nothing-here.json' });
    expect(failed(missing)).toEqual(['payout-account']);
    const direct = await runChecks({
      env,
      cwd: dir,
      fetch: net.fetch,
      payoutAccount: 'nothing-here.json',
      directPayments: true,
    });
    expect(failed(direct)).toEqual([]);
    expect(item(direct, 'payout-account')).toMatchObject({
      status: 'skip',
      summary: expect.stringMatching(/direct payments/),
    });
  }, 90_000);

  it.each([
    ['a stale report', { generated_at: new Date(Date.now() - 40 * DAY).toISOString() }, /40 days old/],
    ['a rehearsal report', { rehearsal: true }, /rehearsal/],
    [
      'a failed report',
      { passed: false, scenarios: [{ id: 'leaves', required: true, verdict: 'failed' }] },
      /did not pass/,
    ],
    ['a report for Mexico', { country: 'mx' }, /certifies mx/],
  ])(
    '%s: only the certification fails',
    async (_name, overrides, problem) => {
      const name = `report-${Math.random().toString(36).slice(2)}.json`;
      writeFileSync(join(dir, name), report(overrides));
      const r = await check({}, { certifyReport: name });
      expect(failed(r)).toEqual(['certification']);
      expect(item(r, 'certification')).toMatchObject({
        summary: expect.stringMatching(problem),
        fix: expect.stringMatching(/pasarela certify/),
      });
    },
    60_000,
  );
});
