import { describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from './index.js';
import pkg from '../../package.json' with { type: 'json' };

describe('pasarela CLI', () => {
  it('prints its version from package.json', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'pasarela', '--version'])).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain(pkg.version);
    } finally {
      out.mockRestore();
    }
  });

  it('prints help with exit code 0', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'pasarela', '--help'])).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('Usage: pasarela');
    } finally {
      out.mockRestore();
    }
  });

  it('rejects an unknown command with the usage exit code', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['node', 'pasarela', 'no-such-command'])).toBe(2);
    } finally {
      err.mockRestore();
    }
  });

  it('names each command it registers', () => {
    const names = buildProgram().commands.map((c) => c.name());
    expect(new Set(names).size).toBe(names.length);
  });
});
