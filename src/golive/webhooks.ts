/**
 * Fintoc webhook endpoints for the service: set up (create or reuse, idempotent), list, and rotate
 * the secret without losing an event. Everything goes through Fintoc's API with the secret key, so
 * it happens in the key's mode (a live key sees and creates live endpoints only).
 */
import type { FintocClient, WebhookEndpoint } from '../fintoc/index.js';
import { FINTOC_API_URL, FintocError, createFintocClient, keyKind, keyMode } from '../fintoc/index.js';
import { GoliveError } from './errors.js';

/** Where the service takes Fintoc's webhooks, under its public URL. */
export const WEBHOOK_PATH = '/webhooks/fintoc';

/** @example webhookUrlFor('https://pagos.tienda.cl/'); // 'https://pagos.tienda.cl/webhooks/fintoc' */
export function webhookUrlFor(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${WEBHOOK_PATH}`;
}

/** A URL in the form endpoints are compared by (origin and path, no trailing slash). */
export function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      return new URL(u).href.replace(/\/+$/, '');
    } catch {
      return u;
    }
  };
  return norm(a) === norm(b);
}

/**
 * Checks an endpoint URL before Fintoc sees it: absolute http(s), and https in live mode.
 *
 * @example
 * checkEndpointUrl('http://tienda.cl/webhooks/fintoc', 'live'); // throws GoliveError insecure_webhook_url
 */
export function checkEndpointUrl(url: string, mode: 'test' | 'live'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GoliveError(
      'invalid_webhook_url',
      `${JSON.stringify(url.slice(0, 200))} is not an absolute URL.`,
    );
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new GoliveError('invalid_webhook_url', `${u.protocol} URLs cannot take webhooks; use https://.`);
  }
  if (u.username || u.password) {
    throw new GoliveError(
      'invalid_webhook_url',
      'the URL holds a user name or password; give it without them.',
    );
  }
  if (mode === 'live' && u.protocol !== 'https:') {
    throw new GoliveError(
      'insecure_webhook_url',
      `${u.href} is http://; Fintoc delivers live events only to https:// endpoints.`,
    );
  }
  return u.href;
}

/** An endpoint as the commands show it: never a secret. */
export interface EndpointView {
  id: string;
  mode: 'test' | 'live';
  url: string;
  status: 'enabled' | 'disabled';
  enabled_events: string[];
  created_at: string;
}

export function endpointView(e: WebhookEndpoint): EndpointView {
  return {
    id: e.id,
    mode: e.mode,
    url: e.url,
    status: e.status,
    enabled_events: e.enabled_events,
    created_at: e.created_at,
  };
}

/** The required events an endpoint does not send (`*` sends all). */
export function missingEvents(
  endpoint: { enabled_events: readonly string[] },
  required: readonly string[],
): string[] {
  if (endpoint.enabled_events.includes('*')) return [];
  return required.filter((t) => !endpoint.enabled_events.includes(t));
}

async function fintoc<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof FintocError) {
      throw new GoliveError(
        'fintoc_request_failed',
        `${what}: Fintoc answered ${err.code ?? 'an error'}: ${err.message}`,
      );
    }
    throw err;
  }
}

/** Every endpoint of the key's organisation and mode. */
export async function listEndpoints(client: FintocClient): Promise<WebhookEndpoint[]> {
  return fintoc('listing webhook endpoints', async () => {
    const all: WebhookEndpoint[] = [];
    for await (const e of client.webhookEndpoints.list()) all.push(e);
    return all;
  });
}

/** Newest first (by `created_at`, then by Fintoc's order). */
function newestFirst(endpoints: WebhookEndpoint[]): WebhookEndpoint[] {
  return endpoints
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.created_at.localeCompare(a.e.created_at) || b.i - a.i)
    .map(({ e }) => e);
}

export interface SetupResult {
  endpoint: EndpointView;
  created: boolean;
  /** What was changed on a reused endpoint (`enabled`, `added events …`). */
  changes: string[];
  /** Only when the endpoint was created now: Fintoc shows it once. */
  secret: string | null;
  /** Other endpoints at the same URL (a rotation in progress). */
  others: EndpointView[];
}

/**
 * Makes sure one endpoint at `url` is enabled and sends `events`: reuses the newest one there
 * (enabling it and adding missing events, keeping any extra ones), or creates it. Run twice, one
 * endpoint. Refuses http:// in live mode.
 *
 * @example
 * const r = await setupEndpoint(client, { url: 'https://pagos.tienda.cl/webhooks/fintoc', events: serviceWebhookEvents() });
 * if (r.secret) console.log(r.secret); // shown once
 */
export async function setupEndpoint(
  client: FintocClient,
  opts: { url: string; events: readonly string[] },
): Promise<SetupResult> {
  const url = checkEndpointUrl(opts.url, client.mode);
  const all = await listEndpoints(client);
  const here = newestFirst(all.filter((e) => sameUrl(e.url, url)));
  const primary = here.find((e) => e.status === 'enabled') ?? here[0];
  if (!primary) {
    const created = await fintoc('creating the webhook endpoint', () =>
      client.webhookEndpoints.create({
        url,
        enabled_events: [...opts.events],
        description: 'Pasarela payments service (pasarela webhooks setup)',
      }),
    );
    return {
      endpoint: endpointView(created),
      created: true,
      changes: [],
      secret: created.secret,
      others: [],
    };
  }
  const changes: string[] = [];
  const patch: { disabled?: boolean; enabled_events?: string[] } = {};
  if (primary.status !== 'enabled') {
    patch.disabled = false;
    changes.push('enabled it');
  }
  const missing = missingEvents(primary, opts.events);
  if (missing.length > 0) {
    patch.enabled_events = [...primary.enabled_events, ...missing];
    changes.push(`added ${missing.join(', ')}`);
  }
  const endpoint =
    changes.length > 0
      ? await fintoc('updating the webhook endpoint', () => client.webhookEndpoints.update(primary.id, patch))
      : primary;
  return {
    endpoint: endpointView(endpoint),
    created: false,
    changes,
    secret: null,
    others: here.filter((e) => e.id !== primary.id).map(endpointView),
  };
}

/**
 * Step 1 of a rotation: a second endpoint at the same URL with the same events and a new secret.
 * Until step 3 Fintoc sends every event to both; the service, given both secrets, keeps each once.
 */
export async function startRotation(
  client: FintocClient,
  opts: { url: string; events: readonly string[] },
): Promise<{ endpoint: EndpointView; secret: string | null; previous: EndpointView[] }> {
  const url = checkEndpointUrl(opts.url, client.mode);
  const here = newestFirst((await listEndpoints(client)).filter((e) => sameUrl(e.url, url)));
  if (here.length === 0) {
    throw new GoliveError('no_endpoint_to_rotate', `There is no ${client.mode} webhook endpoint at ${url}.`);
  }
  const events = new Set<string>(opts.events);
  for (const e of here) if (e.status === 'enabled') for (const t of e.enabled_events) events.add(t);
  const created = await fintoc('creating the new webhook endpoint', () =>
    client.webhookEndpoints.create({
      url,
      enabled_events: [...events],
      description: 'Pasarela payments service (pasarela webhooks rotate)',
    }),
  );
  return { endpoint: endpointView(created), secret: created.secret, previous: here.map(endpointView) };
}

/**
 * Step 3 of a rotation: deletes every other endpoint at the URL, keeping `keep` (default: the newest,
 * which `rotate` created). Refuses when the newest cannot be told apart (same second) without `keep`.
 */
export async function finishRotation(
  client: FintocClient,
  opts: { url: string; keep?: string },
): Promise<{ kept: EndpointView; deleted: EndpointView[] }> {
  const url = checkEndpointUrl(opts.url, client.mode);
  const here = newestFirst((await listEndpoints(client)).filter((e) => sameUrl(e.url, url)));
  if (here.length < 2) {
    throw new GoliveError(
      'rotation_not_started',
      `Only ${here.length} ${client.mode} endpoint is at ${url}.`,
    );
  }
  let kept: WebhookEndpoint | undefined;
  if (opts.keep !== undefined) {
    kept = here.find((e) => e.id === opts.keep);
    if (!kept) {
      throw new GoliveError(
        'invalid_option',
        `--keep ${opts.keep} is not one of the endpoints at ${url}: ${here.map((e) => e.id).join(', ')}.`,
      );
    }
  } else {
    if (here[0]!.created_at === here[1]!.created_at) {
      throw new GoliveError(
        'invalid_option',
        `${here[0]!.id} and ${here[1]!.id} were created in the same second; say which to keep with --keep <id> (the one rotate printed).`,
      );
    }
    kept = here[0]!;
  }
  const deleted: EndpointView[] = [];
  for (const e of here) {
    if (e.id === kept.id) continue;
    await fintoc(`deleting ${e.id}`, () => client.webhookEndpoints.delete(e.id));
    deleted.push(endpointView(e));
  }
  return { kept: endpointView(kept), deleted };
}

/**
 * The Fintoc client the go-live commands use, from the service's configuration: FINTOC_SECRET_KEY
 * and FINTOC_API_URL. A live key is never sent to another URL than Fintoc's unless
 * FINTOC_ALLOW_UNOFFICIAL_API_URL=1 says it is a proxy (the rule `pasarela serve` follows).
 */
export function clientFromEnv(
  env: Record<string, string | undefined>,
  fetchImpl?: typeof fetch,
): FintocClient {
  const key = env.FINTOC_SECRET_KEY?.trim() ?? '';
  if (key === '' || keyKind(key) !== 'secret') {
    throw new GoliveError(
      'missing_secret_key',
      key === ''
        ? 'FINTOC_SECRET_KEY is not set.'
        : 'FINTOC_SECRET_KEY is not a secret key (sk_test_… or sk_live_…).',
    );
  }
  const raw = env.FINTOC_API_URL?.trim() || FINTOC_API_URL;
  let origin: string;
  try {
    const u = new URL(raw);
    origin = `${u.origin}${u.pathname}`.replace(/\/+$/, '').replace(/\/v1$/, '');
  } catch {
    throw new GoliveError(
      'invalid_option',
      'FINTOC_API_URL is not a URL; unset it to use https://api.fintoc.com.',
    );
  }
  if (
    keyMode(key) === 'live' &&
    origin !== FINTOC_API_URL &&
    env.FINTOC_ALLOW_UNOFFICIAL_API_URL?.trim() !== '1'
  ) {
    throw new GoliveError(
      'invalid_option',
      `FINTOC_API_URL points at ${new URL(origin).origin}, not ${FINTOC_API_URL}: the live secret key is not sent there (set FINTOC_ALLOW_UNOFFICIAL_API_URL=1 if it is a proxy to Fintoc).`,
    );
  }
  return createFintocClient({
    secretKey: key,
    baseUrl: origin,
    maxRetries: 2,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}
