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
import { afterAll, describe, expect, it } from 'vitest';

const BIN = 'bin/pasarela.mjs';
const dirs: string[] = [];
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
  sandbox: string;
  apiKey: string;
  secretKey: string;
  publicKey: string;
  readyMs: number;
}

async function startDev(
  dir: string,
  port: number,
  sandboxPort: number,
): Promise<{ child: ChildProcess; info: DevInfo }> {
  const child = spawn(
    process.execPath,
    [BIN, 'dev', '--json', '--port', String(port), '--sandbox-port', String(sandboxPort), '--data-dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'error' } },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`dev exited with ${code}`)));
  });
  return { child, info: JSON.parse(line) as DevInfo };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, tries = 100): Promise<T> {
  let v = await read();
  for (let i = 0; i < tries && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 100));
    v = await read();
  }
  return v;
}

describe('pasarela dev', () => {
  it('brings up sandbox + service + demo shop, takes a payment end to end, stops on Ctrl-C and keeps data and keys', async () => {
    const dir = tempDir();
    const [port, sandboxPort] = [await freePort(), await freePort()];
    const first = await startDev(dir, port, sandboxPort);
    let payment: { id: string; payment_intent_id: string };
    try {
      expect(first.info.shop).toBe(`http://127.0.0.1:${port}/`);
      expect(first.info.secretKey).toMatch(/^sk_test_/);
      expect((await fetch(first.info.shop)).status).toBe(200);
      const created = await fetch(first.info.api, {
        method: 'POST',
        headers: { authorization: `Bearer ${first.info.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ amount: 12990, currency: 'CLP', order_id: 'cli-1' }),
      });
      expect(created.status).toBe(201);
      payment = (await created.json()) as typeof payment;
      const sim = await fetch(
        `${first.info.sandbox}/_sandbox/payment_intents/${payment.payment_intent_id}/simulate`,
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

    const second = await startDev(dir, port, sandboxPort);
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
  }, 120_000);
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
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        FINTOC_SECRET_KEY: 'sk_test_servetestkey0123456789',
        FINTOC_PUBLIC_KEY: 'pk_test_servetestkey0123456789',
        FINTOC_WEBHOOK_SECRET: 'whsec_servetestsecret',
        PASARELA_API_KEY: 'serve-test-api-key-0123456789',
        PASARELA_DATA_DIR: dir,
      },
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const listening = await until(
      async () => out,
      (o) => o.includes('pasarela service listening'),
      300,
    );
    expect(listening).toContain('pasarela service listening');
    expect(listening).not.toContain('sk_test_servetestkey0123456789');
    expect(listening).not.toContain('whsec_servetestsecret');
    const health = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(await health.json()).toMatchObject({ ok: true, database: 'embedded', workers: true });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 60_000);

  it('migrate applies the migrations once', () => {
    const dir = tempDir();
    const run = () =>
      spawnSync(process.execPath, [BIN, 'migrate', '--json'], {
        env: { ...process.env, PASARELA_DATA_DIR: dir, DATABASE_URL: '' },
        encoding: 'utf8',
      });
    const first = run();
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout).applied).toEqual(['0001_initial', '0002_inbox_queue_and_expiry_marker']);
    expect(JSON.parse(run().stdout).applied).toEqual([]);
  }, 60_000);
});
