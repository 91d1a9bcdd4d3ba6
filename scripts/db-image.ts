/**
 * `npm run db:image`: writes `assets/embedded-db.tar.br`, a fresh PGlite cluster (what initdb makes,
 * before any migration) that a first start unpacks instead of running initdb. Run it again after
 * upgrading `@electric-sql/pglite` to another PostgreSQL major version (a test says when).
 */
import { PGlite } from '@electric-sql/pglite';
import { writeFileSync } from 'node:fs';
import { constants, brotliCompressSync } from 'node:zlib';
import { SHIPPED_IMAGE } from '../src/service/index.js';

const pglite = await PGlite.create();
await pglite.exec('CHECKPOINT');
const tar = Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer());
await pglite.close();
const packed = brotliCompressSync(tar, {
  params: {
    [constants.BROTLI_PARAM_QUALITY]: 11,
    [constants.BROTLI_PARAM_LGWIN]: 24,
    [constants.BROTLI_PARAM_SIZE_HINT]: tar.length,
  },
});
writeFileSync(SHIPPED_IMAGE, packed);
process.stdout.write(`${SHIPPED_IMAGE}: ${tar.length} bytes of tar, ${packed.length} packed\n`);
