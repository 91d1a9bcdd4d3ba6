import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
};

describe('package layout', () => {
  it('gives every part of src/ one public face, index.ts', () => {
    const parts = readdirSync(join(root, 'src'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(parts.length).toBeGreaterThan(0);
    for (const part of parts)
      expect(existsSync(join(root, 'src', part.name, 'index.ts')), part.name).toBe(true);
  });

  it('points each export at a built file whose source exists', () => {
    for (const [name, target] of Object.entries(pkg.exports)) {
      if (name === './package.json') continue;
      const files = typeof target === 'string' ? [target] : Object.values(target);
      for (const file of files) {
        expect(file, name).toMatch(/^\.\/dist\//);
        const source = file.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$|\.js$/, '.ts');
        expect(existsSync(join(root, source)), `${name} → ${source}`).toBe(true);
      }
    }
    expect(Object.keys(pkg.exports)).toEqual(
      expect.arrayContaining([
        './fintoc',
        './sandbox',
        './service',
        './checkout',
        './reconcile',
        './golive',
        './certify',
      ]),
    );
  });

  it('ships a bin that exists', () => {
    expect(existsSync(join(root, pkg.bin.pasarela!))).toBe(true);
  });
});
