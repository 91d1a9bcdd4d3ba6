import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FintocApiError,
  FintocAuthenticationError,
  FintocError,
  FintocInstitutionError,
  FintocInvalidRequestError,
  FintocLinkError,
  FintocRateLimitError,
  errorFromResponse,
} from './api-errors.js';
import { FINTOC_ERRORS } from './errors.js';
import type { WebhookSignatureErrorCode } from './webhook-signature.js';

const envelope = (type: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    error: { type, code: 'some_code', message: 'Something precise', param: null, doc_url: null, ...extra },
  });

describe('errorFromResponse', () => {
  it.each([
    ['authentication_error', 401, FintocAuthenticationError],
    ['invalid_request_error', 400, FintocInvalidRequestError],
    ['api_error', 500, FintocApiError],
    ['institution_error', 503, FintocInstitutionError],
    ['link_error', 400, FintocLinkError],
  ] as const)('maps error.type %s to its class', (type, status, Cls) => {
    const err = errorFromResponse(status, envelope(type), new Headers());
    expect(err).toBeInstanceOf(Cls);
    expect(err).toBeInstanceOf(FintocError);
    expect(err.name).toBe(Cls.name);
    expect(err.type).toBe(type);
  });
  it('keeps status, code, param, message, doc_url, request id and the raw body', () => {
    const raw = envelope('invalid_request_error', {
      code: 'missing_parameter',
      param: 'amount',
      message: 'Missing required param: amount',
      doc_url: 'https://fintoc.com/docs#invalid-request-error',
    });
    const err = errorFromResponse(
      400,
      raw,
      new Headers({ 'X-Request-Id': '9b0c6ac4-6a39-4a37-9e5b-0e4b4d1d5f11' }),
    );
    expect(err).toMatchObject({
      status: 400,
      code: 'missing_parameter',
      param: 'amount',
      message: 'Missing required param: amount',
      docUrl: 'https://fintoc.com/docs#invalid-request-error',
      requestId: '9b0c6ac4-6a39-4a37-9e5b-0e4b4d1d5f11',
      raw,
    });
    expect(err.fix).toMatch(/Fix the request/);
  });
  it('makes any 429 a rate-limit error, whatever its type', () => {
    expect(errorFromResponse(429, envelope('invalid_request_error'), new Headers())).toBeInstanceOf(
      FintocRateLimitError,
    );
    expect(errorFromResponse(429, '', new Headers())).toBeInstanceOf(FintocRateLimitError);
  });
  it('keeps an unknown error.type as a plain FintocError', () => {
    const err = errorFromResponse(400, envelope('new_contact_error'), new Headers());
    expect(err.constructor).toBe(FintocError);
    expect(err.type).toBe('new_contact_error');
  });
  it('explains a non-JSON body (an HTML page from a proxy)', () => {
    const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
    const err = errorFromResponse(502, html, new Headers({ 'content-type': 'text/html' }));
    expect(err).toBeInstanceOf(FintocApiError);
    expect(err.code).toBe('unparseable_error_body');
    expect(err.message).toBe(
      'Fintoc answered HTTP 502 with a body that is not a Fintoc error (text/html): <html><body><h1>502 Bad Gateway</h1></body></html>',
    );
    expect(err.raw).toBe(html);
    expect(err.fix).toBe(FINTOC_ERRORS.unparseable_error_body.fix);
  });
  it('explains an empty body and JSON without the envelope', () => {
    expect(errorFromResponse(404, '', new Headers()).message).toBe(
      'Fintoc answered HTTP 404 with an empty body that is not a Fintoc error',
    );
    const err = errorFromResponse(401, '{"message":"nope"}', new Headers());
    expect(err).toBeInstanceOf(FintocAuthenticationError);
    expect(err.code).toBe('unparseable_error_body');
  });
});

describe('the error catalogue', () => {
  const docs = readFileSync(new URL('../../docs/fintoc.md', import.meta.url), 'utf8');
  it('gives every code a summary and a how-to-fix line, and the docs list every code', () => {
    for (const [code, entry] of Object.entries(FINTOC_ERRORS)) {
      expect(entry.summary.length, code).toBeGreaterThan(10);
      expect(entry.fix.length, code).toBeGreaterThan(10);
      expect(docs, `docs/fintoc.md should mention ${code}`).toContain(`\`${code}\``);
    }
  });
  it('covers every webhook signature error code', () => {
    const codes: Record<WebhookSignatureErrorCode, true> = {
      missing_header: true,
      malformed_header: true,
      timestamp_too_old: true,
      timestamp_in_future: true,
      no_matching_signature: true,
      missing_secret: true,
      body_not_raw: true,
      invalid_payload: true,
    };
    for (const code of Object.keys(codes)) expect(FINTOC_ERRORS).toHaveProperty(code);
  });
});
