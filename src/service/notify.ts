import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks signature (https://www.standardwebhooks.com): `v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>">` keyed with the base64-decoded part of a `whsec_` secret.
 *
 * @example
 * const headers = standardWebhookHeaders({ id: 'msg_1', timestamp: 1700000000, body, secret: 'whsec_…' });
 */
export function standardWebhookSignature(opts: {
  id: string;
  timestamp: number;
  body: string;
  secret: string;
}): string {
  const key = Buffer.from(opts.secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', key).update(`${opts.id}.${opts.timestamp}.${opts.body}`).digest('base64');
  return `v1,${mac}`;
}

export function standardWebhookHeaders(opts: {
  id: string;
  timestamp: number;
  body: string;
  secret: string;
}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'pasarela',
    'webhook-id': opts.id,
    'webhook-timestamp': String(opts.timestamp),
    'webhook-signature': standardWebhookSignature(opts),
  };
}

/** Retry delay after the n-th failed delivery (1-based): 5 s doubling, capped at 1 h. */
export function notificationBackoffMs(attempts: number): number {
  return Math.min(3_600_000, 5_000 * 2 ** Math.max(0, attempts - 1));
}

/** Notifications are retried this long after they were created, then left undelivered (visible). */
export const NOTIFICATION_RETRY_WINDOW_MS = 3 * 86_400_000;

/** How long the shop's endpoint has to answer a notification (Standard Webhooks: 15–30 s). */
export const NOTIFICATION_TIMEOUT_MS = 20_000;

/**
 * What an answer to a notification means, per Standard Webhooks: any 2xx delivers it; `410 Gone`
 * says the endpoint is gone for good, so it is disabled; anything else — a redirect included, which
 * is never followed (the body would not reach the target) — is a failed attempt, retried.
 *
 * @example
 * deliveryOutcome(302); // 'retry'
 */
export function deliveryOutcome(status: number | null): 'delivered' | 'gone' | 'retry' {
  if (status !== null && status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'gone';
  return 'retry';
}
