import { PGlite } from '@electric-sql/pglite';
import type { FastifyInstance } from 'fastify';
import { routeTestApp } from '../../../../test/service/support/route-app.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../db/database.js';
import { migrate } from '../../db/migrations.js';
import dashboardRoutes, { dashboardDataFromDb, issueSession, validSession } from './index.js';
import { dashboardText, detailHtml, langFromAcceptLanguage, parseFilter } from './index.js';
import { sessionCookie } from './auth.js';

const API_KEY = 'test_api_key_0123456789abcdef';
const NOW = Date.UTC(2026, 2, 10, 12, 0, 0);
const P1 = 'pay_AAAAAAAAAAAAAAAAAAAAA1';
const P2 = 'pay_AAAAAAAAAAAAAAAAAAAAA2';
const P3 = 'pay_AAAAAAAAAAAAAAAAAAAAA3';

describe('dashboard', () => {
  let database: Database;
  let app: FastifyInstance;
  let cookie: string;

  beforeAll(async () => {
    database = await openDatabase({ pglite: await PGlite.create() });
    await migrate(database.db as never);
    const { db } = database;
    const base = {
      currency: 'CLP' as const,
      customer_email: null,
      metadata: '{}',
      widget_token: null,
      intent_status: null,
      failure_reason: null,
      paid_after_cancel: false,
      refund_id: null,
      idempotency_key: null,
      request_hash: null,
      finalized_at: null,
    };
    const at = (ms: number) => new Date(NOW - ms);
    await db
      .insertInto('payments')
      .values([
        {
          ...base,
          id: P1,
          order_id: 'order-1',
          amount: 12990,
          status: 'succeeded',
          payment_intent_id: 'pi_1',
          expires_at: at(0),
          created_at: at(3 * 86_400_000),
          updated_at: at(0),
        },
        {
          ...base,
          id: P2,
          order_id: 'order-2',
          amount: 5000,
          status: 'succeeded',
          paid_after_cancel: true,
          payment_intent_id: 'pi_2',
          flow: 'session',
          checkout_session_id: 'cs_2',
          expires_at: at(0),
          created_at: at(3_600_000),
          updated_at: at(0),
        },
        {
          ...base,
          id: P3,
          order_id: 'order-3',
          amount: 990,
          status: 'pending',
          // What a shop's customer may have typed, and what Fintoc may say: shown, never run.
          metadata: JSON.stringify({
            note: '<script>alert(1)</script>',
            ref: '"><img src=x onerror=alert(1)>',
          }),
          failure_reason: '<img src=x onerror=alert(2)>',
          payment_intent_id: 'pi_3',
          flow: 'redirect',
          expires_at: new Date(NOW + 600_000),
          created_at: at(60_000),
          updated_at: at(60_000),
        },
      ])
      .execute();
    await db
      .insertInto('payment_timeline')
      .values([
        {
          payment_id: P1,
          at: at(3 * 86_400_000),
          kind: 'created',
          from_status: null,
          to_status: 'pending',
          cause: 'api',
          cause_id: 'req-1',
          detail: null,
        },
        {
          payment_id: P1,
          at: at(3 * 86_400_000 - 1000),
          kind: 'browser',
          from_status: null,
          to_status: null,
          cause: 'browser',
          cause_id: 'opened',
          detail: JSON.stringify({ type: 'event', name: 'opened' }),
        },
        {
          payment_id: P1,
          at: at(3 * 86_400_000 - 2000),
          kind: 'status',
          from_status: 'pending',
          to_status: 'succeeded',
          cause: 'webhook',
          cause_id: 'evt_123',
          detail: JSON.stringify({ delivery: 'whd_9' }),
        },
      ])
      .execute();
    await db
      .insertInto('webhook_inbox')
      .values([
        {
          event_id: 'evt_123',
          type: 'payment_intent.succeeded',
          intent_id: 'pi_1',
          body: '{}',
          received_at: at(1000),
          applied_at: at(900),
          outcome: 'applied',
          attempts: 1,
          last_error: null,
        },
        {
          event_id: 'evt_bad',
          type: 'payment_intent.failed',
          intent_id: 'pi_x',
          body: '{}',
          received_at: at(500),
          applied_at: null,
          outcome: null,
          attempts: 3,
          last_error: 'unknown intent pi_x',
        },
      ])
      .execute();
    await db
      .insertInto('jobs')
      .values({ kind: 'abandon', ref: P3, run_at: new Date(NOW + 540_000), created_at: at(60_000) })
      .execute();

    app = await routeTestApp({
      dashboard: {
        data: dashboardDataFromDb(db),
        now: () => NOW,
        intake: () => ({ received: 5, stored: 3, duplicates: 0, rejected: { no_matching_signature: 2 } }),
      },
      dashboardAuth: { secrets: [API_KEY], secureCookies: false },
    });
    await app.register(dashboardRoutes);
    cookie = `pasarela_dashboard=${encodeURIComponent(issueSession([API_KEY], NOW))}`;
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('sends a visitor without a session to the sign-in page', async () => {
    const res = await app.inject({ url: '/dashboard' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/dashboard/login');
    const detail = await app.inject({
      url: `/dashboard/payments/${P1}`,
      headers: { authorization: 'Bearer wrong' },
    });
    expect(detail.statusCode).toBe(401);
    const tampered = await app.inject({ url: '/dashboard', headers: { cookie: `${cookie}x` } });
    expect(tampered.statusCode).toBe(303);
  });

  it('signs in with the API key into an httpOnly, SameSite=Strict session cookie', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/dashboard/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'secret=nope',
    });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();
    const good = await app.inject({
      method: 'POST',
      url: '/dashboard/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `secret=${API_KEY}`,
    });
    expect(good.statusCode).toBe(303);
    const set = String(good.headers['set-cookie']);
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Strict/);
    expect(set).toMatch(/Path=\/dashboard/);
    expect(set).not.toContain(API_KEY);
    const token = decodeURIComponent(/pasarela_dashboard=([^;]+)/.exec(set)?.[1] ?? '');
    expect(validSession([API_KEY], token, NOW)).toBe(true);
    expect(validSession([API_KEY], token, NOW + 13 * 3_600_000)).toBe(false);
    expect(validSession(['rotated_key_0123456789'], token, NOW)).toBe(false);
  });

  it('shows counts, the chart, payments with paid_after_cancel raised, deadlines and the inbox', async () => {
    const res = await app.inject({ url: '/dashboard', headers: { cookie, 'accept-language': 'en' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const html = res.body;
    expect(html).toContain('data-testid="count-total">3<');
    expect(html).toContain('data-testid="count-succeeded">2<');
    expect(html).toContain('data-testid="count-paid_after_cancel">1<');
    expect(html).toContain('data-testid="late-alert"');
    expect(html).toMatch(new RegExp(`data-payment-id="${P2}" class="late"`));
    expect(html).toContain('data-testid="status-chart"');
    expect(html).toContain('<title>2026-03-07 · succeeded: 1</title>');
    expect(html).toContain('<title>2026-03-10 · pending: 1</title>');
    expect(html).toMatch(
      /abandon<\/td><td><a href="\/dashboard\/payments\/pay_AAAAAAAAAAAAAAAAAAAAA3">.*in 540 s/,
    );
    expect(html).toContain('unknown intent pi_x');
    expect(html).toMatch(/data-state="waiting"><td><code>evt_bad/);
    expect(html).toMatch(/data-state="applied"><td><code>evt_123/);
    expect(html).toContain('data-testid="webhook-rejected">2<');
    expect(html).toContain('rejected (no_matching_signature: 2)');
  });

  it('renders order ids, metadata, reasons and filters as text, never as markup', async () => {
    const evil = '"><script>alert(3)</script><img src=x onerror=alert(4)>';
    const list = await app.inject({
      url: `/dashboard?order_id=${encodeURIComponent(evil)}`,
      headers: { cookie },
    });
    const detail = await app.inject({ url: `/dashboard/payments/${P3}`, headers: { cookie } });
    const all = await app.inject({ url: '/dashboard', headers: { cookie } });
    for (const res of [list, detail, all]) {
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toMatch(/<script|<img/i);
    }
    expect(list.body).toContain(
      'value="&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;&lt;img src=x onerror=alert(4)&gt;"',
    );
    expect(all.body).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(detail.body).toContain('<b>note</b> &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(detail.body).toContain('<b>ref</b> &quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('refuses a sign-in or sign-out posted from another site', async () => {
    const post = (url: string, headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'pay.shop.cl', ...headers },
        payload: `secret=${API_KEY}`,
      });
    expect((await post('/dashboard/login', { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await post('/dashboard/logout', { 'sec-fetch-site': 'same-site' })).statusCode).toBe(403);
    expect((await post('/dashboard/login', { origin: 'https://evil.example' })).statusCode).toBe(403);
    const own = await post('/dashboard/login', {
      origin: 'https://pay.shop.cl',
      'sec-fetch-site': 'same-origin',
    });
    expect(own.statusCode).toBe(303);
    expect(String(own.headers['set-cookie'])).toMatch(/^pasarela_dashboard=v1\./);
    expect((await post('/dashboard/logout', {})).statusCode).toBe(303);
  });

  it('marks the cookie Secure behind https, and signing out expires it', async () => {
    expect(sessionCookie('v1.1.x', true)).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    expect(sessionCookie('v1.1.x', false)).not.toMatch(/Secure/);
    const out = await app.inject({ method: 'POST', url: '/dashboard/logout', headers: { cookie } });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/^pasarela_dashboard=; Path=\/dashboard; .*Max-Age=0/);
  });

  it('locks an address out after ten wrong secrets, even for the right one, and not other addresses', async () => {
    const login = (secret: string, remoteAddress: string) =>
      app.inject({
        method: 'POST',
        url: '/dashboard/login',
        remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `secret=${encodeURIComponent(secret)}`,
      });
    for (let i = 0; i < 10; i += 1) expect((await login(`guess-${i}`, '10.0.0.9')).statusCode).toBe(401);
    const locked = await login(API_KEY, '10.0.0.9');
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['set-cookie']).toBeUndefined();
    expect((await login(API_KEY, '10.0.0.10')).statusCode).toBe(303);
  });

  it('filters payments by status, order and date', async () => {
    const get = async (qs: string) => {
      const html = (await app.inject({ url: `/dashboard?${qs}`, headers: { cookie } })).body;
      return [...html.matchAll(/data-payment-id="(pay_\w+)"/g)].map((m) => m[1]);
    };
    expect(await get('status=pending')).toEqual([P3]);
    expect(await get('status=paid_after_cancel')).toEqual([P2]);
    expect(await get('order_id=order-1')).toEqual([P1]);
    expect(await get('from=2026-03-10')).toEqual([P3, P2]);
    expect(await get('to=2026-03-07')).toEqual([P1]);
    expect(parseFilter({ status: 'drop table', from: 'yesterday', starting_after: "x' OR 1=1" })).toEqual({
      limit: 50,
    });
    // NUL cannot be stored in PostgreSQL text, so it cannot be an order id: dropped, not a 500.
    const nul = await app.inject({ url: '/dashboard?order_id=%00', headers: { cookie } });
    expect(nul.statusCode).toBe(200);
    expect([...nul.body.matchAll(/data-payment-id="(pay_\w+)"/g)]).toHaveLength(3);
  });

  it('shows timeline details as short key/value pairs, whole values in the tooltip', () => {
    const html = detailHtml({ type: 'event', data: { name: 'opened', user_agent: 'x'.repeat(60) } });
    expect(html).toContain('<b>type</b> event');
    expect(html).toContain('<b>name</b> opened');
    expect(html).toContain(`title="${'x'.repeat(60)}"`);
    expect(detailHtml({ note: '<script>' })).toContain('&lt;script&gt;');
    expect(detailHtml({ data: { timestamp: 1700000000123 } })).toContain(
      '<b>timestamp</b> 2023-11-14 22:13:20.123',
    );
  });

  it("shows a payment's timeline with its causes and the webhook events of its intent", async () => {
    const res = await app.inject({
      url: `/dashboard/payments/${P1}`,
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.statusCode).toBe(200);
    const rows = [...res.body.matchAll(/data-testid="timeline-row" data-cause="(\w+)"/g)].map((m) => m[1]);
    expect(rows).toEqual(['api', 'browser', 'webhook']);
    expect(res.body).toContain('<code>evt_123</code>');
    expect(res.body).toContain('<b>delivery</b> whd_9');
    expect(res.body).not.toContain('evt_bad');
    const missing = await app.inject({ url: '/dashboard/payments/pay_nope', headers: { cookie } });
    expect(missing.statusCode).toBe(404);
  });

  it('shows which flow each payment used, in the list and on its page (with its Checkout Session)', async () => {
    const list = await app.inject({ url: '/dashboard', headers: { cookie } });
    const flows = Object.fromEntries(
      [...list.body.matchAll(/data-payment-id="(\w+)".*?data-testid="payment-flow" data-flow="(\w+)"/g)].map(
        (m) => [m[1], m[2]],
      ),
    );
    expect(flows).toEqual({ [P1]: 'intent', [P2]: 'session', [P3]: 'redirect' });
    expect(list.body).toContain('Checkout Session (página de Fintoc)');
    const one = await app.inject({ url: `/dashboard/payments/${P2}`, headers: { cookie } });
    expect(one.body).toMatch(/data-testid="payment-flow" data-flow="session">Checkout Session \(widget\)</);
    expect(one.body).toContain('<code>cs_2</code>');
    const old = await app.inject({ url: `/dashboard/payments/${P1}`, headers: { cookie } });
    expect(old.body).toContain('data-flow="intent"');
    expect(old.body).not.toContain('cs_');
  });

  it('speaks Spanish or English: the switch first, then the browser language, else Spanish', async () => {
    const page = async (headers: Record<string, string>) => {
      const res = await app.inject({ url: '/dashboard', headers: { cookie, ...headers } });
      expect(res.statusCode).toBe(200);
      return res.body;
    };
    const spanish = await page({});
    expect(spanish).toContain('<html lang="es">');
    expect(spanish).toContain('<h1>Pagos</h1>');
    expect(spanish).toContain('Plazos abiertos y trabajos programados');
    expect(spanish).toContain('en 540 s');
    expect(spanish).toMatch(/data-status="succeeded">pagado</);
    expect(await page({ 'accept-language': 'es-CL,es;q=0.9' })).toContain('<h1>Pagos</h1>');
    const english = await page({ 'accept-language': 'en-US,en;q=0.9,es;q=0.8' });
    expect(english).toContain('<html lang="en">');
    expect(english).toContain('<h1>Payments</h1>');
    expect(english).toContain('Open deadlines and scheduled jobs');
    expect(await page({ 'accept-language': 'fr-FR,de;q=0.5' })).toContain('<html lang="es">');
    expect(await page({ 'accept-language': 'es;q=0.4,en;q=0.8' })).toContain('<html lang="en">');

    // The switch remembers the choice in this browser and comes back to the page it was on.
    const back = `/dashboard/payments/${P1}`;
    const toEnglish = await app.inject({
      url: `/dashboard/lang?to=en&back=${encodeURIComponent(back)}`,
      headers: { 'accept-language': 'es-CL' },
    });
    expect(toEnglish.statusCode).toBe(303);
    expect(toEnglish.headers.location).toBe(back);
    const set = String(toEnglish.headers['set-cookie']);
    expect(set).toMatch(/^pasarela_lang=en; Path=\/dashboard; HttpOnly; SameSite=Lax; Max-Age=31536000/);
    const chosen = set.split(';')[0]!;
    const detail = await app.inject({
      url: back,
      headers: { cookie: `${cookie}; ${chosen}`, 'accept-language': 'es-CL' },
    });
    expect(detail.body).toContain('<html lang="en">');
    expect(detail.body).toContain('>Timeline</h2>');
    expect(detail.body).toContain('data-testid="lang-switch" data-lang="en">Español<');
    // The sign-in page has the switch too, and speaks the chosen language.
    const login = await app.inject({ url: '/dashboard/login', headers: { cookie: 'pasarela_lang=en' } });
    expect(login.body).toContain('>Sign in</button>');
    expect(login.body).toContain('data-testid="lang-switch"');
    const loginEs = await app.inject({ url: '/dashboard/login' });
    expect(loginEs.body).toContain('>Entrar</button>');

    // The switch never leads off the dashboard, and a bad value sets nothing.
    for (const evil of [
      'https://evil.example/',
      '//evil.example/dashboard',
      '/dashboard\\@evil',
      '/other',
      '',
    ]) {
      const res = await app.inject({ url: `/dashboard/lang?to=es&back=${encodeURIComponent(evil)}` });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/dashboard');
    }
    const bad = await app.inject({ url: '/dashboard/lang?to=fr&back=/dashboard' });
    expect(bad.statusCode).toBe(303);
    expect(bad.headers['set-cookie']).toBeUndefined();
    const garbage = await app.inject({
      url: '/dashboard',
      headers: { cookie: `${cookie}; pasarela_lang=xx` },
    });
    expect(garbage.body).toContain('<html lang="es">');
  });

  it('keeps both languages complete: every word of one exists in the other', () => {
    const es = dashboardText('es');
    const en = dashboardText('en');
    expect(Object.keys(en).sort()).toEqual(Object.keys(es).sort());
    for (const key of Object.keys(es) as Array<keyof typeof es>) {
      expect(es[key].length, key).toBeGreaterThan(0);
      expect(en[key].length, key).toBeGreaterThan(0);
      // The same placeholders in both.
      expect(es[key].match(/\{\w+\}/g) ?? [], key).toEqual(en[key].match(/\{\w+\}/g) ?? []);
    }
    expect(langFromAcceptLanguage('en-GB;q=0,es;q=0.1')).toBe('es');
    expect(langFromAcceptLanguage('*')).toBeNull();
    expect(langFromAcceptLanguage(undefined)).toBeNull();
  });

  it('leaves the deadlines of payments that already succeeded out of "Open deadlines"', async () => {
    await database.db
      .insertInto('jobs')
      .values([
        { kind: 'abandon', ref: P1, run_at: new Date(NOW + 300_000), created_at: new Date(NOW) },
        { kind: 'sync', ref: P1, run_at: new Date(NOW + 120_000), created_at: new Date(NOW) },
        { kind: 'notify', ref: 'ntf_for_p1', run_at: new Date(NOW + 60_000), created_at: new Date(NOW) },
      ])
      .execute();
    try {
      const html = (await app.inject({ url: '/dashboard', headers: { cookie } })).body;
      const jobs = [
        ...html.matchAll(/data-testid="job-row"><td>(\w+)<\/td><td>(?:<a [^>]*>)?<code>([\w]+)</g),
      ].map((m) => `${m[1]} ${m[2]}`);
      expect(jobs).toEqual(['notify ntf_for_p1', `abandon ${P3}`]);
      const detail = (await app.inject({ url: `/dashboard/payments/${P1}`, headers: { cookie } })).body;
      expect(detail).toContain('data-testid="jobs-empty"');
    } finally {
      await database.db.deleteFrom('jobs').where('ref', 'in', [P1, 'ntf_for_p1']).execute();
    }
  });

  it('pages through every payment with newer/older links that keep the filters', async () => {
    const base = {
      currency: 'CLP' as const,
      customer_email: null,
      metadata: '{}',
      widget_token: null,
      intent_status: null,
      failure_reason: null,
      paid_after_cancel: false,
      refund_id: null,
      idempotency_key: null,
      request_hash: null,
      finalized_at: null,
      payment_intent_id: null,
      amount: 1000,
      status: 'failed' as const,
      expires_at: new Date(NOW),
      updated_at: new Date(NOW),
    };
    // 120 payments, many sharing a millisecond: the order (created_at, id) still never skips or repeats one.
    const many = Array.from({ length: 120 }, (_, i) => ({
      ...base,
      id: `pay_PAGE${String(i).padStart(16, '0')}`,
      order_id: `page-${i}`,
      created_at: new Date(NOW - 10 * 86_400_000 + Math.floor(i / 7)),
    }));
    await database.db.insertInto('payments').values(many).execute();
    const expected = many.map((p) => p.id).reverse();
    const ids = (html: string) => [...html.matchAll(/data-payment-id="(pay_\w+)"/g)].map((m) => m[1]!);
    const link = (html: string, testid: string) => {
      const m = new RegExp(`href="([^"]+)" data-testid="${testid}"`).exec(html);
      return m ? m[1]!.replace(/&amp;/g, '&') : null;
    };
    const seen: string[] = [];
    let url: string | null = '/dashboard?status=failed';
    const pages: string[] = [];
    while (url) {
      const html = (await app.inject({ url, headers: { cookie } })).body;
      pages.push(html);
      seen.push(...ids(html));
      url = link(html, 'page-older');
      if (url) expect(url).toContain('status=failed');
    }
    expect(pages).toHaveLength(3);
    expect(seen).toEqual(expected);
    expect(link(pages[0]!, 'page-newer')).toBeNull();
    // Back from the last page: the newer link shows the page before it, exactly.
    const newer = link(pages[2]!, 'page-newer');
    expect(newer).toContain('ending_before=');
    const back = (await app.inject({ url: newer!, headers: { cookie } })).body;
    expect(ids(back)).toEqual(ids(pages[1]!));
    // An old link whose payment is gone starts over at the newest.
    const stale = await app.inject({
      url: '/dashboard?status=failed&starting_after=pay_gone',
      headers: { cookie },
    });
    expect(ids(stale.body)).toEqual(expected.slice(0, 50));
  });
});
