/**
 * `.env.example` lists every setting the service reads, no more: checked against the config's list
 * of variables, and that list against the variables `src/service/config.ts` actually reads.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../src/service/index.js';

const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const exampleNames = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);

describe('.env.example', () => {
  it('names every variable of the configuration once, in its order', () => {
    expect(exampleNames).toEqual([...CONFIG_VARIABLES]);
  });

  it('the list holds every variable config.ts reads (get, required, computed amount limits)', () => {
    const source = readFileSync(new URL('../../src/service/config.ts', import.meta.url), 'utf8');
    const read = new Set([...source.matchAll(/(?:get|required)\(\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!));
    for (const bound of ['MIN', 'MAX']) for (const c of ['CLP', 'MXN']) read.add(`${bound}_AMOUNT_${c}`);
    read.add('LOG_LEVEL'); // read by the logger's callers (serve, dev, buildApp)
    expect([...read].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('with the required values filled in, loads as it stands (its defaults are valid values)', () => {
    const env = Object.fromEntries(
      [...example.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    const result = loadConfig({
      ...env,
      FINTOC_SECRET_KEY: 'sk_test_envexample0123456789',
      FINTOC_PUBLIC_KEY: 'pk_test_envexample0123456789',
      FINTOC_WEBHOOK_SECRET: 'whsec_envexample',
      PASARELA_API_KEY: 'env-example-api-key-0123456789',
    });
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});
