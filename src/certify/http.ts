/**
 * The HTTP certify speaks to the shop, the sandbox and Fintoc: JSON in and out, a time limit on every
 * call, and the answer kept whole (status, body, text) because a wrong answer is evidence too.
 */
export interface HttpAnswer {
  status: number;
  /** Parsed JSON, or null when the body is not JSON. */
  json: unknown;
  text: string;
  headers: Headers;
}

export interface HttpCall {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON (a string is sent as it is). */
  body?: unknown;
  timeoutMs?: number;
}

/** Why a call got no answer at all (refused connection, timeout): a message naming the URL. */
export class HttpUnreachable extends Error {
  /** `timed out`, or the network error's code (`ECONNREFUSED` …). */
  readonly why: string;

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    const code = (cause as { cause?: { code?: string } })?.cause?.code ?? (cause as Error)?.name ?? 'error';
    const why = code === 'TimeoutError' ? 'timed out' : code;
    super(`${url} did not answer (${why})`, { cause });
    this.name = 'HttpUnreachable';
    this.why = why;
  }
}

/**
 * One HTTP call; never throws for an HTTP status, only for no answer.
 *
 * @example
 * const res = await http('http://127.0.0.1:4010/v1/whoami', { headers: { authorization: key } });
 */
export async function http(url: string, call: HttpCall = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  let body: string | undefined;
  if (call.body !== undefined) {
    body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
    headers['content-type'] ??= 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: call.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(call.timeoutMs ?? 15_000),
      redirect: 'manual',
    });
  } catch (err) {
    throw new HttpUnreachable(url, err);
  }
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Reads a dot path (`order.status`, `data.0.status`) from parsed JSON. */
export function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.').filter((p) => p !== '')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Resolves once `check` returns a value other than undefined, polling; undefined at the deadline. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<T | undefined> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline || opts.signal?.aborted) return undefined;
    await new Promise((resolve) =>
      setTimeout(resolve, Math.min(opts.intervalMs ?? 250, Math.max(0, deadline - Date.now()))),
    );
  }
}
