import fc from 'fast-check';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PAYOUT_FIELDS,
  buildPayoutAccount,
  checkPayoutAccountRecord,
  payoutEml,
  payoutInputFromJson,
  writePayoutAccountFiles,
  type PayoutAccountInput,
} from './payout-account.js';
import { askPayoutAccount, inquirerPrompter } from './payout-prompts.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pasarela-payout-'));
  dirs.push(d);
  return d;
};

const CHILE: PayoutAccountInput = {
  bank: 'Banco de Chile - Edwards - Citi',
  account_type: 'Cuenta Corriente',
  account_number: '00-123-45678-9',
  rut: '76354771k',
  notifications_email: 'pagos@tienda.cl',
  account_executive_email: 'ejecutiva@fintoc.com',
};
const MEXICO: PayoutAccountInput = {
  company_name: 'Tienda Ñandú, S.A. de C.V.',
  bank: 'BBVA México',
  rfc: 'SAT970701NN3',
  clabe: '012180001234567899',
  notifications_email: 'pagos@tienda.mx',
  street: 'Avenida Paseo de la Reforma',
  number: '222',
  interior: 'Piso 3',
  colonia: 'Juárez',
  city: 'Cuauhtémoc',
  state: 'cdmx',
  postal_code: '06600',
};

describe('payout account', () => {
  it('builds a Chilean record with every field normalised', () => {
    const r = buildPayoutAccount('cl', CHILE);
    expect(r).toEqual({
      ok: true,
      account: {
        schema: 'pasarela.payout-account/v1',
        country: 'cl',
        company_name: null,
        bank: { id: 'cl_banco_de_chile', name: 'Banco de Chile - Edwards - Citi' },
        account_type: 'cuenta_corriente',
        account_number: '00123456789',
        rut: '76.354.771-K',
        notifications_email: 'pagos@tienda.cl',
        account_executive_email: 'ejecutiva@fintoc.com',
      },
    });
  });

  it('builds a Mexican record; the CLABE must be of the chosen bank', () => {
    const r = buildPayoutAccount('mx', MEXICO);
    expect(r.ok && r.account.country === 'mx' && r.account).toMatchObject({
      bank: { code: '012', name: 'BBVA México' },
      address: { state: 'Ciudad de México', postal_code: '06600', interior: 'Piso 3' },
      clabe: '012180001234567899',
    });
    const other = buildPayoutAccount('mx', { ...MEXICO, bank: 'Banorte' });
    expect(other).toMatchObject({
      ok: false,
      invalid: [{ field: 'clabe', reason: expect.stringMatching(/bank code 012.*072/) }],
    });
    expect(buildPayoutAccount('mx', { ...MEXICO, clabe: undefined }).ok).toBe(true);
  });

  it('names every missing field by flag, every invalid one with its reason, and fields of the other country', () => {
    expect(buildPayoutAccount('cl', {})).toMatchObject({
      ok: false,
      missing: ['--bank', '--account-type', '--account-number', '--rut', '--email'].map((flag) => ({ flag })),
    });
    const bad = buildPayoutAccount('cl', { ...CHILE, rut: '76.354.771-1', notifications_email: 'pagos@' });
    expect(bad).toMatchObject({
      ok: false,
      invalid: [
        { flag: '--rut', reason: expect.stringMatching(/check digit/) },
        { flag: '--email', reason: expect.stringMatching(/not an e-mail/) },
      ],
    });
    expect(buildPayoutAccount('cl', { ...CHILE, rfc: 'SAT970701NN3' })).toMatchObject({
      ok: false,
      unexpected: ['rfc'],
    });
    expect(buildPayoutAccount('mx', { ...MEXICO, postal_code: '6600' })).toMatchObject({
      invalid: [{ field: 'postal_code' }],
    });
  });

  it('reads a saved record back through the same checks, refusing one edited wrong or for the other country', () => {
    const r = buildPayoutAccount('mx', MEXICO);
    if (!r.ok) throw new Error('expected ok');
    const saved = JSON.parse(JSON.stringify(r.account)) as Record<string, unknown>;
    expect(checkPayoutAccountRecord(saved, 'mx')).toEqual(r);
    expect(checkPayoutAccountRecord(saved, 'cl')).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/country "mx"/)],
    });
    expect(checkPayoutAccountRecord({ ...saved, rfc: 'SAT970701NN4' }, 'mx')).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/RFC: the check digit/)],
    });
    expect(checkPayoutAccountRecord({ ...saved, schema: 'x' }, 'mx').ok).toBe(false);
    expect(payoutInputFromJson(saved).unknown).toEqual([]);
    expect(payoutInputFromJson({ rutt: '1' }).unknown).toEqual(['rutt']);
  });

  it('writes both files atomically, 0600, the .eml a draft in Spanish addressed to the Account Executive', () => {
    const dir = tempDir();
    const r = buildPayoutAccount('cl', CHILE);
    if (!r.ok) throw new Error('expected ok');
    const files = writePayoutAccountFiles(dir, r.account);
    expect(readdirSync(dir).sort()).toEqual(['payout-account.eml', 'payout-account.json']);
    expect(statSync(files.json).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(files.json, 'utf8'))).toEqual(r.account);
    const eml = readFileSync(files.eml, 'utf8');
    const cut = eml.indexOf('\r\n\r\n');
    const head = eml.slice(0, cut);
    const body = eml.slice(cut + 4);
    expect(head.split('\r\n')).toEqual([
      'To: ejecutiva@fintoc.com',
      'Subject: Cuenta para los payouts de Fintoc: RUT 76.354.771-K',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: 8bit',
      'X-Unsent: 1',
    ]);
    expect(body).toContain(
      '- Tipo de cuenta: Cuenta corriente\r\n- Número de cuenta: 00123456789\r\n- RUT: 76.354.771-K',
    );
  });

  it('survives hostile input: never throws, and whatever it accepts makes a clean e-mail and a record that reads back', () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.constantFrom(
        '',
        ' ',
        '\r\nBcc: x@y.z',
        'a@b.cl\r\nX: 1',
        '76.354.771-K',
        'pagos@tienda.cl',
        '06600',
        'Jalisco',
      ),
    );
    const input = fc.record(
      Object.fromEntries(PAYOUT_FIELDS.map((f) => [f, value])) as Record<string, fc.Arbitrary<string>>,
      {
        requiredKeys: [],
      },
    );
    fc.assert(
      fc.property(
        fc.constantFrom('cl' as const, 'mx' as const),
        input,
        fc.constantFrom(CHILE, MEXICO),
        (country, hostile, base) => {
          const r = buildPayoutAccount(country, { ...base, ...hostile });
          if (!r.ok) return;
          const eml = payoutEml(r.account);
          const head = eml.split('\r\n\r\n')[0]!;
          expect(
            head
              .split('\r\n')
              .every((l) =>
                /^(To|Subject|MIME-Version|Content-Type|Content-Transfer-Encoding|X-Unsent): /.test(l),
              ),
          ).toBe(true);
          expect(/[\r\n]/.test(eml.split('\r\n\r\n').slice(1).join('').replace(/\r\n/g, ''))).toBe(false);
          expect(checkPayoutAccountRecord(JSON.parse(JSON.stringify(r.account)), country)).toEqual(r);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('payout account on a terminal', () => {
  it('asks for each missing field, says why a wrong one is refused and asks again', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    // Inquirer ends its output after each prompt; a terminal (stdout) ignores that, so this one does too.
    output.end = (() => output) as typeof output.end;
    let shown = '';
    output.on('data', (d: Buffer) => (shown += d.toString()));
    const prompter = inquirerPrompter({ input, output });
    const answers = ['76.354.771-1', '76.354.771-K', 'pagos@tienda.cl', ''];
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 10_000;
      while (!shown.includes(text)) {
        if (Date.now() > deadline) throw new Error(`prompt "${text}" never shown; output: ${shown}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const run = askPayoutAccount(
      'cl',
      { bank: 'banco estado', account_type: 'vista', account_number: '1234567' },
      prompter,
    );
    await waitFor('Company name');
    input.write('\r');
    await waitFor("Company's RUT");
    input.write(`${answers[0]}\r`);
    await waitFor('the check digit does not match');
    input.write('\u0015'); // clear the line (Ctrl-U) before typing the corrected RUT
    input.write(`${answers[1]}\r`);
    await waitFor('Notifications e-mail');
    input.write(`${answers[2]}\r`);
    await waitFor("Account Executive's e-mail");
    input.write('\r');
    const r = await run;
    expect(r).toMatchObject({
      ok: true,
      account: { rut: '76.354.771-K', notifications_email: 'pagos@tienda.cl', company_name: null },
    });
  }, 30_000);
});
