import { randomBytes } from 'node:crypto';

export type IdPrefix = 'pi' | 'evt' | 'we' | 'whsec' | 're' | 'cs';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 22 base62 characters carry about 131 random bits: unguessable, like Fintoc's own ids. */
const ID_LENGTH = 22;
/** Bytes at or above this would bias `byte % 62`, so they are skipped. */
const UNBIASED_LIMIT = 248; // 62 * 4

/**
 * A new Fintoc-shaped id: `<prefix>_<22 base62 characters>`.
 * `random` returns fresh random bytes on each call (injected in tests).
 *
 * @example
 * newId('pi'); // 'pi_2vKOKniSGXRhXTKrJ67VXZ'
 */
export function newId(prefix: IdPrefix, random: () => Uint8Array = () => randomBytes(32)): string {
  let out = '';
  for (let calls = 0; out.length < ID_LENGTH; calls++) {
    const bytes = random();
    // A broken source (empty or always-biased bytes) must fail loudly, not loop forever.
    if (bytes.length === 0 || calls >= 64)
      throw new Error('newId: the random source returned no usable bytes');
    for (const b of bytes) {
      if (b >= UNBIASED_LIMIT) continue;
      out += BASE62[b % 62];
      if (out.length === ID_LENGTH) break;
    }
  }
  return `${prefix}_${out}`;
}
