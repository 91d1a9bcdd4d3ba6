import { Command, Option } from 'commander';

/** Options of `pasarela certify`, as commander parses them. */
export interface CertifyFlags {
  config?: string;
  country?: 'cl' | 'mx';
  out: string;
  json?: boolean;
  strict?: boolean;
  abandonAfter?: string;
  tolerance?: string;
  concurrency: string;
  shopUrl?: string;
  startPage?: string;
  startButton?: string;
  startHttp?: string;
  payButton?: string;
  success?: string;
  retry?: string;
  rejected?: string;
  verdictJson?: string;
  verdictField?: string;
  verdictPage?: string;
  verdictSelector?: string;
  paid?: string;
  notPaid?: string;
  sandboxUrl?: string;
  startSandbox?: boolean;
  secretKey?: string;
  fintocUrl?: string;
  amount?: string;
  merchantName?: string;
}

/**
 * `pasarela certify`: Fintoc's certification tests in Chromium. Without `--config` (or shop flags)
 * it certifies Pasarela's bundled service on a throw-away database, proving the 10-minute rule on
 * test clocks; with them, any shop. Writes report.json, report.md and report.html.
 */
export function certifyCommand(): Command {
  return new Command('certify')
    .description(
      "Run Fintoc's certification tests in a real browser against the bundled service (default) or any shop (--config); writes a report.",
    )
    .option('-c, --config <file>', 'certify.json describing a shop to certify (see docs/certify.md)')
    .addOption(new Option('--country <country>', 'the country certified').choices(['cl', 'mx']))
    .option('-o, --out <dir>', 'where report.json, report.md and report.html go', './certify-report')
    .option('--json', 'print report.json on stdout (progress stays on stderr)')
    .option('--strict', 'require the hardening scenarios too')
    .option(
      '--abandon-after <duration>',
      "the shop's abandonment timeout (default 10m); shorter makes a rehearsal, not a certification",
    )
    .option('--tolerance <duration>', 'how late after the timeout the shop may expire an intent (default 1m)')
    .option('--concurrency <n>', 'browser journeys at once', '3')
    .option('--shop-url <url>', "a shop without a config file: the shop's base URL")
    .option('--start-page <path>', 'the page that starts a payment ({order_id} is replaced)')
    .option('--start-button <selector>', 'the button on that page that leads to the checkout')
    .option('--start-http <path>', 'or: a POST that answers {"checkout_url": …}')
    .option('--pay-button <selector>', "Fintoc's button on the checkout (default: the approved copy)")
    .option('--success <selector>', 'what the checkout shows after a success')
    .option('--retry <selector>', 'what the checkout shows after the customer leaves')
    .option('--rejected <selector>', 'what the checkout shows after a rejection')
    .option('--verdict-json <path>', "the shop's verdict as JSON ({order_id}, {payment_intent_id} …)")
    .option('--verdict-field <field>', 'the field of that JSON', 'status')
    .option('--verdict-page <path>', "or: a page showing the shop's verdict")
    .option('--verdict-selector <selector>', 'the element of that page')
    .option('--paid <values>', 'comma-separated verdict values meaning paid', 'paid')
    .option('--not-paid <values>', 'comma-separated values meaning not paid', 'canceled,failed,expired')
    .option('--sandbox-url <url>', 'a running sandbox the shop uses')
    .option('--start-sandbox', 'start a sandbox for the shop (port 4010)')
    .option('--secret-key <key>', 'the test secret key the shop uses (default: $FINTOC_SECRET_KEY)')
    .option('--fintoc-url <url>', "certify against Fintoc's test mode at this URL instead of a sandbox")
    .option(
      '--amount <n>',
      'what the test payment charges, in minor units (checked on the page and the intent)',
    )
    .option('--merchant-name <name>', 'the name the checkout must show')
    .addHelpText(
      'after',
      '\nExit codes: 0 every required scenario passed; 1 a required scenario did not pass; 2 bad options or config; 3 could not run (sandbox, shop or Chromium missing).',
    )
    .action(async (flags: CertifyFlags) => {
      const { runCertifyCommand } = await import('../certify-run.js');
      process.exitCode = await runCertifyCommand(flags);
    });
}
