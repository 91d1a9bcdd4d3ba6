/**
 * `pasarela dev` started twice on the same data directory, as `npm start` twice: the sandbox's
 * state lives in `<data dir>/sandbox.json`, so a payment made in the first run is still known to
 * the sandbox in the second, and the service's webhook endpoint is reused (one endpoint, the same
 * secret: the second run's webhooks are accepted by the service).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/pasarela.mjs', import.meta.url));

interface Ready {
  api: string;
  sandbox: string;
  apiKey: string;
  secretKey: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  ready: Ready;
  stop(): Promise<{ code: number | null; err: string }>;
}

async function startDev(dataDir: string, port: number, sandboxPort: number): Promise<Running> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'dev',
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--sandbox-port',
      String(sandboxPort),
      '--json',
    ],
    { stdio: 'pipe', env: { ...process.env, LOG_LEVEL: 'error' } },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    void exited.then((code) => reject(new Error(`dev exited with ${code} before it was ready: ${err}`)));
  });
  return {
    child,
    ready: JSON.parse(line) as Ready,
    async stop() {
      child.kill('SIGINT');
      return { code: await exited, err };
    },
  };
}

const sandboxGet = async (ready: Ready, key: string, path: string) => {
  const res = await fetch(`${ready.sandbox}${path}`, { headers: { authorization: key } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & unknown[] };
};

const dataDir = mkdtempSync(join(tmpdir(), 'pasarela-dev-restart-'));
const running: Running[] = [];

afterAll(async () => {
  for (const r of running) if (r.child.exitCode === null) await r.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pasarela dev, started twice on the same data directory', () => {
  it('the sandbox still knows the first run’s payment, and there is one webhook endpoint (moved when the port changes)', async () => {
    const port = await freePort();
    const sandboxPort = await freePort();

    // First run: a payment through the service creates its intent in the sandbox.
    const first = await startDev(dataDir, port, sandboxPort);
    running.push(first);
    const created = await fetch(first.ready.api, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.ready.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 12990, currency: 'CLP', order_id: 'order-restart-1' }),
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
    const stopped = await first.stop();
    expect(stopped.code, stopped.err).toBe(0);
    expect(readdirSync(dataDir)).toContain('sandbox.json');
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    // Second run, same data directory: the key comes from dev.json, the intent from sandbox.json.
    const second = await startDev(dataDir, port, sandboxPort);
    running.push(second);
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

    const again = await second.stop();
    expect(again.code, again.err).toBe(0);

    // Third run on another service port: the same endpoint, pointed at the new address.
    const newPort = await freePort();
    const third = await startDev(dataDir, newPort, sandboxPort);
    running.push(third);
    const moved = (await sandboxGet(third.ready, secretKey, '/v1/webhook_endpoints')).body as Array<{
      id: string;
      url: string;
    }>;
    expect(moved).toEqual([
      expect.objectContaining({ id: endpoints[0]!.id, url: `http://127.0.0.1:${newPort}/webhooks/fintoc` }),
    ]);
    const last = await third.stop();
    expect(last.code, last.err).toBe(0);
  }, 180_000);
});
