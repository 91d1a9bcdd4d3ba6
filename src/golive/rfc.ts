/**
 * Mexico's RFC (Registro Federal de Contribuyentes): 3 letters for a company (persona moral, 12
 * characters) or 4 for a person (persona física, 13), a date YYMMDD, a 2-character homoclave and the
 * SAT's mod-11 check digit (0–9 or A).
 */
import type { FieldCheck } from './fields.js';

/** The SAT's values: 0–9, A–N, &, O–Z, space, Ñ. */
const ALPHABET = '0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ';

/**
 * The check digit of an RFC's first 11 (moral) or 12 (física) characters.
 *
 * @example
 * rfcCheckDigit('SAT970701NN'); // '3'
 */
export function rfcCheckDigit(first: string): string {
  const padded = first.length === 11 ? ` ${first}` : first;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += ALPHABET.indexOf(padded[i]!) * (13 - i);
  const r = sum % 11;
  if (r === 0) return '0';
  return 11 - r === 10 ? 'A' : String(11 - r);
}

function validDate(yy: number, mm: number, dd: number): boolean {
  if (mm < 1 || mm > 12 || dd < 1) return false;
  // Two-digit years: 00 is 2000 (a leap year), so 29 February is allowed for every year divisible by 4.
  const leap = yy % 4 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mm - 1]!;
  return dd <= days;
}

/** The SAT's generic RFCs (public at large, foreigners): never a company's own. */
const GENERIC = new Set(['XAXX010101000', 'XEXX010101000']);

/**
 * Checks and normalises an RFC (upper case, spaces and dashes dropped). `kind` says which lengths
 * are accepted: `moral` 12, `fisica` 13, `any` both.
 *
 * @example
 * checkRfc('sat-970701-nn3'); // { ok: true, value: 'SAT970701NN3' }
 */
export function checkRfc(input: string, kind: 'moral' | 'fisica' | 'any' = 'any'): FieldCheck {
  const compact = input.normalize('NFC').replace(/[\s-]/g, '').toUpperCase();
  if (compact === '') return { ok: false, reason: 'it is empty' };
  if (compact.length !== 12 && compact.length !== 13) {
    return {
      ok: false,
      reason: `an RFC has 12 characters (persona moral) or 13 (persona física), this one has ${[...compact].length}`,
    };
  }
  if (kind === 'moral' && compact.length !== 12) {
    return { ok: false, reason: 'a company (persona moral) has a 12-character RFC' };
  }
  if (kind === 'fisica' && compact.length !== 13) {
    return { ok: false, reason: 'a person (persona física) has a 13-character RFC' };
  }
  const m = /^([A-ZÑ&]{3,4})(\d{2})(\d{2})(\d{2})([A-Z0-9]{2})([0-9A])$/.exec(compact);
  const letters = compact.length - 9;
  if (!m || m[1]!.length !== letters) {
    return {
      ok: false,
      reason: `an RFC is ${letters} letters, a date YYMMDD, 2 letters or digits and a check digit (like SAT970701NN3)`,
    };
  }
  if (!validDate(Number(m[2]), Number(m[3]), Number(m[4]))) {
    return { ok: false, reason: `${m[2]}${m[3]}${m[4]} is not a date (YYMMDD)` };
  }
  if (GENERIC.has(compact)) {
    return { ok: false, reason: "this is the SAT's generic RFC, not the company's own" };
  }
  if (rfcCheckDigit(compact.slice(0, -1)) !== compact.slice(-1)) {
    return {
      ok: false,
      reason:
        "the check digit (the last character) does not match: copy the RFC again from the company's Constancia de Situación Fiscal",
    };
  }
  return { ok: true, value: compact };
}
