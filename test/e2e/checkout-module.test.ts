/**
 * The browser module in a real browser, against a fake payments service and a fake widget: proves
 * what the page sends to `Fintoc.create`, what it reports, and that it shows only what the service
 * says. Runs on its own, without the sandbox or the service.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkoutBundle,
  checkoutCss,
  checkoutHeaders,
  renderCheckoutPage,
  type CheckoutSession,
} from '../../src/checkout/index.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';

/** How long a state the service reaches by itself may take on a busy CI machine (polled, never slept). */
const EVENTUALLY = { timeout: 15_000, interval: 100 };

const skip = skipWithoutChromium('checkout module');

// The fake widget records each Fintoc.create call and lets the test drive the callbacks.
const FAKE_WIDGET = `
window.__widgets = [];
window.Fintoc = {
  create(options) {
    const w = { options, opened: 0, destroyed: false,
      open() { this.opened++; }, close() {}, hide() {}, destroy() { this.destroyed = true; } };
    const { onEvent, onSuccess, onExit, ...plain } = options;
    window.__widgets.push({ plain, w });
    window.__drive = {
      event: (name) => onEvent(name, { timestamp: 1700000000000 }),
      success: () => onSuccess(),
      exit: () => onExit(),
    };
    return w;
  },
};`;

interface FakePayment {
  session: CheckoutSession;
  events: Array<{ type: string; name?: string }>;
  attempts: number;
}

describe.skipIf(skip)('browser module (fake service, real browser)', () => {
  let server: Server;
  let origin: string;
  let widgetOrigin: string;
  let browser: Browser;
  let page: Page;
  let bundle: string;
  const payments = new Map<string, FakePayment>();
  const violations: string[] = [];

  function makePayment(id: string, over: Partial<CheckoutSession['payment']> = {}): FakePayment {
    const fake: FakePayment = {
      session: {
        payment: {
          id,
          order_id: 'order-1',
          amount: 12990,
          currency: 'CLP',
          amount_display: '$12.990 CLP',
          status: 'pending',
          failure_reason: null,
          expires_at: null,
          ...over,
        },
        shop: { name: 'Tienda Demo', url: '/shop' },
        country: 'cl',
        widget: {
          url: `${widgetOrigin}/widget.js`,
          publicKey: 'pk_test_fake',
          widgetToken: `pi_${id}_sec_1`,
          country: 'cl',
          product: 'payments',
          holderType: 'individual',
        },
      },
      events: [],
      attempts: 1,
    };
    payments.set(id, fake);
    return fake;
  }

  function json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    return body;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/widget.js') {
      return res.writeHead(200, { 'content-type': 'text/javascript' }).end(FAKE_WIDGET);
    }
    if (url.pathname === '/pay/assets/checkout.js') {
      return res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    }
    if (url.pathname === '/pay/assets/checkout.css') {
      return res.writeHead(200, { 'content-type': 'text/css' }).end(checkoutCss);
    }
    const match = /^\/pay\/([^/]+)(?:\/(session|status|events|attempts))?$/.exec(url.pathname);
    const fake = match?.[1] ? payments.get(match[1]) : undefined;
    if (!match || !fake)
      return json(res, 404, { error: { code: 'payment_not_found', message: 'no such payment' } });
    const p = fake.session.payment;
    switch (match[2]) {
      case undefined:
        return res
          .writeHead(200, { ...checkoutHeaders(`${widgetOrigin}/widget.js`), 'content-type': 'text/html' })
          .end(renderCheckoutPage({ session: fake.session, pollMs: 250 }));
      case 'session':
        return json(res, 200, fake.session);
      case 'status':
        return json(res, 200, { status: p.status, failure_reason: p.failure_reason, updated_at: null });
      case 'events': {
        const body = JSON.parse(await readBody(req)) as { events: FakePayment['events'] };
        fake.events.push(...body.events);
        return json(res, 202, { accepted: body.events.length });
      }
      case 'attempts': {
        fake.attempts += 1;
        if (fake.session.widget) fake.session.widget.widgetToken = `pi_${p.id}_sec_${fake.attempts}`;
        return json(res, 201, fake.session);
      }
    }
  }

  beforeAll(async () => {
    bundle = await checkoutBundle();
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    origin = `http://127.0.0.1:${port}`;
    // Another origin for the widget, so the page's CSP is tested as in production.
    widgetOrigin = `http://localhost:${port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  beforeEach(async () => {
    violations.length = 0;
    page = await browser.newPage({ viewport: { width: 390, height: 780 } });
    // A step that cannot happen fails at that step, well before the test's own timeout.
    page.setDefaultTimeout(10_000);
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    // Fintoc's button images are not reachable here: the page must fall back to the approved copy.
    await page.route('https://assets.fintoc.com/**', (route) => route.abort());
  });

  afterEach(async () => {
    await page?.close();
    // The hosted page's CSP must let the module and the widget work in every scenario.
    expect(violations).toEqual([]);
  });

  it('opens the widget with the payment options and shows success only once the service says so', async () => {
    const fake = makePayment('pay_success000000000000000');
    await page.goto(`${origin}/pay/pay_success000000000000000`);
    await expect
      .poll(() => page.getByTestId('checkout-amount').textContent(), EVENTUALLY)
      .toBe('$12.990 CLP');
    await page.getByTestId('fintoc-button').click();
    await page.waitForFunction(() => (window as unknown as { __widgets: unknown[] }).__widgets.length === 1);
    const created = await page.evaluate(
      () =>
        (window as unknown as { __widgets: Array<{ plain: unknown; w: { opened: number } }> }).__widgets[0],
    );
    expect(created?.plain).toEqual({
      product: 'payments',
      holderType: 'individual',
      publicKey: 'pk_test_fake',
      widgetToken: 'pi_pay_success000000000000000_sec_1',
      country: 'cl',
    });
    expect(created?.w.opened).toBe(1);

    await page.evaluate(() =>
      (window as unknown as { __drive: { event(n: string): void } }).__drive.event('opened'),
    );
    await page.evaluate(() => (window as unknown as { __drive: { success(): void } }).__drive.success());
    await page.getByText('Confirmando tu pago…').waitFor();
    // The widget said success; the page still waits, because only the service knows.
    await expect
      .poll(() => fake.events.map((e) => e.name ?? e.type), EVENTUALLY)
      .toEqual(['opened', 'success']);
    expect(await page.getByTestId('checkout-status').getAttribute('data-status')).toBe('processing');

    fake.session.payment.status = 'succeeded';
    await page.getByText('¡Pago recibido!').waitFor();
    expect(fake.events[0]).toEqual({ type: 'event', name: 'opened', timestamp: 1700000000000 });
  });

  it('shows the text fallback of the approved button when the image cannot load', async () => {
    makePayment('pay_fallback00000000000000');
    await page.goto(`${origin}/pay/pay_fallback00000000000000`);
    const text = page.locator('.fintoc-button-fallback .fintoc-button-text');
    await text.waitFor();
    expect(await text.textContent()).toBe('Paga con tu banco');
  });

  it('offers a retry after the customer leaves, and retrying reopens the same widget', async () => {
    const fake = makePayment('pay_exit000000000000000000');
    await page.goto(`${origin}/pay/pay_exit000000000000000000`);
    await page.getByTestId('fintoc-button').click();
    await page.waitForFunction(() => (window as unknown as { __widgets: unknown[] }).__widgets.length === 1);
    await page.evaluate(() => (window as unknown as { __drive: { exit(): void } }).__drive.exit());
    await page.getByText('No terminaste el pago').waitFor();
    expect(await page.getByTestId('back-to-shop').getAttribute('href')).toBe('/shop');
    await expect.poll(() => fake.events.map((e) => e.type), EVENTUALLY).toEqual(['exit']);

    await page.getByTestId('retry-button').click();
    await page.waitForFunction(
      () =>
        (window as unknown as { __widgets: Array<{ w: { opened: number } }> }).__widgets[0]?.w.opened === 2,
    );
    expect(await page.evaluate(() => (window as unknown as { __widgets: unknown[] }).__widgets.length)).toBe(
      1,
    );
    expect(fake.attempts).toBe(1);
  });

  it('starts a new attempt (new widget token) when the widget refused the last one', async () => {
    const fake = makePayment('pay_error00000000000000000');
    await page.goto(`${origin}/pay/pay_error00000000000000000`);
    await page.getByTestId('fintoc-button').click();
    await page.waitForFunction(() => (window as unknown as { __widgets: unknown[] }).__widgets.length === 1);
    await page.evaluate(() => {
      const drive = (window as unknown as { __drive: { event(n: string): void; exit(): void } }).__drive;
      drive.event('opened');
      drive.event('on_error');
      drive.exit();
    });
    await page.getByTestId('retry-button').click();
    await page.waitForFunction(() => (window as unknown as { __widgets: unknown[] }).__widgets.length === 2);
    const second = await page.evaluate(
      () =>
        (
          window as unknown as {
            __widgets: Array<{ plain: { widgetToken: string }; w: { destroyed: boolean } }>;
          }
        ).__widgets,
    );
    expect(second.map((w) => w.plain.widgetToken)).toEqual([
      'pi_pay_error00000000000000000_sec_1',
      'pi_pay_error00000000000000000_sec_2',
    ]);
    expect(second[0]?.w.destroyed).toBe(true);
    expect(fake.attempts).toBe(2);
  });

  it('shows a cancellation learned while the page is open, and closes the widget', async () => {
    const fake = makePayment('pay_cancel0000000000000000');
    await page.goto(`${origin}/pay/pay_cancel0000000000000000`);
    await page.getByTestId('fintoc-button').click();
    await page.waitForFunction(() => (window as unknown as { __widgets: unknown[] }).__widgets.length === 1);
    fake.session.payment.status = 'canceled';
    fake.session.payment.failure_reason = 'abandoned';
    await page.getByText('Pago cancelado').waitFor();
    expect(
      await page.evaluate(
        () =>
          (window as unknown as { __widgets: Array<{ w: { destroyed: boolean } }> }).__widgets[0]?.w
            .destroyed,
      ),
    ).toBe(true);
  });

  it('shows a payment that cannot be paid yet, and the button once the service has its intent', async () => {
    const fake = makePayment('pay_nointent000000000000000');
    const widget = fake.session.widget;
    fake.session.widget = null;
    await page.goto(`${origin}/pay/pay_nointent000000000000000`);
    await page.getByText('No pudimos preparar el pago').waitFor();
    fake.session.widget = widget;
    await page.getByTestId('fintoc-button').waitFor();
  });

  it('shows an ended payment with no widget at all', async () => {
    const fake = makePayment('pay_ended0000000000000000', { status: 'failed', failure_reason: 'rejected' });
    fake.session.widget = null;
    await page.goto(`${origin}/pay/pay_ended0000000000000000`);
    await page.getByText('El banco rechazó la transferencia.').waitFor();
    expect(await page.evaluate(() => 'Fintoc' in window || 'Pasarela' in window)).toBe(false);
    expect(await page.getByTestId('fintoc-button').count()).toBe(0);
  });

  it('mounts on a shop page from a checkout URL with a Fintoc object the shop provides', async () => {
    makePayment('pay_embedded00000000000000');
    await page.route(`${origin}/shop/checkout`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body:
          '<!doctype html><html><body><div id="pay"></div>' +
          `<script src="${origin}/pay/assets/checkout.js"></script>` +
          `<script>
            const provided = { create(o) { window.__created = o.widgetToken; return { open() {}, destroy() {} }; } };
            window.__results = [];
            Pasarela.mount({ checkoutUrl: '${origin}/pay/pay_embedded00000000000000', element: '#pay',
              fintoc: () => Promise.resolve(provided), pollMs: 250,
              onResult: (r) => window.__results.push(r) });
          </script></body></html>`,
      }),
    );
    await page.goto(`${origin}/shop/checkout`);
    await page.getByTestId('fintoc-button').click();
    await page.waitForFunction(() => (window as unknown as { __created?: string }).__created !== undefined);
    expect(await page.evaluate(() => 'Fintoc' in window)).toBe(false);
    payments.get('pay_embedded00000000000000')!.session.payment.status = 'succeeded';
    await page.waitForFunction(() => (window as unknown as { __results: unknown[] }).__results.length === 1);
    expect(await page.evaluate(() => (window as unknown as { __results: unknown[] }).__results[0])).toEqual({
      paymentId: 'pay_embedded00000000000000',
      orderId: 'order-1',
      status: 'succeeded',
      failureReason: null,
    });
  });
});
