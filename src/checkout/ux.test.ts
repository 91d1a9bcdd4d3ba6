import { describe, expect, it } from 'vitest';
import { countryOfCurrency, fintocButton, formatAmount, isFinal, statusCopy } from './ux.js';

describe('fintocButton', () => {
  it('uses the approved copy and Fintoc-hosted image per country', () => {
    expect(fintocButton('cl')).toEqual({
      label: 'Paga con tu banco',
      imageUrl: 'https://assets.fintoc.com/?img_name=button_cl_light_trailing',
    });
    expect(fintocButton('mx', 'dark')).toEqual({
      label: 'Paga con transferencia',
      imageUrl: 'https://assets.fintoc.com/?img_name=button_mx_dark_trailing',
    });
  });
});

describe('formatAmount', () => {
  it('writes CLP in whole pesos with dot grouping', () => {
    expect(formatAmount(0, 'CLP')).toBe('$0 CLP');
    expect(formatAmount(990, 'CLP')).toBe('$990 CLP');
    expect(formatAmount(12990, 'clp')).toBe('$12.990 CLP');
    expect(formatAmount(1234567, 'CLP')).toBe('$1.234.567 CLP');
  });

  it('writes MXN centavos as pesos with two decimals, by integer arithmetic', () => {
    expect(formatAmount(5, 'MXN')).toBe('$0.05 MXN');
    expect(formatAmount(12990, 'MXN')).toBe('$129.90 MXN');
    expect(formatAmount(123456789, 'MXN')).toBe('$1,234,567.89 MXN');
  });

  it('refuses floats, negatives and unknown currencies', () => {
    expect(() => formatAmount(10.5, 'CLP')).toThrow(/integer/);
    expect(() => formatAmount(-1, 'CLP')).toThrow(/non-negative/);
    expect(() => formatAmount(100, 'USD')).toThrow(/unsupported currency USD/);
  });
});

describe('statusCopy', () => {
  it('explains each final state in Spanish, with the reason when known', () => {
    expect(statusCopy('succeeded', null).title).toBe('¡Pago recibido!');
    expect(statusCopy('failed', 'rejected').detail).toBe('El banco rechazó la transferencia.');
    expect(statusCopy('failed', 'some_new_reason').detail).toBe('Motivo: some_new_reason.');
    expect(statusCopy('failed', 'rejected: insufficient_funds').detail).toBe(
      'La cuenta no tenía saldo suficiente.',
    );
    expect(statusCopy('failed', 'rejected: brand_new').detail).toBe('El banco rechazó la transferencia.');
    expect(statusCopy('canceled', null).detail).toMatch(/no se completó a tiempo/);
    expect(statusCopy('canceled', 'payment_timeout').detail).toMatch(/dentro del plazo/);
    expect(statusCopy('failed', 'mfa_invalid_authorization').detail).toBe(
      'El banco no aceptó la autorización de la transferencia.',
    );
    expect(statusCopy('expired', null).title).toBe('El pago expiró');
  });

  it('knows which states are final', () => {
    expect(['pending', 'processing'].map(isFinal)).toEqual([false, false]);
    expect(['succeeded', 'failed', 'expired', 'canceled'].every(isFinal)).toBe(true);
  });

  it('maps currencies to countries', () => {
    expect(countryOfCurrency('MXN')).toBe('mx');
    expect(countryOfCurrency('CLP')).toBe('cl');
  });
});
