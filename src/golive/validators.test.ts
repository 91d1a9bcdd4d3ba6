import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkClabe, clabeControlDigit } from './clabe.js';
import { checkRfc, rfcCheckDigit } from './rfc.js';
import { checkRut, rutCheckDigit } from './rut.js';

/** Replaces the character at `i` of `s`. */
const at = (s: string, i: number, c: string) =>
  [...s].slice(0, i).join('') + c + [...s].slice(i + 1).join('');

describe('RUT', () => {
  it('accepts known RUTs in every writing and normalises them', () => {
    expect(checkRut('76.354.771-K')).toEqual({ ok: true, value: '76.354.771-K' });
    expect(checkRut('76354771k')).toEqual({ ok: true, value: '76.354.771-K' });
    expect(checkRut(' 76354771-K ')).toEqual({ ok: true, value: '76.354.771-K' });
    expect(checkRut('11.111.111-1')).toEqual({ ok: true, value: '11.111.111-1' });
    expect(checkRut('7.654.321-6')).toEqual({ ok: true, value: '7.654.321-6' });
  });
  it('refuses with a reason', () => {
    expect(checkRut('')).toMatchObject({ ok: false, reason: 'it is empty' });
    expect(checkRut('76.354.771-1')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/check digit/),
    });
    expect(checkRut('123-4')).toMatchObject({ ok: false, reason: expect.stringMatching(/7 or 8/) });
    expect(checkRut('76A54771-K')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/digits and a check digit/),
    });
  });

  const body = fc.integer({ min: 1_000_000, max: 99_999_999 }).map(String);
  const written = (b: string, dv: string, dots: boolean, dash: boolean, lower: boolean) =>
    `${dots ? b.replace(/\B(?=(\d{3})+(?!\d))/g, '.') : b}${dash ? '-' : ''}${lower ? dv.toLowerCase() : dv}`;

  it('accepts every generated valid RUT, however written', () => {
    fc.assert(
      fc.property(body, fc.boolean(), fc.boolean(), fc.boolean(), (b, dots, dash, lower) => {
        const dv = rutCheckDigit(b);
        const r = checkRut(written(b, dv, dots, dash, lower));
        expect(r).toEqual({ ok: true, value: written(b, dv, true, true, false) });
      }),
    );
  });

  it('refuses every one-character change of a valid RUT', () => {
    fc.assert(
      fc.property(body, fc.nat(), fc.constantFrom(...'0123456789K'), (b, n, c) => {
        const compact = b + rutCheckDigit(b);
        const i = n % compact.length;
        fc.pre(compact[i] !== c && !(i < compact.length - 1 && c === 'K'));
        expect(checkRut(at(compact, i, c)).ok).toBe(false);
      }),
    );
  });
});

describe('RFC', () => {
  it("accepts the SAT's own and a textbook persona física, refuses the generic ones", () => {
    expect(checkRfc('SAT970701NN3')).toEqual({ ok: true, value: 'SAT970701NN3' });
    expect(checkRfc('sat-970701-nn3')).toEqual({ ok: true, value: 'SAT970701NN3' });
    expect(checkRfc('GODE561231GR8')).toEqual({ ok: true, value: 'GODE561231GR8' });
    expect(checkRfc('XAXX010101000')).toMatchObject({ ok: false, reason: expect.stringMatching(/generic/) });
  });
  it('refuses with a reason', () => {
    expect(checkRfc('SAT970701NN4')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/check digit/),
    });
    expect(checkRfc('SAT971301NN3')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a date/),
    });
    expect(checkRfc('SAT970230NN3')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a date/),
    });
    expect(checkRfc('SAT97070NN3')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/12 characters/),
    });
    expect(checkRfc('GODE561231GR8', 'moral')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/12-character/),
    });
  });

  const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ&Ñ';
  const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const ALPHABET = '0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ';
  const date = fc
    .record({
      y: fc.integer({ min: 0, max: 99 }),
      m: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }),
    })
    .map(({ y, m, d }) => [y, m, d].map((n) => String(n).padStart(2, '0')).join(''));
  const rfc = fc
    .record({
      moral: fc.boolean(),
      letters: fc.array(fc.constantFrom(...LETTERS), { minLength: 4, maxLength: 4 }),
      date,
      homoclave: fc.array(fc.constantFrom(...ALNUM), { minLength: 2, maxLength: 2 }),
    })
    .map(({ moral, letters, date: d, homoclave }) => {
      const first = letters.slice(0, moral ? 3 : 4).join('') + d + homoclave.join('');
      return first + rfcCheckDigit(first);
    })
    .filter((r) => r !== 'XAXX010101000' && r !== 'XEXX010101000');

  it('accepts every generated valid RFC (moral 12, física 13)', () => {
    fc.assert(
      fc.property(rfc, (r) => {
        expect(checkRfc(r)).toEqual({ ok: true, value: r });
      }),
    );
  });

  it('refuses every one-character change the check digit can see', () => {
    fc.assert(
      // Not a space or '-': checkRfc drops those as separators, so writing one deletes a character,
      // and the shorter string is a valid RFC of the other length one time in eleven.
      fc.property(rfc, fc.nat(), fc.constantFrom(...ALNUM, '&', 'Ñ', '#', '*'), (r, n, c) => {
        const chars = [...r];
        const i = n % chars.length;
        fc.pre(chars[i] !== c);
        // The SAT's digit is mod 11 over weights 13…2 (a 12-character RFC is padded with a space in
        // front): a change at the character of weight 11, or by a multiple of 11 in value, leaves the
        // sum the same. Those mutations are outside what any RFC check can refuse.
        const padded = chars.length === 12 ? [' ', ...chars] : chars;
        const p = chars.length === 12 ? i + 1 : i;
        if (p < 12) {
          const weight = 13 - p;
          const diff = ALPHABET.indexOf(c) - ALPHABET.indexOf(padded[p]!);
          fc.pre(weight !== 11 && diff % 11 !== 0);
        }
        expect(checkRfc(at(r, i, c)).ok).toBe(false);
      }),
    );
  });
});

describe('CLABE', () => {
  it('accepts a known CLABE and checks its bank code', () => {
    expect(checkClabe('002010077777777771')).toEqual({ ok: true, value: '002010077777777771' });
    expect(checkClabe('002 010 07777777777 1', '002')).toEqual({ ok: true, value: '002010077777777771' });
    expect(checkClabe('002010077777777771', '012')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/bank code 002.*012/),
    });
    expect(checkClabe('00201007777777777')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/18 digits/),
    });
    expect(checkClabe('002010077777777772')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/control digit/),
    });
  });

  const first17 = fc
    .array(fc.integer({ min: 0, max: 9 }), { minLength: 17, maxLength: 17 })
    .map((d) => d.join(''));

  it('accepts every generated valid CLABE, with its own bank code', () => {
    fc.assert(
      fc.property(first17, (f) => {
        const clabe = f + clabeControlDigit(f);
        expect(checkClabe(clabe, f.slice(0, 3))).toEqual({ ok: true, value: clabe });
      }),
    );
  });

  it('refuses every one-digit change', () => {
    fc.assert(
      fc.property(first17, fc.integer({ min: 0, max: 17 }), fc.integer({ min: 0, max: 9 }), (f, i, d) => {
        const clabe = f + clabeControlDigit(f);
        fc.pre(clabe[i] !== String(d));
        expect(checkClabe(at(clabe, i, String(d))).ok).toBe(false);
      }),
    );
  });
});
