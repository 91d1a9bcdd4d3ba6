/**
 * `pasarela certify` on the bundled service, as a user meets it (the budget: every scenario in
 * under 60 s): from spawning the command to its exit with a written report, beside the start time of
 * the same stack (`pasarela dev`'s first start to ready, on a new data directory) measured in the
 * same run. Each figure is the median of three runs; a run that does not pass fails the bench.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './index.js';

const BIN = fileURLToPath(new URL('../bin/pasarela.mjs', import.meta.url));
const RUNS = 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Milliseconds from spawning `pasarela <args>` until `done` says so (a line, or the exit). */
function timed(args: string[], until: 'line' | 'exit'): Promise<{ ms: number; code: number | null }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, LOG_LEVEL: 'error' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let ms: number | null = null;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (until === 'line' && ms === null && out.includes('\n')) {
        ms = performance.now() - t0;
        child.kill('SIGINT');
      }
    });
    child.once('close', (code) => {
      if (until === 'exit') resolve({ ms: performance.now() - t0, code });
      else if (ms !== null) resolve({ ms, code });
      else reject(new Error(`pasarela ${args[0]} exited with ${code} before a line`));
    });
  });
}

export async function run(): Promise<BenchResult[]> {
  const root = mkdtempSync(join(tmpdir(), 'pasarela-bench-certify-'));
  try {
    const certify: number[] = [];
    const inside: number[] = [];
    const start: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Interleaved, so the figure and its baseline see the same machine load.
      const dir = join(root, `dev-${i}`);
      start.push(
        (await timed(['dev', '--json', '--port', '0', '--sandbox-port', '0', '--data-dir', dir], 'line')).ms,
      );
      const out = join(root, `report-${i}`);
      const r = await timed(['certify', '--out', out], 'exit');
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
        passed: boolean;
        duration_ms: number;
      };
      if (r.code !== 0 || !report.passed)
        throw new Error(`pasarela certify did not pass (exit ${r.code}); see ${out}`);
      certify.push(r.ms);
      inside.push(report.duration_ms);
    }
    const c = median(certify);
    const s = median(start);
    const d = median(inside);
    return [
      {
        name: 'pasarela certify (bundled service), spawn to report',
        value: Math.round(c),
        unit: 'ms',
        baseline: Math.round(s),
        ratio: c / s,
        goal: '< 60 s (baseline: pasarela dev first start to ready)',
      },
      {
        name: 'pasarela certify, the scenarios alone (report duration_ms)',
        value: Math.round(d),
        unit: 'ms',
        baseline: Math.round(c),
        ratio: d / c,
        goal: 'the rest is starting and stopping the stack and Chromium',
      },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
