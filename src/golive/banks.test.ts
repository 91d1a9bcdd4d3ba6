import { describe, expect, it } from 'vitest';
import { CHILE_BANKS, MEXICO_BANKS, findChileBank, findMexicoBank } from './banks.js';

describe('findChileBank', () => {
  it.each([
    ['cl_banco_de_chile', 'cl_banco_de_chile'],
    ['Banco de Chile', 'cl_banco_de_chile'],
    ['banco de chile - edwards - citi', 'cl_banco_de_chile'],
    ['Edwards', 'cl_banco_de_chile'],
    ['BancoEstado', 'cl_banco_estado'],
    ['Itaú', 'cl_banco_itau'],
    ['banco itau', 'cl_banco_itau'],
    ['Coopeuch', 'cl_banco_coopeuch'],
    ['Banco Scotiabank', 'cl_banco_scotiabank'],
  ])('%s is %s', (text, id) => {
    expect(findChileBank(text)?.id).toBe(id);
  });

  it.each(['', '  ', 'Banco', 'Banco del Mundo', 'chile edwards'])('%j names no bank', (text) => {
    expect(findChileBank(text)).toBeUndefined();
  });

  it('finds every bank by its own name and id', () => {
    for (const b of CHILE_BANKS) {
      expect(findChileBank(b.name)).toBe(b);
      expect(findChileBank(b.id)).toBe(b);
    }
  });
});

describe('findMexicoBank', () => {
  it('finds every bank by its own name and CLABE code', () => {
    for (const b of MEXICO_BANKS) {
      expect(findMexicoBank(b.name)?.name).toBe(b.name);
      expect(findMexicoBank(b.code)).toBe(b);
    }
  });

  it('takes a name without its leading "Banco" when only one bank has it', () => {
    expect(findMexicoBank('bbva mexico')?.code).toBe('012');
    expect(findMexicoBank('Banco Santander')?.code).toBe('014');
  });
});
