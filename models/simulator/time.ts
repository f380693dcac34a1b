import type { City } from './cities';
import { at, type Rng } from './rng';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** When people pay, by local hour (0-23) and by weekday (0 = Sunday). Shapes, not probabilities. */
export type Rhythm = 'shop' | 'food' | 'cafe' | 'commute' | 'fuel' | 'online' | 'atm' | 'hotel' | 'evening' | 'night';

const HOURLY: Record<Rhythm, readonly number[]> = {
  shop: [0.02, 0.01, 0, 0, 0, 0.02, 0.1, 0.4, 1, 2, 3, 3.5, 3.5, 3.2, 3, 3.2, 3.8, 4.5, 4.8, 3.5, 2, 0.8, 0.2, 0.05],
  food: [0.1, 0.05, 0.02, 0, 0, 0, 0.05, 0.2, 0.4, 0.5, 0.8, 2, 4.5, 4, 1.5, 0.8, 0.8, 1.5, 3, 4.5, 4.5, 3, 1.5, 0.5],
  cafe: [0.05, 0.02, 0, 0, 0, 0.1, 0.8, 2.5, 3.5, 3, 2.5, 2.5, 3, 2.5, 2, 2, 2, 1.8, 1.2, 0.8, 0.5, 0.3, 0.2, 0.1],
  commute: [0.05, 0.02, 0, 0, 0.02, 0.3, 1.5, 4, 4.5, 2, 1, 1, 1.2, 1, 1, 1.5, 2.5, 4, 3.5, 2, 1, 0.7, 0.4, 0.2],
  fuel: [0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 1, 2, 2.2, 2, 2, 2, 2, 2, 2, 2.2, 2.5, 3, 2.8, 2, 1.2, 0.6, 0.3, 0.2],
  online: [1, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 1.8, 2, 2.1, 2.2, 2.4, 2.2, 2.1, 2.1, 2.2, 2.4, 2.8, 3.3, 3.8, 3.6, 2.6, 1.6],
  atm: [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.4, 1, 1.8, 2, 2.2, 2.5, 2.8, 2.5, 2.3, 2.3, 2.5, 3, 3, 2.5, 2, 1.4, 0.8, 0.4],
  hotel: [0.1, 0.02, 0, 0, 0, 0, 0.3, 1.2, 2.5, 2.5, 2, 1.2, 1, 1.2, 1.8, 2.5, 2.8, 2.5, 2, 1.5, 1.2, 0.8, 0.4, 0.2],
  evening: [0.2, 0.05, 0, 0, 0, 0, 0, 0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.8, 1, 1.5, 2.5, 3.5, 4, 3, 1.5, 0.6],
  // Automated fraud runs when the cardholder sleeps and the bank's analysts are off shift.
  night: [3, 3, 3, 3, 2.5, 2, 1.2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.2, 1.5, 2, 2.5, 3],
};

const WEEKLY: Record<Rhythm, readonly number[]> = {
  // Many shops close on Sundays in much of Europe.
  shop: [0.35, 1, 1, 1, 1.05, 1.2, 1.5],
  food: [1.1, 0.8, 0.85, 0.9, 1, 1.35, 1.4],
  cafe: [0.8, 1.1, 1.1, 1.1, 1.1, 1.05, 0.9],
  commute: [0.3, 1.25, 1.25, 1.25, 1.25, 1.15, 0.45],
  fuel: [0.8, 1, 1, 1, 1.05, 1.2, 1],
  online: [1.2, 1.05, 1, 1, 0.95, 0.9, 1],
  atm: [0.7, 0.95, 0.95, 1, 1.05, 1.3, 1.2],
  hotel: [1, 0.9, 0.9, 0.9, 1, 1.2, 1.2],
  evening: [1.1, 0.6, 0.6, 0.7, 0.9, 1.5, 1.7],
  night: [1, 1, 1, 1, 1, 1, 1],
};

export function weekdayFactor(rhythm: Rhythm, weekday: number): number {
  return at(WEEKLY[rhythm], weekday);
}

/** UTC weekday of the day starting at `dayStart`. */
export function weekdayOf(dayStart: number): number {
  return new Date(dayStart).getUTCDay();
}

/**
 * A random instant within the UTC day [dayStart, dayStart + DAY) whose local hour in `city`
 * follows `rhythm`. Near midnight the local and the UTC day differ by the offset; a few hours
 * of shift at the edge of the night do not matter for the shape.
 */
export function sampleTime(rng: Rng, rhythm: Rhythm, dayStart: number, city: City): number {
  const localHour = rng.weighted(HOURLY[rhythm]);
  const offset = utcOffsetHours(city, dayStart + 12 * HOUR);
  const utcHour = (((localHour - offset) % 24) + 24) % 24;
  return dayStart + Math.floor((utcHour + rng.float()) * HOUR);
}

/** A UTC hour drawn from a rhythm read as UTC hours (for fraud that does not live anywhere). */
export function sampleUtcTime(rng: Rng, rhythm: Rhythm, dayStart: number, lastHour = 23): number {
  const hour = rng.weighted(HOURLY[rhythm].slice(0, lastHour + 1));
  return dayStart + Math.floor((hour + rng.float()) * HOUR);
}

export function utcOffsetHours(city: City, t: number): number {
  return city.utcOffset + (city.euDst && inEuSummerTime(t) ? 1 : 0);
}

const summerTimeByYear = new Map<number, readonly [number, number]>();

/** EU rule: from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October. */
function inEuSummerTime(t: number): boolean {
  const year = new Date(t).getUTCFullYear();
  let range = summerTimeByYear.get(year);
  if (range === undefined) {
    range = [lastSundayOneAm(year, 2), lastSundayOneAm(year, 9)];
    summerTimeByYear.set(year, range);
  }
  return t >= range[0] && t < range[1];
}

function lastSundayOneAm(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
}
