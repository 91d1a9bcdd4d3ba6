/** The widget's Spanish copy for errors, kept apart so a test can hold it in step with the codes. */

/** What the customer reads for each error code the widget can meet (`on_error`). */
export const ERROR_TEXT: Readonly<Record<string, string>> = {
  invalid_product: 'Este widget no está configurado para pagos: product debe ser "payments".',
  invalid_public_key: 'La llave pública (publicKey) no corresponde a este pago.',
  invalid_widget_token: 'El token del pago (widgetToken) no existe o no es válido.',
  widget_token_spent: 'Este pago ya se usó o terminó. Vuelve al comercio e inicia el pago de nuevo.',
  mode_mismatch: 'La llave pública y el pago son de modos distintos (prueba y producción).',
  invalid_holder_type: 'Para pagos, holderType debe ser "individual".',
  invalid_country: 'El país (country) debe ser "cl" o "mx".',
  invalid_session_token: 'La sesión de pago (sessionToken) no existe o no es válida.',
  session_token_spent:
    'Esta sesión de pago ya terminó o expiró. Vuelve al comercio e inicia el pago de nuevo.',
  network_error: 'No pudimos conectar con Fintoc. Revisa tu conexión e inténtalo de nuevo.',
};

/** What the customer reads for the commonest `error_reason`s of a failed payment. */
export const REASON_TEXT: Readonly<Record<string, string>> = {
  insufficient_funds: 'La cuenta no tiene fondos suficientes.',
  amount_limit_reached: 'El monto supera el límite de transferencias de tu banco.',
  bank_not_available: 'El banco no está disponible en este momento.',
  bank_connection_error: 'No pudimos conectar con el banco.',
  mfa_invalid_authorization: 'La autorización no fue válida.',
  mfa_authorization_timeout: 'La autorización tardó demasiado.',
};

/** Fintoc's payment statuses as the customer reads them (the code stays in a `data-status` attribute). */
export const STATUS_TEXT: Readonly<Record<string, string>> = {
  created: 'creado',
  pending: 'pendiente',
  in_progress: 'en proceso',
  succeeded: 'pagado',
  rejected: 'rechazado',
  failed: 'fallido',
  expired: 'expirado',
};

/** The sandbox's scenarios, as the test-mode banner says them. */
export const SCENARIO_TEXT: Readonly<Record<string, string>> = {
  succeed: 'el banco aprueba',
  reject: 'el banco rechaza',
  fail: 'la transferencia falla',
  pending_then_succeed: 'queda pendiente y luego se aprueba',
  pending_then_fail: 'queda pendiente y luego falla',
  customer_leaves: 'el cliente se va sin pagar',
  authorize_in_bank_and_never_return: 'el cliente autoriza en su banco y no vuelve',
};
