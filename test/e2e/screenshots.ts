/**
 * Writes docs/screenshots/*.png from the dev stack in Chromium: the checkout in Chile and Mexico,
 * the widget open, the result pages, the demo shop's order page and the dashboard.
 *
 * Run on demand: `npx tsx test/e2e/screenshots.ts` (needs Chromium, like the browser tests).
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { reachAuthorize } from '../sandbox-widget/harness.js';
import { launchChromium } from '../support/chromium.js';
import { startStack, type Stack } from './stack.js';

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const PHONE = { width: 390, height: 760 };

async function phone(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 1 });
  context.setDefaultTimeout(15_000);
  // Offline, Fintoc's hosted button images cannot load: the approved copy stands in, as in the tests.
  await context.route('https://assets.fintoc.com/**', (route) => route.abort());
  return context;
}

async function shot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage });
  console.log(`docs/screenshots/${name}.png`);
}

async function buy(stack: Stack, page: Page): Promise<string> {
  await page.goto(`${stack.url}/`);
  await page.getByTestId('demo-pay').click();
  await page.waitForURL(/\/pay\/pay_/);
  await page.getByTestId('checkout-amount').waitFor();
  return new URL(page.url()).pathname.split('/').pop() ?? '';
}

async function chile(browser: Browser): Promise<void> {
  const stack = await startStack({ country: 'cl' });
  try {
    const context = await phone(browser);
    const page = await context.newPage();
    await page.goto(`${stack.url}/`);
    await page.locator('.fintoc-button-fallback').waitFor();
    await shot(page, 'demo-shop-cl');

    await buy(stack, page);
    await page.locator('.fintoc-button-fallback').waitFor();
    await shot(page, 'checkout-cl');

    await page.getByTestId('fintoc-button').click();
    const frame = page.frameLocator('iframe[data-fintoc-widget]');
    await frame.getByTestId('screen-institutions').waitFor();
    await shot(page, 'checkout-cl-widget');
    await reachAuthorize(frame);
    await frame.getByTestId('authorize-approve').click();
    await page.getByText('¡Pago recibido!').waitFor();
    await frame.getByTestId('success-close').click();
    await page.locator('iframe[data-fintoc-widget]').waitFor({ state: 'hidden' });
    await shot(page, 'result-succeeded');
    await page.getByTestId('back-to-shop').click();
    await page.getByTestId('order-status').waitFor();
    for (let i = 0; i < 100; i++) {
      if ((await page.getByTestId('order-status').getAttribute('data-status')) === 'paid') break;
      await page.reload();
    }
    await shot(page, 'demo-order-paid');

    // Leave before paying: the retry screen; then the timeout cancels it.
    await buy(stack, page);
    await page.getByTestId('fintoc-button').click();
    await frame.getByTestId('screen-institutions').waitFor();
    await frame.getByTestId('widget-close').click();
    await page.getByTestId('retry-button').waitFor();
    await shot(page, 'result-exited-retry');
    await stack.advance(11 * 60_000);
    await page.getByText('Pago cancelado').waitFor();
    await shot(page, 'result-canceled');

    // Rejected by the bank.
    await buy(stack, page);
    await page.getByTestId('fintoc-button').click();
    await reachAuthorize(frame);
    await frame.getByTestId('authorize-reject').click();
    await frame.getByTestId('payment-error-close').click();
    await page.getByText('El pago no se completó').waitFor();
    await shot(page, 'result-rejected');

    const desk = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
    const dash = await desk.newPage();
    await dash.goto(`${stack.url}/dashboard`);
    await dash.getByTestId('dashboard-secret').fill(stack.apiKey);
    await dash.getByTestId('dashboard-login').click();
    await dash.getByTestId('payments-table').waitFor();
    await shot(dash, 'dashboard');
    const firstId = await dash.locator('[data-testid="payment-row"]').last().getAttribute('data-payment-id');
    await dash.goto(`${stack.url}/dashboard/payments/${firstId}`);
    await shot(dash, 'dashboard-payment');
    await desk.close();
    await context.close();
  } finally {
    await stack.close();
  }
}

async function mexico(browser: Browser): Promise<void> {
  const stack = await startStack({ country: 'mx', shopName: 'Café Pasarela MX' });
  try {
    const context = await phone(browser);
    const page = await context.newPage();
    await buy(stack, page);
    await page.locator('.fintoc-button-fallback').waitFor();
    await shot(page, 'checkout-mx');
    await context.close();
  } finally {
    await stack.close();
  }
}

mkdirSync(OUT, { recursive: true });
const browser = await launchChromium();
try {
  await chile(browser);
  await mexico(browser);
} finally {
  await browser.close();
}
