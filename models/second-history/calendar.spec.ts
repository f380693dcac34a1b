import { DAY_MS, PaydayTable, calendarDay, easterSunday, isHoliday, localToUtc, utcOffsetMinutes, type TimeZone } from './calendar';
import { countryOf } from './places';

const BERLIN: TimeZone = { standardMinutes: 60, dst: 'eu' };
const NEW_YORK: TimeZone = { standardMinutes: -300, dst: 'us' };
const start = Date.parse('2026-01-01T00:00:00Z');

describe('calendar', () => {
  it('switches to summer time on the EU and US dates', () => {
    expect(utcOffsetMinutes(BERLIN, Date.parse('2026-03-29T00:59:00Z'))).toBe(60);
    expect(utcOffsetMinutes(BERLIN, Date.parse('2026-03-29T01:00:00Z'))).toBe(120);
    expect(utcOffsetMinutes(BERLIN, Date.parse('2026-10-25T01:00:00Z'))).toBe(60);
    expect(utcOffsetMinutes(NEW_YORK, Date.parse('2026-03-08T06:59:00Z'))).toBe(-300);
    expect(utcOffsetMinutes(NEW_YORK, Date.parse('2026-03-08T07:00:00Z'))).toBe(-240);
  });

  it('turns local wall-clock times into UTC', () => {
    expect(new Date(localToUtc(BERLIN, Date.parse('2026-01-15T09:00:00Z'))).toISOString()).toBe('2026-01-15T08:00:00.000Z');
    expect(new Date(localToUtc(BERLIN, Date.parse('2026-07-15T09:00:00Z'))).toISOString()).toBe('2026-07-15T07:00:00.000Z');
    expect(new Date(localToUtc(NEW_YORK, Date.parse('2026-01-15T09:00:00Z'))).toISOString()).toBe('2026-01-15T14:00:00.000Z');
  });

  it('knows Easter and the holidays that hang on it', () => {
    expect(new Date(easterSunday(2026)).toISOString().slice(0, 10)).toBe('2026-04-05');
    expect(new Date(easterSunday(2027)).toISOString().slice(0, 10)).toBe('2027-03-28');
    const goodFriday = calendarDay(start, Math.round((Date.parse('2026-04-03T00:00:00Z') - start) / DAY_MS));
    expect(isHoliday(countryOf('GB').holidays, goodFriday)).toBe(true);
    expect(isHoliday(countryOf('FR').holidays, goodFriday)).toBe(false);
  });

  it('counts days since payday, moving a weekend payday to the Friday before', () => {
    const table = new PaydayTable(start, 60);
    // 31 January 2026 is a Saturday: paid Friday the 30th (day 29).
    expect(table.daysSincePayday({ kind: 'last-business-day' }, 29)).toBe(0);
    expect(table.daysSincePayday({ kind: 'last-business-day' }, 31)).toBe(2);
    // 25 January 2026 is a Sunday: paid Friday the 23rd (day 22).
    expect(table.daysSincePayday({ kind: 'monthly', dayOfMonth: 25 }, 22)).toBe(0);
    expect(table.daysSincePayday({ kind: 'monthly', dayOfMonth: 25 }, 24)).toBe(2);
    // Weekly on Fridays: 2 January 2026 is a Friday.
    expect(table.daysSincePayday({ kind: 'weekly-friday' }, 1)).toBe(0);
    expect(table.daysSincePayday({ kind: 'weekly-friday' }, 7)).toBe(6);
  });
});
