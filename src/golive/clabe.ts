/**
 * Mexico's CLABE (Clave Bancaria Estandarizada): 18 digits, the bank's 3-digit code first and a
 * control digit last (weights 3, 7, 1; each product mod 10).
 */
import type { FieldCheck } from './fields.js';

const WEIGHTS = [3, 7, 1];

/**
 * The control digit of the first 17 digits of a CLABE.
 *
 * @example
 * clabeControlDigit('03218000011835971'); // '9'
 */
export function clabeControlDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (Number(first17[i]) * WEIGHTS[i % 3]!) % 10;
  return String((10 - (sum % 10)) % 10);
}

/**
 * Checks a CLABE (spaces and dashes dropped): 18 digits with a valid control digit and, when
 * `bankCode` is given, that bank's 3-digit code first.
 *
 * @example
 * checkClabe('032180000118359719', '032'); // { ok: true, value: '032180000118359719' }
 */
export function checkClabe(input: string, bankCode?: string): FieldCheck {
  const compact = input.replace(/[\s-]/g, '');
  if (compact === '') return { ok: false, reason: 'it is empty' };
  if (!/^\d+$/.test(compact)) return { ok: false, reason: 'a CLABE has digits only (18 of them)' };
  if (compact.length !== 18) {
    return { ok: false, reason: `a CLABE has 18 digits, this one has ${compact.length}` };
  }
  if (clabeControlDigit(compact.slice(0, 17)) !== compact[17]) {
    return {
      ok: false,
      reason:
        "the control digit (the last one) does not match: copy the CLABE again from the bank's statement",
    };
  }
  if (bankCode !== undefined && compact.slice(0, 3) !== bankCode) {
    return {
      ok: false,
      reason: `it starts with bank code ${compact.slice(0, 3)}, but the bank chosen has code ${bankCode}: choose the bank of this CLABE, or fix the CLABE`,
    };
  }
  return { ok: true, value: compact };
}
