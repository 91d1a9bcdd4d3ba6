/**
 * The go-live commands as a shop's engineer runs them: real `pasarela` processes, not on a terminal
 * (so nothing is ever asked), configured by the environment and a `.env` file, against a sandbox on
 * 127.0.0.1. Each process takes 5 to 10 s to start under a full parallel run (tsx compiles the CLI),
 * so each test's budget is about a minute per process it starts.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFintocClient } from '../../src/fintoc/index.js';
import { newSecretKey, publicKeyOf, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pasarela.mjs');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pasarela-golive-cli-'));
  dirs.push(d);
  return d;
};

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pasarela <args>` in `cwd` with only `env` (plus PATH), stdin closed; bounded in time. */
function pasarela(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH ?? '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pasarela ${args.join(' ')} did not end in 90 s; stderr: ${stderr}`));
    }, 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const CHILE_FLAGS = [
  '--bank',
  'Banco Estado',
  '--account-type',
  'cuenta corriente',
  '--account-number',
  '29100012345',
  '--rut',
  '76354771-k',
  '--email',
  'pagos@tienda.cl',
];

afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('pasarela payout-account', () => {
  it('without a terminal, names every missing field and writes nothing', async () => {
    const cwd = tempDir();
    const r = await pasarela(['payout-account', '--rut', '76354771-k'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing for Chile: --bank, --account-type, --account-number, --email');
    expect(r.stderr).toContain('not on a terminal, so nothing was asked');
    expect(readdirSync(cwd)).toEqual([]);
  }, 90_000);

  it('refuses a bad RUT with its reason and writes nothing; --json gives the same as data', async () => {
    const cwd = tempDir();
    const bad = CHILE_FLAGS.map((a) => (a === '76354771-k' ? '76354771-1' : a));
    const r = await pasarela(['payout-account', ...bad], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--rut: the check digit does not match/);
    const j = await pasarela(['payout-account', ...bad, '--json'], { cwd });
    expect(JSON.parse(j.stdout)).toMatchObject({
      error: { code: 'invalid_fields', invalid: [{ field: 'rut' }] },
    });
    expect(readdirSync(cwd)).toEqual([]);
  }, 150_000);

  it('writes payout-account.json and .eml from flags and prints the e-mail in Spanish', async () => {
    const cwd = tempDir();
    const r = await pasarela(
      ['payout-account', ...CHILE_FLAGS, '--account-executive', 'ejecutiva@fintoc.com'],
      { cwd },
    );
    expect(r.code).toBe(0);
    expect(readdirSync(cwd).sort()).toEqual(['payout-account.eml', 'payout-account.json']);
    expect(r.stdout).toContain('To: ejecutiva@fintoc.com');
    expect(r.stdout).toContain('- RUT: 76.354.771-K');
    expect(r.stdout).toContain('- Tipo de cuenta: Cuenta corriente');
    expect(JSON.parse(readFileSync(join(cwd, 'payout-account.json'), 'utf8'))).toMatchObject({
      country: 'cl',
      rut: '76.354.771-K',
    });
  }, 90_000);

  it('takes Mexico from PASARELA_COUNTRY in .env and the fields from a JSON file, flags winning', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'PASARELA_COUNTRY=mx\n');
    writeFileSync(
      join(cwd, 'cuenta.json'),
      JSON.stringify({
        company_name: 'Tienda Ejemplo, S.A. de C.V.',
        bank: 'Banorte',
        rfc: 'SAT970701NN3',
        notifications_email: 'pagos@tienda.mx',
        address: {
          street: 'Reforma',
          number: '222',
          colonia: 'Juárez',
          city: 'Cuauhtémoc',
          state: 'Ciudad de México',
          postal_code: '06600',
        },
      }),
    );
    const r = await pasarela(['payout-account', '--from', 'cuenta.json', '--bank', 'BBVA México', '--json'], {
      cwd,
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      account: { country: 'mx', bank: { code: '012' }, address: { postal_code: '06600' } },
    });
    writeFileSync(join(cwd, 'typo.json'), JSON.stringify({ rfcc: 'x' }));
    const typo = await pasarela(['payout-account', '--from', 'typo.json'], { cwd });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown keys rfcc');
  }, 150_000);
});

describe('pasarela webhooks and check against a sandbox', () => {
  let sb: RunningSandbox;
  beforeAll(async () => {
    sb = await startSandbox({ secretKey: newSecretKey('test'), intentTimeoutMs: null });
  });
  afterAll(async () => {
    await sb?.close();
  });

  const envFor = (secretKey: string, extra: Record<string, string> = {}) => ({
    FINTOC_SECRET_KEY: secretKey,
    FINTOC_API_URL: sb.url,
    PASARELA_PUBLIC_URL: 'http://127.0.0.1:9',
    ...extra,
  });

  it('setup creates one endpoint, shows its secret once, writes it to a new 0600 .env; run twice, still one', async () => {
    const cwd = tempDir();
    const key = newSecretKey('test');
    const first = await pasarela(['webhooks', 'setup', '--write-env', '.env'], { cwd, env: envFor(key) });
    expect(first.code).toBe(0);
    const secret = /secret: (whsec_\S+)/.exec(first.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(first.stdout).toContain('at http://127.0.0.1:9/webhooks/fintoc');
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toBe(`FINTOC_WEBHOOK_SECRET=${secret}\n`);
    expect(statSync(join(cwd, '.env')).mode & 0o777).toBe(0o600);

    const second = await pasarela(['webhooks', 'setup', '--json'], { cwd, env: envFor(key) });
    expect(JSON.parse(second.stdout)).toMatchObject({ created: false, changes: [], secret: null });
    expect(second.stdout).not.toContain(secret!);
    const list = await pasarela(['webhooks', 'list', '--json'], { cwd, env: envFor(key) });
    const listed = JSON.parse(list.stdout) as {
      mode: string;
      endpoints: Array<{ url: string; status: string; enabled_events: string[] }>;
    };
    expect(listed).toMatchObject({
      mode: 'test',
      endpoints: [{ url: 'http://127.0.0.1:9/webhooks/fintoc', status: 'enabled' }],
    });
    expect(listed.endpoints[0]!.enabled_events).toEqual([
      'payment_intent.succeeded',
      'payment_intent.failed',
      'payment_intent.rejected',
      'payment_intent.expired',
      'payment_intent.pending',
      // Every flow's events (a payment may choose its own flow): the Checkout Sessions' too.
      'checkout_session.finished',
      'checkout_session.expired',
    ]);
  }, 200_000);

  it('refuses an http:// URL in live mode, and a live key aimed at another API than Fintoc', async () => {
    const cwd = tempDir();
    const live = newSecretKey('live');
    const http = await pasarela(['webhooks', 'setup', '--url', 'http://tienda.cl/webhooks/fintoc'], {
      cwd,
      env: envFor(live, { FINTOC_ALLOW_UNOFFICIAL_API_URL: '1' }),
    });
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('is http://; Fintoc delivers live events only to https://');
    const elsewhere = await pasarela(['webhooks', 'list'], { cwd, env: envFor(live) });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/the live secret key is not sent there/);
    expect(elsewhere.stderr).not.toContain(live);
  }, 150_000);

  it('rotate adds a second endpoint and puts the new secret first in .env; --finish keeps it alone', async () => {
    const cwd = tempDir();
    const key = newSecretKey('test');
    const env = envFor(key);
    await pasarela(['webhooks', 'setup', '--write-env', '.env'], { cwd, env });
    const old = readFileSync(join(cwd, '.env'), 'utf8').trim().split('=')[1]!;
    const rot = await pasarela(['webhooks', 'rotate', '--write-env', '.env', '--json'], { cwd, env });
    expect(rot.code).toBe(0);
    const started = JSON.parse(rot.stdout) as {
      endpoint: { id: string };
      secret: string;
      previous: Array<{ id: string }>;
    };
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toBe(`FINTOC_WEBHOOK_SECRET=${started.secret},${old}\n`);
    const client = createFintocClient({ secretKey: key, baseUrl: sb.url });
    const during: string[] = [];
    for await (const e of client.webhookEndpoints.list()) during.push(e.id);
    expect(during).toHaveLength(2);

    const fin = await pasarela(
      ['webhooks', 'rotate', '--finish', '--keep', started.endpoint.id, '--write-env', '.env'],
      { cwd, env },
    );
    expect(fin.code).toBe(0);
    expect(fin.stdout).toContain(`kept ${started.endpoint.id}, deleted ${started.previous[0]!.id}`);
    expect(readFileSync(join(cwd, '.env'), 'utf8')).toBe(`FINTOC_WEBHOOK_SECRET=${started.secret}\n`);
    const after: string[] = [];
    for await (const e of client.webhookEndpoints.list()) after.push(e.id);
    expect(after).toEqual([started.endpoint.id]);
    const again = await pasarela(['webhooks', 'rotate', '--finish'], { cwd, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('run pasarela webhooks rotate first');
  }, 260_000);

  it('check reads .env, prints one line per item, exits 1 with a ✗, and never prints a secret', async () => {
    const cwd = tempDir();
    const key = newSecretKey('test');
    const webhookSecret = 'whsec_checkclisecret123';
    writeFileSync(
      join(cwd, '.env'),
      [
        `FINTOC_SECRET_KEY=${key}`,
        `FINTOC_PUBLIC_KEY=${publicKeyOf(key)}`,
        `FINTOC_WEBHOOK_SECRET=${webhookSecret}`,
        `FINTOC_API_URL=${sb.url}`,
        'PASARELA_API_KEY=cli_api_key_0123456789abcdef',
        'PASARELA_PUBLIC_URL=https://pagos.tienda-ejemplo.cl',
      ].join('\n'),
    );
    const text = await pasarela(['check'], { cwd });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      /^ {2}✗ Live key pair: FINTOC_SECRET_KEY sk_test_… and FINTOC_PUBLIC_KEY pk_test_… are test keys/m,
    );
    expect(text.stdout).toMatch(/^ {6}fix: In the Fintoc Dashboard, switch to Live mode/m);
    expect(text.stdout).toMatch(/^ {2}✓ Fintoc accepts the secret key: .*test mode as Fintoc reports it/m);
    expect(text.stdout).toMatch(/^ {2}✗ API URL: requests go to http:\/\/127\.0\.0\.1:\d+, not Fintoc's/m);
    expect(text.stdout).toMatch(
      /^ {2}- Live endpoint at the service: not checked until "Live key pair" passes\./m,
    );
    expect(text.stdout).toMatch(/Not ready: fix each ✗/);
    const json = await pasarela(['check', '--json'], { cwd });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; items: Array<{ id: string; status: string }> };
    expect(report.ok).toBe(false);
    expect(report.items.map((i) => i.id)).toHaveLength(17);
    for (const out of [text.stdout, text.stderr, json.stdout]) {
      expect(out).not.toContain(key);
      expect(out).not.toContain(webhookSecret);
      expect(out).not.toContain('cli_api_key_0123456789abcdef');
    }
    const bad = await pasarela(['check', '--certify-max-age', 'soon'], { cwd });
    expect(bad.code).toBe(2);
  }, 200_000);

  it('serve reads .env too: its configuration errors name what the file set', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'FINTOC_SECRET_KEY=not-a-key\nFINTOC_PUBLIC_KEY=pk_test_abcd\n');
    const r = await pasarela(['serve'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FINTOC_SECRET_KEY (invalid_secret_key)');
    expect(r.stderr).not.toContain('not-a-key');
    writeFileSync(join(cwd, '.env'), 'FINTOC_SECRET_KEY sk_test_abcd\n');
    const broken = await pasarela(['serve'], { cwd });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/\.env line 1: is not KEY=value/);
    expect(broken.stderr).not.toContain('sk_test_abcd');
    expect(existsSync(join(cwd, '.pasarela'))).toBe(false);
  }, 150_000);
});
