/**
 * The prepared embedded database shipped in assets/: a first start unpacks it instead of running
 * PGlite's initdb (seconds on a busy machine). It must match the installed PGlite's PostgreSQL
 * major version (else `npm run db:image`), and a missing or broken image must still give a database.
 */
import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, SHIPPED_IMAGE } from '../../src/service/index.js';

const root = mkdtempSync(join(tmpdir(), 'pasarela-image-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The text of the file whose tar entry name ends with `suffix`. */
function tarEntry(tar: Buffer, suffix: string): string | null {
  for (let at = 0; at + 512 <= tar.length;) {
    const name = tar
      .subarray(at, at + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (name === '') return null;
    const size = parseInt(
      tar
        .subarray(at + 124, at + 136)
        .toString('utf8')
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    if (name.endsWith(suffix)) return tar.subarray(at + 512, at + 512 + size).toString('utf8');
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return null;
}

describe('the prepared embedded database image', () => {
  it('was made by the PostgreSQL major version the installed PGlite runs (else run npm run db:image)', async () => {
    const tar = brotliDecompressSync(readFileSync(SHIPPED_IMAGE));
    const imageMajor = tarEntry(tar, '/PG_VERSION')?.trim();
    const pglite = await PGlite.create();
    try {
      const { rows } = await pglite.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      expect(imageMajor).toBe(String(Math.floor(Number(rows[0]!.v) / 10_000)));
    } finally {
      await pglite.close();
    }
  }, 120_000); // one initdb in memory: seconds, up to a minute on a loaded machine

  it('gives a first start its database (saying so), which migrates, keeps data and reopens without it', async () => {
    const dir = join(root, 'first');
    const said: string[] = [];
    const db = await openDatabase({ dataDir: dir, progress: (l) => said.push(l) });
    expect(said).toEqual([
      `creating the embedded database in ${join(dir, 'db')} (first start, from the prepared image)`,
    ]);
    expect(await migrate(db.db)).not.toEqual([]);
    await sql`INSERT INTO jobs (kind, ref, run_at, created_at) VALUES ('x', 'y', now(), now())`.execute(
      db.db,
    );
    await db.close();
    const again: string[] = [];
    const reopened = await openDatabase({ dataDir: dir, progress: (l) => again.push(l) });
    expect(again).toEqual([]);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs`.execute(reopened.db);
    expect(rows[0]!.n).toBe(1);
    await reopened.close();
  }, 120_000);

  it('a broken image falls back to initdb, and the database works', async () => {
    const broken = join(root, 'broken.tar.br');
    writeFileSync(broken, 'not an image');
    const dir = join(root, 'fallback');
    const said: string[] = [];
    const db = await openDatabase({ dataDir: dir, image: broken, progress: (l) => said.push(l) });
    expect(said.at(-1)).toContain('this takes a few seconds');
    expect(await migrate(db.db)).not.toEqual([]);
    await db.close();
  }, 120_000);
});
