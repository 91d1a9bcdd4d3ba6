import { describe, expect, it } from 'vitest';
import {
  ACCOUNTS,
  checkLogin,
  checkSecondFactor,
  findInstitution,
  normalizePhone,
  normalizeRut,
  type TestAccount,
} from './bank.js';
import { CHANNEL, dataOptions, isToFrame, isToParent } from './protocol.js';

function account(number: string): TestAccount {
  const found = ACCOUNTS.cl.find((candidate) => candidate.number === number);
  if (!found) throw new Error(`no test account ${number}`);
  return found;
}

describe('test credentials', () => {
  it.each(['41614850-3', '41.614.850-3', '416148503', ' 40427672-7 ', '41579263-8'])(
    'accepts the RUT %s with jonsnow',
    (rut) => {
      expect(checkLogin('cl', rut, 'jonsnow')).toBe(true);
    },
  );

  it.each([
    ['41614850-3', 'wrong'],
    ['41614850-4', 'jonsnow'],
    ['', 'jonsnow'],
  ])('refuses %s / %s', (rut, password) => {
    expect(checkLogin('cl', rut, password)).toBe(false);
  });

  it('normalises RUTs and phones the way customers type them', () => {
    expect(normalizeRut('12.345.678-k')).toBe('12345678-K');
    expect(normalizePhone('+52 (55) 5555-5555')).toBe('5555555555');
  });

  it('accepts the Mexican test phone, with or without +52, and nothing else', () => {
    expect(checkLogin('mx', '55 5555 5555', '')).toBe(true);
    expect(checkLogin('mx', '+525555555555', '')).toBe(true);
    expect(checkLogin('mx', '5555555556', '')).toBe(false);
  });
});

describe('second factors', () => {
  it('match the documented accounts', () => {
    expect(account('813990168')).toMatchObject({ secondFactor: 'device', code: ['000000'] });
    expect(account('422159212')).toMatchObject({ secondFactor: 'app', code: [] });
    expect(account('170086177')).toMatchObject({ secondFactor: 'sms', code: ['0000'] });
    expect(account('746326042')).toMatchObject({ secondFactor: 'card', code: ['00', '00', '00'] });
  });

  it('accept the right codes only', () => {
    expect(checkSecondFactor(account('813990168'), ['000000'])).toBe(true);
    expect(checkSecondFactor(account('813990168'), ['000001'])).toBe(false);
    expect(checkSecondFactor(account('746326042'), ['00', ' 00', '00'])).toBe(true);
    expect(checkSecondFactor(account('746326042'), ['00', '00'])).toBe(false);
    expect(checkSecondFactor(account('422159212'), [])).toBe(true);
  });
});

describe('institutions', () => {
  it('pre-select a bank of the country, by id or a documented alias', () => {
    expect(findInstitution('cl', 'cl_banco_estado')?.name).toBe('BancoEstado');
    expect(findInstitution('mx', 'mx_banco_banamex')?.id).toBe('mx_banamex');
    expect(findInstitution('cl', 'mx_bbva')).toBeNull();
    expect(findInstitution('cl', undefined)).toBeNull();
  });
});

describe('frame messages', () => {
  it('keep the options as data and drop callbacks', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(
      dataOptions({
        product: 'payments',
        nested: { a: [1] },
        onSuccess: () => undefined,
        skipped: undefined,
        cyclic,
      }),
    ).toEqual({ product: 'payments', nested: { a: [1] } });
  });

  it('are accepted only on our channel, for our widget, in a known shape', () => {
    expect(
      isToParent(
        { channel: CHANNEL, widgetId: 'w1', type: 'event', name: 'opened', metadata: { timestamp: 1 } },
        'w1',
      ),
    ).toBe(true);
    expect(isToParent({ channel: CHANNEL, widgetId: 'w2', type: 'success' }, 'w1')).toBe(false);
    expect(isToParent({ channel: 'other', widgetId: 'w1', type: 'success' }, 'w1')).toBe(false);
    expect(isToParent({ channel: CHANNEL, widgetId: 'w1', type: 'event', name: 'opened' }, 'w1')).toBe(false);
    expect(isToParent({ channel: CHANNEL, widgetId: 'w1', type: 'steal' }, 'w1')).toBe(false);
    expect(isToFrame({ channel: CHANNEL, widgetId: 'w1', type: 'configure', options: {} }, 'w1')).toBe(true);
    expect(isToFrame({ channel: CHANNEL, widgetId: 'w1', type: 'configure' }, 'w1')).toBe(false);
    expect(isToFrame('open', 'w1')).toBe(false);
  });
});
