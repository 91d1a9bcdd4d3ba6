/**
 * A private network for the go-live tests: real hostnames (api.fintoc.com, pagos.tienda-ejemplo.cl)
 * on port 443, served over TLS on 127.0.0.1 with a test certificate that only this network's agent
 * trusts. Nothing in the product knows: it gets a `fetch`, like any injected dependency.
 */
import { readFileSync } from 'node:fs';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
export const TLS_CERT = fixture('cert.pem');
const TLS_KEY = fixture('key.pem');

/** A TLS front on 127.0.0.1 that forwards each connection to `target` (a plain HTTP port; changeable). */
export interface TlsFront {
  port: number;
  /** Where new connections go. */
  target: number;
  /** Points the front elsewhere and drops open connections (kept-alive ones would still reach the old target). */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTlsFront(target: number): Promise<TlsFront> {
  const sockets = new Set<Socket>();
  const front: TlsFront = {
    port: 0,
    target,
    retarget: (port) => {
      front.target = port;
      for (const s of sockets) s.destroy();
    },
    close: async () => {},
  };
  const server: TlsServer = createTlsServer({ key: TLS_KEY, cert: TLS_CERT }, (clear) => {
    const upstream = connect(front.target, '127.0.0.1');
    sockets.add(clear).add(upstream);
    const done = () => {
      clear.destroy();
      upstream.destroy();
      sockets.delete(clear);
      sockets.delete(upstream);
    };
    clear.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    clear.pipe(upstream).pipe(clear);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  front.port = (server.address() as { port: number }).port;
  front.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return front;
}

/** A port nothing listens on (to stand for a service that is down). */
export async function closedPort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * A `fetch` for which `host:443` means the TLS front in `hosts`; any other URL goes out as usual
 * (the sandbox and service's own 127.0.0.1 ports).
 */
export function networkFetch(hosts: Record<string, TlsFront>): {
  fetch: typeof fetch;
  close(): Promise<void>;
} {
  const tls = buildConnector({ ca: TLS_CERT });
  const plain = buildConnector({});
  const agent = new Agent({
    connect: (opts, callback) => {
      const front = opts.protocol === 'https:' ? hosts[opts.hostname] : undefined;
      if (front && (opts.port === '' || opts.port === '443')) {
        tls(
          {
            ...opts,
            hostname: '127.0.0.1',
            host: '127.0.0.1',
            port: String(front.port),
            servername: opts.hostname,
          },
          callback,
        );
      } else {
        plain(opts, callback);
      }
    },
  });
  const f = ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(
      input as never,
      { ...(init as object), dispatcher: agent } as never,
    )) as unknown as typeof fetch;
  return { fetch: f, close: () => agent.close() };
}
