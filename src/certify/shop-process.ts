/**
 * A shop certify starts itself (`shop.command` in certify.json): spawned with the Fintoc it must
 * use in the usual variables, waited for until `shop.url + shop.ready` answers, stopped at the end
 * (SIGTERM, then SIGKILL). The shop's output is kept, to explain a start that failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CertifyError } from './errors.js';
import { http, pollUntil } from './http.js';

export interface ShopProcess {
  stop(): Promise<void>;
}

export interface ShopProcessOptions {
  command: string[];
  cwd: string | null;
  /** Extra environment: the Fintoc variables and certify.json's `shop.env`. */
  env: Record<string, string>;
  readyUrl: string;
  timeoutMs?: number;
}

/** Signals the shop's whole process group (a command like `npx tsx …` runs the shop in a grandchild). */
function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, sig);
  } catch {
    child.kill(sig);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  const done = () => {
    child.stdout?.destroy();
    child.stderr?.destroy();
  };
  if (child.exitCode !== null || child.signalCode !== null) {
    // The command may have exited while a process it started still runs in its group.
    signal(child, 'SIGTERM');
    done();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const kill = setTimeout(() => signal(child, 'SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      // Whatever else the command started goes with it.
      signal(child, 'SIGKILL');
      done();
      resolve();
    });
    signal(child, 'SIGTERM');
  });
}

/**
 * Starts the shop and resolves once it answers at `readyUrl`.
 *
 * @example
 * const shop = await startShopProcess({ command: ['npx', 'tsx', 'server.ts'], cwd, env, readyUrl });
 * await shop.stop();
 */
export async function startShopProcess(o: ShopProcessOptions): Promise<ShopProcess> {
  const [program, ...args] = o.command;
  if (!program) throw new CertifyError('config_invalid', 'shop.command is empty.');
  const child = spawn(program, args, {
    cwd: o.cwd ?? process.cwd(),
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stopping it stops what it started (npx → tsx → node).
    detached: true,
  });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-2_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let failure: Error | null = null;
  child.once('error', (err) => (failure = err));
  const ready = await pollUntil(
    async () => {
      if (failure || child.exitCode !== null) return false;
      try {
        const res = await http(o.readyUrl, { timeoutMs: 2_000 });
        return res.status < 400 ? true : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: o.timeoutMs ?? 60_000, intervalMs: 250 },
  );
  if (ready !== true) {
    await stopChild(child);
    const why = failure
      ? (failure as Error).message
      : child.exitCode !== null
        ? `it exited with code ${child.exitCode}`
        : `${o.readyUrl} did not answer within ${(o.timeoutMs ?? 60_000) / 1000} s`;
    throw new CertifyError(
      'shop_command_failed',
      `The shop command (${o.command.join(' ')}) did not start: ${why}.${output ? ` Its last output: ${output.trim().slice(-600)}` : ''}`,
    );
  }
  return { stop: () => stopChild(child) };
}
