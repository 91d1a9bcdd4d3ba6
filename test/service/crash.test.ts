/**
 * A service process is killed (SIGKILL) after it stored a webhook event and answered 200, before
 * its worker applied it; the next process on the same store applies it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { sign } from '../../src/fintoc/index.js';
import { buildApp, openDatabase, type DatabaseOptions } from '../../src/service/index.js';
import { STORES } from './support/db.js';
import { startHarness } from './support/harness.js';
import { paymentIntentJson } from '../fintoc/payment-intent.js';

const pg = STORES.find((s) => s.name === 'postgres')!;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  if (!pg.skip) await pg.teardown();
});

async function killAfterStoring(target: string, env: Record<string, string>): Promise<{ status: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/service/support/crash-child.ts', target], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('child did not answer within 60 s')), 60_000);
      createInterface({ input: child.stdout! }).once('line', (l) => {
        clearTimeout(timer);
        resolve(l);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`child exited with ${code} before answering`));
      });
    });
    return JSON.parse(line) as { status: number };
  } finally {
    // Killed whether it answered or not: no child outlives the test.
    child.kill('SIGKILL');
    await exited;
  }
}

const cases: Array<{
  name: string;
  skip: string | null;
  target: () => Promise<{ target: string; options: DatabaseOptions }>;
}> = [
  {
    name: 'embedded',
    skip: null,
    target: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pasarela-crash-'));
      dirs.push(dir);
      return { target: dir, options: { dataDir: dir } };
    },
  },
  {
    name: 'postgres',
    skip: pg.skip,
    target: async () => {
      await pg.setup();
      const url = await pg.freshUrl!();
      return { target: url, options: { url } };
    },
  },
];

describe('a crash between storing and applying an event', () => {
  for (const c of cases) {
    it.skipIf(c.skip !== null)(
      `loses nothing (${c.name})`,
      async () => {
        const { target, options } = await c.target();
        // A payment, created against the sandbox, on the store the child will use.
        const h = await startHarness({ database: await openDatabase(options), merchant: false });
        const created = await h.createPayment({ amount: 5000, currency: 'CLP', order_id: 'crash-1' });
        const payment = created.json as { id: string; payment_intent_id: string };
        const env = {
          FINTOC_SECRET_KEY: h.config.fintoc.secretKey,
          FINTOC_PUBLIC_KEY: h.config.fintoc.publicKey,
          FINTOC_WEBHOOK_SECRET: h.webhookSecret,
          FINTOC_API_URL: h.config.fintoc.apiUrl,
          PASARELA_API_KEY: 'crash-test-api-key-0123456789',
        };
        const config = h.config;
        await h.close();

        const body = JSON.stringify({
          id: 'evt_crash_1',
          object: 'event',
          type: 'payment_intent.succeeded',
          mode: 'test',
          created_at: new Date().toISOString(),
          data: paymentIntentJson({
            id: payment.payment_intent_id,
            amount: 5000,
            created_at: new Date().toISOString(),
            status: 'succeeded',
            widget_token: null,
          }),
        });
        const signature = sign({
          secret: env.FINTOC_WEBHOOK_SECRET,
          body,
          timestamp: Math.floor(Date.now() / 1000),
        });
        const answer = await killAfterStoring(target, {
          ...env,
          CRASH_BODY: body,
          CRASH_SIGNATURE: signature,
        });
        expect(answer.status).toBe(200);

        const app = await buildApp({
          config,
          database: await openDatabase(options),
          workers: false,
          logger: false,
        });
        try {
          expect(await app.inbox.get('evt_crash_1')).toMatchObject({ applied_at: null });
          expect((await app.payments.get(payment.id))?.status).toBe('pending');
          await app.jobs.runDue(['apply_event']);
          expect(await app.inbox.get('evt_crash_1')).toMatchObject({ outcome: 'applied' });
          expect((await app.payments.get(payment.id))?.status).toBe('succeeded');
        } finally {
          await app.close();
        }
      },
      90_000,
    );
  }
});
