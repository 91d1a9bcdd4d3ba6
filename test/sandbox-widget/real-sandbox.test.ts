/**
 * The widget on the real sandbox (`startSandbox`): what the customer does in the browser moves the
 * payment intent through the sandbox's API state machine, which the test reads back with the secret
 * key, as the shop's backend would. The browser only ever holds the public key and widget token.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import {
  CL_EVENTS_TO_AUTHORIZE,
  chooseAccount,
  flushFrame,
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

describe.skipIf(skipWithoutChromium('sandbox widget on the real sandbox'))(
  'sandbox widget on the real sandbox',
  () => {
    let browser: Browser;
    let sb: RunningSandbox;
    let shop: { url: string; close(): Promise<void> };
    let context: BrowserContext;
    let page: Page;
    /** Everything the browser sent and every body it received from the sandbox. */
    let traffic: () => Promise<string[]>;

    async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${sb.url}${path}`, {
        method,
        headers: { authorization: sb.secretKey, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    }

    async function newIntent(): Promise<{ id: string; widget_token: string }> {
      return api('POST', '/v1/payment_intents', { amount: 15000, currency: 'CLP' });
    }

    async function status(id: string): Promise<string> {
      return (await api<{ status: string }>('GET', `/v1/payment_intents/${id}`)).status;
    }

    async function eventTypes(id: string): Promise<string[]> {
      const { data } = await api<{ data: Array<{ type: string; data: { id: string } }> }>(
        'GET',
        '/_sandbox/events',
      );
      return data.filter((event) => event.data.id === id).map((event) => event.type);
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
      // Read every body while the page is alive; a closed context can leave a body unreadable.
      const texts = await traffic();
      await context.close();
      // No secret key ever reaches the browser, in either direction.
      expect(texts.some((text) => text.includes('/widget/sessions'))).toBe(true);
      for (const text of texts) expect(text).not.toContain(sb.secretKey);
    });

    it('a customer pays: the intent goes created → in_progress → succeeded and its event is emitted', async () => {
      const intent = await newIntent();
      await openShop(page, shop.url, sb.url, 'script-tag');
      const options = {
        product: 'payments',
        holderType: 'individual',
        country: 'cl',
        publicKey: sb.publicKey,
        widgetToken: intent.widget_token,
      };
      await openWidget(page, options);
      const frame = widgetFrame(page);
      await frame.getByTestId('screen-institutions').waitFor();
      expect(await status(intent.id)).toBe('created');

      await logIn(frame, { institution: 'cl_banco_santander', username: '40427672-7' });
      expect(await status(intent.id)).toBe('in_progress');

      await chooseAccount(frame, { account: '746326042', codes: ['00', '00', '00'] });
      await frame.getByTestId('authorize-approve').click();
      await waitForLog(page, 'success');
      expect(await logNames(page)).toEqual([
        ...CL_EVENTS_TO_AUTHORIZE.map((name) =>
          name === 'event:device_authentication_required' ? 'event:card_authentication_required' : name,
        ),
        'event:validating_payment',
        'event:payment_created',
        'success',
      ]);
      expect(await status(intent.id)).toBe('succeeded');
      expect(await eventTypes(intent.id)).toContain('payment_intent.succeeded');

      // The certification runner reads what Fintoc.create received from the sandbox's listing.
      const sessions = await api<{
        data: Array<{ options: unknown; payment_intent_id: string; actions: Array<{ action: string }> }>;
      }>('GET', '/_sandbox/widget_sessions');
      const session = sessions.data.find((candidate) => candidate.payment_intent_id === intent.id);
      expect(session?.options).toEqual(options);
      expect(session?.actions.map((entry) => entry.action)).toEqual(['start', 'authorize']);
    });

    it('authorized in the bank app, tab closed (through @fintoc/fintoc-js): succeeded at Fintoc, no onSuccess', async () => {
      const intent = await newIntent();
      const routed = await openShop(page, shop.url, sb.url, 'fintoc-js');
      await openWidget(page, {
        product: 'payments',
        holderType: 'individual',
        publicKey: sb.publicKey,
        widgetToken: intent.widget_token,
      });
      expect(routed).toEqual(['https://js.fintoc.com/v1']);
      const frame = widgetFrame(page);
      await reachAuthorize(frame, { account: '422159212', codes: [] });
      await frame.getByTestId('authorize-approve-and-close').click();
      await frame.getByTestId('screen-tab-closed').waitFor();

      expect(await status(intent.id)).toBe('succeeded');
      expect(await eventTypes(intent.id)).toContain('payment_intent.succeeded');
      await flushFrame(page);
      const names = await logNames(page);
      expect(names).not.toContain('success');
      expect(names).not.toContain('exit');
      expect(names.at(-1)).toBe('event:validating_second_factor');
    });

    it('a token whose intent already ended shows widget_token_spent', async () => {
      const intent = await newIntent();
      await api('POST', `/v1/payment_intents/${intent.id}/expire`);
      await openShop(page, shop.url, sb.url, 'script-tag');
      await openWidget(page, {
        product: 'payments',
        publicKey: sb.publicKey,
        widgetToken: intent.widget_token,
      });
      const frame = widgetFrame(page);
      await frame.getByTestId('screen-error').waitFor();
      expect(await frame.getByTestId('error-code').textContent()).toBe('widget_token_spent');
      await waitForLog(page, 'event:on_error');
    });
  },
);
