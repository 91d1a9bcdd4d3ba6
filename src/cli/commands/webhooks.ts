import { Command } from 'commander';

interface Common {
  json?: boolean;
}

/** The endpoint URL: `--url`, else PASARELA_PUBLIC_URL + /webhooks/fintoc. */
async function targetUrl(url: string | undefined, env: Record<string, string | undefined>): Promise<string> {
  const { webhookUrlFor, GoliveError } = await import('../../golive/index.js');
  if (url !== undefined) return url;
  const base = env.PASARELA_PUBLIC_URL?.trim();
  if (!base)
    throw new GoliveError('missing_public_url', 'PASARELA_PUBLIC_URL is not set and --url was not given.');
  return webhookUrlFor(base);
}

function line(text = ''): void {
  process.stdout.write(`${text}\n`);
}

/**
 * `pasarela webhooks setup|list|rotate`: the service's Fintoc webhook endpoint, in the secret key's
 * mode (FINTOC_SECRET_KEY from the environment or ./.env).
 */
export function webhooksCommand(): Command {
  const cmd = new Command('webhooks').description(
    "Set up, list and rotate the service's Fintoc webhook endpoints (in the secret key's mode).",
  );

  cmd
    .command('setup')
    .description(
      'Create, or reuse when one already matches, the endpoint for the service; shows a new secret once.',
    )
    .option('--url <url>', 'endpoint URL (default: PASARELA_PUBLIC_URL + /webhooks/fintoc)')
    .option(
      '--write-env <file>',
      'write FINTOC_WEBHOOK_SECRET=<new secret> into this .env file (created 0600)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (opts: Common & { url?: string; writeEnv?: string }) => {
      const { serviceEnvironment, reportGoliveError } = await import('./golive-shared.js');
      const golive = await import('../../golive/index.js');
      const { serviceWebhookEvents } = await import('../../service/index.js');
      try {
        const env = await serviceEnvironment();
        const client = golive.clientFromEnv(env);
        const url = await targetUrl(opts.url, env);
        const r = await golive.setupEndpoint(client, { url, events: serviceWebhookEvents() });
        const wrote =
          r.secret && opts.writeEnv
            ? golive.writeEnvVariable(opts.writeEnv, 'FINTOC_WEBHOOK_SECRET', r.secret)
            : null;
        if (opts.json) {
          line(
            JSON.stringify({ ...r, env_file: wrote ? { path: wrote.path, created: wrote.created } : null }),
          );
          return;
        }
        const e = r.endpoint;
        if (r.created) {
          line(`Created webhook endpoint ${e.id} (${e.mode}) at ${e.url}`);
        } else {
          line(
            `Webhook endpoint ${e.id} (${e.mode}) at ${e.url} was already there${r.changes.length ? `: ${r.changes.join('; ')}` : ', nothing to change'}.`,
          );
        }
        line(`  events: ${e.enabled_events.join(', ')}`);
        if (r.secret) {
          line(`  secret: ${r.secret}`);
          line('  (shown once: Fintoc will not show it again)');
          if (wrote)
            line(
              `Wrote FINTOC_WEBHOOK_SECRET to ${wrote.path}${wrote.created ? ' (created, readable by you only)' : ''}; restart the service to use it.`,
            );
          else
            line(
              'Set FINTOC_WEBHOOK_SECRET to this secret where the service reads its configuration, and restart the service.',
            );
        } else {
          line(
            'Its secret was shown when it was created; FINTOC_WEBHOOK_SECRET must hold it (lost it? pasarela webhooks rotate).',
          );
          if (opts.writeEnv)
            line(
              `--write-env: nothing written to ${opts.writeEnv}: an existing endpoint's secret cannot be read back.`,
            );
        }
        for (const o of r.others)
          line(
            `Also at this URL: ${o.id} (${o.status}), a rotation not finished? pasarela webhooks rotate --finish`,
          );
      } catch (err) {
        process.exitCode = reportGoliveError('webhooks setup', err, opts.json);
      }
    });

  cmd
    .command('list')
    .description("List the webhook endpoints of the key's organisation and mode.")
    .option('--json', 'print the endpoints as JSON')
    .action(async (opts: Common) => {
      const { serviceEnvironment, reportGoliveError } = await import('./golive-shared.js');
      const golive = await import('../../golive/index.js');
      try {
        const env = await serviceEnvironment();
        const client = golive.clientFromEnv(env);
        const endpoints = (await golive.listEndpoints(client)).map(golive.endpointView);
        const base = env.PASARELA_PUBLIC_URL?.trim();
        const service = base ? golive.webhookUrlFor(base) : null;
        if (opts.json) {
          line(JSON.stringify({ mode: client.mode, service_url: service, endpoints }));
          return;
        }
        if (endpoints.length === 0) {
          line(`No ${client.mode} webhook endpoints. Create the service's with: pasarela webhooks setup`);
          return;
        }
        for (const e of endpoints) {
          const mark = service && golive.sameUrl(e.url, service) ? '  (the service)' : '';
          line(`${e.id}  ${e.mode}  ${e.status}  ${e.url}${mark}`);
          line(`    events: ${e.enabled_events.join(', ')}`);
        }
      } catch (err) {
        process.exitCode = reportGoliveError('webhooks list', err, opts.json);
      }
    });

  cmd
    .command('rotate')
    .description(
      'Rotate the webhook secret without losing events: a new endpoint beside the old one; --finish deletes the old one.',
    )
    .option('--url <url>', 'endpoint URL (default: PASARELA_PUBLIC_URL + /webhooks/fintoc)')
    .option(
      '--write-env <file>',
      'put the new secret first in FINTOC_WEBHOOK_SECRET in this .env file (with --finish: keep only the first)',
    )
    .option('--finish', 'step 3: delete the other endpoints at the URL, keeping the newest (or --keep)')
    .option('--keep <id>', 'with --finish: the endpoint to keep (the one rotate created)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: Common & { url?: string; writeEnv?: string; finish?: boolean; keep?: string }) => {
      const { serviceEnvironment, reportGoliveError } = await import('./golive-shared.js');
      const golive = await import('../../golive/index.js');
      const { serviceWebhookEvents } = await import('../../service/index.js');
      const { readFileSync } = await import('node:fs');
      try {
        const env = await serviceEnvironment();
        const client = golive.clientFromEnv(env);
        const url = await targetUrl(opts.url, env);
        const current = (): string[] => {
          let fromFile: string | undefined;
          if (opts.writeEnv) {
            try {
              fromFile = golive.envFileValue(readFileSync(opts.writeEnv, 'utf8'), 'FINTOC_WEBHOOK_SECRET');
            } catch {
              fromFile = undefined;
            }
          }
          return (fromFile ?? env.FINTOC_WEBHOOK_SECRET ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
        };
        if (opts.finish) {
          const r = await golive.finishRotation(client, { url, ...(opts.keep ? { keep: opts.keep } : {}) });
          const first = current()[0];
          const wrote =
            opts.writeEnv && first
              ? golive.writeEnvVariable(opts.writeEnv, 'FINTOC_WEBHOOK_SECRET', first)
              : null;
          if (opts.json) {
            line(
              JSON.stringify({ ...r, env_file: wrote ? { path: wrote.path, created: wrote.created } : null }),
            );
            return;
          }
          line(`Step 3 done: kept ${r.kept.id}, deleted ${r.deleted.map((d) => d.id).join(', ')}.`);
          if (wrote)
            line(
              `FINTOC_WEBHOOK_SECRET in ${wrote.path} now holds only its first secret (the one rotate added); restart the service.`,
            );
          else
            line(
              'Last: remove the old secret from FINTOC_WEBHOOK_SECRET (keep only the new one) and restart the service.',
            );
          return;
        }
        const r = await golive.startRotation(client, { url, events: serviceWebhookEvents() });
        const secrets = r.secret ? [r.secret, ...current().filter((s) => s !== r.secret)] : current();
        const wrote =
          opts.writeEnv && r.secret
            ? golive.writeEnvVariable(opts.writeEnv, 'FINTOC_WEBHOOK_SECRET', secrets.join(','))
            : null;
        if (opts.json) {
          line(
            JSON.stringify({ ...r, env_file: wrote ? { path: wrote.path, created: wrote.created } : null }),
          );
          return;
        }
        line(
          `Step 1 of 3 done: created ${r.endpoint.id} (${r.endpoint.mode}) at ${r.endpoint.url}; Fintoc now sends every event to it and to ${r.previous.map((p) => p.id).join(', ')}.`,
        );
        if (r.secret) {
          line(`  new secret: ${r.secret}`);
          line('  (shown once: Fintoc will not show it again)');
        }
        if (wrote)
          line(
            `Step 2: FINTOC_WEBHOOK_SECRET in ${wrote.path} now holds the new secret and the old one(s); restart every instance of the service with it.`,
          );
        else
          line(
            'Step 2: set FINTOC_WEBHOOK_SECRET=<new secret>,<old secret> on every instance of the service and restart them (the service accepts either and keeps each event once).',
          );
        line(
          `Step 3: when every instance runs with both, run: pasarela webhooks rotate --finish --keep ${r.endpoint.id}`,
        );
      } catch (err) {
        process.exitCode = reportGoliveError('webhooks rotate', err, opts.json);
      }
    });
  return cmd;
}
