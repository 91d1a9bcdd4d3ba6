/**
 * Fintoc's money calendar: local time in Chile and Mexico, business days and bank holidays, and the
 * windows that payouts and the daily transaction report cover (as Fintoc documents them: Chile pays out
 * daily with a 14:00 banking cut-off or a 00:00 business-day cut-off, Mexico with a business-day
 * cut-off; the daily report covers the chronological day or, in Chile, the banking day from 14:00 to
 * 13:59 of the next business day, holidays widening it). The sandbox pays out by these rules and the
 * reconciliation library uses the same ones to know when a payment should have been paid out.
 *
 * Dates are `yyyy-mm-dd` strings of the country's calendar; instants are epoch milliseconds.
 *
 * @example
 * const cal = new BusinessCalendar('cl');
 * cal.isBusinessDay('2026-09-18'); // false: Fiestas Patrias
 * payoutWindowAt(cal, 'banking_day', Date.parse('2026-09-17T19:00:00Z')); // paid out 2026-09-21 15:00 CLT
 */

export type Country = 'cl' | 'mx';

/** The time zone Fintoc's days are counted in, per country. */
export const TIME_ZONES: Record<Country, string> = {
  cl: 'America/Santiago',
  mx: 'America/Mexico_City',
};

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// ---------------------------------------------------------------- plain dates

/** Whether `s` is a real calendar date written `yyyy-mm-dd`. @example isDate('2026-02-30'); // false */
export function isDate(s: unknown): s is string {
  if (typeof s !== 'string' || !DATE.test(s)) return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 ? (leap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31);
}

function dateMs(date: string): number {
  const m = DATE.exec(date);
  if (!m) throw new RangeError(`not a yyyy-mm-dd date: ${JSON.stringify(date)}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function ymd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `date` plus `days` calendar days. @example addDays('2026-12-31', 1); // '2027-01-01' */
export function addDays(date: string, days: number): string {
  return ymd(dateMs(date) + days * DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: string): number {
  return new Date(dateMs(date)).getUTCDay();
}

// ---------------------------------------------------------------- local time

const formatters = new Map<string, Intl.DateTimeFormat>();
/** UTC offset (local − UTC, ms) per zone and UTC hour; zones here only change offset on the hour. */
const offsets = new Map<string, number>();

function offsetAt(zone: string, ms: number): number {
  const hour = Math.floor(ms / HOUR_MS);
  const key = `${zone}|${hour}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;
  let fmt = formatters.get(zone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, fmt);
  }
  const at = hour * HOUR_MS;
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const local = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  const offset = local - at;
  if (offsets.size > 100_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

const dates: Record<Country, Map<number, string>> = { cl: new Map(), mx: new Map() };

/** The local calendar date of an instant in a country. @example localDate('cl', Date.parse('2026-01-01T02:00:00Z')); // '2025-12-31' */
export function localDate(country: Country, ms: number): string {
  // Offsets change on the hour only, so the date is the same for a whole UTC hour.
  const hour = Math.floor(ms / HOUR_MS);
  const cache = dates[country];
  let date = cache.get(hour);
  if (date === undefined) {
    date = ymd(ms + offsetAt(TIME_ZONES[country], ms));
    if (cache.size > 100_000) cache.clear();
    cache.set(hour, date);
  }
  return date;
}

/** The local wall-clock time of an instant, `yyyy-mm-ddThh:mm:ss` (no offset). */
export function localDateTime(country: Country, ms: number): string {
  return new Date(ms + offsetAt(TIME_ZONES[country], ms)).toISOString().slice(0, 19);
}

/**
 * The instant at which the local clock of `country` shows `date` plus `minutes` (e.g. 14 × 60 for
 * 14:00). A time skipped by a daylight-saving jump is pushed forward by the jump (Chile's midnight
 * on the day summer time starts is 01:00); a time shown twice gives the first.
 *
 * @example localTime('cl', '2026-03-02', 14 * 60); // Date.parse('2026-03-02T17:00:00Z')
 */
export function localTime(country: Country, date: string, minutes = 0): number {
  const zone = TIME_ZONES[country];
  const wall = dateMs(date) + minutes * 60_000;
  const before = wall - offsetAt(zone, wall - DAY_MS);
  const after = wall - offsetAt(zone, wall + DAY_MS);
  const shows = (ms: number) => ms + offsetAt(zone, ms) === wall;
  const candidates = [before, after].filter(shows);
  if (candidates.length > 0) return Math.min(...candidates);
  // A gap (the clock jumped forward over `wall`): `wall` pushed forward by the jump, as Temporal's "compatible".
  return before;
}

// ---------------------------------------------------------------- bank holidays

/** Easter Sunday of a year (Gregorian computus). */
function easter(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return ymd(Date.UTC(year, month - 1, day));
}

/** Periodic terms of the solstice correction (Meeus, Astronomical Algorithms, table 27.C). */
const SOLSTICE_TERMS: ReadonlyArray<readonly [number, number, number]> = [
  [485, 324.96, 1934.136],
  [203, 337.23, 32964.467],
  [199, 342.08, 20.186],
  [182, 27.85, 445267.112],
  [156, 73.14, 45036.886],
  [136, 171.52, 22518.443],
  [77, 222.54, 65928.934],
  [74, 296.72, 3034.906],
  [70, 243.58, 9037.513],
  [58, 119.81, 33718.147],
  [52, 297.17, 150.678],
  [50, 21.02, 2281.226],
  [45, 247.54, 29929.562],
  [44, 325.15, 31555.956],
  [29, 60.93, 4443.417],
  [18, 155.12, 67555.328],
  [17, 288.79, 4562.452],
  [16, 198.04, 62894.029],
  [14, 199.76, 31436.921],
  [12, 95.39, 14577.848],
  [12, 287.11, 31931.756],
  [12, 320.81, 34777.259],
  [9, 227.73, 1222.114],
  [8, 15.45, 16859.074],
];

/** The instant of the June solstice (Meeus, chapter 27; within a couple of minutes for 2000–2100). */
export function juneSolstice(year: number): number {
  const rad = Math.PI / 180;
  const y = (year - 2000) / 1000;
  const jde0 = 2451716.56767 + 365241.62603 * y + 0.00325 * y ** 2 + 0.00888 * y ** 3 - 0.0003 * y ** 4;
  const t = (jde0 - 2451545.0) / 36525;
  const w = (35999.373 * t - 2.47) * rad;
  const dl = 1 + 0.0334 * Math.cos(w) + 0.0007 * Math.cos(2 * w);
  const s = SOLSTICE_TERMS.reduce((sum, [a, b, c]) => sum + a * Math.cos((b + c * t) * rad), 0);
  const jde = jde0 + (0.00001 * s) / dl;
  // Julian ephemeris day to Unix ms; TT runs about 69 s ahead of UTC in these years.
  return Math.round((jde - 2440587.5) * DAY_MS - 69_000);
}

/** Chile's rule for 29 June and 12 October (Ley 19.668): Tue–Thu to that week's Monday, Fri to the next Monday. */
function movedToMonday(date: string): string {
  const wd = weekday(date);
  if (wd >= 2 && wd <= 4) return addDays(date, 1 - wd);
  if (wd === 5) return addDays(date, 3);
  return date;
}

/**
 * Chile's days without banking, by law: national holidays (with the laws that move some of them),
 * the Indigenous Peoples' day on the winter solstice, Good Friday and Holy Saturday, and 31 December
 * (banks closed to the public). Election days and one-off holidays are not rules: add them with
 * `BusinessCalendar`'s `extraHolidays`.
 */
function chileHolidays(year: number): string[] {
  const d = (md: string) => `${year}-${md}`;
  const days = [
    d('01-01'),
    d('05-01'),
    d('05-21'),
    d('07-16'),
    d('08-15'),
    d('09-18'),
    d('09-19'),
    d('11-01'),
    d('12-08'),
    d('12-25'),
    d('12-31'),
    movedToMonday(d('06-29')),
    movedToMonday(d('10-12')),
  ];
  const e = easter(year);
  days.push(addDays(e, -2), addDays(e, -1));
  if (weekday(d('01-01')) === 0) days.push(d('01-02')); // Ley 20.983
  if (weekday(d('09-17')) === 1) days.push(d('09-17')); // Ley 20.215
  if (weekday(d('09-20')) === 5) days.push(d('09-20'));
  // Ley 20.299: a Tuesday 31 October moves to the Friday before, a Wednesday one to the Friday after.
  const reformation = d('10-31');
  const wd = weekday(reformation);
  days.push(wd === 2 ? addDays(reformation, -4) : wd === 3 ? addDays(reformation, 2) : reformation);
  // Ley 21.357: the winter solstice (2021, the first year, was fixed by the law itself on 21 June).
  if (year === 2021) days.push('2021-06-21');
  else if (year > 2021) days.push(localDate('cl', juneSolstice(year)));
  return days;
}

function nthWeekday(year: number, month: number, wd: number, n: number): string {
  const first = `${year}-${String(month).padStart(2, '0')}-01`;
  return addDays(first, ((wd - weekday(first) + 7) % 7) + 7 * (n - 1));
}

/** Mexico's bank holidays (CNBV calendar): the statutory days plus Holy Thursday, Good Friday, 2 November and 12 December. */
function mexicoHolidays(year: number): string[] {
  const d = (md: string) => `${year}-${md}`;
  const e = easter(year);
  const days = [
    d('01-01'),
    nthWeekday(year, 2, 1, 1),
    nthWeekday(year, 3, 1, 3),
    addDays(e, -3),
    addDays(e, -2),
    d('05-01'),
    d('09-16'),
    d('11-02'),
    nthWeekday(year, 11, 1, 3),
    d('12-12'),
    d('12-25'),
  ];
  if ((year - 2024) % 6 === 0) days.push(d('10-01')); // a new president takes office
  return days;
}

const holidayCache = new Map<string, ReadonlySet<string>>();

/**
 * The bank holidays of a country in a year, by rule (see docs/reconciliation.md for the list).
 *
 * @example holidays('cl', 2026).has('2026-06-21'); // true (Indigenous Peoples' day, the solstice)
 */
export function holidays(country: Country, year: number): ReadonlySet<string> {
  const key = `${country}${year}`;
  let set = holidayCache.get(key);
  if (!set) {
    set = new Set(country === 'cl' ? chileHolidays(year) : mexicoHolidays(year));
    holidayCache.set(key, set);
  }
  return set;
}

// ---------------------------------------------------------------- business days

export interface BusinessCalendarOptions {
  /** More days without banking (`yyyy-mm-dd`): election days, one-off holidays. */
  extraHolidays?: Iterable<string>;
}

/**
 * Business days of one country: Monday to Friday, except bank holidays (by rule, plus extra ones).
 *
 * @example
 * const cal = new BusinessCalendar('cl', { extraHolidays: ['2025-11-16'] });
 * cal.nextBusinessDay('2026-09-17'); // '2026-09-21'
 */
export class BusinessCalendar {
  readonly extraHolidays: ReadonlySet<string>;

  constructor(
    readonly country: Country,
    options: BusinessCalendarOptions = {},
  ) {
    const extra = [...(options.extraHolidays ?? [])];
    for (const day of extra)
      if (!isDate(day)) throw new RangeError(`not a yyyy-mm-dd date: ${JSON.stringify(day)}`);
    this.extraHolidays = new Set(extra);
  }

  isHoliday(date: string): boolean {
    return this.extraHolidays.has(date) || holidays(this.country, Number(date.slice(0, 4))).has(date);
  }

  isBusinessDay(date: string): boolean {
    const wd = weekday(date);
    return wd !== 0 && wd !== 6 && !this.isHoliday(date);
  }

  /** The first business day after `date` (or on it, with `inclusive`). */
  nextBusinessDay(date: string, inclusive = false): string {
    let d = inclusive ? date : addDays(date, 1);
    while (!this.isBusinessDay(d)) d = addDays(d, 1);
    return d;
  }

  /** The last business day before `date` (or on it, with `inclusive`). */
  previousBusinessDay(date: string, inclusive = false): string {
    let d = inclusive ? date : addDays(date, -1);
    while (!this.isBusinessDay(d)) d = addDays(d, -1);
    return d;
  }
}

// ---------------------------------------------------------------- payout and report windows

/**
 * When Fintoc pays out what it collected:
 * - `banking_day` (Chile's default, "< 1 business day"): the window closes at 14:00 of each business
 *   day and is paid out that day at 15:00.
 * - `business_day` (Chile's other option, Mexico's only one): the window closes at midnight ending each
 *   business day (a weekend or holiday joins the window of the next business day) and is paid out
 *   the next business day at 10:00.
 */
export const PAYOUT_SCHEDULES = ['banking_day', 'business_day'] as const;
export type PayoutSchedule = (typeof PAYOUT_SCHEDULES)[number];

/** What the daily transaction report covers: the calendar day (CL, MX) or Chile's banking day. */
export const DAILY_REPORT_SCHEDULES = ['chronological', 'banking_day'] as const;
export type DailyReportSchedule = (typeof DAILY_REPORT_SCHEDULES)[number];

/** A half-open window of instants `[start, end)`, the business `date` it belongs to, and when its payout or report is due. */
export interface MoneyWindow {
  start: number;
  end: number;
  /** The date that names the window: the business day whose cut-off closes it (or the calendar day). */
  date: string;
  /** When the payout is made, or the report delivered. */
  dueAt: number;
}

/** The default payout schedule of a country. */
export function defaultPayoutSchedule(country: Country): PayoutSchedule {
  return country === 'cl' ? 'banking_day' : 'business_day';
}

/** The banking-day window (14:00 to 14:00 of the next business day) that holds `at`. */
function bankingDayWindow(cal: BusinessCalendar, at: number): { start: number; end: number; date: string } {
  const cutoff = (d: string) => localTime(cal.country, d, 14 * 60);
  let date = cal.nextBusinessDay(localDate(cal.country, at), true);
  while (cutoff(date) <= at) date = cal.nextBusinessDay(date);
  return { start: cutoff(cal.previousBusinessDay(date)), end: cutoff(date), date };
}

/**
 * The payout window that holds the instant `at`, and when it is paid out.
 *
 * @example
 * const w = payoutWindowAt(new BusinessCalendar('cl'), 'banking_day', Date.parse('2026-03-06T18:00:00Z'));
 * w.date; // '2026-03-09' (Friday 15:00 CLT is after the cut-off: Monday's window)
 */
export function payoutWindowAt(cal: BusinessCalendar, schedule: PayoutSchedule, at: number): MoneyWindow {
  const c = cal.country;
  if (schedule === 'banking_day') {
    const w = bankingDayWindow(cal, at);
    return { ...w, dueAt: localTime(c, w.date, 15 * 60) };
  }
  const date = cal.nextBusinessDay(localDate(c, at), true);
  const start = localTime(c, addDays(cal.previousBusinessDay(date), 1));
  const end = localTime(c, addDays(date, 1));
  return { start, end, date, dueAt: localTime(c, cal.nextBusinessDay(date), 10 * 60) };
}

/**
 * The daily-report window that holds `at`: the calendar day (delivered 00:20 the next day) or, in
 * Chile, the banking day (delivered 14:20 on the business day that closes it).
 *
 * @example dailyReportWindowAt(new BusinessCalendar('cl'), 'chronological', Date.parse('2026-03-06T18:00:00Z')).date; // '2026-03-06'
 */
export function dailyReportWindowAt(
  cal: BusinessCalendar,
  schedule: DailyReportSchedule,
  at: number,
): MoneyWindow {
  const c = cal.country;
  if (schedule === 'banking_day') {
    const w = bankingDayWindow(cal, at);
    return { ...w, dueAt: localTime(c, w.date, 14 * 60 + 20) };
  }
  const date = localDate(c, at);
  const next = addDays(date, 1);
  return { start: localTime(c, date), end: localTime(c, next), date, dueAt: localTime(c, next, 20) };
}
