/**
 * Money is an integer in the currency's minor unit plus the currency code; never a float.
 * CLP has no minor unit (1 = one peso); MXN counts centavos (100 = one peso).
 */
export const CURRENCIES = ['CLP', 'MXN'] as const;
export type Currency = (typeof CURRENCIES)[number];

export interface AmountLimits {
  min: number;
  max: number;
}

/** Defaults, overridable by configuration (`MIN_AMOUNT_CLP`, `MAX_AMOUNT_CLP`, …). */
export const DEFAULT_AMOUNT_LIMITS: Record<Currency, AmountLimits> = {
  CLP: { min: 1, max: 50_000_000 },
  MXN: { min: 100, max: 100_000_000 },
};

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}

export type AmountCheck =
  | { ok: true; amount: number; currency: Currency }
  | {
      ok: false;
      code: 'invalid_currency' | 'invalid_amount' | 'amount_out_of_range';
      param: string;
      message: string;
    };

/**
 * Validates an amount in minor units for a currency (case-insensitive code), against limits.
 *
 * @example
 * checkAmount(1500, 'clp', DEFAULT_AMOUNT_LIMITS); // { ok: true, amount: 1500, currency: 'CLP' }
 * checkAmount(10.5, 'MXN', DEFAULT_AMOUNT_LIMITS).ok; // false: centavos are whole numbers
 */
export function checkAmount(
  amount: unknown,
  currencyInput: unknown,
  limits: Record<Currency, AmountLimits>,
): AmountCheck {
  const currency = typeof currencyInput === 'string' ? currencyInput.toUpperCase() : currencyInput;
  if (!isCurrency(currency)) {
    return {
      ok: false,
      code: 'invalid_currency',
      param: 'currency',
      message: `currency must be one of ${CURRENCIES.join(', ')}.`,
    };
  }
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
    return {
      ok: false,
      code: 'invalid_amount',
      param: 'amount',
      message: `amount must be a positive integer in the currency's minor unit (${minorUnitHint(currency)}).`,
    };
  }
  const { min, max } = limits[currency];
  if (amount < min || amount > max) {
    return {
      ok: false,
      code: 'amount_out_of_range',
      param: 'amount',
      message: `amount must be between ${min} and ${max} for ${currency} (${minorUnitHint(currency)}).`,
    };
  }
  return { ok: true, amount, currency };
}

function minorUnitHint(currency: Currency): string {
  switch (currency) {
    case 'CLP':
      return 'CLP has no minor unit: 1500 means $1.500';
    case 'MXN':
      return 'MXN counts centavos: 15000 means $150.00';
  }
}

/** The default currency of a country. */
export function countryCurrency(country: 'cl' | 'mx'): Currency {
  return country === 'cl' ? 'CLP' : 'MXN';
}
