import { CITIES } from './cities';
import { distanceKm } from './geo';
import { at, Rng } from './rng';
import { minGapMs, planTrips, whereabouts } from './travel';
import { DAY, HOUR } from './time';

const START = Date.parse('2026-01-01T00:00:00Z');
const paris = at(
  CITIES.filter((c) => c.name === 'Paris'),
  0,
);

describe('minGapMs', () => {
  it.each([0, 1, 15, 99, 100, 800, 2_500, 9_500])('allows well under 900 km/h between payments %d km apart', (km) => {
    const kmh = km / (minGapMs(km) / HOUR);
    expect(kmh).toBeLessThan(800);
    expect(minGapMs(km)).toBeGreaterThan(0);
  });
});

describe('planTrips', () => {
  const trips = Array.from({ length: 200 }, (_, i) => planTrips(new Rng(9, i), paris, START, 120, 1)).flat();

  it('flies at least 300 km, to somewhere else, and comes back after landing', () => {
    expect(trips.length).toBeGreaterThan(200);
    for (const trip of trips) {
      expect(trip.city).not.toBe(paris);
      expect(distanceKm(paris, trip.city)).toBeGreaterThanOrEqual(300);
      expect(trip.arriveAt).toBeGreaterThan(trip.departAt);
      expect(trip.leaveAt).toBeGreaterThan(trip.arriveAt);
      expect(trip.backAt).toBeGreaterThan(trip.leaveAt);
      expect(trip.bookingDay).toBeLessThan(trip.startDay);
    }
  });

  it('places the traveller at home, in transit, then away and back', () => {
    const trip = at(trips, 0);
    const phases = [trip.departAt - 3 * HOUR, trip.departAt, trip.arriveAt + HOUR, trip.leaveAt, trip.backAt + HOUR].map((t) => whereabouts([trip], t).kind);
    expect(phases).toEqual(['home', 'transit', 'away', 'transit', 'home']);
    expect(whereabouts([trip], trip.arriveAt + HOUR)).toEqual({ kind: 'away', city: trip.city });
  });

  it('never overlaps two trips of the same traveller', () => {
    const own = planTrips(new Rng(10), paris, START, 365, 2);
    for (let i = 1; i < own.length; i++) expect(at(own, i).departAt).toBeGreaterThan(at(own, i - 1).backAt + DAY);
  });
});
