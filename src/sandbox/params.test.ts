import { describe, expect, it } from 'vitest';
import {
  CheckoutSessionV2CreateParamsSchema,
  PaymentIntentCreateParamsSchema,
  RefundCreateParamsSchema,
  WebhookEndpointCreateParamsSchema,
  type PaymentIntentCreateParams,
} from '../fintoc/index.js';
import { ApiError } from './errors.js';
import { parseParams } from './params.js';

const SCHEMAS = {
  intent: PaymentIntentCreateParamsSchema,
  endpoint: WebhookEndpointCreateParamsSchema,
  session: CheckoutSessionV2CreateParamsSchema,
  refund: RefundCreateParamsSchema,
};

function refusal(schema: (typeof SCHEMAS)[keyof typeof SCHEMAS], body: unknown) {
  try {
    parseParams(schema, body);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    return { status: e.status, code: e.code, param: e.param, message: e.message };
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

describe('parseParams: the client schemas, answered as Fintoc answers', () => {
  it('parses a body the client type accepts, keeping unknown keys', () => {
    const body: PaymentIntentCreateParams = {
      amount: 5000,
      currency: 'clp',
      metadata: { a: 1 },
      extra: true,
    };
    expect(parseParams(PaymentIntentCreateParamsSchema, body)).toEqual(body);
  });

  it.each([
    ['intent', { currency: 'CLP' }, 'missing_parameter', 'amount'],
    ['intent', { amount: null, currency: 'CLP' }, 'missing_parameter', 'amount'],
    ['intent', { amount: 10.5, currency: 'CLP' }, 'invalid_amount', 'amount'],
    ['intent', { amount: '5000', currency: 'CLP' }, 'invalid_amount', 'amount'],
    ['intent', { amount: 2 ** 60, currency: 'CLP' }, 'invalid_amount', 'amount'],
    ['intent', { amount: 5000 }, 'missing_parameter', 'currency'],
    ['intent', { amount: 5000, currency: 'USD' }, 'invalid_currency', 'currency'],
    ['intent', { amount: 5000, currency: 7 }, 'invalid_currency', 'currency'],
    ['intent', { amount: 5000, currency: 'CLP', metadata: [1] }, 'invalid_params', 'metadata'],
    ['intent', { amount: 5000, currency: 'CLP', customer_email: 5 }, 'invalid_params', 'customer_email'],
    ['endpoint', { enabled_events: ['*'] }, 'missing_parameter', 'url'],
    ['endpoint', { url: 5, enabled_events: ['*'] }, 'invalid_url', 'url'],
    ['endpoint', { url: 'https://a.example', enabled_events: 'x' }, 'invalid_params', 'enabled_events'],
    ['session', { amount: 1, currency: 'CLP', ui_mode: 'popup' }, 'invalid_params', 'ui_mode'],
    ['session', { amount: 1, currency: 'CLP', success_url: 5 }, 'invalid_url', 'success_url'],
    ['refund', { resource_id: 'pi_1' }, 'missing_parameter', 'resource_type'],
    ['refund', { resource_type: 'payment_intent', resource_id: '' }, 'missing_parameter', 'resource_id'],
    ['refund', { resource_type: 'payout', resource_id: 'pi_1' }, 'invalid_params', 'resource_type'],
  ] as const)('%s: refuses %j with %s on %s', (name, body, code, param) => {
    const e = refusal(SCHEMAS[name], body);
    expect(e).toMatchObject({ status: 400, code, param });
    expect(e.message).toContain(param);
  });
});
