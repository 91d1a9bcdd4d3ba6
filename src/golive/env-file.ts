/**
 * Writes one variable into a `.env` file (`--write-env`): the file is created readable by its owner
 * only (0600), every other line is kept as it was, and the new text replaces the old in one rename.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { ENV_LINE } from '../service/index.js';
import { GoliveError } from './errors.js';

/** The value a `.env` text gives `key` (the last line wins, as when the file is read), or undefined. */
export function envFileValue(text: string, key: string): string | undefined {
  let value: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const m = ENV_LINE.exec(line);
    if (m && m[1] === key) value = m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return value;
}

/**
 * `text` with `key=value` set: the first line of `key` is replaced (keeping an `export ` before it),
 * later lines of `key` are dropped (they would win when read), or a line is added at the end.
 *
 * @example
 * setEnvLine('PORT=3000\n', 'FINTOC_WEBHOOK_SECRET', 'whsec_abc'); // 'PORT=3000\nFINTOC_WEBHOOK_SECRET=whsec_abc\n'
 */
export function setEnvLine(text: string, key: string, value: string): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let done = false;
  const out: string[] = [];
  for (const line of lines) {
    const m = ENV_LINE.exec(line);
    if (m && m[1] === key) {
      if (done) continue;
      out.push(`${/^\s*export\s/.test(line) ? 'export ' : ''}${key}=${value}`);
      done = true;
    } else out.push(line);
  }
  if (!done) out.push(`${key}=${value}`);
  return `${out.join(eol)}${eol}`;
}

/**
 * Sets `key=value` in the `.env` file at `path`, creating it 0600 when absent; an existing file keeps
 * its permissions and its other lines. Returns whether the file was created.
 */
export function writeEnvVariable(
  path: string,
  key: string,
  value: string,
): { created: boolean; path: string } {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || /[\r\n]/.test(value)) {
    throw new GoliveError('invalid_option', `cannot write ${key} to ${path}: not a one-line KEY=value.`);
  }
  let target = path;
  let before = '';
  let mode = 0o600;
  let created = true;
  try {
    target = realpathSync(path);
    before = readFileSync(target, 'utf8');
    mode = statSync(target).mode & 0o777;
    created = false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new GoliveError(
        'env_file_unwritable',
        `cannot read ${path} (${(err as NodeJS.ErrnoException).code}).`,
      );
    }
  }
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, setEnvLine(before, key, value), { mode, flag: 'wx' });
    chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new GoliveError(
      'env_file_unwritable',
      `cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  return { created, path: target };
}
