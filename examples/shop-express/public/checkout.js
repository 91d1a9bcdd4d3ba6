/* global document, fetch, setTimeout, Fintoc */
// The checkout page's script: ask the backend for a payment intent, open Fintoc's widget with its
// widget_token, and show what the backend says about the order. The widget's callbacks only move
// the page along: whether money moved is the backend's answer (from Fintoc), never the browser's.
(function () {
  const config = JSON.parse(document.getElementById('shop-config').textContent);
  const button = document.getElementById('pay');
  const result = document.getElementById('result');

  function show(state, text, retry) {
    result.dataset.state = state;
    result.innerHTML = '';
    const p = document.createElement('p');
    p.dataset.testid = `order-${state}`;
    p.textContent = text;
    result.appendChild(p);
    if (retry) {
      const again = document.createElement('button');
      again.type = 'button';
      again.className = 'link';
      again.dataset.testid = 'retry';
      again.textContent = 'Intentar de nuevo';
      again.addEventListener('click', pay);
      result.appendChild(again);
    }
  }

  async function order(method, suffix, body) {
    const res = await fetch(`/api/orders/${encodeURIComponent(config.orderId)}${suffix}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`the shop answered ${res.status}`);
    return res.json();
  }

  const decided = (state) => ['paid', 'failed', 'canceled'].includes(state.status);

  // After the widget: ask the backend (which asks Fintoc) until the order is decided.
  async function settle(claim) {
    let state = await order('POST', '/confirm', claim ? { claim } : undefined);
    for (let i = 0; i < 60 && !decided(state); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      state = await order('GET', '');
    }
    return state;
  }

  function showOrder(state) {
    if (state.status === 'paid') show('paid', '¡Pago recibido! Tu pedido está confirmado.');
    else if (state.status === 'failed')
      show('rejected', 'El banco rechazó el pago. No se hizo ningún cargo.', true);
    else if (state.status === 'canceled')
      show('canceled', 'El pago se canceló por falta de autorización.', true);
    else show('processing', 'Estamos confirmando tu pago…');
  }

  async function pay() {
    button.disabled = true;
    // The widget says when the bank refused the payment; the order's status then comes from the backend.
    let paymentError = false;
    let intent;
    try {
      intent = await order('POST', '/intent');
    } catch (error) {
      show('error', `No pudimos iniciar el pago (${error.message}).`, true);
      button.disabled = false;
      return;
    }
    const widget = Fintoc.create({
      holderType: 'individual',
      product: config.widgetProduct,
      publicKey: intent.public_key,
      widgetToken: intent.widget_token,
      country: config.country,
      onSuccess: async () => {
        show('processing', 'Estamos confirmando tu pago…');
        showOrder(await settle(config.trustRedirect ? 'success' : undefined));
      },
      onExit: async () => {
        button.disabled = false;
        if (config.successOnExit) return show('paid', '¡Pago recibido! Tu pedido está confirmado.');
        if (paymentError) return showOrder(await settle());
        const state = await order('POST', '/confirm');
        if (decided(state)) return showOrder(state);
        show('exited', 'No terminaste el pago. Puedes intentarlo de nuevo; no se hizo ningún cargo.', true);
      },
      onEvent: (name) => {
        if (name === 'payment_error') paymentError = true;
      },
    });
    widget.open();
  }

  button.addEventListener('click', pay);
})();
