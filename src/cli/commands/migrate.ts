import { Command } from 'commander';

/**
 * `pasarela migrate`: applies the service's pending database migrations to `DATABASE_URL` (or the
 * embedded database under `PASARELA_DATA_DIR`) and lists what it applied.
 */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description(
      'Apply pending database migrations (DATABASE_URL, or the embedded database under PASARELA_DATA_DIR).',
    )
    .option('--json', 'print {"applied": [...], "database": ...} as one JSON line')
    .action(async (opts: { json?: boolean }) => {
      const { openDatabase, migrate, environmentWithEnvFile } = await import('../../service/index.js');
      const { env } = environmentWithEnvFile(process.env, process.cwd());
      const url = env.DATABASE_URL?.trim();
      if (url && !/^postgres(ql)?:\/\//.test(url)) {
        process.stderr.write('pasarela migrate: DATABASE_URL must start with postgres:// or postgresql://\n');
        process.exitCode = 1;
        return;
      }
      let database;
      if (url) database = await openDatabase({ url });
      else {
        const { lockEmbeddedDatabase } = await import('../lock.js');
        const dataDir = env.PASARELA_DATA_DIR?.trim() || './.pasarela';
        const lock = lockEmbeddedDatabase(
          dataDir,
          'pasarela migrate',
          'stop it (it migrates at start anyway), or point PASARELA_DATA_DIR at another directory',
        );
        if (!lock) return;
        database = await openDatabase({ dataDir });
      }
      try {
        const applied = await migrate(database.db);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ applied, database: database.location })}\n`);
        } else if (applied.length === 0) {
          process.stdout.write(`Database ${database.location} is up to date.\n`);
        } else {
          process.stdout.write(`Applied to ${database.location}: ${applied.join(', ')}\n`);
        }
      } finally {
        await database.close();
      }
    });
}
