/**
 * `npm run bench`: runs every benchmark suite on this machine and prints each figure with its
 * baseline measured in the same run, so numbers are read as ratios, never as absolute promises.
 *
 *   npm run bench              # every suite
 *   npm run bench -- sandbox   # one suite
 *   npm run bench -- --json    # machine-readable
 */
import os from 'node:os';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The same measure on the baseline (e.g. a bare Fastify hello-world), when the figure has one. */
  baseline?: number;
  /** value / baseline, when a baseline was measured. */
  ratio?: number;
  /** What the design asks of this figure, in words (e.g. ">= 0.5 of baseline"). */
  goal?: string;
}

const SUITES = ['sandbox', 'service', 'startup', 'reconcile', 'certify'] as const;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const wanted = args.filter((a) => !a.startsWith('--'));
  const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s)) : [...SUITES];
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const all: Array<BenchResult & { suite: string }> = [];
  for (const suite of suites) {
    if (!json) process.stderr.write(`bench: ${suite} …\n`);
    const mod = (await import(`./${suite}.ts`)) as { run(): Promise<BenchResult[]> };
    for (const r of await mod.run()) all.push({ suite, ...r });
  }
  if (json) {
    process.stdout.write(
      JSON.stringify({ machine, date: new Date().toISOString(), results: all }, null, 2) + '\n',
    );
    return;
  }
  process.stdout.write(`machine: ${machine}\n\n`);
  process.stdout.write('| suite | measure | value | baseline | ratio | goal |\n|---|---|---|---|---|---|\n');
  for (const r of all) {
    const fmt = (n: number | undefined) =>
      n === undefined ? '' : Number.isInteger(n) ? String(n) : n.toFixed(2);
    process.stdout.write(
      `| ${r.suite} | ${r.name} | ${fmt(r.value)} ${r.unit} | ${fmt(r.baseline)} | ${fmt(r.ratio)} | ${r.goal ?? ''} |\n`,
    );
  }
}

await main();
