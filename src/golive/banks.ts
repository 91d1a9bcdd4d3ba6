/**
 * The banks a payout account can be at.
 *
 * Chile: Fintoc's own institution list for Chile ("Chile institution codes" in Fintoc's API
 * reference, the same 21 institutions as its list of payment-initiation sender banks), with
 * Fintoc's institution ids.
 *
 * Mexico: Fintoc says its Mexican payments work with every institution in SPEI and publishes no
 * list of ids, so this is the list of SPEI participants by their 3-digit CLABE bank code (Banxico's
 * codes, as payment providers publish them). Fintoc's own ids are given where Fintoc's docs show
 * one (`mx_stp`, `mx_banco_banamex`). A bank missing here is chosen by its CLABE code (`--bank 123`).
 */

export interface ChileBank {
  /** Fintoc's institution id, e.g. `cl_banco_estado`. */
  id: string;
  name: string;
}

export const CHILE_BANKS: readonly ChileBank[] = [
  { id: 'cl_banco_estado', name: 'Banco Estado' },
  { id: 'cl_banco_bci', name: 'Banco BCI' },
  { id: 'cl_banco_bice', name: 'Banco BICE' },
  { id: 'cl_banco_de_chile', name: 'Banco de Chile - Edwards - Citi' },
  { id: 'cl_banco_falabella', name: 'Banco Falabella' },
  { id: 'cl_banco_itau', name: 'Banco Itaú' },
  { id: 'cl_banco_ripley', name: 'Banco Ripley' },
  { id: 'cl_banco_santander', name: 'Banco Santander' },
  { id: 'cl_banco_consorcio', name: 'Banco Consorcio' },
  { id: 'cl_banco_scotiabank', name: 'Scotiabank' },
  { id: 'cl_mercado_pago', name: 'Mercado Pago' },
  { id: 'cl_mach', name: 'Mach' },
  { id: 'cl_tenpo', name: 'Tenpo' },
  { id: 'cl_banco_security', name: 'Banco Security' },
  { id: 'cl_tapp_caja_los_andes', name: 'Tapp' },
  { id: 'cl_banco_internacional', name: 'Banco Internacional' },
  { id: 'cl_banco_coopeuch', name: 'Coopeuch - Dale' },
  { id: 'cl_copec_pay', name: 'Copec Pay' },
  { id: 'cl_prepago_los_heroes', name: 'Prepago Los Heroes' },
  { id: 'cl_banco_bbva', name: 'BBVA' },
  { id: 'cl_banco_hsbc', name: 'HSBC' },
];

/** The account types of the checklist, with how the e-mail names them. */
export const CHILE_ACCOUNT_TYPES = {
  cuenta_corriente: 'Cuenta corriente',
  cuenta_vista: 'Cuenta vista / Cuenta RUT',
  cuenta_ahorro: 'Cuenta de ahorro',
} as const;
export type ChileAccountType = keyof typeof CHILE_ACCOUNT_TYPES;

/**
 * Chilean account numbers have no public per-bank format (Fintoc documents none); payment
 * providers accept 6 to 16 digits for every bank and type, and so does this check.
 */
export const CHILE_ACCOUNT_DIGITS = { min: 6, max: 16 } as const;

export interface MexicoBank {
  /** The 3-digit bank code a CLABE starts with. */
  code: string;
  name: string;
  /** Fintoc's institution id where Fintoc's docs show one. */
  fintocId?: string;
}

export const MEXICO_BANKS: readonly MexicoBank[] = [
  { code: '002', name: 'Banamex', fintocId: 'mx_banco_banamex' },
  { code: '006', name: 'Bancomext' },
  { code: '009', name: 'Banobras' },
  { code: '012', name: 'BBVA México' },
  { code: '014', name: 'Santander' },
  { code: '019', name: 'Banjército' },
  { code: '021', name: 'HSBC' },
  { code: '030', name: 'Banco del Bajío' },
  { code: '036', name: 'Inbursa' },
  { code: '042', name: 'Mifel' },
  { code: '044', name: 'Scotiabank' },
  { code: '058', name: 'Banregio' },
  { code: '059', name: 'Invex' },
  { code: '060', name: 'Bansi' },
  { code: '062', name: 'Afirme' },
  { code: '072', name: 'Banorte' },
  { code: '106', name: 'Bank of America' },
  { code: '108', name: 'MUFG' },
  { code: '110', name: 'JP Morgan' },
  { code: '112', name: 'Monex' },
  { code: '113', name: 'Ve por Más' },
  { code: '127', name: 'Banco Azteca' },
  { code: '128', name: 'Autofin' },
  { code: '129', name: 'Barclays' },
  { code: '130', name: 'Compartamos' },
  { code: '132', name: 'Multiva' },
  { code: '133', name: 'Actinver' },
  { code: '135', name: 'Nafin' },
  { code: '137', name: 'BanCoppel' },
  { code: '138', name: 'ABC Capital' },
  { code: '140', name: 'Consubanco' },
  { code: '141', name: 'Volkswagen Bank' },
  { code: '143', name: 'CIBanco' },
  { code: '145', name: 'Banco Base' },
  { code: '147', name: 'Bankaool' },
  { code: '148', name: 'PagaTodo' },
  { code: '151', name: 'Donde' },
  { code: '152', name: 'Bancrea' },
  { code: '154', name: 'Banco Covalto' },
  { code: '155', name: 'ICBC' },
  { code: '156', name: 'Sabadell' },
  { code: '157', name: 'Shinhan' },
  { code: '158', name: 'Mizuho' },
  { code: '159', name: 'Bank of China' },
  { code: '160', name: 'Banco S3' },
  { code: '166', name: 'Banco del Bienestar' },
  { code: '168', name: 'Hipotecaria Federal' },
  { code: '600', name: 'Monex Casa de Bolsa' },
  { code: '601', name: 'GBM' },
  { code: '602', name: 'Masari' },
  { code: '605', name: 'Value' },
  { code: '608', name: 'Vector' },
  { code: '616', name: 'Finamex' },
  { code: '617', name: 'Valmex' },
  { code: '620', name: 'Profuturo' },
  { code: '634', name: 'Fincomún' },
  { code: '638', name: 'Nu México' },
  { code: '646', name: 'STP', fintocId: 'mx_stp' },
  { code: '652', name: 'Credicapital' },
  { code: '653', name: 'Kuspit' },
  { code: '656', name: 'Unagra' },
  { code: '670', name: 'Libertad' },
  { code: '677', name: 'Caja Popular Mexicana' },
  { code: '680', name: 'Cristóbal Colón' },
  { code: '683', name: 'Caja Telefonistas' },
  { code: '685', name: 'Fondo (FIRA)' },
  { code: '689', name: 'FOMPED' },
  { code: '699', name: 'Fondeadora' },
  { code: '703', name: 'Tesored' },
  { code: '706', name: 'Arcus' },
  { code: '710', name: 'NVIO' },
  { code: '722', name: 'Mercado Pago W' },
  { code: '723', name: 'Cuenca' },
];

/** Lower case, no accents, no punctuation: how a typed bank name is compared. */
function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * The names a bank answers to: its full name, each part of a name that joins brands
 * (`Banco de Chile - Edwards - Citi`), and each of those without a leading "Banco"
 * (`Itaú` for `Banco Itaú`), folded and without spaces.
 */
function aliases(name: string): string[] {
  const parts = [name, ...name.split(/\s+-\s+/)].map((p) => fold(p).replace(/ /g, ''));
  return parts.flatMap((p) => (p.startsWith('banco') && p.length > 5 ? [p, p.slice(5)] : [p]));
}

/** The one bank of a list whose name, or one of its {@link aliases}, is the text; else none. */
function byName<B extends { name: string }>(banks: readonly B[], text: string): B | undefined {
  const f = fold(text).replace(/ /g, '');
  if (f === '') return undefined;
  const exact = banks.find((b) => fold(b.name).replace(/ /g, '') === f);
  if (exact) return exact;
  const typed = f.startsWith('banco') && f.length > 5 ? [f, f.slice(5)] : [f];
  const matches = banks.filter((b) => aliases(b.name).some((a) => typed.includes(a)));
  return matches.length === 1 ? matches[0] : undefined;
}

/**
 * The Chilean bank a person means: by Fintoc id (`cl_banco_estado`) or by name, case and accents
 * ignored, or by one of its brands (`banco itau`, `BancoEstado`, `Banco de Chile`, `Edwards`).
 *
 * @example
 * findChileBank('banco estado')?.id; // 'cl_banco_estado'
 */
export function findChileBank(text: string): ChileBank | undefined {
  const t = text.trim().toLowerCase();
  const byId = CHILE_BANKS.find((b) => b.id === t);
  if (byId) return byId;
  return byName(CHILE_BANKS, text);
}

/**
 * The Mexican bank a person means: by CLABE code (`012`), Fintoc id (`mx_stp`) or name.
 *
 * @example
 * findMexicoBank('bbva mexico')?.code; // '012'
 */
export function findMexicoBank(text: string): MexicoBank | undefined {
  const t = text.trim();
  if (/^\d{3}$/.test(t)) return MEXICO_BANKS.find((b) => b.code === t);
  const byId = MEXICO_BANKS.find((b) => b.fintocId === t.toLowerCase());
  if (byId) return byId;
  return byName(MEXICO_BANKS, t);
}

/** Mexico's 32 federal entities, as the address asks for them. */
export const MEXICO_STATES: readonly string[] = [
  'Aguascalientes',
  'Baja California',
  'Baja California Sur',
  'Campeche',
  'Chiapas',
  'Chihuahua',
  'Ciudad de México',
  'Coahuila',
  'Colima',
  'Durango',
  'Estado de México',
  'Guanajuato',
  'Guerrero',
  'Hidalgo',
  'Jalisco',
  'Michoacán',
  'Morelos',
  'Nayarit',
  'Nuevo León',
  'Oaxaca',
  'Puebla',
  'Querétaro',
  'Quintana Roo',
  'San Luis Potosí',
  'Sinaloa',
  'Sonora',
  'Tabasco',
  'Tamaulipas',
  'Tlaxcala',
  'Veracruz',
  'Yucatán',
  'Zacatecas',
];

/**
 * A Mexican state by its name, case and accents ignored (`cdmx` and `df` mean Ciudad de México).
 *
 * @example
 * findMexicoState('nuevo leon'); // 'Nuevo León'
 */
export function findMexicoState(text: string): string | undefined {
  const f = fold(text);
  if (f === 'cdmx' || f === 'df' || f === 'distrito federal') return 'Ciudad de México';
  if (f === 'edomex' || f === 'mexico') return 'Estado de México';
  return MEXICO_STATES.find((s) => fold(s) === f);
}
