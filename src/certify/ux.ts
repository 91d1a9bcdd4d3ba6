/**
 * What Fintoc's UX guidelines ask of the checkout, measured on the page in the browser: the approved
 * button (Fintoc's hosted image, the country's copy), not restyled (no shadow, stroke, radius, filter
 * or transform of the shop's, nothing that changes on hover), at least as large as the other
 * buttons, the amount and the merchant's name shown, and a page that works 390 px wide.
 */
import type { Locator, Page } from 'playwright-core';
import { APPROVED_COPY, type Country } from './scenarios.js';

export interface UxCheck {
  /** Stable name of the check, e.g. `approved-copy`. */
  name: string;
  ok: boolean;
  /** What was seen, as a sentence (the failure sentence when not ok). */
  detail: string;
}

/** The styles that a restyling changes, read from the button and its image. */
const STYLE_KEYS = [
  'boxShadow',
  'textShadow',
  'filter',
  'transform',
  'opacity',
  'outlineStyle',
  'outlineWidth',
  'borderTopWidth',
  'borderRightWidth',
  'borderBottomWidth',
  'borderLeftWidth',
  'borderTopLeftRadius',
  'borderTopRightRadius',
  'backgroundColor',
  'paddingTop',
  'paddingLeft',
  'width',
  'height',
] as const;

type Styles = Record<(typeof STYLE_KEYS)[number], string>;

interface Measured {
  name: string;
  tag: string;
  rect: { x: number; y: number; width: number; height: number };
  button: Styles;
  image: {
    src: string;
    alt: string;
    complete: boolean;
    natural: { width: number; height: number };
    rendered: { width: number; height: number };
    styles: Styles;
  } | null;
  viewport: { width: number; height: number };
  scrollWidth: number;
  others: Array<{ text: string; height: number; width: number }>;
  text: string;
}

/**
 * Runs in the page. Made from text: the helpers a bundler adds to compiled functions (`__name`)
 * do not exist in the page.
 */
const MEASURE = new Function(
  'el',
  'keys',
  `
  const pick = (e) => {
    const cs = getComputedStyle(e);
    const out = {};
    for (const k of keys) out[k] = cs[k] ?? '';
    return out;
  };
  const img = el.tagName === 'IMG' ? el : el.querySelector('img');
  const r = el.getBoundingClientRect();
  const visible = (e) => {
    const b = e.getBoundingClientRect();
    const cs = getComputedStyle(e);
    return b.width > 0 && b.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none';
  };
  const others = [...document.querySelectorAll('button, [role="button"], input[type="submit"], input[type="button"]')]
    .filter((e) => e !== el && !el.contains(e) && !e.contains(el) && visible(e))
    .map((e) => {
      const b = e.getBoundingClientRect();
      return { text: (e.textContent || '').trim().slice(0, 60), height: b.height, width: b.width };
    });
  const label = el.getAttribute('aria-label') || '';
  const alt = img ? img.getAttribute('alt') || '' : '';
  return {
    name: (label + ' ' + (el.innerText || '') + ' ' + alt).replace(/\\s+/g, ' ').trim(),
    tag: el.tagName.toLowerCase(),
    rect: { x: r.x, y: r.y, width: r.width, height: r.height },
    button: pick(el),
    image: img
      ? {
          src: img.currentSrc || img.src,
          alt: img.alt,
          complete: img.complete && img.naturalWidth > 0,
          natural: { width: img.naturalWidth, height: img.naturalHeight },
          rendered: { width: img.getBoundingClientRect().width, height: img.getBoundingClientRect().height },
          styles: pick(img),
        }
      : null,
    viewport: { width: window.innerWidth, height: window.innerHeight },
    scrollWidth: document.documentElement.scrollWidth,
    others,
    text: document.body.innerText.replace(/\\s+/g, ' '),
  };`,
) as (el: Element, keys: string[]) => unknown;

const SETTLE = new Function(
  'el',
  'return Promise.all(el.getAnimations({ subtree: true }).map((a) => a.finished.catch(() => null)));',
) as (el: Element) => Promise<unknown>;

async function measure(button: Locator): Promise<Measured> {
  return (await button.evaluate(MEASURE, STYLE_KEYS as unknown as string[])) as Measured;
}

const px = (v: string) => Number.parseFloat(v) || 0;

/** The changes a shop's own styling made to Fintoc's button or image, as short phrases. */
function restyling(s: Styles, what: 'button' | 'image'): string[] {
  const found: string[] = [];
  if (s.boxShadow && s.boxShadow !== 'none') found.push(`a shadow on the ${what} (${s.boxShadow})`);
  if (s.textShadow && s.textShadow !== 'none') found.push(`a text shadow on the ${what}`);
  if (s.filter && s.filter !== 'none') found.push(`a filter on the ${what} (${s.filter})`);
  if (s.transform && s.transform !== 'none') found.push(`a transform on the ${what} (${s.transform})`);
  if (px(s.opacity) < 1 && s.opacity !== '')
    found.push(`the ${what} made translucent (opacity ${s.opacity})`);
  if (s.outlineStyle !== 'none' && px(s.outlineWidth) > 0) found.push(`an outline around the ${what}`);
  const border = Math.max(
    px(s.borderTopWidth),
    px(s.borderRightWidth),
    px(s.borderBottomWidth),
    px(s.borderLeftWidth),
  );
  if (border > 0) found.push(`a ${border}px stroke around the ${what}`);
  if (what === 'image') {
    if (px(s.borderTopLeftRadius) > 0 || px(s.borderTopRightRadius) > 0)
      found.push(`the image's corners rounded (${s.borderTopLeftRadius})`);
    if (px(s.paddingTop) > 0 || px(s.paddingLeft) > 0) found.push('padding added inside the image');
  } else {
    const transparent = /rgba\(0, 0, 0, 0\)|transparent/.test(s.backgroundColor);
    if (!transparent) found.push(`a background colour behind the image (${s.backgroundColor})`);
    if (px(s.borderTopLeftRadius) > 0 && (!transparent || border > 0))
      found.push(`rounded corners on the button (${s.borderTopLeftRadius})`);
  }
  return found;
}

const HOVER_KEYS = [
  'boxShadow',
  'filter',
  'transform',
  'opacity',
  'backgroundColor',
  'outlineStyle',
  'width',
  'height',
] as const;

/** The amount as customers of the country write it: `12.990` (CLP), `1,299.00` or `1,299` (MXN). */
export function amountTexts(amount: number, currency: 'CLP' | 'MXN'): string[] {
  if (currency === 'CLP') {
    return [String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.'), String(amount)];
  }
  const pesos = Math.trunc(amount / 100);
  const cents = String(amount % 100).padStart(2, '0');
  const grouped = String(pesos).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const out = [`${grouped}.${cents}`, `${pesos}.${cents}`];
  if (cents === '00') out.push(grouped, String(pesos));
  return out;
}

function showsAmount(text: string, amount: number, currency: 'CLP' | 'MXN'): boolean {
  return amountTexts(amount, currency).some((a) =>
    new RegExp(`(^|[^\\d.,])${a.replace(/[.,]/g, (c) => `\\${c}`)}(?![\\d]|[.,]\\d)`).test(text),
  );
}

export interface UxInput {
  page: Page;
  payButton: string;
  country: Country;
  amount: number | null;
  currency: 'CLP' | 'MXN';
  merchantName: string | null;
}

/**
 * Measures the checkout at the page's current size and answers one check per rule. Hovering the
 * button is part of it: any style that changes on hover is a hover effect.
 */
export async function inspectCheckout(input: UxInput, label: string): Promise<UxCheck[]> {
  const { page, country } = input;
  const button = page.locator(input.payButton).first();
  await button.waitFor({ state: 'visible' });
  // Images finished loading (or failed) before measuring them.
  await page
    .waitForFunction(() => [...document.images].every((i) => i.complete), undefined, { timeout: 10_000 })
    .catch(() => {});
  const m = await measure(button);
  const checks: UxCheck[] = [];
  const add = (name: string, ok: boolean, detail: string) =>
    checks.push({ name: `${name} (${label})`, ok, detail });

  const copies = APPROVED_COPY[country];
  const normalized = m.name.toLowerCase();
  const copy = copies.find((c) => normalized.includes(c.toLowerCase()));
  add(
    'approved-copy',
    copy !== undefined,
    copy
      ? `The pay button reads "${copy}", Fintoc's approved copy.`
      : `The pay button reads "${m.name.slice(0, 80)}", not Fintoc's approved copy (${copies.map((c) => `"${c}"`).join(' or ')}).`,
  );

  const img = m.image;
  let hosted: URL | null;
  try {
    hosted = img ? new URL(img.src) : null;
  } catch {
    hosted = null;
  }
  const imgName = hosted?.searchParams.get('img_name') ?? '';
  const isFintocImage = hosted?.host === 'assets.fintoc.com';
  add(
    'hosted-button',
    isFintocImage && img !== null && img.complete,
    !img
      ? "The pay button has no image: use Fintoc's hosted button (https://assets.fintoc.com/?img_name=button_" +
          `${country}_light_trailing), not a button of your own.`
      : !isFintocImage
        ? `The pay button's image is ${img.src.slice(0, 100)}, not Fintoc's hosted button from assets.fintoc.com (the guidelines forbid copies).`
        : !img.complete
          ? `Fintoc's button image (${imgName}) did not load.`
          : `The pay button is Fintoc's hosted image ${imgName}.`,
  );
  if (isFintocImage) {
    add(
      'country-button',
      new RegExp(`_${country}(_|$)`).test(imgName),
      new RegExp(`_${country}(_|$)`).test(imgName)
        ? `The button image is the ${country === 'cl' ? 'Chilean' : 'Mexican'} one (${imgName}).`
        : `The button image ${imgName} is not the ${country === 'cl' ? 'Chilean' : 'Mexican'} one (button_${country}_…).`,
    );
  }

  const changes = [...restyling(m.button, 'button'), ...(img ? restyling(img.styles, 'image') : [])];
  if (img && img.complete && img.natural.width > 0 && img.rendered.height > 0) {
    const natural = img.natural.width / img.natural.height;
    const shown = img.rendered.width / img.rendered.height;
    if (Math.abs(shown - natural) / natural > 0.03)
      changes.push("the image stretched out of Fintoc's proportions");
  }
  // Hover: move the mouse over the button, wait for transitions to end, and compare.
  await button.hover().catch(() => {});
  await button.evaluate(SETTLE).catch(() => {});
  const hovered = await measure(button);
  const hoverChanges: string[] = [];
  for (const k of HOVER_KEYS) {
    if (hovered.button[k] !== m.button[k])
      hoverChanges.push(`${k} of the button (${m.button[k]} → ${hovered.button[k]})`);
    if (img && hovered.image && hovered.image.styles[k] !== img.styles[k])
      hoverChanges.push(`${k} of the image (${img.styles[k]} → ${hovered.image.styles[k]})`);
  }
  await page.mouse.move(0, 0).catch(() => {});
  if (hoverChanges.length > 0) changes.push(`a hover effect: ${hoverChanges[0]}`);
  add(
    'not-restyled',
    changes.length === 0,
    changes.length === 0
      ? "Fintoc's button is shown as Fintoc serves it: no shadow, stroke, radius, filter, transform or hover effect added."
      : `Fintoc's button is restyled: ${changes.slice(0, 3).join('; ')}. The guidelines forbid shadows, strokes, hover effects and changes of radius, padding or colour.`,
  );

  const tallest = Math.max(0, ...m.others.map((o) => o.height));
  add(
    'button-size',
    m.rect.height + 1 >= tallest,
    m.rect.height + 1 >= tallest
      ? `The pay button (${Math.round(m.rect.height)} px tall) is at least as large as the page's other buttons.`
      : `The pay button is ${Math.round(m.rect.height)} px tall, smaller than another button on the page (${Math.round(tallest)} px): Fintoc's button must be at least as large.`,
  );

  if (input.amount !== null) {
    const shown = showsAmount(m.text, input.amount, input.currency);
    add(
      'amount',
      shown,
      shown
        ? `The page shows the amount (${amountTexts(input.amount, input.currency)[0]} ${input.currency}).`
        : `The page does not show the amount to pay (${amountTexts(input.amount, input.currency)[0]} ${input.currency}).`,
    );
  }
  if (input.merchantName) {
    const shown = m.text.toLowerCase().includes(input.merchantName.toLowerCase());
    add(
      'merchant-name',
      shown,
      shown
        ? `The page shows the merchant's name ("${input.merchantName}").`
        : `The page does not show the merchant's name ("${input.merchantName}").`,
    );
  }

  if (m.viewport.width <= 400) {
    const overflow = m.scrollWidth > m.viewport.width + 1;
    const outside = m.rect.x < -1 || m.rect.x + m.rect.width > m.viewport.width + 1;
    add(
      'phone-width',
      !overflow && !outside,
      overflow
        ? `At ${m.viewport.width} px the page is ${m.scrollWidth} px wide: it scrolls sideways on a phone.`
        : outside
          ? `At ${m.viewport.width} px Fintoc's button does not fit the screen.`
          : `At ${m.viewport.width} px the page fits the screen and Fintoc's button is fully visible.`,
    );
  }
  return checks;
}
