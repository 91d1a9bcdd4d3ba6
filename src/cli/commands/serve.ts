import { Command } from 'commander';

/**
 * `pasarela serve`: the payments service for production, configured by environment variables
 * and a `.env` file in the current folder, the environment winning (docs/service.md). Exits 1 with one line per configuration problem; stops cleanly on SIGINT/SIGTERM.
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description(
      'Run the payments service (configuration from environment variables and ./.env; see docs/service.md).',
    )
    .option('-p, --port <port>', 'port to listen on (default: PORT or 3000)')
    .option('-H, --host <host>', 'address to listen on (default: HOST or 127.0.0.1)')
    .option('--no-workers', 'serve requests only; run no background jobs (another instance runs them)')
    .action(async (opts: { port?: string; host?: string; workers: boolean }) => {
      const { loadConfig, startServer, closeOnSignals, createLogger, secretsOf, environmentWithEnvFile } =
        await import('../../service/index.js');
      const { explainStartError } = await import('../start-errors.js');
      const env = {
        ...environmentWithEnvFile(process.env, process.cwd()).env,
        ...(opts.port !== undefined ? { PORT: opts.port } : {}),
        ...(opts.host !== undefined ? { HOST: opts.host } : {}),
      };
      const result = loadConfig(env);
      if (!result.ok) {
        for (const line of result.errors) process.stderr.write(`pasarela serve: ${line}\n`);
        process.exitCode = 1;
        return;
      }
      for (const line of result.warnings) process.stderr.write(`pasarela serve: WARNING: ${line}\n`);
      if (result.config.databaseUrl === null) {
        const { lockEmbeddedDatabase } = await import('../lock.js');
        const lock = lockEmbeddedDatabase(
          result.config.dataDir,
          'pasarela serve',
          'give this one a directory of its own: PASARELA_DATA_DIR=<another directory> pasarela serve (or set DATABASE_URL to share PostgreSQL between instances)',
        );
        if (!lock) return;
      }
      const logger = createLogger({
        secrets: secretsOf(result.config),
        level: process.env.LOG_LEVEL ?? 'info',
      });
      let server;
      try {
        server = await startServer(result.config, {
          workers: opts.workers,
          // The dashboard's Go live page runs the same checks as `pasarela check`, on demand.
          goLive: async () => (await import('../../golive/index.js')).runChecks({ env, cwd: process.cwd() }),
          logger,
          progress: (line) => logger.info({}, line),
        });
      } catch (err) {
        const line = explainStartError(err, '--port <port> (or PORT)');
        if (line === null) throw err;
        process.stderr.write(`pasarela serve: ${line}\n`);
        process.exitCode = 1;
        return;
      }
      server.app.log.info(
        { url: server.url, mode: result.config.fintoc.mode, database: server.app.database.kind },
        'pasarela service listening',
      );
      for (const line of result.warnings) server.app.log.warn({}, line);
      closeOnSignals(server);
      await server.closed;
    });
}
