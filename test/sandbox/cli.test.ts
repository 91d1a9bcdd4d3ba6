/**
 * `pasarela sandbox` and `pasarela trigger` as a user runs them: a real process, one JSON line
 * when ready, a signed event to a real 127.0.0.1 receiver, a clean stop on SIGTERM.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verify } from '../../src/fintoc/index.js';
import { parseOverrides } from '../../src/cli/commands/trigger.js';
import { pasarela, stopAll } from './child.js';

// Each test starts several Node processes that load TypeScript through tsx: seconds each on a busy
// 2-core machine.
const PROCESS_TEST_MS = 90_000;

afterEach(stopAll);

describe('parseOverrides', () => {
  it('reads JSON values where they parse, text otherwise', () => {
    expect(
      parseOverrides(['amount=5000', 'currency=MXN', 'metadata.order=A-1', 'customer_email=null', 'ok=true']),
    ).toEqual({
      amount: 5000,
      currency: 'MXN',
      'metadata.order': 'A-1',
      customer_email: null,
      ok: true,
    });
    expect(() => parseOverrides(['amount'])).toThrow(/key=value/);
  });
});

describe('pasarela sandbox / trigger', () => {
  it(
    'prints one JSON line when ready, serves the API, delivers a triggered event, stops on SIGTERM',
    async () => {
      const bodies: Array<{ body: string; signature: string }> = [];
      const receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          bodies.push({ body, signature: String(req.headers['fintoc-signature']) });
          res.end('ok');
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

      const sandbox = pasarela([
        'sandbox',
        '--port',
        '0',
        '--secret-key',
        'sk_test_cliTest12345',
        '--verbose',
      ]);
      try {
        const line = await sandbox.firstLine;
        const ready = JSON.parse(line) as { url: string; secretKey: string; publicKey: string };
        expect(ready).toEqual({
          url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
          secretKey: 'sk_test_cliTest12345',
          publicKey: 'pk_test_cliTest12345',
        });
        const whoami = await fetch(`${ready.url}/v1/whoami`, { headers: { authorization: ready.secretKey } });
        expect(((await whoami.json()) as { mode: string }).mode).toBe('test');
        const we = (await (
          await fetch(`${ready.url}/v1/webhook_endpoints`, {
            method: 'POST',
            headers: { authorization: ready.secretKey, 'content-type': 'application/json' },
            body: JSON.stringify({ url: receiverUrl, enabled_events: ['payment_intent.succeeded'] }),
          })
        ).json()) as { secret: string };

        const t = await pasarela([
          'trigger',
          'payment_intent.succeeded',
          '--url',
          ready.url,
          '--secret-key',
          ready.secretKey,
          '-o',
          'amount=4321',
          '--override',
          'metadata.order_id=A-1',
        ]).exited;
        expect(t.code, t.err).toBe(0);
        const eventId = t.out.trim();
        expect(eventId).toMatch(/^evt_[0-9A-Za-z]+$/);
        // The delivery is asynchronous: ask the control API to run what is due and wait for it.
        await fetch(`${ready.url}/_sandbox/clock/advance`, {
          method: 'POST',
          headers: { authorization: ready.secretKey, 'content-type': 'application/json' },
          body: JSON.stringify({ by: 0 }),
        });
        expect(bodies).toHaveLength(1);
        const event = verify({ body: bodies[0]!.body, header: bodies[0]!.signature, secrets: we.secret });
        expect(event.id).toBe(eventId);
        expect(event.data).toMatchObject({ amount: 4321, metadata: { order_id: 'A-1' } });

        const refused = await pasarela([
          'trigger',
          'payment_intent.succeeded',
          '--url',
          ready.url,
          '--secret-key',
          'nope',
        ]).exited;
        expect(refused.code).toBe(1);
        expect(refused.err).toMatch(/401/);

        const stopped = await sandbox.stop('SIGTERM');
        expect(stopped.code, stopped.err).toBe(0);
        expect(stopped.out).toBe(`${line}\n`); // one line, nothing else on stdout
        // --verbose logs requests to stderr, never a key.
        expect(stopped.err).toContain('/v1/whoami');
        expect(stopped.err).not.toContain('cliTest12345');
      } finally {
        await new Promise((r) => receiver.close(r));
      }
    },
    PROCESS_TEST_MS,
  );
});

describe('pasarela trigger without a sandbox', () => {
  it(
    'says what is missing: a reachable sandbox, a secret key',
    async () => {
      const { FINTOC_SECRET_KEY: _key, ...env } = process.env;
      const [unreachable, keyless] = await Promise.all([
        pasarela([
          'trigger',
          'payment_intent.succeeded',
          '--url',
          'http://127.0.0.1:1',
          '--secret-key',
          'sk_test_abcd1234',
        ]).exited,
        pasarela(['trigger', 'payment_intent.succeeded', '--url', 'http://127.0.0.1:1'], env).exited,
      ]);
      expect(unreachable.code).toBe(1);
      expect(unreachable.err).toMatch(
        /could not reach the sandbox at http:\/\/127\.0\.0\.1:1 .*pasarela sandbox/,
      );
      expect(keyless.code).toBe(1);
      expect(keyless.err).toMatch(/--secret-key sk_test_… or set FINTOC_SECRET_KEY/);
      expect(unreachable.out + keyless.out).toBe('');
    },
    PROCESS_TEST_MS,
  );
});

describe('pasarela sandbox --state-file', () => {
  it(
    'a second run from the same file prints the same key and knows the first run’s intent; a corrupt file is a clear error',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pasarela-cli-state-'));
      const file = join(dir, 'state.json');
      try {
        const first = pasarela(['sandbox', '--port', '0', '--state-file', file]);
        const a = JSON.parse(await first.firstLine) as { url: string; secretKey: string; publicKey: string };
        // No --secret-key: a fresh pair of the same organisation.
        expect(a.secretKey).toMatch(/^sk_test_[0-9A-Za-z]{24}$/);
        expect(a.publicKey).toBe(`pk_${a.secretKey.slice(3)}`);
        const created = (await (
          await fetch(`${a.url}/v1/payment_intents`, {
            method: 'POST',
            headers: { authorization: a.secretKey, 'content-type': 'application/json' },
            body: JSON.stringify({ amount: 1234, currency: 'CLP' }),
          })
        ).json()) as { id: string };
        expect((await first.stop('SIGINT')).code).toBe(0);
        expect(readdirSync(dir)).toEqual(['state.json']);

        const second = pasarela(['sandbox', '--port', '0', '--state-file', file]);
        const b = JSON.parse(await second.firstLine) as { url: string; secretKey: string };
        expect(b.secretKey).toBe(a.secretKey);
        const res = await fetch(`${b.url}/v1/payment_intents/${created.id}`, {
          headers: { authorization: b.secretKey },
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { amount: number }).amount).toBe(1234);
        expect((await second.stop('SIGINT')).code).toBe(0);

        writeFileSync(file, 'garbage');
        const bad = await pasarela(['sandbox', '--port', '0', '--state-file', file]).exited;
        expect(bad.code).toBe(1);
        expect(bad.out).toBe('');
        expect(bad.err).toContain('sandbox_state_corrupt');
        expect(bad.err).toContain(file);
        expect(readFileSync(file, 'utf8')).toBe('garbage');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    PROCESS_TEST_MS,
  );
});
