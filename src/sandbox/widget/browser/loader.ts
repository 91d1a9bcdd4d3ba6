/**
 * The sandbox's `https://js.fintoc.com/v1/`: defines `window.Fintoc.create(options)`. Like Fintoc's
 * reference design, it embeds one full-viewport iframe (hidden until `open()`) served by the
 * sandbox, sends it the options by `postMessage`, and turns the frame's messages into the merchant's
 * `onEvent`, `onSuccess` and `onExit` callbacks.
 */
import { CHANNEL, FRAME_PATH, dataOptions, isToParent, type Payload, type ToFrame } from './protocol.js';

/** Replaced when the sandbox serves the script: the origin the request reached. */
declare const __SANDBOX_ORIGIN__: string;

interface FintocWidget {
  open(): void;
  hide(): void;
  close(): void;
  destroy(): void;
}

type Callback = (...args: unknown[]) => unknown;

/**
 * Where the frame lives. The script's own `src` when it names the server that served it (it keeps
 * the page's scheme behind a TLS proxy); otherwise, e.g. when a test routes `https://js.fintoc.com/v1/`
 * to the sandbox, the origin the sandbox saw the request on.
 */
function sandboxOrigin(): string {
  const served = new URL(__SANDBOX_ORIGIN__);
  const script = document.currentScript;
  if (script instanceof HTMLScriptElement && script.src) {
    try {
      const src = new URL(script.src, location.href);
      if (src.host === served.host) return src.origin;
    } catch {
      // An unparsable src cannot be where we came from; fall back to what the server saw.
    }
  }
  return served.origin;
}

const ORIGIN = sandboxOrigin();
let created = 0;

function call(name: string, callback: unknown, args: unknown[]): void {
  if (typeof callback !== 'function') return;
  try {
    (callback as Callback)(...args);
  } catch (error) {
    // A merchant's callback that throws must not break the widget; report it where they will look.
    console.error(`Fintoc widget: ${name} threw`, error);
  }
}

function create(options: Record<string, unknown> = {}): FintocWidget {
  created += 1;
  const widgetId = `w${created}_${Math.random().toString(36).slice(2, 10)}`;
  const frameUrl = new URL(FRAME_PATH, ORIGIN);
  frameUrl.searchParams.set('widget', widgetId);
  frameUrl.searchParams.set('origin', location.origin);

  const iframe = document.createElement('iframe');
  iframe.src = frameUrl.href;
  iframe.title = 'Fintoc';
  iframe.setAttribute('data-fintoc-widget', widgetId);
  iframe.style.cssText =
    'position:fixed;inset:0;width:100%;height:100%;border:0;margin:0;padding:0;' +
    'z-index:2147483647;background:transparent;color-scheme:normal;display:none';
  (document.body ?? document.documentElement).appendChild(iframe);

  let ready = false;
  let openPending = false;
  let destroyed = false;

  const send = (message: Payload<ToFrame>): void => {
    iframe.contentWindow?.postMessage({ channel: CHANNEL, widgetId, ...message }, ORIGIN);
  };

  const onMessage = (event: MessageEvent): void => {
    if (event.source !== iframe.contentWindow || event.origin !== ORIGIN) return;
    const message: unknown = event.data;
    if (!isToParent(message, widgetId)) return;
    switch (message.type) {
      case 'listening':
        send({ type: 'configure', options: dataOptions(options) });
        ready = true;
        if (openPending) {
          openPending = false;
          send({ type: 'open' });
        }
        return;
      case 'event':
        call('onEvent', options.onEvent, [message.name, message.metadata]);
        return;
      case 'success':
        call('onSuccess', options.onSuccess, []);
        return;
      case 'exit':
        call('onExit', options.onExit, []);
        return;
      case 'hide':
        iframe.style.display = 'none';
        return;
    }
  };
  window.addEventListener('message', onMessage);

  const hide = (): void => {
    iframe.style.display = 'none';
  };

  return {
    open() {
      // Opening an open widget is a no-op, as it is for the customer who sees it already.
      if (destroyed || iframe.style.display !== 'none') return;
      iframe.style.display = 'block';
      // A modal: keyboard focus goes into the widget, as it does for a mouse user's eyes.
      iframe.focus();
      if (ready) send({ type: 'open' });
      else openPending = true;
    },
    hide,
    close: hide,
    destroy() {
      destroyed = true;
      window.removeEventListener('message', onMessage);
      iframe.remove();
    },
  };
}

(window as unknown as { Fintoc: { create: typeof create } }).Fintoc = { create };
