/**
 * Journeys: what a customer (and Fintoc) does to the shop, each bringing evidence to one or more
 * scenarios. A journey opens the shop in its own browser context, starts a payment, opens Fintoc's
 * widget and ends it one way (pays, leaves, is rejected, pays in the bank app and closes the tab);
 * the hardening journeys then play Fintoc's part with delivery faults and crafted webhooks.
 */
import { randomBytes } from 'node:crypto';
import { sign } from '../fintoc/index.js';
import { intentOfToken, openJourney, sessionOfToken, type JourneyBrowser } from './browser.js';
import {
  advanceTo,
  shows,
  verdictsOver,
  waitVerdict,
  type JourneyRecord,
  type RunContext,
} from './context.js';
import { closeWidgetScreen, payInWidget, type CustomerEnding } from './customer.js';
import type { DeliveryView, IntentView } from './fintoc-side.js';
import { http, pollUntil } from './http.js';
import { formatMs } from './report.js';
import type { ScenarioId } from './scenarios.js';
import { StartFailed } from './shop.js';
import { inspectCheckout } from './ux.js';

export interface Journey {
  id: string;
  /** Needs the shop's abandonment timer to run out (waits, or moves the test clocks). */
  timed: boolean;
  run(ctx: RunContext): Promise<void>;
}

const EVENTS_ID = (ctx: RunContext): ScenarioId =>
  ctx.country === 'cl' ? 'browser-events-cl' : 'browser-events-mx';

/** A journey that stopped on something unexpected: its scenarios fail, saying where. */
function unexpected(ctx: RunContext, scenarios: readonly ScenarioId[], journey: string, err: unknown): void {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 300);
  for (const s of scenarios) {
    if (!ctx.findings.failed(s)) {
      ctx.findings.add(s, 'certify', `The "${journey}" journey stopped: ${message}`, false);
    }
  }
}

async function screenshot(
  ctx: RunContext,
  jb: JourneyBrowser,
  name: string,
  caption: string,
  scenarios: readonly ScenarioId[],
  fullPage = false,
): Promise<void> {
  try {
    const image = await jb.page.screenshot({ type: 'jpeg', quality: 60, fullPage });
    const ref = ctx.keepScreenshot(name, image, caption);
    for (const s of scenarios) ctx.findings.screenshot(s, ref);
  } catch {
    // A page that closed itself has nothing to show; the evidence says what happened.
  }
}

interface Opened {
  jb: JourneyBrowser;
  rec: JourneyRecord;
  finished?: boolean;
}

/** Opens a context, starts a payment; null (with the failure recorded) when the shop cannot. */
async function begin(ctx: RunContext, id: string, scenarios: ScenarioId[]): Promise<Opened | null> {
  const rec: JourneyRecord = {
    id,
    scenarios,
    ref: null,
    create: null,
    intentId: null,
    widgetError: null,
    startedAt: Date.now(),
    startedFintocMs: Date.now() + ctx.offsetMs,
    createdFintocMs: null,
  };
  ctx.journeys.push(rec);
  const jb = await openJourney(ctx.browser, ctx.contextOptions);
  const orderId = `cert-${ctx.runId}-${id}`;
  try {
    rec.ref = await ctx.shop.start(jb.page, orderId);
  } catch (err) {
    await finish(ctx, { jb, rec });
    if (!(err instanceof StartFailed)) throw err;
    for (const s of scenarios)
      ctx.findings.add(s, 'shop', `Could not start a payment: ${err.message}`, false);
    return null;
  }
  ctx.findings.add(
    scenarios[0]!,
    'shop',
    `Payment started for order ${orderId}${rec.ref.paymentId ? ` (${rec.ref.paymentId})` : ''}${rec.ref.checkoutUrl ? `; checkout at ${rec.ref.checkoutUrl}` : ''}.`,
  );
  return { jb, rec };
}

/** Closes the journey's browser (once), keeping what the secret-key scan saw. */
async function finish(ctx: RunContext, o: Opened): Promise<void> {
  if (o.finished) return;
  o.finished = true;
  ctx.secrets.push(...(await o.jb.secrets()));
  await o.jb.close();
}

/** Clicks Fintoc's button and waits for `Fintoc.create`; false (recorded) when the widget never opens. */
async function openWidget(ctx: RunContext, o: Opened): Promise<boolean> {
  const { jb, rec } = o;
  const blockedScenarios = rec.scenarios.filter((s) => s !== 'widget-product');
  try {
    await jb.page.locator(ctx.target.payButton).first().click({ timeout: 60_000 });
  } catch {
    for (const s of rec.scenarios) {
      ctx.findings.add(
        s,
        'browser',
        `The checkout has no ${ctx.target.payButton} to open Fintoc's widget.`,
        false,
      );
    }
    return false;
  }
  const create = await pollUntil(async () => (await jb.capture()).creates[0], { timeoutMs: 60_000 });
  if (!create) {
    rec.widgetError = 'not_opened';
    for (const s of blockedScenarios) {
      ctx.findings.blocked(s, 'widget-product', "Fintoc's widget never opened (see widget-product).");
    }
    return false;
  }
  rec.create = create;
  rec.createdFintocMs = create.at + ctx.offsetMs;
  rec.intentId = intentOfToken(create.options.widgetToken);
  const session = sessionOfToken(create.options.sessionToken);
  if (rec.intentId === null && session !== null) {
    // A Checkout Session (Fintoc's current flow): its intent is made when the widget opens it.
    rec.intentId =
      (await pollUntil(() => ctx.side.sessionIntent(session).then((id) => id ?? undefined), {
        timeoutMs: 30_000,
      }).catch(() => undefined)) ?? null;
  }
  if (rec.ref) rec.ref.intentId = rec.intentId;
  return true;
}

/** Runs the customer's part in the widget; false (the other scenarios blocked) when the widget refused. */
async function customer(ctx: RunContext, o: Opened, ending: CustomerEnding): Promise<boolean> {
  const outcome = await payInWidget(o.jb.page, ending);
  if (outcome.widgetError === null) {
    const verb = {
      approve: 'authorized the payment',
      reject: 'rejected the payment in the bank',
      leave: 'left the widget before authorizing',
      approve_and_close: 'authorized in the bank app and closed the tab',
    }[ending];
    ctx.findings.add(o.rec.scenarios[0]!, 'browser', `The customer ${verb}.`);
    return true;
  }
  o.rec.widgetError = outcome.widgetError;
  if (!outcome.atStart) return cutShort(ctx, o, ending, outcome.widgetError);
  for (const s of o.rec.scenarios.filter((x) => x !== 'widget-product')) {
    ctx.findings.blocked(
      s,
      'widget-product',
      `the widget refused to open the payment (${outcome.widgetError}; see widget-product).`,
    );
  }
  return false;
}

/**
 * The payment stopped being payable under the customer (the widget's error screen mid-flow). Whose
 * doing it was is judged on Fintoc's record of the intent, not on how long the customer took (the
 * machine's speed): a shop that expired it before its timeout broke the abandonment rule; one that
 * expired it at its timeout did right, the customer was just slower than a shortened (rehearsal)
 * timeout. A customer who was leaving anyway has left either way. Answers whether the journey goes on.
 */
async function cutShort(
  ctx: RunContext,
  o: Opened,
  ending: CustomerEnding,
  widgetError: string,
): Promise<boolean> {
  // What waited on the customer's ending (the widget's options and the checkout were judged before).
  const others = o.rec.scenarios.filter((x) => x !== 'widget-product' && x !== 'ux-guidelines');
  const cut = o.rec.intentId ? await expiredUnder(ctx, o.rec, o.rec.intentId) : null;
  if (cut && ending === 'leave') {
    ctx.findings.add(
      o.rec.scenarios[0]!,
      'browser',
      `The intent expired while the customer was still in the widget (${formatMs(cut.elapsedMs)} after the payment was created); the customer closed the widget without authorizing.`,
    );
    return true;
  }
  if (cut?.byShop && cut.elapsedMs < ctx.timeoutMs - 1_000) {
    if (ctx.country === 'cl') {
      ctx.findings.add('cl-leave-before-authorizing', 'fintoc', earlyExpiry(ctx, cut.elapsedMs), false);
      for (const s of others.filter((x) => x !== 'cl-leave-before-authorizing'))
        ctx.findings.blocked(
          s,
          'cl-leave-before-authorizing',
          `the shop expired the payment ${formatMs(cut.elapsedMs)} after it was created, before its ${formatMs(ctx.timeoutMs)} timeout, while the customer was paying (see cl-leave-before-authorizing).`,
        );
    } else {
      for (const s of others)
        ctx.findings.add(
          s,
          'fintoc',
          `The shop expired the payment intent ${formatMs(cut.elapsedMs)} after it was created, before its ${formatMs(ctx.timeoutMs)} timeout, while the customer was still paying.`,
          false,
        );
    }
    return false;
  }
  if (cut?.byShop) {
    for (const s of others)
      ctx.findings.blocked(
        s,
        null,
        `the customer was still paying when the shop expired the payment at its ${formatMs(ctx.timeoutMs)} timeout (${formatMs(cut.elapsedMs)} after it was created), as it should; a shortened timeout must leave the customer time to pay (rehearse with a longer --abandon-after).`,
      );
    return false;
  }
  for (const s of others) {
    ctx.findings.add(
      s,
      'browser',
      `The widget showed an error in the middle of the payment (${widgetError}): the payment intent stopped being payable while the customer was paying.`,
      false,
    );
  }
  return false;
}

/** The sentence of an expiry before the timeout (cl-leave-before-authorizing). */
function earlyExpiry(ctx: RunContext, elapsedMs: number): string {
  return `The shop expired the intent ${formatMs(elapsedMs)} after it was created, before the ${formatMs(ctx.timeoutMs)} timeout: a customer still in their bank would lose the payment.`;
}

/**
 * When the shop's timeout started for a journey's payment: the Checkout Session's creation in the
 * session flow (its intent is made later, when the widget opens it), else the intent's.
 */
async function paymentStart(
  ctx: RunContext,
  rec: JourneyRecord,
  intent: IntentView,
): Promise<{ createdAt: string; sessionId: string | null; sessionCreatedAt: string | null }> {
  const sessionId = sessionOfToken(rec.create?.options.sessionToken);
  const session = sessionId ? await ctx.side.session(sessionId) : null;
  return {
    createdAt: session?.created_at ?? intent.created_at,
    sessionId,
    sessionCreatedAt: session?.created_at ?? null,
  };
}

/** Whether (by whom, how long after the payment's creation) the intent expired; null when it did not, or when that cannot be told. */
async function expiredUnder(
  ctx: RunContext,
  rec: JourneyRecord,
  intentId: string,
): Promise<{ elapsedMs: number; byShop: boolean } | null> {
  const intent = await ctx.side.intent(intentId);
  if (intent?.status !== 'expired') return null;
  const createdMs = Date.parse((await paymentStart(ctx, rec, intent)).createdAt);
  // Only the sandbox tells when an intent expired; Fintoc's API says only that it did.
  const expiry = await expiryOf(ctx, intentId, { lastOpen: createdMs, firstExpired: null });
  if (expiry.expiredMs === null) return null;
  return { elapsedMs: expiry.expiredMs - createdMs, byShop: expiry.byShop === true };
}

async function called(o: Opened, kind: 'success' | 'exit', timeoutMs: number): Promise<number | undefined> {
  return pollUntil(async () => (await o.jb.capture()).calls.find((c) => c.kind === kind)?.at, { timeoutMs });
}

/** Visible now? (A page may close itself; then it shows nothing.) */
async function visible(o: Opened, selector: string): Promise<boolean> {
  return o.jb.page
    .locator(selector)
    .first()
    .isVisible()
    .catch(() => false);
}

/**
 * A journey in the browser: a turn in the browser, a payment started, `body`, and the browser
 * closed in the end whatever happens. `body` may give its turn back early (`release`) or close the
 * browser itself (`finish`), e.g. when it goes on waiting without it.
 */
async function inBrowser(
  ctx: RunContext,
  id: string,
  scenarios: ScenarioId[],
  body: (o: Opened, release: () => void) => Promise<void>,
): Promise<void> {
  const release = await ctx.slot();
  const o = await begin(ctx, id, scenarios);
  if (!o) return release();
  try {
    await body(o, release);
  } catch (err) {
    unexpected(ctx, scenarios, id, err);
  } finally {
    await finish(ctx, o);
    release();
  }
}

/** The customer pays: UX checks on the checkout, then the page must follow onSuccess. */
export const payJourney: Journey = {
  id: 'pay',
  timed: false,
  async run(ctx) {
    const events = EVENTS_ID(ctx);
    const scenarios: ScenarioId[] = [events, 'ux-guidelines', 'widget-product'];
    await inBrowser(ctx, 'pay', scenarios, async (o) => {
      const input = {
        page: o.jb.page,
        payButton: ctx.target.payButton,
        country: ctx.country,
        amount: ctx.target.amount,
        currency: ctx.target.currency,
        merchantName: ctx.target.merchantName,
      };
      const checks = await inspectCheckout(input, '390 px');
      await screenshot(
        ctx,
        o.jb,
        'checkout-phone',
        'The checkout at 390 px, before paying',
        ['ux-guidelines'],
        true,
      );
      await o.jb.page.setViewportSize({ width: 1280, height: 800 });
      checks.push(...(await inspectCheckout(input, 'desktop')));
      await screenshot(ctx, o.jb, 'checkout-desktop', 'The checkout on a desktop screen', ['ux-guidelines']);
      await o.jb.page.setViewportSize({ width: 390, height: 844 });
      for (const c of checks) ctx.findings.add('ux-guidelines', 'browser', c.detail, c.ok);

      if (!(await openWidget(ctx, o)) || !(await customer(ctx, o, 'approve'))) return;
      await screenshot(ctx, o.jb, 'widget-success', "Fintoc's widget after the customer authorized", [
        events,
      ]);
      const success = await called(o, 'success', 60_000);
      if (
        !ctx.findings.check(
          events,
          'browser',
          success !== undefined,
          'The widget called onSuccess.',
          'The widget never called onSuccess after the customer authorized, so the page could not be checked.',
        )
      )
        return;
      await closeWidgetScreen(o.jb.page);
      const shown = await shows(o.jb.page, ctx.target.states.success, 30_000);
      ctx.findings.check(
        events,
        'browser',
        shown,
        `After onSuccess the page showed its success state (${ctx.target.states.success}).`,
        `After the widget's onSuccess the page never showed its success state (${ctx.target.states.success}) within 30 s.`,
      );
      await screenshot(ctx, o.jb, 'after-success', 'The page after the widget succeeded', [events]);
      const verdict = await waitVerdict(ctx, o.rec.ref!, 'paid', 30_000);
      ctx.findings.add(
        events,
        'shop',
        `The shop's verdict after the success: "${verdict.raw}" (${verdict.value}).`,
      );
    });
  },
};

/** The customer is rejected by the bank: the page must say so and never claim success. */
export const rejectJourney: Journey = {
  id: 'reject',
  timed: false,
  async run(ctx) {
    const events = EVENTS_ID(ctx);
    const scenarios: ScenarioId[] = [events, 'widget-product'];
    await inBrowser(ctx, 'reject', scenarios, async (o) => {
      if (!(await openWidget(ctx, o)) || !(await customer(ctx, o, 'reject'))) return;
      await closeWidgetScreen(o.jb.page);
      const exit = await called(o, 'exit', 15_000);
      ctx.findings.add(
        events,
        'browser',
        exit ? 'The widget reported payment_error, then onExit.' : 'The widget reported payment_error.',
      );
      const said = await shows(o.jb.page, ctx.target.states.rejected, 30_000);
      ctx.findings.check(
        events,
        'browser',
        said,
        `After the bank rejected the payment, the page said so (${ctx.target.states.rejected}).`,
        `After the bank rejected the payment, the page did not say so (${ctx.target.states.rejected} never appeared within 30 s).`,
      );
      const claims = await visible(o, ctx.target.states.success);
      ctx.findings.check(
        events,
        'browser',
        !claims,
        'The page did not claim success for the rejected payment.',
        'After the bank rejected the payment, the page claimed success.',
      );
      await screenshot(ctx, o.jb, 'after-reject', 'The page after the bank rejected the payment', [events]);
      const verdict = await waitVerdict(ctx, o.rec.ref!, 'not_paid', 15_000);
      ctx.findings.add(
        events,
        'shop',
        `The shop's verdict after the rejection: "${verdict.raw}" (${verdict.value}).`,
      );
    });
  },
};

/** The expiry of an abandoned intent, from Fintoc's side: when it was created, when (and by whom) it expired. */
async function expiryOf(
  ctx: RunContext,
  intentId: string,
  observed: { lastOpen: number; firstExpired: number | null },
): Promise<{ createdMs: number; expiredMs: number | null; byShop: boolean | null; detail: string }> {
  const intent = (await ctx.side.intent(intentId)) as IntentView;
  const createdMs = Date.parse(intent.created_at);
  if (intent.status !== 'expired') return { createdMs, expiredMs: null, byShop: null, detail: intent.status };
  const byShop = intent.error_reason === 'manually_expired';
  if (ctx.side.control) {
    const log = await ctx.side.requests('test');
    const call = log.find(
      (r) =>
        r.method === 'POST' &&
        r.path.split('?')[0] === `/v1/payment_intents/${intentId}/expire` &&
        r.status < 300,
    );
    if (call)
      return {
        createdMs,
        expiredMs: Date.parse(call.at),
        byShop,
        detail: `POST ${call.path} → ${call.status}`,
      };
    const history = await ctx.side.history(intentId);
    const moved = history.find((h) => h.status === 'expired');
    return {
      createdMs,
      expiredMs: moved ? Date.parse(moved.at) : null,
      byShop,
      detail: moved?.cause ?? 'expired',
    };
  }
  return {
    createdMs,
    expiredMs: observed.firstExpired,
    byShop,
    detail: `first seen expired by polling Fintoc's API (last seen open at ${new Date(observed.lastOpen).toISOString()})`,
  };
}

/** After the customer left (Chile): the shop must expire the intent after the timeout, not before. */
async function abandonment(ctx: RunContext, o: Opened): Promise<void> {
  const s: ScenarioId = 'cl-leave-before-authorizing';
  const intentId = o.rec.intentId;
  if (!intentId) {
    ctx.findings.add(
      s,
      'browser',
      "The widget was not opened with a payment intent's widget_token, so there is no intent to watch.",
      false,
    );
    return;
  }
  const first = await ctx.side.intent(intentId);
  if (!first) {
    ctx.findings.add(
      s,
      'fintoc',
      `The widget's token names ${intentId}, which this organisation does not have.`,
      false,
    );
    return;
  }
  const { createdAt, sessionId, sessionCreatedAt } = await paymentStart(ctx, o.rec, first);
  const createdMs = Date.parse(createdAt);
  const deadline = createdMs + ctx.timeoutMs;
  const late = deadline + ctx.toleranceMs;
  ctx.findings.add(
    s,
    'fintoc',
    `${sessionCreatedAt ? `Checkout Session ${sessionId} created at ${sessionCreatedAt}, its payment intent ${intentId} at ${first.created_at}` : `Payment intent ${intentId} created at ${first.created_at}`}; the timeout is ${formatMs(ctx.timeoutMs)}, the tolerance ${formatMs(ctx.toleranceMs)}.`,
    undefined,
    createdAt,
  );
  const observed = { lastOpen: createdMs, firstExpired: null as number | null };
  const look = async (): Promise<boolean> => {
    const now = await ctx.side.now();
    const intent = await ctx.side.intent(intentId);
    if (intent?.status === 'expired') {
      observed.firstExpired ??= now;
      return true;
    }
    observed.lastOpen = now;
    return false;
  };
  if (ctx.clocks) {
    await advanceTo(ctx, deadline - 2_000);
    const early = await look();
    ctx.findings.add(
      s,
      'clock',
      `Test clocks moved to 2 s before the timeout: the intent is ${early ? 'already expired' : 'still open'}.`,
    );
    if (!early) {
      await advanceTo(ctx, deadline + 1_000);
      ctx.findings.add(s, 'clock', 'Test clocks moved 1 s past the timeout.');
      if (
        !(await pollUntil(async () => ((await look()) ? true : undefined), {
          timeoutMs: 10_000,
          intervalMs: 200,
        }))
      ) {
        await advanceTo(ctx, late);
        ctx.findings.add(
          s,
          'clock',
          `Test clocks moved to the end of the tolerance (${formatMs(ctx.timeoutMs + ctx.toleranceMs)}).`,
        );
        await pollUntil(async () => ((await look()) ? true : undefined), {
          timeoutMs: 10_000,
          intervalMs: 200,
        });
      }
    }
  } else {
    ctx.progress(
      `waiting for the shop to expire ${intentId} (${formatMs(ctx.timeoutMs)} after it was created)`,
    );
    const remaining = late + 2_000 - (await ctx.side.now());
    await pollUntil(
      async () => {
        if (await look()) return true;
        return (await ctx.side.now()) > late + 2_000 ? false : undefined;
      },
      { timeoutMs: Math.max(0, remaining) + 10_000, intervalMs: ctx.side.control ? 500 : 1_000 },
    );
  }
  const expiry = await expiryOf(ctx, intentId, observed);
  if (expiry.expiredMs === null) {
    ctx.findings.add(
      s,
      'fintoc',
      `The shop did not expire the payment intent within ${formatMs(ctx.timeoutMs)} + ${formatMs(ctx.toleranceMs)} of its creation (it is still ${expiry.detail}).`,
      false,
    );
    return;
  }
  const elapsed = expiry.expiredMs - createdMs;
  ctx.findings.add(
    s,
    'fintoc',
    `Expired ${formatMs(elapsed)} after creation (${expiry.detail}).`,
    undefined,
    new Date(expiry.expiredMs).toISOString(),
  );
  if (
    !ctx.findings.check(
      s,
      'fintoc',
      expiry.byShop === true,
      'The shop expired the intent itself (error_reason manually_expired).',
      `The intent was expired by Fintoc's own timeout (error_reason ${JSON.stringify((await ctx.side.intent(intentId))?.error_reason ?? null)}), not by the shop: the shop must expire it after ${formatMs(ctx.timeoutMs)}.`,
    )
  )
    return;
  // Second precision of created_at: a second of slack before the timeout.
  ctx.findings.check(
    s,
    'fintoc',
    elapsed >= ctx.timeoutMs - 1_000,
    `Not before the timeout: ${formatMs(elapsed)} ≥ ${formatMs(ctx.timeoutMs)} (1 s measurement slack).`,
    earlyExpiry(ctx, elapsed),
  );
  ctx.findings.check(
    s,
    'fintoc',
    elapsed <= ctx.timeoutMs + ctx.toleranceMs,
    `Within the tolerance: ${formatMs(elapsed)} ≤ ${formatMs(ctx.timeoutMs + ctx.toleranceMs)}.`,
    `The shop expired the intent ${formatMs(elapsed)} after it was created, later than ${formatMs(ctx.timeoutMs)} + ${formatMs(ctx.toleranceMs)}.`,
  );
  const verdict = await waitVerdict(ctx, o.rec.ref!, 'not_paid', 15_000);
  ctx.findings.check(
    s,
    'shop',
    verdict.matched,
    `After the expiry the shop's verdict says not paid ("${verdict.raw}").`,
    `After the intent expired, the shop's verdict still says "${verdict.raw}" instead of not paid.`,
  );
}

/** The customer leaves the widget: the page offers a retry; in Chile the timeout then runs out. */
export const exitJourney = (chile: boolean): Journey => ({
  id: 'exit',
  timed: chile,
  async run(ctx) {
    const events = EVENTS_ID(ctx);
    const scenarios: ScenarioId[] = [
      events,
      'widget-product',
      ...(chile ? ['cl-leave-before-authorizing' as const] : []),
    ];
    await inBrowser(ctx, 'exit', scenarios, async (o, release) => {
      if (!(await openWidget(ctx, o)) || !(await customer(ctx, o, 'leave'))) return;
      const exit = await called(o, 'exit', 15_000);
      ctx.findings.add(
        events,
        'browser',
        exit ? 'The widget called onExit.' : 'The widget did not call onExit.',
      );
      const claims = () => visible(o, ctx.target.states.success);
      // Whichever the page shows first: the offer to try again, or (wrongly) success.
      await Promise.race([
        shows(o.jb.page, ctx.target.states.retry, 30_000),
        shows(o.jb.page, ctx.target.states.success, 30_000),
      ]);
      ctx.findings.check(
        events,
        'browser',
        !(await claims()),
        'The page did not claim success after the customer left.',
        'After the customer left the widget (onExit), the page claimed success.',
      );
      const retry = await visible(o, ctx.target.states.retry);
      ctx.findings.check(
        events,
        'browser',
        retry,
        `After onExit the page offered to try again (${ctx.target.states.retry}).`,
        `After the customer left the widget, the page did not offer to try again (${ctx.target.states.retry} never appeared within 30 s).`,
      );
      await screenshot(ctx, o.jb, 'after-exit', 'The page after the customer left the widget', [events]);
      if (!chile) return;
      release();
      await abandonment(ctx, o);
      ctx.findings.check(
        events,
        'browser',
        !(await claims()),
        'After the timeout the page still did not claim success.',
        'After the timeout the page the customer left claimed success.',
      );
      await screenshot(ctx, o.jb, 'after-timeout', 'The page the customer left, after the timeout', [
        'cl-leave-before-authorizing',
      ]);
    });
  },
});

/** Waits for the first attempt of an event's delivery to the shop; null when none came in time. */
/** An attempt is over once it has an answer time, or a fault dropped it (an attempt in flight has neither). */
function settled(d: DeliveryView, i: number): boolean {
  const a = d.attempts[i];
  return a !== undefined && (a.outcome === 'dropped' || a.response_time_ms !== null);
}

async function firstDelivery(
  ctx: RunContext,
  intentId: string,
  type: string,
  timeoutMs: number,
  accept: (d: DeliveryView) => boolean = (d) => settled(d, 0),
): Promise<DeliveryView | null> {
  return (
    (await pollUntil(
      async () => (await ctx.side.deliveries(intentId)).find((d) => d.event_type === type && accept(d)),
      { timeoutMs, intervalMs: 250 },
    )) ?? null
  );
}

function attemptText(d: DeliveryView, i: number): string {
  const a = d.attempts[i];
  if (!a) return 'no attempt';
  if (a.outcome === 'dropped') return 'dropped by a sandbox fault';
  return a.status_code !== null
    ? `${a.status_code} in ${a.response_time_ms ?? '?'} ms`
    : (a.error ?? 'no answer');
}

const twoxx = (d: DeliveryView, i: number) => {
  const code = d.attempts[i]?.status_code ?? 0;
  return d.attempts[i]?.outcome === 'delivered' && code >= 200 && code < 300;
};

/** Subscribed, enabled endpoints for an event type (Fintoc's API). */
async function subscribed(ctx: RunContext, type: string) {
  return (await ctx.side.endpoints()).filter(
    (e) => e.status === 'enabled' && (e.enabled_events.includes(type) || e.enabled_events.includes('*')),
  );
}

/** Chile: the customer authorizes in the bank app and closes the tab; only the webhook is left. */
export const bankAppJourney: Journey = {
  id: 'bank-app',
  timed: false,
  async run(ctx) {
    const s: ScenarioId = 'cl-authorize-and-never-return';
    const scenarios: ScenarioId[] = [s, 'widget-product'];
    await inBrowser(ctx, 'bank-app', scenarios, async (o, release) => {
      if (!(await openWidget(ctx, o)) || !(await customer(ctx, o, 'approve_and_close'))) return;
      await finish(ctx, o);
      release();
      ctx.findings.add(s, 'browser', 'The tab was closed: from here on no browser is involved.');
      const intentId = o.rec.intentId;
      if (!intentId) {
        ctx.findings.add(
          s,
          'browser',
          "The widget was not opened with a payment intent's widget_token.",
          false,
        );
        return;
      }
      const endpoints = await subscribed(ctx, 'payment_intent.succeeded');
      if (
        !ctx.findings.check(
          s,
          'fintoc',
          endpoints.length > 0,
          `Webhook endpoint${endpoints.length > 1 ? 's' : ''} subscribed to payment_intent.succeeded: ${endpoints.map((e) => e.url).join(', ')}.`,
          'No enabled webhook endpoint of this organisation is subscribed to payment_intent.succeeded: Fintoc has nowhere to confirm the payment.',
        )
      )
        return;
      let confirmedAt = Date.now();
      if (ctx.side.control) {
        const d = await firstDelivery(
          ctx,
          intentId,
          'payment_intent.succeeded',
          30_000 + ctx.deliveryTimeoutMs,
        );
        if (!d) {
          ctx.findings.add(
            s,
            'webhook',
            'Fintoc never attempted the payment_intent.succeeded webhook (no delivery within 40 s).',
            false,
          );
          return;
        }
        const a = d.attempts[0]!;
        ctx.findings.add(
          s,
          'webhook',
          `payment_intent.succeeded delivered to ${d.url}: ${attemptText(d, 0)}.`,
          undefined,
          a.at,
        );
        if (
          !ctx.findings.check(
            s,
            'webhook',
            twoxx(d, 0) && (a.response_time_ms ?? 0) <= ctx.deliveryTimeoutMs,
            `The shop answered Fintoc's webhook ${a.status_code} within the ${ctx.deliveryTimeoutMs / 1000} s delivery timeout.`,
            `The shop answered Fintoc's payment_intent.succeeded webhook with ${attemptText(d, 0)}${a.response_body_excerpt ? ` ("${a.response_body_excerpt.slice(0, 80)}")` : ''}: it must answer 2xx within ${ctx.deliveryTimeoutMs / 1000} s.`,
          )
        )
          return;
        confirmedAt = Date.now();
      } else {
        const intent = await pollUntil(
          async () => {
            const i = await ctx.side.intent(intentId);
            return i?.status === 'succeeded' ? i : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 1_000 },
        );
        ctx.findings.add(
          s,
          'fintoc',
          intent
            ? `Fintoc shows ${intentId} succeeded; Fintoc's API does not show the webhook's answer, so only the verdict is checked.`
            : `Fintoc never showed ${intentId} as succeeded.`,
          intent ? undefined : false,
        );
        if (!intent) return;
      }
      const verdict = await waitVerdict(ctx, o.rec.ref!, 'paid', 30_000);
      ctx.findings.check(
        s,
        'shop',
        verdict.matched,
        `Without the customer's browser, the shop's verdict became paid ("${verdict.raw}") ${((Date.now() - confirmedAt) / 1000).toFixed(1)} s after the webhook.`,
        `The shop's verdict did not become paid within 30 s of Fintoc's webhook (it says "${verdict.raw}"): confirm payments from the webhook, not from the customer's return.`,
      );
    });
  },
};

/** Starts a payment and opens the widget only to learn its intent; the customer's part is then played through the sandbox. */
async function intentOnly(
  ctx: RunContext,
  id: string,
  scenarios: ScenarioId[],
): Promise<JourneyRecord | null> {
  const release = await ctx.slot();
  const o = await begin(ctx, id, scenarios);
  if (!o) {
    release();
    return null;
  }
  try {
    if (!(await openWidget(ctx, o))) return null;
    if (!o.rec.intentId) {
      for (const s of scenarios)
        ctx.findings.blocked(
          s,
          'widget-product',
          "the widget was not opened with a payment intent's widget_token (see widget-product).",
        );
      return null;
    }
    // The widget opens its session at Fintoc a moment after Fintoc.create, on its own. Playing the
    // customer's part first could move the intent on before that session arrives, which would then
    // be refused as spent and blamed on the shop's widget (widget-product); and closing the browser
    // first could lose the session, leaving the options unjudged.
    if (ctx.side.control && !(await widgetSessionOpened(ctx, o.rec))) {
      for (const s of scenarios)
        ctx.findings.add(
          s,
          'widget',
          "The widget opened for this payment never opened its session at Fintoc (none within 60 s), so the customer's part could not be played.",
          false,
        );
      return null;
    }
    return o.rec;
  } finally {
    await finish(ctx, o);
    release();
  }
}

/** Waits (up to a minute) until the sandbox has the widget session of the journey's `Fintoc.create`. */
async function widgetSessionOpened(ctx: RunContext, rec: JourneyRecord): Promise<boolean> {
  const options = rec.create?.options ?? {};
  const token = options.widgetToken ?? options.sessionToken;
  const opened = await pollUntil(
    async () =>
      (await ctx.side.widgetSessions()).some(
        (w) => (w.options.widgetToken ?? w.options.sessionToken) === token,
      )
        ? true
        : undefined,
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  return opened === true;
}

const NEEDS_SANDBOX =
  "Needs the sandbox's control API (delivery faults, scenarios, the endpoint's secret); Fintoc's test mode has none: run certify against the sandbox for it.";

interface Played {
  rec: JourneyRecord;
  intentId: string;
  /** Adds a delivery fault about this payment's intent; every fault is removed when the journey ends. */
  fault(body: Record<string, unknown>): Promise<string>;
  /** Removes one of those faults now. */
  clear(id: string): Promise<void>;
}

/**
 * A hardening journey played through the sandbox: the shop's widget is opened for a new payment,
 * then `play` drives its intent (scenarios, faults scoped to it, simulated customer). Against
 * Fintoc's test mode its scenarios are not available.
 */
async function throughSandbox(
  ctx: RunContext,
  id: string,
  scenarios: ScenarioId[],
  play: (p: Played) => Promise<void>,
): Promise<void> {
  if (!ctx.side.control) {
    for (const s of scenarios) ctx.findings.notAvailable(s, NEEDS_SANDBOX);
    return;
  }
  const rec = await intentOnly(ctx, id, scenarios);
  if (!rec?.intentId) return;
  const intentId = rec.intentId;
  const faults = new Set<string>();
  try {
    await play({
      rec,
      intentId,
      fault: async (body) => {
        const added = await ctx.side.addFault({ ...body, payment_intent_id: intentId });
        faults.add(added);
        return added;
      },
      clear: async (fault) => {
        await ctx.side.removeFault(fault);
        faults.delete(fault);
      },
    });
  } catch (err) {
    unexpected(ctx, scenarios, scenarios[0]!, err);
  } finally {
    for (const fault of faults) await ctx.side.removeFault(fault).catch(() => {});
  }
}

/** Hardening: Fintoc's first attempt fails, the retry must be taken; then the same event comes again. */
export const retryJourney: Journey = {
  id: 'webhook-retry',
  timed: false,
  async run(ctx) {
    await throughSandbox(
      ctx,
      'retry',
      ['webhook-retry', 'webhook-duplicate'],
      async ({ rec, intentId, fault, clear }) => {
        const dropped = await fault({ kind: 'drop', count: 1, event_type: 'payment_intent.succeeded' });
        await ctx.side.setScenario(intentId, { scenario: 'succeed' });
        await ctx.side.simulate(intentId, 'run');
        ctx.findings.add(
          'webhook-retry',
          'fintoc',
          `The customer paid ${intentId}; its first webhook attempt is dropped on the way (a sandbox fault).`,
        );
        const d = await firstDelivery(
          ctx,
          intentId,
          'payment_intent.succeeded',
          30_000 + ctx.deliveryTimeoutMs,
          (x) => settled(x, 1),
        );
        if (!d) {
          ctx.findings.add(
            'webhook-retry',
            'webhook',
            'The retry of the dropped delivery never reached the shop within 40 s.',
            false,
          );
          return;
        }
        ctx.findings.add(
          'webhook-retry',
          'webhook',
          `Attempt 1: ${attemptText(d, 0)}; attempt 2 (${d.attempts[1]!.at}): ${attemptText(d, 1)}.`,
        );
        ctx.findings.check(
          'webhook-retry',
          'webhook',
          twoxx(d, 1),
          `The shop answered the retry ${d.attempts[1]!.status_code}.`,
          `The shop answered Fintoc's retry with ${attemptText(d, 1)}: it must take a retried delivery like the first.`,
        );
        const paid = await waitVerdict(ctx, rec.ref!, 'paid', 30_000);
        ctx.findings.check(
          'webhook-retry',
          'shop',
          paid.matched,
          `After the retry the shop's verdict is paid ("${paid.raw}").`,
          `After Fintoc's retry was delivered, the shop's verdict stayed "${paid.raw}" instead of paid.`,
        );
        await clear(dropped);
        // The same event once more, as Fintoc does when an answer is lost.
        const again = await ctx.side.resend(d.id);
        const dup = await pollUntil(
          async () => {
            const found = (await ctx.side.deliveries(intentId)).find(
              (x) => x.id === again.id && settled(x, 0),
            );
            return found;
          },
          { timeoutMs: 15_000 + ctx.deliveryTimeoutMs },
        );
        if (!dup) {
          ctx.findings.add(
            'webhook-duplicate',
            'webhook',
            'The duplicate delivery was never attempted.',
            false,
          );
          return;
        }
        ctx.findings.add(
          'webhook-duplicate',
          'webhook',
          `Event ${d.event_id} delivered twice: first ${attemptText(d, 1)}, again ${attemptText(dup, 0)}.`,
        );
        ctx.findings.check(
          'webhook-duplicate',
          'webhook',
          twoxx(dup, 0),
          `The shop answered the duplicate ${dup.attempts[0]!.status_code}.`,
          `The shop answered the second delivery of the same event with ${attemptText(dup, 0)}: a duplicate must be acknowledged (2xx) and ignored.`,
        );
        const readings = await verdictsOver(ctx, rec.ref!, 2_000);
        const stayed = readings.every((r) => r.value === 'paid');
        ctx.findings.check(
          'webhook-duplicate',
          'shop',
          stayed && paid.matched,
          `The verdict stayed paid across the duplicate (${readings.length} readings).`,
          `After the duplicate the shop's verdict changed to "${readings.find((r) => r.value !== 'paid')?.raw ?? ''}".`,
        );
      },
    );
  },
};

/** Hardening: succeeded is delivered before pending; the payment must stay paid. */
export const outOfOrderJourney: Journey = {
  id: 'webhook-out-of-order',
  timed: false,
  async run(ctx) {
    const s: ScenarioId = 'webhook-out-of-order';
    await throughSandbox(ctx, 'order', [s], async ({ rec, intentId, fault }) => {
      await ctx.side.setScenario(intentId, { scenario: 'pending_then_succeed', pending_for: '1s' });
      await fault({ kind: 'reorder', window: '4s' });
      await ctx.side.simulate(intentId, 'run');
      ctx.findings.add(
        s,
        'fintoc',
        `${intentId} goes pending, then succeeded 1 s later; both deliveries are held and sent newest first.`,
      );
      const both = await pollUntil(
        async () => {
          const list = await ctx.side.deliveries(intentId);
          const pending = list.find((d) => d.event_type === 'payment_intent.pending' && settled(d, 0));
          const succeeded = list.find((d) => d.event_type === 'payment_intent.succeeded' && settled(d, 0));
          return pending && succeeded ? { pending, succeeded } : undefined;
        },
        { timeoutMs: 30_000 + 2 * ctx.deliveryTimeoutMs },
      );
      if (!both) {
        ctx.findings.add(s, 'webhook', 'The two deliveries were not both attempted within 50 s.', false);
        return;
      }
      const order = Date.parse(both.succeeded.attempts[0]!.at) <= Date.parse(both.pending.attempts[0]!.at);
      ctx.findings.add(
        s,
        'webhook',
        `succeeded delivered at ${both.succeeded.attempts[0]!.at} (${attemptText(both.succeeded, 0)}), pending at ${both.pending.attempts[0]!.at} (${attemptText(both.pending, 0)})${order ? ': out of order' : ''}.`,
      );
      ctx.findings.check(
        s,
        'webhook',
        twoxx(both.succeeded, 0) && twoxx(both.pending, 0),
        'The shop acknowledged both (2xx).',
        `The shop answered the out-of-order deliveries with ${attemptText(both.succeeded, 0)} and ${attemptText(both.pending, 0)}: acknowledge every event (2xx), then ignore the stale one.`,
      );
      const readings = await verdictsOver(ctx, rec.ref!, 2_000);
      const last = readings[readings.length - 1];
      ctx.findings.check(
        s,
        'shop',
        readings.length > 0 && readings.every((r) => r.value === 'paid'),
        `The verdict stayed paid after the older pending event came last (${readings.length} readings).`,
        `After an older payment_intent.pending arrived after payment_intent.succeeded, the shop's verdict is "${last?.raw ?? ''}" instead of paid: branch on the intent's final status, never move back.`,
      );
    });
  },
};

/** Hardening: forged and stale deliveries of a success the customer never made. */
export const signatureJourney: Journey = {
  id: 'webhook-signature',
  timed: false,
  async run(ctx) {
    const forged: ScenarioId = 'webhook-forged-signature';
    const stale: ScenarioId = 'webhook-stale-signature';
    const scenarios: ScenarioId[] = ctx.side.control ? [forged, stale] : [forged];
    if (!ctx.side.control)
      ctx.findings.notAvailable(
        stale,
        "Needs the endpoint's secret to sign an old timestamp; only the sandbox shows it again.",
      );
    const rec = await intentOnly(ctx, 'signature', scenarios);
    if (!rec?.intentId) return;
    try {
      const endpoints = await subscribed(ctx, 'payment_intent.succeeded');
      if (endpoints.length === 0) {
        for (const s of scenarios)
          ctx.findings.add(
            s,
            'fintoc',
            'No enabled webhook endpoint is subscribed to payment_intent.succeeded, so there is nothing to send to.',
            false,
          );
        return;
      }
      const intent = (
        await http(`${ctx.side.apiUrl}/v1/payment_intents/${rec.intentId}`, {
          headers: { authorization: ctx.side.secretKey },
        })
      ).json as Record<string, unknown>;
      const body = JSON.stringify({
        id: `evt_certify${randomBytes(8).toString('hex')}`,
        object: 'event',
        type: 'payment_intent.succeeded',
        mode: 'test',
        created_at: new Date().toISOString(),
        data: { ...intent, status: 'succeeded', error_reason: null, widget_token: null },
      });
      const post = async (url: string, signature: string) =>
        http(url, {
          method: 'POST',
          body,
          headers: { 'fintoc-signature': signature },
          timeoutMs: 15_000,
        }).catch((err: Error) => ({ status: 0, text: err.message }));
      const now = Math.floor(Date.now() / 1000);
      for (const e of endpoints) {
        const fake = sign({ secret: `whsec_${randomBytes(24).toString('base64url')}`, body, timestamp: now });
        const res = await post(e.url, fake);
        ctx.findings.check(
          forged,
          'webhook',
          res.status >= 400 && res.status < 500,
          `A success signed with a made-up secret was refused by ${e.url} with ${res.status}.`,
          res.status >= 200 && res.status < 300
            ? `${e.url} accepted a webhook signed with a made-up secret (${res.status}): verify Fintoc-Signature with your endpoint's secret before trusting a webhook.`
            : `${e.url} answered a forged webhook with ${res.status || 'no answer'}: refuse it with a 4xx (a 5xx makes Fintoc retry it).`,
        );
        if (ctx.side.control) {
          const secret = await ctx.side.endpointSecret(e.id);
          const old = sign({ secret, body, timestamp: now - 3_600 });
          const res2 = await post(e.url, old);
          ctx.findings.check(
            stale,
            'webhook',
            res2.status >= 400 && res2.status < 500,
            `A success correctly signed an hour ago was refused by ${e.url} with ${res2.status}.`,
            res2.status >= 200 && res2.status < 300
              ? `${e.url} accepted a correctly signed webhook from an hour ago (${res2.status}): check the signature's timestamp (300 s tolerance) so a captured webhook cannot be replayed.`
              : `${e.url} answered a stale webhook with ${res2.status || 'no answer'}: refuse it with a 4xx.`,
          );
        }
      }
      const readings = await verdictsOver(ctx, rec.ref!, 2_000);
      const changed = readings.find((r) => r.value === 'paid');
      for (const s of scenarios) {
        ctx.findings.check(
          s,
          'shop',
          !changed,
          `The shop's verdict did not change: "${readings[readings.length - 1]?.raw ?? ''}" (the customer never paid).`,
          `After the refused webhooks the shop's verdict says paid ("${changed?.raw ?? ''}") for a payment the customer never made.`,
        );
      }
    } catch (err) {
      unexpected(ctx, scenarios, 'webhook-signature', err);
    }
  },
};

/** Hardening: every webhook of the payment is withheld; the shop must learn the outcome by asking. */
export const lostJourney: Journey = {
  id: 'webhook-lost',
  timed: true,
  async run(ctx) {
    const s: ScenarioId = 'webhook-lost';
    await throughSandbox(ctx, 'lost', [s], async ({ rec, intentId, fault, clear }) => {
      const withheld = await fault({ kind: 'stop' });
      await ctx.side.setScenario(intentId, { scenario: 'succeed' });
      await ctx.side.simulate(intentId, 'run');
      const intent = (await ctx.side.intent(intentId)) as IntentView;
      const created = Date.parse(intent.created_at);
      const until = created + ctx.timeoutMs + ctx.toleranceMs;
      ctx.findings.add(
        s,
        'fintoc',
        `${intentId} succeeded at Fintoc; every webhook about it is withheld (a sandbox fault).`,
      );
      let verdict;
      if (ctx.clocks) {
        await advanceTo(ctx, created + ctx.timeoutMs + 1_000);
        ctx.findings.add(s, 'clock', 'Test clocks moved 1 s past the timeout.');
        verdict = await waitVerdict(ctx, rec.ref!, 'paid', 10_000);
        if (!verdict.matched) {
          await advanceTo(ctx, until);
          verdict = await waitVerdict(ctx, rec.ref!, 'paid', 10_000);
        }
      } else {
        ctx.progress(`waiting for the shop to learn ${intentId} was paid without its webhook`);
        verdict = await waitVerdict(
          ctx,
          rec.ref!,
          'paid',
          Math.max(0, until - (await ctx.side.now())) + 5_000,
        );
      }
      const learned = (await ctx.side.now()) - created;
      if (
        !ctx.findings.check(
          s,
          'shop',
          verdict.matched,
          `Without any webhook, the shop's verdict became paid ("${verdict.raw}") by ${formatMs(learned)} after creation: it asked Fintoc.`,
          `With its webhooks withheld, the shop never learned the payment was paid (verdict "${verdict.raw}" ${formatMs(ctx.timeoutMs + ctx.toleranceMs)} after creation): ask Fintoc for the intent's status before giving up on a payment.`,
        )
      )
        return;
      await clear(withheld);
      const d = await firstDelivery(
        ctx,
        intentId,
        'payment_intent.succeeded',
        15_000 + ctx.deliveryTimeoutMs,
      );
      if (d) {
        ctx.findings.check(
          s,
          'webhook',
          twoxx(d, 0),
          `The withheld webhook, delivered late, was answered ${d.attempts[0]!.status_code}.`,
          `The late webhook of a payment the shop already knew was answered ${attemptText(d, 0)}: acknowledge it (2xx).`,
        );
      }
    });
  },
};

/** Hardening: the bank settles after the shop's timeout canceled the payment. */
export const lateJourney: Journey = {
  id: 'paid-after-cancel',
  timed: true,
  async run(ctx) {
    const s: ScenarioId = 'paid-after-cancel';
    await throughSandbox(ctx, 'late', [s], async ({ rec, intentId }) => {
      // With test clocks the two clocks move in steps of a minute: settle well after the deadline's step.
      const settleAfter = ctx.timeoutMs + (ctx.clocks ? 180_000 : ctx.toleranceMs);
      await ctx.side.setScenario(intentId, {
        scenario: 'pending_then_succeed',
        pending_for: `${settleAfter}ms`,
      });
      await ctx.side.simulate(intentId, 'run');
      const authorizedAt = await ctx.side.now();
      ctx.findings.add(
        s,
        'fintoc',
        `The customer authorized ${intentId}; the bank keeps it pending for ${formatMs(settleAfter)}, past the shop's ${formatMs(ctx.timeoutMs)} timeout.`,
      );
      let canceled = false;
      const watch = async () => {
        const v = await ctx.shop.verdict(rec.ref!, ctx.browser);
        if (v.value === 'not_paid') canceled = true;
        return v;
      };
      if (ctx.clocks) {
        await advanceTo(ctx, authorizedAt + ctx.timeoutMs + 30_000);
        await pollUntil(async () => ((await watch()).value === 'not_paid' ? true : undefined), {
          timeoutMs: 10_000,
          intervalMs: 300,
        });
        await advanceTo(ctx, authorizedAt + settleAfter + 1_000);
      } else {
        ctx.progress(`waiting for the bank to settle ${intentId} after the shop's timeout`);
        await pollUntil(
          async () => {
            await watch();
            const intent = await ctx.side.intent(intentId);
            return intent?.status === 'succeeded' ? true : undefined;
          },
          { timeoutMs: settleAfter + 30_000, intervalMs: 1_000 },
        );
      }
      // The intent's expire, or its Checkout Session's (the session flow).
      const session = sessionOfToken(rec.create?.options.sessionToken);
      const attempts = (await ctx.side.requests('test')).filter(
        (r) =>
          r.method === 'POST' &&
          (r.path.startsWith(`/v1/payment_intents/${intentId}/expire`) ||
            (session !== null && r.path.startsWith(`/v2/checkout_sessions/${session}/expire`))),
      );
      if (attempts.length > 0) canceled = true;
      ctx.findings.add(
        s,
        'shop',
        canceled
          ? `The shop gave up on the payment at its timeout${attempts.length ? ` (POST ${attempts[0]!.path} → ${attempts[0]!.status})` : ''}.`
          : 'The shop did not give up on the payment at its timeout.',
      );
      if (!canceled) {
        ctx.findings.blocked(
          s,
          ctx.country === 'cl' ? 'cl-leave-before-authorizing' : null,
          "the shop never canceled the payment (no expire call, no 'not paid' verdict) before the late success, so a success after cancel could not be tried.",
        );
        return;
      }
      const verdict = await waitVerdict(ctx, rec.ref!, 'paid', 30_000);
      ctx.findings.check(
        s,
        'shop',
        verdict.matched,
        `When the late success came, the shop's verdict became paid ("${verdict.raw}").`,
        `The payment succeeded at Fintoc after the shop canceled it, but the shop's verdict stayed "${verdict.raw}": money moved, so it must end paid (then fulfil or refund).`,
      );
    });
  },
};

/** Every journey of a run for a country. */
export function journeysFor(country: 'cl' | 'mx'): Journey[] {
  const chile = country === 'cl';
  return [
    payJourney,
    exitJourney(chile),
    rejectJourney,
    ...(chile ? [bankAppJourney] : []),
    retryJourney,
    outOfOrderJourney,
    signatureJourney,
    lostJourney,
    lateJourney,
  ];
}
