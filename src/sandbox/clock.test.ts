import { describe, expect, it } from 'vitest';
import { SandboxClock } from './clock.js';

const frozen = (t: number) => ({ now: () => t });

describe('SandboxClock', () => {
  it('is the base time plus an offset that advance() grows', async () => {
    const clock = new SandboxClock({ base: frozen(1000) });
    expect(clock.now()).toBe(1000);
    const r = await clock.advance(500);
    expect(r).toEqual({ from: 1000, to: 1500, tasksRun: 0 });
    expect(clock.now()).toBe(1500);
    expect(clock.offsetMs).toBe(500);
    await clock.close();
  });

  it('runs due tasks in order, each at its own due time, including tasks scheduled on the way', async () => {
    const clock = new SandboxClock({ base: frozen(0) });
    const log: string[] = [];
    clock.schedule(300, 'c', () => log.push(`c@${clock.now()}`));
    clock.schedule(100, 'a', () => {
      log.push(`a@${clock.now()}`);
      clock.schedule(clock.now() + 50, 'a2', () => log.push(`a2@${clock.now()}`));
    });
    clock.schedule(100, 'b', () => log.push(`b@${clock.now()}`));
    clock.schedule(1000, 'later', () => log.push('later'));
    const r = await clock.advance(400);
    expect(log).toEqual(['a@100', 'b@100', 'a2@150', 'c@300']);
    expect(r.tasksRun).toBe(4);
    expect(clock.now()).toBe(400);
    expect(clock.pending()).toEqual([{ at: 1000, label: 'later' }]);
    await clock.close();
  });

  it('awaits async tasks before moving on', async () => {
    const clock = new SandboxClock({ base: frozen(0) });
    const log: string[] = [];
    clock.schedule(10, 'slow', async () => {
      await Promise.resolve();
      log.push('slow done');
    });
    clock.schedule(20, 'next', () => log.push('next'));
    await clock.advance(20);
    expect(log).toEqual(['slow done', 'next']);
    await clock.close();
  });

  it('a cancelled task never runs; a failing task is reported and the rest go on', async () => {
    const errors: string[] = [];
    const clock = new SandboxClock({ base: frozen(0), onError: (_e, label) => errors.push(label) });
    const ran: string[] = [];
    const cancel = clock.schedule(5, 'cancelled', () => ran.push('cancelled'));
    clock.schedule(6, 'boom', () => {
      throw new Error('boom');
    });
    clock.schedule(7, 'fine', () => ran.push('fine'));
    cancel();
    await clock.advance(10);
    expect(ran).toEqual(['fine']);
    expect(errors).toEqual(['boom']);
    await clock.close();
  });

  it('sleep() resolves when sandbox time passes, and early on abort', async () => {
    const clock = new SandboxClock({ base: frozen(0) });
    let woke = false;
    const p = clock.sleep(60_000).then(() => (woke = true));
    await clock.advance(59_999);
    expect(woke).toBe(false);
    await clock.advance(1);
    await p;
    expect(woke).toBe(true);
    const ac = new AbortController();
    const q = clock.sleep(1e9, ac.signal);
    ac.abort();
    await q;
    await clock.close();
  });

  it('flush() runs what is already due (also what the real-time timer started)', async () => {
    const clock = new SandboxClock({ base: frozen(0) });
    const ran: number[] = [];
    for (let i = 0; i < 5; i++) clock.schedule(0, `t${i}`, () => ran.push(i));
    await clock.flush();
    expect(ran).toEqual([0, 1, 2, 3, 4]);
    await clock.close();
  });

  it('runs due work by itself as real time passes (no advance needed)', async () => {
    const clock = new SandboxClock(); // the real clock
    const ran = new Promise<number>((resolve) =>
      clock.schedule(clock.now(), 'now', () => resolve(clock.now())),
    );
    expect(typeof (await ran)).toBe('number');
    await clock.close();
  });

  it('refuses to go backwards', async () => {
    const clock = new SandboxClock({ base: frozen(0) });
    expect(() => clock.advance(-1)).toThrow(RangeError);
    await clock.close();
  });
});
