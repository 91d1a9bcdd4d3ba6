/**
 * Bundles the browser module with esbuild, once per process. The service serves the result at
 * `/pay/assets/checkout.js`; a shop can also fetch it from there or bundle `mount` itself.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let cached: Promise<string> | null = null;

function entryPoint(): string {
  // Run from sources (tsx) the entry is TypeScript; from a build, its compiled twin beside this file.
  for (const name of ['browser.ts', 'browser.js']) {
    const path = fileURLToPath(new URL(`./${name}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('checkout bundle: browser entry not found beside src/checkout/bundle');
}

/**
 * The checkout's browser script (an IIFE defining `window.Pasarela`), built on first call and cached.
 *
 * @example
 * reply.type('text/javascript').send(await checkoutBundle());
 */
export function checkoutBundle(): Promise<string> {
  if (cached) return cached;
  const building = (async () => {
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [entryPoint()],
      bundle: true,
      format: 'iife',
      platform: 'browser',
      target: ['es2020'],
      minify: true,
      legalComments: 'none',
      write: false,
      logLevel: 'silent',
    });
    const file = result.outputFiles[0];
    if (!file) throw new Error('checkout bundle: esbuild produced no output');
    return file.text;
  })();
  cached = building;
  building.then(
    () => settled.add(building),
    () => {
      settled.add(building);
      if (cached === building) cached = null;
    },
  );
  return building;
}

/**
 * Stops esbuild's helper process if a bundle is being built: a service closing right after its
 * start must not wait for a build nobody needs any more (the process would stay alive meanwhile).
 */
export async function stopCheckoutBundle(): Promise<void> {
  const pending = cached;
  if (pending === null || settled.has(pending)) return;
  const { stop } = await import('esbuild');
  // The build in flight never settles once esbuild has stopped: drop it rather than wait for it.
  await stop();
  if (cached === pending) cached = null;
}

/** Builds that have finished (a finished one is kept; only a build in flight is stopped). */
const settled = new WeakSet<Promise<string>>();
