import { Command } from 'commander';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `key=value` pairs to an overrides object; values are JSON when they parse (5000, true, null), else text. */
export function parseOverrides(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--override must be key=value (e.g. amount=5000), got "${pair}"`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

/**
 * `pasarela trigger <event-type>`: asks a running sandbox to send a signed sample event of that
 * type to its webhook endpoints (`POST /v1/events/trigger`); prints the event id.
 */
export function triggerCommand(): Command {
  return new Command('trigger')
    .description('Send a signed sample event through a running sandbox to its webhook endpoints.')
    .argument('<event-type>', 'e.g. payment_intent.succeeded')
    .option(
      '-o, --override <key=value>',
      'set a field of the event data (dot paths allowed); repeatable',
      collect,
      [],
    )
    .option('--url <url>', 'sandbox URL (default $PASARELA_SANDBOX_URL or http://127.0.0.1:4010)')
    .option('--secret-key <key>', 'secret key of the organisation (default $FINTOC_SECRET_KEY)')
    .option('--json', 'print the whole event as JSON')
    .action(
      async (
        type: string,
        opts: { override: string[]; url?: string; secretKey?: string; json?: boolean },
      ) => {
        const url = opts.url ?? process.env.PASARELA_SANDBOX_URL ?? 'http://127.0.0.1:4010';
        const key = opts.secretKey ?? process.env.FINTOC_SECRET_KEY;
        if (!key)
          throw new Error('a secret key is needed: pass --secret-key sk_test_… or set FINTOC_SECRET_KEY');
        const overrides = parseOverrides(opts.override);
        let res: Response;
        try {
          res = await fetch(new URL('/v1/events/trigger', url), {
            method: 'POST',
            headers: { authorization: key, 'content-type': 'application/json' },
            body: JSON.stringify({ type, overrides }),
          });
        } catch (err) {
          throw new Error(
            `could not reach the sandbox at ${url} (${(err as Error).message}); start it with "pasarela sandbox"`,
            { cause: err },
          );
        }
        const body = (await res.json().catch(() => null)) as {
          id?: string;
          error?: { message?: string; code?: string };
        } | null;
        if (!res.ok || !body?.id) {
          throw new Error(
            `the sandbox refused the event (${res.status}): ${body?.error?.message ?? 'no error message'}`,
          );
        }
        process.stdout.write(opts.json ? JSON.stringify(body) + '\n' : `${body.id}\n`);
      },
    );
}
