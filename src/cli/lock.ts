/**
 * One process at a time on a data directory. The embedded database (PGlite) and the sandbox's state
 * file are each owned by the process that opened them: a second process writing the same files
 * loses payments without a word. So each command that opens them first takes a lock file beside
 * them, holding who owns it (pid, host, command, when); a second process is refused at once with a
 * message naming the owner and the flag for a separate directory.
 *
 * A lock left by a process that died (kill -9, a crash, a reboot) never blocks a restart: on the
 * same host the owner is known dead when its pid is gone, is this very process (a container's pid 1
 * after a restart), or is another process that reused the pid (its start time differs, on Linux);
 * after a reboot the boot id differs. A lock from another host (a shared volume) cannot be checked
 * that way, so the owner refreshes the file's time every {@link HEARTBEAT_MS} and a lock not
 * refreshed for {@link STALE_MS} is taken over.
 *
 * @example
 * const lock = acquireLock('.pasarela/db.lock', 'pasarela dev');
 * // … run …
 * lock.release();
 */
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export const HEARTBEAT_MS = 10_000;
export const STALE_MS = 60_000;

/** What a lock file holds. */
export interface LockOwner {
  pid: number;
  hostname: string;
  command: string;
  started_at: string;
  /** Linux: the kernel's boot id and the process's start time, to tell a reused pid or a reboot. */
  boot_id?: string;
  proc_start?: string;
}

/** The lock is held by a live process (or one that cannot be proven dead). */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  readonly code = 'data_dir_in_use';

  constructor(
    readonly file: string,
    /** `null` when the file cannot be read as a lock (written by something else, or being written). */
    readonly owner: LockOwner | null,
  ) {
    super(
      owner
        ? `in use by another Pasarela process: pid ${owner.pid} ("${owner.command}", started ${owner.started_at} on ${owner.hostname})`
        : `locked by ${file}, which is not a lock this version can read`,
    );
  }
}

export interface HeldLock {
  file: string;
  owner: LockOwner;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

/** Facts about this machine and process; injected in tests. */
export interface LockEnv {
  pid: number;
  hostname: string;
  now: () => number;
  bootId: () => string | undefined;
  /** The start time of a process (Linux: field 22 of /proc/<pid>/stat), or undefined. */
  procStart: (pid: number) => string | undefined;
  /** true: running; false: no such process. */
  alive: (pid: number) => boolean;
}

export const systemLockEnv: LockEnv = {
  pid: process.pid,
  hostname: hostname(),
  now: () => Date.now(),
  bootId: () => readTrimmed('/proc/sys/kernel/random/boot_id'),
  procStart: (pid) => {
    const stat = readTrimmed(`/proc/${pid}/stat`);
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const rest = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest?.[19];
  },
  alive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (err) {
      // EPERM: it exists, owned by another user.
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock file `file` for `command` (e.g. "pasarela dev"), or throws {@link LockHeldError}.
 * The lock is refreshed while the process lives and removed by `release()` or at process exit.
 */
export function acquireLock(file: string, command: string, env: LockEnv = systemLockEnv): HeldLock {
  const owner: LockOwner = {
    pid: env.pid,
    hostname: env.hostname,
    command,
    started_at: new Date(env.now()).toISOString(),
  };
  const bootId = env.bootId();
  const procStart = env.procStart(env.pid);
  if (bootId) owner.boot_id = bootId;
  if (procStart) owner.proc_start = procStart;
  const text = `${JSON.stringify(owner)}\n`;
  mkdirSync(dirname(file), { recursive: true });

  for (let attempt = 0; ; attempt++) {
    if (tryCreate(file, text)) break;
    const found = readLock(file);
    if (found === 'gone') continue;
    if (attempt >= 3 || !isStale(file, found.owner, env)) throw new LockHeldError(file, found.owner);
    // The owner is dead: remove its file, unless another process replaced it meanwhile.
    if (readRaw(file) === found.raw) rmSync(file, { force: true });
  }

  const heartbeat = setInterval(() => {
    try {
      const t = new Date(env.now());
      utimesSync(file, t, t);
    } catch {
      // The directory was removed under us: the data-directory check reports that.
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(heartbeat);
    process.off('exit', release);
    if (readRaw(file) === text) rmSync(file, { force: true });
  };
  process.on('exit', release);
  return { file, owner, release };
}

/** Creates `file` with `text` only if it does not exist; the content appears whole or not at all. */
function tryCreate(file: string, text: string): boolean {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The owner in a lock file (null when the file is not a lock we can read), or 'gone' if it vanished. */
function readLock(file: string): { owner: LockOwner | null; raw: string } | 'gone' {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const v = JSON.parse(raw) as Partial<LockOwner> | null;
    if (
      typeof v === 'object' &&
      v !== null &&
      Number.isSafeInteger(v.pid) &&
      (v.pid as number) > 0 &&
      typeof v.hostname === 'string' &&
      typeof v.command === 'string' &&
      typeof v.started_at === 'string'
    ) {
      const owner: LockOwner = {
        pid: v.pid as number,
        hostname: v.hostname,
        command: v.command,
        started_at: v.started_at,
      };
      if (typeof v.boot_id === 'string') owner.boot_id = v.boot_id;
      if (typeof v.proc_start === 'string') owner.proc_start = v.proc_start;
      return { owner, raw };
    }
  } catch {
    // not JSON: judged by its age
  }
  return { owner: null, raw };
}

function isStale(file: string, owner: LockOwner | null, env: LockEnv): boolean {
  if (owner === null || owner.hostname !== env.hostname) {
    // Nothing to check on this machine: only the heartbeat tells.
    try {
      return env.now() - statSync(file).mtimeMs > STALE_MS;
    } catch {
      return true;
    }
  }
  const bootId = env.bootId();
  if (owner.boot_id && bootId && owner.boot_id !== bootId) return true;
  if (owner.pid === env.pid) return true;
  if (!env.alive(owner.pid)) return true;
  if (owner.proc_start) {
    const start = env.procStart(owner.pid);
    if (start !== undefined && start !== owner.proc_start) return true;
  }
  return false;
}

/**
 * Takes the lock for a command, or prints why not (who holds it, and `separately`: how to run this
 * one on its own files) and returns null with exit code 1.
 */
export function lockOrExplain(
  file: string,
  command: string,
  what: string,
  separately: string,
): HeldLock | null {
  try {
    return acquireLock(file, command);
  } catch (err) {
    if (!(err instanceof LockHeldError)) throw err;
    const lines = [
      `${command}: ${what} is ${err.message}.`,
      err.owner
        ? `  Stop that process first, or ${separately}.`
        : `  If no Pasarela process uses it, remove ${file}; or ${separately}.`,
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
    process.exitCode = 1;
    return null;
  }
}

/** The lock of the embedded database under a data directory (`<dir>/db.lock`), as {@link lockOrExplain}. */
export function lockEmbeddedDatabase(dataDir: string, command: string, separately: string): HeldLock | null {
  const dir = resolve(dataDir);
  return lockOrExplain(join(dir, 'db.lock'), command, `the embedded database in ${dir}`, separately);
}
