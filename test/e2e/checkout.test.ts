/**
 * End to end on the dev stack (sandbox + service + demo shop, in-process on 127.0.0.1) in Chromium:
 * a customer pays in the demo shop through the hosted checkout and the simulated Fintoc widget.
 * The payment's truth is read back from the service API and the dashboard, never from the page alone.
 */
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { startStack, type Stack } from './stack.js';

interface ApiPayment {
  id: string;
  order_id: string;
  status: string;
  failure_reason: string | null;
  payment_intent_id: string | null;
  timeline?: Array<{ kind: string; cause: string; cause_id: string | null; to_status: string | null }>;
}

const CL_LOGIN = { institution: 'cl_banco_de_chile', username: '41614850-3', password: 'jonsnow', account: '813990168' };

/** The Chilean bank flow in the simulated widget, up to the authorize screen. */
async function reachAuthorize(frame: FrameLocator): Promise<void> {
  await frame.getByTestId(`institution-${CL_LOGIN.institution}`).click();
  await frame.getByTestId('login-username').fill(CL_LOGIN.username);
  await frame.getByTestId('login-password').fill(CL_LOGIN.password);
  await frame.getByTestId('login-submit').click();
  await frame.getByTestId(`account-${CL_LOGIN.account}`).click();
  await frame.getByTestId('confirm-continue').click();
  await frame.getByTestId('mfa-code-1').fill('000000');
  await frame.getByTestId('mfa-submit').click();
  await frame.getByTestId('screen-authorize').waitFor();
}

describe.skipIf(skipWithoutChromium('checkout end to end'))('checkout end to end (dev stack, Chromium)', () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Every request and response body the browser saw, to prove no secret reaches it. */
  let traffic: Array<Promise<string>>;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    // Fintoc's button images are not reachable offline; the approved copy shows instead.
    await context.route('https://assets.fintoc.com/**', (route) => route.abort());
    page = await context.newPage();
    traffic = [];
    page.on('request', (request) => traffic.push(Promise.resolve(`${request.url()} ${request.postData() ?? ''}`)));
    page.on('response', (response) => traffic.push(response.text().catch(() => '')));
  });

  afterEach(async () => {
    await context.close();
    const texts = await Promise.all(traffic);
    for (const text of texts) {
      expect(text).not.toContain(stack.sandbox.secretKey);
      expect(text).not.toContain(stack.apiKey);
      expect(text).not.toMatch(/whsec_/);
    }
  });

  /** Demo shop → "Paga con tu banco" → hosted checkout; returns the payment id. */
  async function buyInShop(p: Page = page): Promise<string> {
    await p.goto(`${stack.url}/`);
    await p.getByTestId('demo-pay').click();
    await p.waitForURL(/\/pay\/pay_[A-Za-z0-9]+$/);
    const id = new URL(p.url()).pathname.split('/').pop() ?? '';
    await p.getByTestId('checkout-amount').waitFor();
    return id;
  }

  async function payment(id: string): Promise<ApiPayment> {
    return stack.api<ApiPayment>('GET', `/api/payments/${id}?expand=timeline`);
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

    await page.getByTestId('fintoc-button').click();
    const frame = page.frameLocator('iframe[data-fintoc-widget]');
    await reachAuthorize(frame);
    await frame.getByTestId('authorize-approve').click();
    await page.getByText('¡Pago recibido!').waitFor();

    const paid = await payment(id);
    expect(paid.status).toBe('succeeded');
    const { data: sessions } = await stack.sandboxApi<{ data: Array<{ options: Record<string, unknown>; ok: boolean }> }>(
      'GET',
      '/_sandbox/widget_sessions',
    );
    const intent = await stack.sandboxApi<{ widget_token: string }>('GET', `/_sandbox/payment_intents/${paid.payment_intent_id}`);
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
    const causes = (paid.timeline ?? []).map((t) => `${t.cause}:${t.cause_id ?? ''}`);
    expect(causes).toContain('browser:opened');
    expect(causes).toContain('browser:success');
    const change = paid.timeline?.find((t) => t.to_status === 'succeeded');
    expect(change?.cause).toBe('webhook');

    // The shop learned it from its signed notification.
    await expect.poll(() => orderStatus(page, paid.order_id)).toBe('paid');
  });
});
