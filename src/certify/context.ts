/**
 * What every journey of a run shares: the shop, the Fintoc side, the browser, the findings, the
 * clocks, and a few helpers (stamps in Fintoc time, screenshots, the shop's verdict, a slot in the
 * browser).
 */
import type { Browser, Page } from 'playwright-core';
import { intentOfToken, type CapturedCreate, type ContextOptions, type SecretSighting } from './browser.js';
import type { ShopTarget } from './config.js';
import type { FintocSide } from './fintoc-side.js';
import type { Findings } from './findings.js';
import { pollUntil } from './http.js';
import type { ScreenshotRef } from './report.js';
import type { Country, ScenarioId } from './scenarios.js';
import type { PaymentRef, ShopClient, VerdictReading, VerdictValue } from './shop.js';

/** The test clocks of the bundled target: the sandbox's and the service's, moved together. */
export interface TestClocks {
  /** Moves both clocks forward by `ms`, in small steps, sandbox first, so the two stay in order. */
  advance(ms: number): Promise<void>;
}

/** One customer's visit: the payment it started and the widget it opened. */
export interface JourneyRecord {
  id: string;
  /** The scenarios this journey brings evidence to. */
  scenarios: ScenarioId[];
  ref: PaymentRef | null;
  create: CapturedCreate | null;
  intentId: string | null;
  widgetError: string | null;
  /** Real time the journey began, and the same instant in Fintoc time (the clocks may move later). */
  startedAt: number;
  startedFintocMs: number;
  /** Fintoc time of the `Fintoc.create`, when it came. */
  createdFintocMs: number | null;
}

export interface RunContext {
  country: Country;
  target: ShopTarget;
  shop: ShopClient;
  side: FintocSide;
  browser: Browser;
  findings: Findings;
  contextOptions: ContextOptions;
  timeoutMs: number;
  toleranceMs: number;
  /** The bundled target's test clocks, or null (real time). */
  clocks: TestClocks | null;
  /** How long the sandbox gives a webhook receiver to answer. */
  deliveryTimeoutMs: number;
  runId: string;
  journeys: JourneyRecord[];
  secrets: SecretSighting[];
  /** Fintoc time (sandbox clock) minus real time, as certify moved it. */
  offsetMs: number;
  progress(text: string): void;
  /** Keeps a screenshot for the report and returns its reference. */
  keepScreenshot(name: string, image: Buffer, caption: string): ScreenshotRef;
  /** Takes a turn in the browser (bounded concurrency); call the returned function when done. */
  slot(): Promise<() => void>;
}

/** ISO time in Fintoc's clock of a real instant (default now). */
export function stamp(ctx: Pick<RunContext, 'offsetMs'>, realMs = Date.now()): string {
  return new Date(realMs + ctx.offsetMs).toISOString();
}

/** Moves the test clocks so Fintoc time reaches `fintocMs` (no-op when already past). */
export async function advanceTo(ctx: RunContext, fintocMs: number): Promise<void> {
  if (!ctx.clocks) throw new Error('advanceTo needs test clocks');
  const delta = fintocMs - (await ctx.side.now());
  if (delta <= 0) return;
  await ctx.clocks.advance(delta);
  ctx.offsetMs += delta;
}

/** Reads the shop's verdict until it is `wanted`, or the time runs out; answers the last reading. */
export async function waitVerdict(
  ctx: RunContext,
  ref: PaymentRef,
  wanted: VerdictValue,
  timeoutMs: number,
): Promise<VerdictReading & { matched: boolean }> {
  let last: VerdictReading = { value: 'open', raw: '' };
  const got = await pollUntil(
    async () => {
      last = await ctx.shop.verdict(ref, ctx.browser);
      return last.value === wanted ? last : undefined;
    },
    { timeoutMs, intervalMs: 300 },
  );
  return { ...last, matched: got !== undefined };
}

/**
 * Reads the verdict a few times over `windowMs` and answers the readings: a stability check (a
 * webhook applied later than it was answered must not change the verdict unseen).
 */
export async function verdictsOver(
  ctx: RunContext,
  ref: PaymentRef,
  windowMs: number,
): Promise<VerdictReading[]> {
  const readings: VerdictReading[] = [];
  const end = Date.now() + windowMs;
  await pollUntil(
    async () => {
      readings.push(await ctx.shop.verdict(ref, ctx.browser));
      return Date.now() >= end ? true : undefined;
    },
    { timeoutMs: windowMs + 5_000, intervalMs: 400 },
  );
  return readings;
}

/** True once `selector` is visible on the page within `timeoutMs`. */
export async function shows(page: Page, selector: string, timeoutMs: number): Promise<boolean> {
  try {
    await page.locator(selector).first().waitFor({ state: 'visible', timeout: timeoutMs });
    return true;
  } catch {
    return false;
  }
}

/** The intent a journey's widget was opened for (from its `widgetToken`). */
export function intentOf(create: CapturedCreate | null): string | null {
  return create ? intentOfToken(create.options.widgetToken) : null;
}
