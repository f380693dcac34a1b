/**
 * The geography: the issuer's home markets (euro area and the UK), holiday destinations, and
 * the places where stolen card data is typically cashed out (outside the EMV chip-and-PIN
 * area, where a magnetic-stripe copy of a card still works).
 */
import type { HolidayRules, TimeZone } from './calendar';

// Bound once: jest runs this code in a VM context, where each global lookup costs more than the arithmetic (rng.ts).
const { asin, cos, max, min, round, sin, sqrt } = Math;

export interface Point {
  readonly lat: number;
  readonly lon: number;
}

export interface Currency {
  readonly code: string;
  /** Units of this currency per euro (fixed for the whole history). */
  readonly perEuro: number;
  /** Prices are rounded to this many units (1 for yen-like currencies, 0.01 otherwise). */
  readonly step: number;
  /** Usual cash-machine amounts, in units. */
  readonly atmAmounts: readonly number[];
  /** The largest amounts a machine pays out in one go (what cash-out crews take), in units. */
  readonly atmMaxima: readonly number[];
}

const currency = (code: string, perEuro: number, step: number, atmAmounts: number[], atmMaxima: number[]): Currency => ({
  code,
  perEuro,
  step,
  atmAmounts,
  atmMaxima,
});

export const CURRENCIES: Readonly<Record<string, Currency>> = {
  EUR: currency('EUR', 1, 0.01, [20, 40, 50, 50, 100, 100, 150, 200, 250, 300], [400, 500, 600]),
  GBP: currency('GBP', 0.85, 0.01, [10, 20, 20, 30, 50, 60, 100, 100, 200], [300, 400, 500]),
  USD: currency('USD', 1.08, 0.01, [40, 60, 80, 100, 100, 200, 300], [400, 500, 800]),
  THB: currency('THB', 38, 1, [1000, 2000, 3000, 5000, 10000], [15000, 20000, 30000]),
  AED: currency('AED', 4, 0.01, [200, 300, 500, 1000], [2000, 3000, 5000]),
  TRY: currency('TRY', 36, 0.01, [500, 1000, 2000, 3000], [5000, 8000, 10000]),
  MAD: currency('MAD', 10.8, 0.01, [200, 500, 1000, 2000], [2000, 4000, 5000]),
  CZK: currency('CZK', 25, 1, [500, 1000, 2000, 3000, 5000], [8000, 10000, 15000]),
  DKK: currency('DKK', 7.46, 0.01, [200, 300, 500, 1000], [2000, 3000, 4000]),
  CHF: currency('CHF', 0.95, 0.01, [50, 100, 200, 300], [500, 800, 1000]),
  JPY: currency('JPY', 160, 1, [5000, 10000, 20000, 30000], [50000, 80000, 100000]),
  MXN: currency('MXN', 19, 0.01, [500, 1000, 2000, 3000], [5000, 7000, 9000]),
  HUF: currency('HUF', 395, 1, [10000, 20000, 30000, 50000], [100000, 150000, 200000]),
  PLN: currency('PLN', 4.3, 0.01, [100, 200, 300, 500], [1000, 1500, 2000]),
  IDR: currency('IDR', 17000, 1, [500000, 1000000, 1500000], [2500000, 3000000, 5000000]),
  DOP: currency('DOP', 64, 0.01, [2000, 5000, 10000], [15000, 20000]),
  PEN: currency('PEN', 4, 0.01, [100, 200, 400], [700, 1000, 1500]),
  COP: currency('COP', 4300, 1, [100000, 200000, 300000], [600000, 800000, 1000000]),
  PHP: currency('PHP', 62, 0.01, [2000, 5000, 10000], [15000, 20000]),
  RON: currency('RON', 4.97, 0.01, [200, 500, 1000], [1500, 2000, 3000]),
};

export function currencyOf(code: string): Currency {
  const found = CURRENCIES[code];
  if (!found) throw new Error(`unknown currency ${code}`);
  return found;
}

/** Hundredths of a unit (what the generator counts money in) for an amount in euros. */
export function fromEuros(euros: number, code: string): number {
  const { perEuro, step } = currencyOf(code);
  const units = max(step, round((euros * perEuro) / step) * step);
  return round(units * 100);
}

export interface Country {
  readonly code: string;
  readonly currency: string;
  /** Contactless payments above this many euros need the PIN (the thief's ceiling). */
  readonly contactlessLimitEuros: number;
  /** Most shops closed on Sundays (Germany, Austria). */
  readonly sundayClosed: boolean;
  readonly holidays: HolidayRules;
  readonly priceLevel: number;
  /** First octets of the address blocks its networks use here (synthetic, not a registry's). */
  readonly ipBlocks: readonly number[];
}

const country = (code: string, currencyCode: string, options: Partial<Omit<Country, 'code' | 'currency'>> = {}): Country => ({
  code,
  currency: currencyCode,
  contactlessLimitEuros: options.contactlessLimitEuros ?? 50,
  sundayClosed: options.sundayClosed ?? false,
  holidays: options.holidays ?? { fixed: ['01-01', '12-25'], easter: [] },
  priceLevel: options.priceLevel ?? 1,
  ipBlocks: options.ipBlocks ?? [41, 102, 105, 154, 196, 197],
});

export const COUNTRIES: Readonly<Record<string, Country>> = {
  DE: country('DE', 'EUR', {
    sundayClosed: true,
    ipBlocks: [79, 84, 87, 91, 93],
    holidays: { fixed: ['01-01', '05-01', '10-03', '12-25', '12-26'], easter: [-2, 1, 39, 50] },
  }),
  FR: country('FR', 'EUR', {
    ipBlocks: [82, 86, 90, 92],
    holidays: { fixed: ['01-01', '05-01', '05-08', '07-14', '08-15', '11-01', '11-11', '12-25'], easter: [1, 39, 50] },
  }),
  ES: country('ES', 'EUR', {
    priceLevel: 0.88,
    ipBlocks: [81, 83, 88],
    holidays: { fixed: ['01-01', '01-06', '05-01', '08-15', '10-12', '11-01', '12-06', '12-08', '12-25'], easter: [-2] },
  }),
  IT: country('IT', 'EUR', {
    priceLevel: 0.93,
    ipBlocks: [79, 87, 93, 95],
    holidays: { fixed: ['01-01', '01-06', '04-25', '05-01', '06-02', '08-15', '11-01', '12-08', '12-25', '12-26'], easter: [1] },
  }),
  NL: country('NL', 'EUR', { priceLevel: 1.05, ipBlocks: [77, 83, 145], holidays: { fixed: ['01-01', '04-27', '12-25', '12-26'], easter: [1, 39, 50] } }),
  BE: country('BE', 'EUR', {
    ipBlocks: [81, 91, 109],
    holidays: { fixed: ['01-01', '05-01', '07-21', '08-15', '11-01', '11-11', '12-25'], easter: [1, 39, 50] },
  }),
  AT: country('AT', 'EUR', {
    sundayClosed: true,
    ipBlocks: [62, 80, 91],
    holidays: { fixed: ['01-01', '01-06', '05-01', '08-15', '10-26', '11-01', '12-08', '12-25', '12-26'], easter: [1, 39, 50] },
  }),
  IE: country('IE', 'EUR', { priceLevel: 1.1, ipBlocks: [78, 86, 89], holidays: { fixed: ['01-01', '02-02', '03-17', '12-25', '12-26'], easter: [1] } }),
  PT: country('PT', 'EUR', {
    priceLevel: 0.8,
    ipBlocks: [85, 89, 94],
    holidays: { fixed: ['01-01', '04-25', '05-01', '06-10', '08-15', '10-05', '11-01', '12-01', '12-08', '12-25'], easter: [-2] },
  }),
  GB: country('GB', 'GBP', {
    contactlessLimitEuros: 115,
    priceLevel: 1.08,
    ipBlocks: [81, 86, 90, 109, 151],
    holidays: { fixed: ['01-01', '12-25', '12-26'], easter: [-2, 1] },
  }),
  US: country('US', 'USD', { contactlessLimitEuros: 100, priceLevel: 1.15, ipBlocks: [24, 50, 73, 98, 174] }),
  TH: country('TH', 'THB', { priceLevel: 0.5 }),
  AE: country('AE', 'AED', { priceLevel: 1.1 }),
  TR: country('TR', 'TRY', { priceLevel: 0.6 }),
  MA: country('MA', 'MAD', { priceLevel: 0.5 }),
  CZ: country('CZ', 'CZK', { priceLevel: 0.7, ipBlocks: [46, 89, 90] }),
  DK: country('DK', 'DKK', { priceLevel: 1.25, ipBlocks: [80, 87, 188] }),
  CH: country('CH', 'CHF', { priceLevel: 1.45, ipBlocks: [83, 85, 178] }),
  JP: country('JP', 'JPY', { priceLevel: 0.85 }),
  MX: country('MX', 'MXN', { priceLevel: 0.55 }),
  HU: country('HU', 'HUF', { priceLevel: 0.65, ipBlocks: [84, 89, 188] }),
  PL: country('PL', 'PLN', { priceLevel: 0.65, ipBlocks: [31, 83, 89] }),
  GR: country('GR', 'EUR', { priceLevel: 0.8, ipBlocks: [79, 94, 176] }),
  HR: country('HR', 'EUR', { priceLevel: 0.8, ipBlocks: [78, 93, 188] }),
  ID: country('ID', 'IDR', { priceLevel: 0.4 }),
  DO: country('DO', 'DOP', { priceLevel: 0.5 }),
  PE: country('PE', 'PEN', { priceLevel: 0.5 }),
  CO: country('CO', 'COP', { priceLevel: 0.45 }),
  PH: country('PH', 'PHP', { priceLevel: 0.45 }),
  RO: country('RO', 'RON', { priceLevel: 0.6, ipBlocks: [5, 86, 188] }),
  LU: country('LU', 'EUR', { priceLevel: 1.15, ipBlocks: [80, 158] }),
  CN: country('CN', 'USD', { priceLevel: 0.6 }),
};

export function countryOf(code: string): Country {
  const found = COUNTRIES[code];
  if (!found) throw new Error(`unknown country ${code}`);
  return found;
}

export type CityRole = 'home' | 'destination' | 'cashout';

export interface City {
  readonly key: string;
  readonly country: string;
  readonly centre: Point;
  readonly tz: TimeZone;
  /** Spread of places around the centre, km (one standard deviation). */
  readonly radiusKm: number;
  readonly roles: readonly CityRole[];
  /** Relative share of the issuer's customers living here (home cities). */
  readonly residents: number;
  /** How much visitors come here. */
  readonly appeal: number;
  /** A single public-transport fare in the local currency, units. */
  readonly fare: number;
}

const EU1: TimeZone = { standardMinutes: 60, dst: 'eu' };
const EU0: TimeZone = { standardMinutes: 0, dst: 'eu' };
const EU2: TimeZone = { standardMinutes: 120, dst: 'eu' };
const fixed = (hours: number): TimeZone => ({ standardMinutes: hours * 60, dst: 'none' });
const usZone = (hours: number): TimeZone => ({ standardMinutes: hours * 60, dst: 'us' });

function city(
  key: string,
  countryCode: string,
  lat: number,
  lon: number,
  tz: TimeZone,
  roles: CityRole[],
  residents: number,
  appeal: number,
  fare: number,
  radiusKm = 5,
): City {
  return { key, country: countryCode, centre: { lat, lon }, tz, radiusKm, roles, residents, appeal, fare };
}

export const CITIES: readonly City[] = [
  city('berlin', 'DE', 52.52, 13.405, EU1, ['home', 'destination'], 4.2, 3, 3.8, 8),
  city('hamburg', 'DE', 53.551, 9.994, EU1, ['home', 'destination'], 2.1, 1.2, 3.6, 6),
  city('munich', 'DE', 48.137, 11.575, EU1, ['home', 'destination'], 1.8, 2, 3.9, 6),
  city('cologne', 'DE', 50.938, 6.96, EU1, ['home', 'destination'], 1.3, 1, 3.2, 5),
  city('paris', 'FR', 48.857, 2.352, EU1, ['home', 'destination'], 7, 6, 2.15, 9),
  city('lyon', 'FR', 45.764, 4.836, EU1, ['home', 'destination'], 1.6, 1, 2.1, 5),
  city('marseille', 'FR', 43.296, 5.37, EU1, ['home', 'destination'], 1.4, 1.2, 2, 6),
  city('madrid', 'ES', 40.417, -3.704, EU1, ['home', 'destination'], 5, 3.5, 1.5, 8),
  city('barcelona', 'ES', 41.385, 2.173, EU1, ['home', 'destination'], 4, 5.5, 2.55, 6),
  city('valencia', 'ES', 39.47, -0.376, EU1, ['home', 'destination'], 1.3, 1.6, 1.5, 5),
  city('milan', 'IT', 45.464, 9.19, EU1, ['home', 'destination'], 3.3, 2.5, 2.2, 6),
  city('rome', 'IT', 41.903, 12.496, EU1, ['home', 'destination'], 3.5, 5, 1.5, 8),
  city('naples', 'IT', 40.852, 14.268, EU1, ['home', 'destination'], 2.2, 1.5, 1.3, 6),
  city('amsterdam', 'NL', 52.37, 4.895, EU1, ['home', 'destination'], 1.6, 3.5, 3.4, 5),
  city('rotterdam', 'NL', 51.924, 4.478, EU1, ['home'], 1, 0.6, 3.1, 5),
  city('brussels', 'BE', 50.85, 4.352, EU1, ['home', 'destination'], 1.9, 1.5, 2.6, 5),
  city('vienna', 'AT', 48.208, 16.373, EU1, ['home', 'destination'], 2, 2.5, 2.4, 6),
  city('dublin', 'IE', 53.35, -6.26, EU0, ['home', 'destination'], 1.4, 1.8, 2.2, 6),
  city('lisbon', 'PT', 38.722, -9.139, EU0, ['home', 'destination'], 2.2, 3.5, 1.85, 6),
  city('porto', 'PT', 41.15, -8.61, EU0, ['home', 'destination'], 1.2, 2, 1.4, 5),
  city('london', 'GB', 51.507, -0.128, EU0, ['home', 'destination'], 7.5, 6, 2.8, 11),
  city('manchester', 'GB', 53.48, -2.242, EU0, ['home'], 2.2, 0.8, 2, 6),
  // Holiday and business destinations only.
  city('new-york', 'US', 40.713, -74.006, usZone(-5), ['destination', 'cashout'], 0, 3, 2.9, 10),
  city('miami', 'US', 25.762, -80.192, usZone(-5), ['destination', 'cashout'], 0, 1.2, 2.25, 8),
  city('bangkok', 'TH', 13.756, 100.502, fixed(7), ['destination', 'cashout'], 0, 1.5, 40, 10),
  city('dubai', 'AE', 25.205, 55.271, fixed(4), ['destination'], 0, 1.2, 5, 10),
  city('istanbul', 'TR', 41.008, 28.978, fixed(3), ['destination'], 0, 1.5, 20, 10),
  city('marrakesh', 'MA', 31.63, -7.981, fixed(1), ['destination'], 0, 1, 4, 5),
  city('prague', 'CZ', 50.076, 14.438, EU1, ['destination'], 0, 2, 30, 5),
  city('copenhagen', 'DK', 55.676, 12.568, EU1, ['destination'], 0, 1.2, 24, 5),
  city('zurich', 'CH', 47.377, 8.541, EU1, ['destination'], 0, 1, 4.6, 4),
  city('tokyo', 'JP', 35.676, 139.65, fixed(9), ['destination'], 0, 0.8, 210, 12),
  city('cancun', 'MX', 21.161, -86.851, usZone(-5), ['destination'], 0, 0.8, 12, 6),
  city('budapest', 'HU', 47.498, 19.04, EU1, ['destination'], 0, 1.2, 450, 6),
  city('krakow', 'PL', 50.065, 19.945, EU1, ['destination'], 0, 1, 6, 5),
  city('athens', 'GR', 37.984, 23.728, EU2, ['destination'], 0, 1.6, 1.2, 6),
  city('split', 'HR', 43.508, 16.44, EU1, ['destination'], 0, 0.8, 2, 3),
  // Where counterfeit magnetic-stripe copies are cashed out; also where some customers' families live.
  city('jakarta', 'ID', -6.208, 106.846, fixed(7), ['destination', 'cashout'], 0, 0.1, 3500, 10),
  city('mexico-city', 'MX', 19.433, -99.133, fixed(-6), ['destination', 'cashout'], 0, 0.3, 5, 10),
  city('santo-domingo', 'DO', 18.486, -69.931, fixed(-4), ['destination', 'cashout'], 0, 0.2, 35, 6),
  city('lima', 'PE', -12.046, -77.043, fixed(-5), ['destination', 'cashout'], 0, 0.15, 3, 8),
  city('bogota', 'CO', 4.711, -74.072, fixed(-5), ['destination', 'cashout'], 0, 0.1, 3000, 8),
  city('manila', 'PH', 14.6, 120.984, fixed(8), ['destination', 'cashout'], 0, 0.15, 15, 8),
  city('bucharest', 'RO', 44.427, 26.103, EU2, ['destination', 'cashout'], 0, 0.4, 5, 6),
];

/** Where customers of a home country often have family (emigration links), for visits home. */
export const FAMILY_ABROAD: Readonly<Record<string, readonly string[]>> = {
  ES: ['bogota', 'lima', 'santo-domingo', 'mexico-city', 'bucharest'],
  IT: ['bucharest', 'lima', 'manila'],
  GB: ['manila', 'bucharest', 'new-york'],
  DE: ['bucharest', 'istanbul'],
  AT: ['bucharest', 'istanbul'],
  FR: ['bucharest', 'marrakesh'],
  NL: ['istanbul', 'marrakesh', 'jakarta'],
  BE: ['marrakesh', 'istanbul', 'bucharest'],
  PT: ['bucharest', 'santo-domingo'],
  IE: ['manila', 'bucharest'],
};

export function hasRole(place: City, role: CityRole): boolean {
  return place.roles.includes(role);
}

const KM_PER_DEGREE = 111.32;

/** A point around another, normally spread with the given standard deviation in km. */
export function scatter(centre: Point, sdKm: number, normal: () => number): Point {
  const lat = centre.lat + (normal() * sdKm) / KM_PER_DEGREE;
  const lon = centre.lon + (normal() * sdKm) / (KM_PER_DEGREE * cos((centre.lat * Math.PI) / 180));
  return { lat: round(lat * 10_000) / 10_000, lon: round(lon * 10_000) / 10_000 };
}

/** Enough to rank places within a city by distance (degrees, longitude scaled by latitude). */
export function planarDistance(a: Point, b: Point): number {
  const dLon = (b.lon - a.lon) * cos((a.lat * Math.PI) / 180);
  const dLat = b.lat - a.lat;
  return dLat * dLat + dLon * dLon;
}

export function distanceKm(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = sin(dLat / 2) ** 2 + cos(a.lat * rad) * cos(b.lat * rad) * sin(dLon / 2) ** 2;
  return 2 * 6371 * asin(min(1, sqrt(h)));
}
