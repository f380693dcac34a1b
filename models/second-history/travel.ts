/**
 * Trips: planned ahead (business a few days, holidays weeks ahead and drawn towards school
 * holidays, Easter and summer), booked online on the day of planning (flight or train, hotel
 * prepaid or guaranteed with a 0.00 check and paid at checkout), then lived at the destination.
 */
import { calendarDay, travelSeason } from './calendar';
import { segmentProfile, type Customer, type Trip } from './customers';
import type { MerchantDirectory, Merchant } from './merchants';
import { CITIES, countryOf, distanceKm, hasRole, type City } from './places';

export interface TravelContext {
  readonly merchants: MerchantDirectory;
  readonly start: number;
}

/** Books one item: merchant, local hour, euros (0 for a card check), the trip it is for. */
export type Book = (merchant: Merchant, hour: number, euros: number, trip: Trip | undefined) => void;

const DESTINATIONS = CITIES.filter((c) => hasRole(c, 'destination'));
const BUSINESS_EXTRA = new Set(['new-york', 'dubai', 'zurich', 'copenhagen', 'miami']);

export function tripOn(c: Customer, day: number): Trip | undefined {
  for (const trip of c.trips) if (trip.start <= day && day <= trip.end) return trip;
  return undefined;
}

/** Maybe plans a trip today; `book` receives the online purchases (none for pre-history plans). */
export function planTrip(c: Customer, day: number, ctx: TravelContext, book: Book | undefined): void {
  const rng = c.rng;
  const { business, leisure } = segmentProfile(c.segment).tripsPerYear;
  if (!rng.chance((business + leisure) / 365)) return;
  const kind = rng.chance(business / (business + leisure)) ? 'business' : 'leisure';
  let lead: number;
  if (kind === 'business') lead = rng.int(2, 14);
  else {
    const candidates = [0, 1, 2, 3].map(() => rng.int(7, 80));
    lead = rng.weighted(candidates, (l) => travelSeason(calendarDay(ctx.start, day + l)));
  }
  const start = day + lead;
  const visitsFamily = kind === 'leisure' && c.familyAbroad !== undefined && rng.chance(0.5);
  let nights: number;
  if (kind === 'business') nights = rng.int(1, 3);
  else if (visitsFamily) nights = rng.int(7, 20);
  else if (rng.chance(0.4)) nights = rng.int(2, 3);
  else nights = rng.int(4, 10);
  const end = start + nights;
  if (c.trips.some((t) => t.start <= end + 1 && start <= t.end + 1)) return;

  const home = c.home;
  let city: City;
  if (visitsFamily) city = c.familyAbroad;
  else if (kind === 'business') {
    city = rng.weighted(
      DESTINATIONS.filter((d) => d !== home),
      (d) => (hasRole(d, 'home') ? d.residents : 0) + (BUSINESS_EXTRA.has(d.key) ? 2 : 0),
    );
  } else if (rng.chance(0.3)) {
    const domestic = DESTINATIONS.filter((d) => d !== home && d.country === home.country);
    city =
      domestic.length > 0
        ? rng.weighted(domestic, (d) => d.appeal)
        : rng.weighted(
            DESTINATIONS.filter((d) => d !== home),
            (d) => d.appeal,
          );
  } else {
    city = rng.weighted(
      DESTINATIONS.filter((d) => d.country !== home.country),
      (d) => d.appeal,
    );
  }

  const hotels = ctx.merchants.inCity(city, 'hotel');
  const staysAtHotel = kind === 'business' || (!visitsFamily && rng.chance(0.8));
  const hotel = staysAtHotel && hotels.length > 0 ? rng.pick(hotels) : undefined;
  const trip: Trip = {
    start,
    end,
    city,
    kind,
    hotel,
    hotelPrepaid: hotel !== undefined && rng.chance(kind === 'business' ? 0.3 : 0.55),
    carRental: rng.chance(kind === 'leisure' ? 0.15 : 0.1),
  };
  c.trips.push(trip);
  // Keep only current and future trips.
  c.trips = c.trips.filter((t) => t.end >= day - 1);
  if (!book) return;

  const km = distanceKm(home.centre, city.centre);
  const party = c.segment === 'family' ? rng.pick([1, 2, 3, 4]) : c.household.members.length > 1 && kind === 'leisure' ? rng.pick([1, 2]) : 1;
  const hour = rng.uniform(19, 23);
  const country = home.country;
  const priceLevel = countryOf(city.country).priceLevel;
  if (kind === 'leisure' && city.country !== home.country && rng.chance(0.2)) {
    // A package holiday: flight and hotel in one payment to a travel agency.
    const agency = ctx.merchants.drawOnline('travel-agency', country, rng);
    book(agency, hour, party * (rng.logNormal(90 + 0.07 * km, 0.35) + nights * rng.logNormal(70, 0.3) * priceLevel), undefined);
    return;
  }
  if (city.country === home.country && km < 700 && rng.chance(0.65)) {
    const rail = ctx.merchants.drawOnline('rail', country, rng);
    book(rail, hour, party * rng.logNormal(25 + 0.1 * km, 0.35), undefined);
  } else {
    const airline = ctx.merchants.drawOnline('airline', country, rng);
    book(airline, hour, party * rng.logNormal(60 + 0.08 * km, 0.4), undefined);
  }
  if (hotel) {
    const platform = ctx.merchants.drawOnline('hotel-booking', country, rng);
    const euros = trip.hotelPrepaid ? nights * rng.logNormal(110, 0.4) * priceLevel : 0;
    book(platform, hour + rng.uniform(0, 0.5), euros, undefined);
  }
}
