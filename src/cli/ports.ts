import { createServer } from 'node:net';

/**
 * A port free on 127.0.0.1 right now, for a URL that must be known before something listens on it
 * (the service's own URL goes into its webhook endpoint and its checkout links). Another process
 * may take it first: callers that pick one try again on EADDRINUSE.
 *
 * @example
 * const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
