/**
 * Finds Debian's Chromium for browser tests. Tests call `chromiumOrSkip()` and skip with the printed
 * reason where it is missing (a laptop without it); `.ci/run` installs it, so CI skips nothing.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium binary, or null with the reason it is missing. */
export function findChromium(): { path: string } | { path: null; reason: string } {
  for (const path of CANDIDATES) if (path && existsSync(path)) return { path };
  return { path: null, reason: 'Chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)' };
}

/** Prints why browser tests are skipped and returns true when they must be. */
export function skipWithoutChromium(suite: string): boolean {
  const found = findChromium();
  if (!('reason' in found)) return false;
  console.warn(`[skip] ${suite}: ${found.reason}`);
  return true;
}

/** Launches headless Chromium with the flags this closed network needs. Close it with `browser.close()`. */
export async function launchChromium(): Promise<Browser> {
  const found = findChromium();
  if ('reason' in found) throw new Error(found.reason);
  // Playwright gives each launch its own empty profile and removes it on close.
  return chromium.launch({
    executablePath: found.path as string,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}
