/**
 * Checkout sessions in Chromium, on the real sandbox: the hosted page at a session's `redirect_url`
 * runs the simulated bank flow and sends the customer back to `success_url` or `cancel_url`; and the
 * embedded variant, where the shop's own page opens the widget with the session's `session_token`
 * (by a script tag and through `@fintoc/fintoc-js`). The test reads the session back with the
 * secret key, as the shop's backend would; the browser never holds that key.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import {
  chooseAccount,
  logIn,
  logNames,
  openShop,
  openWidget,
  recordTraffic,
  reachAuthorize,
  startShop,
  waitForLog,
  widgetFrame,
} from './harness.js';

interface Session {
  id: string;
  status: string;
  redirect_url: string | null;
  session_token: string | null;
  payment_resource: { payment_intent: { id: string; status: string; error_reason: string | null } | null };
}

describe.skipIf(skipWithoutChromium('checkout sessions in the browser'))(
  'checkout sessions in the browser (real sandbox, Chromium)',
  // Each test takes about 3 s on a quiet machine; a busy one gets room.
  { timeout: 90_000 },
  () => {
    let browser: Browser;
    let sb: RunningSandbox;
    let shop: { url: string; close(): Promise<void> };
    let context: BrowserContext;
    let page: Page;
    let traffic: () => Promise<string[]>;

    async function api<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${sb.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${sb.secretKey}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    }

    const urls = () => ({
      success_url: `${shop.url}/script-tag?back=ok`,
      cancel_url: `${shop.url}/script-tag?back=ko`,
    });
    const newSession = (ns: 'v1' | 'v2', body: Record<string, unknown>) =>
      api<Session>('POST', `/${ns}/checkout_sessions`, { amount: 15000, currency: 'CLP', ...body });
    const read = (id: string) => api<Session>('GET', `/v2/checkout_sessions/${id}`);
    const sessionEvents = async (id: string) =>
      (await api<{ data: Array<{ type: string; data: { id: string } }> }>('GET', '/_sandbox/events')).data
        .filter((event) => event.data.id === id)
        .map((event) => event.type);

    /** The shop's page opens the widget with the session's token; returns the loader's routed requests. */
    async function openEmbedded(by: 'script-tag' | 'fintoc-js', cs: Session): Promise<string[]> {
      const routed = await openShop(page, shop.url, sb.url, by);
      await openWidget(page, {
        product: 'payments',
        publicKey: sb.publicKey,
        sessionToken: cs.session_token,
      });
      return routed;
    }

    /** From the bank list to "Autorizar" with the default test account, then waits for onSuccess. */
    async function payInWidget(): Promise<void> {
      const frame = widgetFrame(page);
      await reachAuthorize(frame);
      await frame.getByTestId('authorize-approve').click();
      await waitForLog(page, 'success');
    }

    beforeAll(async () => {
      sb = await startSandbox();
      shop = await startShop(sb.url);
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await shop?.close();
      await sb?.close();
    });

    beforeEach(async () => {
      context = await browser.newContext();
      page = await context.newPage();
      traffic = recordTraffic(page);
    });

    afterEach(async () => {
      const texts = await traffic();
      await context.close();
      expect(texts.some((text) => text.includes('/widget/sessions'))).toBe(true);
      for (const text of texts) expect(text).not.toContain(sb.secretKey);
    });

    it('hosted (v2): the page opens the widget, the customer pays, and lands on success_url', async () => {
      const cs = await newSession('v2', urls());
      expect(cs.redirect_url).toBe(`${sb.url}/checkout/${cs.id}`);
      await page.goto(cs.redirect_url!);
      expect(await page.getByTestId('hosted-amount').textContent()).toBe('$15.000 CLP');
      const frame = widgetFrame(page);
      await frame.getByTestId('screen-institutions').waitFor();
      expect((await read(cs.id)).payment_resource.payment_intent?.status).toBe('created');
      await logIn(frame);
      expect((await read(cs.id)).status).toBe('in_progress');
      await chooseAccount(frame);
      await frame.getByTestId('authorize-approve').click();
      await page.waitForURL(urls().success_url);
      const after = await read(cs.id);
      expect(after.status).toBe('finished');
      expect(after.payment_resource.payment_intent?.status).toBe('succeeded');
      expect(await sessionEvents(cs.id)).toEqual(['checkout_session.finished']);
    });

    it('hosted (v1): the customer leaves; back at cancel_url, and a rejected payment also ends there', async () => {
      const left = await newSession('v1', urls());
      expect(left.redirect_url).toBe(`${sb.url}/payment?checkout_session=${left.id}`);
      await page.goto(left.redirect_url!);
      const frame = widgetFrame(page);
      await logIn(frame);
      await frame.getByTestId('widget-close').click();
      await page.waitForURL(urls().cancel_url);
      // Leaving changes nothing at Fintoc: the payment is still open until the session expires.
      expect((await read(left.id)).status).toBe('in_progress');

      const rejected = await newSession('v1', urls());
      await api('PUT', `/_sandbox/checkout_sessions/${rejected.id}/scenario`, {
        scenario: 'reject',
        error_reason: 'mfa_invalid_authorization',
      });
      await page.goto(rejected.redirect_url!);
      await reachAuthorize(frame);
      await frame.getByTestId('authorize-approve').click();
      await frame.getByTestId('screen-payment-error').waitFor();
      expect(await frame.getByTestId('payment-error-reason').getAttribute('data-reason')).toBe(
        'mfa_invalid_authorization',
      );
      await frame.getByTestId('payment-error-close').click();
      await page.waitForURL(urls().cancel_url);
      expect(await read(rejected.id)).toMatchObject({
        status: 'finished',
        payment_resource: { payment_intent: { status: 'rejected' } },
      });

      // Back on the page of a session that ended: its status and a link to the shop, no widget.
      await page.goto(rejected.redirect_url!);
      expect(await page.getByTestId('hosted-status').textContent()).toBe('finished');
      expect(await page.getByTestId('hosted-back').getAttribute('href')).toBe(urls().cancel_url);
      expect(await page.locator('iframe[data-fintoc-widget]').count()).toBe(0);
    });

    it('hosted: authorized in the bank app with the tab closed; the page stays, the session finishes by itself', async () => {
      const cs = await newSession('v2', urls());
      await page.goto(cs.redirect_url!);
      const frame = widgetFrame(page);
      await reachAuthorize(frame, { account: '422159212', codes: [] });
      await frame.getByTestId('authorize-approve-and-close').click();
      await frame.getByTestId('screen-tab-closed').waitFor();
      expect(page.url()).toBe(cs.redirect_url);
      expect(await read(cs.id)).toMatchObject({
        status: 'finished',
        payment_resource: { payment_intent: { status: 'succeeded' } },
      });
    });

    it('embedded (script tag): the shop opens the widget with sessionToken; onSuccess, session finished', async () => {
      const cs = await newSession('v2', { ui_mode: 'embedded' });
      expect(cs.redirect_url).toBeNull();
      await openEmbedded('script-tag', cs);
      await payInWidget();
      expect((await logNames(page)).slice(-3)).toEqual([
        'event:validating_payment',
        'event:payment_created',
        'success',
      ]);
      expect(await read(cs.id)).toMatchObject({
        status: 'finished',
        payment_resource: { payment_intent: { status: 'succeeded' } },
      });
      const listed = await api<{ data: Array<{ checkout_session_id: string; options: unknown }> }>(
        'GET',
        '/_sandbox/widget_sessions',
      );
      expect(listed.data.find((s) => s.checkout_session_id === cs.id)?.options).toEqual({
        product: 'payments',
        publicKey: sb.publicKey,
        sessionToken: cs.session_token,
      });
    });

    it('embedded (through @fintoc/fintoc-js): a session already expired shows session_token_spent and calls onExit', async () => {
      const cs = await newSession('v2', { ui_mode: 'embedded' });
      await api('POST', `/v2/checkout_sessions/${cs.id}/expire`);
      const routed = await openEmbedded('fintoc-js', cs);
      expect(routed).toEqual(['https://js.fintoc.com/v1']);
      const frame = widgetFrame(page);
      await frame.getByTestId('screen-error').waitFor();
      expect(await frame.getByTestId('error-code').textContent()).toBe('session_token_spent');
      await frame.getByTestId('error-close').click();
      await waitForLog(page, 'exit');
      expect(await logNames(page)).toEqual(['event:opened', 'event:on_error', 'event:closed', 'exit']);
    });

    it('embedded (through @fintoc/fintoc-js): a pending payment counts as success for the widget and finishes the session when it settles', async () => {
      const cs = await newSession('v2', { ui_mode: 'embedded' });
      await api('PUT', `/_sandbox/checkout_sessions/${cs.id}/scenario`, {
        scenario: 'pending_then_succeed',
        pending_for: '5m',
      });
      await openEmbedded('fintoc-js', cs);
      await payInWidget();
      expect(await read(cs.id)).toMatchObject({
        status: 'in_progress',
        payment_resource: { payment_intent: { status: 'pending' } },
      });
      await api('POST', '/_sandbox/clock/advance', { by: '5m' });
      expect(await read(cs.id)).toMatchObject({
        status: 'finished',
        payment_resource: { payment_intent: { status: 'succeeded' } },
      });
      expect(await sessionEvents(cs.id)).toEqual(['checkout_session.finished']);
    });
  },
);
