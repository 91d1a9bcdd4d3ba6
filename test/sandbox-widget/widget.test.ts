/**
 * The simulated widget in a real browser, on a fake bridge: a shop page on one origin loads the
 * widget from the sandbox's origin, and the tests drive the frame as a customer would and read the
 * callbacks the page received.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerWidget } from '../../src/sandbox/widget/index.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { FakeBridge } from './fake-bridge.js';
import {
  CL_EVENTS_TO_AUTHORIZE,
  flushFrame,
  logNames,
  openShop,
  openWidget,
  reachAuthorize,
  startShop,
  waitForLog,
  widgetFrame,
  widgetLog,
  type LoadedBy,
} from './harness.js';

function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => element === element.ownerDocument.activeElement);
}

describe.skipIf(skipWithoutChromium('sandbox widget in the browser'))('sandbox widget in the browser', () => {
  let browser: Browser;
  let sandbox: FastifyInstance;
  let sandboxUrl: string;
  let shop: { url: string; close(): Promise<void> };
  let bridge: FakeBridge;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    sandbox = Fastify();
    // The routes read the bridge at call time, so each test can swap in a fresh one.
    registerWidget(sandbox, {
      openSession: (options) => bridge.openSession(options),
      customerAction: (sessionId, action) => bridge.customerAction(sessionId, action),
    });
    sandboxUrl = await sandbox.listen({ host: '127.0.0.1', port: 0 });
    shop = await startShop(sandboxUrl);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await sandbox?.close();
  });

  beforeEach(async () => {
    bridge = new FakeBridge();
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterEach(async () => {
    await context.close();
  });

  async function start(
    by: LoadedBy,
    intent: Parameters<FakeBridge['createIntent']>[0] = {},
    extra: Record<string, unknown> = {},
  ) {
    const created = bridge.createIntent(intent);
    const routed = await openShop(page, shop.url, sandboxUrl, by);
    const options = {
      product: 'payments',
      holderType: 'individual',
      country: created.intent.currency === 'MXN' ? 'mx' : 'cl',
      publicKey: created.publicKey,
      widgetToken: created.widgetToken,
      ...extra,
    };
    await openWidget(page, options);
    return { ...created, options, routed, frame: widgetFrame(page) };
  }

  it('pays: every event in order, then onSuccess once with no argument, and closed without onExit', async () => {
    const startedAt = Date.now();
    const { frame, intent, options } = await start('script-tag');
    await page.locator('iframe[data-fintoc-widget]').waitFor({ state: 'visible' });

    await reachAuthorize(frame);
    await frame.getByTestId('authorize-approve').click();
    await frame.getByTestId('screen-success').waitFor();
    await waitForLog(page, 'success');

    expect(await logNames(page)).toEqual([
      ...CL_EVENTS_TO_AUTHORIZE,
      'event:validating_payment',
      'event:payment_created',
      'success',
    ]);
    const log = await widgetLog(page);
    expect(log.find((entry) => entry.kind === 'success')).toEqual({ kind: 'success', args: 0 });
    const stamps = log.flatMap((entry) => (entry.kind === 'event' ? [entry.metadata.timestamp] : []));
    expect(stamps.every((stamp, index) => stamp >= startedAt && stamp >= (stamps[index - 1] ?? 0))).toBe(
      true,
    );
    expect(stamps.every((stamp) => stamp <= Date.now())).toBe(true);

    // The sandbox saw the options as given (callbacks stay in the page) and the customer's actions.
    expect([...bridge.sessions.values()].map((session) => session.options)).toEqual([options]);
    expect(bridge.actions.map(([, action]) => action)).toEqual(['start', 'authorize']);
    expect(intent.status).toBe('succeeded');
    expect(await frame.getByTestId('payment-status').getAttribute('data-status')).toBe('succeeded');
    expect(await frame.getByTestId('payment-status').textContent()).toBe('pagado');
    // Every word the customer reads is Spanish: no status code, no scenario name, no "live".
    const visible = await frame.locator('body').innerText();
    expect(visible).toContain('simulación: el banco aprueba');
    expect(visible).not.toMatch(/\b(succeeded|succeed|escenario|scenario|pending|rejected|failed|live)\b/i);

    await frame.getByTestId('success-close').click();
    await waitForLog(page, 'event:closed');
    await flushFrame(page);
    expect((await logNames(page)).slice(-3)).toEqual(['event:payment_created', 'success', 'event:closed']);
    await page.locator('iframe[data-fintoc-widget]').waitFor({ state: 'hidden' });
  });

  it('loads through @fintoc/fintoc-js with js.fintoc.com routed to the sandbox; institutionId skips the bank list', async () => {
    const { frame, routed, intent } = await start('fintoc-js', {}, { institutionId: 'cl_banco_estado' });
    await frame.getByTestId('screen-login').waitFor();
    expect(routed).toEqual(['https://js.fintoc.com/v1']);
    // The frame comes from the sandbox's origin, not from the routed js.fintoc.com.
    const src = await page.locator('iframe[data-fintoc-widget]').getAttribute('src');
    expect(new URL(src ?? '').origin).toBe(sandboxUrl);
    expect(await frame.locator('h1').textContent()).toBe('Ingresa a BancoEstado');

    await reachAuthorize(frame, { institution: null, account: '422159212', codes: [] });
    await frame.getByTestId('authorize-approve').click();
    await waitForLog(page, 'success');
    expect(await logNames(page)).toEqual([
      'event:opened',
      'event:on_authentication_form',
      'event:creating_link',
      'event:link_created',
      'event:selecting_account',
      'event:payment_intent_confirmation_required',
      'event:app_authentication_required',
      'event:validating_second_factor',
      'event:validating_payment',
      'event:payment_created',
      'success',
    ]);
    expect(intent.status).toBe('succeeded');
  });

  it('works from the keyboard alone, refusing a wrong password and a wrong SMS code', async () => {
    const { frame, intent } = await start('script-tag');
    const first = frame.getByTestId('institution-cl_banco_de_chile');
    await expect.poll(() => isFocused(first)).toBe(true);
    await page.keyboard.press('Enter');

    await expect.poll(() => isFocused(frame.getByTestId('login-username'))).toBe(true);
    await page.keyboard.type('41.614.850-3');
    await page.keyboard.press('Tab');
    await page.keyboard.type('jonsnow-no');
    await page.keyboard.press('Enter');
    await frame.getByTestId('login-error').waitFor({ state: 'visible' });
    expect(await frame.getByTestId('login-error').textContent()).toBe('RUT o clave incorrectos.');
    expect(bridge.actions).toEqual([]);
    await frame.getByTestId('login-password').fill('jonsnow');
    await frame.getByTestId('login-password').press('Enter');

    await frame.getByTestId('account-170086177').press('Enter');
    await frame.getByTestId('confirm-continue').press('Enter');
    await frame.getByTestId('mfa-code-1').fill('1234');
    await frame.getByTestId('mfa-code-1').press('Enter');
    await frame.getByTestId('mfa-error').waitFor({ state: 'visible' });
    expect(await frame.getByTestId('mfa-error').textContent()).toBe('Código incorrecto. Inténtalo de nuevo.');
    await frame.getByTestId('mfa-code-1').fill('0000');
    await frame.getByTestId('mfa-code-1').press('Enter');
    await frame.getByTestId('authorize-approve').press('Enter');
    await waitForLog(page, 'success');

    const names = await logNames(page);
    expect(names).toContain('event:sms_authentication_required');
    expect(names.filter((name) => name === 'event:validating_second_factor')).toHaveLength(1);
    expect(intent.status).toBe('succeeded');
  });

  it('customer leaves at the authorize screen: closed, then onExit, never onSuccess', async () => {
    const { frame, intent } = await start('script-tag');
    await reachAuthorize(frame);
    await frame.getByTestId('authorize-leave').click();
    await waitForLog(page, 'exit');
    await flushFrame(page);

    expect(await logNames(page)).toEqual([...CL_EVENTS_TO_AUTHORIZE, 'event:closed', 'exit']);
    expect((await widgetLog(page)).at(-1)).toEqual({ kind: 'exit', args: 0 });
    expect(bridge.actions.map(([, action]) => action)).toEqual(['start', 'leave']);
    expect(intent.status).toBe('in_progress');
    await page.locator('iframe[data-fintoc-widget]').waitFor({ state: 'hidden' });
  });

  it('customer closes with Escape before logging in: the intent is untouched', async () => {
    const { frame, intent } = await start('script-tag');
    await frame.getByTestId('screen-institutions').waitFor();
    await page.keyboard.press('Escape');
    await waitForLog(page, 'exit');
    expect(await logNames(page)).toEqual([
      'event:opened',
      'event:on_available_institutions',
      'event:closed',
      'exit',
    ]);
    expect(bridge.actions.map(([, action]) => action)).toEqual(['leave']);
    expect(intent.status).toBe('created');
  });

  it('customer rejects: payment_error, then closed and onExit on close', async () => {
    const { frame, intent } = await start('script-tag');
    await reachAuthorize(frame);
    await frame.getByTestId('authorize-reject').click();
    await frame.getByTestId('screen-payment-error').waitFor();
    await waitForLog(page, 'event:payment_error');
    expect(await frame.locator('h1').textContent()).toBe('Pago rechazado');
    const error = (await widgetLog(page)).at(-1);
    expect(error).toMatchObject({
      kind: 'event',
      name: 'payment_error',
      metadata: { status: 'rejected', error_reason: null },
    });

    await frame.getByTestId('payment-error-close').click();
    await waitForLog(page, 'exit');
    expect(await logNames(page)).toEqual([
      ...CL_EVENTS_TO_AUTHORIZE,
      'event:payment_error',
      'event:closed',
      'exit',
    ]);
    expect(intent.status).toBe('rejected');
  });

  it('a failing scenario ends in payment_error with the reason, never onSuccess', async () => {
    const { frame, intent } = await start('script-tag', { scenario: 'fail' });
    await reachAuthorize(frame);
    await frame.getByTestId('authorize-approve').click();
    await waitForLog(page, 'event:payment_error');
    expect(await frame.getByTestId('payment-error-reason').getAttribute('data-reason')).toBe(
      'insufficient_funds',
    );
    expect(await frame.getByTestId('payment-error-reason').textContent()).toBe(
      'La cuenta no tiene fondos suficientes.',
    );
    await page.keyboard.press('Escape');
    await waitForLog(page, 'exit');
    expect((await logNames(page)).slice(-4)).toEqual([
      'event:validating_payment',
      'event:payment_error',
      'event:closed',
      'exit',
    ]);
    expect(intent).toMatchObject({ status: 'failed', errorReason: 'insufficient_funds' });
  });

  it('a pending payment counts as created: payment_created, onSuccess, "Pago en proceso"', async () => {
    const { frame, intent } = await start('script-tag', { scenario: 'pending' });
    await reachAuthorize(frame);
    await frame.getByTestId('authorize-approve').click();
    await waitForLog(page, 'success');
    expect(await frame.locator('h1').textContent()).toBe('Pago en proceso');
    expect(await frame.getByTestId('payment-status').getAttribute('data-status')).toBe('pending');
    expect(await frame.getByTestId('payment-status').textContent()).toBe('pendiente');
    expect((await logNames(page)).slice(-3)).toEqual([
      'event:validating_payment',
      'event:payment_created',
      'success',
    ]);
    expect(intent.status).toBe('pending');
  });

  it('the sandbox unreachable: network_error on the error screen, then closed and onExit', async () => {
    await page.route('**/widget/sessions', (route) => route.abort('connectionrefused'));
    const { frame } = await start('script-tag');
    await frame.getByTestId('screen-error').waitFor();
    expect(await frame.getByTestId('error-code').textContent()).toBe('network_error');
    expect(await frame.getByTestId('error-message').textContent()).toContain('No pudimos conectar');
    await frame.getByTestId('widget-close').click();
    await waitForLog(page, 'exit');
    expect(await logNames(page)).toEqual(['event:opened', 'event:on_error', 'event:closed', 'exit']);
  });

  it('authorize in the bank app and close the tab: the intent moves, the page hears nothing more', async () => {
    const { frame, intent } = await start('script-tag');
    await reachAuthorize(frame);
    await frame.getByTestId('authorize-approve-and-close').click();
    await frame.getByTestId('screen-tab-closed').waitFor();
    expect(bridge.actions.map(([, action]) => action)).toEqual(['start', 'authorize_and_close']);
    expect(intent.status).toBe('succeeded');
    // The closed tab cannot be closed again: Escape does nothing.
    await page.keyboard.press('Escape');
    expect(await frame.getByTestId('widget-close').isHidden()).toBe(true);
    await flushFrame(page);
    expect(await logNames(page)).toEqual(CL_EVENTS_TO_AUTHORIZE);
  });

  it.each([
    ['an unknown widget token', { widgetToken: 'pi_nope_sec_nope' }, 'invalid_widget_token'],
    ['a wrong product', { product: 'movements' }, 'invalid_product'],
    ['a public key of another organisation', { publicKey: 'pk_test_othershop' }, 'invalid_public_key'],
    ['a live key for a test intent', { publicKey: 'pk_live_shop1' }, 'mode_mismatch'],
    ['another holder type', { holderType: 'business' }, 'invalid_holder_type'],
    ['an unknown country', { country: 'ar' }, 'invalid_country'],
  ])('%s: an error screen in Spanish and on_error, then closed and onExit', async (_label, wrong, code) => {
    const { frame } = await start('script-tag', {}, wrong);
    await frame.getByTestId('screen-error').waitFor();
    expect(await frame.getByTestId('error-code').textContent()).toBe(code);
    expect(await frame.locator('h1').textContent()).toBe('No pudimos iniciar el pago');
    await waitForLog(page, 'event:on_error');
    expect((await widgetLog(page)).at(-1)).toMatchObject({
      kind: 'event',
      name: 'on_error',
      metadata: { code },
    });

    await frame.getByTestId('error-close').click();
    await waitForLog(page, 'exit');
    expect(await logNames(page)).toEqual(['event:opened', 'event:on_error', 'event:closed', 'exit']);
    expect(bridge.actions).toEqual([]);
  });

  it('a spent token after a success: reopening shows the error instead of a second payment', async () => {
    const { frame } = await start('script-tag');
    await reachAuthorize(frame);
    await frame.getByTestId('authorize-approve').click();
    await frame.getByTestId('success-close').click();
    await waitForLog(page, 'event:closed');
    await page.evaluate(() => (window as unknown as { widget: { open(): void } }).widget.open());
    await frame.getByTestId('screen-error').waitFor();
    expect(await frame.getByTestId('error-code').textContent()).toBe('widget_token_spent');
    expect((await logNames(page)).filter((name) => name === 'success')).toHaveLength(1);
  });

  it('Mexico: phone login, payment_in_progress after the bank, amounts in pesos', async () => {
    const { frame, intent } = await start('script-tag', { currency: 'MXN', amount: 15050 });
    await frame.getByTestId('institution-mx_bbva').click();
    await frame.getByTestId('login-username').fill('5555555550');
    await frame.getByTestId('login-submit').click();
    await frame.getByTestId('login-error').waitFor({ state: 'visible' });
    expect(await frame.getByTestId('login-error').textContent()).toBe('Número de celular incorrecto.');
    expect(await frame.getByTestId('login-password').count()).toBe(0);
    await frame.getByTestId('login-username').fill('55 5555 5555');
    await frame.getByTestId('login-submit').click();
    await frame.getByTestId('account-012180015555555555').click();
    expect(await frame.getByTestId('confirm-amount').textContent()).toMatch(/150\.50/);
    await frame.getByTestId('confirm-continue').click();
    await frame.getByTestId('authorize-approve').click();
    await waitForLog(page, 'success');
    expect(await logNames(page)).toEqual([
      'event:opened',
      'event:on_available_institutions',
      'event:payment_in_progress',
      'event:on_authentication_form',
      'event:creating_link',
      'event:link_created',
      'event:selecting_account',
      'event:payment_intent_confirmation_required',
      'event:app_authentication_required',
      'event:validating_second_factor',
      'event:validating_payment',
      'event:payment_created',
      'success',
    ]);
    expect(intent.status).toBe('succeeded');
  });

  it('hide keeps the flow, open resumes it, destroy removes the iframe', async () => {
    const { frame } = await start('script-tag');
    await frame.getByTestId('institution-cl_banco_bci').click();
    await frame.getByTestId('screen-login').waitFor();
    const iframe = page.locator('iframe[data-fintoc-widget]');
    await page.evaluate(() => (window as unknown as { widget: { close(): void } }).widget.close());
    await iframe.waitFor({ state: 'hidden' });
    await page.evaluate(() => (window as unknown as { widget: { open(): void } }).widget.open());
    await iframe.waitFor({ state: 'visible' });
    await frame.getByTestId('screen-login').waitFor();
    // The second `opened` answers the page's `open` message asynchronously: wait for it, then flush
    // so that nothing else the frame sent is still on its way.
    const opened = async () => (await logNames(page)).filter((name) => name === 'event:opened');
    await expect.poll(async () => (await opened()).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await flushFrame(page);
    expect(await opened()).toHaveLength(2);
    expect(await logNames(page)).not.toContain('exit');

    await page.evaluate(() => (window as unknown as { widget: { destroy(): void } }).widget.destroy());
    expect(await iframe.count()).toBe(0);
  });

  it('ignores messages that do not come from its frame', async () => {
    const { frame } = await start('script-tag');
    await frame.getByTestId('screen-institutions').waitFor();
    const widgetId = await page.locator('iframe[data-fintoc-widget]').getAttribute('data-fintoc-widget');
    // A forged success and exit posted by the page itself (or any other window) must be ignored.
    await page.evaluate((id) => {
      for (const type of ['success', 'exit'])
        window.postMessage({ channel: 'pasarela-sandbox-widget', widgetId: id, type }, '*');
    }, widgetId);
    await frame.getByTestId('institution-cl_banco_de_chile').click();
    await waitForLog(page, 'event:on_authentication_form');
    expect(await logNames(page)).toEqual([
      'event:opened',
      'event:on_available_institutions',
      'event:on_authentication_form',
    ]);
  });
});
