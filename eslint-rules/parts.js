/**
 * `pasarela/part-boundaries`: the parts of `src/` meet only through their faces, and only in the
 * direction docs/architecture.md draws. For every import, re-export and `import()` of a file in
 * `src/<part>/` it resolves the specifier (from any depth: `../x`, `../../../x`, `pasarela/x`) and
 * reports:
 * - another part's inner file (only `src/<part>/index.ts` is a part's face);
 * - a part this part may not import (the map below, the same as docs/architecture.md's table);
 * - anything outside `src/` (tests, benchmarks, scripts), except from a test beside the code.
 */
import { dirname, relative, resolve, sep } from 'node:path';

/** Which parts each part may import (through their faces). `*`: every part. */
export const PART_IMPORTS = {
  fintoc: [],
  checkout: [],
  sandbox: ['fintoc'],
  service: ['fintoc', 'checkout', 'reconcile'],
  golive: ['fintoc', 'service'],
  certify: ['fintoc', 'reconcile'],
  reconcile: ['fintoc'],
  cli: ['*'],
};

const FACE = /^index\.(js|ts)$/;

/** @type {import('eslint').Rule.RuleModule} */
export const partBoundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'Parts of src/ import each other only through their index, one way.' },
    schema: [],
    messages: {
      inner:
        "'{{specifier}}' reaches inside src/{{target}}: import another part only through its index.js (its one public face).",
      direction:
        'src/{{from}} may not import src/{{target}} (docs/architecture.md: src/{{from}} imports {{allowed}}). Talk over HTTP, or move the code.',
      unknownPart:
        'src/{{from}} is not in the part map of eslint-rules/parts.js: add it there and to docs/architecture.md.',
      outside: "'{{specifier}}' is outside src/: code under src/ never imports tests, benchmarks or scripts.",
    },
  },
  create(context) {
    const filename = context.filename;
    const srcRoot = resolve(context.cwd, 'src');
    const fromRel = relative(srcRoot, filename);
    if (fromRel.startsWith('..') || !fromRel.includes(sep)) return {};
    const from = fromRel.split(sep)[0];
    // Tests beside the code may use the project's test helpers and fixtures.
    const isTest = /\.test\.ts$/.test(filename);

    function check(node, specifier) {
      if (typeof specifier !== 'string') return;
      let target;
      if (specifier.startsWith('pasarela/')) {
        target = resolve(srcRoot, specifier.slice('pasarela/'.length), 'index.js');
      } else if (specifier.startsWith('.')) {
        target = resolve(dirname(filename), specifier);
      } else {
        return;
      }
      const rel = relative(srcRoot, target);
      if (rel.startsWith('..')) {
        if (isTest) return;
        context.report({ node, messageId: 'outside', data: { specifier } });
        return;
      }
      const [part, ...rest] = rel.split(sep);
      if (part === from) return;
      if (rest.length !== 1 || !FACE.test(rest[0])) {
        context.report({ node, messageId: 'inner', data: { specifier, target: part } });
        return;
      }
      const allowed = PART_IMPORTS[from];
      if (!allowed) {
        context.report({ node, messageId: 'unknownPart', data: { from } });
        return;
      }
      if (!allowed.includes('*') && !allowed.includes(part)) {
        context.report({
          node,
          messageId: 'direction',
          data: {
            from,
            target: part,
            allowed: allowed.length ? allowed.map((p) => `src/${p}`).join(', ') : 'no other part',
          },
        });
      }
    }

    const fromSource = (node) => {
      if (node.source && node.source.type === 'Literal') check(node.source, node.source.value);
    };
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node.source, node.source.value);
        else if (node.source.type === 'TemplateLiteral' && node.source.expressions.length === 0)
          check(node.source, node.source.quasis[0].value.cooked);
      },
    };
  },
};

export default { rules: { 'part-boundaries': partBoundaries } };
