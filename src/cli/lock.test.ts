import fc from 'fast-check';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, LockHeldError, STALE_MS, systemLockEnv, type LockEnv } from './lock.js';

const root = mkdtempSync(join(tmpdir(), 'pasarela-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const lockFile = () => join(root, `d${++n}`, 'db.lock');

/** A machine where pid 100 is this process and the listed pids run. */
function machine(over: Partial<LockEnv> & { running?: Record<number, string> } = {}): LockEnv {
  const running = over.running ?? {};
  return {
    pid: 100,
    hostname: 'host-a',
    now: () => Date.now(),
    bootId: () => 'boot-1',
    procStart: (pid) => (pid === 100 ? 'start-100' : running[pid]),
    alive: (pid) => pid === 100 || pid in running,
    ...over,
  };
}

describe('acquireLock', () => {
  it('refuses a second owner while the first lives, naming its pid and command; free again after release', () => {
    const file = lockFile();
    const first = acquireLock(file, 'pasarela dev', machine({ pid: 200, running: { 200: 's' } }));
    const second = () => acquireLock(file, 'pasarela serve', machine({ running: { 200: 's' } }));
    expect(second).toThrow(LockHeldError);
    expect(second).toThrow(/pid 200 \("pasarela dev"/);
    first.release();
    expect(existsSync(file)).toBe(false);
    const third = acquireLock(file, 'pasarela serve', machine());
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: 100, command: 'pasarela serve' });
    third.release();
  });

  it('takes over the lock of a dead process (kill -9), of this very pid, of a reused pid, and across a reboot', () => {
    const cases: Array<[string, Partial<LockEnv> & { running?: Record<number, string> }, LockEnv]> = [
      ['dead pid', { pid: 300, running: { 300: 's' } }, machine()],
      ['own pid (a container restarted as pid 1)', { pid: 100 }, machine({ procStart: () => 'later' })],
      [
        'pid reused by another process',
        { pid: 300, running: { 300: 'old' } },
        machine({ running: { 300: 'new' } }),
      ],
      [
        'reboot',
        { pid: 300, running: { 300: 's' } },
        machine({ bootId: () => 'boot-2', running: { 300: 's' } }),
      ],
    ];
    for (const [name, before, after] of cases) {
      const file = lockFile();
      acquireLock(file, 'pasarela dev', machine(before)); // never released: the process "died"
      const taken = acquireLock(file, 'pasarela dev', after);
      expect(JSON.parse(readFileSync(file, 'utf8')).pid, name).toBe(after.pid);
      taken.release();
    }
  });

  it('a lock from another host counts while its heartbeat is fresh, and is taken over once stale', () => {
    const file = lockFile();
    acquireLock(file, 'pasarela serve', machine({ hostname: 'host-b' }));
    expect(() => acquireLock(file, 'pasarela serve', machine())).toThrow(/on host-b/);
    const old = new Date(Date.now() - STALE_MS - 1_000);
    utimesSync(file, old, old);
    acquireLock(file, 'pasarela serve', machine()).release();
  });

  it('with the real machine: a process that has exited leaves no obstacle', async () => {
    const { spawnSync } = await import('node:child_process');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const file = lockFile();
    acquireLock(file, 'pasarela dev', { ...systemLockEnv, pid: Number(gone.stdout) });
    const lock = acquireLock(file, 'pasarela dev');
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('any bytes in the lock file: the lock is refused with LockHeldError while fresh, taken when stale, never a crash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, stale) => {
        const file = lockFile();
        acquireLock(file, 'x', machine()).release();
        writeFileSync(file, bytes);
        if (stale) {
          const old = new Date(Date.now() - STALE_MS - 1_000);
          utimesSync(file, old, old);
        }
        try {
          acquireLock(file, 'pasarela dev', machine({ pid: 500 })).release();
        } catch (err) {
          expect(err).toBeInstanceOf(LockHeldError);
          expect(stale).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});
