export type KeyMode = 'test' | 'live';

const KEY_PATTERN = /^(?:Bearer )?(sk|pk)_(test|live)_[A-Za-z0-9_-]+$/;

function parseKey(key: string): { kind: 'secret' | 'public'; mode: KeyMode } | null {
  if (typeof key !== 'string') return null;
  const m = KEY_PATTERN.exec(key);
  if (!m) return null;
  return { kind: m[1] === 'sk' ? 'secret' : 'public', mode: m[2] as KeyMode };
}

/**
 * The mode a Fintoc key belongs to, or `null` when it is not a well-formed key.
 *
 * @example
 * keyMode('sk_test_abc'); // 'test'
 * keyMode('Bearer pk_live_abc'); // 'live'
 * keyMode('whsec_abc'); // null
 */
export function keyMode(key: string): KeyMode | null {
  return parseKey(key)?.mode ?? null;
}

/**
 * Whether a Fintoc key is a secret (`sk_…`, backend only) or a public (`pk_…`, widget) key.
 *
 * @example
 * keyKind('sk_live_abc'); // 'secret'
 */
export function keyKind(key: string): 'secret' | 'public' | null {
  return parseKey(key)?.kind ?? null;
}

/** Shows the shape of a key without revealing it. */
function describe(key: string): string {
  if (typeof key !== 'string' || key.length === 0) return 'an empty value';
  const prefix = /^(?:Bearer )?[a-z]+_(?:[a-z]+_)?/.exec(key)?.[0];
  return prefix ? `a value starting with "${prefix}"` : `a value of ${key.length} characters`;
}

export type KeyPairCheck =
  | { ok: true; mode: KeyMode }
  | { ok: false; code: 'invalid_secret_key' | 'invalid_public_key' | 'mode_mismatch'; message: string };

/**
 * Checks that a secret and a public key are well formed and belong to the same mode, so a test
 * widget never meets a live backend. Messages never contain the keys themselves.
 *
 * @example
 * checkKeyPair('sk_test_a', 'pk_live_b');
 * // { ok: false, code: 'mode_mismatch', message: 'The secret key is a test key but the public key is a live key. …' }
 */
export function checkKeyPair(secretKey: string, publicKey: string): KeyPairCheck {
  const secret = parseKey(secretKey);
  if (!secret || secret.kind !== 'secret') {
    return {
      ok: false,
      code: 'invalid_secret_key',
      message: `The secret key must look like sk_test_… or sk_live_…, got ${describe(secretKey)}. Copy it from the Fintoc Dashboard (API keys).`,
    };
  }
  const pub = parseKey(publicKey);
  if (!pub || pub.kind !== 'public') {
    return {
      ok: false,
      code: 'invalid_public_key',
      message: `The public key must look like pk_test_… or pk_live_…, got ${describe(publicKey)}. Copy it from the Fintoc Dashboard (API keys).`,
    };
  }
  if (secret.mode !== pub.mode) {
    return {
      ok: false,
      code: 'mode_mismatch',
      message: `The secret key is a ${secret.mode} key but the public key is a ${pub.mode} key. Use the pair of the same mode: sk_${secret.mode}_… with pk_${secret.mode}_….`,
    };
  }
  return { ok: true, mode: secret.mode };
}
