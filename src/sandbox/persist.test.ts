import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StateStore } from './persist.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pasarela-state-store-'));
  file = join(dir, 'state.json');
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('StateStore', () => {
  it('writes at most once per interval however many changes come, and again after later changes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let n = 0;
    const store = new StateStore(file, () => JSON.stringify({ n: ++n }), { intervalMs: 200 });
    for (let i = 0; i < 50; i++) store.changed();
    vi.advanceTimersByTime(199);
    expect(n).toBe(0);
    vi.advanceTimersByTime(1);
    expect(n).toBe(1); // the snapshot is taken when the timer fires
    await store.flush(); // waits for the write under way; nothing new to write
    expect(n).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ n: 1 });

    store.changed();
    store.changed();
    vi.advanceTimersByTime(200);
    await store.flush();
    expect(n).toBe(2);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ n: 2 });
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('flush writes pending changes at once; close always writes and ignores later changes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let n = 0;
    const store = new StateStore(file, () => JSON.stringify({ n: ++n }));
    await store.flush();
    expect(n).toBe(0); // nothing changed, nothing written
    store.changed();
    await store.flush();
    expect(n).toBe(1);
    vi.advanceTimersByTime(1000); // the flush canceled the timer
    expect(n).toBe(1);
    await store.close();
    expect(n).toBe(2);
    store.changed();
    vi.advanceTimersByTime(1000);
    expect(n).toBe(2);
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('a failed write is a sandbox_state_write_failed error naming the file, with no temporary file left', async () => {
    const target = join(dir, 'missing-folder', 'state.json');
    const store = new StateStore(target, () => '{}');
    store.changed();
    await expect(store.flush()).rejects.toMatchObject({
      code: 'sandbox_state_write_failed',
      file: target,
      message: expect.stringContaining(target),
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});
