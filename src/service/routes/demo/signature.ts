/**
 * Standard Webhooks verification as a shop would write it (https://www.standardwebhooks.com): the
 * demo shop checks every notification from the service with it, so it doubles as the example.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class NotificationSignatureError extends Error {
  constructor(
    readonly code:
      | 'missing_header'
      | 'timestamp_too_old'
      | 'timestamp_in_future'
      | 'no_matching_signature'
      | 'invalid_secret',
    message: string,
  ) {
    super(message);
    this.name = 'NotificationSignatureError';
  }
}

function secretBytes(secret: string): Buffer {
  if (!secret.startsWith('whsec_'))
    throw new NotificationSignatureError('invalid_secret', 'the secret must start with whsec_');
  return Buffer.from(secret.slice('whsec_'.length), 'base64');
}

/** Signs like the service does; for tests. */
export function signNotification(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretBytes(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * Verifies a notification on its raw body; throws {@link NotificationSignatureError} saying why not.
 *
 * @example
 * verifyNotification(secret, request.headers, rawBody, Date.now());
 */
export function verifyNotification(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  nowMs: number,
  toleranceSeconds = 300,
): { id: string; timestamp: number } {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = header('webhook-id');
  const timestampText = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!id || !timestampText || !signatures) {
    throw new NotificationSignatureError(
      'missing_header',
      'webhook-id, webhook-timestamp and webhook-signature are all required',
    );
  }
  const timestamp = Number(timestampText);
  const now = Math.floor(nowMs / 1000);
  if (!Number.isInteger(timestamp) || now - timestamp > toleranceSeconds) {
    throw new NotificationSignatureError(
      'timestamp_too_old',
      'the notification is too old (or its timestamp unreadable)',
    );
  }
  if (timestamp - now > toleranceSeconds) {
    throw new NotificationSignatureError(
      'timestamp_in_future',
      "the notification's timestamp is in the future",
    );
  }
  const expected = Buffer.from(signNotification(secret, id, timestamp, rawBody).slice(3), 'base64');
  for (const candidate of signatures.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { id, timestamp };
  }
  throw new NotificationSignatureError(
    'no_matching_signature',
    'no v1 signature matches MERCHANT_WEBHOOK_SECRET',
  );
}
