/**
 * Two processes on one embedded data directory: the second is refused at once with the first's pid
 * and the flag for a directory of its own (before, both started and payments made on one were lost).
 * A `kill -9` of the owner leaves a lock file behind that must not block the next start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pasarela, stopAll } from '../sandbox/child.js';

const dir = mkdtempSync(join(tmpdir(), 'pasarela-lock-'));
afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const BIN = 'bin/pasarela.mjs';
const dev = () =>
  pasarela(['dev', '--json', '--port', '0', '--sandbox-port', '0', '--data-dir', dir], {
    ...process.env,
    LOG_LEVEL: 'error',
  });
/** A refused start: exit code and stderr, bounded (it must not get as far as opening the database). */
const refused = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, timeout: 60_000 });

describe('one process per embedded data directory', () => {
  it('refuses dev, serve, migrate and sandbox on files a running dev holds; a kill -9 leaves nothing in the way', async () => {
    const first = dev();
    const info = JSON.parse(await first.firstLine) as { api: string; apiKey: string };
    const pid = first.child.pid!;

    const second = refused(['dev', '--port', '0', '--sandbox-port', '0', '--data-dir', dir]);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`pid ${pid} ("pasarela dev"`);
    expect(second.stderr).toContain('--data-dir <another directory>');
    expect(second.stdout).toBe('');

    const serve = refused(['serve', '--port', '0'], {
      PATH: process.env.PATH ?? '',
      FINTOC_SECRET_KEY: 'sk_test_locktestkey0123456789',
      FINTOC_PUBLIC_KEY: 'pk_test_locktestkey0123456789',
      FINTOC_WEBHOOK_SECRET: 'whsec_locktestsecret',
      PASARELA_API_KEY: 'lock-test-api-key-0123456789',
      PASARELA_DATA_DIR: dir,
    });
    expect(serve.status).toBe(1);
    expect(serve.stderr).toContain(`pid ${pid}`);
    expect(serve.stderr).toContain('PASARELA_DATA_DIR=<another directory>');

    const migrate = refused(['migrate'], { ...process.env, PASARELA_DATA_DIR: dir, DATABASE_URL: '' });
    expect(migrate.status).toBe(1);
    expect(migrate.stderr).toContain(`pid ${pid}`);

    const sandbox = refused(['sandbox', '--port', '0', '--state-file', join(dir, 'sandbox.json')]);
    expect(sandbox.status).toBe(1);
    expect(sandbox.stderr).toContain(`pid ${pid}`);
    expect(sandbox.stderr).toContain('--state-file <another file>');

    // The first one was not disturbed.
    const created = await fetch(info.api, {
      method: 'POST',
      headers: { authorization: `Bearer ${info.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 12990, currency: 'CLP', order_id: 'lock-1' }),
    });
    expect(created.status).toBe(201);
    const payment = (await created.json()) as { id: string };

    // kill -9: the lock file stays, naming a dead pid; the next start takes it over.
    const killed = await first.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(JSON.parse(readFileSync(join(dir, 'db.lock'), 'utf8')).pid).toBe(pid);
    const again = dev();
    const next = JSON.parse(await again.firstLine) as { api: string; apiKey: string };
    expect(JSON.parse(readFileSync(join(dir, 'db.lock'), 'utf8')).pid).toBe(again.child.pid);
    const kept = await fetch(`${next.api}/${payment.id}`, {
      headers: { authorization: `Bearer ${next.apiKey}` },
    });
    expect(kept.status).toBe(200);
    const stopped = await again.stop('SIGINT');
    expect(stopped.code, stopped.err).toBe(0);
    expect(existsSync(join(dir, 'db.lock'))).toBe(false);
    expect(existsSync(join(dir, 'sandbox.json.lock'))).toBe(false);
  }, 240_000); // two dev starts (up to 60 s each on a loaded machine), four refused starts, two stops
});
