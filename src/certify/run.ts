/**
 * A certification run: checks the Fintoc side answers, runs every journey (concurrently in real
 * time; with test clocks, the timed ones one after another at the end, since moving the clocks moves
 * every open payment), draws the run-wide checks (API paths, widget options, custom reports), and
 * builds the report.
 */
import { randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { keyKind, keyMode } from '../fintoc/index.js';
import { launchChromium, sessionOfToken, type ContextOptions } from './browser.js';
import type { FintocTarget, ShopTarget } from './config.js';
import { stamp, type JourneyRecord, type RunContext, type TestClocks } from './context.js';
import { CertifyError } from './errors.js';
import { FintocSide } from './fintoc-side.js';
import { Findings } from './findings.js';
import { http } from './http.js';
import { journeysFor } from './journeys.js';
import { customReports } from './reports.js';
import {
  allRequiredPassed,
  REPORT_SCHEMA,
  summarize,
  type CertifyReport,
  type ScreenshotRef,
} from './report.js';
import type { Country } from './scenarios.js';
import { ShopClient } from './shop.js';

export interface CertifyOptions {
  target: ShopTarget;
  fintoc: FintocTarget;
  country: Country;
  /** The abandonment timeout certified (10 minutes; shorter makes the report a rehearsal). */
  abandonAfterMs: number;
  /** How long after the timeout the shop may take to expire an intent. */
  toleranceMs: number;
  /** Hardening scenarios are required. */
  strict: boolean;
  /** The shop takes Fintoc's custom report files (then `custom-reports` is required). */
  customReports?: boolean;
  /** The bundled service's test clocks (with the sandbox's); null: real time. */
  clocks?: TestClocks | null;
  /** A browser to share (tests); default: Chromium launched for the run and closed after. */
  browser?: Browser;
  /** Journeys in the browser at once (default 3). */
  concurrency?: number;
  /** Or a turn-taker shared by several runs on one browser (see {@link browserSlots}). */
  slot?: () => Promise<() => void>;
  /** Progress lines (what is being done or waited for). */
  progress?: (line: string) => void;
  /** Recorded in the report. */
  pasarelaVersion: string;
  /** How long the sandbox gives a webhook receiver to answer (its `--delivery-timeout`). */
  deliveryTimeoutMs?: number;
}

export interface CertifyResult {
  report: CertifyReport;
  /** Screenshot files by their path in the report folder. */
  screenshots: Map<string, Buffer>;
}

/**
 * Turns in the browser: at most `n` journeys at once. Pass the same one to several runs that share
 * a browser, so together they stay within what the machine can drive.
 *
 * @example
 * const slot = browserSlots(3);
 * await Promise.all([certify({ ...a, slot }), certify({ ...b, slot })]);
 */
export function browserSlots(n: number): () => Promise<() => void> {
  let free = Math.max(1, n);
  const waiting: Array<() => void> = [];
  return () =>
    new Promise((resolve) => {
      const take = () => {
        free -= 1;
        let done = false;
        resolve(() => {
          if (done) return;
          done = true;
          free += 1;
          waiting.shift()?.();
        });
      };
      if (free > 0) take();
      else waiting.push(take);
    });
}

/** `/v1/payment_intents/pi_abc/expire?x=1` → `/v1/payment_intents/{id}/expire`, to group calls. */
function pattern(path: string): string {
  return (path.split('?')[0] ?? '').replace(/\/(pi|we|re|cs|evt|po)_[A-Za-z0-9]+/g, '/$1_…');
}

/** api-url: the request log (sandbox) or the intents (Fintoc), and what the browser carried. */
async function apiUrlChecks(ctx: RunContext, sinceMs: number): Promise<void> {
  const s = 'api-url' as const;
  const f = ctx.findings;
  if (ctx.side.control) {
    const log = (await ctx.side.requests('test')).filter((r) => Date.parse(r.at) >= sinceMs);
    const groups = new Map<string, { n: number; statuses: Set<number> }>();
    for (const r of log) {
      const key = `${r.method} ${pattern(r.path)}`;
      const g = groups.get(key) ?? { n: 0, statuses: new Set<number>() };
      g.n += 1;
      g.statuses.add(r.status);
      groups.set(key, g);
    }
    for (const [key, g] of groups)
      f.add(s, 'fintoc', `${key} × ${g.n} (${[...g.statuses].sort().join(', ')})`);
    f.check(
      s,
      'fintoc',
      log.length > 0,
      `${log.length} requests of the shop's backend reached the sandbox with this organisation's test key.`,
      "No request of the shop's backend reached the sandbox during the run: is it configured with this sandbox's URL and test key?",
    );
    // /v1/ (payment intents, the 2023-11-15 flow) or /v2/ (Checkout Sessions, Fintoc's current API).
    const wrong = log.find((r) => !r.path.startsWith('/v1/') && !r.path.startsWith('/v2/'));
    f.check(
      s,
      'fintoc',
      wrong === undefined,
      'Every request used a path under /v1/ or /v2/.',
      `The shop's backend called ${wrong?.method} ${wrong ? pattern(wrong.path) : ''} (${wrong?.status}), which is not under /v1/ or /v2/: every call must go to https://api.fintoc.com/v1/… (or /v2/… for Checkout Sessions).`,
    );
    const live = (await ctx.side.requests('live')).filter((r) => Date.parse(r.at) >= sinceMs);
    f.check(
      s,
      'fintoc',
      live.length === 0,
      "No request used the organisation's live key.",
      `The shop's backend made ${live.length} request(s) with a live key (sk_live_…) during a test-mode run: test and live keys must not mix.`,
    );
  } else {
    const intents = ctx.journeys.map((j) => j.intentId).filter((x): x is string => x !== null);
    for (const id of intents) {
      const intent = await ctx.side.intent(id);
      f.check(
        s,
        'fintoc',
        intent !== null && intent.mode === 'test',
        `${ctx.side.apiUrl}/v1/payment_intents/${id} exists in test mode: the backend created it through /v1/.`,
        `${id} is not a test-mode intent of this organisation at ${ctx.side.apiUrl}/v1/.`,
      );
    }
    f.add(
      s,
      'certify',
      "Fintoc's API does not list the calls a shop made, so their paths are proven only by the intents the backend created.",
    );
    if (intents.length === 0)
      f.add(s, 'fintoc', 'No payment intent could be followed from the browser.', false);
  }
  const seen = ctx.secrets[0];
  f.check(
    s,
    'browser',
    seen === undefined,
    `No secret key (sk_…, whsec_…) appeared in the ${ctx.journeys.length} browser sessions' requests or responses.`,
    `A secret key reached the browser (in the ${seen?.where} of ${seen?.url}): keep sk_… and whsec_… keys on the server.`,
  );
}

const TOKEN = /^pi_[A-Za-z0-9]+_sec_[A-Za-z0-9]+$/;
const SESSION_TOKEN = /^cs_[A-Za-z0-9]+_sec_[A-Za-z0-9]+$/;

/** widget-product: every widget's options, against Fintoc's (or the sandbox's) record. */
async function widgetChecks(
  ctx: RunContext,
  sessions: Map<string, { ok: boolean; error: { code: string; message: string } | null }>,
): Promise<void> {
  const s = 'widget-product' as const;
  const f = ctx.findings;
  const opened = ctx.journeys.filter((j) => j.create !== null);
  if (opened.length === 0) {
    const tried = ctx.journeys.some((j) => j.widgetError === 'not_opened');
    if (tried)
      f.add(
        s,
        'browser',
        "Fintoc's widget never opened: clicking the pay button never called Fintoc.create.",
        false,
      );
    return;
  }
  const seenIntents = new Map<string, string>();
  for (const j of opened) {
    const o = j.create!.options;
    f.add(
      s,
      'browser',
      `${j.id}: Fintoc.create({product: ${JSON.stringify(o.product)}, publicKey: ${JSON.stringify(typeof o.publicKey === 'string' ? `${o.publicKey.slice(0, 12)}…` : o.publicKey)}, ${o.widgetToken ? `widgetToken: ${JSON.stringify(`${String(o.widgetToken).slice(0, 22)}…`)}` : `sessionToken: ${o.sessionToken ? 'given' : 'none'}`}, country: ${JSON.stringify(o.country ?? null)}, holderType: ${JSON.stringify(o.holderType ?? null)}})`,
      undefined,
      new Date(j.createdFintocMs ?? j.startedFintocMs).toISOString(),
    );
    f.check(
      s,
      'browser',
      o.product === 'payments',
      `${j.id}: product is 'payments'.`,
      `The widget was opened with product ${JSON.stringify(o.product ?? null)}; it must be 'payments' for payment initiation.`,
    );
    const pk = typeof o.publicKey === 'string' ? o.publicKey : '';
    f.check(
      s,
      'browser',
      keyKind(pk) === 'public' &&
        keyMode(pk) === 'test' &&
        (ctx.side.publicKey === null || pk === ctx.side.publicKey),
      `${j.id}: publicKey is the organisation's test public key.`,
      keyKind(pk) === 'secret'
        ? 'The widget was opened with a secret key as publicKey: use the public key (pk_test_…), never the secret one.'
        : `The widget's publicKey (${pk.slice(0, 12) || 'none'}…) is not this organisation's test public key (pk_test_…).`,
    );
    if (o.holderType !== undefined && o.holderType !== null) {
      f.check(
        s,
        'browser',
        o.holderType === 'individual',
        `${j.id}: holderType is 'individual'.`,
        `The widget was opened with holderType ${JSON.stringify(o.holderType)}; payments take 'individual'.`,
      );
    }
    if (o.country !== undefined && o.country !== null) {
      f.check(
        s,
        'browser',
        o.country === ctx.country,
        `${j.id}: country is '${ctx.country}'.`,
        `The widget was opened with country ${JSON.stringify(o.country)} in a ${ctx.country === 'cl' ? 'Chilean' : 'Mexican'} run.`,
      );
    }
    // A Checkout Session's sessionToken (Fintoc's current flow) or a payment intent's widgetToken.
    const bySession = o.sessionToken !== undefined && o.widgetToken === undefined;
    const token = String((bySession ? o.sessionToken : o.widgetToken) ?? '');
    if (
      !f.check(
        s,
        'browser',
        (bySession ? SESSION_TOKEN : TOKEN).test(token),
        bySession
          ? `${j.id}: sessionToken has the form of a Checkout Session's session_token.`
          : `${j.id}: widgetToken has the form of a payment intent's widget_token.`,
        bySession
          ? `The widget was opened with sessionToken ${JSON.stringify(token.slice(0, 30) || null)}, which is not a Checkout Session's session_token (cs_…_sec_…).`
          : `The widget was opened with widgetToken ${JSON.stringify(token.slice(0, 30) || null)}, which is not a payment intent's widget_token (pi_…_sec_…).`,
      )
    )
      continue;
    const intentId = j.intentId ?? '';
    const intent = await ctx.side.intent(intentId);
    if (
      !f.check(
        s,
        'fintoc',
        intent !== null,
        `${j.id}: ${intentId} is an intent of this organisation${bySession ? ' (the Checkout Session’s)' : ''}.`,
        bySession
          ? `The sessionToken names no Checkout Session of this organisation with a payment intent: pass the session_token of the session the backend just created (ui_mode "embedded").`
          : `The widget_token names ${intentId}, which this organisation does not have: pass the widget_token of the intent the backend just created.`,
      )
    )
      continue;
    // A session's intent is made when the widget opens it: the session is what the backend created.
    const made = bySession
      ? ((await ctx.side.session(sessionOfToken(token) ?? ''))?.created_at ?? intent!.created_at)
      : intent!.created_at;
    const what = bySession ? 'Checkout Session' : 'intent';
    const created = Date.parse(made);
    // created_at has second precision: a second of slack on each side.
    f.check(
      s,
      'fintoc',
      created >= j.startedFintocMs - 1_000 && created <= (j.createdFintocMs ?? Infinity) + 1_000,
      `${j.id}: the ${what} was created for this payment (at ${made}).`,
      `The widget was opened with the token of ${bySession ? 'a' : 'an'} ${what} created at ${made}, before this payment started: create a new ${what} for every payment.`,
    );
    const other = seenIntents.get(intentId);
    f.check(
      s,
      'fintoc',
      other === undefined,
      `${j.id}: an intent of its own.`,
      `Two payments (${other} and ${j.id}) opened the widget with the same intent ${intentId}: create one intent per payment.`,
    );
    seenIntents.set(intentId, j.id);
    if (ctx.target.amount !== null) {
      f.check(
        s,
        'fintoc',
        intent!.amount === ctx.target.amount && intent!.currency.toUpperCase() === ctx.target.currency,
        `${j.id}: the intent is for ${intent!.amount} ${intent!.currency}, the payment's amount.`,
        `The intent is for ${intent!.amount} ${intent!.currency}, but the payment is ${ctx.target.amount} ${ctx.target.currency} (amounts are integers in the currency's minor unit).`,
      );
    }
    if (ctx.side.control) {
      const session = sessions.get(token);
      if (session) {
        f.check(
          s,
          'widget',
          session.ok,
          `${j.id}: the sandbox's widget accepted the options.`,
          `The widget refused its options: ${session.error?.code} (${session.error?.message})`,
        );
      }
    }
  }
}

/**
 * Runs a whole certification and answers the report (plus the screenshots to write beside it).
 *
 * @example
 * const { report } = await certify({ target, fintoc, country: 'cl', abandonAfterMs: 600_000, toleranceMs: 60_000, strict: false, pasarelaVersion: '0.1.0' });
 */
export async function certify(o: CertifyOptions): Promise<CertifyResult> {
  const startedAt = Date.now();
  const progress = o.progress ?? (() => {});
  const side = new FintocSide(
    o.fintoc.kind === 'sandbox'
      ? { kind: 'sandbox', apiUrl: o.fintoc.url, secretKey: o.fintoc.secretKey, control: o.fintoc.control }
      : { kind: 'fintoc', apiUrl: o.fintoc.apiUrl, secretKey: o.fintoc.secretKey, control: false },
  );
  await side.check();
  try {
    await http(o.target.url, { timeoutMs: 10_000 });
  } catch (err) {
    throw new CertifyError('shop_unreachable', `The shop at ${o.target.url} did not answer.`, { cause: err });
  }
  // The shop's report channel, configured at the sandbox for the run as the shop would at Fintoc.
  const channelSpec = o.target.reports?.channel ?? null;
  let channel: { id: string } | null = null;
  if (channelSpec && side.control) {
    channel = await side.createReportChannel(channelSpec).catch((err: unknown) => {
      throw new CertifyError(
        'config_invalid',
        `reports.channel: the sandbox refused it (${(err as Error).message}).`,
        { cause: err },
      );
    });
  }
  const browser =
    o.browser ??
    (await launchChromium().catch(async (err: unknown) => {
      if (channel) await side.deleteReportChannel(channel.id).catch(() => {});
      throw err;
    }));
  const screenshots = new Map<string, Buffer>();
  const hosts = [new URL(o.target.url).host, new URL(side.apiUrl).host];
  const sandboxWidget = o.fintoc.kind === 'sandbox' ? `${side.apiUrl}/v1/` : o.fintoc.widgetUrl;
  const contextOptions: ContextOptions = {
    widgetUrl: sandboxWidget,
    offline: o.fintoc.kind === 'sandbox' || o.fintoc.widgetUrl !== null,
    localHosts: hosts,
    fintocHosts: [new URL(side.apiUrl).host],
  };
  const sinceFintocMs = (await side.now()) - 1_000;
  const ctx: RunContext = {
    country: o.country,
    target: o.target,
    shop: new ShopClient(o.target),
    side,
    browser,
    findings: new Findings((real) => stamp(ctx, real)),
    contextOptions,
    timeoutMs: o.abandonAfterMs,
    toleranceMs: o.toleranceMs,
    clocks: o.clocks ?? null,
    deliveryTimeoutMs: o.deliveryTimeoutMs ?? 10_000,
    runId: randomBytes(4).toString('hex'),
    journeys: [] as JourneyRecord[],
    secrets: [],
    offsetMs: side.control ? sinceFintocMs + 1_000 - Date.now() : 0,
    progress,
    keepScreenshot(name, image, caption): ScreenshotRef {
      const file = `screenshots/${name}.jpg`;
      screenshots.set(file, image);
      return { file, caption };
    },
    slot: o.slot ?? browserSlots(o.concurrency ?? 3),
  };
  try {
    const journeys = journeysFor(o.country);
    const run = async (j: (typeof journeys)[number]) => {
      progress(`${j.id}: started`);
      await j.run(ctx);
      progress(`${j.id}: done`);
    };
    if (ctx.clocks) {
      // Moving the clocks moves every open payment: the timed journeys go last, one at a time.
      await Promise.all(journeys.filter((j) => !j.timed).map(run));
      for (const j of journeys.filter((x) => x.timed)) await run(j);
    } else {
      // In real time the timed journeys set the pace (the shop's timeout): they start first.
      await Promise.all([...journeys.filter((j) => j.timed), ...journeys.filter((j) => !j.timed)].map(run));
    }
    const sessions = new Map<string, { ok: boolean; error: { code: string; message: string } | null }>();
    if (side.control) {
      // Newest first, so a token ends on its oldest session: the one its Fintoc.create opened, which
      // the options are judged on (the widget opened again after the payment ended is refused as spent).
      for (const w of await side.widgetSessions()) {
        const token = w.options.widgetToken ?? w.options.sessionToken;
        if (typeof token === 'string') sessions.set(token, { ok: w.ok, error: w.error });
      }
    }
    await widgetChecks(ctx, sessions);
    await apiUrlChecks(ctx, sinceFintocMs);
    // Last: it moves the sandbox's clock on by days, to the payout and the end of the day.
    await customReports({ ...ctx, customReports: o.customReports ?? false }).catch((err: unknown) => {
      if (err instanceof CertifyError) throw err;
      ctx.findings.add(
        'custom-reports',
        'certify',
        `The report files could not be read from the sandbox: ${(err as Error).message}.`,
        false,
      );
    });
  } finally {
    if (channel) await side.deleteReportChannel(channel.id).catch(() => {});
    if (!o.browser) await browser.close().catch(() => {});
  }

  const scenarios = ctx.findings.results({
    country: o.country,
    strict: o.strict,
    customReports: o.customReports ?? false,
  });
  const flows = ctx.journeys
    .map((j) => j.create?.options)
    .filter((x): x is Record<string, unknown> => x !== undefined);
  const flow = flows.some((x) => x.sessionToken)
    ? 'session'
    : flows.some((x) => x.widgetToken)
      ? 'intent'
      : null;
  const report: CertifyReport = {
    schema: REPORT_SCHEMA,
    pasarela_version: o.pasarelaVersion,
    generated_at: new Date().toISOString(),
    target: { kind: o.target.kind, url: o.target.url },
    fintoc: { kind: o.fintoc.kind, api_url: side.apiUrl, mode: 'test' },
    country: o.country,
    flow,
    rehearsal: o.abandonAfterMs < 10 * 60_000,
    passed: allRequiredPassed(scenarios),
    strict: o.strict,
    custom_reports: o.customReports ?? false,
    abandon_after_ms: o.abandonAfterMs,
    tolerance_ms: o.toleranceMs,
    clocks: ctx.clocks ? 'test' : 'real',
    duration_ms: Date.now() - startedAt,
    summary: summarize(scenarios),
    scenarios,
  };
  return { report, screenshots };
}

/**
 * The bundled target's test clocks over HTTP: the sandbox's control API and the service's
 * `/api/test-clock`, moved together in steps of at most a minute (well inside the 300 s a webhook signature may differ by), sandbox first.
 *
 * @example
 * const clocks = httpTestClocks({ sandboxUrl, secretKey, serviceUrl, apiKey });
 * await clocks.advance(600_000);
 */
export function httpTestClocks(o: {
  sandboxUrl: string;
  secretKey: string;
  serviceUrl: string;
  apiKey: string;
}): TestClocks {
  const move = async (url: string, auth: string, ms: number) => {
    const res = await http(url, {
      method: 'POST',
      headers: { authorization: auth },
      body: { by: `${ms}ms` },
      timeoutMs: 60_000,
    });
    if (res.status !== 200) {
      throw new CertifyError(
        'test_clock_unavailable',
        `POST ${url} answered ${res.status}: ${res.text.slice(0, 200)}`,
      );
    }
  };
  return {
    async advance(ms) {
      let left = Math.round(ms);
      while (left > 0) {
        const step = Math.min(60_000, left);
        await move(`${o.sandboxUrl}/_sandbox/clock/advance`, o.secretKey, step);
        await move(`${o.serviceUrl}/api/test-clock/advance`, `Bearer ${o.apiKey}`, step);
        left -= step;
      }
    },
  };
}
