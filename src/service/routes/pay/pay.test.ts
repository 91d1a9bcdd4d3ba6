import type { FastifyInstance } from 'fastify';
import { routeTestApp } from '../../../../test/service/support/route-app.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import payRoutes, { parseBrowserEvents, safeReturnUrl } from './index.js';
import type { BrowserEvent, CheckoutBackend, CheckoutPayment } from './backend.js';
import { ServiceError } from '../../errors.js';

const ID = 'pay_4fJ9kQ2mX7pL0sT3vW8yZb';

class FakeBackend implements CheckoutBackend {
  config = {
    publicKey: 'pk_test_public',
    widgetUrl: 'http://127.0.0.1:4010/widget.js',
    country: 'cl' as const,
    shopName: 'Tienda Demo',
    shopUrl: 'https://tienda.example/' as string | null,
  };
  payments = new Map<string, CheckoutPayment>();
  recorded: BrowserEvent[] = [];
  attempts = 0;
  clock = 1_000_000;
  now = () => this.clock;

  add(over: Partial<CheckoutPayment> = {}): CheckoutPayment {
    const p: CheckoutPayment = {
      id: ID,
      order_id: 'order-7',
      amount: 12990,
      currency: 'CLP',
      status: 'pending',
      failure_reason: null,
      flow: 'intent',
      widget_token: 'pi_abc_sec_def',
      session_token: null,
      redirect_url: null,
      expires_at: new Date('2026-01-01T00:10:00Z'),
      updated_at: new Date('2026-01-01T00:00:00Z'),
      return_url: '/demo/orders/order-7',
      ...over,
    };
    this.payments.set(p.id, p);
    return p;
  }
  reads: string[] = [];
  async getPayment(id: string) {
    this.reads.push(id);
    return this.payments.get(id) ?? null;
  }
  async recordBrowserEvents(_id: string, events: BrowserEvent[]) {
    this.recorded.push(...events);
  }
  retries = 0;
  async retryPayment(id: string) {
    const p = this.payments.get(id);
    if (!p || p.retryable !== true) throw new ServiceError('payment_not_retryable', 'no');
    this.retries += 1;
    return this.add({
      id: `pay_RETRY${String(this.retries).padStart(16, '0')}`,
      order_id: p.order_id,
      widget_token: `pi_retry${this.retries}_sec_x`,
    });
  }
  returns: Array<{ id: string; from: string | null }> = [];
  async returned(id: string, from: 'success' | 'cancel' | null) {
    this.returns.push({ id, from });
  }
  async newAttempt(id: string) {
    const p = this.payments.get(id);
    if (!p || p.status !== 'pending') throw new ServiceError('payment_not_open', 'ended');
    this.attempts += 1;
    p.widget_token = `pi_new${this.attempts}_sec_x`;
    return p;
  }
}

describe('checkout routes', () => {
  let app: FastifyInstance;
  let backend: FakeBackend;

  beforeEach(async () => {
    backend = new FakeBackend();
    app = await routeTestApp({ checkout: backend });
    await app.register(payRoutes, {
      events: { limit: 5, windowMs: 60_000 },
      attempts: { limit: 2, windowMs: 60_000 },
    });
    await app.ready();
  });
  afterEach(() => app.close());

  it('serves the hosted page with the amount, the approved button and a strict CSP, and no secret', async () => {
    backend.add();
    const res = await app.inject({ url: `/pay/${ID}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self' http://127.0.0.1:4010");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('$12.990 CLP');
    expect(res.body).toContain('Paga con tu banco');
    expect(res.body).toContain('"widgetToken":"pi_abc_sec_def"');
    expect(res.body).toContain('"publicKey":"pk_test_public"');
    expect(res.body).not.toMatch(/sk_(test|live)_|whsec_/);
  });

  it('shows an ended payment without a widget or its token', async () => {
    backend.add({ status: 'canceled', failure_reason: 'abandoned' });
    const res = await app.inject({ url: `/pay/${ID}` });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Pago cancelado');
    expect(res.body).not.toContain('pi_abc_sec_def');
    expect(res.body).not.toContain('<script');
    const session = await app.inject({ url: `/pay/${ID}/session` });
    expect(session.json().widget).toBeNull();
  });

  it('a canceled payment with no return_url still leads back to the shop: PASARELA_SHOP_URL', async () => {
    backend.add({ status: 'canceled', failure_reason: 'abandoned', return_url: null });
    const res = await app.inject({ url: `/pay/${ID}` });
    expect(res.body).toContain('data-testid="back-to-shop" href="https://tienda.example/"');
    expect(res.body).not.toContain('Total a pagar');
    expect((await app.inject({ url: `/pay/${ID}/session` })).json().shop.url).toBe('https://tienda.example/');
    backend.config.shopUrl = null;
    const none = await app.inject({ url: `/pay/${ID}` });
    expect(none.body).toContain('Puedes cerrar esta página y volver a Tienda Demo.');
  });

  it('answers 404 for unknown and malformed ids without reading the database', async () => {
    const page = await app.inject({ url: `/pay/${ID}` });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('Pago no encontrado');
    const api = await app.inject({ url: '/pay/../../etc/status' });
    expect(api.statusCode).toBe(404);
    const bad = await app.inject({ url: '/pay/pay_x/status' });
    expect(bad.json()).toEqual({ error: { code: 'payment_not_found', message: 'No payment pay_x.' } });
    // Only the well-formed id was looked up.
    expect(backend.reads).toEqual([ID]);
  });

  it('reports the status as the service knows it', async () => {
    backend.add({ status: 'failed', failure_reason: 'rejected' });
    const res = await app.inject({ url: `/pay/${ID}/status` });
    expect(res.json()).toEqual({
      status: 'failed',
      failure_reason: 'rejected',
      updated_at: '2026-01-01T00:00:00.000Z',
    });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('stores browser events as the page sent them (the service leaving the payment alone is e2e (9))', async () => {
    const p = backend.add();
    const res = await app.inject({
      method: 'POST',
      url: `/pay/${ID}/events`,
      payload: { events: [{ type: 'event', name: 'opened', timestamp: 1700000000000 }, { type: 'success' }] },
    });
    expect(res.statusCode).toBe(202);
    expect(backend.recorded).toEqual([
      { type: 'event', name: 'opened', timestamp: 1700000000000 },
      { type: 'success', name: null, timestamp: null },
    ]);
    expect(p.status).toBe('pending');
  });

  it('rejects malformed events with a code that says what is wrong', async () => {
    backend.add();
    const res = await app.inject({
      method: 'POST',
      url: `/pay/${ID}/events`,
      payload: { events: [{ type: 'succeeded' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_browser_event');
    expect(() => parseBrowserEvents({ events: [{ type: 'event', name: '<script>' }] })).toThrow(
      /widget event name/,
    );
    expect(() => parseBrowserEvents({ events: [] })).toThrow(/between 1 and 20/);
  });

  it('throttles events per payment, keeping the end of the flow first', async () => {
    backend.add();
    const burst = Array.from({ length: 6 }, (_, i) => ({ type: 'event', name: `e${i}` }));
    const first = await app.inject({
      method: 'POST',
      url: `/pay/${ID}/events`,
      payload: { events: [...burst, { type: 'exit' }] },
    });
    expect(first.json()).toEqual({ accepted: 5, dropped: 2 });
    expect(backend.recorded.map((e) => e.name ?? e.type)).toEqual(['e0', 'e1', 'e2', 'e3', 'exit']);
    const second = await app.inject({
      method: 'POST',
      url: `/pay/${ID}/events`,
      payload: { events: [{ type: 'exit' }] },
    });
    expect(second.statusCode).toBe(429);
    expect(second.json().error.code).toBe('too_many_browser_events');
    expect(second.headers['retry-after']).toBe('60');
    backend.clock += 60_000;
    const later = await app.inject({
      method: 'POST',
      url: `/pay/${ID}/events`,
      payload: { events: [{ type: 'exit' }] },
    });
    expect(later.statusCode).toBe(202);
  });

  it('after a rejection it offers a retry, and the retry answers the order’s next payment', async () => {
    backend.add({ status: 'failed', failure_reason: 'rejected', widget_token: null, retryable: true });
    const page = await app.inject({ url: `/pay/${ID}` });
    expect(page.body).toContain('data-testid="retry-button"');
    expect(page.body).toContain('data-testid="retry-hint"');
    expect(page.body).toContain('data-testid="back-to-shop"');
    const session = await app.inject({ url: `/pay/${ID}/session` });
    expect(session.json()).toMatchObject({ retryable: true, widget: null });
    const res = await app.inject({ method: 'POST', url: `/pay/${ID}/attempts`, payload: {} });
    expect(res.statusCode).toBe(201);
    const next = res.json();
    expect(next.payment.id).not.toBe(ID);
    expect(next.payment).toMatchObject({ order_id: 'order-7', status: 'pending' });
    expect(next.widget.widgetToken).toBe('pi_retry1_sec_x');
    expect(next.retryable).toBe(false);
    // Retries share the per-payment throttle with new attempts.
    expect((await app.inject({ method: 'POST', url: `/pay/${ID}/attempts`, payload: {} })).statusCode).toBe(
      201,
    );
    expect((await app.inject({ method: 'POST', url: `/pay/${ID}/attempts`, payload: {} })).statusCode).toBe(
      429,
    );
  });

  it('offers no retry where the rules say no (a paid order, a canceled payment)', async () => {
    for (const over of [
      { status: 'failed' as const, failure_reason: 'rejected', retryable: false },
      { status: 'canceled' as const, failure_reason: 'payment_timeout' },
    ]) {
      backend.add({ ...over, widget_token: null });
      const page = await app.inject({ url: `/pay/${ID}` });
      expect(page.body).not.toContain('data-testid="retry-button"');
      const res = await app.inject({ method: 'POST', url: `/pay/${ID}/attempts`, payload: {} });
      expect(res.statusCode).toBe(409);
      expect(res.json().error.code).toBe('payment_not_open');
    }
    expect(backend.retries).toBe(0);
  });

  it('starts a new attempt while open and refuses once ended', async () => {
    const p = backend.add();
    const res = await app.inject({ method: 'POST', url: `/pay/${ID}/attempts`, payload: {} });
    expect(res.statusCode).toBe(201);
    expect(res.json().widget.widgetToken).toBe('pi_new1_sec_x');
    // Each attempt asks Fintoc for a new intent: a page (or anyone with the link) looping is cut off.
    expect((await app.inject({ method: 'POST', url: `/pay/${ID}/attempts`, payload: {} })).statusCode).toBe(
      201,
    );
    const looping = await app.inject({ method: 'POST', url: `/pay/${ID}/attempts`, payload: {} });
    expect(looping.statusCode).toBe(429);
    expect(looping.json().error.code).toBe('too_many_attempts');
    expect(backend.attempts).toBe(2);
    p.status = 'expired';
    const ended = await app.inject({ method: 'POST', url: `/pay/${ID}/attempts`, payload: {} });
    expect(ended.statusCode).toBe(409);
    expect(ended.json().error.code).toBe('payment_not_open');
  });

  it('serves the bundled browser module and its stylesheet', async () => {
    const js = await app.inject({ url: '/pay/assets/checkout.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.body).toContain('Pasarela');
    const css = await app.inject({ url: '/pay/assets/checkout.css' });
    expect(css.body).toContain('.fintoc-button');
  });

  it("answers CORS for the module's JSON endpoints (no cookies involved), not for the page", async () => {
    backend.add();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: `/pay/${ID}/events`,
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-headers']).toBe('content-type');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();
    const status = await app.inject({
      url: `/pay/${ID}/status`,
      headers: { origin: 'https://shop.example' },
    });
    expect(status.headers['access-control-allow-origin']).toBe('*');
    const page = await app.inject({ url: `/pay/${ID}`, headers: { origin: 'https://shop.example' } });
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps only http(s) or same-site return URLs', () => {
    expect(safeReturnUrl('/demo/orders/1')).toBe('/demo/orders/1');
    expect(safeReturnUrl('https://shop.cl/o/1')).toBe('https://shop.cl/o/1');
    expect(safeReturnUrl('javascript:alert(1)')).toBeNull();
    expect(safeReturnUrl('//evil.example')).toBeNull();
    expect(safeReturnUrl('/\\evil.example')).toBeNull();
    expect(safeReturnUrl('/\t/evil.example')).toBeNull();
    expect(safeReturnUrl('data:text/html,<script>alert(1)</script>')).toBeNull();
  });
});
