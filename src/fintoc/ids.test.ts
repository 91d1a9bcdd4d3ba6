import { describe, expect, it } from 'vitest';
import { newId } from './ids.js';

describe('newId', () => {
  it('makes <prefix>_<22 base62> ids', () => {
    for (const prefix of ['pi', 'evt', 'we', 'whsec', 're', 'cs'] as const) {
      expect(newId(prefix)).toMatch(new RegExp(`^${prefix}_[0-9A-Za-z]{22}$`));
    }
  });
  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newId('pi')));
    expect(ids.size).toBe(2000);
  });
  it('uses the injected randomness, skipping biased bytes', () => {
    // 0 → '0', 61 → 'z', 62 → '0' again, 250 is skipped (would bias the modulo).
    const bytes = new Uint8Array([250, 0, 61, 62, ...new Array<number>(19).fill(1)]);
    expect(newId('pi', () => bytes)).toBe('pi_0z0' + '1'.repeat(19));
  });
  it('fails loudly on a broken random source instead of looping', () => {
    expect(() => newId('pi', () => new Uint8Array(0))).toThrow(/random source/);
    expect(() => newId('pi', () => new Uint8Array([255]))).toThrow(/random source/);
  });
});
