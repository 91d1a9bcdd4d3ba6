/**
 * `npm start` to ready, as a user meets it (the budget: under 5 s once dependencies are installed,
 * first start included):
 * - `pasarela dev` first start (a new data directory) and warm start (the same directory again),
 *   from spawning the process to its ready line, beside the bare cost of the CLI (`pasarela
 *   --version`: Node, tsx and the command line) measured in the same run;
 * - creating the embedded database from the shipped image, beside PGlite's own initdb.
 * Each figure is the median of three runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/service/index.js';
import type { BenchResult } from './index.js';

const BIN = fileURLToPath(new URL('../bin/pasarela.mjs', import.meta.url));
const RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Milliseconds from spawning `pasarela <args>` to its first stdout line; then SIGINT and wait. */
async function timeToFirstLine(args: string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, LOG_LEVEL: 'error' },
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ms = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve(performance.now() - t0);
    });
    child.once('close', (code) => reject(new Error(`pasarela ${args[0]} exited with ${code} before a line`)));
  });
  child.kill('SIGINT');
  await exited;
  return ms;
}

const dev = (dir: string) =>
  timeToFirstLine(['dev', '--json', '--port', '0', '--sandbox-port', '0', '--data-dir', dir]);

export async function run(): Promise<BenchResult[]> {
  const root = mkdtempSync(join(tmpdir(), 'pasarela-bench-startup-'));
  try {
    const cli: number[] = [];
    const first: number[] = [];
    const warm: number[] = [];
    const image: number[] = [];
    const initdb: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Interleaved, so each figure and its baseline see the same machine load.
      cli.push(await timeToFirstLine(['--version']));
      const dir = join(root, `dev-${i}`);
      first.push(await dev(dir));
      warm.push(await dev(dir));
      for (const [into, option] of [
        [image, {}],
        [initdb, { image: null }],
      ] as const) {
        const t0 = performance.now();
        const db = await openDatabase({
          dataDir: join(root, `db-${i}-${into.length}-${option.image}`),
          ...option,
        });
        into.push(performance.now() - t0);
        await db.close();
      }
    }
    const c = median(cli);
    const f = median(first);
    const w = median(warm);
    const im = median(image);
    const id = median(initdb);
    return [
      {
        name: 'pasarela dev, first start to ready (new data directory)',
        value: Math.round(f),
        unit: 'ms',
        baseline: Math.round(c),
        ratio: f / c,
        goal: '< 5 s (baseline: pasarela --version)',
      },
      {
        name: 'pasarela dev, warm start to ready (same data directory)',
        value: Math.round(w),
        unit: 'ms',
        baseline: Math.round(c),
        ratio: w / c,
        goal: '< 5 s (baseline: pasarela --version)',
      },
      {
        name: 'embedded database creation from the shipped image',
        value: Math.round(im),
        unit: 'ms',
        baseline: Math.round(id),
        ratio: im / id,
        goal: '< 1 (baseline: PGlite initdb)',
      },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
