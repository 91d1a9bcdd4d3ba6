/**
 * `pasarela dev`, `serve` and `migrate` as a user runs them: real processes on 127.0.0.1.
 * `dev` runs in real time (that is its job), so this test waits for conditions, bounded.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const BIN = 'bin/pasarela.mjs';
const dirs: string[] = [];
const children = new Set<ChildProcess>();
afterEach(() => {
  // A failed test must not leave a server running (and holding its port) for the next one.
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pasarela-cli-'));
  dirs.push(d);
  return d;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

interface DevInfo {
  shop: string;
  api: string;
  dashboard: string;
  sandbox: string;
  apiKey: string;
  secretKey: string;
  publicKey: string;
  readyMs: number;
}

/**
 * Spawns `pasarela <args>` and resolves with the first stdout line that `ready` accepts. Ports come
 * from `freePort()`, so another process can take one before the child listens: then (EADDRINUSE)
 * it is spawned again on fresh ports, up to three times.
 */
async function spawnUntil(
  args: (ports: number[]) => string[],
  portCount: number,
  env: NodeJS.ProcessEnv,
  ready: (line: string) => boolean,
): Promise<{ child: ChildProcess; line: string; ports: number[] }> {
  for (let round = 1; ; round++) {
    const ports: number[] = [];
    while (ports.length < portCount) {
      const p = await freePort();
      if (!ports.includes(p)) ports.push(p);
    }
    const child = spawn(process.execPath, [BIN, ...args(ports)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    children.add(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const line = await new Promise<string | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after 60 s; stderr: ${stderr}`)), 60_000);
      createInterface({ input: child.stdout! }).on('line', (l) => {
        if (ready(l)) {
          clearTimeout(timer);
          resolve(l);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (stderr.includes('EADDRINUSE') && round < 3) resolve(null);
        else reject(new Error(`exited with ${code} before it was ready; stderr: ${stderr}`));
      });
    });
    if (line !== null) return { child, line, ports };
  }
}

async function startDev(dir: string): Promise<{ child: ChildProcess; info: DevInfo; port: number }> {
  const { child, line, ports } = await spawnUntil(
    ([port, sandboxPort]) => [
      'dev',
      '--json',
      '--port',
      String(port),
      '--sandbox-port',
      String(sandboxPort),
      '--data-dir',
      dir,
    ],
    2,
    { ...process.env, LOG_LEVEL: 'error' },
    () => true,
  );
  return { child, info: JSON.parse(line) as DevInfo, port: ports[0]! };
}

/** SIGINT/SIGTERM, then the exit code; a child that ignores it is killed after 20 s (and fails the test). */
async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  child.kill(signal);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

/** Reads until `ok` holds or `ms` pass (dev runs in real time: its webhooks take real milliseconds). */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

describe('pasarela dev', () => {
  it('brings up sandbox + service + demo shop, takes a payment end to end, stops on Ctrl-C and keeps data and keys', async () => {
    const dir = tempDir();
    const first = await startDev(dir);
    let payment: { id: string; flow: string; checkout_session_id: string };
    try {
      expect(first.info.shop).toBe(`http://127.0.0.1:${first.port}/`);
      expect(first.info.secretKey).toMatch(/^sk_test_/);
      expect((await fetch(first.info.shop)).status).toBe(200);
      // The printed dashboard URL answers, and the printed API key signs in to it.
      expect(first.info.dashboard).toBe(`http://127.0.0.1:${first.port}/dashboard`);
      const signIn = await fetch(`${first.info.dashboard}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ secret: first.info.apiKey }).toString(),
        redirect: 'manual',
      });
      expect(signIn.status).toBe(303);
      const cookie = /pasarela_dashboard=[^;]+/.exec(signIn.headers.get('set-cookie') ?? '')?.[0] ?? '';
      expect(cookie).not.toBe('');
      expect((await fetch(first.info.dashboard, { headers: { cookie }, redirect: 'manual' })).status).toBe(
        200,
      );
      const created = await fetch(first.info.api, {
        method: 'POST',
        headers: { authorization: `Bearer ${first.info.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 12990, currency: 'CLP', order_id: 'cli-1' }),
      });
      expect(created.status).toBe(201);
      payment = (await created.json()) as typeof payment;
      // The default flow: a Checkout Session, paid by its customer (the sandbox's control API).
      expect(payment.flow).toBe('session');
      const sim = await fetch(
        `${first.info.sandbox}/_sandbox/checkout_sessions/${payment.checkout_session_id}/simulate`,
        {
          method: 'POST',
          headers: { authorization: first.info.secretKey, 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'authorize' }),
        },
      );
      expect(sim.status).toBe(200);
      const read = async () =>
        (await (
          await fetch(`${first.info.api}/${payment.id}`, {
            headers: { authorization: `Bearer ${first.info.apiKey}` },
          })
        ).json()) as { status: string };
      expect((await until(read, (p) => p.status === 'succeeded')).status).toBe('succeeded');
    } finally {
      expect(await stop(first.child)).toBe(0);
    }

    const second = await startDev(dir);
    try {
      expect(second.info.apiKey).toBe(first.info.apiKey);
      expect(second.info.secretKey).toBe(first.info.secretKey);
      const res = await fetch(`${second.info.api}/${payment.id}`, {
        headers: { authorization: `Bearer ${second.info.apiKey}` },
      });
      expect(((await res.json()) as { status: string }).status).toBe('succeeded');
    } finally {
      expect(await stop(second.child)).toBe(0);
    }
  }, 180_000);
});

describe('pasarela serve and migrate', () => {
  it('serve refuses a bad configuration with one line per problem and exit code 1, printing no secret', () => {
    const r = spawnSync(process.execPath, [BIN, 'serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        FINTOC_SECRET_KEY: 'sk_live_topsecretvalue123',
        FINTOC_PUBLIC_KEY: 'pk_test_abc',
        PAYMENT_TIMEOUT: 'soon',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines.some((l) => l.includes('mode_mismatch'))).toBe(true);
    expect(lines.some((l) => l.includes('FINTOC_WEBHOOK_SECRET is missing'))).toBe(true);
    expect(lines.some((l) => l.includes('PASARELA_API_KEY is missing'))).toBe(true);
    expect(lines.some((l) => l.includes('PAYMENT_TIMEOUT'))).toBe(true);
    expect(r.stderr).not.toContain('topsecretvalue123');
  });

  it('serve starts on a valid configuration, answers, and stops on SIGTERM with exit code 0', async () => {
    const dir = tempDir();
    let out = '';
    const { child, line, ports } = await spawnUntil(
      ([port]) => ['serve', '--port', String(port)],
      1,
      {
        PATH: process.env.PATH ?? '',
        FINTOC_SECRET_KEY: 'sk_test_servetestkey0123456789',
        FINTOC_PUBLIC_KEY: 'pk_test_servetestkey0123456789',
        FINTOC_WEBHOOK_SECRET: 'whsec_servetestsecret',
        PASARELA_API_KEY: 'serve-test-api-key-0123456789',
        PASARELA_DATA_DIR: dir,
      },
      (l) => {
        out += `${l}\n`;
        return l.includes('pasarela service listening');
      },
    );
    expect(line).toContain('pasarela service listening');
    const health = await fetch(`http://127.0.0.1:${ports[0]}/readyz`);
    expect(await health.json()).toMatchObject({ ok: true, database: 'embedded', workers: true });
    expect(await stop(child, 'SIGTERM')).toBe(0);
    expect(out).not.toContain('sk_test_servetestkey0123456789');
    expect(out).not.toContain('whsec_servetestsecret');
    expect(out).not.toContain('serve-test-api-key-0123456789');
  }, 120_000);

  it('migrate applies the migrations once', () => {
    const dir = tempDir();
    const run = () =>
      spawnSync(process.execPath, [BIN, 'migrate', '--json'], {
        env: { ...process.env, PASARELA_DATA_DIR: dir, DATABASE_URL: '' },
        encoding: 'utf8',
        timeout: 70_000,
      });
    const first = run();
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout).applied).toEqual([
      '0001_initial',
      '0002_inbox_queue_and_expiry_marker',
      '0003_current_attempt',
      '0004_merchant_endpoint_state',
      '0005_rate_limits',
      '0006_reconciliation',
      '0007_checkout_sessions',
    ]);
    expect(JSON.parse(run().stdout).applied).toEqual([]);
  }, 150_000);
});
