/**
 * What the customer reads: Fintoc's approved button and copy per country, amounts in the currency's
 * own format, and the Spanish wording of every payment state. Pure functions, used by the server to
 * render the first view and by the browser module to re-render it.
 */

export type Country = 'cl' | 'mx';

/** The statuses the payments service reports (docs/service.md). */
export type PaymentStatus = 'pending' | 'processing' | 'succeeded' | 'failed' | 'expired' | 'canceled';

export const FINAL_STATUSES: readonly PaymentStatus[] = ['succeeded', 'failed', 'expired', 'canceled'];

export function isFinal(status: string): boolean {
  return (FINAL_STATUSES as readonly string[]).includes(status);
}

/** Fintoc serves its approved buttons from this origin; the UX guidelines forbid self-hosted copies. */
export const FINTOC_ASSETS_ORIGIN = 'https://assets.fintoc.com';

export interface FintocButton {
  /** The approved copy, shown as the image's alt text and as the text fallback. */
  label: string;
  /** Fintoc-hosted image of the approved button. */
  imageUrl: string;
}

/**
 * The approved Fintoc button for a country: "Paga con tu banco" in Chile, "Paga con transferencia"
 * in Mexico, both from Fintoc's hosted assets (light variant, logo trailing).
 *
 * @example
 * fintocButton('mx').label; // 'Paga con transferencia'
 */
export function fintocButton(country: Country, theme: 'light' | 'dark' = 'light'): FintocButton {
  const label = country === 'mx' ? 'Paga con transferencia' : 'Paga con tu banco';
  return { label, imageUrl: `${FINTOC_ASSETS_ORIGIN}/?img_name=button_${country}_${theme}_trailing` };
}

const MINOR_DIGITS: Record<string, number> = { CLP: 0, MXN: 2 };

/** Digits after the decimal point in a currency's minor unit; throws on a currency Pasarela does not take. */
export function minorUnitDigits(currency: string): number {
  const digits = MINOR_DIGITS[currency.toUpperCase()];
  if (digits === undefined) throw new Error(`unsupported currency ${currency}: Pasarela takes CLP and MXN`);
  return digits;
}

/**
 * An integer amount in the currency's minor unit, written as a customer in that country reads it.
 * Integer arithmetic only: MXN centavos are split into pesos and centavos, never divided as floats.
 *
 * @example
 * formatAmount(12990, 'CLP'); // '$12.990 CLP'
 * formatAmount(129990, 'MXN'); // '$1,299.90 MXN'
 */
export function formatAmount(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount) || amount < 0)
    throw new Error(`amount must be a non-negative integer, got ${amount}`);
  const code = currency.toUpperCase();
  const digits = minorUnitDigits(code);
  const group = code === 'CLP' ? '.' : ',';
  const decimal = code === 'CLP' ? ',' : '.';
  const scale = 10 ** digits;
  const whole = Math.trunc(amount / scale);
  const fraction = amount - whole * scale;
  const grouped = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const text = digits === 0 ? grouped : `${grouped}${decimal}${String(fraction).padStart(digits, '0')}`;
  return `$${text} ${code}`;
}

/** The country a currency belongs to, for a page that only knows the payment. */
export function countryOfCurrency(currency: string): Country {
  return currency.toUpperCase() === 'MXN' ? 'mx' : 'cl';
}

export interface StatusCopy {
  title: string;
  detail: string;
}

// Fintoc's documented `error_reason`s (an open set) and the service's own, in the customer's words.
const FAILURE_REASONS: Record<string, string> = {
  rejected: 'El banco rechazó la transferencia.',
  amount_limit_reached: 'La transferencia supera el monto máximo que permite tu banco.',
  bank_account_locked: 'Tu cuenta bancaria está bloqueada.',
  bank_connection_error: 'No pudimos conectarnos con tu banco.',
  bank_not_available: 'Tu banco no está disponible en este momento.',
  insufficient_funds: 'La cuenta no tenía saldo suficiente.',
  login_credentials_locked: 'Tus claves del banco están bloqueadas.',
  login_invalid_credentials: 'Los datos de ingreso al banco no son correctos.',
  manually_expired: 'El pago fue anulado antes de completarse.',
  maximum_amount_error: 'El monto supera el máximo permitido.',
  mfa_authorization_timeout: 'No autorizaste la transferencia a tiempo.',
  mfa_invalid_authorization: 'El banco no aceptó la autorización de la transferencia.',
  mfa_locked: 'Tu segundo factor de autenticación está bloqueado.',
  mfa_unavailable: 'Tu segundo factor de autenticación no está disponible.',
  new_contact_amount_limit_reached: 'El monto supera el límite para un destinatario nuevo.',
  new_contact_transfer_number_limit_reached: 'Superaste el número de transferencias a destinatarios nuevos.',
  recipient_account_not_allowed: 'El banco no permite transferir a esta cuenta.',
  unresolved_final_status: 'El banco no confirmó el resultado de la transferencia.',
  payment_timeout: 'El pago no se completó dentro del plazo, así que lo cancelamos. No se hizo ningún cargo.',
  timeout: 'El pago no se completó a tiempo.',
  expired: 'El plazo para pagar terminó.',
};

/** A failure reason from the service in words; unknown reasons are shown as they came. */
export function describeReason(reason: string | null | undefined): string | null {
  if (!reason) return null;
  // The service may qualify Fintoc's reason with the intent status: "rejected: mfa_invalid_authorization".
  const parts = reason.split(/:\s*/);
  for (const part of [reason, ...parts.slice(1), parts[0] ?? '']) {
    const text = FAILURE_REASONS[part];
    if (text) return text;
  }
  return `Motivo: ${reason}.`;
}

/**
 * The Spanish title and explanation of a payment's state, as the customer sees it.
 *
 * @example
 * statusCopy('canceled', null).title; // 'Pago cancelado'
 */
export function statusCopy(status: PaymentStatus, reason: string | null | undefined): StatusCopy {
  const why = describeReason(reason);
  switch (status) {
    case 'pending':
      return { title: 'Pago pendiente', detail: 'Paga con una transferencia desde tu banco.' };
    case 'processing':
      return {
        title: 'Confirmando tu pago…',
        detail: 'Tu banco está procesando la transferencia. No cierres esta página.',
      };
    case 'succeeded':
      return { title: '¡Pago recibido!', detail: 'Tu pago fue confirmado. Ya puedes volver a la tienda.' };
    case 'failed':
      return { title: 'El pago no se completó', detail: why ?? 'El banco no completó la transferencia.' };
    case 'expired':
      return { title: 'El pago expiró', detail: why ?? 'El plazo para pagar terminó sin una transferencia.' };
    case 'canceled':
      return {
        title: 'Pago cancelado',
        detail: why ?? 'El pago no se completó a tiempo y fue cancelado. No se hizo ningún cargo.',
      };
  }
}
