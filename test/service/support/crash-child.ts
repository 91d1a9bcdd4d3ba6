/**
 * A service process for the crash test: opens the store named in argv, receives one webhook (body
 * and signature from env), prints the answer, then idles until it is killed — before its worker
 * could apply the event.
 */
import { buildApp, loadConfig, openDatabase } from '../../../src/service/index.js';

const [target] = process.argv.slice(2);
const config = loadConfig(process.env);
if (!config.ok || !target) {
  process.stderr.write(`bad setup: ${config.ok ? 'no target' : config.errors.join('; ')}\n`);
  process.exit(2);
}
const database = await openDatabase(target.startsWith('postgres') ? { url: target } : { dataDir: target });
const app = await buildApp({ config: config.config, database, workers: false, logger: false });
const res = await app.inject({
  method: 'POST',
  url: '/webhooks/fintoc',
  headers: { 'fintoc-signature': process.env.CRASH_SIGNATURE ?? '', 'content-type': 'application/json' },
  payload: process.env.CRASH_BODY ?? '',
});
process.stdout.write(`${JSON.stringify({ status: res.statusCode, body: res.json() })}\n`);
setInterval(() => {}, 60_000);
