/**
 * The whole output of a good start of `pasarela serve` and `pasarela dev`, read line by line from
 * the first byte to the exit: a first production deploy must start clean, so no line may be an
 * error or a warning. `serve` writes JSON log lines (pino levels: 40 is warn, 50 error); `dev`
 * writes its banner on stdout and only progress lines on stderr.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const BIN = 'bin/pasarela.mjs';
const dirs: string[] = [];
const running = new Set<Run>();
afterEach(async () => {
  for (const run of running) await run.stop('SIGKILL');
  running.clear();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pasarela-startup-'));
  dirs.push(d);
  return d;
}

/** Words that mark a line as a problem, in any place of a line. */
const TROUBLE =
  /error|fail|cannot|can't|warn|unable|exception|EADDRINUSE|ECONNREFUSED|^\s+at .+:\d+:\d+\)?$/i;

interface Run {
  out(): string;
  err(): string;
  /** Resolves once `ok(stdout so far)` holds; rejects if the process exits first or `ms` pass. */
  until(ok: (out: string) => boolean, ms: number): Promise<void>;
  stop(signal: NodeJS.Signals): Promise<number | null>;
}

function run(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const r: Run = {
    out: () => out,
    err: () => err,
    async until(ok, ms) {
      const deadline = Date.now() + ms;
      while (!ok(out)) {
        if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}; stderr: ${err}`);
        if (Date.now() > deadline) throw new Error(`not ready after ${ms} ms; stdout: ${out} stderr: ${err}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
      try {
        return await exited;
      } finally {
        clearTimeout(kill);
      }
    },
  };
  running.add(r);
  return r;
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

// Each start creates an embedded database (seconds on a busy machine; see docs/benchmarks.md), then
// stops; 90 s bounds the start and 20 s the stop, with room for a loaded machine.
const START_MS = 90_000;

describe('a good start prints no error or warning line', () => {
  it(
    'pasarela serve: every line of its whole output is an info log line',
    async () => {
      const serve = run(['serve', '--port', '0'], {
        PATH: process.env.PATH ?? '',
        FINTOC_SECRET_KEY: 'sk_test_startuptestkey012345678',
        FINTOC_PUBLIC_KEY: 'pk_test_startuptestkey012345678',
        FINTOC_WEBHOOK_SECRET: 'whsec_startuptestsecret',
        PASARELA_API_KEY: 'startup-test-api-key-0123456789',
        PASARELA_DATA_DIR: tempDir(),
      });
      await serve.until((out) => out.includes('pasarela service listening'), START_MS);
      const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(serve.out())?.[1];
      expect(url).toBeDefined();
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(await serve.stop('SIGTERM')).toBe(0);

      for (const line of lines(serve.out())) {
        const entry = JSON.parse(line) as { level: number; msg: string };
        expect(entry.level, line).toBeLessThan(40);
        expect(entry.msg, line).not.toMatch(TROUBLE);
      }
      expect(lines(serve.err())).toEqual(['pasarela: stopped (SIGTERM)']);
    },
    START_MS + 30_000,
  );

  it(
    'pasarela dev: a banner on stdout, only progress on stderr, nothing else',
    async () => {
      const dev = run(['dev', '--port', '0', '--sandbox-port', '0', '--data-dir', tempDir()], {
        ...process.env,
        LOG_LEVEL: 'warn',
      });
      await dev.until((out) => out.includes('Ctrl-C stops everything.'), START_MS);
      const shop = /demo shop\s+(http:\S+)/.exec(dev.out())?.[1];
      expect(shop).toBeDefined();
      expect((await fetch(shop!)).status).toBe(200);
      expect(await dev.stop('SIGINT')).toBe(0);

      expect(dev.out()).toMatch(/^Pasarela is running/);
      for (const line of lines(dev.out())) expect(line).not.toMatch(TROUBLE);
      for (const line of lines(dev.err())) {
        expect(line).toMatch(/^pasarela dev: /);
        expect(line).not.toMatch(TROUBLE);
      }
    },
    START_MS + 30_000,
  );
});
