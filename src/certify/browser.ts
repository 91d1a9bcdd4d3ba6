/**
 * The customer's browser: headless Chromium through playwright-core. Each journey gets its own
 * context (a clean profile) in which
 * - `https://js.fintoc.com/v1/` is routed to the sandbox's widget, so the shop's page is tested
 *   unchanged (against Fintoc's test mode nothing is routed);
 * - offline, Fintoc's hosted button images (`assets.fintoc.com`) are served by a stand-in of the
 *   same size, so the page looks and measures as it would online;
 * - a script records every `Fintoc.create(options)` (the options, not the callbacks) and every
 *   callback the widget made, with its time;
 * - every request and response is scanned for secret keys.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CertifyError } from './errors.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium binary (`CHROMIUM_PATH`, else Debian's), or null with the reason. */
export function findChromium(): { path: string } | { path: null; reason: string } {
  for (const path of [process.env.CHROMIUM_PATH, ...CANDIDATES])
    if (path && existsSync(path)) return { path };
  return { path: null, reason: 'Chromium not found (apt-get install -y chromium, or set CHROMIUM_PATH)' };
}

/**
 * Headless Chromium with the flags a closed network and a shared machine need. Close it with `close()`.
 *
 * @example
 * const browser = await launchChromium();
 * await browser.close();
 */
export async function launchChromium(): Promise<Browser> {
  const found = findChromium();
  if ('reason' in found) throw new CertifyError('chromium_missing', found.reason);
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

/** A `Fintoc.create` the page made: its plain options, when (epoch ms), and whether it opened. */
export interface CapturedCreate {
  at: number;
  options: Record<string, unknown>;
}

/** A widget callback the page received. */
export interface CapturedCall {
  at: number;
  kind: 'event' | 'success' | 'exit';
  name: string | null;
  metadata: Record<string, unknown> | null;
}

export interface Capture {
  creates: CapturedCreate[];
  calls: CapturedCall[];
}

/** Where a secret key was seen in the browser's traffic. */
export interface SecretSighting {
  url: string;
  where: 'request' | 'response';
}

const SECRET = /\b(?:sk_(?:live|test)_[A-Za-z0-9]{4,}|whsec_[A-Za-z0-9+/=_-]{6,})/;

/**
 * Runs in every page before its own scripts: wraps `window.Fintoc` when the widget script defines it,
 * so each `create(options)` and each callback is recorded. The shop's callbacks run unchanged.
 */
const CAPTURE_SCRIPT = `(() => {
  if (window.top !== window || window.__pasarelaCertify) return;
  const record = { creates: [], calls: [] };
  Object.defineProperty(window, '__pasarelaCertify', { value: record });
  // Kept outside the page too, so a navigation (to a result page, a reload) loses nothing.
  const send = (kind, entry) => {
    try { window.__pasarelaCertifyNote && window.__pasarelaCertifyNote(kind, entry); } catch (e) {}
  };
  const plain = (value, depth) => {
    if (typeof value === 'function') return '[function]';
    if (value === null || typeof value !== 'object') return value;
    if (depth > 3) return '[object]';
    if (Array.isArray(value)) return value.slice(0, 50).map((v) => plain(v, depth + 1));
    const out = {};
    for (const key of Object.keys(value).slice(0, 50)) out[key] = plain(value[key], depth + 1);
    return out;
  };
  const wrap = (fintoc) => {
    if (!fintoc || typeof fintoc.create !== 'function' || fintoc.__pasarelaCertified) return fintoc;
    const create = fintoc.create;
    fintoc.create = function (options) {
      const given = options || {};
      const created = { at: Date.now(), options: plain(given, 0) };
      record.creates.push(created);
      send('create', created);
      const copy = Object.assign({}, given);
      const note = (kind, name, metadata) => {
        const call = { at: Date.now(), kind, name: name ?? null, metadata: metadata ? plain(metadata, 1) : null };
        record.calls.push(call);
        send('call', call);
      };
      if (typeof given.onSuccess === 'function')
        copy.onSuccess = function () { note('success'); return given.onSuccess.apply(this, arguments); };
      else copy.onSuccess = () => note('success');
      if (typeof given.onExit === 'function')
        copy.onExit = function () { note('exit'); return given.onExit.apply(this, arguments); };
      else copy.onExit = () => note('exit');
      if (typeof given.onEvent === 'function')
        copy.onEvent = function (name, metadata) { note('event', name, metadata); return given.onEvent.apply(this, arguments); };
      else copy.onEvent = (name, metadata) => note('event', name, metadata);
      return create.call(this, copy);
    };
    try { Object.defineProperty(fintoc, '__pasarelaCertified', { value: true }); } catch (e) {}
    return fintoc;
  };
  let current = wrap(window.Fintoc);
  try {
    Object.defineProperty(window, 'Fintoc', {
      configurable: true,
      enumerable: true,
      get: () => current,
      set: (value) => { current = wrap(value); },
    });
  } catch (e) {}
})();`;

/** Fintoc's hosted button, drawn for offline runs at the size Fintoc serves it. */
export function standInButtonSvg(imgName: string): string {
  const dark = imgName.includes('_dark');
  const label = imgName.includes('_mx') ? 'Paga con transferencia' : 'Paga con tu banco';
  const bg = dark ? '#0b1b3b' : '#ffffff';
  const fg = dark ? '#ffffff' : '#0b1b3b';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="52" viewBox="0 0 320 52">` +
    `<rect x="0.5" y="0.5" width="319" height="51" rx="8" fill="${bg}" stroke="#0b1b3b"/>` +
    `<text x="138" y="32" font-family="Helvetica, Arial, sans-serif" font-size="17" font-weight="600" text-anchor="middle" fill="${fg}">${label}</text>` +
    `<g transform="translate(268 14)"><rect width="24" height="24" rx="6" fill="#3b63f3"/>` +
    `<text x="12" y="17" font-family="Helvetica, Arial, sans-serif" font-size="13" font-weight="700" text-anchor="middle" fill="#fff">F</text></g>` +
    `</svg>`
  );
}

export interface ContextOptions {
  /** Where `https://js.fintoc.com/v1/` is served from (the sandbox's `/v1/`), or null (the real one). */
  widgetUrl: string | null;
  /** Serve stand-ins for Fintoc's hosted images, and refuse other outside hosts (offline runs). */
  offline: boolean;
  /** Hosts the page may reach when offline (the shop's, the sandbox's). */
  localHosts: string[];
  /** Fintoc's hosts (the sandbox's): their responses are not scanned for the shop's secrets. */
  fintocHosts: string[];
  viewport?: { width: number; height: number };
}

export interface JourneyBrowser {
  context: BrowserContext;
  page: Page;
  /** What the page's `Fintoc` saw so far. */
  capture(): Promise<Capture>;
  /** Every secret key seen in the traffic so far (waits for pending response bodies). */
  secrets(): Promise<SecretSighting[]>;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\./.test(host);
}

/**
 * A fresh context and page for one journey.
 *
 * @example
 * const j = await openJourney(browser, { widgetUrl: `${sandbox}/v1/`, offline: true, localHosts: [] });
 */
export async function openJourney(browser: Browser, o: ContextOptions): Promise<JourneyBrowser> {
  const context = await browser.newContext({
    viewport: o.viewport ?? { width: 390, height: 844 },
    deviceScaleFactor: 1,
    locale: 'es-CL',
  });
  // Generous: these bound only steps that should happen (a page loading on a busy machine).
  context.setDefaultTimeout(60_000);
  await context.addInitScript(CAPTURE_SCRIPT);
  if (o.widgetUrl) {
    const target = o.widgetUrl;
    await context.route(/^https:\/\/js\.fintoc\.com\/v1\/?(\?.*)?$/, async (route) => {
      try {
        await route.fulfill({ response: await route.fetch({ url: target }) });
      } catch {
        await route.abort('connectionrefused').catch(() => {});
      }
    });
  }
  if (o.offline) {
    const allowed = new Set(o.localHosts);
    await context.route(
      (url) => url.protocol.startsWith('http') && !isLoopback(url.hostname) && !allowed.has(url.host),
      async (route) => {
        const url = new URL(route.request().url());
        if (url.host === 'assets.fintoc.com') {
          const name = url.searchParams.get('img_name') ?? 'button_cl_light_trailing';
          await route.fulfill({ status: 200, contentType: 'image/svg+xml', body: standInButtonSvg(name) });
        } else if (url.host !== 'js.fintoc.com') {
          await route.abort('internetdisconnected');
        } else {
          await route.fallback();
        }
      },
    );
  }
  const sightings: SecretSighting[] = [];
  const pending: Array<Promise<void>> = [];
  context.on('request', (request) => {
    const headers = request.headers();
    const seen = `${request.url()} ${headers.authorization ?? ''} ${request.postData() ?? ''}`;
    if (SECRET.test(seen)) sightings.push({ url: request.url().slice(0, 200), where: 'request' });
  });
  const fintocHosts = new Set(o.fintocHosts);
  context.on('response', (response) => {
    // Fintoc's (or the sandbox's) own answers hold no shop secret; the shop's pages and APIs might.
    if (fintocHosts.has(new URL(response.url()).host)) return;
    const type = response.headers()['content-type'] ?? '';
    if (!/json|text|javascript|html|xml/.test(type) || /image\//.test(type)) return;
    pending.push(
      response
        .text()
        .then((body) => {
          if (SECRET.test(body)) sightings.push({ url: response.url().slice(0, 200), where: 'response' });
        })
        .catch(() => {}),
    );
  });
  const captured: Capture = { creates: [], calls: [] };
  await context.exposeBinding('__pasarelaCertifyNote', (source, kind: unknown, entry: unknown) => {
    // Only the top page's widget counts (a frame could post anything).
    if (source.frame !== source.page.mainFrame() || typeof entry !== 'object' || entry === null) return;
    if (kind === 'create') captured.creates.push(entry as CapturedCreate);
    else if (kind === 'call') captured.calls.push(entry as CapturedCall);
  });
  const page = await context.newPage();
  return {
    context,
    page,
    capture: async () => ({ creates: [...captured.creates], calls: [...captured.calls] }),
    secrets: async () => {
      await Promise.all(pending);
      return [...sightings];
    },
    close: async () => {
      await Promise.all(pending);
      await context.close().catch(() => {});
    },
  };
}

/** The Checkout Session a widget's `sessionToken` names (`cs_…_sec_…` → `cs_…`), or null. */
export function sessionOfToken(token: unknown): string | null {
  if (typeof token !== 'string') return null;
  const m = /^(cs_[A-Za-z0-9]+)_sec_[A-Za-z0-9]+$/.exec(token);
  return m ? (m[1] as string) : null;
}

/** The widget token's payment intent id (`pi_…_sec_…` → `pi_…`), or null. */
export function intentOfToken(token: unknown): string | null {
  if (typeof token !== 'string') return null;
  const m = /^(pi_[A-Za-z0-9]+)_sec_[A-Za-z0-9]+$/.exec(token);
  return m ? (m[1] as string) : null;
}
