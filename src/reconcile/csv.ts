/**
 * A streaming reader of semicolon-separated CSV (RFC 4180 quoting: a field in double quotes may
 * hold the separator, line breaks and doubled quotes). Text comes in chunks of any size, split
 * anywhere; each complete record comes out with the line it started on. A byte-order mark is
 * dropped, CRLF and LF both end a line, empty lines are skipped. NUL characters, over-long lines and
 * misplaced quotes are errors with their line and column, never a crash.
 */
import { ReportParseError } from './errors.js';

export interface CsvRecord {
  /** The physical line the record starts on (1-based). */
  line: number;
  fields: string[];
}

export interface CsvOptions {
  /** The separator; default `;`. */
  separator?: string;
  /** Most characters in one record; default 65,536. */
  maxLineChars?: number;
}

const QUOTE = 34; // "
const CR = 13;
const LF = 10;
const NUL = 0;

export class CsvReader {
  readonly #sep: number;
  readonly #max: number;
  #fields: string[] = [];
  #field = '';
  /** Inside a quoted field. */
  #quoted = false;
  /** Just after the closing quote of a quoted field. */
  #closed = false;
  /** The current field started with a quote. */
  #fieldChars = 0;
  #recordChars = 0;
  #line = 1;
  #recordLine = 1;
  #pendingCR = false;
  #started = false;

  constructor(options: CsvOptions = {}) {
    const sep = options.separator ?? ';';
    if (sep.length !== 1 || sep === '"' || sep === '\n' || sep === '\r')
      throw new RangeError('separator must be one character other than a quote or a line break');
    this.#sep = sep.charCodeAt(0);
    this.#max = options.maxLineChars ?? 65_536;
  }

  #fail(
    code: 'report_nul_byte' | 'report_line_too_long' | 'report_bad_quote' | 'report_unterminated_quote',
    message: string,
    line = this.#line,
  ): never {
    throw new ReportParseError(code, message, line, this.#fields.length + 1);
  }

  #endField(): void {
    this.#fields.push(this.#field);
    this.#field = '';
    this.#fieldChars = 0;
    this.#closed = false;
  }

  #endRecord(out: CsvRecord[]): void {
    this.#endField();
    const fields = this.#fields;
    // An empty line is one empty field: skipped.
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: this.#recordLine, fields });
    this.#fields = [];
    this.#recordChars = 0;
    this.#recordLine = this.#line;
  }

  /** Reads a chunk; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let i = 0;
    const n = chunk.length;
    if (!this.#started && n > 0) {
      this.#started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    for (; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (this.#pendingCR) {
        this.#pendingCR = false;
        if (c === LF) continue; // the LF of a CRLF already ended the line
      }
      if (c === NUL) this.#fail('report_nul_byte', 'a NUL character');
      if (++this.#recordChars > this.#max)
        this.#fail('report_line_too_long', `a line longer than ${this.#max} characters`, this.#recordLine);
      if (this.#quoted) {
        if (c === QUOTE) {
          if (i + 1 < n) {
            if (chunk.charCodeAt(i + 1) === QUOTE) {
              this.#field += '"';
              i++;
              this.#recordChars++;
            } else {
              this.#quoted = false;
              this.#closed = true;
            }
          } else {
            // The chunk ends on a quote: an escaped quote or the end of the field, decided by the next chunk.
            this.#quoted = false;
            this.#closed = true;
            this.#maybeEscape = true;
          }
          continue;
        }
        if (c === LF || c === CR) {
          this.#line++;
          if (c === CR) {
            this.#pendingCR = true;
            this.#field += '\n';
          } else this.#field += '\n';
          continue;
        }
        this.#field += chunk[i];
        continue;
      }
      if (this.#maybeEscape) {
        this.#maybeEscape = false;
        if (c === QUOTE) {
          // It was a doubled quote inside the quoted field.
          this.#field += '"';
          this.#quoted = true;
          this.#closed = false;
          continue;
        }
      }
      if (c === this.#sep) {
        this.#endField();
        continue;
      }
      if (c === LF || c === CR) {
        this.#line++;
        if (c === CR) this.#pendingCR = true;
        this.#endRecord(out);
        continue;
      }
      if (this.#closed) this.#fail('report_bad_quote', 'a character after the closing quote of a field');
      if (c === QUOTE) {
        if (this.#fieldChars > 0)
          this.#fail('report_bad_quote', 'a quote inside a field that does not start with one');
        this.#quoted = true;
        this.#fieldChars++;
        continue;
      }
      this.#fieldChars++;
      // Unquoted text: take it up to the next special character at once.
      let j = i + 1;
      while (j < n) {
        const d = chunk.charCodeAt(j);
        if (d === this.#sep || d === LF || d === CR || d === QUOTE || d === NUL) break;
        j++;
      }
      const run = j - i;
      if (this.#recordChars + run - 1 > this.#max)
        this.#fail('report_line_too_long', `a line longer than ${this.#max} characters`, this.#recordLine);
      this.#recordChars += run - 1;
      this.#fieldChars += run - 1;
      this.#field += run === 1 ? chunk[i] : chunk.slice(i, j);
      i = j - 1;
    }
    return out;
  }

  #maybeEscape = false;

  /** The end of the text: the last record (if it has no line break), or an error for an open quote. */
  end(): CsvRecord[] {
    this.#maybeEscape = false;
    if (this.#quoted)
      this.#fail('report_unterminated_quote', 'a quoted field that is never closed', this.#recordLine);
    const out: CsvRecord[] = [];
    if (this.#fields.length > 0 || this.#field !== '' || this.#closed || this.#fieldChars > 0)
      this.#endRecord(out);
    return out;
  }
}
