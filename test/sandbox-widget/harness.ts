/**
 * What the browser tests share: a shop page on its own 127.0.0.1 port (another origin than the
 * sandbox, as in production) that loads the widget either with a `<script>` tag or through the
 * official `@fintoc/fintoc-js` loader, and helpers to read the callbacks and drive the frame.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import Fastify, { type FastifyInstance } from 'fastify';
import type { FrameLocator, Page } from 'playwright-core';

export type LoadedBy = 'script-tag' | 'fintoc-js';

/** One callback the shop page saw, in the order it saw them. */
export type LogEntry =
  | { kind: 'event'; name: string; metadata: { timestamp: number } & Record<string, unknown> }
  | { kind: 'success'; args: number }
  | { kind: 'exit'; args: number };

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The official loader, bundled for a page: it exposes `window.getFintoc`. */
export async function fintocJsBundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents: "import { getFintoc } from '@fintoc/fintoc-js'; window.getFintoc = getFintoc;",
      resolveDir: REPO,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no fintoc-js bundle');
  return output.text;
}

function shopPage(loaderTag: string): string {
  return `<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Tienda de prueba</title></head>
<body>
<h1>Tienda de prueba</h1>
<script>
  window.widgetLog = [];
  window.openWidget = async (options) => {
    const Fintoc = window.getFintoc ? await window.getFintoc() : window.Fintoc;
    const record = (entry) => window.widgetLog.push(entry);
    window.widget = Fintoc.create({
      ...options,
      onSuccess: (...args) => record({ kind: 'success', args: args.length }),
      onExit: (...args) => record({ kind: 'exit', args: args.length }),
      onEvent: (name, metadata) => record({ kind: 'event', name, metadata }),
    });
    window.widget.open();
  };
</script>
${loaderTag}
</body></html>`;
}

/** Serves the shop's pages for a sandbox at `sandboxUrl`: `/script-tag` and `/fintoc-js`. */
export async function startShop(sandboxUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const fintocJs = await fintocJsBundle();
  const shop: FastifyInstance = Fastify();
  shop.get('/script-tag', async (_request, reply) =>
    reply.type('text/html').send(shopPage(`<script src="${sandboxUrl}/widget.js"></script>`)),
  );
  shop.get('/fintoc-js', async (_request, reply) =>
    reply.type('text/html').send(shopPage('<script src="/fintoc-js.js"></script>')),
  );
  shop.get('/fintoc-js.js', async (_request, reply) => reply.type('application/javascript').send(fintocJs));
  const url = await shop.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => shop.close() };
}

/**
 * Opens the shop page. Through `fintoc-js` the loader requests `https://js.fintoc.com/v1`, which is
 * routed to the sandbox's `/v1/`; the returned list holds every such request.
 */
export async function openShop(
  page: Page,
  shopUrl: string,
  sandboxUrl: string,
  by: LoadedBy,
): Promise<string[]> {
  const routed: string[] = [];
  if (by === 'fintoc-js') {
    await page.route(/^https:\/\/js\.fintoc\.com\/v1\/?(\?.*)?$/, async (route) => {
      routed.push(route.request().url());
      const response = await route.fetch({ url: `${sandboxUrl}/v1/` });
      await route.fulfill({ response });
    });
  }
  await page.goto(`${shopUrl}/${by}`);
  return routed;
}

export async function openWidget(page: Page, options: Record<string, unknown>): Promise<void> {
  await page.evaluate(
    (widgetOptions) =>
      (window as unknown as { openWidget(o: unknown): Promise<void> }).openWidget(widgetOptions),
    options,
  );
}

export function widgetLog(page: Page): Promise<LogEntry[]> {
  return page.evaluate(() => (window as unknown as { widgetLog: LogEntry[] }).widgetLog);
}

/** Waits (Playwright's own polling, no fixed sleep) until the page has seen this event or callback. */
export async function waitForLog(page: Page, kind: 'success' | 'exit' | `event:${string}`): Promise<void> {
  await page.waitForFunction((wanted) => {
    const log = (window as unknown as { widgetLog: LogEntry[] }).widgetLog;
    return log.some((entry) => (entry.kind === 'event' ? `event:${entry.name}` : entry.kind) === wanted);
  }, kind);
}

/** What the page saw, as `event:name`, `success` and `exit`. */
export async function logNames(page: Page): Promise<string[]> {
  return (await widgetLog(page)).map((entry) =>
    entry.kind === 'event' ? `event:${entry.name}` : entry.kind,
  );
}

/**
 * A barrier: the frame posts a marker event and we wait until the page got it. Messages from one
 * window arrive in order, so whatever the frame sent before has been delivered too. The marker is
 * then dropped from the log.
 */
export async function flushFrame(page: Page): Promise<void> {
  const iframe = page.locator('iframe[data-fintoc-widget]');
  const widgetId = await iframe.getAttribute('data-fintoc-widget');
  const parentOrigin = new URL(page.url()).origin;
  await page
    .frameLocator('iframe[data-fintoc-widget]')
    .locator('body')
    .evaluate(
      (_body, [id, origin]) =>
        window.parent.postMessage(
          {
            channel: 'pasarela-sandbox-widget',
            widgetId: id,
            type: 'event',
            name: '__flush__',
            metadata: { timestamp: 0 },
          },
          origin as string,
        ),
      [widgetId, parentOrigin],
    );
  await waitForLog(page, 'event:__flush__');
  await page.evaluate(() => {
    const holder = window as unknown as { widgetLog: LogEntry[] };
    holder.widgetLog = holder.widgetLog.filter(
      (entry) => !(entry.kind === 'event' && entry.name === '__flush__'),
    );
  });
}

/**
 * Records every request the page sends (URL and body) and every body it receives. Call the result
 * while the page is alive: a closed context can leave a body unreadable.
 */
export function recordTraffic(page: Page): () => Promise<string[]> {
  const traffic: Promise<string>[] = [];
  page.on('request', (request) =>
    traffic.push(Promise.resolve(`${request.url()} ${request.postData() ?? ''}`)),
  );
  page.on('response', (response) => traffic.push(response.text().catch(() => '')));
  return () => Promise.all(traffic);
}

export function widgetFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe[data-fintoc-widget]');
}

export interface BankSteps {
  institution?: string | null;
  username?: string;
  password?: string;
  account?: string;
  codes?: string[];
}

/** Chooses the bank (unless pre-selected: `institution: null`) and logs in with Chilean test credentials. */
export async function logIn(frame: FrameLocator, steps: BankSteps = {}): Promise<void> {
  const institution = steps.institution === undefined ? 'cl_banco_de_chile' : steps.institution;
  if (institution !== null) await frame.getByTestId(`institution-${institution}`).click();
  await frame.getByTestId('login-username').fill(steps.username ?? '41614850-3');
  await frame.getByTestId('login-password').fill(steps.password ?? 'jonsnow');
  await frame.getByTestId('login-submit').click();
  await frame.getByTestId('screen-accounts').waitFor();
}

/** From the account list: chooses the account, confirms, and passes its second factor. */
export async function chooseAccount(frame: FrameLocator, steps: BankSteps = {}): Promise<void> {
  await frame.getByTestId(`account-${steps.account ?? '813990168'}`).click();
  await frame.getByTestId('confirm-continue').click();
  const codes = steps.codes ?? ['000000'];
  for (const [index, code] of codes.entries()) await frame.getByTestId(`mfa-code-${index + 1}`).fill(code);
  if (codes.length > 0) await frame.getByTestId('mfa-submit').click();
  await frame.getByTestId('screen-authorize').waitFor();
}

/** Clicks through the Chilean bank flow up to the authorize screen. */
export async function reachAuthorize(frame: FrameLocator, steps: BankSteps = {}): Promise<void> {
  await logIn(frame, steps);
  await chooseAccount(frame, steps);
}

/** The events of a Chilean payment up to the authorize screen, for a device-code account. */
export const CL_EVENTS_TO_AUTHORIZE = [
  'event:opened',
  'event:on_available_institutions',
  'event:on_authentication_form',
  'event:creating_link',
  'event:link_created',
  'event:selecting_account',
  'event:payment_intent_confirmation_required',
  'event:device_authentication_required',
  'event:validating_second_factor',
];
