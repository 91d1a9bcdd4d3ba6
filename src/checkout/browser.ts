/**
 * Entry of the bundled script (`/pay/assets/checkout.js`): defines `window.Pasarela` and mounts every
 * element marked `data-pasarela-checkout`, which is how the hosted page uses it without inline script.
 */
import { mount, parseCheckoutUrl } from './mount.js';
import type { CheckoutSession } from './view.js';

const Pasarela = { mount, parseCheckoutUrl, version: '0.1.0' };
(window as unknown as { Pasarela: typeof Pasarela }).Pasarela = Pasarela;

function readSession(id: string | undefined): CheckoutSession | undefined {
  const node = id ? document.getElementById(id) : null;
  if (!node?.textContent) return undefined;
  try {
    return JSON.parse(node.textContent) as CheckoutSession;
  } catch {
    return undefined;
  }
}

function autoMount() {
  document.querySelectorAll<HTMLElement>('[data-pasarela-checkout]').forEach((element) => {
    const { paymentId, checkoutUrl, serviceUrl, sessionId, autoOpen, pollMs } = element.dataset;
    const initialSession = readSession(sessionId);
    mount({
      element,
      ...(paymentId ? { paymentId } : {}),
      ...(checkoutUrl ? { checkoutUrl } : {}),
      ...(serviceUrl ? { serviceUrl } : {}),
      ...(initialSession ? { initialSession } : {}),
      ...(pollMs ? { pollMs: Number(pollMs) } : {}),
      autoOpen: autoOpen === 'true',
      onResult: (result) =>
        element.dispatchEvent(new CustomEvent('pasarela:result', { detail: result, bubbles: true })),
    });
  });
}

/** Fintoc's button images elsewhere on the page (a shop's cart): show the approved copy if one cannot load. */
function fallbackButtons() {
  document.querySelectorAll<HTMLImageElement>('.fintoc-button img.fintoc-button-image').forEach((img) => {
    const button = img.closest('.fintoc-button');
    const fallback = () => button?.classList.add('fintoc-button-fallback');
    if (img.complete && img.naturalWidth === 0) fallback();
    else img.addEventListener('error', fallback, { once: true });
  });
}

function start() {
  autoMount();
  fallbackButtons();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
else start();
