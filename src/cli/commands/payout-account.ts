import { Command } from 'commander';

/** Flags, one per field, in the order `payout-account --help` lists them. */
const FIELD_FLAGS: Array<[flag: string, field: string, help: string]> = [
  ['--company-name <name>', 'company_name', 'company name, razón social (MX required, CL optional)'],
  ['--bank <bank>', 'bank', 'bank: Fintoc id or name (CL), CLABE code or name (MX)'],
  [
    '--account-type <type>',
    'account_type',
    'CL: cuenta_corriente, cuenta_vista (vista/RUT) or cuenta_ahorro',
  ],
  ['--account-number <digits>', 'account_number', 'CL: account number'],
  ['--rut <rut>', 'rut', "CL: the company's RUT (dots and dash optional, K either case)"],
  ['--rfc <rfc>', 'rfc', "MX: the company's RFC (12 characters; 13 for a persona física)"],
  ['--clabe <clabe>', 'clabe', "MX, optional: the account's 18-digit CLABE"],
  ['--email <email>', 'notifications_email', 'notifications e-mail'],
  ['--street <street>', 'street', 'MX address: street'],
  ['--number <number>', 'number', 'MX address: exterior number'],
  ['--interior <interior>', 'interior', 'MX address, optional: interior number'],
  ['--colonia <colonia>', 'colonia', 'MX address: colonia'],
  ['--city <city>', 'city', 'MX address: city or municipality'],
  ['--state <state>', 'state', 'MX address: state'],
  ['--postal-code <cp>', 'postal_code', 'MX address: 5-digit postal code'],
  [
    '--account-executive <email>',
    'account_executive_email',
    "your Account Executive's e-mail (the e-mail is addressed to it)",
  ],
];

/** The key commander gives a flag's value: `--account-executive <email>` → `accountExecutive`. */
function attributeOf(flag: string): string {
  return flag
    .split(' ')[0]!
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * `pasarela payout-account`: the payout account details for Fintoc Collects, checked (RUT, RFC,
 * CLABE, e-mail, address), written to payout-account.json and payout-account.eml, and the e-mail
 * to the Account Executive printed. Asks on a terminal; from flags or --from for scripts.
 */
export function payoutAccountCommand(): Command {
  const cmd = new Command('payout-account')
    .description(
      'Check the payout account details Fintoc Collects needs and write the e-mail for your Account Executive.',
    )
    .option('--country <cl|mx>', 'country of the account (default: PASARELA_COUNTRY, else cl)')
    .option('--from <file>', 'read the fields from a JSON file (flags win over it)')
    .option('--out <dir>', 'folder for payout-account.json and payout-account.eml', '.')
    .option(
      '--no-input',
      'never ask: fail naming the missing or invalid fields (the default when not on a terminal)',
    )
    .option('--json', 'print {files, account, email} as JSON (never asks)');
  for (const [flag, , help] of FIELD_FLAGS) cmd.option(flag, help);
  return cmd.action(async (opts: Record<string, string | boolean | undefined>) => {
    const { serviceEnvironment, reportGoliveError } = await import('./golive-shared.js');
    const golive = await import('../../golive/index.js');
    const { readFileSync, statSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const json = opts.json === true;
    try {
      let fromFile: ReturnType<typeof golive.payoutInputFromJson> | null = null;
      if (typeof opts.from === 'string') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(readFileSync(opts.from, 'utf8'));
        } catch (err) {
          const why = (err as NodeJS.ErrnoException).code ?? 'not JSON';
          throw new golive.GoliveError('invalid_input_file', `cannot read ${opts.from} as JSON (${why}).`);
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new golive.GoliveError('invalid_input_file', `${opts.from} must hold a JSON object.`);
        }
        fromFile = golive.payoutInputFromJson(parsed as Record<string, unknown>);
        if (fromFile.unknown.length > 0 || fromFile.notText.length > 0) {
          const parts = [
            ...(fromFile.unknown.length ? [`unknown keys ${fromFile.unknown.join(', ')}`] : []),
            ...(fromFile.notText.length ? [`keys that are not text: ${fromFile.notText.join(', ')}`] : []),
          ];
          throw new golive.GoliveError('invalid_input_file', `${opts.from} has ${parts.join('; ')}.`);
        }
      }
      const env = await serviceEnvironment();
      const countryText = String(
        opts.country ?? fromFile?.country ?? env.PASARELA_COUNTRY?.trim() ?? 'cl',
      ).toLowerCase();
      if (countryText !== 'cl' && countryText !== 'mx') {
        throw new golive.GoliveError(
          'invalid_option',
          `--country must be cl or mx, got "${countryText.slice(0, 20)}".`,
        );
      }
      const country = countryText as 'cl' | 'mx';
      const given: Record<string, string> = { ...(fromFile?.input ?? {}) };
      for (const [flag, field] of FIELD_FLAGS) {
        const v = opts[attributeOf(flag)];
        if (typeof v === 'string') given[field] = v;
      }
      const outDir = resolve(String(opts.out ?? '.'));
      try {
        if (!statSync(outDir).isDirectory()) throw new Error('not a folder');
      } catch {
        throw new golive.GoliveError('invalid_option', `--out ${outDir} is not an existing folder.`);
      }
      const interactive =
        !json && opts.input !== false && process.stdin.isTTY === true && process.stdout.isTTY === true;
      const result = interactive
        ? await golive.askPayoutAccount(country, given, golive.inquirerPrompter())
        : golive.buildPayoutAccount(country, given);
      if (!result.ok) {
        const flagOf = (f: string) => FIELD_FLAGS.find(([, field]) => field === f)?.[0].split(' ')[0] ?? f;
        if (result.unexpected.length > 0) {
          throw new golive.GoliveError(
            'invalid_fields',
            `${result.unexpected.map(flagOf).join(', ')} ${result.unexpected.length > 1 ? 'are' : 'is'} not asked for ${country === 'cl' ? 'Chile' : 'Mexico'}; check --country.`,
            { unexpected: result.unexpected },
          );
        }
        if (result.invalid.length > 0) {
          throw new golive.GoliveError(
            'invalid_fields',
            `nothing was written; ${result.invalid.map((i) => `${i.flag}: ${i.reason}`).join('; ')}${result.missing.length ? `; missing: ${result.missing.map((m) => m.flag).join(', ')}` : ''}.`,
            { invalid: result.invalid, missing: result.missing },
          );
        }
        throw new golive.GoliveError(
          'missing_fields',
          `nothing was written; missing for ${country === 'cl' ? 'Chile' : 'Mexico'}: ${result.missing.map((m) => m.flag).join(', ')}${process.stdin.isTTY ? '' : ' (not on a terminal, so nothing was asked)'}.`,
          { missing: result.missing },
        );
      }
      const files = golive.writePayoutAccountFiles(outDir, result.account);
      const email = golive.payoutEmail(result.account);
      if (json) {
        process.stdout.write(`${JSON.stringify({ files, account: result.account, email })}\n`);
        return;
      }
      process.stdout.write(
        [
          `Wrote ${files.json} and ${files.eml}.`,
          `Send this e-mail to your Account Executive${email.to ? '' : ' (add their address: --account-executive)'}; open payout-account.eml in your mail client to send it as is:`,
          '',
          ...(email.to ? [`To: ${email.to}`] : []),
          `Subject: ${email.subject}`,
          '',
          email.body,
        ].join('\n'),
      );
    } catch (err) {
      const e = err as { name?: string };
      if (e?.name === 'ExitPromptError') {
        process.stderr.write('pasarela payout-account: stopped; nothing was written.\n');
        process.exitCode = 130;
        return;
      }
      process.exitCode = reportGoliveError('payout-account', err, json);
    }
  });
}
