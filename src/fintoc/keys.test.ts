import { describe, expect, it } from 'vitest';
import { checkKeyPair, keyKind, keyMode } from './keys.js';

describe('keyMode / keyKind', () => {
  it.each([
    ['sk_test_9c8d8CeyBTx1VcJzuDgpm4H', 'test', 'secret'],
    ['pk_test_abc', 'test', 'public'],
    ['sk_live_abc-DEF_1', 'live', 'secret'],
    ['pk_live_abc', 'live', 'public'],
    ['Bearer sk_live_abc', 'live', 'secret'],
  ])('%s → %s %s', (key, mode, kind) => {
    expect(keyMode(key)).toBe(mode);
    expect(keyKind(key)).toBe(kind);
  });
  it.each([
    '',
    'sk_test_',
    'whsec_abc',
    'sk_prod_abc',
    'SK_TEST_abc',
    ' sk_test_abc',
    'sk_test_abc\n',
    'bearer sk_test_x',
  ])('%j is not a key', (key) => {
    expect(keyMode(key)).toBeNull();
    expect(keyKind(key)).toBeNull();
  });
});

describe('checkKeyPair', () => {
  it('accepts a secret and a public key of the same mode', () => {
    expect(checkKeyPair('sk_test_a', 'pk_test_b')).toEqual({ ok: true, mode: 'test' });
    expect(checkKeyPair('sk_live_a', 'pk_live_b')).toEqual({ ok: true, mode: 'live' });
  });
  it('rejects mixed modes with a message naming both', () => {
    const r = checkKeyPair('sk_live_a', 'pk_test_b');
    expect(r).toMatchObject({ ok: false, code: 'mode_mismatch' });
    expect(!r.ok && r.message).toMatch(/live key but the public key is a test key/);
  });
  it('rejects keys in the wrong place or malformed, without echoing them', () => {
    const swapped = checkKeyPair('pk_test_secretvalue', 'sk_test_b');
    expect(swapped).toMatchObject({ ok: false, code: 'invalid_secret_key' });
    expect(!swapped.ok && swapped.message).not.toContain('secretvalue');
    expect(checkKeyPair('sk_test_a', 'nope')).toMatchObject({ ok: false, code: 'invalid_public_key' });
  });
});
