/**
 * The merchants: shops, cash machines and a transit operator in every city (more where more of
 * the issuer's customers live, tourist trades where visitors go), and an online catalogue of
 * platforms, national services and many small web shops and charities.
 */
import { CATEGORIES, type CategoryKey, type Channel } from './catalogue';
import { CITIES, countryOf, hasRole, scatter, type City, type Point } from './places';
import { Rng, WeightedTable } from './rng';
import type { Txn } from './txn';

/** A window in which every use of the merchant is seen by a typology (a skimmer, a breach). */
export interface MerchantWatch {
  readonly from: number;
  readonly to: number;
  readonly onUse: (txn: Txn) => void;
}

export interface Merchant {
  readonly id: string;
  readonly category: CategoryKey;
  readonly mcc: string;
  readonly channel: Channel;
  readonly country: string;
  readonly currency: string;
  readonly city: City | undefined;
  readonly location: Point | undefined;
  /** Online popularity (a Zipf weight within its category). */
  readonly weight: number;
  /** Little legitimate traffic: a small web shop or charity. */
  readonly small: boolean;
  /** Weak checks at checkout: fraudsters come back to it. */
  readonly lax: boolean;
  /** How many customers count it among their regular places. */
  regulars: number;
  watches: MerchantWatch[] | undefined;
}

/** Regular places per resident customer, the least any home city has, and a visitor city's count. */
const CITY_TRADES: readonly (readonly [CategoryKey, number, number, number])[] = [
  ['grocery', 1 / 45, 4, 6],
  ['convenience', 1 / 50, 4, 8],
  ['bakery', 1 / 70, 3, 3],
  ['restaurant', 1 / 20, 8, 25],
  ['fastfood', 1 / 30, 6, 10],
  ['bar', 1 / 35, 5, 10],
  ['fuel', 1 / 150, 2, 2],
  ['fuel-pump', 1 / 220, 2, 1],
  ['pharmacy', 1 / 120, 2, 3],
  ['clothing', 1 / 70, 3, 6],
  ['department', 1 / 350, 1, 2],
  ['electronics', 1 / 300, 1, 2],
  ['books', 1 / 250, 1, 2],
  ['hardware', 1 / 350, 1, 0],
  ['cinema', 1 / 600, 1, 1],
  ['taxi', 1 / 400, 2, 4],
  ['parking', 1 / 250, 2, 2],
  ['beauty', 1 / 150, 2, 1],
  ['florist', 1 / 300, 1, 1],
  ['tobacco', 1 / 250, 1, 3],
  ['liquor', 1 / 300, 1, 2],
  ['jewelry', 1 / 500, 1, 3],
  ['hotel', 0, 3, 15],
  ['attraction', 0, 2, 10],
  ['car-rental', 0, 1, 3],
  ['doctor', 1 / 250, 1, 0],
  ['atm', 1 / 40, 4, 10],
];

/** Cash-out places: many machines and shops selling goods that resell. */
const CASHOUT_TRADES: readonly (readonly [CategoryKey, number])[] = [
  ['atm', 14],
  ['electronics', 3],
  ['jewelry', 3],
  ['department', 2],
  ['fuel', 2],
  ['convenience', 3],
];

/** Online merchants: how many, where they are, and whether each home market gets its own. */
interface OnlineSpec {
  readonly key: CategoryKey;
  readonly count: number;
  readonly countries: readonly string[];
  /** One per home country (national services) instead of a global list. */
  readonly national?: boolean;
  /** Global platforms charge UK customers in pounds through a UK entity. */
  readonly ukEntity?: boolean;
  readonly small?: boolean;
  readonly zipf?: number;
}

const ONLINE: readonly OnlineSpec[] = [
  { key: 'online-marketplace', count: 8, countries: ['LU', 'IE', 'NL', 'DE', 'FR', 'CN', 'ES', 'IT'], ukEntity: true, zipf: 1.3 },
  { key: 'online-fashion', count: 36, countries: ['DE', 'NL', 'FR', 'ES', 'IT', 'GB', 'IE', 'US'] },
  { key: 'online-electronics', count: 22, countries: ['DE', 'NL', 'FR', 'GB', 'CN', 'IT', 'ES'] },
  { key: 'online-grocery', count: 2, countries: [], national: true },
  { key: 'food-delivery', count: 2, countries: [], national: true },
  { key: 'ride-hailing', count: 2, countries: [], national: true },
  { key: 'app-store', count: 3, countries: ['IE', 'LU', 'IE'], ukEntity: true, zipf: 1.5 },
  { key: 'airline', count: 20, countries: ['IE', 'DE', 'FR', 'NL', 'ES', 'IT', 'GB', 'PT', 'AT', 'BE', 'US', 'AE', 'TR', 'CH', 'DK'] },
  { key: 'travel-agency', count: 12, countries: ['DE', 'FR', 'ES', 'GB', 'NL', 'IT'] },
  { key: 'hotel-booking', count: 4, countries: ['NL', 'US', 'ES', 'DE'], ukEntity: true, zipf: 1.4 },
  { key: 'rail', count: 1, countries: [], national: true },
  { key: 'gift-cards', count: 10, countries: ['IE', 'LU', 'GB', 'DE', 'NL', 'US'] },
  { key: 'crypto', count: 6, countries: ['LU', 'GB', 'US', 'IE', 'NL', 'DE'] },
  { key: 'betting', count: 2, countries: [], national: true },
  { key: 'charity', count: 40, countries: ['DE', 'FR', 'ES', 'IT', 'NL', 'BE', 'AT', 'IE', 'PT', 'GB'], small: true, zipf: 0.6 },
  { key: 'webshop', count: 90, countries: ['DE', 'FR', 'ES', 'IT', 'NL', 'BE', 'AT', 'IE', 'PT', 'GB'], small: true, zipf: 0.6 },
  { key: 'streaming', count: 5, countries: ['NL', 'IE', 'LU', 'US', 'FR'], ukEntity: true },
  { key: 'music', count: 3, countries: ['LU', 'IE', 'FR'], ukEntity: true },
  { key: 'cloud', count: 3, countries: ['IE', 'IE', 'LU'], ukEntity: true },
  { key: 'news', count: 2, countries: [], national: true },
  { key: 'mobile-phone', count: 3, countries: [], national: true },
  { key: 'utility', count: 2, countries: [], national: true },
  { key: 'insurance', count: 3, countries: [], national: true },
  { key: 'meal-kit', count: 3, countries: ['DE', 'NL', 'FR'], ukEntity: true },
  { key: 'games', count: 6, countries: ['US', 'IE', 'LU', 'FR', 'DE', 'GB'], ukEntity: true },
];

/** Local gyms charge a stored card monthly: per home city. */
const GYMS_PER_CITY = 3;

export const HOME_COUNTRIES: readonly string[] = [...new Set(CITIES.filter((c) => hasRole(c, 'home')).map((c) => c.country))];

export class MerchantDirectory {
  readonly all: Merchant[] = [];
  private readonly byCity = new Map<string, Map<CategoryKey, Merchant[]>>();
  private readonly transitByCity = new Map<string, Merchant>();
  private readonly online = new Map<CategoryKey, Merchant[]>();
  private readonly onlineTables = new Map<string, WeightedTable<Merchant>>();

  constructor(residents: ReadonlyMap<string, number>, rng: Rng) {
    for (const place of CITIES) this.buildCity(place, residents.get(place.key) ?? 0, rng);
    for (const spec of ONLINE) this.buildOnline(spec, rng);
    for (const place of CITIES.filter((c) => hasRole(c, 'home'))) {
      for (let i = 0; i < GYMS_PER_CITY; i += 1)
        this.add('gym', countryOf(place.country).currency, place.country, place, undefined, rng, { weight: 1 / (i + 1) });
    }
  }

  /** Card-present merchants of a kind in a city (never empty for kinds the city has). */
  inCity(place: City, key: CategoryKey): readonly Merchant[] {
    return this.byCity.get(place.key)?.get(key) ?? [];
  }

  transit(place: City): Merchant {
    const found = this.transitByCity.get(place.key);
    if (!found) throw new Error(`no transit operator in ${place.key}`);
    return found;
  }

  /**
   * Online merchants of a kind that a customer from a home country would use: national ones of
   * that country, and the UK entities of platforms for UK customers.
   */
  onlineFor(key: CategoryKey, homeCountry: string): readonly Merchant[] {
    const list = this.online.get(key) ?? [];
    const spec = ONLINE.find((s) => s.key === key);
    if (spec?.national === true) return list.filter((m) => m.country === homeCountry);
    if (spec?.ukEntity === true) return list.filter((m) => (homeCountry === 'GB') === (m.currency === 'GBP'));
    return list;
  }

  /** A popularity-weighted pick among onlineFor(key, homeCountry). */
  drawOnline(key: CategoryKey, homeCountry: string, rng: Rng): Merchant {
    const tableKey = `${key}/${homeCountry}`;
    let table = this.onlineTables.get(tableKey);
    if (!table) {
      const candidates = this.onlineFor(key, homeCountry);
      table = new WeightedTable(candidates, (m) => m.weight * (m.country === homeCountry ? 3 : 1));
      this.onlineTables.set(tableKey, table);
    }
    return table.draw(rng);
  }

  onlineOf(key: CategoryKey): readonly Merchant[] {
    return this.online.get(key) ?? [];
  }

  private buildCity(place: City, residents: number, rng: Rng): void {
    const pools = new Map<CategoryKey, Merchant[]>();
    this.byCity.set(place.key, pools);
    const currencyCode = countryOf(place.country).currency;
    const isHome = hasRole(place, 'home');
    const visitorScale = 0.6 + place.appeal / 3;
    const counts = new Map<CategoryKey, number>();
    if (isHome || hasRole(place, 'destination')) {
      for (const [key, perResident, least, visitors] of CITY_TRADES) {
        const local = isHome ? Math.max(least, Math.round(residents * perResident)) : 0;
        const tourist = hasRole(place, 'destination') ? Math.round(visitors * visitorScale) : 0;
        const count = isHome ? local + (key === 'hotel' || key === 'attraction' ? tourist : Math.round(tourist / 3)) : tourist;
        if (count > 0) counts.set(key, count);
      }
    }
    if (hasRole(place, 'cashout')) {
      for (const [key, count] of CASHOUT_TRADES) counts.set(key, (counts.get(key) ?? 0) + count);
    }
    for (const [key, count] of counts) {
      const central = key === 'hotel' || key === 'attraction' || key === 'jewelry';
      const list: Merchant[] = [];
      for (let i = 0; i < count; i += 1) {
        const location = scatter(place.centre, place.radiusKm * (central ? 0.5 : 1), () => rng.normal());
        list.push(this.add(key, currencyCode, place.country, place, location, rng));
      }
      pools.set(key, list);
    }
    this.transitByCity.set(place.key, this.add('transit', currencyCode, place.country, place, place.centre, rng));
  }

  private buildOnline(spec: OnlineSpec, rng: Rng): void {
    const zipf = spec.zipf ?? 1;
    const place = (countryCode: string, rank: number, ukEntity: boolean): void => {
      const currencyCode = ukEntity ? 'GBP' : countryOf(countryCode).currency;
      this.add(spec.key, currencyCode, ukEntity ? 'GB' : countryCode, undefined, undefined, rng, {
        weight: 1 / (rank + 1) ** zipf,
        small: spec.small === true,
      });
    };
    if (spec.national === true) {
      for (const countryCode of HOME_COUNTRIES) for (let i = 0; i < spec.count; i += 1) place(countryCode, i, false);
      return;
    }
    for (let i = 0; i < spec.count; i += 1) {
      const countryCode = spec.countries[i % spec.countries.length] ?? 'IE';
      place(countryCode, i, false);
      if (spec.ukEntity === true && countryCode !== 'GB') place(countryCode, i, true);
    }
  }

  private add(
    key: CategoryKey,
    currencyCode: string,
    countryCode: string,
    place: City | undefined,
    location: Point | undefined,
    rng: Rng,
    options: { weight?: number; small?: boolean } = {},
  ): Merchant {
    const category = CATEGORIES[key];
    const merchant: Merchant = {
      id: `mer2-${String(this.all.length + 1).padStart(5, '0')}`,
      category: key,
      mcc: category.mcc,
      channel: category.channel,
      country: countryCode,
      currency: currencyCode,
      city: place,
      location,
      weight: options.weight ?? 1,
      small: options.small ?? false,
      lax: rng.chance(0.2),
      regulars: 0,
      watches: undefined,
    };
    this.all.push(merchant);
    if (category.channel === 'ecommerce' || category.channel === 'other' || place === undefined) {
      const list = this.online.get(key) ?? [];
      list.push(merchant);
      this.online.set(key, list);
    }
    return merchant;
  }
}

export function watch(merchant: Merchant, window: MerchantWatch): void {
  merchant.watches ??= [];
  merchant.watches.push(window);
}
