/** docs/certify.md explains every scenario and lists every error code, as the code has them. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CERTIFY_ERRORS, SCENARIOS } from '../../src/certify/index.js';

const doc = readFileSync(new URL('../../docs/certify.md', import.meta.url), 'utf8');

describe('docs/certify.md', () => {
  it('has a section for every scenario id', () => {
    for (const s of SCENARIOS) expect(doc, s.id).toMatch(new RegExp(`^#+ \`${s.id}\``, 'm'));
  });

  it('lists every error code with its exit code', () => {
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` +\| (\d) +\|/gm)].map((m) => [m[1], Number(m[2])]);
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(Object.entries(CERTIFY_ERRORS).map(([code, e]) => [code, e.exit])),
    );
  });
});
