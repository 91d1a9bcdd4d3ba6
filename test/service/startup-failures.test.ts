/**
 * Start-up as a user meets it when something is in the way: a port taken (the message names the
 * flag to change), PostgreSQL not up yet (tried again for DATABASE_WAIT, the message names
 * DATABASE_URL), and `dev --country mx --payment-timeout` (the currency and the quick way to watch
 * the abandonment rule).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { postgresSkipReason, startPostgres, type TestPostgres } from '../support/postgres.js';
import { pasarela, stopAll } from '../sandbox/child.js';

const BIN = 'bin/pasarela.mjs';
const dirs: string[] = [];
const busy: Server[] = [];
let pg: TestPostgres | undefined;
afterEach(async () => {
  await stopAll();
  for (const s of busy.splice(0)) s.close();
  pg?.stop();
  pg = undefined;
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pasarela-startfail-'));
  dirs.push(d);
  return d;
}

/** A port held by another program for the test's length. */
async function takenPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  busy.push(server);
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** A port nothing listens on now (bound and released). */
async function freePort(): Promise<number> {
  const port = await takenPort();
  await new Promise((resolve) => busy.pop()!.close(resolve));
  return port;
}

const SERVE_ENV = {
  PATH: process.env.PATH ?? '',
  FINTOC_SECRET_KEY: 'sk_test_startfailkey0123456789',
  FINTOC_PUBLIC_KEY: 'pk_test_startfailkey0123456789',
  FINTOC_WEBHOOK_SECRET: 'whsec_startfailsecret',
  PASARELA_API_KEY: 'startfail-test-api-key-0123456789',
};
const run = (args: string[], env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 90_000 });

describe('a port already in use', () => {
  it('dev names --port or --sandbox-port, serve names --port and PORT; each exits 1 with no stack trace', async () => {
    const port = await takenPort();
    const dir = tempDir();
    const service = run(
      ['dev', '--port', String(port), '--sandbox-port', '0', '--data-dir', dir],
      process.env,
    );
    expect(service.status).toBe(1);
    expect(service.stderr).toContain(`port ${port} on 127.0.0.1 is already in use`);
    expect(service.stderr).toContain('--port <port>');
    expect(service.stderr).not.toMatch(/^\s+at /m);

    const sandbox = run(
      ['dev', '--port', '0', '--sandbox-port', String(port), '--data-dir', dir],
      process.env,
    );
    expect(sandbox.status).toBe(1);
    expect(sandbox.stderr).toContain('--sandbox-port <port>');

    const serve = run(['serve', '--port', String(port)], { ...SERVE_ENV, PASARELA_DATA_DIR: dir });
    expect(serve.status).toBe(1);
    expect(serve.stderr).toContain('--port <port> (or PORT)');
    expect(serve.stderr).not.toMatch(/^\s+at /m);
  }, 240_000); // three starts that each open the embedded database (up to 60 s on a loaded machine)
});

const pgSkip = postgresSkipReason();
describe('a database that is not up yet', () => {
  it('serve gives up after DATABASE_WAIT with a message naming DATABASE_URL, exit code 1', async () => {
    const url = `postgres://app@127.0.0.1:${await freePort()}/postgres`;
    const r = run(['serve', '--port', '0'], { ...SERVE_ENV, DATABASE_URL: url, DATABASE_WAIT: '2s' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('(DATABASE_URL)');
    expect(r.stderr).toContain('tried for 2 s');
    expect(r.stdout).toContain('does not answer yet (ECONNREFUSED)');
  }, 90_000);

  it.skipIf(pgSkip !== null)(
    'serve keeps trying a refused PostgreSQL and starts once it is up (containers start in any order)',
    async () => {
      const port = await freePort();
      const serve = pasarela(['serve', '--port', '0'], {
        ...SERVE_ENV,
        DATABASE_URL: `postgres://app@127.0.0.1:${port}/postgres`,
        DATABASE_WAIT: '2m',
      });
      let out = '';
      serve.child.stdout.on('data', (d: string) => (out += d));
      const until = async (ok: () => boolean, ms: number) => {
        const deadline = Date.now() + ms;
        while (!ok()) {
          if (Date.now() > deadline || serve.child.exitCode !== null)
            throw new Error(`not seen; output: ${out}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };
      await until(() => out.includes('does not answer yet'), 60_000);
      pg = await startPostgres({ port });
      await until(() => out.includes('pasarela service listening'), 60_000);
      expect(out).toContain('(DATABASE_URL) answers');
      const stopped = await serve.stop('SIGTERM');
      expect(stopped.code, stopped.err).toBe(0);
    },
    180_000, // the CLI start (60 s), PostgreSQL's start, the retries' backoff (5 s at most), the stop
  );
});

describe('pasarela dev --country mx --payment-timeout', () => {
  it('names PASARELA_COUNTRY in its help', () => {
    const help = run(['dev', '--help'], process.env);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--country <country>');
    expect(help.stdout).toContain('PASARELA_COUNTRY');
    expect(help.stdout).toContain('--payment-timeout <duration>');
  }, 60_000);

  it('takes payments in MXN, prints a curl line in MXN, and cancels an unpaid payment after the short timeout', async () => {
    const dir = tempDir();
    const human = pasarela(
      ['dev', '--port', '0', '--sandbox-port', '0', '--data-dir', dir, '--country', 'mx'],
      {
        ...process.env,
        LOG_LEVEL: 'error',
      },
    );
    let banner = '';
    human.child.stdout.on('data', (d: string) => (banner += d));
    await human.firstLine;
    const deadline = Date.now() + 30_000;
    while (!banner.includes('Ctrl-C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(banner).toContain('"currency": "MXN"');
    expect(banner).toContain('Mexico');
    // (Its Ctrl-C and exit code are the start-up output test's; this one is about the banner.)
    await human.stop('SIGKILL');

    const dev = pasarela(
      [
        'dev',
        '--json',
        '--port',
        '0',
        '--sandbox-port',
        '0',
        '--data-dir',
        dir,
        '--country',
        'mx',
        '--payment-timeout',
        '10s',
      ],
      { ...process.env, LOG_LEVEL: 'error' },
    );
    const info = JSON.parse(await dev.firstLine) as { api: string; apiKey: string; country: string };
    expect(info.country).toBe('mx');
    const headers = { authorization: `Bearer ${info.apiKey}`, 'content-type': 'application/json' };
    const created = await fetch(info.api, {
      method: 'POST',
      headers,
      body: JSON.stringify({ amount: 24900, order_id: 'mx-1' }),
    });
    expect(created.status).toBe(201);
    const payment = (await created.json()) as {
      id: string;
      currency: string;
      expires_at: string;
      created_at: string;
    };
    expect(payment.currency).toBe('MXN');
    expect(Date.parse(payment.expires_at) - Date.parse(payment.created_at)).toBe(10_000);
    // Real time: the deadline is 10 s away; the job acts on it within seconds after.
    let status = '';
    const until = Date.now() + 90_000;
    while (status !== 'canceled' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      status = ((await (await fetch(`${info.api}/${payment.id}`, { headers })).json()) as { status: string })
        .status;
    }
    expect(status).toBe('canceled');
    expect((await dev.stop('SIGINT')).code).toBe(0);
  }, 240_000); // two dev starts (60 s each when loaded), the 10 s timeout and the job acting on it
});
