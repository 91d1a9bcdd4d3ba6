/**
 * The data directory of a running `pasarela dev` deleted under it (an `rm -rf .pasarela` in another
 * terminal): `/readyz` must stop saying ready, the terminal must say it, and the next start, which
 * has to make a new API key, must say that out loud too (before, all of it was silent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pasarela, stopAll, type Pasarela } from '../sandbox/child.js';

const root = mkdtempSync(join(tmpdir(), 'pasarela-lost-'));
const dir = join(root, 'data');
afterAll(async () => {
  await stopAll();
  rmSync(root, { recursive: true, force: true });
});

interface Info {
  shop: string;
  api: string;
  apiKey: string;
  keysCreated: boolean;
}

async function start(): Promise<{ dev: Pasarela; info: Info }> {
  const dev = pasarela(['dev', '--json', '--port', '0', '--sandbox-port', '0', '--data-dir', dir], {
    ...process.env,
    LOG_LEVEL: 'error',
  });
  return { dev, info: JSON.parse(await dev.firstLine) as Info };
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await read();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    v = await read();
  }
  return v;
}

describe('the data directory deleted while pasarela dev runs', () => {
  it('readiness fails with data_dir_lost, the terminal says so, and the restart announces its new key', async () => {
    const first = await start();
    let stderr = '';
    first.dev.child.stderr.on('data', (d: string) => (stderr += d));
    expect(first.info.keysCreated).toBe(true);
    const readyz = `${first.info.shop}readyz`;
    expect((await fetch(readyz)).status).toBe(200);

    rmSync(dir, { recursive: true, force: true });
    const answer = await until(
      async () => {
        const res = await fetch(readyz);
        return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
      },
      (r) => r.status === 503,
      10_000,
    );
    expect(answer.status).toBe(503);
    expect(answer.body.error?.code).toBe('data_dir_lost');
    // The dev process checks every 2 s and says it once on its terminal.
    const said = await until(
      async () => stderr,
      (text) => text.includes('was deleted while the service runs'),
      30_000,
    );
    expect(said).toContain(join(dir, 'db'));
    const stopped = await first.dev.stop('SIGINT');
    expect(stopped.code, stopped.err).toBe(0);

    // The restart makes new keys and says so, on stderr and in the JSON line.
    const second = await start();
    try {
      expect(second.info.keysCreated).toBe(true);
      expect(second.info.apiKey).not.toBe(first.info.apiKey);
      const old = await fetch(second.info.api, { headers: { authorization: `Bearer ${first.info.apiKey}` } });
      expect(old.status).toBe(401);
    } finally {
      const last = await second.dev.stop('SIGINT');
      expect(last.code, last.err).toBe(0);
      expect(last.err).toMatch(/made NEW keys and an empty database.*its payments and its API key are gone/);
    }
  }, 180_000); // two dev starts (up to 60 s each on a loaded machine), the 2 s check, two stops
});
