import { describe, expect, it } from 'vitest';
import {
  NOTIFICATION_RETRY_WINDOW_MS,
  notificationBackoffMs,
  standardWebhookHeaders,
  standardWebhookSignature,
} from './notify.js';

describe('standardWebhookSignature', () => {
  // The Standard Webhooks specification's published test vector: a shop verifying with any of that
  // specification's libraries gets the same answer (the flow tests only check against this function).
  it('reproduces the specification’s test vector', () => {
    expect(
      standardWebhookSignature({
        id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: 1614265330,
        body: '{"test": 2432232314}',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      }),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('sends the signature with the webhook-id and webhook-timestamp it covers', () => {
    const opts = {
      id: 'msg_1',
      timestamp: 1700000000,
      body: '{}',
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    };
    expect(standardWebhookHeaders(opts)).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': 'msg_1',
      'webhook-timestamp': '1700000000',
      'webhook-signature': standardWebhookSignature(opts),
    });
  });
});

describe('notificationBackoffMs', () => {
  it('waits 5 s after the first failure, doubling, capped at an hour, inside the retry window', () => {
    expect([1, 2, 3, 4].map(notificationBackoffMs)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(notificationBackoffMs(30)).toBe(3_600_000);
    expect(NOTIFICATION_RETRY_WINDOW_MS).toBeGreaterThan(notificationBackoffMs(30));
  });
});
