/**
 * Chile's RUT (Rol Único Tributario): a number and a mod-11 check digit (0–9 or K). Written with or
 * without dots and dash, K in either case; kept as `12.345.678-5`.
 */
import type { FieldCheck } from './fields.js';

/**
 * The check digit of a RUT's number (mod 11 with weights 2–7 from the right; 11 → 0, 10 → K).
 *
 * @example
 * rutCheckDigit('76354771'); // 'K'
 */
export function rutCheckDigit(body: string): string {
  let sum = 0;
  let weight = 2;
  for (let i = body.length - 1; i >= 0; i--) {
    sum += Number(body[i]) * weight;
    weight = weight === 7 ? 2 : weight + 1;
  }
  const r = 11 - (sum % 11);
  return r === 11 ? '0' : r === 10 ? 'K' : String(r);
}

/** `12345678` → `12.345.678`. */
function withDots(body: string): string {
  return body.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/**
 * Checks and normalises a RUT: dots, dash and spaces are dropped, `k` is `K`, leading zeros go; the
 * number must have 7 or 8 digits (1.000.000 to 99.999.999) and the check digit must match.
 *
 * @example
 * checkRut('76.354.771-k'); // { ok: true, value: '76.354.771-K' }
 * checkRut('76354771-1');   // { ok: false, reason: 'the check digit does not match the number: …' }
 */
export function checkRut(input: string): FieldCheck {
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'it is empty' };
  const compact = text.replace(/[.\s-]/g, '').toUpperCase();
  if (!/^\d+[\dK]$/.test(compact)) {
    return {
      ok: false,
      reason: 'a RUT is digits and a check digit (0–9 or K), like 76.354.771-K',
    };
  }
  const body = compact.slice(0, -1).replace(/^0+/, '');
  const digit = compact.slice(-1);
  if (body.length < 7 || body.length > 8) {
    return {
      ok: false,
      reason: `the number before the check digit has ${body.length} digits; a RUT has 7 or 8 (like 76.354.771-K)`,
    };
  }
  if (rutCheckDigit(body) !== digit) {
    return {
      ok: false,
      reason:
        "the check digit does not match the number: copy the RUT again from the company's e-RUT or SII records",
    };
  }
  return { ok: true, value: `${withDots(body)}-${digit}` };
}
