/**
 * `npm install` prints no engine warning on any Node.js the package says it supports: every
 * package in the lockfile accepts the oldest Node.js of our `engines` field (a dependency that
 * wants a newer one makes npm warn, and may not run there).
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

describe('engines', () => {
  // The oldest Node.js of each line the engines field allows (`^20.19.0 || ^22.13.0` gives two).
  const oldest = pkg.engines.node.split('||').map((r) => semver.minVersion(r.trim())!.version);

  it('supports the current LTS lines of Node.js (22, 24) and this machine’s', () => {
    for (const v of ['22.13.0', '24.0.0', process.versions.node]) {
      expect(semver.satisfies(v, pkg.engines.node), v).toBe(true);
    }
  });

  it('every locked package runs on the oldest Node.js of each line the engines field allows', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, p]) => {
        const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
        const refused = range ? oldest.filter((v) => !semver.satisfies(v, range)) : [];
        return refused.length ? [`${path}@${p.version}: node ${range} (not ${refused.join(', ')})`] : [];
      });
    expect(refusing).toEqual([]);
  });
});
