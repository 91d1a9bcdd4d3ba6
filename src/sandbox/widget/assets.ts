/**
 * The browser side of the widget, bundled from `./browser/*.ts` (or the compiled `.js` in a build) with
 * esbuild on first use and kept in memory: the loader script the merchant's page runs, and the frame's
 * script and page.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface BrowserBundles {
  loader: string;
  frame: string;
}

let bundles: Promise<BrowserBundles> | null = null;

function entry(name: string): string {
  for (const extension of ['.ts', '.js']) {
    const path = fileURLToPath(new URL(`./browser/${name}${extension}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(
    `sandbox widget: browser source ./browser/${name}.ts is missing next to ${import.meta.url}`,
  );
}

async function bundle(name: string): Promise<string> {
  const result = await build({
    entryPoints: [entry(name)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`sandbox widget: esbuild produced nothing for ${name}`);
  return output.text;
}

/** Both bundles, built once per process (a failed build is retried on the next call). */
export function browserBundles(): Promise<BrowserBundles> {
  bundles ??= Promise.all([bundle('loader'), bundle('frame')]).then(
    ([loader, frame]) => ({ loader, frame }),
    (error: unknown) => {
      bundles = null;
      throw error;
    },
  );
  return bundles;
}

/** The loader as served: the bundle, told which origin the request reached. */
export function loaderScript(loader: string, origin: string): string {
  return `(function () {\nvar __SANDBOX_ORIGIN__ = ${JSON.stringify(origin)};\n${loader}})();\n`;
}

/** The frame's page: a 360×680 white card over a 40 % black overlay, filled by the frame script. */
export const FRAME_HTML = `<!doctype html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fintoc (sandbox)</title>
<style>
  * { box-sizing: border-box; }
  html, body { margin: 0; height: 100%; background: transparent; }
  body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d2c; }
  .overlay { position: fixed; inset: 0; background: rgba(0, 0, 0, 0.4); display: flex; align-items: center; justify-content: center; }
  .card { position: relative; width: 360px; height: 680px; max-width: 100vw; max-height: 100vh; background: #fff; border-radius: 10px; display: flex; flex-direction: column; overflow: hidden; }
  header { display: flex; align-items: center; justify-content: space-between; padding: 14px 16px; border-bottom: 1px solid #ececf2; }
  header strong { font-size: 16px; letter-spacing: 0.02em; }
  #close { border: 0; background: none; font-size: 24px; line-height: 1; cursor: pointer; padding: 4px 8px; color: #555; }
  #banner { font-size: 12px; background: #fff6db; color: #6b5200; padding: 6px 16px; }
  #screen { flex: 1; overflow-y: auto; padding: 20px 16px; }
  h1 { font-size: 20px; margin: 0 0 12px; }
  label { display: block; font-weight: 600; margin: 12px 0 4px; }
  input { width: 100%; padding: 10px 12px; font: inherit; border: 1px solid #c9c9d6; border-radius: 8px; }
  input[readonly] { background: #f4f4f8; }
  button { font: inherit; cursor: pointer; }
  button:disabled { cursor: progress; opacity: 0.6; }
  button.primary, button.secondary, button.option { display: block; width: 100%; margin-top: 12px; padding: 11px 12px; border-radius: 8px; text-align: center; }
  button.primary { background: #3b2dd6; color: #fff; border: 1px solid #3b2dd6; }
  button.secondary { background: #fff; color: #3b2dd6; border: 1px solid #3b2dd6; }
  button.option { background: #fff; color: #1d1d2c; border: 1px solid #d5d5e0; text-align: left; }
  :focus-visible { outline: 3px solid #8c84ff; outline-offset: 2px; }
  .list { margin-top: 8px; }
  .hint { font-size: 13px; color: #5f5f73; margin-top: 16px; }
  .detail { font-size: 13px; color: #5f5f73; }
  .error { color: #b3261e; font-weight: 600; }
  .summary { display: grid; grid-template-columns: auto 1fr; gap: 6px 12px; margin: 0 0 8px; }
  .summary dt { color: #5f5f73; }
  .summary dd { margin: 0; font-weight: 600; }
</style>
</head>
<body>
<div class="overlay">
  <div class="card" role="dialog" aria-modal="true" aria-labelledby="brand" data-testid="widget-card">
    <header><strong id="brand">fintoc</strong><button type="button" id="close" aria-label="Cerrar" data-testid="widget-close">×</button></header>
    <div id="banner" data-testid="sandbox-banner">Modo de prueba</div>
    <main id="screen"></main>
  </div>
</div>
<script src="./frame.js"></script>
</body>
</html>
`;

/** The frame may only load its own script and talk to its own origin; any page may embed it. */
export const FRAME_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  'frame-ancestors *',
].join('; ');
