import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FintocErrorEnvelopeSchema } from '../fintoc/index.js';
import { ApiError, invalid, missing, notFound, SANDBOX_ERRORS, unauthenticated } from './errors.js';

const docs = readFileSync(new URL('../../docs/sandbox.md', import.meta.url), 'utf8');

describe('error catalogue', () => {
  it.each(Object.keys(SANDBOX_ERRORS))('%s is documented in docs/sandbox.md', (code) => {
    expect(docs).toContain(`\`${code}\``);
  });

  it('helpers build the envelope Fintoc sends, always with type', () => {
    for (const err of [
      missing('amount'),
      notFound('refund', 're_x'),
      unauthenticated('Invalid API key.'),
      invalid('invalid_url', 'Use https.', 'url'),
    ]) {
      const body = err.toJSON();
      expect(FintocErrorEnvelopeSchema.safeParse(body).success).toBe(true);
      expect(err.status).toBe(SANDBOX_ERRORS[err.code].status);
      expect(body.error.doc_url).toMatch(/^https:\/\/fintoc\.com\/docs#/);
    }
    expect(missing('amount').toJSON().error).toEqual({
      type: 'invalid_request_error',
      code: 'missing_parameter',
      message: 'Missing required param: amount',
      param: 'amount',
      doc_url: 'https://fintoc.com/docs#invalid-request-error',
    });
    expect(new ApiError(500, 'api_error', 'internal_server', 'x').toJSON().error.type).toBe('api_error');
  });
});
