/**
 * One service instance for the chaos run: `pasarela serve` as a child process (configured by the
 * environment like it), with a shorter job lease (CHAOS_LEASE_MS) so the jobs a `kill -9` leaves
 * claimed come back within the run. Prints `CHAOS_READY {"url":…}` on stdout when it listens; its
 * log lines (JSON) follow on stdout.
 */
import { closeOnSignals, loadConfig, startServer } from '../src/service/index.js';

const result = loadConfig(process.env);
if (!result.ok) {
  process.stderr.write(`chaos instance: ${result.errors.join('; ')}\n`);
  process.exit(2);
}
const leaseMs = Number(process.env.CHAOS_LEASE_MS ?? 60_000);
const server = await startServer(result.config, { jobOptions: { leaseMs, pollMs: 100 } });
closeOnSignals(server);
process.stdout.write(`CHAOS_READY ${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
