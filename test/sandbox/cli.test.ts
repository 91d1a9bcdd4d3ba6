/**
 * `pasarela sandbox` and `pasarela trigger` as a user runs them: a real process, one JSON line
 * when ready, a signed event to a real 127.0.0.1 receiver, a clean stop on SIGTERM.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { verify } from '../../src/fintoc/index.js';
import { parseOverrides } from '../../src/cli/commands/trigger.js';

const BIN = fileURLToPath(new URL('../../bin/pasarela.mjs', import.meta.url));

function run(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [BIN, ...args], { stdio: 'pipe' });
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', (line) => {
      rl.close();
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing a line`)));
  });
}

function exit(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

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
  it('prints one JSON line when ready, serves the API, delivers a triggered event, stops on SIGTERM', async () => {
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

    const child = run(['sandbox', '--port', '0', '--secret-key', 'sk_test_cliTest12345', '--verbose']);
    const done = exit(child);
    try {
      const ready = JSON.parse(await firstLine(child)) as {
        url: string;
        secretKey: string;
        publicKey: string;
      };
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

      const trigger = run([
        'trigger',
        'payment_intent.succeeded',
        '--url',
        ready.url,
        '--secret-key',
        ready.secretKey,
        '-o',
        'amount=4321',
      ]);
      const t = await exit(trigger);
      expect(t.code, t.err).toBe(0);
      const eventId = t.out.trim();
      expect(eventId).toMatch(/^evt_/);
      // The delivery is asynchronous: ask the control API to run what is due and wait for it.
      await fetch(`${ready.url}/_sandbox/clock/advance`, {
        method: 'POST',
        headers: { authorization: ready.secretKey, 'content-type': 'application/json' },
        body: JSON.stringify({ by: 0 }),
      });
      expect(bodies).toHaveLength(1);
      const event = verify({ body: bodies[0]!.body, header: bodies[0]!.signature, secrets: we.secret });
      expect(event.id).toBe(eventId);
      expect((event.data as { amount: number }).amount).toBe(4321);

      const refused = await exit(
        run(['trigger', 'payment_intent.succeeded', '--url', ready.url, '--secret-key', 'nope']),
      );
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/401/);
    } finally {
      child.kill('SIGTERM');
      const { code, err } = await done;
      expect(code).toBe(0);
      // --verbose logs requests to stderr, never a key.
      expect(err).toContain('/v1/whoami');
      expect(err).not.toContain('cliTest12345');
      await new Promise((r) => receiver.close(r));
    }
  });
});

describe('pasarela sandbox --state-file', () => {
  it('a second run from the same file prints the same key and knows the first run’s intent; a corrupt file is a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pasarela-cli-state-'));
    const file = join(dir, 'state.json');
    try {
      const first = run(['sandbox', '--port', '0', '--state-file', file]);
      const firstDone = exit(first);
      const a = JSON.parse(await firstLine(first)) as { url: string; secretKey: string };
      const created = (await (
        await fetch(`${a.url}/v1/payment_intents`, {
          method: 'POST',
          headers: { authorization: a.secretKey, 'content-type': 'application/json' },
          body: JSON.stringify({ amount: 1234, currency: 'CLP' }),
        })
      ).json()) as { id: string };
      first.kill('SIGINT');
      expect((await firstDone).code).toBe(0);
      expect(readdirSync(dir)).toEqual(['state.json']);

      const second = run(['sandbox', '--port', '0', '--state-file', file]);
      const secondDone = exit(second);
      try {
        const b = JSON.parse(await firstLine(second)) as { url: string; secretKey: string };
        expect(b.secretKey).toBe(a.secretKey);
        const res = await fetch(`${b.url}/v1/payment_intents/${created.id}`, {
          headers: { authorization: b.secretKey },
        });
        expect(res.status).toBe(200);
        expect(((await res.json()) as { amount: number }).amount).toBe(1234);
      } finally {
        second.kill('SIGINT');
        expect((await secondDone).code).toBe(0);
      }

      writeFileSync(file, 'garbage');
      const bad = await exit(run(['sandbox', '--port', '0', '--state-file', file]));
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('sandbox_state_corrupt');
      expect(bad.err).toContain(file);
      expect(readFileSync(file, 'utf8')).toBe('garbage');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
