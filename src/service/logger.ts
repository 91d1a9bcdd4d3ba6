import pino, { type DestinationStream, type Logger } from 'pino';

/** Anything shaped like a Fintoc secret key or a webhook secret, even ones we were not told about. */
const SECRET_SHAPES = ['sk_(?:test|live)_[A-Za-z0-9_-]+', 'whsec_[A-Za-z0-9+/=_-]+'];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A redactor for log lines: replaces every configured secret and anything shaped like a Fintoc
 * secret key or webhook secret with `[REDACTED]`. It runs on the final text of each line, so no
 * field name or nesting can leak one.
 *
 * @example
 * redactor(['sk_test_abc'])('{"msg":"key sk_test_abc"}'); // '{"msg":"key [REDACTED]"}'
 */
export function redactor(secrets: readonly string[]): (line: string) => string {
  const literal = [...secrets]
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  const re = new RegExp([...literal, ...SECRET_SHAPES].join('|'), 'g');
  return (line) => line.replace(re, '[REDACTED]');
}

/**
 * The service's logger: JSON lines (pino), request authorization headers and webhook signatures
 * removed, and every secret redacted in the final line.
 */
export function createLogger(opts: {
  secrets: readonly string[];
  level?: string;
  destination?: DestinationStream;
}): Logger {
  const redact = redactor(opts.secrets);
  return pino(
    {
      level: opts.level ?? 'info',
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["fintoc-signature"]',
          'req.headers["webhook-signature"]',
          'headers.authorization',
        ],
        censor: '[REDACTED]',
      },
      hooks: { streamWrite: redact },
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
