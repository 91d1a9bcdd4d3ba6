import { readFileSync } from 'node:fs';
import { WebhookSignature } from 'fintoc';
import { describe, expect, it } from 'vitest';
import { FINTOC_ERRORS } from './errors.js';
import { isPaymentIntentEvent } from './events.js';
import { sign, verify, WebhookSignatureError } from './webhook-signature.js';
import type { WebhookSignatureErrorCode } from './webhook-signature.js';

const fixtures = new URL('../../test/fixtures/fintoc/', import.meta.url);
const vector = JSON.parse(readFileSync(new URL('fintoc-signature-vector.json', fixtures), 'utf8')) as {
  secret: string;
  timestamp: number;
  body_file: string;
  header: string;
};
const fixtureBody = readFileSync(new URL(vector.body_file, fixtures));

// One valid message; each failure test below changes exactly one thing of it.
const secret = 'whsec_3o9rZ4xKbT1VcJzuDgpm4H';
const t = 1_764_000_000;
const now = new Date(t * 1000);
const body = fixtureBody.toString('utf8');
const header = sign({ secret, body, timestamp: t });
const valid = { body, header, secrets: secret, now } as const;

function rejection(opts: Parameters<typeof verify>[0]): WebhookSignatureError {
  try {
    verify(opts);
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookSignatureError);
    return err as WebhookSignatureError;
  }
  throw new Error('verify accepted the message');
}
const codeOf = (opts: Parameters<typeof verify>[0]): WebhookSignatureErrorCode => rejection(opts).code;

describe('sign', () => {
  it('makes "t=<int>,v1=<64 hex>" with no spaces', () => {
    expect(header).toMatch(/^t=1764000000,v1=[0-9a-f]{64}$/);
  });
  it('reproduces the official SDK test vector exactly', () => {
    expect(sign({ secret: vector.secret, body: fixtureBody, timestamp: vector.timestamp })).toBe(
      vector.header,
    );
  });
  it('refuses a parsed object and an empty secret', () => {
    expect(() => sign({ secret, body: JSON.parse(body), timestamp: t })).toThrow(/raw request body/);
    expect(() => sign({ secret: '', body, timestamp: t })).toThrow(WebhookSignatureError);
  });
});

describe('verify: the valid message', () => {
  it('returns the typed event', () => {
    const event = verify(valid);
    expect(event.id).toBe('evt_2AaZeLCz0GjOW5zj');
    expect(isPaymentIntentEvent(event) && event.data.status).toBe('succeeded');
  });
  it('accepts the body as bytes (Buffer or Uint8Array) as well as a string', () => {
    expect(verify({ ...valid, body: Buffer.from(body) }).id).toBe('evt_2AaZeLCz0GjOW5zj');
    expect(verify({ ...valid, body: new Uint8Array(Buffer.from(body)) }).id).toBe('evt_2AaZeLCz0GjOW5zj');
  });
  it('verifies the fixture vector with a tolerance covering its date', () => {
    const opts = { body: fixtureBody, header: vector.header, secrets: vector.secret };
    expect(verify({ ...opts, now: new Date((vector.timestamp + 299) * 1000) }).type).toBe(
      'payment_intent.succeeded',
    );
    expect(verify({ ...opts, toleranceSeconds: 10 ** 10 }).type).toBe('payment_intent.succeeded');
    expect(codeOf({ ...opts, now: new Date((vector.timestamp + 301) * 1000) })).toBe('timestamp_too_old');
  });
  it('accepts any of several secrets (rotation), in any order', () => {
    expect(verify({ ...valid, secrets: ['whsec_old', secret] }).id).toBeTruthy();
    expect(verify({ ...valid, secrets: [secret, 'whsec_new'] }).id).toBeTruthy();
  });
  it('accepts any of several v1 values', () => {
    const v1 = header.split('v1=')[1];
    expect(verify({ ...valid, header: `t=${t},v1=${'0'.repeat(64)},v1=${v1}` }).id).toBeTruthy();
  });
  it('accepts the timestamp exactly at the tolerance, in both directions', () => {
    expect(verify({ ...valid, now: new Date((t + 300) * 1000) }).id).toBeTruthy();
    expect(verify({ ...valid, now: new Date((t - 300) * 1000) }).id).toBeTruthy();
  });
  it('tolerates spaces after the commas and unknown schemes', () => {
    expect(verify({ ...valid, header: header.replace(',', ', ') + ',v0=abc' }).id).toBeTruthy();
  });
});

describe('verify: one change each', () => {
  it('no header → missing_header', () => {
    expect(codeOf({ ...valid, header: undefined })).toBe('missing_header');
    expect(codeOf({ ...valid, header: null })).toBe('missing_header');
    expect(codeOf({ ...valid, header: '' })).toBe('missing_header');
  });
  it('a header without t → malformed_header', () => {
    expect(codeOf({ ...valid, header: header.replace(/^t=\d+,/, '') })).toBe('malformed_header');
  });
  it('a header without v1 → malformed_header', () => {
    expect(codeOf({ ...valid, header: `t=${t}` })).toBe('malformed_header');
  });
  it('a non-numeric t → malformed_header', () => {
    expect(codeOf({ ...valid, header: header.replace(`t=${t}`, 't=yesterday') })).toBe('malformed_header');
  });
  it('a header that is not key=value → malformed_header', () => {
    expect(codeOf({ ...valid, header: 'sha256=abcdef' })).toBe('malformed_header');
  });
  it('now later than t + tolerance → timestamp_too_old', () => {
    expect(codeOf({ ...valid, now: new Date((t + 301) * 1000) })).toBe('timestamp_too_old');
  });
  it('now earlier than t − tolerance → timestamp_in_future', () => {
    expect(codeOf({ ...valid, now: new Date((t - 301) * 1000) })).toBe('timestamp_in_future');
  });
  it('an invalid now is refused, never taken as "any time"', () => {
    expect(() => verify({ ...valid, now: new Date(Number.NaN) })).toThrow(TypeError);
    expect(() => verify({ ...valid, toleranceSeconds: Number.NaN })).toThrow(TypeError);
  });
  it('a smaller tolerance → timestamp_too_old', () => {
    expect(codeOf({ ...valid, now: new Date((t + 61) * 1000), toleranceSeconds: 60 })).toBe(
      'timestamp_too_old',
    );
  });
  it('another secret → no_matching_signature', () => {
    expect(codeOf({ ...valid, secrets: 'whsec_other' })).toBe('no_matching_signature');
  });
  it('one byte of the body changed → no_matching_signature', () => {
    expect(codeOf({ ...valid, body: body.replace('"amount":1', '"amount":2') })).toBe(
      'no_matching_signature',
    );
  });
  it('the body re-serialized (same JSON, other bytes) → no_matching_signature', () => {
    expect(codeOf({ ...valid, body: JSON.stringify(JSON.parse(body), null, 2) })).toBe(
      'no_matching_signature',
    );
  });
  it('one hex digit of v1 changed → no_matching_signature', () => {
    const last = header.at(-1) === '0' ? '1' : '0';
    expect(codeOf({ ...valid, header: header.slice(0, -1) + last })).toBe('no_matching_signature');
  });
  it('t changed (replay with a fresh timestamp) → no_matching_signature', () => {
    expect(codeOf({ ...valid, header: header.replace(`t=${t}`, `t=${t + 1}`) })).toBe(
      'no_matching_signature',
    );
  });
  it('no secret → missing_secret', () => {
    expect(codeOf({ ...valid, secrets: '' })).toBe('missing_secret');
    expect(codeOf({ ...valid, secrets: [] })).toBe('missing_secret');
    expect(codeOf({ ...valid, secrets: [''] })).toBe('missing_secret');
  });
  it('a parsed object as body → body_not_raw, saying "pass the raw request body"', () => {
    const err = rejection({ ...valid, body: JSON.parse(body) as string });
    expect(err.code).toBe('body_not_raw');
    expect(err.message).toContain('pass the raw request body');
    expect(err.fix).toBe(FINTOC_ERRORS.body_not_raw.fix);
    expect(codeOf({ ...valid, body: undefined as unknown as string })).toBe('body_not_raw');
  });
  it('a signed body that is not JSON → invalid_payload', () => {
    const junk = 'not json';
    expect(codeOf({ ...valid, body: junk, header: sign({ secret, body: junk, timestamp: t }) })).toBe(
      'invalid_payload',
    );
  });
  it('a signed known event whose data is broken → invalid_payload', () => {
    const broken = body.replace('"status":"succeeded"', '"status":"paid"');
    expect(codeOf({ ...valid, body: broken, header: sign({ secret, body: broken, timestamp: t }) })).toBe(
      'invalid_payload',
    );
  });
  it('a signed event of an unknown type → a generic event, not an error', () => {
    const other = JSON.stringify({ id: 'evt_1', type: 'payout.created', mode: 'live', data: { id: 'po_1' } });
    const event = verify({ ...valid, body: other, header: sign({ secret, body: other, timestamp: t }) });
    expect(event).toMatchObject({ id: 'evt_1', type: 'payout.created', data: { id: 'po_1' } });
  });
});

describe('cross-check with the official fintoc SDK', () => {
  const nowSeconds = Math.floor(Date.now() / 1000);
  it('WebhookSignature.verifyHeader accepts what sign() makes', () => {
    const ours = sign({ secret, body, timestamp: nowSeconds });
    expect(() => WebhookSignature.verifyHeader(body, ours, secret)).not.toThrow();
    expect(() => WebhookSignature.verifyHeader(Buffer.from(body), ours, secret)).not.toThrow();
    expect(() => WebhookSignature.verifyHeader(body, ours, 'whsec_other')).toThrow();
  });
  it("verify() accepts a header made with the SDK's own algorithm", () => {
    // computeSignature is private in the typings but a plain static method at runtime.
    const sdk = WebhookSignature as unknown as { computeSignature(p: string, t: number, s: string): string };
    const theirs = `t=${t},v1=${sdk.computeSignature(body, t, secret)}`;
    expect(theirs).toBe(header);
    expect(verify({ ...valid, header: theirs }).id).toBe('evt_2AaZeLCz0GjOW5zj');
  });
});
