/**
 * The hosted page's script: opens the sandbox widget (`/widget.js`, loaded before it) with the
 * session's token, and sends the customer back to the shop when the widget says so. Plain ES2020,
 * served as is; `document.body.dataset.state` says where it is (`open`, `success`, `exit`), for
 * tests and the certification runner.
 */

/** Only the sandbox's own scripts and frame; the page talks to nothing else. */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "frame-src 'self'",
  "connect-src 'self'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_SCRIPT = `(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('checkout-config').textContent);
  var stateEl = document.getElementById('state');
  var payButton = document.getElementById('pay');
  var widget = null;
  var finished = false;

  function say(state, text) {
    document.body.dataset.state = state;
    stateEl.textContent = text;
  }

  // Back to the shop exactly at the URL it gave (Fintoc adds nothing to it).
  function back(url, state, text) {
    say(state, text);
    if (url) {
      finished = true;
      window.location.assign(url);
    }
  }

  function open() {
    if (finished) return;
    if (!widget) {
      widget = window.Fintoc.create({
        product: 'payments',
        publicKey: config.publicKey,
        sessionToken: config.sessionToken,
        country: config.country,
        onSuccess: function () {
          finished = true;
          back(config.successUrl, 'success', 'Pago realizado. Volviendo a la tienda…');
        },
        onExit: function () {
          back(config.cancelUrl, 'exit', 'Saliste del pago. Volviendo a la tienda…');
        },
        onEvent: function (name) {
          document.body.dataset.lastEvent = name;
        },
      });
    }
    say('open', '');
    widget.open();
  }

  payButton.addEventListener('click', open);
  open();
})();
`;
