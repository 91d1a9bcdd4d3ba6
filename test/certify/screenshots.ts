/**
 * Writes docs/screenshots/certify-report.png: `pasarela certify` run on the bundled service, and the
 * top of its report.html (headline, what was certified, every scenario's verdict) in Chromium.
 *
 * Run on demand: `npx tsx test/certify/screenshots.ts` (needs Chromium, like the browser tests).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from '../support/chromium.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, 'docs', 'screenshots', 'certify-report.png');

const dir = mkdtempSync(join(tmpdir(), 'pasarela-certify-shot-'));
try {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'pasarela.mjs'), 'certify', '--out', dir], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  });
  if (run.status !== 0) throw new Error(`pasarela certify exited with ${run.status}`);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 1180 }, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(join(dir, 'report.html')).href);
    await page.screenshot({ path: OUT });
    console.log('docs/screenshots/certify-report.png');
  } finally {
    await browser.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
