import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnvFile } from '../service/index.js';
import { envFileValue, setEnvLine, writeEnvVariable } from './env-file.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('--write-env', () => {
  it('replaces the variable in place, drops later copies, keeps every other line', () => {
    const before =
      '# keys\nexport FINTOC_WEBHOOK_SECRET=whsec_old\nPORT=3000\nFINTOC_WEBHOOK_SECRET=whsec_older\n# end';
    const after = setEnvLine(before, 'FINTOC_WEBHOOK_SECRET', 'whsec_new');
    expect(after).toBe('# keys\nexport FINTOC_WEBHOOK_SECRET=whsec_new\nPORT=3000\n# end\n');
    expect(setEnvLine('PORT=1\r\n', 'X', 'y')).toBe('PORT=1\r\nX=y\r\n');
    expect(setEnvLine('', 'X', 'y')).toBe('X=y\n');
    expect(parseEnvFile(after).FINTOC_WEBHOOK_SECRET).toBe('whsec_new');
    expect(envFileValue(before, 'FINTOC_WEBHOOK_SECRET')).toBe('whsec_older');
  });

  it('creates the file 0600; an existing file keeps its mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pasarela-writeenv-'));
    dirs.push(dir);
    const fresh = join(dir, '.env');
    expect(writeEnvVariable(fresh, 'FINTOC_WEBHOOK_SECRET', 'whsec_a').created).toBe(true);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(readFileSync(fresh, 'utf8')).toBe('FINTOC_WEBHOOK_SECRET=whsec_a\n');
    const existing = join(dir, 'prod.env');
    writeFileSync(existing, 'PORT=3000\n');
    chmodSync(existing, 0o640);
    expect(writeEnvVariable(existing, 'FINTOC_WEBHOOK_SECRET', 'whsec_b').created).toBe(false);
    expect(statSync(existing).mode & 0o777).toBe(0o640);
    expect(readFileSync(existing, 'utf8')).toBe('PORT=3000\nFINTOC_WEBHOOK_SECRET=whsec_b\n');
    expect(() => writeEnvVariable(join(dir, 'missing', '.env'), 'A', 'b')).toThrow(/cannot write/);
  });
});
