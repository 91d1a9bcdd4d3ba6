/**
 * `custom-reports` against a real sandbox: payments of the run succeed, the scenario moves the
 * sandbox's clock on to the payout and the end of the day, and checks each file (Fintoc's format,
 * the run's payments), its delivery through every channel (an e-mail in a maildir, an HTTPS POST),
 * and the shop's intake when it lists what it took in. Each broken case fails with its one sentence.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopTarget } from '../../src/certify/config.js';
import type { JourneyRecord } from '../../src/certify/context.js';
import { FintocSide } from '../../src/certify/fintoc-side.js';
import { Findings } from '../../src/certify/findings.js';
import { customReports } from '../../src/certify/reports.js';
import { newSecretKey, startSandbox, type RunningSandbox } from '../../src/sandbox/index.js';

interface Receiver {
  url: string;
  /** Files received by HTTPS POST: name and SHA-256. */
  got: Array<{ filename: string; sha256: string; signed: boolean }>;
  /** The status the POST answers. */
  status: number;
  /** What GET /received lists (the shop's intake). */
  listed: () => Array<{ sha256: string }>;
  server: Server;
}

async function receiver(): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    got: [],
    status: 200,
    listed: () => r.got.map((g) => ({ sha256: g.sha256 })),
    server: createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST') {
          const body = Buffer.concat(chunks);
          if (r.status < 300) {
            r.got.push({
              filename: /filename="([^"]+)"/.exec(req.headers['content-disposition'] ?? '')?.[1] ?? '',
              sha256: createHash('sha256').update(body).digest('hex'),
              signed: typeof req.headers['fintoc-signature'] === 'string',
            });
          }
          res.writeHead(r.status).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: r.listed() }));
      });
    }),
  };
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  const address = r.server.address() as { port: number };
  r.url = `http://127.0.0.1:${address.port}`;
  return r;
}

describe('custom-reports', () => {
  let sb: RunningSandbox;
  let dir: string;
  let shop: Receiver;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pasarela-certify-reports-'));
    sb = await startSandbox({ port: 0, host: '127.0.0.1', reportsDir: dir });
    shop = await receiver();
  });
  afterAll(async () => {
    await sb?.close();
    await new Promise((resolve) => shop?.server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh organisation with `paid` succeeded intents, its channels, and the scenario's verdict. */
  async function run(o: {
    paid: number;
    channels: Array<Record<string, unknown>>;
    received?: boolean;
    customReports?: boolean;
    control?: boolean;
  }) {
    const key = newSecretKey('test');
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${sb.url}${path}`, {
        method,
        headers: { authorization: key, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(300);
      return (await res.json()) as { id: string };
    };
    const journeys: JourneyRecord[] = [];
    for (let i = 0; i < o.paid; i++) {
      const intent = await call('POST', '/v1/payment_intents', {
        amount: 12_990 + i,
        currency: 'CLP',
        payment_method_types: ['bank_transfer'],
      });
      await call('POST', `/_sandbox/payment_intents/${intent.id}/simulate`, { action: 'run' });
      journeys.push({ id: `pay-${i}`, intentId: intent.id } as JourneyRecord);
    }
    // An intent nobody paid is in no report and is not asked for.
    journeys.push({
      id: 'left',
      intentId: (
        await call('POST', '/v1/payment_intents', {
          amount: 5,
          currency: 'CLP',
          payment_method_types: ['bank_transfer'],
        })
      ).id,
    } as JourneyRecord);
    for (const c of o.channels) await call('POST', '/_sandbox/report_channels', c);
    const findings = new Findings(() => new Date().toISOString());
    const target = {
      kind: 'shop',
      url: shop.url,
      reports: {
        channel: null,
        received: o.received ? { path: '/received', headers: {}, list: 'data', field: 'sha256' } : null,
      },
    } as unknown as ShopTarget;
    await customReports({
      side: new FintocSide({ kind: 'sandbox', apiUrl: sb.url, secretKey: key, control: o.control ?? true }),
      findings,
      journeys,
      target,
      progress: () => {},
      offsetMs: 0,
      customReports: o.customReports ?? true,
    });
    const result = findings
      .results({ country: 'cl', strict: false, customReports: o.customReports ?? true })
      .find((s) => s.id === 'custom-reports')!;
    return {
      result,
      texts: result.evidence.map((e) => `${e.ok === undefined ? '·' : e.ok ? '✓' : '✗'} ${e.text}`),
    };
  }

  it('passes when both reports list the paid payments, reach every channel byte for byte, and the shop took them in', async () => {
    shop.got.length = 0;
    shop.status = 200;
    const { result, texts } = await run({
      paid: 2,
      channels: [
        { type: 'email', maildir: 'org-a/maildir', to: 'finanzas@tienda.invalid' },
        { type: 'https', url: `${shop.url}/fintoc/reports` },
      ],
      received: true,
    });
    expect(result.verdict, texts.join('\n')).toBe('passed');
    expect(result.required).toBe(true);
    const t = texts.join('\n');
    expect(t).toMatch(
      /✓ \d{4}-\d\d-\d\d-fintoc-payout-\w+\.csv: Fintoc's payout reconciliation report of po_\w+, 2 lines, columns id;created_at;amount;fee;/,
    );
    expect(t).toMatch(/✓ \d{4}-\d\d-\d\d-daily-summary-fintoc-\w+\.csv: Fintoc's daily transaction report/);
    expect(t).toMatch(/✓ .*-fintoc-payout-.*\.csv delivered through email to .*org-a\/maildir\/new\//);
    expect(t).toMatch(/✓ .*org-a\/maildir\/new\/.* holds .*-fintoc-payout-.*\.csv byte for byte/);
    expect(t).toMatch(
      /✓ .*-daily-summary-.*\.csv delivered through HTTPS POST to .*\/fintoc\/reports, answered 200/,
    );
    expect(t).toMatch(/✓ The shop lists .*-fintoc-payout-.*\.csv among the files it took in/);
    expect(t).toMatch(/✓ .* line \d+: pi_\w+, 12990 CLP gross, fee \d+, net \d+\./);
    expect(t).not.toMatch(/line \d+: pi_\w+, 5 CLP/);
    // The HTTPS channel really received both files, signed like webhooks.
    expect(shop.got.map((g) => g.filename).sort()).toEqual([
      expect.stringMatching(/-daily-summary-fintoc-/),
      expect.stringMatching(/-fintoc-payout-/),
    ]);
    expect(shop.got.every((g) => g.signed)).toBe(true);
  }, 60_000);

  it('fails when the shop does not list a file it was sent, saying which and where it looked', async () => {
    shop.got.length = 0;
    shop.status = 200;
    const listed = shop.listed;
    shop.listed = () => [];
    try {
      const { result, texts } = await run({
        paid: 1,
        channels: [{ type: 'https', url: `${shop.url}/fintoc/reports` }],
        received: true,
      });
      expect(result.verdict, texts.join('\n')).toBe('failed');
      expect(result.reason).toMatch(
        /^The shop did not list .*\.csv among the files it took in within 30 s \(GET \/received answered 200, 0 files\)/,
      );
    } finally {
      shop.listed = listed;
    }
  }, 90_000);

  it('fails when a channel refuses the files, with its answer', async () => {
    shop.status = 500;
    const { result, texts } = await run({
      paid: 1,
      channels: [{ type: 'https', url: `${shop.url}/fintoc/reports` }],
    });
    shop.status = 200;
    expect(result.verdict, texts.join('\n')).toBe('failed');
    expect(result.reason).toMatch(
      /^.*\.csv could not be delivered through channel rch_\w+: HTTPS POST to .*: it answered 500\.$/,
    );
  }, 60_000);

  it('says intake is not verifiable when the shop cannot list what it took in, and still checks the files', async () => {
    const { result, texts } = await run({ paid: 1, channels: [{ type: 'folder', path: 'org-d' }] });
    expect(result.verdict, texts.join('\n')).toBe('passed');
    expect(texts.join('\n')).toMatch(/· Whether the shop took the files in is not verifiable/);
    expect(texts.join('\n')).toMatch(/✓ .*org-d\/.*-fintoc-payout-.*\.csv holds .* byte for byte/);
  }, 60_000);

  it('without a channel: fails a shop that takes reports, skips one that does not', async () => {
    const required = await run({ paid: 1, channels: [] });
    expect(required.result.verdict).toBe('failed');
    expect(required.result.reason).toMatch(/^The organisation has no report channel/);
    const optional = await run({ paid: 1, channels: [], customReports: false });
    expect(optional.result).toMatchObject({ verdict: 'skipped', required: false });
  }, 60_000);

  it("is not available with Fintoc's API only (no report files there)", async () => {
    const { result } = await run({ paid: 0, channels: [], control: false });
    expect(result.verdict).toBe('not_available');
    expect(result.reason).toMatch(/Fintoc's API does not hand out its report files/);
  }, 30_000);
});
