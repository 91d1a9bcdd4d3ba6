/**
 * The simulated banks: institutions, test credentials and the accounts that decide the second factor.
 * Values follow the test mode Fintoc documents (test credentials and accounts); Mexico's
 * accounts are this sandbox's own, since Fintoc documents only the test phone number there.
 * Plain data and pure functions: the frame bundle and the Node side both import it.
 */

export type Country = 'cl' | 'mx';

export interface Institution {
  id: string;
  name: string;
}

export const INSTITUTIONS: Readonly<Record<Country, readonly Institution[]>> = {
  cl: [
    { id: 'cl_banco_de_chile', name: 'Banco de Chile' },
    { id: 'cl_banco_estado', name: 'BancoEstado' },
    { id: 'cl_banco_santander', name: 'Banco Santander' },
    { id: 'cl_banco_bci', name: 'Bci' },
  ],
  mx: [
    { id: 'mx_banamex', name: 'Citibanamex' },
    { id: 'mx_bbva', name: 'BBVA México' },
    { id: 'mx_banorte', name: 'Banorte' },
    { id: 'mx_stp', name: 'STP' },
  ],
};

/** Other ids a page may pass as `institutionId` for the same bank (Fintoc's docs spell Banamex both ways). */
const INSTITUTION_ALIASES: Readonly<Record<string, string>> = { mx_banco_banamex: 'mx_banamex' };

/** The institution an `institutionId` option pre-selects in that country, or null to show the list. */
export function findInstitution(country: Country, id: unknown): Institution | null {
  if (typeof id !== 'string') return null;
  const wanted = INSTITUTION_ALIASES[id] ?? id;
  return INSTITUTIONS[country].find((institution) => institution.id === wanted) ?? null;
}

/** The second factors of Fintoc's test accounts; each name matches its `<type>_authentication_required` event. */
export type SecondFactor = 'device' | 'app' | 'sms' | 'card';

export interface TestAccount {
  number: string;
  kind: string;
  secondFactor: SecondFactor;
  /** What the customer types: one entry per field (the coordinate card has three); empty for the app. */
  code: readonly string[];
}

export const ACCOUNTS: Readonly<Record<Country, readonly TestAccount[]>> = {
  cl: [
    { number: '813990168', kind: 'Cuenta Corriente', secondFactor: 'device', code: ['000000'] },
    { number: '422159212', kind: 'Cuenta Corriente', secondFactor: 'app', code: [] },
    { number: '5233137377', kind: 'Cuenta Vista', secondFactor: 'app', code: [] },
    { number: '170086177', kind: 'Cuenta Corriente', secondFactor: 'sms', code: ['0000'] },
    { number: '746326042', kind: 'Cuenta Corriente', secondFactor: 'card', code: ['00', '00', '00'] },
    { number: '4420245701', kind: 'Cuenta Vista', secondFactor: 'card', code: ['00', '00', '00'] },
  ],
  mx: [
    { number: '012180015555555555', kind: 'Cuenta de débito (CLABE)', secondFactor: 'app', code: [] },
    { number: '002180015555555551', kind: 'Cuenta de cheques (CLABE)', secondFactor: 'sms', code: ['0000'] },
  ],
};

/** Fintoc's documented test credentials. */
export const TEST_CREDENTIALS = {
  cl: { ruts: ['41614850-3', '40427672-7', '41579263-8'], password: 'jonsnow' },
  mx: { phone: '5555555555' },
} as const;

/** A RUT as `12345678-9`: dots, spaces and a missing dash forgiven, `k` upper-cased. */
export function normalizeRut(input: string): string {
  const compact = input.replace(/[.\s-]/g, '').toUpperCase();
  if (compact.length < 2) return compact;
  return `${compact.slice(0, -1)}-${compact.slice(-1)}`;
}

/** A Mexican phone as its ten national digits: spaces, dashes, parentheses and a +52 prefix forgiven. */
export function normalizePhone(input: string): string {
  const digits = input.replace(/[\s()+-]/g, '');
  return digits.length === 12 && digits.startsWith('52') ? digits.slice(2) : digits;
}

/** Whether the login the customer typed is one of the test credentials of that country. */
export function checkLogin(country: Country, username: string, password: string): boolean {
  if (country === 'mx') return normalizePhone(username) === TEST_CREDENTIALS.mx.phone;
  return (
    (TEST_CREDENTIALS.cl.ruts as readonly string[]).includes(normalizeRut(username)) &&
    password === TEST_CREDENTIALS.cl.password
  );
}

/** Whether the codes typed for an account's second factor are right (surrounding spaces forgiven). */
export function checkSecondFactor(account: TestAccount, typed: readonly string[]): boolean {
  return (
    typed.length === account.code.length &&
    account.code.every((code, index) => (typed[index] ?? '').replace(/\s/g, '') === code)
  );
}
