/**
 * `.env` files: `KEY=value` lines read into the environment the configuration comes from. The real
 * environment wins over the file, so a deployment's variables are never overridden by a stray file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The name of a variable on a `.env` line (after an optional `export `). */
export const ENV_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;

export class EnvFileError extends Error {
  readonly code = 'invalid_env_file' as const;
  constructor(
    readonly file: string,
    readonly line: number,
    why: string,
  ) {
    // Never the line's text: it may hold a secret.
    super(line > 0 ? `${file} line ${line}: ${why}` : `${file} ${why}`);
    this.name = 'EnvFileError';
  }
}

/**
 * Parses `.env` text: blank lines and `#` comments are skipped; a value is bare (trimmed, a ` #`
 * comment after it dropped), in single quotes (taken as written) or in double quotes (`\n`, `\"`,
 * `\\` understood). Throws {@link EnvFileError} naming the line, never its content.
 *
 * @example
 * parseEnvFile('FINTOC_SECRET_KEY=sk_test_abc\n# comment\nexport PORT="3000"');
 * // { FINTOC_SECRET_KEY: 'sk_test_abc', PORT: '3000' }
 */
export function parseEnvFile(text: string, file = '.env'): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (/^\s*(#.*)?$/.test(line)) return;
    const m = ENV_LINE.exec(line);
    if (!m) throw new EnvFileError(file, i + 1, 'is not KEY=value (or a # comment)');
    const raw = m[2]!.trim();
    let value: string;
    if (raw.startsWith("'")) {
      const end = raw.indexOf("'", 1);
      if (end < 0 || !/^\s*(#.*)?$/.test(raw.slice(end + 1))) {
        throw new EnvFileError(file, i + 1, "has an unclosed ' quote (values span one line)");
      }
      value = raw.slice(1, end);
    } else if (raw.startsWith('"')) {
      const m2 = /^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(raw);
      if (!m2) throw new EnvFileError(file, i + 1, 'has an unclosed " quote (values span one line)');
      value = m2[1]!.replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c,
      );
    } else {
      value = raw.replace(/\s+#.*$/, '').trim();
    }
    out[m[1]!] = value;
  });
  return out;
}

/**
 * The environment a command's configuration comes from: `.env` in `cwd` when there is one, under
 * the real environment (which wins). `file` is `null` when there was none.
 *
 * @example
 * const { env } = environmentWithEnvFile(process.env, process.cwd());
 * const result = loadConfig(env);
 */
export function environmentWithEnvFile(
  env: Record<string, string | undefined>,
  cwd: string,
  name = '.env',
): { env: Record<string, string | undefined>; file: string | null } {
  const path = resolve(cwd, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { env, file: null };
    throw new EnvFileError(path, 0, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const fromFile = parseEnvFile(text, path);
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) merged[k] = v;
  return { env: merged, file: path };
}
