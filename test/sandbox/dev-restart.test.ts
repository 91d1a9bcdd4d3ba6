/**
 * `pasarela dev` started twice on the same data directory, as `npm start` twice: the sandbox's
 * state lives in `<data dir>/sandbox.json`, so a payment made in the first run is still known to
 * the sandbox in the second, and the service's webhook endpoint is reused (one endpoint, the same
 * secret: the second run's webhooks are accepted by the service).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pasarela, stopAll, type Pasarela } from './child.js';

interface Ready {
  api: string;
  sandbox: string;
  apiKey: string;
  secretKey: string;
}

/**
 * A port that is free now, below the kernel's ephemeral range (32768 and up on Linux): the test
 * gives it to `pasarela dev` and uses it again after a restart, and no `listen(0)` or outgoing
 * connection elsewhere on the machine is handed a port from down here in between.
 */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const server = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      await new Promise((resolve) => server.close(resolve));
      return port;
    }
  }
}

interface Running {
  process: Pasarela;
  ready: Ready;
}

async function startDev(dataDir: string, port: number, sandboxPort: number): Promise<Running> {
  const dev = pasarela(
    ['dev', '--data-dir', dataDir, '--port', String(port), '--sandbox-port', String(sandboxPort), '--json'],
    { ...process.env, LOG_LEVEL: 'error' },
  );
  return { process: dev, ready: JSON.parse(await dev.firstLine) as Ready };
}

const sandboxGet = async (ready: Ready, key: string, path: string) => {
  const res = await fetch(`${ready.sandbox}${path}`, { headers: { authorization: key } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & unknown[] };
};

const dataDir = mkdtempSync(join(tmpdir(), 'pasarela-dev-restart-'));

afterAll(async () => {
  await stopAll();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pasarela dev, started twice on the same data directory', () => {
  it('the sandbox still knows the first run’s payment, and there is one webhook endpoint (moved when the port changes)', async () => {
    const port = await freePort();
    const sandboxPort = await freePort();

    // First run: a payment through the service creates its intent in the sandbox.
    const first = await startDev(dataDir, port, sandboxPort);
    const created = await fetch(first.ready.api, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.ready.apiKey}`, 'content-type': 'application/json' },
      // The intent flow: this test follows the payment intent across the restart.
      body: JSON.stringify({ amount: 12990, currency: 'CLP', order_id: 'order-restart-1', flow: 'intent' }),
    });
    expect(created.status).toBe(201);
    const payment = (await created.json()) as { id: string; payment_intent_id: string | null };
    expect(payment.payment_intent_id).toMatch(/^pi_/);
    const intentId = payment.payment_intent_id as string;
    expect(
      (await sandboxGet(first.ready, first.ready.secretKey, `/v1/payment_intents/${intentId}`)).status,
    ).toBe(200);
    const firstEndpoints = (await sandboxGet(first.ready, first.ready.secretKey, '/v1/webhook_endpoints'))
      .body;
    expect(firstEndpoints).toHaveLength(1);
    const stopped = await first.process.stop('SIGINT');
    expect(stopped.code, stopped.err).toBe(0);
    expect(readdirSync(dataDir)).toContain('sandbox.json');
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Second run, same data directory: the key comes from dev.json, the intent from sandbox.json.
    const second = await startDev(dataDir, port, sandboxPort);
    const { secretKey } = JSON.parse(readFileSync(join(dataDir, 'dev.json'), 'utf8')) as {
      secretKey: string;
    };
    expect(second.ready.secretKey).toBe(secretKey);
    const intent = await sandboxGet(second.ready, secretKey, `/v1/payment_intents/${intentId}`);
    expect(intent.status).toBe(200);
    expect(intent.body).toMatchObject({ id: intentId, amount: 12990, status: 'created' });
    const endpoints = (await sandboxGet(second.ready, secretKey, '/v1/webhook_endpoints')).body as Array<{
      id: string;
    }>;
    expect(endpoints.map((e) => e.id)).toEqual([(firstEndpoints[0] as { id: string }).id]);

    // The customer pays now; the webhook, signed with the stored secret, is accepted by the service.
    const post = (path: string, body: unknown) =>
      fetch(`${second.ready.sandbox}${path}`, {
        method: 'POST',
        headers: { authorization: secretKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(`/_sandbox/payment_intents/${intentId}/simulate`, { action: 'run' })).status).toBe(
      200,
    );
    expect((await post('/_sandbox/clock/advance', { by: 0 })).status).toBe(200);
    const deliveries = (
      await sandboxGet(second.ready, secretKey, '/_sandbox/deliveries?event_type=payment_intent.succeeded')
    ).body.data as Array<{ status: string; attempts: Array<{ status_code: number | null }> }>;
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: 'delivered' });
    expect(deliveries[0]!.attempts.at(-1)!.status_code).toBe(200);

    const again = await second.process.stop('SIGINT');
    expect(again.code, again.err).toBe(0);

    // Third run on another service port: the same endpoint, pointed at the new address.
    const newPort = await freePort();
    const third = await startDev(dataDir, newPort, sandboxPort);
    const moved = (await sandboxGet(third.ready, secretKey, '/v1/webhook_endpoints')).body as Array<{
      id: string;
      url: string;
    }>;
    expect(moved).toEqual([
      expect.objectContaining({ id: endpoints[0]!.id, url: `http://127.0.0.1:${newPort}/webhooks/fintoc` }),
    ]);
    const last = await third.process.stop('SIGINT');
    expect(last.code, last.err).toBe(0);
  }, 180_000);
});
