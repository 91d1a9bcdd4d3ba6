/**
 * The eslint rule that keeps the parts of src/ apart (eslint-rules/parts.js), run through the
 * project's own eslint configuration on made-up files: it catches a reach into another part from
 * any depth, an import against the direction docs/architecture.md draws, and src/ importing tests;
 * and its map is the table of docs/architecture.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { PART_IMPORTS } from '../../eslint-rules/parts.js';

const ROOT = join(import.meta.dirname, '..', '..');
const eslint = new ESLint({ cwd: ROOT });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'pasarela/part-boundaries')
    .map((m) => m.message);
}

// Each lint resolves the made-up file's imports and walks the module graph of src/ for the cycle rule:
// 10–30 s alone on 2 cores, several times that beside a full parallel run.
describe('pasarela/part-boundaries', { timeout: 180_000 }, () => {
  it('accepts a part face, the same part from any depth, and npm packages', async () => {
    expect(
      await problems(
        'src/service/routes/pay/made-up.ts',
        [
          "import { renderCheckoutPage } from '../../../checkout/index.js';",
          "import { verify } from '../../../fintoc/index.js';",
          "import { ServiceError } from '../../errors.js';",
          "import Fastify from 'fastify';",
          'export const x = [renderCheckoutPage, verify, ServiceError, Fastify];',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it("reports another part's inner file from any depth, in imports, re-exports and import()", async () => {
    const found = await problems(
      'src/service/routes/pay/made-up.ts',
      [
        "import { renderCheckoutPage } from '../../../checkout/view.js';",
        "export { PaymentIntentSchema } from '../../../fintoc/schemas.js';",
        "export * from '../../../fintoc/client.js';",
        "export const later = () => import('../../../checkout/page.js');",
        'export const x = renderCheckoutPage;',
      ].join('\n'),
    );
    expect(found).toHaveLength(4);
    for (const message of found) expect(message).toMatch(/only through its index\.js/);
  });

  it('reports an import against the direction of the architecture', async () => {
    const fromSandbox = await problems(
      'src/sandbox/made-up.ts',
      "import { buildApp } from '../service/index.js';\nexport const x = buildApp;",
    );
    expect(fromSandbox).toEqual([expect.stringMatching(/src\/sandbox may not import src\/service/)]);
    const fromFintoc = await problems(
      'src/fintoc/deep/made-up.ts',
      "export const load = () => import('../../sandbox/index.js');",
    );
    expect(fromFintoc).toEqual([expect.stringMatching(/src\/fintoc may not import src\/sandbox/)]);
    const bySelfName = await problems(
      'src/service/made-up.ts',
      "import { startSandbox } from 'pasarela/sandbox';\nexport const x = startSandbox;",
    );
    expect(bySelfName).toEqual([expect.stringMatching(/src\/service may not import src\/sandbox/)]);
  });

  it('reports code under src/ importing tests or benchmarks (tests beside the code may)', async () => {
    const code =
      "import { startPostgres } from '../../test/support/postgres.js';\nexport const x = startPostgres;";
    expect(await problems('src/service/made-up.ts', code)).toEqual([expect.stringMatching(/outside src\//)]);
    expect(await problems('src/service/made-up.test.ts', code)).toEqual([]);
  });

  it('runs with the import-cycle rule on every file of src/', async () => {
    for (const file of ['src/service/app.ts', 'src/sandbox/core.ts', 'src/fintoc/client.ts']) {
      const config = (await eslint.calculateConfigForFile(join(ROOT, file))) as {
        rules: Record<string, unknown>;
      };
      expect(config.rules['import-x/no-cycle'], file).toEqual([
        2,
        expect.objectContaining({ ignoreExternal: true }),
      ]);
      expect(config.rules['pasarela/part-boundaries'], file).toEqual([2]);
    }
  });

  it('has the same map as the table in docs/architecture.md', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    const table: Record<string, string[]> = {};
    for (const line of doc.split('\n')) {
      const m = /^\|\s*`src\/([a-z]+)`\s*\|([^|]*)\|/.exec(line);
      if (!m) continue;
      const cell = m[2]!;
      table[m[1]!] = /every part/.test(cell)
        ? ['*']
        : [...cell.matchAll(/`src\/([a-z]+)`/g)].map((x) => x[1]!).sort();
    }
    const map = Object.fromEntries(
      Object.entries(PART_IMPORTS).map(([part, allowed]) => [part, [...allowed].sort()]),
    );
    expect(table).toEqual(map);
  });
});
