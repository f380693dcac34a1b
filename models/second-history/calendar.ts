/**
 * Days, local time and the calendar people live by: daylight-saving rules, public holidays,
 * paydays and the seasons that move spending (January sales, Valentine's day, Easter, summer,
 * the weeks before Christmas).
 */

// Bound once: jest runs this code in a VM context, where each global lookup costs more than the arithmetic (rng.ts).
const { floor, max, min, round } = Math;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

export type DstRule = 'eu' | 'us' | 'none';

export interface TimeZone {
  /** Standard-time offset from UTC, minutes east. */
  readonly standardMinutes: number;
  readonly dst: DstRule;
}

const dstCache = new Map<string, readonly [number, number]>();

/** [start, end) of daylight-saving time in UTC ms for a rule and year. */
function dstWindow(tz: TimeZone, year: number): readonly [number, number] {
  const key = `${tz.dst}/${tz.standardMinutes}/${year}`;
  const cached = dstCache.get(key);
  if (cached) return cached;
  let window: readonly [number, number];
  if (tz.dst === 'eu') {
    // EU: last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC.
    window = [lastSunday(year, 2) + HOUR_MS, lastSunday(year, 9) + HOUR_MS];
  } else if (tz.dst === 'us') {
    // US: second Sunday of March 02:00 local standard time to first Sunday of November 02:00 local daylight time.
    const std = tz.standardMinutes * MINUTE_MS;
    window = [nthSunday(year, 2, 2) + 2 * HOUR_MS - std, nthSunday(year, 10, 1) + HOUR_MS - std];
  } else {
    window = [0, 0];
  }
  dstCache.set(key, window);
  return window;
}

function lastSunday(year: number, month0: number): number {
  const last = Date.UTC(year, month0 + 1, 0);
  return last - new Date(last).getUTCDay() * DAY_MS;
}

function nthSunday(year: number, month0: number, n: number): number {
  const first = Date.UTC(year, month0, 1);
  const toSunday = (7 - new Date(first).getUTCDay()) % 7;
  return first + (toSunday + 7 * (n - 1)) * DAY_MS;
}

/** The last year looked up per time zone: [year start, next year start, dst start, dst end]. */
const lastYear = new WeakMap<TimeZone, [number, number, number, number]>();

/** The offset from UTC in minutes at a UTC instant. */
export function utcOffsetMinutes(tz: TimeZone, utcMs: number): number {
  if (tz.dst === 'none') return tz.standardMinutes;
  let year = lastYear.get(tz);
  if (!year || utcMs < year[0] || utcMs >= year[1]) {
    const y = new Date(utcMs).getUTCFullYear();
    const [start, end] = dstWindow(tz, y);
    year = [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1), start, end];
    lastYear.set(tz, year);
  }
  return tz.standardMinutes + (utcMs >= year[2] && utcMs < year[3] ? 60 : 0);
}

/** The UTC instant of a wall-clock time, given as ms on a clock that reads local time as UTC. */
export function localToUtc(tz: TimeZone, localMs: number): number {
  const guess = localMs - tz.standardMinutes * MINUTE_MS;
  return localMs - utcOffsetMinutes(tz, guess) * MINUTE_MS;
}

/** The local hour (0-23.99) of a UTC instant. */
export function localHour(tz: TimeZone, utcMs: number): number {
  const local = utcMs + utcOffsetMinutes(tz, utcMs) * MINUTE_MS;
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

export interface CalendarDay {
  readonly index: number;
  /** 00:00 of the date on a clock that reads local time as UTC (also the UTC day's start). */
  readonly midnight: number;
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly dayOfMonth: number;
  /** 0 = Sunday */
  readonly weekday: number;
  readonly daysInMonth: number;
}

export function calendarDay(start: number, index: number): CalendarDay {
  const midnight = start + index * DAY_MS;
  const date = new Date(midnight);
  const year = date.getUTCFullYear();
  const month0 = date.getUTCMonth();
  return {
    index,
    midnight,
    year,
    month: month0 + 1,
    dayOfMonth: date.getUTCDate(),
    weekday: date.getUTCDay(),
    daysInMonth: new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate(),
  };
}

const easterCache = new Map<number, number>();

/** Easter Sunday (Gregorian, the anonymous "Meeus/Jones/Butcher" computus), as UTC midnight. */
export function easterSunday(year: number): number {
  let easter = easterCache.get(year);
  if (easter === undefined) {
    easter = computeEaster(year);
    easterCache.set(year, easter);
  }
  return easter;
}

function computeEaster(year: number): number {
  const a = year % 19;
  const b = floor(year / 100);
  const c = year % 100;
  const d = floor(b / 4);
  const e = b % 4;
  const f = floor((b + 8) / 25);
  const g = floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = floor((a + 11 * h + 22 * l) / 451);
  const month = floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return Date.UTC(year, month - 1, day);
}

export interface HolidayRules {
  /** 'MM-DD' dates. */
  readonly fixed: readonly string[];
  /** Days relative to Easter Sunday (-2 Good Friday, 1 Easter Monday, 39 Ascension, 50 Whit Monday). */
  readonly easter: readonly number[];
}

export function isHoliday(rules: HolidayRules, day: CalendarDay): boolean {
  const mmdd = `${String(day.month).padStart(2, '0')}-${String(day.dayOfMonth).padStart(2, '0')}`;
  if (rules.fixed.includes(mmdd)) return true;
  const fromEaster = round((day.midnight - easterSunday(day.year)) / DAY_MS);
  return rules.easter.includes(fromEaster);
}

/** How people are paid: the day their salary, pension or allowance arrives. */
export type PaydayRule =
  | { readonly kind: 'monthly'; readonly dayOfMonth: number }
  | { readonly kind: 'last-business-day' }
  | { readonly kind: 'semi-monthly' }
  | { readonly kind: 'weekly-friday' }
  | { readonly kind: 'four-weekly'; readonly phase: number };

export function paydayKey(rule: PaydayRule): string {
  switch (rule.kind) {
    case 'monthly':
      return `monthly-${rule.dayOfMonth}`;
    case 'four-weekly':
      return `four-weekly-${rule.phase}`;
    case 'last-business-day':
    case 'semi-monthly':
    case 'weekly-friday':
      return rule.kind;
  }
}

/** Moves a payday off the weekend to the Friday before. */
function businessDayOnOrBefore(utcMidnight: number): number {
  const weekday = new Date(utcMidnight).getUTCDay();
  if (weekday === 6) return utcMidnight - DAY_MS;
  if (weekday === 0) return utcMidnight - 2 * DAY_MS;
  return utcMidnight;
}

function paydaysInMonth(rule: PaydayRule, year: number, month0: number): number[] {
  const last = new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
  switch (rule.kind) {
    case 'monthly':
      return [businessDayOnOrBefore(Date.UTC(year, month0, min(rule.dayOfMonth, last)))];
    case 'last-business-day':
      return [businessDayOnOrBefore(Date.UTC(year, month0, last))];
    case 'semi-monthly':
      return [businessDayOnOrBefore(Date.UTC(year, month0, 15)), businessDayOnOrBefore(Date.UTC(year, month0, last))];
    case 'weekly-friday':
    case 'four-weekly': {
      const days: number[] = [];
      // 1970-01-02 was a Friday: Fridays are the days whose index from it is a multiple of 7.
      const firstFriday = Date.UTC(1970, 0, 2);
      const period = rule.kind === 'weekly-friday' ? 7 : 28;
      const phase = rule.kind === 'four-weekly' ? rule.phase * 7 : 0;
      for (let date = 1; date <= last; date += 1) {
        const ms = Date.UTC(year, month0, date);
        const since = round((ms - firstFriday) / DAY_MS) - phase;
        if (((since % period) + period) % period === 0) days.push(ms);
      }
      return days;
    }
  }
}

/**
 * For each day of the history, the days since the last payday (0 on payday). Computed once per
 * rule and shared by everyone paid by it.
 */
export class PaydayTable {
  private readonly byRule = new Map<string, Int16Array>();

  constructor(
    private readonly start: number,
    private readonly days: number,
  ) {}

  daysSincePayday(rule: PaydayRule, day: number): number {
    const key = paydayKey(rule);
    let table = this.byRule.get(key);
    if (!table) {
      table = this.build(rule);
      this.byRule.set(key, table);
    }
    return table[max(0, min(this.days - 1, day))] ?? 0;
  }

  private build(rule: PaydayRule): Int16Array {
    const paydays: number[] = [];
    const first = new Date(this.start - 62 * DAY_MS);
    const end = this.start + (this.days + 31) * DAY_MS;
    for (let y = first.getUTCFullYear(), m = first.getUTCMonth(); Date.UTC(y, m, 1) < end; m += 1) {
      if (m === 12) {
        m = 0;
        y += 1;
      }
      paydays.push(...paydaysInMonth(rule, y, m));
    }
    paydays.sort((x, y) => x - y);
    const table = new Int16Array(this.days);
    let latest = paydays[0] ?? this.start - 30 * DAY_MS;
    let next = 0;
    for (let d = 0; d < this.days; d += 1) {
      const midnight = this.start + d * DAY_MS;
      while (next < paydays.length && (paydays[next] ?? Infinity) <= midnight) {
        latest = paydays[next] ?? latest;
        next += 1;
      }
      table[d] = min(60, round((midnight - latest) / DAY_MS));
    }
    return table;
  }
}

/** Which way a season moves a kind of spending. */
export type SeasonalGroup = 'fashion' | 'gifts' | 'romance' | 'groceries' | 'none';

/** A multiplier on spending of a group on a day, from the retail calendar. */
export function seasonalFactor(group: SeasonalGroup, day: CalendarDay): number {
  const { month, dayOfMonth } = day;
  const fromEaster = round((day.midnight - easterSunday(day.year)) / DAY_MS);
  switch (group) {
    case 'fashion':
      if (month === 1 && dayOfMonth >= 2 && dayOfMonth <= 20) return 1.6; // January sales
      if (month === 7 && dayOfMonth <= 20) return 1.4; // summer sales
      if (month === 12 && dayOfMonth <= 23) return 1.4;
      if (month === 11 && isBlackFridayWeek(day)) return 2.2;
      return 1;
    case 'gifts':
      if (month === 12 && dayOfMonth <= 23) return 1.3 + 0.05 * dayOfMonth;
      if (month === 11 && isBlackFridayWeek(day)) return 2.5;
      if (month === 1 && dayOfMonth <= 10) return 1.2; // gift cards spent, returns re-bought
      return 1;
    case 'romance':
      if (month === 2 && dayOfMonth >= 12 && dayOfMonth <= 14) return dayOfMonth === 14 ? 2.4 : 1.5;
      if (month === 12 && dayOfMonth === 31) return 1.8;
      return 1;
    case 'groceries':
      if (fromEaster >= -3 && fromEaster <= -1) return 1.35;
      if (month === 12 && dayOfMonth >= 20 && dayOfMonth <= 24) return 1.5;
      if (month === 12 && dayOfMonth === 31) return 1.3;
      return 1;
    case 'none':
      return 1;
  }
}

function isBlackFridayWeek(day: CalendarDay): boolean {
  // Black Friday: the day after the fourth Thursday of November; the week around it.
  const firstThursday = 1 + ((4 - new Date(Date.UTC(day.year, 10, 1)).getUTCDay() + 7) % 7);
  const blackFriday = firstThursday + 22;
  return day.dayOfMonth >= blackFriday - 4 && day.dayOfMonth <= blackFriday + 3;
}

/** How much people want to be away from home around a date: school holidays, Easter, summer. */
export function travelSeason(day: CalendarDay): number {
  const { month, dayOfMonth } = day;
  const fromEaster = round((day.midnight - easterSunday(day.year)) / DAY_MS);
  if (fromEaster >= -9 && fromEaster <= 8) return 2.6;
  if (month === 2 && dayOfMonth >= 7) return 1.9; // winter half-term and ski weeks
  if (month === 3 && dayOfMonth <= 1) return 1.9;
  if (month === 7 || month === 8) return 3;
  if (month === 12 && dayOfMonth >= 20) return 2;
  if (month === 1 && dayOfMonth <= 4) return 1.6;
  if (month === 1) return 0.6; // after the holidays
  if (month === 5 || month === 6 || month === 9) return 1.4;
  return 1;
}
