/**
 * `bin/pasarela.mjs` as a child process, for the CLI tests: its first line on stdout, its exit with
 * everything it printed, a stop that cannot hang, and `stopAll()` so that no process outlives its
 * test file, even when a test fails or times out half-way.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/pasarela.mjs', import.meta.url));

export interface Exit {
  /** `null` when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export interface Pasarela {
  child: ChildProcessWithoutNullStreams;
  /** The first stdout line; rejects (with stderr) if the process exits before printing one. */
  firstLine: Promise<string>;
  /** Resolves once the process has exited and its output is read to the end. */
  exited: Promise<Exit>;
  /** Sends `signal` (default SIGINT) and waits for the exit; SIGKILL if it is still there after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
}

const running = new Set<Pasarela>();

/** Starts `pasarela <args>`. stdout and stderr are read all along, so a chatty child never blocks on a full pipe. */
export function pasarela(args: string[], env: NodeJS.ProcessEnv = process.env): Pasarela {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'pipe', env });
  let out = '';
  let err = '';
  let gotLine: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    out += d;
    const nl = out.indexOf('\n');
    if (nl >= 0) gotLine(out.slice(0, nl));
  });
  child.stderr.on('data', (d: string) => (err += d));
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (e) => {
      err += String(e);
    });
    child.once('close', (code, signal) => resolve({ code, signal, out, err }));
  });
  const p: Pasarela = {
    child,
    firstLine: Promise.race([
      firstLine,
      exited.then((e) => {
        throw new Error(
          `pasarela ${args[0]} exited (${e.code ?? e.signal}) before printing a line; stderr: ${e.err}`,
        );
      }),
    ]),
    exited,
    async stop(signal = 'SIGINT', graceMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(kill);
      }
    },
  };
  // Nobody has to wait for the line (a command that only prints at exit).
  p.firstLine.catch(() => {});
  running.add(p);
  void exited.then(() => running.delete(p));
  return p;
}

/** Kills every child still running (for `afterAll`/`afterEach`: a failed test leaves nothing behind). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')));
}
