import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECK_ITEMS } from './check.js';
import { GOLIVE_ERRORS, GoliveError } from './errors.js';

const docs = readFileSync(new URL('../../docs/going-live.md', import.meta.url), 'utf8');

describe('golive catalogue', () => {
  it.each(Object.keys(GOLIVE_ERRORS))('error %s is documented in docs/going-live.md', (code) => {
    expect(docs).toContain(`| \`${code}\``);
  });
  it.each(Object.keys(CHECK_ITEMS))('check item %s is documented in docs/going-live.md', (id) => {
    expect(docs).toContain(`| \`${id}\``);
  });
  it('gives every error its fix', () => {
    const err = new GoliveError('insecure_webhook_url', 'http://x is not https.');
    expect(err).toMatchObject({ code: 'insecure_webhook_url', fix: GOLIVE_ERRORS.insecure_webhook_url.fix });
  });
});
