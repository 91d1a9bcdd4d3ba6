/**
 * Every error `pasarela certify` stops with, in one catalogue: what it means, how to fix it, and the
 * exit code. A certification that runs to the end never throws: failed scenarios are its result.
 * docs/certify.md lists the same codes (a test keeps them in step).
 */
export const CERTIFY_ERRORS = {
  config_unreadable: {
    exit: 2,
    fix: 'Check the path given to --config: the file must exist and be readable.',
  },
  config_invalid: {
    exit: 2,
    fix: 'Fix the field named in the message; docs/certify.md lists every field of certify.json.',
  },
  live_key_refused: {
    exit: 2,
    fix: 'Certification runs in test mode: give the test secret key (sk_test_…), never the live one.',
  },
  fintoc_unreachable: {
    exit: 3,
    fix: 'Start the sandbox (or let certify start it: "sandbox": {"start": true}) and check its URL.',
  },
  fintoc_auth_failed: {
    exit: 3,
    fix: "Give the secret key of the organisation the shop uses (the sandbox's or Fintoc's sk_test_…).",
  },
  shop_unreachable: {
    exit: 3,
    fix: 'Start the shop (or give shop.command so certify starts it) and check shop.url.',
  },
  shop_command_failed: {
    exit: 3,
    fix: 'The shop command exited or never answered shop.ready; run it by hand to see why.',
  },
  chromium_missing: {
    exit: 3,
    fix: 'Install Chromium (apt-get install chromium) or set CHROMIUM_PATH to its binary.',
  },
  test_clock_unavailable: {
    exit: 3,
    fix: 'The bundled service or the sandbox refused to move its test clock; both must hold a test key.',
  },
  report_write_failed: {
    exit: 3,
    fix: 'Choose a folder certify can write with --out.',
  },
} as const;

export type CertifyErrorCode = keyof typeof CERTIFY_ERRORS;

/**
 * An error that stops a certification before it has a result.
 *
 * @example
 * throw new CertifyError('config_invalid', 'start.page must be a path such as "/checkout".');
 */
export class CertifyError extends Error {
  readonly exitCode: number;
  readonly fix: string;
  constructor(
    readonly code: CertifyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CertifyError';
    this.exitCode = CERTIFY_ERRORS[code].exit;
    this.fix = CERTIFY_ERRORS[code].fix;
  }
}
