// Verifying Fintoc webhooks in a plain Express app.
// Run: FINTOC_WEBHOOK_SECRET=whsec_… npx tsx examples/express-webhook.ts   (listens on PORT or 3000)
import { pathToFileURL } from 'node:url';
import express from 'express';
import type { Express } from 'express';
// In your app: import { … } from 'pasarela/fintoc';
import { verify, WebhookSignatureError } from '../src/fintoc/index.js';
import type { FintocEvent } from '../src/fintoc/index.js';

export function buildApp(opts: { secrets: string[]; onEvent: (event: FintocEvent) => void }): Express {
  const app = express();
  // express.raw on this route only: the signature covers the exact bytes, so never express.json() here.
  app.post('/webhooks/fintoc', express.raw({ type: 'application/json' }), (req, res) => {
    try {
      const event = verify({
        body: req.body as Buffer,
        header: req.get('Fintoc-Signature'),
        secrets: opts.secrets,
      });
      opts.onEvent(event); // store it by event.id and apply it later; answer fast
      res.status(200).json({ received: true });
    } catch (err) {
      if (err instanceof WebhookSignatureError) {
        res.status(400).json({ error: { code: err.code, message: err.message } });
        return;
      }
      throw err;
    }
  });
  return app;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secrets = (process.env['FINTOC_WEBHOOK_SECRET'] ?? '').split(',').filter(Boolean);
  if (secrets.length === 0) {
    console.error('Set FINTOC_WEBHOOK_SECRET to the whsec_… secret of your webhook endpoint.');
    process.exit(1);
  }
  const port = Number(process.env['PORT'] ?? 3000);
  buildApp({ secrets, onEvent: (e) => console.log(`received ${e.type} ${e.id}`) }).listen(
    port,
    '127.0.0.1',
    () => console.log(`POST Fintoc webhooks to http://127.0.0.1:${port}/webhooks/fintoc`),
  );
}
