import { CITIES, type City } from './cities';
import { distanceKm } from './geo';
import { at, type Rng } from './rng';
import { DAY, HOUR, MINUTE, utcOffsetHours } from './time';

/**
 * A legitimate trip by plane. Between leaving for the airport and leaving the arrival airport
 * the traveller pays nowhere in person, so the speed between located payments stays plausible.
 */
export interface Trip {
  readonly city: City;
  readonly startDay: number;
  readonly endDay: number;
  readonly departAt: number;
  readonly arriveAt: number;
  readonly leaveAt: number;
  readonly backAt: number;
  /** The day the flight was bought online (may be before the simulation starts). */
  readonly bookingDay: number;
  readonly fare: number;
}

export type Whereabouts = { readonly kind: 'home' } | { readonly kind: 'away'; readonly city: City } | { readonly kind: 'transit' };

const TO_AIRPORT = 1.5 * HOUR;
const FROM_AIRPORT = 0.5 * HOUR;
const CRUISE_KMH = 780;
const MIN_TRIP_KM = 300;

const flightMs = (km: number) => (km / CRUISE_KMH + 0.6) * HOUR;

/**
 * The least time a person needs between two located payments `km` apart: a few minutes across
 * town at city speed, and a flight plus airport time between cities. Capped well under the
 * service's 900 km/h impossible-travel limit.
 */
export function minGapMs(km: number): number {
  if (km < 100) return Math.max(2 * MINUTE, (km / 60) * HOUR);
  return (km / 800 + 1.5) * HOUR;
}

export function planTrips(rng: Rng, home: City, firstDayStart: number, days: number, tripsPerMonth: number): Trip[] {
  const trips: Trip[] = [];
  for (let day = Math.floor(rng.exponential(30 / tripsPerMonth)); day < days; day += Math.floor(rng.exponential(30 / tripsPerMonth))) {
    const city = destination(rng, home);
    const km = distanceKm(home, city);
    const nights = at([1, 2, 2, 3, 3, 4, 5, 6, 7, 9], rng.int(0, 9)) + (km > 3000 ? 4 : 0);
    const departAt = localTime(rng, home, firstDayStart + day * DAY, 6, 19);
    const arriveAt = departAt + flightMs(km);
    // A late departure on a long flight lands the next morning: stay at least a few hours.
    const leaveAt = Math.max(arriveAt + 6 * HOUR, localTime(rng, city, firstDayStart + (day + nights) * DAY, 8, 21));
    trips.push({
      city,
      startDay: day,
      endDay: day + nights,
      departAt,
      arriveAt,
      leaveAt,
      backAt: leaveAt + flightMs(km),
      bookingDay: day - rng.int(3, 45),
      fare: Math.round((60 + km * 0.09) * 2 * rng.logNormal(1, 0.3) * rng.int(1, 2) * 100) / 100,
    });
    day += nights + rng.int(3, 10);
  }
  return trips;
}

export function whereabouts(trips: readonly Trip[], t: number): Whereabouts {
  for (const trip of trips) {
    if (t < trip.departAt - TO_AIRPORT || t >= trip.backAt + FROM_AIRPORT) continue;
    if (t < trip.arriveAt + FROM_AIRPORT || t >= trip.leaveAt - TO_AIRPORT) return { kind: 'transit' };
    return { kind: 'away', city: trip.city };
  }
  return { kind: 'home' };
}

/** The trip under way during any part of `day`, if any. */
export function tripOn(trips: readonly Trip[], day: number): Trip | undefined {
  return trips.find((trip) => day >= trip.startDay && day <= trip.endDay);
}

/** Whether `day` is within `margin` days of a trip (fraud scenarios that assume the cardholder is home avoid those). */
export function nearTrip(trips: readonly Trip[], day: number, margin: number): boolean {
  return trips.some((trip) => day >= trip.startDay - margin && day <= trip.endDay + margin);
}

function destination(rng: Rng, home: City): City {
  for (;;) {
    const longHaul = rng.chance(0.12);
    const candidates = CITIES.filter((c) => c !== home && (c.utcOffset < -1 || c.utcOffset > 2) === longHaul);
    const city = at(candidates, rng.weighted(candidates.map((c) => c.weight)));
    if (distanceKm(home, city) >= MIN_TRIP_KM) return city;
  }
}

function localTime(rng: Rng, city: City, dayStart: number, fromHour: number, toHour: number): number {
  const localHour = rng.range(fromHour, toHour);
  return dayStart + Math.floor((localHour - utcOffsetHours(city, dayStart + 12 * HOUR)) * HOUR);
}
