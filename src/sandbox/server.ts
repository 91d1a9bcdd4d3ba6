/**
 * `startSandbox()`: the sandbox listening on a port, with a key pair ready to use.
 */
import { randomBytes } from 'node:crypto';
import { keyKind } from '../fintoc/index.js';
import { createSandbox, type Sandbox, type SandboxOptions } from './app.js';
import type { SandboxClock } from './clock.js';

export interface StartOptions extends SandboxOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The secret key to print; default the one printed before (with a `stateFile`), else a fresh
   * `sk_test_…`. Any well-formed key works anyway.
   */
  secretKey?: string;
}

export interface RunningSandbox {
  /** Absolute origin, e.g. `http://127.0.0.1:4010`; point the SDK's base URL here. */
  url: string;
  secretKey: string;
  /** `pk_` + the secret key's suffix: the widget's key of the same organisation and mode. */
  publicKey: string;
  clock: SandboxClock;
  sandbox: Sandbox;
  close(): Promise<void>;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A fresh test secret key, `sk_test_` + 24 base62 characters. */
export function newSecretKey(mode: 'test' | 'live' = 'test'): string {
  const bytes = randomBytes(24);
  return `sk_${mode}_${[...bytes].map((b) => BASE62[b % 62]).join('')}`;
}

/** The public key of the same organisation and mode as a secret key. */
export function publicKeyOf(secretKey: string): string {
  return `pk_${secretKey.replace(/^Bearer\s+/, '').slice(3)}`;
}

/**
 * Starts the sandbox on `host:port`.
 *
 * @example
 * const sb = await startSandbox({ port: 4010 });
 * const fintoc = new Fintoc(sb.secretKey);
 * (fintoc.paymentIntents as any)._client.baseUrl = sb.url;
 */
export async function startSandbox(options: StartOptions = {}): Promise<RunningSandbox> {
  const wellFormed = (key: string) => keyKind(key) === 'secret' && !key.startsWith('Bearer');
  if (options.secretKey !== undefined && !wellFormed(options.secretKey)) {
    throw new Error('secretKey must look like sk_test_… or sk_live_….');
  }
  const host = options.host ?? '127.0.0.1';
  const sandbox = createSandbox(options);
  const kept = sandbox.core.secretKey;
  const secretKey = options.secretKey ?? (kept !== null && wellFormed(kept) ? kept : newSecretKey());
  if (sandbox.core.secretKey !== secretKey) {
    sandbox.core.secretKey = secretKey;
    sandbox.core.changed();
  }
  try {
    await sandbox.app.listen({ port: options.port ?? 0, host });
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  const address = sandbox.app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = options.publicUrl ? new URL(options.publicUrl).origin : `http://${shownHost}:${port}`;
  return {
    url,
    secretKey,
    publicKey: publicKeyOf(secretKey),
    clock: sandbox.clock,
    sandbox,
    close: () => sandbox.close(),
  };
}
