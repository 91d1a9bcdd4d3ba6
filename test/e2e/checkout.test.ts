/**
 * End to end on the dev stack (sandbox + service + demo shop, in-process on 127.0.0.1) in Chromium:
 * a customer pays in the demo shop through the hosted checkout and the simulated Fintoc widget.
 * The payment's truth is read back from the service API and the dashboard, never from the page alone.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { fintocJsBundle, reachAuthorize } from '../sandbox-widget/harness.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { startStack, type Stack } from './stack.js';

/** How long a state the service reaches by itself may take on a busy CI machine (polled, never slept). */
const EVENTUALLY = { timeout: 15_000, interval: 100 };

interface ApiPayment {
  id: string;
  order_id: string;
  status: string;
  failure_reason: string | null;
  payment_intent_id: string | null;
  checkout_session_id: string | null;
  timeline?: Array<{ kind: string; cause: string; cause_id: string | null; to_status: string | null }>;
}

/** A shop's own web server on 127.0.0.1 (another origin than the service), serving fixed pages. */
async function startShopServer(
  pages: Record<string, [string, string]>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const own = pages[req.url ?? ''];
    if (own) res.writeHead(200, { 'content-type': own[0] }).end(own[1]);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The session flow (a Checkout Session, the default) and the payment intent flow, scenario for scenario. */
for (const flow of ['session', 'intent'] as const)
  describe.skipIf(skipWithoutChromium('checkout end to end'))(
    `checkout end to end (dev stack, Chromium, ${flow} flow)`,
    // Several browser steps and clock advances per scenario: room for a busy CI machine.
    { timeout: 90_000 },
    () => {
      let stack: Stack;
      let browser: Browser;
      let context: BrowserContext;
      let page: Page;
      /** Every request and response body the browser saw, to prove no secret reaches it. */
      let traffic: Array<Promise<string>>;
      let cspViolations: string[];
      /** The payment of each scenario, for the dashboard scenario at the end. */
      const scenarios: Record<string, string> = {};

      beforeAll(async () => {
        stack = await startStack({ flow });
        browser = await launchChromium();
      });

      afterAll(async () => {
        await browser?.close();
        await stack?.close();
      });

      beforeEach(async () => {
        context = await browser.newContext({ viewport: { width: 390, height: 800 } });
        // A step that cannot happen fails at that step, well before the test's own timeout. 30 s: on
        // a CI machine busy with the chaos run and other browsers, one step (a new attempt: a Checkout
        // Session made at Fintoc, the page, the widget's frame) has taken over 10 s.
        context.setDefaultTimeout(30_000);
        // Fintoc's button images are not reachable offline; the approved copy shows instead.
        await context.route('https://assets.fintoc.com/**', (route) => route.abort());
        traffic = [];
        // Every page of the scenario (the late visitor's, the shop's, the dashboard's), not just the first.
        context.on('request', (request) =>
          // The sign-in form carries the key the user typed; nothing else may.
          traffic.push(
            Promise.resolve(
              request.url().endsWith('/dashboard/login')
                ? request.url()
                : `${request.url()} ${request.postData() ?? ''}`,
            ),
          ),
        );
        context.on('response', (response) => traffic.push(response.text().catch(() => '')));
        cspViolations = [];
        // The hosted page's CSP must let the widget work: any violation fails the scenario.
        context.on('console', (message) => {
          if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
        });
        page = await context.newPage();
      });

      afterEach(async () => {
        await context.close();
        expect(cspViolations).toEqual([]);
        const texts = await Promise.all(traffic);
        for (const text of texts) {
          expect(text).not.toContain(stack.sandbox.secretKey);
          expect(text).not.toContain(stack.apiKey);
          expect(text).not.toMatch(/whsec_/);
        }
      });

      /** Demo shop → "Paga con tu banco" → hosted checkout; returns the payment id. */
      async function buyInShop(p: Page = page, choose?: 'redirect'): Promise<string> {
        await p.goto(`${stack.url}/`);
        // Fintoc's button image is unreachable here: the shop's button shows the approved copy instead.
        await p.locator('[data-testid="demo-pay"].fintoc-button-fallback').waitFor();
        // The shop's flow switch starts on FINTOC_FLOW.
        expect(await p.getByTestId(`demo-flow-${flow}`).isChecked()).toBe(true);
        if (choose) await p.getByTestId(`demo-flow-${choose}`).check();
        await p.getByTestId('demo-pay').click();
        await p.waitForURL(/\/pay\/pay_[A-Za-z0-9]+$/);
        const id = new URL(p.url()).pathname.split('/').pop() ?? '';
        await p.getByTestId('checkout-amount').waitFor();
        return id;
      }

      async function payment(id: string): Promise<ApiPayment> {
        return stack.api<ApiPayment>('GET', `/api/payments/${id}?expand=timeline`);
      }

      /** The payment intent the customer pays: the intent's own, or its Checkout Session's (made when the widget opens it). */
      async function intentOf(p: ApiPayment): Promise<string | null> {
        if (flow === 'intent') return p.payment_intent_id;
        const cs = await stack.sandboxApi<{ sandbox: { payment_intent_id: string | null } }>(
          'GET',
          `/_sandbox/checkout_sessions/${p.checkout_session_id}`,
        );
        return cs.sandbox.payment_intent_id;
      }

      /** Signs in to the dashboard with the API key, from wherever `p` is sent to the sign-in form. */
      async function signIn(p: Page): Promise<void> {
        await p.goto(`${stack.url}/dashboard`);
        await p.waitForURL(/\/dashboard\/login$/);
        await p.getByTestId('dashboard-secret').fill(stack.apiKey);
        await p.getByTestId('dashboard-login').click();
        await p.getByTestId('payments-table').waitFor();
      }

      /** True when the page holds no element an injection could have made: only our scripts and images. */
      async function inert(p: Page): Promise<boolean> {
        return p.evaluate(
          () =>
            !('__xss' in window) &&
            [...document.scripts].every((s) => s.src !== '' || s.type === 'application/json') &&
            [...document.images].every((i) => i.classList.contains('fintoc-button-image')) &&
            document.querySelectorAll('[onerror], iframe').length === 0,
        );
      }

      async function orderStatus(p: Page, orderId: string): Promise<string | null> {
        await p.goto(`${stack.url}/demo/orders/${orderId}`);
        return p.getByTestId('order-status').getAttribute('data-status');
      }

      it('(1) pays and succeeds: the widget gets the payment options, the page confirms what the service says', async () => {
        const id = await buyInShop();
        expect(await page.getByTestId('checkout-amount').textContent()).toBe('$12.990 CLP');
        expect(await page.getByTestId('checkout-shop').textContent()).toBe('Café Pasarela');
        expect(await page.getByTestId('fintoc-button').getAttribute('aria-label')).toBe('Paga con tu banco');
        const button = await page.getByTestId('fintoc-button').boundingBox();
        expect(button && button.x >= 0 && button.x + button.width <= 390 && button.height >= 44).toBe(true);

        await page.getByTestId('fintoc-button').click();
        const frame = page.frameLocator('iframe[data-fintoc-widget]');
        await reachAuthorize(frame);
        await frame.getByTestId('authorize-approve').click();
        await page.getByText('¡Pago recibido!').waitFor();

        // The page reports the widget's callbacks without waiting for them: they reach the timeline soon.
        await expect
          .poll(
            async () =>
              (await payment(id)).timeline?.some((t) => t.cause === 'browser' && t.cause_id === 'success'),
            EVENTUALLY,
          )
          .toBe(true);
        const paid = await payment(id);
        expect(paid.status).toBe('succeeded');
        // Phone-sized (390 px): nothing wider than the screen; the approved button whole, a thumb's height.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
        const { data: sessions } = await stack.sandboxApi<{
          data: Array<{ options: Record<string, unknown>; ok: boolean }>;
        }>('GET', '/_sandbox/widget_sessions');
        if (flow === 'intent') {
          const intent = await stack.sandboxApi<{ widget_token: string }>(
            'GET',
            `/_sandbox/payment_intents/${paid.payment_intent_id}`,
          );
          expect(sessions.at(-1)).toMatchObject({
            ok: true,
            options: {
              product: 'payments',
              holderType: 'individual',
              publicKey: stack.sandbox.publicKey,
              widgetToken: intent.widget_token,
              country: 'cl',
            },
          });
        } else {
          // Fintoc's embedded checkout: the Checkout Session's token, nothing of an intent.
          const cs = await stack.sandboxApi<{
            sandbox: { session_token: string; payment_intent_id: string };
          }>('GET', `/_sandbox/checkout_sessions/${paid.checkout_session_id}`);
          expect(sessions.at(-1)).toMatchObject({
            ok: true,
            options: {
              product: 'payments',
              publicKey: stack.sandbox.publicKey,
              sessionToken: cs.sandbox.session_token,
            },
          });
          expect(sessions.at(-1)?.options).not.toHaveProperty('widgetToken');
          expect(paid.payment_intent_id).toBe(cs.sandbox.payment_intent_id);
        }
        const causes = (paid.timeline ?? []).map((t) => `${t.cause}:${t.cause_id ?? ''}`);
        expect(causes).toContain('browser:opened');
        expect(causes).toContain('browser:success');
        const change = paid.timeline?.find((t) => t.to_status === 'succeeded');
        // Fintoc's webhook, or the status check the service runs at once when the page reports a success:
        // either way the service learned it from Fintoc, never from the browser.
        expect(['webhook', 'job:sync']).toContain(change?.cause);

        // The shop learned it from its signed notification.
        await expect.poll(() => orderStatus(page, paid.order_id), EVENTUALLY).toBe('paid');
        scenarios.succeeded = id;
      });

      it('(2) leaves before authorizing: the page offers a retry; past the timeout the payment is canceled', async () => {
        const id = await buyInShop();
        const frame = page.frameLocator('iframe[data-fintoc-widget]');
        await page.getByTestId('fintoc-button').click();
        await frame.getByTestId('screen-institutions').waitFor();
        await frame.getByTestId('widget-close').click();
        await page.getByText('No terminaste el pago').waitFor();
        const first = await payment(id);
        const { order_id: orderId } = first;
        const intentId = await intentOf(first);
        expect(await page.getByTestId('back-to-shop').getAttribute('href')).toBe(`/demo/orders/${orderId}`);

        // Retry: the widget opens again on the same, still open payment.
        await page.getByTestId('retry-button').click();
        await frame.getByTestId('screen-institutions').waitFor();
        await frame.getByTestId('widget-close').click();
        await page.getByTestId('retry-button').waitFor();
        const { data: sessions } = await stack.sandboxApi<{
          data: Array<{ payment_intent_id: string | null }>;
        }>('GET', '/_sandbox/widget_sessions');
        const mine = await payment(id);
        const intents = new Set([intentId, await intentOf(mine)]);
        expect(sessions.filter((s) => intents.has(s.payment_intent_id)).length).toBe(2);
        expect(mine.status).toBe('pending');
        await expect
          .poll(
            async () =>
              (await payment(id)).timeline?.filter((t) => t.cause === 'browser' && t.cause_id === 'exit')
                .length,
            EVENTUALLY,
          )
          .toBe(2);

        // Ten minutes (and a little) pass on the test clocks: the service gives up.
        await stack.advance(11 * 60_000);
        await expect.poll(async () => (await payment(id)).status, EVENTUALLY).toBe('canceled');
        await page.getByText('Pago cancelado').waitFor();
        expect(await page.getByTestId('checkout-status-detail').textContent()).toMatch(/dentro del plazo/);

        // Opening the link after the end shows the final state, not a widget.
        const late = await context.newPage();
        await late.goto(`${stack.url}/pay/${id}`);
        expect(await late.getByTestId('checkout-status').getAttribute('data-status')).toBe('canceled');
        expect(await late.locator('script, iframe').count()).toBe(0);
        expect(await late.getByTestId('fintoc-button').count()).toBe(0);
        // A final page asks for no payment and leads back to the shop.
        expect(await late.getByTestId('checkout-amount-label').textContent()).toBe('Monto de la orden');
        expect(await late.getByText('Total a pagar').count()).toBe(0);
        expect(await late.getByTestId('back-to-shop').getAttribute('href')).toBe(`/demo/orders/${orderId}`);
        await expect.poll(() => orderStatus(late, orderId), EVENTUALLY).toBe('payment_canceled');
        // The shop's order page: its notification table fits its card, on a phone and on a desktop.
        for (const width of [390, 1280]) {
          await late.setViewportSize({ width, height: 800 });
          await late.goto(`${stack.url}/demo/orders/${orderId}`);
          const fits = await late.getByTestId('order-notifications').evaluate((table) => {
            const card = table.closest('.pasarela-card') ?? table.parentElement!;
            const cardBox = card.getBoundingClientRect();
            return (
              table.getBoundingClientRect().right <= cardBox.right + 0.5 &&
              table.scrollWidth <= table.clientWidth + 0.5 &&
              document.documentElement.scrollWidth <= window.innerWidth
            );
          });
          expect(fits, `${width} px`).toBe(true);
        }
        scenarios.canceled = id;
      });

      it('(3) authorizes in the bank app and closes the tab: succeeded by webhook alone, and the shop knows', async () => {
        const id = await buyInShop();
        const frame = page.frameLocator('iframe[data-fintoc-widget]');
        await page.getByTestId('fintoc-button').click();
        await reachAuthorize(frame);
        await frame.getByTestId('authorize-approve-and-close').click();
        await frame.getByTestId('screen-tab-closed').waitFor();
        const { order_id: orderId } = await payment(id);
        await page.close();

        await expect.poll(async () => (await payment(id)).status, EVENTUALLY).toBe('succeeded');
        const paid = await payment(id);
        expect(paid.timeline?.some((t) => t.cause === 'browser' && t.cause_id === 'success')).toBe(false);
        expect(paid.timeline?.find((t) => t.to_status === 'succeeded')?.cause).toBe('webhook');
        const shop = await context.newPage();
        await expect.poll(() => orderStatus(shop, orderId), EVENTUALLY).toBe('paid');
        scenarios.tabClosed = id;
      });

      it('(4) the bank rejects: the page says so and why, and the customer tries again on the same page and pays', async () => {
        const id = await buyInShop();
        const frame = page.frameLocator('iframe[data-fintoc-widget]');
        await page.getByTestId('fintoc-button').click();
        await reachAuthorize(frame);
        await frame.getByTestId('authorize-reject').click();
        await frame.getByTestId('screen-payment-error').waitFor();
        await frame.getByTestId('payment-error-close').click();
        await page.getByText('El pago no se completó').waitFor();
        expect(await page.getByTestId('checkout-status-detail').textContent()).toBe(
          'El banco no aceptó la autorización de la transferencia.',
        );
        const failed = await payment(id);
        expect(failed.status).toBe('failed');
        expect(failed.failure_reason).toMatch(/mfa_invalid_authorization/);
        const shop = await context.newPage();
        await expect.poll(() => orderStatus(shop, failed.order_id), EVENTUALLY).toBe('payment_failed');
        scenarios.rejected = id;

        // The page offers to try again (the order is not paid): the order's next payment, in place.
        await page.getByTestId('retry-hint').waitFor();
        await page.getByTestId('retry-button').click();
        await page.waitForURL(
          (url) => /\/pay\/pay_[A-Za-z0-9]+$/.test(url.pathname) && !url.pathname.endsWith(id),
        );
        const nextId = new URL(page.url()).pathname.split('/').pop() ?? '';
        await reachAuthorize(frame);
        await frame.getByTestId('authorize-approve').click();
        await page.getByText('¡Pago recibido!').waitFor();
        const next = await payment(nextId);
        expect(next).toMatchObject({ status: 'succeeded', order_id: failed.order_id });
        // The rejected payment stays as it was; the shop learns the order is paid.
        expect((await payment(id)).status).toBe('failed');
        await expect.poll(() => orderStatus(shop, failed.order_id), EVENTUALLY).toBe('paid');
        // Reloading shows the new payment (the address followed it); the paid order offers no retry.
        await page.reload();
        expect(await page.getByTestId('checkout-status').getAttribute('data-status')).toBe('succeeded');
        await page.goto(`${stack.url}/pay/${id}`);
        await page.getByTestId('checkout-status').waitFor();
        expect(await page.getByTestId('retry-button').count()).toBe(0);
      });

      it("(5) on the shop's own page through @fintoc/fintoc-js, with js.fintoc.com routed to the sandbox", async () => {
        const created = await stack.api<{ id: string; checkout_url: string }>('POST', '/api/payments', {
          amount: 4990,
          currency: 'CLP',
          order_id: `embedded-${Date.now()}`,
        });
        const routed: string[] = [];
        await context.route(/^https:\/\/js\.fintoc\.com\/v1\/?(\?.*)?$/, async (route) => {
          routed.push(route.request().url());
          await route.fulfill({ response: await route.fetch({ url: `${stack.sandbox.url}/v1/` }) });
        });
        // The shop's own page, on its own origin: the module calls the service cross-origin (CORS).
        const fintocJs = await fintocJsBundle();
        const shopPage =
          `<!doctype html><html lang="es"><head><meta charset="utf-8"><link rel="stylesheet" href="${stack.url}/pay/assets/checkout.css"></head>` +
          `<body><main><div id="pay"></div></main><script src="/fintoc-js.js"></script><script src="${stack.url}/pay/assets/checkout.js"></script>` +
          `<script>window.results = []; Pasarela.mount({ checkoutUrl: ${JSON.stringify(created.checkout_url)}, element: '#pay',` +
          ' fintoc: window.getFintoc, pollMs: 500, onResult: (r) => window.results.push(r) });</script></body></html>';
        const shop = await startShopServer({
          '/shop/checkout': ['text/html', shopPage],
          '/fintoc-js.js': ['text/javascript', fintocJs],
        });
        onTestFinished(() => shop.close());
        await page.goto(`${shop.url}/shop/checkout`);
        await page.getByTestId('fintoc-button').click();
        const frame = page.frameLocator('iframe[data-fintoc-widget]');
        await reachAuthorize(frame);
        await frame.getByTestId('authorize-approve').click();
        await page.waitForFunction(() => (window as unknown as { results: unknown[] }).results.length > 0);
        expect(await page.evaluate(() => (window as unknown as { results: unknown[] }).results)).toEqual([
          {
            paymentId: created.id,
            orderId: expect.stringMatching(/^embedded-/),
            status: 'succeeded',
            failureReason: null,
          },
        ]);
        expect(routed.length).toBeGreaterThan(0);
        // The loader, not the service's widget URL, brought Fintoc in.
        const urls = await Promise.all(traffic);
        expect(urls.some((u) => u.startsWith(`${stack.sandbox.url}/widget.js`))).toBe(false);
        expect((await payment(created.id)).status).toBe('succeeded');
        scenarios.fintocJs = created.id;
      });

      it('(6) the dashboard shows each payment and its timeline', async () => {
        // A forged delivery is refused at the door and counted on the dashboard.
        const forged = await fetch(`${stack.url}/webhooks/fintoc`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'fintoc-signature': `t=${Math.floor(stack.sandbox.clock.now() / 1000)},v1=${'0'.repeat(64)}`,
          },
          body: JSON.stringify({ id: 'evt_forged', type: 'payment_intent.succeeded', data: {} }),
        });
        expect(forged.status).toBe(400);
        await signIn(page);
        expect(await page.getByTestId('webhook-rejected').textContent()).toBe('1');
        const expected: Record<string, { status: string; causes: string[] }> = {
          // Where the page reported a success, the service may learn it from its own check first.
          succeeded: { status: 'succeeded', causes: ['api', 'browser'] },
          canceled: { status: 'canceled', causes: ['api', 'browser', 'job:abandon'] },
          tabClosed: { status: 'succeeded', causes: ['api', 'browser', 'webhook'] },
          rejected: { status: 'failed', causes: ['api', 'browser', 'webhook'] },
          fintocJs: { status: 'succeeded', causes: ['api', 'browser'] },
        };
        for (const [name, want] of Object.entries(expected)) {
          const id = scenarios[name];
          expect(id, `scenario ${name} ran`).toBeDefined();
          const row = page.locator(`[data-testid="payment-row"][data-payment-id="${id}"]`);
          expect(await row.locator('.badge').getAttribute('data-status'), name).toBe(want.status);
        }
        for (const [name, want] of Object.entries(expected)) {
          await page.goto(`${stack.url}/dashboard/payments/${scenarios[name]}`);
          expect(await page.getByTestId('payment-status').getAttribute('data-status'), name).toBe(
            want.status,
          );
          const causes = await page
            .getByTestId('timeline-row')
            .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cause') ?? ''));
          for (const cause of want.causes) expect(causes, `${name} timeline`).toContain(cause);
          // Fintoc's event for the intent reached the inbox, whoever told the payment first.
          const fintocEvent = { succeeded: 'payment_intent.succeeded', failed: 'payment_intent.rejected' }[
            want.status
          ];
          // The webhook may still be on its way when the page already knew (from the service's own check).
          if (fintocEvent) {
            await expect
              .poll(async () => {
                await page.reload();
                return page
                  .getByTestId('inbox-row')
                  .evaluateAll((rows) => rows.map((r) => r.children[1]?.textContent ?? ''));
              }, EVENTUALLY)
              .toContain(fintocEvent);
          }
        }
      });

      it('(7) a transfer the bank settles after the timeout stays processing past the deadline, then succeeds', async () => {
        const id = await buyInShop();
        const created = await payment(id);
        const orderId = created.order_id;
        await stack.sandboxApi(
          'PUT',
          flow === 'intent'
            ? `/_sandbox/payment_intents/${created.payment_intent_id}/scenario`
            : `/_sandbox/checkout_sessions/${created.checkout_session_id}/scenario`,
          { scenario: 'pending_then_succeed', pending_for: '20m' },
        );
        await page.getByTestId('fintoc-button').click();
        const frame = page.frameLocator('iframe[data-fintoc-widget]');
        await reachAuthorize(frame);
        await frame.getByTestId('authorize-approve').click();
        await expect.poll(async () => (await payment(id)).status, EVENTUALLY).toBe('processing');
        await page.getByText('Confirmando tu pago…').waitFor();

        // The deadline passes while the bank decides: Fintoc cannot expire the intent, so the payment
        // is not canceled (its money may still move); the page keeps waiting.
        await stack.advance(11 * 60_000);
        expect((await payment(id)).status).toBe('processing');
        await stack.advance(10 * 60_000);
        await expect.poll(async () => (await payment(id)).status, EVENTUALLY).toBe('succeeded');
        const paid = await stack.api<{ paid_after_cancel: boolean }>('GET', `/api/payments/${id}`);
        expect(paid.paid_after_cancel).toBe(false);

        // The customer who comes back sees the truth; the shop was told; nothing to raise.
        const back = await context.newPage();
        await back.goto(`${stack.url}/pay/${id}`);
        expect(await back.getByTestId('checkout-status').getAttribute('data-status')).toBe('succeeded');
        await expect.poll(() => orderStatus(back, orderId), EVENTUALLY).toBe('paid');
        await signIn(back);
        const row = back.locator(`[data-testid="payment-row"][data-payment-id="${id}"]`);
        expect(await row.getByTestId('paid-after-cancel').count()).toBe(0);
        await back.goto(`${stack.url}/dashboard/payments/${id}`);
        expect(await back.getByTestId('payment-status').getAttribute('data-status')).toBe('succeeded');
      });

      it('(8) an order id and metadata written to inject markup show as text on the checkout and the dashboard', async () => {
        const orderId = `xss-<script>window.__xss=1</script>"><img src=x onerror="window.__xss=2">-${Date.now()}`;
        const returnUrl = '/"><img src=x onerror="window.__xss=3">';
        const note = '<script>window.__xss=4</script>';
        const created = await stack.api<{ id: string; checkout_url: string }>('POST', '/api/payments', {
          amount: 1000,
          currency: 'CLP',
          order_id: orderId,
          metadata: { return_url: returnUrl, note },
        });

        // The server's first view, then the browser module's own rendering of it.
        await page.goto(created.checkout_url);
        await page.locator('.fintoc-button-fallback').waitFor();
        expect(await page.locator('.pasarela-order').textContent()).toBe(`Orden ${orderId}`);
        expect(await page.getByTestId('back-to-shop').getAttribute('href')).toBe(returnUrl);
        expect(await inert(page)).toBe(true);

        await signIn(page);
        await page.goto(`${stack.url}/dashboard?order_id=${encodeURIComponent(orderId)}`);
        const row = page.locator(`[data-testid="payment-row"][data-payment-id="${created.id}"]`);
        expect(await row.locator('td').nth(1).textContent()).toBe(orderId);
        expect(await page.getByTestId('filter-order').inputValue()).toBe(orderId);
        expect(await inert(page)).toBe(true);
        await page.goto(`${stack.url}/dashboard/payments/${created.id}`);
        expect(await page.getByTestId('payment-metadata').textContent()).toContain(`note ${note}`);
        expect(await inert(page)).toBe(true);
      });

      it.runIf(flow === 'session')(
        "(10) the redirect flow (the shop's switch): Fintoc's page, then the return page shows what the service knows",
        async () => {
          const id = await buyInShop(page, 'redirect');
          expect(await payment(id)).toMatchObject({ status: 'pending' });
          // Back from Fintoc "successfully" before paying: the return page does not take the URL's word.
          const early = await context.newPage();
          await early.goto(`${stack.url}/pay/${id}/return?from=success`);
          expect(await early.getByTestId('checkout-status').count()).toBe(0);
          expect(await early.getByTestId('fintoc-button').getAttribute('href')).toMatch(/\/checkout\/cs_/);
          await early.close();

          await page.getByTestId('fintoc-button').click();
          await page.waitForURL(/\/checkout\/cs_[A-Za-z0-9]+$/);
          const frame = page.frameLocator('iframe[data-fintoc-widget]');
          await reachAuthorize(frame);
          await frame.getByTestId('authorize-approve').click();
          await page.waitForURL(/\/return\?from=success$/);
          expect(new URL(page.url()).pathname).toBe(`/pay/${id}/return`);
          await expect
            .poll(() => page.getByTestId('checkout-status').getAttribute('data-status'), EVENTUALLY)
            .toBe('succeeded');
          const paid = await payment(id);
          expect(paid.status).toBe('succeeded');
          expect(['webhook', 'job:sync']).toContain(
            paid.timeline?.find((t) => t.to_status === 'succeeded')?.cause,
          );
          expect(
            paid.timeline?.some((t) => t.cause === 'browser' && t.cause_id === 'redirect_return_success'),
          ).toBe(true);
          await expect.poll(() => orderStatus(page, paid.order_id), EVENTUALLY).toBe('paid');
          await signIn(page);
          await page.goto(`${stack.url}/dashboard/payments/${id}`);
          expect(await page.getByTestId('payment-flow').getAttribute('data-flow')).toBe('redirect');
        },
      );

      it('(9) a success the browser makes up is only recorded: it moves no money state', async () => {
        const created = await stack.api<{ id: string; checkout_url: string }>('POST', '/api/payments', {
          amount: 2000,
          currency: 'CLP',
          order_id: `forged-${Date.now()}`,
        });
        await page.goto(created.checkout_url);
        await page.getByTestId('fintoc-button').waitFor();
        // From the checkout page's own origin, as its script would send it: no widget was ever opened.
        const answer = await page.evaluate(async (url) => {
          const events = [{ type: 'success' }, { type: 'event', name: 'payment_created' }];
          const response = await fetch(`${url}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ events }),
          });
          return response.status;
        }, created.checkout_url);
        expect(answer).toBe(202);
        // The service asks Fintoc at once (a due job); run it now rather than wait for the runner.
        await stack.service.jobs.runDue();
        const after = await payment(created.id);
        expect(after.status).toBe('pending');
        expect(after.timeline?.filter((t) => t.cause === 'browser').map((t) => t.cause_id)).toEqual(
          expect.arrayContaining(['success', 'payment_created']),
        );
        expect(after.timeline?.some((t) => t.to_status !== null && t.cause === 'browser')).toBe(false);
        expect(await page.getByTestId('checkout-status').count()).toBe(0);
      });
    },
  );
