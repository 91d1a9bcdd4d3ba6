import type { FastifyInstance } from 'fastify';
import { routeTestApp } from '../../../../test/service/support/route-app.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import demoRoutes, { signNotification, verifyNotification, type DemoBackend } from './index.js';

const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;

describe('demo shop', () => {
  let app: FastifyInstance;
  let created: Array<Record<string, unknown>>;
  let now: number;

  beforeEach(async () => {
    created = [];
    now = Date.UTC(2026, 0, 1, 12);
    const backend: DemoBackend = {
      country: 'cl',
      shopName: 'Tienda Demo',
      flow: 'session',
      webhookSecret: SECRET,
      now: () => now,
      async createPayment(body) {
        created.push(body);
        return {
          statusCode: 201,
          body: {
            id: 'pay_demo0000000000000001',
            checkout_url: 'http://127.0.0.1:3000/pay/pay_demo0000000000000001',
          },
        };
      },
    };
    app = await routeTestApp({ demo: backend });
    await app.register(demoRoutes);
  });
  afterEach(() => app.close());

  async function checkout(quantity = '2'): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/demo/checkout',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `quantity=${quantity}`,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/pay/pay_demo0000000000000001');
    return String(created.at(-1)?.order_id);
  }

  function notify(body: unknown, id = 'msg_1', secret = SECRET) {
    const raw = JSON.stringify(body);
    const ts = Math.floor(now / 1000);
    return app.inject({
      method: 'POST',
      url: '/demo/notifications',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(ts),
        'webhook-signature': signNotification(secret, id, ts, raw),
      },
      payload: raw,
    });
  }

  it('shows a product, the cart total and the Chilean Fintoc button', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.body).toContain('Café de especialidad, 1 kg');
    expect(res.body).toContain('$12.990 CLP');
    expect(res.body).toContain('button_cl_light_trailing');
    expect(res.body).toContain('Paga con tu banco');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('creates the payment through the service API and sends the customer to the checkout', async () => {
    const order = await checkout('2');
    expect(created[0]).toEqual({
      amount: 25980,
      currency: 'CLP',
      order_id: order,
      metadata: { return_url: `/demo/orders/${order}`, product: 'Café de especialidad, 1 kg', quantity: '2' },
      flow: 'session',
    });
    const page = await app.inject({ url: `/demo/orders/${order}` });
    expect(page.body).toContain('Esperando el pago');
    expect(page.body).toContain('data-flow="session"');
  });

  it('has a flow switch starting on FINTOC_FLOW, and pays with the flow chosen; an unknown one is refused', async () => {
    const shop = await app.inject({ url: '/' });
    for (const f of ['session', 'redirect', 'intent'])
      expect(shop.body).toContain(`data-testid="demo-flow-${f}"`);
    expect(shop.body).toMatch(/value="session" data-testid="demo-flow-session" checked/);
    for (const flow of ['redirect', 'intent']) {
      const res = await app.inject({
        method: 'POST',
        url: '/demo/checkout',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `quantity=1&flow=${flow}`,
      });
      expect(res.statusCode).toBe(303);
      expect(created.at(-1)?.flow).toBe(flow);
      const page = await app.inject({ url: `/demo/orders/${String(created.at(-1)?.order_id)}` });
      expect(page.body).toContain(`data-flow="${flow}"`);
    }
    const bad = await app.inject({
      method: 'POST',
      url: '/demo/checkout',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'quantity=1&flow=widget',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('Elige cómo pagar.');
    expect(created).toHaveLength(2);
  });

  it('learns the order status only from signed notifications, once per webhook-id', async () => {
    const order = await checkout();
    const payload = { type: 'payment.succeeded', data: { id: 'pay_demo0000000000000001', order_id: order } };
    expect((await notify(payload)).statusCode).toBe(200);
    expect((await notify(payload)).json()).toEqual({ received: true, duplicate: true });
    const state = (await app.inject({ url: `/demo/api/orders/${order}` })).json();
    expect(state.status).toBe('paid');
    expect(state.notifications).toHaveLength(1);
    // A later failure does not unpay a paid order.
    await notify({ type: 'payment.failed', data: { id: 'pay_x', order_id: order } }, 'msg_2');
    expect((await app.inject({ url: `/demo/orders/${order}` })).body).toContain('Pagada');
  });

  it('rejects a notification signed with another secret', async () => {
    const order = await checkout();
    const other = `whsec_${Buffer.from('another-secret-of-32-bytes-long!').toString('base64')}`;
    const res = await notify({ type: 'payment.succeeded', data: { order_id: order } }, 'msg_3', other);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('no_matching_signature');
    expect((await app.inject({ url: `/demo/api/orders/${order}` })).json().status).toBe('awaiting_payment');
  });

  it('verifies the timestamp window in both directions', () => {
    const sig = signNotification(SECRET, 'msg_9', 1000, '{}');
    const headers = { 'webhook-id': 'msg_9', 'webhook-timestamp': '1000', 'webhook-signature': sig };
    expect(verifyNotification(SECRET, headers, '{}', 1_000_000)).toEqual({ id: 'msg_9', timestamp: 1000 });
    expect(() => verifyNotification(SECRET, headers, '{}', 1_301_000)).toThrow(/too old/);
    expect(() => verifyNotification(SECRET, headers, '{}', 699_000)).toThrow(/future/);
    expect(() => verifyNotification(SECRET, headers, '{"a":1}', 1_000_000)).toThrow(/no v1 signature/);
  });
});
