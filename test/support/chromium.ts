/**
 * Finds Debian's Chromium for browser tests. Tests call `skipWithoutChromium()` and skip with the
 * printed reason where it is missing (a laptop without it); `.ci/run` installs it, so CI skips
 * nothing. Finding and launching it is certify's own code (the certification runs in Chromium
 * too), so tests and `pasarela certify` use the same browser with the same flags.
 */
import { findChromium, launchChromium } from '../../src/certify/index.js';

export { findChromium, launchChromium };

/** Prints why browser tests are skipped and returns true when they must be. */
export function skipWithoutChromium(suite: string): boolean {
  const found = findChromium();
  if (!('reason' in found)) return false;
  console.warn(`[skip] ${suite}: ${found.reason}`);
  return true;
}
