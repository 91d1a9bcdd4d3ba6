import { createHmac, timingSafeEqual } from 'node:crypto';
import { FINTOC_ERRORS } from './errors.js';
import { FintocEventError, parseEvent } from './events.js';
import type { FintocEvent } from './events.js';

export type WebhookSignatureErrorCode =
  | 'missing_header'
  | 'malformed_header'
  | 'timestamp_too_old'
  | 'timestamp_in_future'
  | 'no_matching_signature'
  | 'missing_secret'
  | 'body_not_raw'
  | 'invalid_payload';

/**
 * Why a webhook was rejected. `code` is stable; `fix` says what to do.
 *
 * @example
 * try { verify({ body, header, secrets }) } catch (e) { if (e instanceof WebhookSignatureError) reply.code(400).send({ error: { code: e.code } }) }
 */
export class WebhookSignatureError extends Error {
  readonly code: WebhookSignatureErrorCode;
  readonly fix: string;
  constructor(code: WebhookSignatureErrorCode, detail?: string) {
    super(detail ? `${FINTOC_ERRORS[code].summary} ${detail}` : FINTOC_ERRORS[code].summary);
    this.name = 'WebhookSignatureError';
    this.code = code;
    this.fix = FINTOC_ERRORS[code].fix;
  }
}

/** The name of the header Fintoc signs webhooks with. */
export const SIGNATURE_HEADER = 'Fintoc-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function rawBytes(body: unknown): Uint8Array {
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  const got =
    body === null || body === undefined
      ? String(body)
      : Array.isArray(body)
        ? 'an array'
        : `a ${typeof body}`;
  throw new WebhookSignatureError(
    'body_not_raw',
    `Got ${got}: pass the raw request body (a string or Buffer), not a parsed object — the signature covers the exact bytes Fintoc sent.`,
  );
}

function secretList(secrets: unknown): string[] {
  const list = (Array.isArray(secrets) ? secrets : [secrets]).filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  if (list.length === 0) throw new WebhookSignatureError('missing_secret');
  return list;
}

function hmacHex(secret: string, timestamp: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * Builds the `Fintoc-Signature` header for a body, as Fintoc does: `t=<unix seconds>,v1=<hex HMAC-SHA256
 * of "<t>.<body>" keyed with the secret>`. Used by the sandbox and by tests.
 *
 * @example
 * const header = sign({ secret: 'whsec_test_secret', body: rawJson, timestamp: Math.floor(Date.now() / 1000) });
 */
export function sign(opts: { secret: string; body: string | Uint8Array; timestamp: number }): string {
  const bytes = rawBytes(opts.body);
  const [secret] = secretList(opts.secret);
  if (!Number.isSafeInteger(opts.timestamp) || opts.timestamp < 0) {
    throw new TypeError(`sign: timestamp must be whole unix seconds, got ${String(opts.timestamp)}`);
  }
  const t = String(opts.timestamp);
  return `t=${t},v1=${hmacHex(secret!, t, bytes)}`;
}

function parseHeader(header: string): { t: string; v1: string[] } {
  let t: string | undefined;
  const v1: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') t = value;
    else if (key === 'v1') v1.push(value.toLowerCase());
  }
  if (t === undefined || !/^\d{1,15}$/.test(t) || v1.length === 0) {
    throw new WebhookSignatureError('malformed_header', `Got ${JSON.stringify(header.slice(0, 120))}.`);
  }
  return { t, v1 };
}

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Verifies a Fintoc webhook and returns its parsed, typed event. Raw body only; the timestamp must be
 * within `toleranceSeconds` of `now` in either direction; any of several secrets (rotation) and any of
 * several `v1` values may match. Throws {@link WebhookSignatureError} with a distinct code otherwise.
 *
 * @example
 * app.post('/webhooks/fintoc', express.raw({ type: 'application/json' }), (req, res) => {
 *   const event = verify({ body: req.body, header: req.get('Fintoc-Signature'), secrets: process.env.FINTOC_WEBHOOK_SECRET!.split(',') });
 *   res.sendStatus(200);
 * });
 */
export function verify(opts: {
  body: string | Uint8Array;
  header: string | null | undefined;
  secrets: string | readonly string[];
  toleranceSeconds?: number;
  now?: Date;
}): FintocEvent {
  const bytes = rawBytes(opts.body);
  const secrets = secretList(opts.secrets);
  if (typeof opts.header !== 'string' || opts.header.trim() === '') {
    throw new WebhookSignatureError('missing_header');
  }
  const { t, v1 } = parseHeader(opts.header);

  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!(tolerance >= 0))
    throw new TypeError(`verify: toleranceSeconds must be >= 0, got ${String(tolerance)}`);
  const nowSeconds = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  // An Invalid Date would make both window checks false: fail closed instead of accepting any time.
  if (!Number.isFinite(nowSeconds)) throw new TypeError('verify: now must be a valid Date');
  const timestamp = Number(t);
  if (timestamp < nowSeconds - tolerance) {
    throw new WebhookSignatureError(
      'timestamp_too_old',
      `Signed at ${timestamp}, now is ${nowSeconds} (tolerance ${tolerance} s).`,
    );
  }
  if (timestamp > nowSeconds + tolerance) {
    throw new WebhookSignatureError(
      'timestamp_in_future',
      `Signed at ${timestamp}, now is ${nowSeconds} (tolerance ${tolerance} s).`,
    );
  }

  // Compare against every pair without stopping early, so timing says nothing about which secret matched.
  let matched = false;
  for (const secret of secrets) {
    const expected = hmacHex(secret, t, bytes);
    for (const candidate of v1) matched = safeEqualHex(candidate, expected) || matched;
  }
  if (!matched) throw new WebhookSignatureError('no_matching_signature');

  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new WebhookSignatureError('invalid_payload', 'The body is not UTF-8 JSON.');
  }
  try {
    return parseEvent(json);
  } catch (err) {
    if (err instanceof FintocEventError) throw new WebhookSignatureError('invalid_payload', err.message);
    throw err;
  }
}
