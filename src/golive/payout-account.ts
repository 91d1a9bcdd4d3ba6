/**
 * The payout account of Fintoc's go-live checklist: what Fintoc Collects pays out to, sent by e-mail
 * to the Account Executive. Each field is checked the same way wherever it comes from (flags, a
 * JSON file, a prompt, a saved `payout-account.json`), by one table of fields.
 */
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHILE_ACCOUNT_DIGITS,
  CHILE_ACCOUNT_TYPES,
  findChileBank,
  findMexicoBank,
  findMexicoState,
  type ChileAccountType,
} from './banks.js';
import { checkClabe } from './clabe.js';
import type { FieldCheck } from './fields.js';
import { checkRfc } from './rfc.js';
import { checkRut } from './rut.js';

export const PAYOUT_ACCOUNT_SCHEMA = 'pasarela.payout-account/v1';
export const PAYOUT_ACCOUNT_FILE = 'payout-account.json';
export const PAYOUT_EMAIL_FILE = 'payout-account.eml';

export type Country = 'cl' | 'mx';

/** The fields a person gives, as typed (every one a string; all optional until checked). */
export type PayoutAccountInput = Partial<Record<PayoutField, string>>;

export const PAYOUT_FIELDS = [
  'company_name',
  'bank',
  'account_type',
  'account_number',
  'rut',
  'rfc',
  'clabe',
  'notifications_email',
  'street',
  'number',
  'interior',
  'colonia',
  'city',
  'state',
  'postal_code',
  'account_executive_email',
] as const;
export type PayoutField = (typeof PAYOUT_FIELDS)[number];

interface ChilePayoutAccount {
  schema: typeof PAYOUT_ACCOUNT_SCHEMA;
  country: 'cl';
  company_name: string | null;
  bank: { id: string; name: string };
  account_type: ChileAccountType;
  account_number: string;
  rut: string;
  notifications_email: string;
  account_executive_email: string | null;
}
interface MexicoPayoutAccount {
  schema: typeof PAYOUT_ACCOUNT_SCHEMA;
  country: 'mx';
  company_name: string;
  bank: { code: string; name: string; id: string | null };
  rfc: string;
  clabe: string | null;
  notifications_email: string;
  address: {
    street: string;
    number: string;
    interior: string | null;
    colonia: string;
    city: string;
    state: string;
    postal_code: string;
  };
  account_executive_email: string | null;
}
/** What `payout-account.json` holds. */
export type PayoutAccount = ChilePayoutAccount | MexicoPayoutAccount;

interface FieldSpec {
  /** The question a prompt asks and the name an error uses. */
  label: string;
  /** The command-line flag. */
  flag: string;
  /** Which countries ask for it, and whether it must be given there. */
  countries: Partial<Record<Country, 'required' | 'optional'>>;
  /** Choices a prompt offers instead of free text. */
  choices?: (country: Country) => Array<{ value: string; name: string }>;
  check: (value: string, given: PayoutAccountInput, country: Country) => FieldCheck;
}

const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One line of text a person typed: spaces collapsed, no control characters, at most `max` long. */
function text(max: number, example: string): FieldSpec['check'] {
  return (value) => {
    const v = value.normalize('NFC').replace(/\s+/g, ' ').trim();
    if (v === '') return { ok: false, reason: `it is empty (e.g. ${example})` };
    if (CONTROL.test(v) || LONE_SURROGATE.test(v)) {
      return { ok: false, reason: 'it holds control characters; type plain text' };
    }
    if ([...v].length > max) return { ok: false, reason: `it is longer than ${max} characters` };
    return { ok: true, value: v };
  };
}

/**
 * An e-mail address as mail clients and Fintoc take it: one `local@domain` with a dotted domain,
 * no spaces, quotes or angle brackets (which is also what keeps it from breaking the e-mail's headers).
 *
 * @example
 * checkEmail('Pagos@Tienda.cl'); // { ok: true, value: 'Pagos@Tienda.cl' }
 */
export function checkEmail(value: string): FieldCheck {
  const v = value.trim();
  if (v === '') return { ok: false, reason: 'it is empty (e.g. pagos@tienda.cl)' };
  const m =
    /^([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+)@([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+)$/.exec(
      v,
    );
  if (!m || v.length > 254 || m[1]!.length > 64 || /^\.|\.\.|\.$/.test(m[1]!)) {
    return { ok: false, reason: 'it is not an e-mail address like pagos@tienda.cl' };
  }
  if (!/\.[A-Za-z]{2,}$/.test(m[2]!)) {
    return { ok: false, reason: 'its domain does not end in a name like .cl, .mx or .com' };
  }
  return { ok: true, value: v };
}

function accountType(value: string): FieldCheck {
  const f = value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, ' ')
    .trim();
  const map: Record<string, ChileAccountType> = {
    'cuenta corriente': 'cuenta_corriente',
    corriente: 'cuenta_corriente',
    checking: 'cuenta_corriente',
    'checking account': 'cuenta_corriente',
    'cuenta vista': 'cuenta_vista',
    vista: 'cuenta_vista',
    'cuenta rut': 'cuenta_vista',
    rut: 'cuenta_vista',
    'cuenta vista rut': 'cuenta_vista',
    sight: 'cuenta_vista',
    'sight account': 'cuenta_vista',
    'cuenta ahorro': 'cuenta_ahorro',
    'cuenta de ahorro': 'cuenta_ahorro',
    ahorro: 'cuenta_ahorro',
    savings: 'cuenta_ahorro',
    'savings account': 'cuenta_ahorro',
  };
  const t = map[f];
  return t
    ? { ok: true, value: t }
    : { ok: false, reason: 'choose cuenta_corriente, cuenta_vista (vista or RUT) or cuenta_ahorro' };
}

function accountNumber(value: string): FieldCheck {
  const v = value.replace(/[\s.-]/g, '');
  if (v === '') return { ok: false, reason: 'it is empty' };
  if (!/^\d+$/.test(v)) return { ok: false, reason: 'an account number has digits only' };
  const { min, max } = CHILE_ACCOUNT_DIGITS;
  if (v.length < min || v.length > max) {
    return {
      ok: false,
      reason: `Chilean account numbers have ${min} to ${max} digits, this one has ${v.length}`,
    };
  }
  return { ok: true, value: v };
}

const FIELDS: Record<PayoutField, FieldSpec> = {
  company_name: {
    label: 'Company name (razón social)',
    flag: '--company-name',
    countries: { cl: 'optional', mx: 'required' },
    check: text(200, 'Tienda Ejemplo SpA'),
  },
  bank: {
    label: 'Bank',
    flag: '--bank',
    countries: { cl: 'required', mx: 'required' },
    check: (value, _given, country) => {
      if (country === 'cl') {
        const b = findChileBank(value);
        return b
          ? { ok: true, value: b.id }
          : {
              ok: false,
              reason:
                "not a bank of Fintoc's list for Chile; give its Fintoc id (e.g. cl_banco_estado) or its name",
            };
      }
      const b = findMexicoBank(value);
      return b
        ? { ok: true, value: b.code }
        : { ok: false, reason: 'not a known SPEI bank; give its 3-digit CLABE code (e.g. 012) or its name' };
    },
  },
  account_type: {
    label: 'Account type',
    flag: '--account-type',
    countries: { cl: 'required' },
    choices: () => Object.entries(CHILE_ACCOUNT_TYPES).map(([value, name]) => ({ value, name })),
    check: accountType,
  },
  account_number: {
    label: 'Account number',
    flag: '--account-number',
    countries: { cl: 'required' },
    check: accountNumber,
  },
  rut: {
    label: "Company's RUT",
    flag: '--rut',
    countries: { cl: 'required' },
    check: (v) => checkRut(v),
  },
  rfc: {
    label: "Company's RFC",
    flag: '--rfc',
    countries: { mx: 'required' },
    check: (v) => checkRfc(v),
  },
  clabe: {
    label: 'CLABE (optional)',
    flag: '--clabe',
    countries: { mx: 'optional' },
    check: (v, given) => {
      const bank = given.bank === undefined ? undefined : findMexicoBank(given.bank);
      return checkClabe(v, bank?.code);
    },
  },
  notifications_email: {
    label: 'Notifications e-mail',
    flag: '--email',
    countries: { cl: 'required', mx: 'required' },
    check: checkEmail,
  },
  street: {
    label: 'Street',
    flag: '--street',
    countries: { mx: 'required' },
    check: text(120, 'Avenida Reforma'),
  },
  number: {
    label: 'Exterior number',
    flag: '--number',
    countries: { mx: 'required' },
    check: text(20, '222 or S/N'),
  },
  interior: {
    label: 'Interior number (optional)',
    flag: '--interior',
    countries: { mx: 'optional' },
    check: text(20, 'Piso 3'),
  },
  colonia: { label: 'Colonia', flag: '--colonia', countries: { mx: 'required' }, check: text(120, 'Juárez') },
  city: {
    label: 'City or municipality (alcaldía)',
    flag: '--city',
    countries: { mx: 'required' },
    check: text(120, 'Cuauhtémoc'),
  },
  state: {
    label: 'State',
    flag: '--state',
    countries: { mx: 'required' },
    check: (v) => {
      const s = findMexicoState(v);
      return s
        ? { ok: true, value: s }
        : { ok: false, reason: 'not one of the 32 states of Mexico (e.g. Jalisco)' };
    },
  },
  postal_code: {
    label: 'Postal code',
    flag: '--postal-code',
    countries: { mx: 'required' },
    check: (v) => {
      const t = v.trim();
      return /^\d{5}$/.test(t) && !t.startsWith('00')
        ? { ok: true, value: t }
        : { ok: false, reason: 'a Mexican postal code has 5 digits (e.g. 06600)' };
    },
  },
  account_executive_email: {
    label: "Account Executive's e-mail (optional)",
    flag: '--account-executive',
    countries: { cl: 'optional', mx: 'optional' },
    check: checkEmail,
  },
};

/** The fields a country asks for, in the order a person answers them. */
export function payoutFieldsFor(country: Country): Array<{
  field: PayoutField;
  label: string;
  flag: string;
  required: boolean;
  choices?: Array<{ value: string; name: string }>;
}> {
  return PAYOUT_FIELDS.filter((f) => FIELDS[f].countries[country] !== undefined).map((field) => {
    const spec = FIELDS[field];
    return {
      field,
      label: spec.label,
      flag: spec.flag,
      required: spec.countries[country] === 'required',
      ...(spec.choices ? { choices: spec.choices(country) } : {}),
    };
  });
}

/**
 * Checks one field as a prompt does, with what was given so far (a CLABE is checked against the bank).
 *
 * @example
 * checkPayoutField('cl', 'rut', '76.354.771-K', {}); // { ok: true, value: '76.354.771-K' }
 */
export function checkPayoutField(
  country: Country,
  field: PayoutField,
  value: string,
  given: PayoutAccountInput,
): FieldCheck {
  return FIELDS[field].check(value, given, country);
}

export type PayoutAccountResult =
  | { ok: true; account: PayoutAccount }
  | {
      ok: false;
      /** Required fields not given, by flag. */
      missing: Array<{ field: PayoutField; flag: string }>;
      invalid: Array<{ field: PayoutField; flag: string; reason: string }>;
      /** Fields given that this country does not ask for. */
      unexpected: PayoutField[];
    };

/**
 * Checks everything given for a country and builds the record, or says what is missing and what is
 * wrong (each with its reason). Empty strings count as not given for optional fields.
 *
 * @example
 * const r = buildPayoutAccount('cl', { bank: 'Banco Estado', account_type: 'corriente', account_number: '12345678', rut: '76.354.771-K', notifications_email: 'pagos@tienda.cl' });
 * if (r.ok) r.account.rut; // '76.354.771-K'
 */
export function buildPayoutAccount(country: Country, given: PayoutAccountInput): PayoutAccountResult {
  const missing: Array<{ field: PayoutField; flag: string }> = [];
  const invalid: Array<{ field: PayoutField; flag: string; reason: string }> = [];
  const unexpected: PayoutField[] = [];
  const values: Partial<Record<PayoutField, string>> = {};
  for (const field of PAYOUT_FIELDS) {
    const spec = FIELDS[field];
    const raw = given[field];
    const need = spec.countries[country];
    const present = typeof raw === 'string' && raw.trim() !== '';
    if (need === undefined) {
      if (present) unexpected.push(field);
      continue;
    }
    if (!present) {
      if (need === 'required') missing.push({ field, flag: spec.flag });
      continue;
    }
    const r = spec.check(raw, given, country);
    if (r.ok) values[field] = r.value;
    else invalid.push({ field, flag: spec.flag, reason: r.reason });
  }
  if (missing.length > 0 || invalid.length > 0 || unexpected.length > 0) {
    return { ok: false, missing, invalid, unexpected };
  }
  const v = values as Record<PayoutField, string>;
  const ae = values.account_executive_email ?? null;
  if (country === 'cl') {
    const bank = findChileBank(v.bank)!;
    return {
      ok: true,
      account: {
        schema: PAYOUT_ACCOUNT_SCHEMA,
        country,
        company_name: values.company_name ?? null,
        bank: { id: bank.id, name: bank.name },
        account_type: v.account_type as ChileAccountType,
        account_number: v.account_number,
        rut: v.rut,
        notifications_email: v.notifications_email,
        account_executive_email: ae,
      },
    };
  }
  const bank = findMexicoBank(v.bank)!;
  return {
    ok: true,
    account: {
      schema: PAYOUT_ACCOUNT_SCHEMA,
      country,
      company_name: v.company_name,
      bank: { code: bank.code, name: bank.name, id: bank.fintocId ?? null },
      rfc: v.rfc,
      clabe: values.clabe ?? null,
      notifications_email: v.notifications_email,
      address: {
        street: v.street,
        number: v.number,
        interior: values.interior ?? null,
        colonia: v.colonia,
        city: v.city,
        state: v.state,
        postal_code: v.postal_code,
      },
      account_executive_email: ae,
    },
  };
}

/**
 * Input from a parsed JSON file: flat field names (`{"rut": "…", "street": "…"}`), with `address`
 * and `bank` objects as `payout-account.json` has them, so a saved record can be given back. Unknown
 * keys are returned so a typo is reported, not ignored.
 *
 * @example
 * payoutInputFromJson({ rut: '76.354.771-K', bank: 'Banco Estado' }).input.rut; // '76.354.771-K'
 */
export function payoutInputFromJson(json: Record<string, unknown>): {
  input: PayoutAccountInput;
  country: string | undefined;
  unknown: string[];
  notText: string[];
} {
  const known = new Set<string>([...PAYOUT_FIELDS, 'address', 'schema', 'country']);
  const unknown = Object.keys(json).filter((k) => !known.has(k));
  const notText: string[] = [];
  const check = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && typeof v !== 'string' && !(k === 'bank' && typeof v === 'object'))
      notText.push(k);
  };
  for (const [k, v] of Object.entries(json)) if (known.has(k) && k !== 'address') check(k, v);
  const address = json.address;
  if (address !== undefined && address !== null) {
    if (typeof address !== 'object' || Array.isArray(address)) notText.push('address');
    else
      for (const [k, v] of Object.entries(address)) {
        if (!['street', 'number', 'interior', 'colonia', 'city', 'state', 'postal_code'].includes(k))
          unknown.push(`address.${k}`);
        else check(`address.${k}`, v);
      }
  }
  return {
    input: inputOf(json),
    country: typeof json.country === 'string' ? json.country : undefined,
    unknown,
    notText,
  };
}

/** A saved record as input again, so reading it back runs the very checks that wrote it. */
function inputOf(account: Record<string, unknown>): PayoutAccountInput {
  const out: PayoutAccountInput = {};
  const put = (field: PayoutField, value: unknown) => {
    if (typeof value === 'string') out[field] = value;
  };
  for (const field of PAYOUT_FIELDS) put(field, account[field]);
  const bank = account.bank as Record<string, unknown> | null | undefined;
  if (bank && typeof bank === 'object') put('bank', bank.code ?? bank.id);
  const address = account.address as Record<string, unknown> | null | undefined;
  if (address && typeof address === 'object') {
    for (const f of ['street', 'number', 'interior', 'colonia', 'city', 'state', 'postal_code'] as const) {
      put(f, address[f]);
    }
  }
  return out;
}

/**
 * Reads a saved `payout-account.json` (parsed) back: it must be this schema, for `country`, and
 * every field must still pass its check. Returns the problems as sentences.
 *
 * @example
 * const r = checkPayoutAccountRecord(JSON.parse(text), 'cl');
 * if (!r.ok) console.log(r.problems.join('; '));
 */
export function checkPayoutAccountRecord(
  json: unknown,
  country: Country,
): { ok: true; account: PayoutAccount } | { ok: false; problems: string[] } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, problems: ['it is not a JSON object'] };
  }
  const o = json as Record<string, unknown>;
  if (o.schema !== PAYOUT_ACCOUNT_SCHEMA) {
    return {
      ok: false,
      problems: [`its schema is ${JSON.stringify(o.schema)}, not "${PAYOUT_ACCOUNT_SCHEMA}"`],
    };
  }
  if (o.country !== country) {
    return {
      ok: false,
      problems: [
        `it is for country ${JSON.stringify(o.country)}, but the service is configured for ${country}`,
      ],
    };
  }
  const r = buildPayoutAccount(country, inputOf(o));
  if (r.ok) return r;
  return {
    ok: false,
    problems: [
      ...r.missing.map((m) => `${FIELDS[m.field].label} is missing`),
      ...r.invalid.map((i) => `${FIELDS[i.field].label}: ${i.reason}`),
    ],
  };
}

/** RFC 2047 encoded-word for a header holding non-ASCII text. */
function headerText(value: string): string {
  return /^[\x20-\x7e]*$/.test(value)
    ? value
    : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** The e-mail to the Account Executive: subject and body in Spanish. */
export function payoutEmail(account: PayoutAccount): { to: string | null; subject: string; body: string } {
  const lines: string[] = [];
  let who: string;
  if (account.country === 'cl') {
    who = account.company_name ?? `RUT ${account.rut}`;
    lines.push(
      `- Banco: ${account.bank.name}`,
      `- Tipo de cuenta: ${CHILE_ACCOUNT_TYPES[account.account_type]}`,
      `- Número de cuenta: ${account.account_number}`,
      `- RUT: ${account.rut}`,
      `- Correo para notificaciones: ${account.notifications_email}`,
    );
  } else {
    who = account.company_name;
    const a = account.address;
    lines.push(
      `- Razón social: ${account.company_name}`,
      `- Banco: ${account.bank.name}`,
      `- RFC: ${account.rfc}`,
      ...(account.clabe ? [`- CLABE: ${account.clabe}`] : []),
      `- Correo para notificaciones: ${account.notifications_email}`,
      `- Domicilio de la empresa: ${a.street} ${a.number}${a.interior ? `, Int. ${a.interior}` : ''}, Col. ${a.colonia}, ${a.city}, ${a.state}, C.P. ${a.postal_code}`,
    );
  }
  const body = [
    'Hola,',
    '',
    'Les escribo para indicar la cuenta bancaria en la que queremos recibir los payouts de Fintoc (Fintoc Collects):',
    '',
    ...lines,
    '',
    `La cuenta está en ${account.country === 'cl' ? 'Chile' : 'México'} y su titular es la empresa que firmó el contrato con Fintoc.`,
    'Quedo atento a su confirmación.',
    '',
    'Saludos,',
    ...(account.company_name ? [account.company_name] : []),
    '',
  ].join('\n');
  return {
    to: account.account_executive_email,
    subject: `Cuenta para los payouts de Fintoc: ${who}`,
    body,
  };
}

/**
 * The e-mail as an RFC 5322 message (`.eml`), marked unsent so mail clients open it as a draft.
 *
 * @example
 * writeFileSync('payout-account.eml', payoutEml(account));
 */
export function payoutEml(account: PayoutAccount): string {
  const email = payoutEmail(account);
  const headers = [
    ...(email.to ? [`To: ${email.to}`] : []),
    `Subject: ${headerText(email.subject)}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    'X-Unsent: 1',
  ];
  return `${headers.join('\r\n')}\r\n\r\n${email.body.replace(/\n/g, '\r\n')}`;
}

/**
 * Writes `payout-account.json` and `payout-account.eml` into `dir`. Each is written to a temporary
 * file first and renamed into place, so a reader never sees half a file, and nothing is renamed
 * unless both were written.
 */
export function writePayoutAccountFiles(dir: string, account: PayoutAccount): { json: string; eml: string } {
  const files = [
    { path: join(dir, PAYOUT_ACCOUNT_FILE), data: `${JSON.stringify(account, null, 2)}\n` },
    { path: join(dir, PAYOUT_EMAIL_FILE), data: payoutEml(account) },
  ];
  const temps: string[] = [];
  try {
    for (const f of files) {
      const tmp = `${f.path}.${randomBytes(6).toString('hex')}.tmp`;
      temps.push(tmp);
      writeFileSync(tmp, f.data, { mode: 0o600, flag: 'wx' });
    }
    files.forEach((f, i) => renameSync(temps[i]!, f.path));
  } finally {
    for (const t of temps) rmSync(t, { force: true });
  }
  return { json: files[0]!.path, eml: files[1]!.path };
}
