/**
 * Dashboard sign-in: a secret (the dashboard password or PASARELA_API_KEY) opens a session kept in an
 * httpOnly cookie. The cookie is stateless (expiry + HMAC keyed by the secrets), so it works across
 * several service instances and dies when the secrets rotate.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'pasarela_dashboard';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

function key(secrets: readonly string[]): Buffer {
  return createHash('sha256')
    .update(`pasarela-dashboard-session\0${secrets.join('\0')}`)
    .digest();
}

function mac(secrets: readonly string[], expires: number): string {
  return createHmac('sha256', key(secrets)).update(`v1.${expires}`).digest('base64url');
}

function equal(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/** True when `given` is one of the secrets; constant time in the secrets' content. */
export function secretMatches(secrets: readonly string[], given: string): boolean {
  let ok = false;
  for (const secret of secrets) if (secret.length > 0 && equal(secret, given)) ok = true;
  return ok;
}

/** A new session token valid until `now + SESSION_TTL_MS`. */
export function issueSession(secrets: readonly string[], now: number): string {
  const expires = now + SESSION_TTL_MS;
  return `v1.${expires}.${mac(secrets, expires)}`;
}

/** True for an unexpired token issued under the current secrets. */
export function validSession(secrets: readonly string[], token: string | undefined, now: number): boolean {
  if (!token) return false;
  const [version, expiresText, signature] = token.split('.');
  if (version !== 'v1' || !expiresText || !signature || !/^\d+$/.test(expiresText)) return false;
  const expires = Number(expiresText);
  if (expires <= now) return false;
  return equal(signature, mac(secrets, expires));
}

/** The Set-Cookie value: httpOnly, SameSite=Strict, scoped to /dashboard. */
export function sessionCookie(token: string, secure: boolean, maxAgeMs = SESSION_TTL_MS): string {
  return (
    `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/dashboard; HttpOnly; SameSite=Strict; ` +
    `Max-Age=${Math.floor(maxAgeMs / 1000)}${secure ? '; Secure' : ''}`
  );
}
