/**
 * The attachments of an e-mail (RFC 5322 with MIME), for the maildir intake: the report files a
 * mail carries. Only what report e-mails use is read: nested multiparts, `base64`,
 * `quoted-printable`, `7bit`/`8bit`, the file name from `Content-Disposition` (`filename`,
 * `filename*`) or `Content-Type` (`name`). Bounded: at most 20 levels and 100 parts.
 */

/** A file attached to a mail. */
export interface MailAttachment {
  filename: string | null;
  contentType: string;
  content: Buffer;
}

const MAX_DEPTH = 20;
const MAX_PARTS = 100;

interface Part {
  headers: Map<string, string>;
  body: Buffer;
}

/** Splits a message (or part) at its first empty line into unfolded headers and the body. */
function splitPart(raw: Buffer): Part {
  let end = -1;
  let skip = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) {
      end = i;
      skip = 2;
      break;
    }
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) {
      end = i;
      skip = 3;
      break;
    }
  }
  if (raw.length > 0 && (raw[0] === 0x0a || (raw[0] === 0x0d && raw[1] === 0x0a))) {
    end = 0;
    skip = raw[0] === 0x0a ? 1 : 2;
  }
  const headText = end < 0 ? raw.toString('latin1') : raw.subarray(0, end).toString('latin1');
  const body = end < 0 ? Buffer.alloc(0) : raw.subarray(end + skip);
  const headers = new Map<string, string>();
  let current: string | null = null;
  for (const line of headText.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current) {
      headers.set(current, `${headers.get(current) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(current)) headers.set(current, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** A header's parameters (`type/subtype; a="b"; c*=utf-8''d`), names lower-cased, values decoded. */
export function headerParams(value: string): { value: string; params: Map<string, string> } {
  const params = new Map<string, string>();
  const re = /;\s*([^=;\s]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;]*)/g;
  const first = value.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  for (const m of value.matchAll(re)) {
    const name = (m[1] ?? '').toLowerCase();
    let v = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[2] ?? '').trim();
    if (name.endsWith('*')) {
      // RFC 2231: charset'language'percent-encoded
      const ext = /^([^']*)'[^']*'(.*)$/.exec(v);
      if (ext) {
        try {
          v = decodeURIComponent(ext[2] ?? '');
        } catch {
          v = ext[2] ?? '';
        }
      }
      params.set(name.slice(0, -1), v);
    } else if (!params.has(name)) params.set(name, decodeEncodedWords(v));
  }
  return { value: first, params };
}

/** RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?utf-8?Q?…?=`) in a header value. */
function decodeEncodedWords(text: string): string {
  return text.replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
    (whole, _charset: string, enc: string, data: string) => {
      try {
        const bytes =
          enc.toUpperCase() === 'B'
            ? Buffer.from(data, 'base64')
            : quotedPrintable(Buffer.from(data.replace(/_/g, ' '), 'latin1'));
        return new TextDecoder('utf-8').decode(bytes);
      } catch {
        return whole;
      }
    },
  );
}

function quotedPrintable(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(text.charCodeAt(i) & 0xff);
  }
  return Buffer.from(out);
}

function decodeBody(part: Part): Buffer {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  if (encoding === 'base64')
    return Buffer.from(part.body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (encoding === 'quoted-printable') return quotedPrintable(part.body);
  return part.body;
}

/** Splits a multipart body at its boundary lines (the preamble and epilogue dropped). */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  const lines = text.split(/(?<=\n)/);
  let current: string[] | null = null;
  for (const line of lines) {
    const bare = line.replace(/\r?\n$/, '').trimEnd();
    if (bare === delimiter || bare === `${delimiter}--`) {
      if (current) {
        const joined = current.join('').replace(/\r?\n$/, '');
        parts.push(Buffer.from(joined, 'latin1'));
      }
      if (bare.endsWith('--') && bare !== delimiter) return parts;
      current = [];
      if (parts.length >= MAX_PARTS) return parts;
      continue;
    }
    current?.push(line);
  }
  return parts;
}

/**
 * The attached files of a mail, in order. A mail without attachments answers `[]`; a single-part
 * mail whose body is itself a CSV (`text/csv`) answers that body.
 *
 * @example
 * for (const a of mailAttachments(readFileSync(path))) if (a.filename?.endsWith('.csv')) intake(a.content);
 */
export function mailAttachments(raw: Buffer): MailAttachment[] {
  const out: MailAttachment[] = [];
  let budget = MAX_PARTS;
  const walk = (part: Part, depth: number) => {
    if (depth > MAX_DEPTH || budget-- <= 0) return;
    const type = headerParams(part.headers.get('content-type') ?? 'text/plain');
    if (type.value.startsWith('multipart/')) {
      const boundary = type.params.get('boundary');
      if (!boundary) return;
      for (const child of splitMultipart(part.body, boundary)) walk(splitPart(child), depth + 1);
      return;
    }
    const disposition = headerParams(part.headers.get('content-disposition') ?? '');
    const filename = disposition.params.get('filename') ?? type.params.get('name') ?? null;
    if (disposition.value === 'attachment' || filename !== null || type.value === 'text/csv') {
      out.push({ filename, contentType: type.value, content: decodeBody(part) });
    }
  };
  walk(splitPart(raw), 0);
  return out;
}
