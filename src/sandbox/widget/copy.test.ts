import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_TEXT } from './browser/copy.js';
import { SESSION_ERRORS } from './routes.js';

const DOC = readFileSync(new URL('../../../docs/sandbox-widget.md', import.meta.url), 'utf8');

describe('error codes, Spanish copy and docs stay in step', () => {
  // invalid_request is a malformed call from our own frame, never something a customer can cause.
  const customerFacing = Object.keys(SESSION_ERRORS).filter((code) => code !== 'invalid_request');

  it.each(customerFacing)('%s has Spanish copy and is documented', (code) => {
    expect(ERROR_TEXT[code]).toMatch(/\S/);
    expect(DOC).toContain(`\`${code}\``);
  });

  it('documents network_error, the one code the frame raises itself', () => {
    expect(ERROR_TEXT.network_error).toMatch(/\S/);
    expect(DOC).toContain('`network_error`');
  });
});
