/**
 * What the go-live commands share: the configuration as `pasarela serve` reads it (environment and
 * `./.env`) and how a go-live error is printed. Kept light: heavy modules load inside the actions.
 */
/** `ExitCode` of src/cli/index.ts (not imported: that module imports this one's list). */
const FAILURE = 1;
const USAGE = 2;

/** The environment plus `./.env` (the environment wins), as `serve` reads it. */
export async function serviceEnvironment(): Promise<Record<string, string | undefined>> {
  const { environmentWithEnvFile } = await import('../../service/index.js');
  return environmentWithEnvFile(process.env, process.cwd()).env;
}

const USAGE_CODES = new Set([
  'missing_fields',
  'invalid_fields',
  'invalid_input_file',
  'invalid_option',
  'missing_secret_key',
  'missing_public_url',
  'insecure_webhook_url',
  'invalid_webhook_url',
  'rotation_not_started',
  'no_endpoint_to_rotate',
]);

/**
 * Prints a go-live error (message, then its fix) or `--json` `{"error":{code,message,fix}}`, and
 * returns the exit code: 2 for what the user gave, 1 for the rest. Other errors are rethrown.
 */
export function reportGoliveError(command: string, err: unknown, json: boolean | undefined): number {
  const e = err as { name?: string; code?: string; message?: string; fix?: string; details?: unknown };
  if (e?.name !== 'GoliveError' && e?.name !== 'EnvFileError') throw err;
  const code = e.code ?? 'error';
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ error: { code, message: e.message, fix: e.fix ?? null, ...(e.details && typeof e.details === 'object' ? e.details : {}) } })}\n`,
    );
  } else {
    process.stderr.write(`pasarela ${command}: ${e.message}\n${e.fix ? `  fix: ${e.fix}\n` : ''}`);
  }
  return USAGE_CODES.has(code) || code === 'invalid_env_file' ? USAGE : FAILURE;
}
