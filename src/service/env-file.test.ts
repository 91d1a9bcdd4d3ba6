import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EnvFileError, environmentWithEnvFile, parseEnvFile } from './env-file.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('.env files', () => {
  it('reads bare, quoted and exported values, comments and blank lines', () => {
    const text = [
      '# the service',
      'FINTOC_SECRET_KEY=sk_test_abc  # test key',
      '',
      "export PASARELA_SHOP_NAME='Tienda # 1'",
      'PASARELA_API_KEY="a \\"quoted\\" key\\nwith a newline"',
      '  PORT = 3001  ',
      'EMPTY=',
      'FINTOC_SECRET_KEY=sk_test_last',
    ].join('\r\n');
    expect(parseEnvFile(text)).toEqual({
      FINTOC_SECRET_KEY: 'sk_test_last',
      PASARELA_SHOP_NAME: 'Tienda # 1',
      PASARELA_API_KEY: 'a "quoted" key\nwith a newline',
      PORT: '3001',
      EMPTY: '',
    });
  });

  it('names the bad line, never its content', () => {
    const secret = 'sk_live_do_not_print_me';
    for (const text of [`just ${secret}`, `KEY='${secret}`, `KEY="${secret}`, `1KEY=${secret}`]) {
      const err = (() => {
        try {
          parseEnvFile(`A=1\n${text}`, '/app/.env');
        } catch (e) {
          return e as EnvFileError;
        }
        throw new Error(`accepted ${text}`);
      })();
      expect(err).toBeInstanceOf(EnvFileError);
      expect(err.message).toMatch(/^\/app\/\.env line 2: /);
      expect(err.message).not.toContain(secret);
    }
  });

  it('never throws anything but EnvFileError, and never puts a value in the message', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        try {
          parseEnvFile(text);
        } catch (err) {
          expect(err).toBeInstanceOf(EnvFileError);
          expect((err as Error).message).toMatch(/^\.env line \d+: [a-zA-Z' "(),=#/.]+$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is read under the real environment, which wins; no file is no change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pasarela-env-'));
    dirs.push(dir);
    expect(environmentWithEnvFile({ A: '1' }, dir)).toEqual({ env: { A: '1' }, file: null });
    writeFileSync(join(dir, '.env'), 'A=from-file\nB=from-file\n');
    expect(environmentWithEnvFile({ A: 'from-env', C: undefined }, dir)).toEqual({
      env: { A: 'from-env', B: 'from-file' },
      file: join(dir, '.env'),
    });
  });
});
