/**
 * Reading Fintoc's report files (the payout reconciliation report and the daily transaction
 * report): streaming, pure (bytes in, lines out), strict about what Fintoc documents (`id`,
 * `created_at`, `amount`, `fee`, integers in minor units) and open about the rest: known extra
 * columns are read, unknown ones are kept as they are. The same file seen twice has the same
 * `sha256`, taken over its exact bytes.
 */
import { createHash, type Hash } from 'node:crypto';
import {
  isDate,
  parseReportFilename,
  REPORT_LINE_TYPES,
  REQUIRED_REPORT_COLUMNS,
  type ReportKind,
  type ReportLineType,
} from '../fintoc/index.js';
import { CsvReader, type CsvRecord } from './csv.js';
import { ReportParseError } from './errors.js';

/** One line of a report, read. */
export interface ReportLine {
  /** The physical line of the file (1 = the header). */
  line: number;
  id: string;
  created_at: string;
  amount: number;
  fee: number;
  /** The `net` column when present, else `amount − fee`. */
  net: number;
  currency: string | null;
  /** The `type` column, or inferred: `pi_…` a payment; otherwise a negative amount a refund, a positive one a refund adjustment. */
  type: ReportLineType;
  /** The payment the line belongs to: the `payment_intent_id` column, or the id of a payment line. */
  payment_intent_id: string | null;
  status: string | null;
  transaction_at: string | null;
  payout_id: string | null;
  /** Columns this library does not know, by header name, as written. */
  extra: Record<string, string>;
}

/** A report file, read. */
export interface ParsedReport {
  filename: string | null;
  /** From the file name (`…-fintoc-payout-…` or `…-daily-summary-fintoc-…`), or given. */
  kind: ReportKind | null;
  /** The date in the file name. */
  date: string | null;
  /** The organisation in the file name. */
  org: string | null;
  /** SHA-256 of the exact bytes: the same file received twice has the same hash. */
  sha256: string;
  bytes: number;
  columns: string[];
  extraColumns: string[];
  lines: ReportLine[];
}

export interface ReportParserOptions {
  /** The file's name, for its kind, date and organisation. */
  filename?: string;
  /** The kind when the name does not say (or there is none). */
  kind?: ReportKind;
  /** Most characters in one line; default 65,536. */
  maxLineChars?: number;
}

const KNOWN = new Set([
  ...REQUIRED_REPORT_COLUMNS,
  'net',
  'currency',
  'type',
  'payment_intent_id',
  'status',
  'transaction_at',
  'payout_id',
]);
const INTEGER = /^-?\d{1,15}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const ID = /^[A-Za-z0-9_\-.:]{1,255}$/;
const CURRENCY = /^[A-Za-z]{3}$/;

/**
 * A report parser fed chunk by chunk (bytes or text); `push` returns the lines each chunk completed,
 * `end` the last ones and the report's summary (with every line, unless `keepLines` is false).
 *
 * @example
 * const parser = new ReportParser({ filename: '2026-03-09-fintoc-payout-mycompany.csv' });
 * for await (const chunk of createReadStream(path)) for (const line of parser.push(chunk)) use(line);
 * const report = parser.end();
 */
export class ReportParser {
  readonly #csv: CsvReader;
  readonly #hash: Hash = createHash('sha256');
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  readonly #lines: ReportLine[] = [];
  readonly #keep: boolean;
  readonly #opts: ReportParserOptions;
  #columns: string[] | null = null;
  #index: Record<string, number> = {};
  #extras: Array<[string, number]> = [];
  #bytes = 0;
  #ended = false;

  constructor(options: ReportParserOptions & { keepLines?: boolean } = {}) {
    this.#opts = options;
    this.#keep = options.keepLines ?? true;
    this.#csv = new CsvReader({ separator: ';', maxLineChars: options.maxLineChars ?? 65_536 });
  }

  /** Reads a chunk; returns the report lines it completed. Throws a {@link ReportParseError} at the first fault. */
  push(chunk: Uint8Array | string): ReportLine[] {
    if (this.#ended) throw new Error('ReportParser: push after end');
    let text: string;
    if (typeof chunk === 'string') {
      this.#hash.update(chunk, 'utf8');
      this.#bytes += Buffer.byteLength(chunk, 'utf8');
      text = chunk;
    } else {
      this.#hash.update(chunk);
      this.#bytes += chunk.byteLength;
      text = this.#decode(chunk, true);
    }
    return this.#records(this.#csv.push(text));
  }

  #decode(chunk: Uint8Array, stream: boolean): string {
    try {
      return this.#decoder.decode(chunk, { stream });
    } catch {
      throw new ReportParseError('report_invalid_encoding', 'the file is not valid UTF-8');
    }
  }

  /** The end of the file: the last lines, then the whole report. */
  end(): ParsedReport {
    if (this.#ended) throw new Error('ReportParser: end called twice');
    this.#ended = true;
    const tail = this.#decode(new Uint8Array(0), false);
    this.#records([...this.#csv.push(tail), ...this.#csv.end()]);
    if (this.#columns === null) throw new ReportParseError('report_empty', 'the file has no header row', 1);
    const named = this.#opts.filename ? parseReportFilename(this.#opts.filename) : null;
    return {
      filename: this.#opts.filename ?? null,
      kind: named?.kind ?? this.#opts.kind ?? null,
      date: named?.date ?? null,
      org: named?.org ?? null,
      sha256: this.#hash.digest('hex'),
      bytes: this.#bytes,
      columns: this.#columns,
      extraColumns: this.#extras.map(([name]) => name),
      lines: this.#lines,
    };
  }

  /** The lines read so far (when kept). */
  get lines(): readonly ReportLine[] {
    return this.#lines;
  }

  #records(records: CsvRecord[]): ReportLine[] {
    const out: ReportLine[] = [];
    for (const record of records) {
      if (this.#columns === null) {
        this.#header(record);
        continue;
      }
      const line = this.#line(record);
      out.push(line);
      if (this.#keep) this.#lines.push(line);
    }
    return out;
  }

  #header(record: CsvRecord): void {
    const columns = record.fields.map((f) => f.trim());
    const index: Record<string, number> = {};
    columns.forEach((name, i) => {
      if (name === '')
        throw new ReportParseError('report_bad_header', 'a header column without a name', record.line, i + 1);
      const key = name.toLowerCase();
      if (key in index)
        throw new ReportParseError(
          'report_duplicate_column',
          `the column "${name.slice(0, 50)}" appears twice`,
          record.line,
          i + 1,
        );
      index[key] = i;
    });
    for (const required of REQUIRED_REPORT_COLUMNS) {
      if (!(required in index)) {
        throw new ReportParseError(
          'report_missing_column',
          `the header has no "${required}" column (it has ${columns
            .slice(0, 12)
            .map((c) => `"${c.slice(0, 30)}"`)
            .join(', ')})`,
          record.line,
        );
      }
    }
    this.#columns = columns;
    this.#index = index;
    this.#extras = columns
      .map((name, i) => [name, i] as [string, number])
      .filter(([name]) => !KNOWN.has(name.toLowerCase()));
  }

  #bad(record: CsvRecord, name: string, what: string): never {
    const i = this.#index[name] as number;
    throw new ReportParseError(
      'report_invalid_value',
      `${name} must be ${what}; got "${(record.fields[i] as string).slice(0, 40)}"`,
      record.line,
      i + 1,
    );
  }

  /** A field by column name, trimmed; `null` when the column is absent or the field empty. */
  #get(record: CsvRecord, name: string): string | null {
    const i = this.#index[name];
    if (i === undefined) return null;
    const v = (record.fields[i] as string).trim();
    return v === '' ? null : v;
  }

  #int(record: CsvRecord, name: string): number {
    const v = this.#get(record, name);
    if (v === null || !INTEGER.test(v)) return this.#bad(record, name, 'an integer in minor units');
    return Number(v);
  }

  #time(record: CsvRecord, name: string, required: boolean): string | null {
    const v = this.#get(record, name);
    if (v === null) return required ? this.#bad(record, name, 'an ISO 8601 date and time') : null;
    if (!ISO.test(v) || !isDate(v.slice(0, 10)) || Number.isNaN(Date.parse(v)))
      return this.#bad(record, name, 'an ISO 8601 date and time');
    return v;
  }

  #ident(record: CsvRecord, name: string, required: boolean): string | null {
    const v = this.#get(record, name);
    if (v === null) return required ? this.#bad(record, name, 'an id') : null;
    if (!ID.test(v)) return this.#bad(record, name, 'an id (letters, digits, _ - . :)');
    return v;
  }

  #line(record: CsvRecord): ReportLine {
    const columns = this.#columns as string[];
    const f = record.fields;
    if (f.length !== columns.length) {
      throw new ReportParseError(
        'report_column_count',
        `${f.length} fields where the header has ${columns.length}`,
        record.line,
        Math.min(f.length, columns.length) + 1,
      );
    }
    const id = this.#ident(record, 'id', true) as string;
    const amount = this.#int(record, 'amount');
    const fee = this.#int(record, 'fee');
    const net = this.#get(record, 'net') === null ? amount - fee : this.#int(record, 'net');
    let type: ReportLineType;
    const given = this.#get(record, 'type');
    if (given !== null) {
      if (!(REPORT_LINE_TYPES as readonly string[]).includes(given))
        this.#bad(record, 'type', REPORT_LINE_TYPES.join(', '));
      type = given as ReportLineType;
    } else type = id.startsWith('pi_') ? 'payment_intent' : amount < 0 ? 'refund' : 'refund_adjustment';
    const currency = this.#get(record, 'currency');
    if (currency !== null && !CURRENCY.test(currency))
      this.#bad(record, 'currency', 'a three-letter currency code');
    const extra: Record<string, string> = {};
    for (const [name, i] of this.#extras) extra[name] = f[i] as string;
    return {
      line: record.line,
      id,
      created_at: this.#time(record, 'created_at', true) as string,
      amount,
      fee,
      net,
      currency: currency === null ? null : currency.toUpperCase(),
      type,
      payment_intent_id:
        this.#ident(record, 'payment_intent_id', false) ?? (type === 'payment_intent' ? id : null),
      status: this.#get(record, 'status'),
      transaction_at: this.#time(record, 'transaction_at', false),
      payout_id: this.#ident(record, 'payout_id', false),
      extra,
    };
  }
}

/**
 * Reads a whole report from text, bytes, or an (async) iterable of chunks such as a file stream.
 *
 * @example
 * const report = await parseReport(createReadStream(path), { filename: basename(path) });
 * report.lines.length; report.sha256;
 */
export async function parseReport(
  input: string | Uint8Array | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>,
  options: ReportParserOptions = {},
): Promise<ParsedReport> {
  const parser = new ReportParser(options);
  if (typeof input === 'string' || input instanceof Uint8Array) parser.push(input);
  else if (Symbol.asyncIterator in input) for await (const chunk of input) parser.push(chunk);
  else for (const chunk of input) parser.push(chunk);
  return parser.end();
}

/** The same, synchronously, for text or bytes already in memory. @example parseReportSync(csvText).lines */
export function parseReportSync(input: string | Uint8Array, options: ReportParserOptions = {}): ParsedReport {
  const parser = new ReportParser(options);
  parser.push(input);
  return parser.end();
}
