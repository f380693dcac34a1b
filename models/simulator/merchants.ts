import { CATEGORIES, type Category, type CategoryKey } from './categories';
import { CITIES, type City } from './cities';
import { scatter, type Point } from './geo';
import { Rng, WeightedTable } from './rng';

export interface Merchant {
  readonly index: number;
  readonly id: string;
  readonly category: Category;
  /** Null for online merchants, which have no place a customer walks into. */
  readonly city: City | null;
  readonly location: Point | null;
  readonly country: string;
  readonly popularity: number;
}

export interface MerchantDirectory {
  readonly all: readonly Merchant[];
  /** Physical merchants of a category in a city, drawn by popularity; undefined when the city has none. */
  local(city: City, key: CategoryKey): WeightedTable<Merchant> | undefined;
  online(key: CategoryKey): WeightedTable<Merchant>;
  telecom(country: string): WeightedTable<Merchant>;
}

/** Where online merchants are registered: the usual EU e-commerce hubs. */
const ONLINE_COUNTRIES = ['IE', 'LU', 'NL', 'DE', 'FR', 'GB', 'ES', 'IT', 'SE', 'PL'] as const;
const ONLINE_COUNTRY_WEIGHTS = [3, 2, 2, 2, 2, 2, 1, 1, 1, 1] as const;

/** Visitors (trips) also need merchants, in proportion to this share of a city's population. */
const VISITOR_SHARE = 0.1;

export function buildMerchants(seed: number, customers: number): MerchantDirectory {
  const rng = new Rng(seed, 'merchants');
  const all: Merchant[] = [];
  const add = (category: Category, city: City | null, location: Point | null, country: string, popularitySigma: number): Merchant => {
    const merchant: Merchant = {
      index: all.length,
      id: `m-${String(all.length + 1).padStart(5, '0')}`,
      category,
      city,
      location,
      country,
      popularity: rng.logNormal(1, popularitySigma),
    };
    all.push(merchant);
    return merchant;
  };

  const homeWeight = sum(CITIES.filter((c) => c.home).map((c) => c.weight));
  const allWeight = sum(CITIES.map((c) => c.weight));
  const local = new Map<string, WeightedTable<Merchant>>();
  for (const city of CITIES) {
    const people = (city.home ? (customers * city.weight) / homeWeight : 0) + (VISITOR_SHARE * customers * city.weight) / allWeight;
    const spreadKm = 2.5 + 1.2 * Math.sqrt(city.weight);
    for (const category of CATEGORIES) {
      if (category.channel !== 'card_present' && category.channel !== 'atm') continue;
      const count = Math.max(category.minimum, Math.round(people * category.density));
      const list = Array.from({ length: count }, () => add(category, city, scatter(rng, city, spreadKm), city.country, 1.0));
      local.set(`${city.name}|${category.key}`, popularityTable(list));
    }
  }

  const online = new Map<CategoryKey, WeightedTable<Merchant>>();
  const telecom = new Map<string, WeightedTable<Merchant>>();
  for (const category of CATEGORIES) {
    if (category.channel === 'card_present' || category.channel === 'atm') continue;
    if (category.key === 'telecom') {
      for (const country of new Set(CITIES.filter((c) => c.home).map((c) => c.country))) {
        const list = Array.from({ length: category.minimum }, () => add(category, null, null, country, 0.6));
        telecom.set(country, popularityTable(list));
      }
      continue;
    }
    const count = Math.max(category.minimum, Math.round(customers * category.density));
    // Online markets are winner-takes-most: a wider popularity spread than corner shops.
    const list = Array.from({ length: count }, () => {
      const country = ONLINE_COUNTRIES[rng.weighted(ONLINE_COUNTRY_WEIGHTS)] ?? 'IE';
      return add(category, null, null, country, 1.4);
    });
    online.set(category.key, popularityTable(list));
  }

  return {
    all,
    local: (city, key) => local.get(`${city.name}|${key}`),
    online: (key) => required(online.get(key), `online merchants of ${key}`),
    telecom: (country) => required(telecom.get(country), `telecom merchants in ${country}`),
  };
}

const popularityTable = (list: readonly Merchant[]) => new WeightedTable(list, (m) => m.popularity);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`no ${what}`);
  return value;
}
