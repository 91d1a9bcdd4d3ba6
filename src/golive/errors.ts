/**
 * Every error `src/golive` raises, in one catalogue: a stable code and how to fix it. docs/going-live.md
 * lists the same codes (a test keeps them in step). `check` items are not errors: they are verdicts,
 * each with its own fix (see {@link CHECK_ITEMS}).
 */
export const GOLIVE_ERRORS = {
  missing_fields: {
    fix: 'Give every field the message names, as flags or in the --from JSON file (or run the command on a terminal to be asked).',
  },
  invalid_fields: {
    fix: 'Correct each field the message names; the reason after it says what is accepted.',
  },
  invalid_input_file: {
    fix: 'Give --from a JSON object whose keys are the field names (see docs/going-live.md), e.g. {"rut": "76.354.771-K"}.',
  },
  invalid_option: {
    fix: 'See the message for the option and the values it accepts (pasarela <command> --help).',
  },
  missing_secret_key: {
    fix: 'Set FINTOC_SECRET_KEY (in the environment or .env) to the secret key of the mode you set up: sk_live_… for live.',
  },
  missing_public_url: {
    fix: 'Set PASARELA_PUBLIC_URL to the https address where Fintoc and customers reach the service, or pass --url.',
  },
  insecure_webhook_url: {
    fix: 'Live webhook endpoints must use https://: put the service behind TLS and use its https address.',
  },
  invalid_webhook_url: {
    fix: 'Give an absolute URL such as https://pagos.tienda.cl/webhooks/fintoc.',
  },
  fintoc_request_failed: {
    fix: 'See the message for what Fintoc answered; check the secret key, FINTOC_API_URL and the network.',
  },
  no_endpoint_to_rotate: {
    fix: 'There is no endpoint at that URL to rotate: run pasarela webhooks setup first.',
  },
  rotation_not_started: {
    fix: 'Only one endpoint is at that URL, so there is nothing to finish: run pasarela webhooks rotate first.',
  },
  env_file_unwritable: {
    fix: 'Check the path given to --write-env: its folder must exist and be writable by you.',
  },
} as const satisfies Record<string, { fix: string }>;

export type GoliveErrorCode = keyof typeof GOLIVE_ERRORS;

/**
 * An error of a go-live command: a stable `code`, a message that names what is wrong, and the fix.
 *
 * @example
 * throw new GoliveError('insecure_webhook_url', 'http://shop.cl/webhooks/fintoc is not https.');
 */
export class GoliveError extends Error {
  readonly fix: string;
  constructor(
    readonly code: GoliveErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GoliveError';
    this.fix = GOLIVE_ERRORS[code].fix;
  }
}
