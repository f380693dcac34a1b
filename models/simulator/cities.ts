/**
 * Real city centres. `weight` is roughly the metro population in millions: it sets where
 * customers live and where they travel. Long-haul cities are never home, only trip and fraud
 * destinations, so a far-away transaction alone does not give fraud away.
 */
export interface City {
  readonly name: string;
  readonly country: string;
  readonly lat: number;
  readonly lon: number;
  readonly weight: number;
  /** Standard-time offset from UTC in hours. */
  readonly utcOffset: number;
  /** Whether the EU summer-time rule applies. */
  readonly euDst: boolean;
  readonly home: boolean;
}

type Row = readonly [name: string, country: string, lat: number, lon: number, weight: number, utcOffset: number];

const EUROPE: readonly Row[] = [
  ['London', 'GB', 51.5072, -0.1276, 9.0, 0],
  ['Manchester', 'GB', 53.4808, -2.2426, 2.8, 0],
  ['Edinburgh', 'GB', 55.9533, -3.1883, 0.9, 0],
  ['Dublin', 'IE', 53.3498, -6.2603, 1.4, 0],
  ['Lisbon', 'PT', 38.7223, -9.1393, 2.9, 0],
  ['Porto', 'PT', 41.1579, -8.6291, 1.7, 0],
  ['Paris', 'FR', 48.8566, 2.3522, 11.0, 1],
  ['Lyon', 'FR', 45.764, 4.8357, 2.3, 1],
  ['Marseille', 'FR', 43.2965, 5.3698, 1.9, 1],
  ['Toulouse', 'FR', 43.6047, 1.4442, 1.4, 1],
  ['Nice', 'FR', 43.7102, 7.262, 1.0, 1],
  ['Madrid', 'ES', 40.4168, -3.7038, 6.7, 1],
  ['Barcelona', 'ES', 41.3874, 2.1686, 5.6, 1],
  ['Valencia', 'ES', 39.4699, -0.3763, 1.6, 1],
  ['Seville', 'ES', 37.3891, -5.9845, 1.5, 1],
  ['Rome', 'IT', 41.9028, 12.4964, 4.3, 1],
  ['Milan', 'IT', 45.4642, 9.19, 3.2, 1],
  ['Naples', 'IT', 40.8518, 14.2681, 3.0, 1],
  ['Turin', 'IT', 45.0703, 7.6869, 1.7, 1],
  ['Berlin', 'DE', 52.52, 13.405, 3.7, 1],
  ['Hamburg', 'DE', 53.5511, 9.9937, 1.9, 1],
  ['Munich', 'DE', 48.1351, 11.582, 2.6, 1],
  ['Frankfurt', 'DE', 50.1109, 8.6821, 2.3, 1],
  ['Cologne', 'DE', 50.9375, 6.9603, 1.1, 1],
  ['Vienna', 'AT', 48.2082, 16.3738, 2.0, 1],
  ['Zurich', 'CH', 47.3769, 8.5417, 1.4, 1],
  ['Geneva', 'CH', 46.2044, 6.1432, 0.6, 1],
  ['Amsterdam', 'NL', 52.3676, 4.9041, 2.4, 1],
  ['Rotterdam', 'NL', 51.9244, 4.4777, 1.0, 1],
  ['Brussels', 'BE', 50.8503, 4.3517, 2.1, 1],
  ['Antwerp', 'BE', 51.2194, 4.4025, 1.0, 1],
  ['Luxembourg', 'LU', 49.6116, 6.1319, 0.6, 1],
  ['Copenhagen', 'DK', 55.6761, 12.5683, 2.1, 1],
  ['Stockholm', 'SE', 59.3293, 18.0686, 2.4, 1],
  ['Oslo', 'NO', 59.9139, 10.7522, 1.5, 1],
  ['Warsaw', 'PL', 52.2297, 21.0122, 3.1, 1],
  ['Krakow', 'PL', 50.0647, 19.945, 1.4, 1],
  ['Prague', 'CZ', 50.0755, 14.4378, 2.2, 1],
  ['Budapest', 'HU', 47.4979, 19.0402, 3.0, 1],
  ['Helsinki', 'FI', 60.1699, 24.9384, 1.5, 2],
  ['Athens', 'GR', 37.9838, 23.7275, 3.6, 2],
  ['Bucharest', 'RO', 44.4268, 26.1025, 2.3, 2],
  ['Sofia', 'BG', 42.6977, 23.3219, 1.5, 2],
];

/** Trip-only: holiday islands (EU time rules) and long-haul cities (fixed offsets, no EU DST). */
const ISLANDS: readonly Row[] = [
  ['Palma', 'ES', 39.5696, 2.6502, 1.2, 1],
  ['Santa Cruz de Tenerife', 'ES', 28.4636, -16.2518, 1.0, 0],
];
const LONG_HAUL: readonly Row[] = [
  ['Istanbul', 'TR', 41.0082, 28.9784, 2.5, 3],
  ['Marrakesh', 'MA', 31.6295, -7.9811, 0.8, 1],
  ['Dubai', 'AE', 25.2048, 55.2708, 1.5, 4],
  ['New York', 'US', 40.7128, -74.006, 2.0, -5],
  ['Bangkok', 'TH', 13.7563, 100.5018, 1.0, 7],
];

const city = ([name, country, lat, lon, weight, utcOffset]: Row, euDst: boolean, home: boolean): City => ({
  name,
  country,
  lat,
  lon,
  weight,
  utcOffset,
  euDst,
  home,
});

export const CITIES: readonly City[] = [
  ...EUROPE.map((row) => city(row, true, true)),
  ...ISLANDS.map((row) => city(row, true, false)),
  ...LONG_HAUL.map((row) => city(row, false, false)),
];
