import { describe, expect, it } from 'vitest';
import { PayoutSchema } from './schemas.js';
import {
  dailyReportFilename,
  orgSlug,
  parseReportFilename,
  payoutReportFilename,
  REPORT_COLUMNS,
  REQUIRED_REPORT_COLUMNS,
} from './reports.js';

describe('report file names', () => {
  it('write the organisation as Fintoc does ("My Company" → mycompany)', () => {
    expect(orgSlug('My Company')).toBe('mycompany');
    expect(orgSlug('Panadería Ñuñoa SpA')).toBe('panaderianunoaspa');
    expect(orgSlug('¡¿ !?')).toBe('organization');
    expect(payoutReportFilename('2026-03-09', 'My Company')).toBe('2026-03-09-fintoc-payout-mycompany.csv');
    expect(dailyReportFilename('2026-03-09', 'My Company')).toBe(
      '2026-03-09-daily-summary-fintoc-mycompany.csv',
    );
  });

  it('are read back, with a copy suffix or a folder, and anything else is not a report name', () => {
    expect(parseReportFilename('2026-03-09-fintoc-payout-mycompany.csv')).toEqual({
      kind: 'payout',
      date: '2026-03-09',
      org: 'mycompany',
    });
    expect(parseReportFilename('/tmp/x/2026-03-09-daily-summary-fintoc-mycompany (2).csv')).toEqual({
      kind: 'daily',
      date: '2026-03-09',
      org: 'mycompany',
    });
    expect(parseReportFilename('2026-03-09-fintoc-payout-mycompany-2.csv')?.org).toBe('mycompany');
    for (const bad of ['2026-02-30-fintoc-payout-x.csv', 'payout.csv', '2026-03-09-fintoc-payout-.csv', ''])
      expect(parseReportFilename(bad)).toBeNull();
  });

  it("start with Fintoc's four documented columns", () => {
    expect(REPORT_COLUMNS.slice(0, 4)).toEqual([...REQUIRED_REPORT_COLUMNS]);
    expect(REQUIRED_REPORT_COLUMNS).toEqual(['id', 'created_at', 'amount', 'fee']);
  });
});

describe('payout schema', () => {
  it("reads Fintoc's documented payout object", () => {
    const po = PayoutSchema.parse({
      id: 'po_6qMelax3udMp0bDR',
      object: 'payout',
      amount: 49632342,
      created_at: '2021-10-15T15:23:11.474Z',
      currency: 'CLP',
      mode: 'live',
      recipient_account: {
        holder_id: '761349341',
        institution_id: 'cl_banco_security',
        number: '9213610',
        type: 'checking_account',
      },
      status: 'succeeded',
      succeeded_at: '2021-10-15T15:24:15.474Z',
      updated_at: '2021-10-15T15:23:11.474Z',
    });
    expect(po.amount).toBe(49632342);
    expect(PayoutSchema.safeParse({ ...po, status: 'paid' }).success).toBe(false);
  });
});
