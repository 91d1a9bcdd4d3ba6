/**
 * The `pasarela` command line. It only wires the parts of Pasarela together: each command lives in
 * `./commands/<name>.ts`, which defines its options and loads its implementation lazily, so `--help`
 * stays fast.
 *
 * @example
 *   import { main } from 'pasarela/cli';
 *   process.exitCode = await main(process.argv);
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { commands } from './commands/index.js';

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
} as const;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Builds the program; exported so tests can inspect commands without running them. */
export function buildProgram(): Command {
  const program = new Command('pasarela')
    .description(
      'Take Fintoc bank payments live: payments service, offline Fintoc sandbox and go-live tools.',
    )
    .version(version(), '-v, --version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  for (const define of commands) program.addCommand(define());
  return program;
}

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return ExitCode.ok;
      }
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    process.stderr.write(`pasarela: ${err instanceof Error ? err.message : String(err)}\n`);
    return ExitCode.failure;
  }
}
