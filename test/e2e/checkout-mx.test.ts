/**
 * Mexico end to end: the demo shop and hosted checkout with `PASARELA_COUNTRY=mx` show Fintoc's
 * Mexican copy and MXN centavos as pesos, open the widget with `country: 'mx'`, and a phone-login
 * payment succeeds by webhook.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { startStack, type Stack } from './stack.js';

describe.skipIf(skipWithoutChromium('checkout end to end, Mexico'))(
  'checkout end to end, Mexico',
  { timeout: 90_000 },
  () => {
    let stack: Stack;
    let browser: Browser;

    beforeAll(async () => {
      stack = await startStack({ country: 'mx', shopName: 'Café Pasarela MX' });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await stack?.close();
    });

    it('pays in pesos with "Paga con transferencia" and the widget in Mexican mode', async () => {
      const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
      context.setDefaultTimeout(10_000);
      await context.route('https://assets.fintoc.com/**', (route) => route.abort());
      const page: Page = await context.newPage();
      await page.goto(`${stack.url}/`);
      expect(await page.getByTestId('demo-total').textContent()).toBe('$349.00 MXN');
      expect(await page.locator('img.fintoc-button-image').getAttribute('src')).toBe(
        'https://assets.fintoc.com/?img_name=button_mx_light_trailing',
      );
      await page.getByTestId('demo-pay').click();
      await page.waitForURL(/\/pay\/pay_/);
      const id = new URL(page.url()).pathname.split('/').pop() ?? '';
      expect(await page.getByTestId('checkout-amount').textContent()).toBe('$349.00 MXN');
      expect(await page.locator('.fintoc-button-text').textContent()).toBe('Paga con transferencia');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

      await page.getByTestId('fintoc-button').click();
      const frame = page.frameLocator('iframe[data-fintoc-widget]');
      await frame.getByTestId('institution-mx_bbva').click();
      await frame.getByTestId('login-username').fill('55 5555 5555');
      await frame.getByTestId('login-submit').click();
      await frame.getByTestId('account-012180015555555555').click();
      expect(await frame.getByTestId('confirm-amount').textContent()).toMatch(/349\.00/);
      await frame.getByTestId('confirm-continue').click();
      await frame.getByTestId('authorize-approve').click();
      await page.getByText('¡Pago recibido!').waitFor();

      const { data: sessions } = await stack.sandboxApi<{
        data: Array<{ options: Record<string, unknown>; country: string | null }>;
      }>('GET', '/_sandbox/widget_sessions');
      // The default flow: the widget opened with the Checkout Session's token, in Mexican mode (the
      // session is in MXN; Fintoc's embedded checkout takes no country option).
      expect(sessions.at(-1)).toMatchObject({
        country: 'mx',
        options: { product: 'payments', sessionToken: expect.stringMatching(/^cs_\w+_sec_\w+$/) },
      });
      const paid = await stack.api<{ status: string; amount: number; currency: string }>(
        'GET',
        `/api/payments/${id}`,
      );
      expect(paid).toMatchObject({ status: 'succeeded', amount: 34900, currency: 'MXN' });
      await context.close();
    });
  },
);
