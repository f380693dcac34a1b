import { CATEGORIES, CATEGORY, categoryIndex, isLocated, type CategoryKey } from './categories';
import { CITIES, type City } from './cities';
import { money } from './events';
import { distanceKm, scatter, type Point } from './geo';
import type { Merchant, MerchantDirectory } from './merchants';
import { Rng, WeightedTable } from './rng';
import { planTrips, type Trip } from './travel';

export interface Subscription {
  readonly merchant: Merchant;
  readonly dayOfMonth: number;
  readonly hour: number;
  readonly amount: number;
}

export interface Customer {
  readonly index: number;
  readonly id: string;
  readonly home: City;
  readonly location: Point;
  readonly cards: readonly string[];
  readonly cardWeights: readonly number[];
  /** Phones and laptops; `replacement` swaps out the first one from its day on. */
  readonly devices: readonly string[];
  readonly replacement: { readonly day: number; readonly deviceId: string } | null;
  readonly frequency: number;
  /** Multiplies every category's median amount: some people spend more. */
  readonly scale: number;
  /** The expected amount of an everyday transaction: the habit the fraud scenarios exceed. */
  readonly typicalAmount: number;
  /** Share of everyday transactions per category, in CATEGORIES order, summing to 1. */
  readonly preferences: Float64Array;
  /** Regular merchants per category, most frequented first; physical ones are near home. */
  readonly favourites: readonly (readonly Merchant[])[];
  readonly subscriptions: readonly Subscription[];
  readonly trips: readonly Trip[];
  /** Chance per day of an occasional big legitimate purchase. */
  readonly bigPurchaseRate: number;
}

/** Share of customers who never buy in a category at all (no car, no cinema...). */
const NEVER: Partial<Record<CategoryKey, number>> = {
  fuel: 0.35,
  transit: 0.45,
  cinema: 0.4,
  jewellery_store: 0.85,
  jewellery_online: 0.8,
  charity: 0.8,
  gift_cards_online: 0.7,
  electronics_store: 0.3,
  ride_hailing: 0.5,
};
const ONLINE_KEYS = new Set<CategoryKey>(CATEGORIES.filter((c) => c.channel === 'ecommerce').map((c) => c.key));
const STREAMING_PRICES = [5.99, 7.99, 9.99, 12.99, 13.49, 17.99] as const;

export function buildCustomers(
  seed: number,
  count: number,
  days: number,
  firstDayStart: number,
  merchants: MerchantDirectory,
): { customers: Customer[]; footfall: Uint32Array } {
  const homes = new WeightedTable(
    CITIES.filter((c) => c.home),
    (c) => c.weight,
  );
  const footfall = new Uint32Array(merchants.all.length);
  let cardCount = 0;
  const customers = Array.from({ length: count }, (_, index): Customer => {
    const rng = new Rng(seed, 'customer-profile', index);
    const home = homes.draw(rng);
    const location = scatter(rng, home, 2 + Math.sqrt(home.weight));
    const cards = Array.from({ length: rng.chance(0.35) ? 2 : 1 }, () => `card-${String(++cardCount).padStart(6, '0')}`);
    const primary = rng.range(0.6, 0.9);
    const preferences = drawPreferences(rng);
    const scale = rng.logNormal(1, 0.35);
    const favourites = CATEGORIES.map((c, i) => {
      if (preferences[i] === 0) return [];
      const list = isLocated(c) ? nearbyFavourites(rng, merchants, home, location, c.key) : onlineFavourites(rng, merchants, c.key);
      for (const m of list) footfall[m.index] = (footfall[m.index] ?? 0) + 1;
      return list;
    });
    return {
      index,
      id: `c-${String(index + 1).padStart(6, '0')}`,
      home,
      location,
      cards,
      cardWeights: cards.length === 1 ? [1] : [primary, 1 - primary],
      devices: Array.from({ length: rng.chance(0.4) ? 2 : 1 }, () => `dev-${rng.hex(12)}`),
      replacement: rng.chance(0.12) ? { day: rng.int(5, Math.max(5, days - 1)), deviceId: `dev-${rng.hex(12)}` } : null,
      frequency: Math.min(4, Math.max(0.5, rng.logNormal(1.1, 0.55))),
      scale,
      typicalAmount: typicalAmount(preferences, scale),
      preferences,
      favourites,
      subscriptions: drawSubscriptions(rng, merchants, home),
      trips: rng.chance(0.55) ? planTrips(rng, home, firstDayStart, days, rng.logNormal(0.5, 0.5)) : [],
      bigPurchaseRate: rng.logNormal(1 / 120, 0.5),
    };
  });
  return { customers, footfall };
}

function drawPreferences(rng: Rng): Float64Array {
  const onlineAffinity = rng.logNormal(1, 0.5);
  const raw = new Float64Array(CATEGORIES.length);
  CATEGORIES.forEach((c, i) => {
    if (c.share === 0 || rng.chance(NEVER[c.key] ?? 0)) return;
    raw[i] = c.share * rng.logNormal(1, 0.6) * (ONLINE_KEYS.has(c.key) ? onlineAffinity : 1);
  });
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => x / total);
}

function typicalAmount(preferences: Float64Array, scale: number): number {
  let mean = 0;
  CATEGORIES.forEach((c, i) => {
    mean += (preferences[i] ?? 0) * c.median * Math.exp((c.sigma * c.sigma) / 2);
  });
  return mean * scale;
}

/** Regulars near home: popularity discounted by distance (about e^-1 per 4 km). */
function nearbyFavourites(rng: Rng, merchants: MerchantDirectory, home: City, location: Point, key: CategoryKey): Merchant[] {
  const pool = merchants.local(home, key);
  if (pool === undefined) return [];
  const near = new WeightedTable(pool.items, (m) => (m.location === null ? 0 : m.popularity * Math.exp(-distanceKm(location, m.location) / 4)));
  return distinctDraws(rng, near, 1 + Math.min(3, rng.poisson(0.8)));
}

function onlineFavourites(rng: Rng, merchants: MerchantDirectory, key: CategoryKey): Merchant[] {
  return distinctDraws(rng, merchants.online(key), 1 + Math.min(3, rng.poisson(0.7)));
}

function distinctDraws(rng: Rng, table: WeightedTable<Merchant>, count: number): Merchant[] {
  const chosen: Merchant[] = [];
  for (let attempt = 0; attempt < count * 4 && chosen.length < Math.min(count, table.size); attempt++) {
    const m = table.draw(rng);
    if (!chosen.includes(m)) chosen.push(m);
  }
  return chosen;
}

function drawSubscriptions(rng: Rng, merchants: MerchantDirectory, home: City): Subscription[] {
  const streaming = distinctDraws(rng, merchants.online('streaming'), Math.min(3, rng.poisson(0.9)));
  const subscriptions: Subscription[] = streaming.map((merchant) => ({
    merchant,
    dayOfMonth: rng.int(1, 28),
    hour: rng.int(1, 6),
    amount: STREAMING_PRICES[rng.int(0, STREAMING_PRICES.length - 1)] ?? 9.99,
  }));
  if (rng.chance(0.75)) {
    subscriptions.push({
      merchant: merchants.telecom(home.country).draw(rng),
      dayOfMonth: rng.int(1, 28),
      hour: rng.int(1, 6),
      amount: money(Math.round(rng.logNormal(CATEGORY.telecom.median, CATEGORY.telecom.sigma)) - 0.01),
    });
  }
  return subscriptions;
}

export const prefersCategory = (customer: Customer, key: CategoryKey): number => customer.preferences[categoryIndex(key)] ?? 0;
