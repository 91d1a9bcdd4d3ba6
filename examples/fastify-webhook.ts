// Verifying Fintoc webhooks in a plain Fastify app.
// Run: FINTOC_WEBHOOK_SECRET=whsec_… npx tsx examples/fastify-webhook.ts   (listens on PORT or 3000)
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
// In your app: import { … } from 'pasarela/fintoc';
import { verify, WebhookSignatureError } from '../src/fintoc/index.js';
import type { FintocEvent } from '../src/fintoc/index.js';

export function buildApp(opts: {
  secrets: string[];
  onEvent: (event: FintocEvent) => void;
}): FastifyInstance {
  const app = Fastify();
  // An encapsulated plugin, so only this route keeps JSON bodies raw: the signature covers the exact bytes.
  void app.register(async (webhooks) => {
    webhooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    webhooks.post('/webhooks/fintoc', async (req, reply) => {
      const header = req.headers['fintoc-signature'];
      try {
        const event = verify({
          body: req.body as Buffer,
          header: typeof header === 'string' ? header : undefined,
          secrets: opts.secrets,
        });
        opts.onEvent(event); // store it by event.id and apply it later; answer fast
        return reply.code(200).send({ received: true });
      } catch (err) {
        if (err instanceof WebhookSignatureError) {
          return reply.code(400).send({ error: { code: err.code, message: err.message } });
        }
        throw err;
      }
    });
  });
  return app;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secrets = (process.env['FINTOC_WEBHOOK_SECRET'] ?? '').split(',').filter(Boolean);
  if (secrets.length === 0) {
    console.error('Set FINTOC_WEBHOOK_SECRET to the whsec_… secret of your webhook endpoint.');
    process.exit(1);
  }
  const app = buildApp({ secrets, onEvent: (e) => console.log(`received ${e.type} ${e.id}`) });
  const address = await app.listen({ port: Number(process.env['PORT'] ?? 3000), host: '127.0.0.1' });
  console.log(`POST Fintoc webhooks to ${address}/webhooks/fintoc`);
}
