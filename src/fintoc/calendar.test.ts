import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  BusinessCalendar,
  dailyReportWindowAt,
  holidays,
  isDate,
  juneSolstice,
  localDate,
  localDateTime,
  localTime,
  payoutWindowAt,
} from './calendar.js';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (s: string) => Date.parse(s);

describe('dates and local time', () => {
  it('knows real dates', () => {
    expect(isDate('2026-02-28')).toBe(true);
    expect(isDate('2026-02-29')).toBe(false);
    expect(isDate('2028-02-29')).toBe(true);
    expect(isDate('2026-1-01')).toBe(false);
    expect(isDate(20260101)).toBe(false);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('follows Chile between winter (UTC−4) and summer time (UTC−3)', () => {
    expect(iso(localTime('cl', '2026-03-02', 14 * 60))).toBe('2026-03-02T17:00:00.000Z');
    expect(iso(localTime('cl', '2026-07-02', 14 * 60))).toBe('2026-07-02T18:00:00.000Z');
    expect(localDate('cl', at('2026-01-01T02:59:59Z'))).toBe('2025-12-31');
    expect(localDate('cl', at('2026-01-01T03:00:00Z'))).toBe('2026-01-01');
    expect(localDateTime('cl', at('2026-07-02T18:00:00Z'))).toBe('2026-07-02T14:00:00');
    expect(localDate('mx', at('2026-07-02T05:59:00Z'))).toBe('2026-07-01');
    expect(iso(localTime('mx', '2026-07-02', 10 * 60))).toBe('2026-07-02T16:00:00.000Z');
  });

  it('pushes a midnight skipped by the September jump forward, and picks the first of a repeated hour', () => {
    // 2026-09-06: Chile's clocks go from 24:00 of Saturday to 01:00 of Sunday.
    expect(iso(localTime('cl', '2026-09-06', 0))).toBe('2026-09-06T04:00:00.000Z');
    expect(localDateTime('cl', localTime('cl', '2026-09-06', 0))).toBe('2026-09-06T01:00:00');
    // 2026-04-05: 24:00 of Saturday becomes 23:00 again; 23:30 happens twice, the first is kept.
    expect(iso(localTime('cl', '2026-04-04', 23 * 60 + 30))).toBe('2026-04-05T02:30:00.000Z');
    expect(iso(localTime('cl', '2026-04-05', 0))).toBe('2026-04-05T04:00:00.000Z');
  });

  it('localTime and localDate agree for every day and time that exists', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 365 * 10 }),
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        fc.constantFrom('cl' as const, 'mx' as const),
        (day, minutes, country) => {
          const date = addDays('2022-01-01', day);
          const ms = localTime(country, date, minutes);
          const shown = localDateTime(country, ms);
          // Either the wall time itself, or (inside a skipped hour) the same day an hour later.
          const wanted = `${date}T${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}:00`;
          return shown === wanted || Date.parse(`${shown}Z`) - Date.parse(`${wanted}Z`) === 3_600_000;
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('bank holidays', () => {
  it("match Chile's official 2025 and 2026 calendars (without election days)", () => {
    expect([...holidays('cl', 2025)].sort()).toEqual([
      '2025-01-01',
      '2025-04-18',
      '2025-04-19',
      '2025-05-01',
      '2025-05-21',
      '2025-06-20',
      '2025-06-29',
      '2025-07-16',
      '2025-08-15',
      '2025-09-18',
      '2025-09-19',
      '2025-10-12',
      '2025-10-31',
      '2025-11-01',
      '2025-12-08',
      '2025-12-25',
      '2025-12-31',
    ]);
    expect(holidays('cl', 2026).has('2026-06-21')).toBe(true);
    expect(holidays('cl', 2026).has('2026-04-03')).toBe(true);
  });

  it('move 29 June, 12 October and 31 October as the laws say', () => {
    expect(holidays('cl', 2023).has('2023-06-26')).toBe(true); // Thursday 29 → Monday 26
    expect(holidays('cl', 2023).has('2023-10-09')).toBe(true); // Thursday 12 → Monday 9
    expect(holidays('cl', 2023).has('2023-10-27')).toBe(true); // Tuesday 31 → Friday 27
    expect(holidays('cl', 2024).has('2024-11-01')).toBe(true);
    expect(holidays('cl', 2029).has('2029-07-02')).toBe(true); // Friday 29 → the next Monday
    expect(holidays('cl', 2029).has('2029-06-29')).toBe(false);
    expect(holidays('cl', 2018).has('2018-09-17')).toBe(true); // a Monday 17 September
    expect(holidays('cl', 2023).has('2023-01-02')).toBe(true); // 1 January on a Sunday
  });

  it('put the Indigenous Peoples’ day on the solstice, in Chile’s time', () => {
    expect(iso(juneSolstice(2025)).slice(0, 16)).toBe('2025-06-21T02:42');
    expect(iso(juneSolstice(2024)).slice(0, 16)).toBe('2024-06-20T20:50');
    expect(holidays('cl', 2025).has('2025-06-20')).toBe(true); // 22:42 of the 20th in Chile
    expect(holidays('cl', 2021).has('2021-06-21')).toBe(true);
  });

  it("know Mexico's bank holidays", () => {
    expect([...holidays('mx', 2026)].sort()).toEqual([
      '2026-01-01',
      '2026-02-02',
      '2026-03-16',
      '2026-04-02',
      '2026-04-03',
      '2026-05-01',
      '2026-09-16',
      '2026-11-02',
      '2026-11-16',
      '2026-12-12',
      '2026-12-25',
    ]);
    expect(holidays('mx', 2030).has('2030-10-01')).toBe(true);
  });
});

describe('business days', () => {
  const cl = new BusinessCalendar('cl', { extraHolidays: ['2026-03-10'] });
  it('skip weekends, holidays and extra holidays', () => {
    expect(cl.isBusinessDay('2026-03-09')).toBe(true);
    expect(cl.isBusinessDay('2026-03-07')).toBe(false);
    expect(cl.isBusinessDay('2026-03-10')).toBe(false);
    expect(cl.nextBusinessDay('2026-09-17')).toBe('2026-09-21');
    expect(cl.previousBusinessDay('2026-09-21')).toBe('2026-09-17');
    expect(cl.nextBusinessDay('2026-03-09', true)).toBe('2026-03-09');
    expect(() => new BusinessCalendar('cl', { extraHolidays: ['2026-02-30'] })).toThrow(RangeError);
  });
});

describe('payout windows', () => {
  const cl = new BusinessCalendar('cl');
  it('banking day: 14:00 cut-off, paid out at 15:00, a holiday widens the window', () => {
    const before = payoutWindowAt(cl, 'banking_day', at('2026-09-17T16:59:59Z')); // 13:59:59 CLST
    expect(before.date).toBe('2026-09-17');
    const after = payoutWindowAt(cl, 'banking_day', at('2026-09-17T17:00:00Z')); // 14:00 on the dot
    expect(after.date).toBe('2026-09-21');
    expect(iso(after.start)).toBe('2026-09-17T17:00:00.000Z');
    expect(iso(after.end)).toBe('2026-09-21T17:00:00.000Z');
    expect(iso(after.dueAt)).toBe('2026-09-21T18:00:00.000Z');
  });

  it('business day: a weekend joins Monday, paid out the next business day at 10:00', () => {
    const w = payoutWindowAt(cl, 'business_day', at('2026-03-07T15:00:00Z')); // Saturday
    expect(w.date).toBe('2026-03-09');
    expect(iso(w.start)).toBe('2026-03-07T03:00:00.000Z');
    expect(iso(w.end)).toBe('2026-03-10T03:00:00.000Z');
    expect(iso(w.dueAt)).toBe('2026-03-10T13:00:00.000Z');
  });

  it('windows tile time: every instant is in exactly one, and the next starts where one ends', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2030-12-31T00:00:00Z') }),
        fc.constantFrom('banking_day' as const, 'business_day' as const),
        fc.constantFrom('cl' as const, 'mx' as const),
        (t, schedule, country) => {
          const cal = new BusinessCalendar(country);
          const w = payoutWindowAt(cal, schedule, t);
          const next = payoutWindowAt(cal, schedule, w.end);
          const prev = payoutWindowAt(cal, schedule, w.start - 1);
          return (
            w.start <= t &&
            t < w.end &&
            next.start === w.end &&
            prev.end === w.start &&
            w.dueAt >= w.end - 3_600_000 &&
            cal.isBusinessDay(w.date)
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('daily report windows', () => {
  const cl = new BusinessCalendar('cl');
  it('chronological: the local day, delivered at 00:20', () => {
    const w = dailyReportWindowAt(cl, 'chronological', at('2026-03-07T02:00:00Z'));
    expect(w.date).toBe('2026-03-06');
    expect(iso(w.dueAt)).toBe('2026-03-07T03:20:00.000Z');
  });
  it('banking day: Friday 14:00 to Monday 13:59, delivered Monday 14:20', () => {
    const w = dailyReportWindowAt(cl, 'banking_day', at('2026-03-07T12:00:00Z'));
    expect(w.date).toBe('2026-03-09');
    expect(iso(w.start)).toBe('2026-03-06T17:00:00.000Z');
    expect(iso(w.dueAt)).toBe('2026-03-09T17:20:00.000Z');
  });
});
