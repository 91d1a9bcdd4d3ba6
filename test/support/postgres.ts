/**
 * A throwaway PostgreSQL server for tests: `initdb` in a fresh folder owned by the `postgres` user,
 * started on a free loopback port, removed on `stop()`. Tests skip with the printed reason where the
 * binaries are missing; `.ci/run` installs them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  /** `postgres://app@127.0.0.1:PORT/postgres` */
  url: string;
  /** Creates a fresh database on the server and returns its URL. */
  createDatabase(name: string): string;
  stop(): void;
}

/** Why PostgreSQL tests cannot run here, or null when they can. */
export function postgresSkipReason(): string | null {
  if (!existsSync(join(BIN, 'initdb')) || !existsSync(join(BIN, 'pg_ctl'))) {
    return `PostgreSQL binaries not found in ${BIN} (apt-get install -y postgresql, or set PG_BIN)`;
  }
  const asRoot = process.getuid?.() === 0;
  if (asRoot && spawnSync('id', ['postgres']).status !== 0) return 'no postgres user to run initdb as';
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts a server (about 2 s), on `port` if given. Call `stop()` in `afterAll`. */
export async function startPostgres(options: { port?: number } = {}): Promise<TestPostgres> {
  const reason = postgresSkipReason();
  if (reason) throw new Error(reason);
  const dir = mkdtempSync(join(tmpdir(), 'pasarela-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = options.port ?? (await freePort());
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    if (asRoot) {
      const line = [join(BIN, cmd), ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
      execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', line], { stdio: 'pipe' });
    } else {
      execFileSync(join(BIN, cmd), args, { stdio: 'pipe' });
    }
  };
  run('initdb', ['-D', data, '-U', 'app', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  run('pg_ctl', [
    '-D',
    data,
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=200`,
    '-w',
    '-l',
    join(dir, 'log'),
    'start',
  ]);
  const url = `postgres://app@127.0.0.1:${port}/postgres`;
  return {
    url,
    createDatabase(name) {
      run('psql', [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'app',
        '-d',
        'postgres',
        '-c',
        `CREATE DATABASE "${name}"`,
      ]);
      return `postgres://app@127.0.0.1:${port}/${name}`;
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
