/**
 * Every error `src/fintoc` raises itself, in one catalogue: a stable code, what it means and how
 * to fix it. Errors that Fintoc returns keep Fintoc's own `code`; see {@link FINTOC_ERROR_TYPE_FIXES}.
 *
 * @example
 * FINTOC_ERRORS.body_not_raw.fix; // 'Pass the raw request body …'
 */
export const FINTOC_ERRORS = {
  // Webhook signatures
  missing_header: {
    summary: 'The request has no Fintoc-Signature header.',
    fix: 'Read the header named "Fintoc-Signature" from the incoming request; requests without it are not from Fintoc.',
  },
  malformed_header: {
    summary: 'The Fintoc-Signature header is not of the form "t=<unix seconds>,v1=<hex>".',
    fix: 'Pass the header value exactly as received, e.g. "t=1743890251,v1=11b98d…".',
  },
  timestamp_too_old: {
    summary: 'The signature timestamp is older than the tolerance allows.',
    fix: 'Check the server clock (NTP); a replayed old webhook is rejected on purpose.',
  },
  timestamp_in_future: {
    summary: 'The signature timestamp is further in the future than the tolerance allows.',
    fix: 'Check the server clock (NTP) of this machine.',
  },
  no_matching_signature: {
    summary: 'No v1 signature in the header matches the body with any configured secret.',
    fix: "Use the endpoint's own whsec_… secret (test and live endpoints differ) and pass the raw request body, byte for byte, not a re-serialized object.",
  },
  missing_secret: {
    summary: 'No webhook secret was given.',
    fix: 'Pass the whsec_… secret of the webhook endpoint (shown when the endpoint is created); several during a rotation.',
  },
  body_not_raw: {
    summary: 'The body given is not the raw request body.',
    fix: 'Pass the raw request body (a string or Buffer), e.g. express.raw({ type: "application/json" }) or a Fastify content-type parser with parseAs: "buffer".',
  },
  invalid_payload: {
    summary: 'The signed body is not a valid Fintoc event.',
    fix: 'The signature matched, so the sender holds the secret: check the endpoint is a Fintoc endpoint and its API version.',
  },
  invalid_event: {
    summary: 'The JSON is not a Fintoc event, or a known event type does not carry its documented object.',
    fix: 'Pass the parsed JSON of a Fintoc webhook body ({id, type, data, …}); check the API version of the endpoint.',
  },
  // Keys
  invalid_secret_key: {
    summary: 'The secret key is not of the form sk_test_… or sk_live_….',
    fix: 'Copy the secret key from the Fintoc Dashboard (API keys).',
  },
  invalid_public_key: {
    summary: 'The public key is not of the form pk_test_… or pk_live_….',
    fix: 'Copy the public key from the Fintoc Dashboard (API keys).',
  },
  mode_mismatch: {
    summary: 'The secret and public key belong to different modes (test vs live).',
    fix: 'Use the secret and public key of the same mode.',
  },
  // Client
  invalid_client_option: {
    summary: 'An option given to createFintocClient is invalid.',
    fix: 'See the message for the option and the values it accepts.',
  },
  invalid_argument: {
    summary: 'An argument given to a client method is invalid (empty id, idempotency key too long …).',
    fix: 'See the message for the argument and the values it accepts.',
  },
  connection_error: {
    summary: 'The request did not reach Fintoc or its answer was lost (DNS, TCP, TLS).',
    fix: 'Check network access to the API URL; the request was retried with the same idempotency key.',
  },
  timeout: {
    summary: 'Fintoc did not answer within the per-request timeout.',
    fix: 'Raise timeoutMs if the network is slow; the request was retried with the same idempotency key.',
  },
  unparseable_error_body: {
    summary: 'Fintoc answered with an error whose body is not a Fintoc error envelope.',
    fix: 'Usually a proxy or load balancer answered instead of Fintoc: check the API URL and the status page; the raw body is on the error.',
  },
  invalid_response_body: {
    summary: 'Fintoc answered 2xx with a body that is not the expected object.',
    fix: 'Check the API URL points at Fintoc (or the sandbox) and the Fintoc-Version in use; the raw body is on the error.',
  },
  unsafe_next_link: {
    summary: "A list's Link header points to another origin; following it would send the secret key there.",
    fix: 'Check the API URL; Fintoc only links to its own origin.',
  },
} as const satisfies Record<string, { summary: string; fix: string }>;

export type FintocErrorCode = keyof typeof FINTOC_ERRORS;

/**
 * How to fix an error Fintoc returned, by its `error.type`.
 *
 * @example
 * FINTOC_ERROR_TYPE_FIXES.authentication_error;
 */
export const FINTOC_ERROR_TYPE_FIXES: Readonly<Record<string, string>> = {
  authentication_error:
    'Check the secret key: it must be the raw sk_test_…/sk_live_… key of the right mode, and not revoked.',
  invalid_request_error:
    'Fix the request as the message and param say; retrying the same request will not help.',
  api_error: "A problem on Fintoc's side; it was retried. Check https://status.fintoc.com and retry later.",
  institution_error: 'The bank is failing or unavailable; retry later or let the customer pick another bank.',
  link_error: 'The bank link (credentials) is broken; the customer must reconnect.',
  rate_limit: 'Too many requests: lower requestsPerSecond (Fintoc allows 100 per second per organisation).',
};
