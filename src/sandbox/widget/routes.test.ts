import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { WidgetActionResult, WidgetBridge, WidgetSessionResult } from './bridge.js';
import { registerWidget, type WidgetRouteOptions } from './routes.js';

/** A bridge that answers what the test sets and records what it was asked. */
function fakeBridge(
  session: WidgetSessionResult,
  action: WidgetActionResult = { ok: true, status: 'in_progress', errorReason: null },
) {
  const calls: { opened: Record<string, unknown>[]; actions: [string, string][] } = {
    opened: [],
    actions: [],
  };
  const bridge: WidgetBridge = {
    openSession(options) {
      calls.opened.push(options);
      return session;
    },
    customerAction(sessionId, name) {
      calls.actions.push([sessionId, name]);
      return action;
    },
  };
  return { bridge, calls };
}

const OPENED: WidgetSessionResult = {
  ok: true,
  sessionId: 'ws_1',
  intent: { id: 'pi_1', amount: 15000, currency: 'CLP', status: 'created', mode: 'test' },
  country: 'cl',
  scenario: 'succeed',
};

let app: FastifyInstance | null = null;

async function build(bridge: WidgetBridge, options?: WidgetRouteOptions): Promise<FastifyInstance> {
  app = Fastify();
  registerWidget(app, bridge, options);
  await app.ready();
  return app;
}

afterEach(async () => {
  await app?.close();
  app = null;
});

describe('widget script', () => {
  it.each(['/widget.js', '/v1/', '/v1'])(
    'is served at %s as JavaScript defining window.Fintoc',
    async (url) => {
      const server = await build(fakeBridge(OPENED).bridge);
      const response = await server.inject({ method: 'GET', url, headers: { host: 'sandbox.test:4010' } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/javascript; charset=utf-8');
      expect(response.body).toContain('var __SANDBOX_ORIGIN__ = "http://sandbox.test:4010";');
      expect(response.body).toContain('.Fintoc = { create }');
    },
  );

  it('points at publicUrl when given, whatever Host the request carried', async () => {
    const server = await build(fakeBridge(OPENED).bridge, {
      publicUrl: 'https://sandbox.example/ignored/path',
    });
    const response = await server.inject({
      method: 'GET',
      url: '/widget.js',
      headers: { host: 'internal:80' },
    });
    expect(response.body).toContain('var __SANDBOX_ORIGIN__ = "https://sandbox.example";');
  });

  it('carries no key or token of its own', async () => {
    const server = await build(fakeBridge(OPENED).bridge);
    const response = await server.inject({ method: 'GET', url: '/widget.js' });
    expect(response.body).not.toMatch(/sk_(test|live)_|pk_(test|live)_[A-Za-z0-9]/);
  });
});

describe('widget frame', () => {
  it('serves its page with a CSP that loads only its own script', async () => {
    const server = await build(fakeBridge(OPENED).bridge);
    const page = await server.inject({
      method: 'GET',
      url: '/widget/frame?widget=w1&origin=http%3A%2F%2Fshop.test',
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain('frame-ancestors *');
    expect(page.headers['x-frame-options']).toBeUndefined();
    expect(page.body).toContain('<script src="./frame.js"></script>');
    expect(page.body).toContain('data-testid="widget-close"');

    const script = await server.inject({ method: 'GET', url: '/widget/frame.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(script.body).toContain('on_available_institutions');
  });
});

describe('POST /widget/sessions', () => {
  const options = {
    product: 'payments',
    publicKey: 'pk_test_abc',
    widgetToken: 'pi_1_sec_x',
    holderType: 'individual',
  };

  it('opens a session through the bridge with the options as received', async () => {
    const { bridge, calls } = fakeBridge(OPENED);
    const server = await build(bridge);
    const response = await server.inject({ method: 'POST', url: '/widget/sessions', payload: { options } });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      sessionId: 'ws_1',
      intent: { id: 'pi_1', amount: 15000, currency: 'CLP', status: 'created', mode: 'test' },
      country: 'cl',
      scenario: 'succeed',
    });
    expect(calls.opened).toEqual([options]);
  });

  it.each([
    ['invalid_product', 400, 'invalid_request_error'],
    ['invalid_holder_type', 400, 'invalid_request_error'],
    ['invalid_widget_token', 400, 'invalid_request_error'],
    ['mode_mismatch', 400, 'invalid_request_error'],
    ['invalid_public_key', 401, 'authentication_error'],
    ['widget_token_spent', 409, 'invalid_request_error'],
  ] as const)('answers the bridge refusal %s as %i %s', async (code, status, type) => {
    const server = await build(fakeBridge({ ok: false, code, message: `because ${code}` }).bridge);
    const response = await server.inject({ method: 'POST', url: '/widget/sessions', payload: { options } });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({ error: { type, code, message: `because ${code}`, param: null } });
  });

  it('refuses a country other than cl or mx before asking the bridge', async () => {
    const { bridge, calls } = fakeBridge(OPENED);
    const server = await build(bridge);
    const response = await server.inject({
      method: 'POST',
      url: '/widget/sessions',
      payload: { options: { ...options, country: 'ar' } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_country', param: 'country' });
    expect(calls.opened).toEqual([]);
  });

  it.each([
    ['no body', undefined],
    ['options missing', { widgetToken: 'x' }],
    ['options not an object', { options: 'payments' }],
  ])('refuses a malformed body (%s) with invalid_request', async (_label, payload) => {
    const { bridge, calls } = fakeBridge(OPENED);
    const server = await build(bridge);
    const response = await server.inject({ method: 'POST', url: '/widget/sessions', payload });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' });
    expect(calls.opened).toEqual([]);
  });
});

describe('POST /widget/sessions/:id/actions', () => {
  it.each(['start', 'authorize', 'reject', 'leave', 'authorize_and_close'])(
    'forwards %s to the bridge',
    async (action) => {
      const { bridge, calls } = fakeBridge(OPENED, {
        ok: true,
        status: 'failed',
        errorReason: 'insufficient_funds',
      });
      const server = await build(bridge);
      const response = await server.inject({
        method: 'POST',
        url: '/widget/sessions/ws_9/actions',
        payload: { action },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'failed', errorReason: 'insufficient_funds' });
      expect(calls.actions).toEqual([['ws_9', action]]);
    },
  );

  it('refuses an unknown action without asking the bridge', async () => {
    const { bridge, calls } = fakeBridge(OPENED);
    const server = await build(bridge);
    const response = await server.inject({
      method: 'POST',
      url: '/widget/sessions/ws_9/actions',
      payload: { action: 'pay' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'invalid_request', param: 'action' });
    expect(calls.actions).toEqual([]);
  });

  it.each([
    ['session_not_found', 404],
    ['unknown_session', 404],
    ['missing_resource', 404],
    ['invalid_transition', 409],
  ])('answers the bridge refusal %s as %i', async (code, status) => {
    const server = await build(fakeBridge(OPENED, { ok: false, code, message: 'no' }).bridge);
    const response = await server.inject({
      method: 'POST',
      url: '/widget/sessions/ws_9/actions',
      payload: { action: 'start' },
    });
    expect(response.statusCode).toBe(status);
    expect(response.json()).toEqual({
      error: { type: 'invalid_request_error', code, message: 'no', param: null },
    });
  });
});
