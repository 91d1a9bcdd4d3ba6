/**
 * The shop, as certify drives it: start a payment (open its page and click, or call its API and
 * open the checkout URL it answers), and read its own verdict about that payment (a JSON field or
 * a page's text), mapped to paid / not paid / still open.
 */
import type { Browser, Page } from 'playwright-core';
import type { PaymentStart, ShopTarget, VerdictSource } from './config.js';
import { http, HttpUnreachable, readPath } from './http.js';

/** What identifies one payment to the shop: the order certify named, and what the shop answered. */
export interface PaymentRef {
  orderId: string;
  paymentId: string | null;
  checkoutUrl: string | null;
  intentId: string | null;
}

export type VerdictValue = 'paid' | 'not_paid' | 'open';

export interface VerdictReading {
  value: VerdictValue;
  /** What the shop said, as it said it (a status, a text), for the report. */
  raw: string;
}

/** The start of a payment failed before any checkout page: why, in one sentence. */
export class StartFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartFailed';
  }
}

function fill(template: string, ref: Partial<PaymentRef>, extra: Record<string, string>): string {
  return template.replace(
    /\{(order_id|payment_id|payment_intent_id|amount|currency)\}/g,
    (_m, name: string) => {
      const value =
        name === 'order_id'
          ? ref.orderId
          : name === 'payment_id'
            ? ref.paymentId
            : name === 'payment_intent_id'
              ? ref.intentId
              : extra[name];
      return encodeURIComponent(value ?? '');
    },
  );
}

function fillJson(value: unknown, ref: Partial<PaymentRef>, extra: Record<string, string>): unknown {
  if (typeof value === 'string') {
    // A whole-string placeholder of a number stays a number ({amount} → 12990).
    if (value === '{amount}' && extra.amount !== undefined) return Number(extra.amount);
    return value.replace(/\{(order_id|amount|currency)\}/g, (_m, name: string) =>
      name === 'order_id' ? (ref.orderId ?? '') : (extra[name] ?? ''),
    );
  }
  if (Array.isArray(value)) return value.map((v) => fillJson(v, ref, extra));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillJson(v, ref, extra)]));
  }
  return value;
}

/** A JSON field must equal one of the values; a page's text must contain one (case aside). */
function matches(text: string, candidates: readonly string[], contains: boolean): boolean {
  const t = text.trim().toLowerCase();
  return candidates.some((c) => t === c.toLowerCase() || (contains && t.includes(c.toLowerCase())));
}

export class ShopClient {
  private readonly extra: Record<string, string>;

  constructor(readonly target: ShopTarget) {
    this.extra = {
      ...(target.amount !== null ? { amount: String(target.amount) } : {}),
      currency: target.currency,
    };
  }

  url(pathOrUrl: string, ref: Partial<PaymentRef>): string {
    const filled = fill(pathOrUrl, ref, this.extra);
    return /^https?:\/\//.test(filled)
      ? filled
      : `${this.target.url}${filled.startsWith('/') ? '' : '/'}${filled}`;
  }

  /**
   * Starts a payment for `orderId` and leaves `page` where Fintoc's button is. Throws StartFailed
   * with the shop's answer when it cannot.
   */
  async start(page: Page, orderId: string): Promise<PaymentRef> {
    const ref: PaymentRef = { orderId, paymentId: null, checkoutUrl: null, intentId: null };
    const start: PaymentStart = this.target.start;
    if (start.kind === 'page') {
      const url = this.url(start.page, ref);
      const res = await page.goto(url, { waitUntil: 'domcontentloaded' }).catch((err: unknown) => {
        throw new StartFailed(
          `The shop's page ${url} did not load (${(err as Error).message.split('\n')[0]}).`,
        );
      });
      if (res && res.status() >= 400)
        throw new StartFailed(`The shop's page ${url} answered ${res.status()}.`);
      if (start.button) {
        await page
          .locator(start.button)
          .first()
          .click()
          .catch(() => {
            throw new StartFailed(`The shop's page ${url} has no ${start.button} to start a payment.`);
          });
      }
    } else {
      const url = this.url(start.path, ref);
      let answer;
      try {
        answer = await http(url, {
          method: start.method,
          headers: start.headers,
          ...(start.method === 'GET' ? {} : { body: fillJson(start.body ?? {}, ref, this.extra) }),
        });
      } catch (err) {
        throw new StartFailed(`${start.method} ${url} did not answer (${(err as HttpUnreachable).message}).`);
      }
      if (answer.status >= 300) {
        throw new StartFailed(
          `${start.method} ${url} answered ${answer.status}: ${answer.text.slice(0, 200)}`,
        );
      }
      const checkoutUrl = readPath(answer.json, start.checkoutUrlField);
      if (typeof checkoutUrl !== 'string' || !/^https?:\/\//.test(checkoutUrl)) {
        throw new StartFailed(
          `${start.method} ${url} answered no checkout URL in "${start.checkoutUrlField}" (got ${JSON.stringify(checkoutUrl ?? null)}).`,
        );
      }
      ref.checkoutUrl = checkoutUrl;
      const id = start.idField ? readPath(answer.json, start.idField) : null;
      ref.paymentId = typeof id === 'string' || typeof id === 'number' ? String(id) : null;
      const res = await page.goto(checkoutUrl, { waitUntil: 'domcontentloaded' }).catch((err: unknown) => {
        throw new StartFailed(
          `The checkout page ${checkoutUrl} did not load (${(err as Error).message.split('\n')[0]}).`,
        );
      });
      if (res && res.status() >= 400)
        throw new StartFailed(`The checkout page ${checkoutUrl} answered ${res.status()}.`);
    }
    return ref;
  }

  /** The shop's verdict now. A page verdict opens its own page (no customer session involved). */
  async verdict(ref: PaymentRef, browser: Browser): Promise<VerdictReading> {
    const v: VerdictSource = this.target.verdict;
    const url = this.url(v.path, ref);
    if (v.kind === 'json') {
      let answer;
      try {
        answer = await http(url, { headers: v.headers });
      } catch (err) {
        return { value: 'open', raw: (err as Error).message };
      }
      if (answer.status >= 400) return { value: 'open', raw: `HTTP ${answer.status}` };
      const raw = readPath(answer.json, v.field);
      const text = raw === undefined || raw === null ? '' : String(raw);
      return {
        value: matches(text, v.paid, false) ? 'paid' : matches(text, v.notPaid, false) ? 'not_paid' : 'open',
        raw: text,
      };
    }
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const res = await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 15_000 });
      if (res && res.status() >= 400) return { value: 'open', raw: `HTTP ${res.status()}` };
      const text =
        (await page
          .locator(v.selector)
          .first()
          .textContent({ timeout: 5_000 })
          .catch(() => null)) ?? '';
      // Not-paid words are checked first: "no pagado" contains "pagado".
      return {
        value: matches(text, v.notPaid, true) ? 'not_paid' : matches(text, v.paid, true) ? 'paid' : 'open',
        raw: text.trim().slice(0, 120),
      };
    } catch (err) {
      return { value: 'open', raw: (err as Error).message.split('\n')[0] ?? 'error' };
    } finally {
      await context.close().catch(() => {});
    }
  }
}
