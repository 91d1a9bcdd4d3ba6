import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvReader } from './csv.js';
import { RECONCILE_ERRORS, ReportParseError } from './errors.js';
import { parseReport, parseReportSync, ReportParser } from './parse.js';

const HEADER = 'id;created_at;amount;fee;net;currency;type;payment_intent_id;status;transaction_at;payout_id';
const PI = 'pi_2vKOKniSGXRhXTKrJ67VXZ';
const RE = 're_8sKOKniSGXRhXTKrJ67VXa';
const PO = 'po_6qMelax3udMp0bDR';
const sample = [
  HEADER,
  `${PI};2026-03-09T12:00:00Z;10000;71;9929;CLP;payment_intent;${PI};succeeded;2026-03-09T12:01:00Z;${PO}`,
  `${RE};2026-03-09T13:00:00Z;-4000;0;-4000;CLP;refund;${PI};succeeded;2026-03-09T13:01:00Z;${PO}`,
  '',
].join('\r\n');

function fault(text: string | Uint8Array, options = {}): ReportParseError {
  try {
    parseReportSync(text, options);
  } catch (err) {
    if (err instanceof ReportParseError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('reading a report', () => {
  it('reads the sandbox’s columns, with the file name’s kind, date and organisation', () => {
    const r = parseReportSync(sample, { filename: '2026-03-09-fintoc-payout-mycompany.csv' });
    expect(r).toMatchObject({ kind: 'payout', date: '2026-03-09', org: 'mycompany', extraColumns: [] });
    expect(r.lines).toEqual([
      {
        line: 2,
        id: PI,
        created_at: '2026-03-09T12:00:00Z',
        amount: 10000,
        fee: 71,
        net: 9929,
        currency: 'CLP',
        type: 'payment_intent',
        payment_intent_id: PI,
        status: 'succeeded',
        transaction_at: '2026-03-09T12:01:00Z',
        payout_id: PO,
        extra: {},
      },
      expect.objectContaining({ line: 3, id: RE, amount: -4000, type: 'refund', payment_intent_id: PI }),
    ]);
    expect(r.sha256).toBe(createHash('sha256').update(sample).digest('hex'));
  });

  it("reads Fintoc's four documented columns alone, inferring each line's type from its id and sign", () => {
    const r = parseReportSync(
      `id;created_at;amount;fee\n${PI};2026-03-09T12:00:00.474Z;5000;40\n${RE};2026-03-09T12:00:00Z;-5000;0\n${RE};2026-03-10T12:00:00Z;5000;0\n`,
    );
    expect(r.lines.map((l) => [l.type, l.payment_intent_id, l.net])).toEqual([
      ['payment_intent', PI, 4960],
      ['refund', null, -5000],
      ['refund_adjustment', null, 5000],
    ]);
  });

  it('keeps unknown columns, in any order, quoted or not', () => {
    const text = `Amount;"id";extra one;fee;created_at\n"1,5";x;y;z\n`.replace(
      '"1,5";x;y;z',
      `10;${PI};"a;b ""c""";1;2026-03-09T12:00:00Z`,
    );
    const r = parseReportSync(text);
    expect(r.extraColumns).toEqual(['extra one']);
    expect(r.lines[0]).toMatchObject({ amount: 10, fee: 1, extra: { 'extra one': 'a;b "c"' } });
  });

  it('takes a byte-order mark, CRLF or LF, and chunks split anywhere (even inside a character or a quote)', async () => {
    const text = `\ufeff${HEADER}\n${PI};2026-03-09T12:00:00Z;10000;71;9929;CLP;payment_intent;${PI};"suc""ceeded";;\n`;
    const bytes = Buffer.from(text, 'utf8');
    const whole = parseReportSync(bytes);
    expect(whole.lines[0]!.status).toBe('suc"ceeded');
    for (let size = 1; size <= 7; size++) {
      const chunks = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      const r = await parseReport(chunks);
      expect(r.lines).toEqual(whole.lines);
      expect(r.sha256).toBe(whole.sha256);
    }
  });

  it('streams: push returns the lines as they complete', () => {
    const parser = new ReportParser({ keepLines: false });
    expect(parser.push(`${HEADER}\n${PI};2026-03-09T12:00:00Z;1;0;1;CLP;payment_intent;${PI};s;;`)).toEqual(
      [],
    );
    expect(parser.push('\n')).toHaveLength(1);
    expect(parser.end().lines).toEqual([]);
  });

  it('says where each fault is', () => {
    const cases: Array<[string | Uint8Array, string, number | null, number | null]> = [
      ['', 'report_empty', 1, null],
      ['\n\n', 'report_empty', 1, null],
      ['id;created_at;amount\n', 'report_missing_column', 1, null],
      ['id;created_at;amount;fee;id\n', 'report_duplicate_column', 1, 5],
      ['id;;created_at;amount;fee\n', 'report_bad_header', 1, 2],
      [`id;created_at;amount;fee\n${PI};2026-03-09T12:00:00Z;5\n`, 'report_column_count', 2, 4],
      [`id;created_at;amount;fee\n${PI};2026-03-09T12:00:00Z;5;1;9\n`, 'report_column_count', 2, 5],
      [`id;created_at;amount;fee\n${PI};2026-03-09T12:00:00Z;5.5;1\n`, 'report_invalid_value', 2, 3],
      [`id;created_at;amount;fee\n${PI};2026-03-09T12:00:00Z;1e3;1\n`, 'report_invalid_value', 2, 3],
      [`id;created_at;amount;fee\n${PI};yesterday;5;1\n`, 'report_invalid_value', 2, 2],
      [`id;created_at;amount;fee\n${PI};2026-02-30T12:00:00Z;5;1\n`, 'report_invalid_value', 2, 2],
      [`id;created_at;amount;fee\n;2026-03-09T12:00:00Z;5;1\n`, 'report_invalid_value', 2, 1],
      [
        `id;created_at;amount;fee;type\n${PI};2026-03-09T12:00:00Z;5;1;charge\n`,
        'report_invalid_value',
        2,
        5,
      ],
      [
        `id;created_at;amount;fee\n${PI};2026-03-09T12:00:00Z;5;1\n\n"x;2026-03-09T12:00:00Z;5;1\n`,
        'report_unterminated_quote',
        4,
        1,
      ],
      [`id;created_at;amount;fee\nab"c;2026-03-09T12:00:00Z;5;1\n`, 'report_bad_quote', 2, 1],
      [`id;created_at;amount;fee\n"ab"c;2026-03-09T12:00:00Z;5;1\n`, 'report_bad_quote', 2, 1],
      [`id;created_at;amount;fee\n${PI};2026-03-09T12:00:00Z;5;1\0\n`, 'report_nul_byte', 2, 4],
      [`id;created_at;amount;fee\n${'x'.repeat(70_000)}\n`, 'report_line_too_long', 2, 1],
      [new Uint8Array([0x69, 0x64, 0xff, 0x0a]), 'report_invalid_encoding', null, null],
    ];
    for (const [text, code, line, column] of cases) {
      const err = fault(text);
      expect([err.code, err.line, err.column], String(text).slice(0, 80)).toEqual([code, line, column]);
      expect(err.fix).toBe(RECONCILE_ERRORS[err.code].fix);
      expect(err.message).toContain(code);
    }
  });

  it('counts physical lines through quoted line breaks', () => {
    const err = fault(
      `id;created_at;amount;fee;note\n${PI};2026-03-09T12:00:00Z;5;1;"two\r\nlines"\n${PI};2026-03-09T12:00:00Z;x;1;y\n`,
    );
    expect([err.code, err.line, err.column]).toEqual(['report_invalid_value', 4, 3]);
  });

  it('never crashes on hostile input: a report or a ReportParseError, whatever the bytes and chunking', () => {
    const piece = fc.oneof(
      fc.constantFrom(
        ';',
        '"',
        '""',
        '\r',
        '\n',
        '\r\n',
        '\ufeff',
        '\0',
        'pi_x',
        '-5',
        '12',
        '2026-03-09T12:00:00Z',
        HEADER,
        'é',
        '\ud800',
      ),
      fc.string({ maxLength: 20 }),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 60 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        (pieces, size, asBytes) => {
          const text = pieces.join('');
          const parser = new ReportParser({ maxLineChars: 200 });
          try {
            const data = asBytes ? Buffer.from(text, 'utf8') : text;
            for (let i = 0; i < data.length; i += size)
              parser.push(data.slice(i, i + size) as string | Uint8Array);
            const r = parser.end();
            return Array.isArray(r.lines) && r.lines.every((l) => Number.isSafeInteger(l.amount));
          } catch (err) {
            return err instanceof ReportParseError && err.line !== undefined;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random valid reports read back exactly, however they are quoted and chunked', () => {
    const safe = fc.string({ maxLength: 12 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(
        fc.array(fc.record({ amount: fc.integer({ min: -1e9, max: 1e9 }), fee: fc.nat(1e6), note: safe }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.integer({ min: 1, max: 40 }),
        fc.boolean(),
        (rows, size, crlf) => {
          const eol = crlf ? '\r\n' : '\n';
          const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
          const text =
            `id;created_at;amount;fee;note${eol}` +
            rows.map((r, i) => `pi_${i};2026-03-09T12:00:00Z;${r.amount};${r.fee};${q(r.note)}`).join(eol);
          const parser = new ReportParser();
          for (let i = 0; i < text.length; i += size) parser.push(text.slice(i, i + size));
          const lines = parser.end().lines;
          return (
            lines.length === rows.length &&
            lines.every(
              (l, i) =>
                l.amount === rows[i]!.amount &&
                l.fee === rows[i]!.fee &&
                l.extra.note === rows[i]!.note.replace(/\r\n?/g, '\n'),
            )
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the CSV reader', () => {
  it('refuses a separator that cannot work', () => {
    expect(() => new CsvReader({ separator: '"' })).toThrow(RangeError);
    expect(() => new CsvReader({ separator: ';;' })).toThrow(RangeError);
  });
});

describe('the error catalogue', () => {
  const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'reconciliation.md'), 'utf8');
  for (const code of Object.keys(RECONCILE_ERRORS)) {
    it(`${code} is documented in docs/reconciliation.md`, () => expect(docs).toContain(`\`${code}\``));
  }
});
