/**
 * The customer in the widget: clicks through the sandbox's simulated bank flow (bank, login with
 * Fintoc's documented test credentials, an account whose bank app approves by itself, the authorize
 * screen) and ends it the way a journey needs: approve, reject, leave, or approve in the bank app
 * and close the tab. The frame's screens carry stable `data-testid`s (docs/sandbox-widget.md).
 */
import type { Frame, Page } from 'playwright-core';

export type CustomerEnding = 'approve' | 'reject' | 'leave' | 'approve_and_close';

export interface CustomerOutcome {
  /** The widget showed its error screen: the code (`invalid_product`, `widget_token_spent`, …) it shows. */
  widgetError: string | null;
  /** The error came at once (the options or the token were refused), not in the middle of the flow. */
  atStart: boolean;
  /** The screen the flow ended on (`success`, `payment-error`, `tab-closed`, …). */
  finalScreen: string | null;
}

/** How long one screen of the widget may take to come: generous, a busy machine is not the shop's fault. */
const STEP_MS = 60_000;

async function widgetFrame(page: Page): Promise<Frame> {
  const iframe = page.locator('iframe[data-fintoc-widget]').last();
  await iframe.waitFor({ state: 'visible', timeout: STEP_MS });
  const handle = await iframe.elementHandle({ timeout: STEP_MS });
  const frame = await handle?.contentFrame();
  if (!frame) throw new Error("the widget's frame did not load");
  return frame;
}

/** Waits until the frame shows one of `screens`; answers which. */
async function screen(frame: Frame, screens: readonly string[]): Promise<string> {
  const handle = await frame.waitForFunction(
    (wanted) => {
      const name = document.body?.dataset.screen ?? '';
      return wanted.includes(name) ? name : false;
    },
    [...screens],
    { timeout: STEP_MS, polling: 50 },
  );
  return (await handle.jsonValue()) as string;
}

/**
 * Runs the bank flow in the sandbox's widget, which must already be open on `page`.
 *
 * @example
 * await page.click(payButton);
 * const outcome = await payInWidget(page, 'approve');
 */
export async function payInWidget(page: Page, ending: CustomerEnding): Promise<CustomerOutcome> {
  const frame = await widgetFrame(page);
  let atStart = true;
  /** The error screen can come at any step (e.g. the intent expired under the customer). */
  class WidgetError extends Error {}
  const reach = async (screens: readonly string[]): Promise<string> => {
    const at = await screen(frame, [...screens, 'error']);
    if (at === 'error') throw new WidgetError();
    return at;
  };
  try {
    let at = await reach(['institutions', 'login']);
    atStart = false;
    if (at === 'institutions') {
      await frame.locator('[data-testid^="institution-"]').first().click();
      await reach(['login']);
    }
    const password = frame.getByTestId('login-password');
    if (await password.count()) {
      await frame.getByTestId('login-username').fill('41614850-3');
      await password.fill('jonsnow');
    } else {
      await frame.getByTestId('login-username').fill('5555555555');
    }
    await frame.getByTestId('login-submit').click();
    await reach(['accounts']);
    // Accounts whose bank app approves by itself: no second-factor screen to fill.
    const auto = frame.locator(
      '[data-testid="account-422159212"], [data-testid="account-012180015555555555"]',
    );
    await ((await auto.count()) ? auto.first() : frame.locator('[data-testid^="account-"]').first()).click();
    await reach(['confirm']);
    await frame.getByTestId('confirm-continue').click();
    at = await reach(['authorize', 'mfa']);
    if (at === 'mfa') {
      const hint = (await frame.getByTestId('mfa-hint').textContent()) ?? '';
      const codes = hint.replace(/^.*:/, '').trim().replace(/\.$/, '').split(/\s+/);
      for (const [i, code] of codes.entries()) await frame.getByTestId(`mfa-code-${i + 1}`).fill(code);
      await frame.getByTestId('mfa-submit').click();
      await reach(['authorize']);
    }
    switch (ending) {
      case 'approve':
        await frame.getByTestId('authorize-approve').click();
        return {
          widgetError: null,
          atStart: false,
          finalScreen: await reach(['success', 'payment-error', 'processing']),
        };
      case 'reject':
        await frame.getByTestId('authorize-reject').click();
        return { widgetError: null, atStart: false, finalScreen: await reach(['payment-error']) };
      case 'leave':
        await frame.getByTestId('authorize-leave').click();
        return { widgetError: null, atStart: false, finalScreen: null };
      case 'approve_and_close':
        await frame.getByTestId('authorize-approve-and-close').click();
        return { widgetError: null, atStart: false, finalScreen: await reach(['tab-closed']) };
    }
  } catch (err) {
    if (!(err instanceof WidgetError)) throw err;
    const code =
      (
        await frame
          .getByTestId('error-code')
          .textContent()
          .catch(() => null)
      )?.trim() ?? 'unknown';
    await frame
      .getByTestId('error-close')
      .click()
      .catch(() => {});
    return { widgetError: code, atStart, finalScreen: 'error' };
  }
}

/** Closes the end screen of the widget (success or payment error) as the customer does. */
export async function closeWidgetScreen(page: Page): Promise<void> {
  const frame = await widgetFrame(page).catch(() => null);
  if (!frame) return;
  const close = frame.locator(
    '[data-testid="success-close"], [data-testid="payment-error-close"], [data-testid="processing-close"], [data-testid="error-close"]',
  );
  if (await close.count()) await close.first().click();
}

/** True when the widget's frame is open on the page (for a journey that must wait for it). */
export async function widgetOpened(page: Page, timeoutMs: number): Promise<boolean> {
  try {
    await page.locator('iframe[data-fintoc-widget]').last().waitFor({ state: 'visible', timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}
