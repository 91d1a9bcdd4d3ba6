/**
 * `pasarela dev` shows reconciliation end to end, as `npm start` does: a payment made through the
 * service and paid in the sandbox is paid out when the sandbox's clock moves on, the payout report
 * lands in the folder the sandbox's channel writes to, the service takes it from there, and the
 * reconciliation matches it with no difference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pasarela, stopAll } from './child.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pasarela-dev-recon-'));
afterAll(async () => {
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Ready {
  api: string;
  sandbox: string;
  apiKey: string;
  secretKey: string;
  dashboard: string;
  reconciliation: string;
}

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== null) return got;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('pasarela dev', () => {
  it('pays out on the sandbox clock, the report reaches the service through the folder, and the payment is matched', async () => {
    const dev = pasarela(['dev', '--data-dir', dataDir, '--port', '0', '--sandbox-port', '0', '--json'], {
      ...process.env,
      LOG_LEVEL: 'error',
    });
    const ready = JSON.parse(await dev.firstLine) as Ready;
    const service = ready.api.replace(/\/api\/payments$/, '');
    const api = { authorization: `Bearer ${ready.apiKey}` };
    const sandbox = (path: string, body: unknown) =>
      fetch(`${ready.sandbox}${path}`, {
        method: 'POST',
        headers: { authorization: ready.secretKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await fetch(ready.api, {
      method: 'POST',
      headers: { ...api, 'content-type': 'application/json' },
      // The intent flow: its intent exists at once, so the sandbox can settle it without a browser.
      body: JSON.stringify({ amount: 12990, currency: 'CLP', order_id: 'order-recon-1', flow: 'intent' }),
    });
    const payment = (await created.json()) as { id: string; payment_intent_id: string };
    expect(
      (
        await sandbox(`/_sandbox/payment_intents/${payment.payment_intent_id}/simulate`, {
          action: 'succeed',
        })
      ).status,
    ).toBe(200);
    await until('the payment to succeed', async () => {
      const p = (await (await fetch(`${ready.api}/${payment.id}`, { headers: api })).json()) as {
        status: string;
      };
      return p.status === 'succeeded' ? p : null;
    });
    expect((await sandbox('/_sandbox/clock/advance', { by: '7d' })).status).toBe(200);
    const reconciliation = await until('the payout report to be matched', async () => {
      const r = (await (await fetch(`${service}/api/reconciliation`, { headers: api })).json()) as {
        payouts: Array<{ id: string; payment_ids: string[] }>;
        differences: unknown[];
      };
      return r.payouts.some((p) => p.payment_ids.includes(payment.id)) ? r : null;
    });
    expect(reconciliation.differences).toEqual([]);
    const reports = (await (await fetch(`${service}/api/reports`, { headers: api })).json()) as {
      data: Array<{ source: string; kind: string }>;
    };
    // The report files (the daily one comes first, with the payout's id on each line) came by the folder.
    expect(reports.data.length).toBeGreaterThan(0);
    expect(reports.data.every((r) => r.source === 'folder')).toBe(true);
    const page = await fetch(ready.reconciliation, { headers: api });
    expect(await page.text()).toContain('data-testid="payout-row"');
  }, 240_000);
});
