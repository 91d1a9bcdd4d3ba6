/**
 * Nothing in the project points at documents that are not in the repository: the design notes, the
 * style notes and the Fintoc API notes its engineers read live outside it, so a comment, doc or test
 * naming them (or a section number in them) sends a reader nowhere. Say the fact itself, or point
 * at a file of the repository.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SCANNED = ['src', 'test', 'docs', 'examples', 'bench', 'chaos', 'README.md', 'eslint.config.js', '.ci'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.pasarela', 'screenshots', 'fixtures']);
const TEXT = /\.(ts|js|mjs|cjs|json|md|html|css|txt|sh|yml|yaml)$|^run$/;

/** Pointers to documents outside the repository, each with what to write instead. */
const POINTERS: Array<{ pattern: RegExp; why: string }> = [
  { pattern: /\bDESIGN(\.md)?\b/, why: 'the design notes are not in the repository' },
  { pattern: /\bSTYLE(\.md| item)\b/, why: 'the style notes are not in the repository' },
  { pattern: /\bfintoc-api\b/i, why: 'the Fintoc API notes are not in the repository' },
  { pattern: /\.\.\/shared\b|\/work\/shared\b/, why: 'a path outside the repository' },
  { pattern: /go-live-checklist\.txt/, why: 'the checklist file is not in the repository' },
  {
    pattern: /\bpart (one|two)\b.{0,12}§|§\s?\d/,
    why: 'a section number of a document outside the repository',
  },
];

function files(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (stat.isFile()) return TEXT.test(path.split('/').pop() ?? '') ? [path] : [];
  return readdirSync(path).flatMap((name) => (SKIPPED_DIRS.has(name) ? [] : files(join(path, name))));
}

function findPointers(): Array<{ file: string; line: number; text: string; why: string }> {
  const found: Array<{ file: string; line: number; text: string; why: string }> = [];
  const self = relative(ROOT, import.meta.filename);
  for (const abs of SCANNED.flatMap((p) => files(join(ROOT, p)))) {
    const file = relative(ROOT, abs);
    if (file === self) continue;
    readFileSync(abs, 'utf8')
      .split('\n')
      .forEach((text, i) => {
        for (const { pattern, why } of POINTERS) {
          if (pattern.test(text)) found.push({ file, line: i + 1, text: text.trim().slice(0, 160), why });
        }
      });
  }
  return found;
}

describe('documents outside the repository', () => {
  const found = findPointers();

  it('no comment, doc, test or script points at one', () => {
    expect(found.map((f) => `${f.file}:${f.line}: ${f.why}: ${f.text}`)).toEqual([]);
  });

  it('the patterns catch the pointers that used to be in the project', () => {
    const samples = [
      '/** The payment as the API returns it (DESIGN.md §4.2). */',
      ' * The webhook inbox (STYLE.md item 9): verify the signature',
      '/** The documented test account of each country (fintoc-api.md §4, §5). */',
      "these are this sandbox's choices (fintoc-api.md part two §1):",
      '| widget: `onSuccess` argument (§1.1) |',
      'cp ../shared/seed/x .',
      '| measure | goal (DESIGN.md §7) |',
    ];
    for (const sample of samples) {
      expect(
        POINTERS.some(({ pattern }) => pattern.test(sample)),
        sample,
      ).toBe(true);
    }
    expect(POINTERS.some(({ pattern }) => pattern.test('See docs/service.md, "Errors".'))).toBe(false);
  });
});
