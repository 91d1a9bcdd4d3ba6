/**
 * The bundled service `pasarela certify` starts takes its configuration from certify alone: with a
 * user's environment pointing at their real report folder, maildir, data folder, database, shop
 * endpoint, public URL and keys, the stack certify starts (the same options, started the same way)
 * reads and writes none of them, and still takes the behaviour variables certify passes on.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportMail } from '../../test/support/report-mail.js';
import { bundledStackOptions } from './certify-run.js';
import { freshStackKeys, startLocalStack, type LocalStack } from './local-stack.js';

const HEADER =
  'id;created_at;amount;fee;net;currency;type;payment_intent_id;status;transaction_at;payout_id;sucursal';

/** A one-payment payout report in Fintoc's format, for the payout `payout`. */
function report(payout: string): string {
  return `${HEADER}\r\npi_${payout};2026-03-06T10:00:00.000Z;1000;7;993;CLP;payment_intent;pi_${payout};succeeded;2026-03-06T10:00:05.000Z;${payout};\r\n`;
}

/** Fintoc's e-mail carrying that report, as a maildir file. */
function mail(payout: string): string {
  return reportMail(`2026-03-09-fintoc-payout-${payout.replace(/_/g, '')}.csv`, report(payout));
}

/** Every file under `dir`, with its content: what a run must leave exactly as it was. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    out[path.slice(dir.length)] = entry.isFile() ? readFileSync(path, 'utf8') : '(folder)';
  }
  return out;
}

describe('the bundled service certify starts', () => {
  const home = mkdtempSync(join(tmpdir(), 'pasarela-certify-user-'));
  const runDir = mkdtempSync(join(tmpdir(), 'pasarela-certify-run-'));
  const shopCalls: string[] = [];
  let shop: Server;
  let stack: LocalStack | undefined;
  let before: Record<string, string>;
  let userEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    // The user's world: a report folder holding a report, a maildir holding a report's mail, a data
    // folder, their shop's notification endpoint (listening, recording), and their keys.
    mkdirSync(join(home, 'reports'));
    writeFileSync(join(home, 'reports', '2026-03-09-fintoc-payout-user.csv'), report('po_userfolder'));
    for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(home, 'Maildir', d), { recursive: true });
    writeFileSync(join(home, 'Maildir', 'new', '1700000000.M1P1.host'), mail('po_usermail'));
    mkdirSync(join(home, 'data'));
    before = snapshot(home);
    shop = createServer((req, res) => {
      shopCalls.push(`${req.method} ${req.url}`);
      res.end('{}');
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const shopPort = (shop.address() as { port: number }).port;
    userEnv = {
      PASARELA_REPORTS_DIR: join(home, 'reports'),
      PASARELA_REPORTS_MAILDIR: join(home, 'Maildir'),
      PASARELA_DATA_DIR: join(home, 'data'),
      DATABASE_URL: 'postgres://shop:secret@127.0.0.1:1/shop',
      MERCHANT_WEBHOOK_URL: `http://127.0.0.1:${shopPort}/notifications`,
      MERCHANT_WEBHOOK_SECRET: `whsec_${Buffer.from('the-users-own-merchant-secret-0123').toString('base64')}`,
      PASARELA_PUBLIC_URL: 'https://pay.user-shop.invalid',
      PASARELA_SHOP_URL: 'https://user-shop.invalid/',
      PASARELA_DASHBOARD_PASSWORD: 'the-users-dashboard-password',
      PASARELA_API_KEY: 'the-users-own-api-key-0123456789',
      PASARELA_TRUST_PROXY: '1',
      PASARELA_PAYOUTS_SYNC: '1h',
      FINTOC_SECRET_KEY: 'sk_test_theUsersOwnKey0123456789',
      FINTOC_PUBLIC_KEY: 'pk_test_theUsersOwnKey0123456789',
      FINTOC_WEBHOOK_SECRET: 'whsec_theUsersOwnWebhookSecret0123',
      FINTOC_API_URL: 'https://api.fintoc.com',
      FINTOC_ALLOW_UNOFFICIAL_API_URL: '1',
      // What shapes the behaviour certified is taken (the run certifies this configuration).
      PAYMENT_TIMEOUT: '2m',
      FINTOC_FLOW: 'intent',
    };
    const keys = freshStackKeys();
    stack = await startLocalStack(
      bundledStackOptions({
        env: userEnv,
        abandonAfter: undefined,
        dataDir: runDir,
        keys,
        country: 'cl',
        shopName: 'Tienda Pasarela',
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await new Promise((resolve) => shop?.close(resolve));
    rmSync(home, { recursive: true, force: true });
    rmSync(runDir, { recursive: true, force: true });
  });

  it('is configured by certify alone, apart from the behaviour it passes on', () => {
    const config = stack!.config;
    expect(config.reports).toEqual({ dir: null, maildir: join(runDir, 'reports', 'maildir') });
    expect(config.databaseUrl).toBeNull();
    expect(config.dataDir).toBe(join(runDir, 'service'));
    expect(config.merchantWebhook).toBeNull();
    expect(config.publicUrl).toBe(stack!.server.url);
    expect(config.shopUrl).toBeNull();
    expect(config.dashboardPassword).toBeNull();
    expect(config.trustProxy).toBe(false);
    expect(config.fintoc.apiUrl).toBe(stack!.sandbox.url);
    const { PASARELA_API_KEY, FINTOC_SECRET_KEY, FINTOC_WEBHOOK_SECRET } = userEnv;
    expect([config.apiKey, config.fintoc.secretKey, ...config.fintoc.webhookSecrets]).not.toEqual(
      expect.arrayContaining([PASARELA_API_KEY, FINTOC_SECRET_KEY, FINTOC_WEBHOOK_SECRET]),
    );
    expect(config.paymentTimeoutMs).toBe(120_000);
    expect(config.flow).toBe('intent');
  });

  it('takes reports from its own maildir only, and leaves the user’s folders and endpoint alone', async () => {
    const config = stack!.config;
    const get = async (path: string) =>
      (await fetch(`${stack!.server.url}${path}`, {
        headers: { authorization: `Bearer ${config.apiKey}` },
      }).then((r) => r.json())) as Record<string, unknown>;

    // A payment the customer pays: a shop endpoint, were one configured, would be notified.
    const created = await fetch(`${stack!.server.url}/api/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 4200, currency: 'CLP', order_id: 'certify-env-1' }),
    }).then((r) => r.json() as Promise<{ id: string; checkout_url: string; payment_intent_id: string }>);
    expect(created.checkout_url.startsWith(`${stack!.server.url}/pay/`)).toBe(true);
    await fetch(`${stack!.sandbox.url}/_sandbox/payment_intents/${created.payment_intent_id}/simulate`, {
      method: 'POST',
      headers: { authorization: stack!.sandbox.secretKey, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'succeed' }),
    });

    // Two mails into certify's maildir, one after the other: once both are taken in, the watcher has
    // scanned at least twice (a folder's file is taken on its second scan), and the payment is paid.
    const own = join(config.reports.maildir!, 'new');
    mkdirSync(own, { recursive: true });
    const until = Date.now() + 60_000;
    const taken = async (payouts: string[]) => {
      for (;;) {
        const list = (await get('/api/reports?limit=500')).data as Array<{
          filename: string;
          source: string;
        }>;
        if (payouts.every((p) => list.some((f) => f.filename.includes(p.replace(/_/g, ''))))) return list;
        if (Date.now() > until) throw new Error(`reports never taken in: ${JSON.stringify(list)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    writeFileSync(join(own, '1800000000.M1P1.certify'), mail('po_certify1'));
    await taken(['po_certify1']);
    writeFileSync(join(own, '1800000001.M2P1.certify'), mail('po_certify2'));
    const list = await taken(['po_certify1', 'po_certify2']);
    for (;;) {
      const payment = await get(`/api/payments/${created.id}`);
      if (payment.status === 'succeeded') break;
      if (Date.now() > until) throw new Error(`payment never paid: ${JSON.stringify(payment)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await stack!.close();
    stack = undefined;

    expect(list.map((f) => [f.filename, f.source]).sort()).toEqual([
      ['2026-03-09-fintoc-payout-pocertify1.csv', 'maildir'],
      ['2026-03-09-fintoc-payout-pocertify2.csv', 'maildir'],
    ]);
    // The user's report folder, maildir (its mail still unread in new/) and data folder as they were.
    expect(snapshot(home)).toEqual(before);
    expect(shopCalls).toEqual([]);
  }, 120_000);
});
