/**
 * The issuer's customers: who they are (a segment with its own weekly habits), where they live
 * and work, how they are paid, which shops and sites they return to, what they subscribe to,
 * the devices they and their households share, and the cards they hold.
 */
import { newSlot, type CardSlot } from './cards';
import { DAY_MS, type PaydayRule } from './calendar';
import { CATEGORIES, type AmountModel, type CategoryKey } from './catalogue';
import type { MerchantDirectory, Merchant } from './merchants';
import { ipv4In, newCarrier, type Carrier, type Device, type DeviceFactory } from './network';
import { CITIES, FAMILY_ABROAD, countryOf, fromEuros, planarDistance, scatter, type City, type Point } from './places';
import { Rng } from './rng';
import type { Txn } from './txn';

// Bound once: jest runs this code in a VM context, where each global lookup costs more than the arithmetic (rng.ts).
const { min, sqrt } = Math;

export const SEGMENTS = ['commuter', 'family', 'student', 'cash-user', 'online-first', 'frequent-traveller', 'retired', 'dormant'] as const;
export type Segment = (typeof SEGMENTS)[number];

type Weekly = Partial<Record<CategoryKey, number>>;

interface SegmentProfile {
  /** Expected uses per week of each kind of spending, for an average member. */
  readonly weekly: Weekly;
  /** Share who commute by pay-as-you-go transit, and who buy a monthly pass instead. */
  readonly payAsYouGo: number;
  readonly monthlyPass: number;
  readonly tripsPerYear: { readonly business: number; readonly leisure: number };
  readonly subscriptions: readonly [number, number];
  readonly secondCard: number;
  readonly smartphone: number;
  readonly laptop: number;
  readonly wealth: number;
}

const PROFILES: Readonly<Record<Segment, SegmentProfile>> = {
  commuter: {
    weekly: {
      grocery: 1.4,
      convenience: 0.9,
      bakery: 0.5,
      fastfood: 1.8,
      restaurant: 0.6,
      bar: 0.6,
      fuel: 0.2,
      pharmacy: 0.25,
      clothing: 0.2,
      department: 0.1,
      electronics: 0.02,
      books: 0.06,
      cinema: 0.08,
      taxi: 0.15,
      parking: 0.1,
      beauty: 0.1,
      florist: 0.03,
      liquor: 0.1,
      jewelry: 0.005,
      doctor: 0.02,
      atm: 0.25,
      'online-marketplace': 0.45,
      'online-fashion': 0.1,
      'online-electronics': 0.012,
      'food-delivery': 0.35,
      'ride-hailing': 0.15,
      'app-store': 0.3,
      rail: 0.04,
      'gift-cards': 0.015,
      webshop: 0.04,
      charity: 0.01,
      games: 0.05,
    },
    payAsYouGo: 0.28,
    monthlyPass: 0.3,
    tripsPerYear: { business: 1, leisure: 3 },
    subscriptions: [1, 4],
    secondCard: 0.25,
    smartphone: 0.98,
    laptop: 0.55,
    wealth: 1,
  },
  family: {
    weekly: {
      grocery: 1.2,
      bakery: 1,
      convenience: 0.4,
      fastfood: 0.5,
      restaurant: 0.35,
      bar: 0.1,
      fuel: 0.8,
      pharmacy: 0.45,
      clothing: 0.3,
      department: 0.2,
      electronics: 0.03,
      books: 0.08,
      hardware: 0.25,
      cinema: 0.07,
      parking: 0.3,
      beauty: 0.1,
      florist: 0.04,
      doctor: 0.05,
      atm: 0.25,
      'online-marketplace': 0.8,
      'online-fashion': 0.15,
      'online-electronics': 0.02,
      'online-grocery': 0.1,
      'food-delivery': 0.2,
      'app-store': 0.15,
      'gift-cards': 0.02,
      webshop: 0.06,
      charity: 0.02,
      games: 0.06,
    },
    payAsYouGo: 0.1,
    monthlyPass: 0.15,
    tripsPerYear: { business: 0.3, leisure: 2.5 },
    subscriptions: [1, 4],
    secondCard: 0.2,
    smartphone: 0.97,
    laptop: 0.4,
    wealth: 1,
  },
  student: {
    weekly: {
      grocery: 1,
      convenience: 1.4,
      fastfood: 2,
      bar: 1.2,
      restaurant: 0.2,
      cinema: 0.12,
      books: 0.1,
      clothing: 0.12,
      transit: 1.4,
      atm: 0.2,
      'online-marketplace': 0.35,
      'food-delivery': 0.6,
      'app-store': 1,
      'ride-hailing': 0.2,
      'online-fashion': 0.12,
      games: 0.3,
      webshop: 0.03,
    },
    payAsYouGo: 0,
    monthlyPass: 0,
    tripsPerYear: { business: 0, leisure: 2.5 },
    subscriptions: [1, 3],
    secondCard: 0.03,
    smartphone: 1,
    laptop: 0.8,
    wealth: 0.6,
  },
  'cash-user': {
    weekly: {
      atm: 0.2,
      grocery: 0.8,
      bakery: 0.4,
      pharmacy: 0.35,
      fuel: 0.2,
      restaurant: 0.06,
      convenience: 0.2,
      department: 0.05,
      doctor: 0.03,
      'online-marketplace': 0.04,
    },
    payAsYouGo: 0,
    monthlyPass: 0.1,
    tripsPerYear: { business: 0, leisure: 0.5 },
    subscriptions: [0, 1],
    secondCard: 0.02,
    smartphone: 0.45,
    laptop: 0.1,
    wealth: 0.85,
  },
  'online-first': {
    weekly: {
      grocery: 0.6,
      convenience: 0.6,
      fastfood: 0.7,
      restaurant: 0.3,
      bar: 0.3,
      pharmacy: 0.15,
      atm: 0.05,
      'online-marketplace': 1.8,
      'online-fashion': 0.45,
      'online-electronics': 0.05,
      'online-grocery': 0.6,
      'food-delivery': 1.6,
      'ride-hailing': 0.6,
      'app-store': 1.2,
      games: 0.3,
      'gift-cards': 0.04,
      webshop: 0.2,
      rail: 0.05,
      charity: 0.03,
    },
    payAsYouGo: 0.15,
    monthlyPass: 0.1,
    tripsPerYear: { business: 0.5, leisure: 2.5 },
    subscriptions: [3, 6],
    secondCard: 0.35,
    smartphone: 1,
    laptop: 0.9,
    wealth: 1.1,
  },
  'frequent-traveller': {
    weekly: {
      grocery: 0.7,
      fastfood: 1.5,
      restaurant: 1.1,
      bar: 0.5,
      taxi: 0.6,
      convenience: 0.6,
      'ride-hailing': 0.7,
      'online-marketplace': 0.4,
      'app-store': 0.3,
      clothing: 0.15,
      electronics: 0.03,
      atm: 0.15,
      pharmacy: 0.15,
      rail: 0.2,
      jewelry: 0.01,
    },
    payAsYouGo: 0.2,
    monthlyPass: 0,
    tripsPerYear: { business: 14, leisure: 3 },
    subscriptions: [2, 4],
    secondCard: 0.6,
    smartphone: 1,
    laptop: 0.95,
    wealth: 1.45,
  },
  retired: {
    weekly: {
      grocery: 1.8,
      bakery: 1.8,
      pharmacy: 0.8,
      restaurant: 0.3,
      convenience: 0.3,
      florist: 0.1,
      books: 0.15,
      department: 0.15,
      clothing: 0.1,
      doctor: 0.08,
      atm: 0.35,
      fuel: 0.25,
      hardware: 0.1,
      'online-marketplace': 0.15,
      charity: 0.04,
    },
    payAsYouGo: 0,
    monthlyPass: 0.05,
    tripsPerYear: { business: 0, leisure: 3 },
    subscriptions: [0, 2],
    secondCard: 0.1,
    smartphone: 0.7,
    laptop: 0.35,
    wealth: 0.95,
  },
  dormant: {
    weekly: {},
    payAsYouGo: 0,
    monthlyPass: 0,
    tripsPerYear: { business: 0, leisure: 0.3 },
    subscriptions: [0, 1],
    secondCard: 0.3,
    smartphone: 0.9,
    laptop: 0.5,
    wealth: 1,
  },
};

/** The habits a dormant card borrows for a few days when it wakes up. */
export const WAKE_PROFILE: Weekly = {
  grocery: 1,
  convenience: 0.8,
  fastfood: 1.2,
  restaurant: 0.6,
  bar: 0.4,
  clothing: 0.3,
  electronics: 0.05,
  'online-marketplace': 0.6,
  'online-fashion': 0.2,
  atm: 0.3,
  fuel: 0.3,
};

export function segmentProfile(segment: Segment): SegmentProfile {
  return PROFILES[segment];
}

/** Share of customers in each segment. */
const SEGMENT_SHARES: readonly (readonly [Segment, number])[] = [
  ['commuter', 0.28],
  ['family', 0.22],
  ['student', 0.09],
  ['cash-user', 0.1],
  ['online-first', 0.1],
  ['frequent-traveller', 0.05],
  ['retired', 0.11],
  ['dormant', 0.05],
];

export interface Subscription {
  readonly merchant: Merchant;
  readonly slot: CardSlot;
  /** Hundredths of the merchant's currency. */
  readonly amount: number;
  readonly dayOfMonth: number;
  /** Weekly boxes charge on this weekday instead. */
  readonly weekday: number | undefined;
  /** UTC minute of the day the merchant runs its billing batch. */
  readonly minuteUtc: number;
  /** Day index of the first charge (after a free trial for sign-ups during the history). */
  readonly firstChargeDay: number;
  /** Day of sign-up during the history (a 0.00 card check), undefined for older ones. */
  readonly signupDay: number | undefined;
  readonly cancelDay: number;
  readonly priceRise: { readonly day: number; readonly amount: number } | undefined;
}

export interface Trip {
  readonly start: number;
  /** Last day away, included. */
  readonly end: number;
  readonly city: City;
  readonly kind: 'business' | 'leisure';
  readonly hotel: Merchant | undefined;
  readonly hotelPrepaid: boolean;
  readonly carRental: boolean;
}

export interface Household {
  readonly id: number;
  readonly members: Customer[];
  homeIp: string;
  readonly sharedDevice: Device | undefined;
}

export interface Customer {
  readonly index: number;
  readonly id: string;
  readonly segment: Segment;
  readonly household: Household;
  readonly home: City;
  readonly homePoint: Point;
  readonly workPoint: Point | undefined;
  readonly wealth: number;
  readonly activity: number;
  readonly payday: PaydayRule;
  readonly slots: CardSlot[];
  phone: Device | undefined;
  readonly laptop: Device | undefined;
  readonly carrier: Carrier;
  /** A city abroad where the customer's family lives, visited on holidays. */
  readonly familyAbroad: City | undefined;
  readonly traits: { readonly smoker: boolean; readonly bettor: boolean; readonly crypto: boolean; readonly disputer: boolean; readonly vpn: boolean };
  /** Expected uses per week, by kind, for this customer. */
  readonly weekly: readonly (readonly [CategoryKey, number])[];
  readonly favourites: Map<CategoryKey, Merchant[]>;
  readonly subscriptions: Subscription[];
  readonly commute: 'pay-as-you-go' | 'pass' | 'none';
  /** Probability of going to the office on a working weekday. */
  readonly officeDays: number;
  readonly bigShopWeekday: number | undefined;
  readonly cashDay: number | undefined;
  /** Usual cash withdrawal, euros. */
  readonly cashAmount: number;
  readonly rng: Rng;
  trips: Trip[];
  awakeUntil: number;
  /** The customer's latest own transactions (a dispute sometimes catches one by mistake). */
  readonly recent: Txn[];
  /** The month (year * 12 + month) of the last monthly transit pass bought. */
  passMonth: number;
  /** When the current phone was first used. */
  phoneSince: number;
}

export interface CustomerWorld {
  readonly customers: Customer[];
  readonly households: Household[];
}

const SUBSCRIPTION_WEIGHTS: readonly (readonly [CategoryKey, number])[] = [
  ['streaming', 0.6],
  ['music', 0.35],
  ['cloud', 0.3],
  ['news', 0.12],
  ['mobile-phone', 0.5],
  ['gym', 0.18],
  ['utility', 0.15],
  ['insurance', 0.12],
  ['meal-kit', 0.05],
];

export function amountEuros(model: AmountModel, rng: Rng): number {
  switch (model.kind) {
    case 'lognormal':
      return rng.logNormal(model.medianEuros, model.sigma);
    case 'choice':
      return rng.pick(model.euros);
    case 'fare':
    case 'atm':
      throw new Error(`${model.kind} amounts depend on the place`);
  }
}

function paydayFor(segment: Segment, countryCode: string, rng: Rng): PaydayRule {
  if (segment === 'student') return rng.chance(0.7) ? { kind: 'monthly', dayOfMonth: 1 } : { kind: 'weekly-friday' };
  if (segment === 'retired') {
    if (countryCode === 'FR') return { kind: 'monthly', dayOfMonth: 9 };
    if (countryCode === 'GB') return { kind: 'four-weekly', phase: rng.int(0, 3) };
    if (countryCode === 'DE' || countryCode === 'AT') return { kind: 'last-business-day' };
    return { kind: 'monthly', dayOfMonth: rng.pick([1, 1, 25]) };
  }
  if (segment === 'cash-user' && rng.chance(0.35)) return { kind: 'weekly-friday' };
  if (segment === 'dormant') return { kind: 'monthly', dayOfMonth: 1 };
  if (rng.chance(0.05)) return { kind: 'semi-monthly' };
  switch (countryCode) {
    case 'GB':
    case 'IE':
      return weightedRule(rng, [
        [{ kind: 'last-business-day' }, 45],
        [{ kind: 'monthly', dayOfMonth: 25 }, 25],
        [{ kind: 'four-weekly', phase: rng.int(0, 3) }, 15],
        [{ kind: 'weekly-friday' }, 10],
        [{ kind: 'monthly', dayOfMonth: 28 }, 5],
      ]);
    case 'FR':
      return rng.chance(0.6) ? { kind: 'last-business-day' } : { kind: 'monthly', dayOfMonth: 28 };
    case 'ES':
    case 'IT':
    case 'PT':
      return weightedRule(rng, [
        [{ kind: 'monthly', dayOfMonth: 27 }, 3],
        [{ kind: 'last-business-day' }, 5],
        [{ kind: 'monthly', dayOfMonth: 1 }, 2],
      ]);
    default:
      return weightedRule(rng, [
        [{ kind: 'last-business-day' }, 7],
        [{ kind: 'monthly', dayOfMonth: 25 }, 1.5],
        [{ kind: 'monthly', dayOfMonth: 1 }, 1.5],
      ]);
  }
}

function weightedRule(rng: Rng, rules: readonly (readonly [PaydayRule, number])[]): PaydayRule {
  return rng.weighted(rules, ([, weight]) => weight)[0];
}

interface BuildOptions {
  readonly customers: number;
  readonly days: number;
  readonly start: number;
  readonly seed: number;
}

/** Households of one to three, until there are as many customers as asked for. */
export function buildCustomers(
  options: BuildOptions,
  homes: readonly City[],
  merchantsFor: (residents: ReadonlyMap<string, number>) => MerchantDirectory,
  devices: DeviceFactory,
  rng: Rng,
): { world: CustomerWorld; merchants: MerchantDirectory } {
  interface Draft {
    readonly segment: Segment;
    readonly household: number;
    readonly home: City;
  }
  const drafts: Draft[] = [];
  const householdHomes: City[] = [];
  while (drafts.length < options.customers) {
    const household = householdHomes.length;
    const home = rng.weighted(homes, (c) => c.residents);
    householdHomes.push(home);
    const first = rng.weighted(SEGMENT_SHARES, ([, share]) => share)[0];
    const kind = rng.float();
    const members: Segment[] = [first];
    if (first === 'family') {
      members.push('family');
      if (rng.chance(0.35)) members.push('student');
    } else if (kind < 0.4 && first !== 'student' && first !== 'dormant') {
      members.push(first === 'retired' ? 'retired' : rng.pick(['commuter', 'commuter', 'online-first', 'cash-user', 'dormant'] as const));
    }
    for (const segment of members) if (drafts.length < options.customers) drafts.push({ segment, household, home });
  }

  const residents = new Map<string, number>();
  for (const draft of drafts) residents.set(draft.home.key, (residents.get(draft.home.key) ?? 0) + 1);
  const merchants = merchantsFor(residents);

  const carriers = new Map<string, Carrier[]>();
  const carriersOf = (countryCode: string): Carrier[] => {
    let list = carriers.get(countryCode);
    if (!list) {
      list = [0, 1, 2].map((i) => newCarrier(countryCode, i === 0, rng));
      carriers.set(countryCode, list);
    }
    return list;
  };

  const sizes = new Map<number, number>();
  for (const draft of drafts) sizes.set(draft.household, (sizes.get(draft.household) ?? 0) + 1);
  const households: Household[] = householdHomes.map((home, id) => ({
    id,
    members: [],
    homeIp: ipv4In(home.country, rng),
    sharedDevice: (sizes.get(id) ?? 0) > 1 && rng.chance(0.65) ? devices.create('tablet') : undefined,
  }));
  const customers: Customer[] = [];
  for (const [index, draft] of drafts.entries()) {
    const household = households[draft.household];
    if (!household) throw new Error('household missing');
    customers.push(
      buildCustomer(
        index,
        draft.segment,
        household,
        draft.home,
        options,
        merchants,
        devices,
        carriersOf(draft.home.country),
        Rng.fork(options.seed, 'customer', index),
      ),
    );
  }
  return { world: { customers, households }, merchants };
}

function buildCustomer(
  index: number,
  segment: Segment,
  household: Household,
  home: City,
  options: BuildOptions,
  merchants: MerchantDirectory,
  devices: DeviceFactory,
  carriers: readonly Carrier[],
  rng: Rng,
): Customer {
  const profile = PROFILES[segment];
  const countryCode = home.country;
  const homePoint = scatter(home.centre, home.radiusKm, () => rng.normal());
  const works = segment === 'commuter' || segment === 'family' || segment === 'online-first' || segment === 'frequent-traveller';
  const workPoint = works ? scatter(home.centre, home.radiusKm * 0.5, () => rng.normal()) : undefined;
  const traits = {
    smoker: segment !== 'dormant' && rng.chance(0.18),
    bettor: (segment === 'commuter' || segment === 'student' || segment === 'online-first') && rng.chance(0.08),
    crypto: segment === 'online-first' ? rng.chance(0.12) : segment === 'commuter' && rng.chance(0.02),
    disputer: segment !== 'dormant' && segment !== 'cash-user' && rng.chance(0.015),
    // Privacy VPNs put some honest sessions on the same rented servers fraudsters use.
    vpn: rng.chance(segment === 'online-first' ? 0.15 : segment === 'student' ? 0.12 : segment === 'commuter' ? 0.06 : 0.03),
  };

  const weekly: [CategoryKey, number][] = [];
  for (const [key, rate] of Object.entries(profile.weekly) as [CategoryKey, number][]) {
    // Personal taste: some never go to bars, others go twice as often as their neighbours.
    if (rng.chance(0.12)) continue;
    weekly.push([key, rate * rng.logNormal(1, 0.35)]);
  }
  if (traits.smoker) weekly.push(['tobacco', rng.uniform(1, 3)]);
  if (traits.bettor) weekly.push(['betting', rng.uniform(0.5, 2)]);
  if (traits.crypto) weekly.push(['crypto', rng.uniform(0.05, 0.3)]);

  const commuteDraw = rng.float();
  const commute = commuteDraw < profile.payAsYouGo ? 'pay-as-you-go' : commuteDraw < profile.payAsYouGo + profile.monthlyPass ? 'pass' : 'none';
  const bigShopWeekday = segment === 'family' || (segment === 'retired' && rng.chance(0.3)) ? rng.pick([4, 5, 5, 6, 6, 6]) : undefined;
  const cashDay = segment === 'cash-user' ? rng.int(1, 6) : segment === 'retired' && rng.chance(0.4) ? rng.int(1, 5) : undefined;

  const customer: Customer = {
    index,
    id: `c2-${String(index + 1).padStart(6, '0')}`,
    segment,
    household,
    home,
    homePoint,
    workPoint,
    wealth: profile.wealth * rng.logNormal(1, 0.35) * countryOf(countryCode).priceLevel,
    activity: rng.logNormal(0.72, 0.3),
    payday: paydayFor(segment, countryCode, rng),
    slots: [],
    phone: rng.chance(profile.smartphone) ? devices.create('phone') : undefined,
    laptop: rng.chance(profile.laptop) ? devices.create('laptop') : undefined,
    carrier: rng.pick(carriers),
    familyAbroad: familyAbroadFor(segment, countryCode, rng),
    traits,
    weekly,
    favourites: new Map(),
    subscriptions: [],
    commute,
    officeDays: rng.uniform(0.35, 0.9),
    bigShopWeekday,
    cashDay,
    cashAmount: rng.pick([50, 50, 100, 100, 150, 200]),
    rng,
    trips: [],
    awakeUntil: -1,
    recent: [],
    // A history starting mid-month: this month's pass was bought before it.
    passMonth: new Date(options.start).getUTCDate() > 5 ? new Date(options.start).getUTCFullYear() * 12 + new Date(options.start).getUTCMonth() + 1 : -1,
    phoneSince: options.start - rng.int(30, 900) * DAY_MS,
  };
  customer.slots.push(newSlot(customer, 'a', 'debit', options.start - rng.int(30, 1400) * DAY_MS));
  if (rng.chance(profile.secondCard)) customer.slots.push(newSlot(customer, 'b', 'credit', options.start - rng.int(30, 1400) * DAY_MS));
  household.members.push(customer);

  chooseFavourites(customer, merchants);
  chooseSubscriptions(customer, profile, options, merchants);
  return customer;
}

function familyAbroadFor(segment: Segment, countryCode: string, rng: Rng): City | undefined {
  const places = FAMILY_ABROAD[countryCode];
  if (!places || segment === 'dormant' || !rng.chance(countryCode === 'ES' || countryCode === 'IT' || countryCode === 'GB' ? 0.07 : 0.045)) return undefined;
  const key = rng.pick(places);
  return CITIES.find((c) => c.key === key);
}

/** Card-present kinds a customer has regular places for (the rest are picked afresh each time). */
const REGULAR_KINDS: readonly CategoryKey[] = [
  'grocery',
  'convenience',
  'bakery',
  'fastfood',
  'restaurant',
  'bar',
  'fuel',
  'fuel-pump',
  'pharmacy',
  'clothing',
  'beauty',
  'tobacco',
  'atm',
  'parking',
  'doctor',
  'hardware',
  'cinema',
];

function chooseFavourites(c: Customer, merchants: MerchantDirectory): void {
  const rng = c.rng;
  const kinds = new Set<CategoryKey>(c.weekly.map(([key]) => key));
  kinds.add('grocery');
  kinds.add('atm');
  if (kinds.has('fuel')) kinds.add('fuel-pump');
  for (const key of kinds) {
    const category = CATEGORIES[key];
    if (category.channel === 'ecommerce' || category.channel === 'other') {
      const count = rng.int(2, 4);
      const chosen = new Set<Merchant>();
      for (let i = 0; i < count * 2 && chosen.size < count; i += 1) chosen.add(merchants.drawOnline(key, c.home.country, rng));
      for (const m of chosen) m.regulars += 1;
      c.favourites.set(key, [...chosen]);
      continue;
    }
    if (!REGULAR_KINDS.includes(key)) continue;
    const pool = merchants.inCity(c.home, key);
    if (pool.length === 0) continue;
    const anchor = (key === 'fastfood' || key === 'parking') && c.workPoint ? c.workPoint : c.homePoint;
    const candidates = rng.sample(pool, 6).map((m) => ({ m, d: planarDistance(anchor, m.location ?? anchor) }));
    candidates.sort((a, b) => a.d - b.d);
    const chosen = candidates.slice(0, key === 'atm' || key === 'fuel-pump' ? rng.int(1, 2) : rng.int(1, 3)).map(({ m }) => m);
    for (const m of chosen) m.regulars += 1;
    c.favourites.set(key, chosen);
  }
}

function chooseSubscriptions(c: Customer, profile: SegmentProfile, options: BuildOptions, merchants: MerchantDirectory): void {
  const rng = c.rng;
  const [least, most] = profile.subscriptions;
  const wanted = rng.int(least, most);
  const kinds = new Set<CategoryKey>();
  for (let i = 0; i < wanted * 3 && kinds.size < wanted; i += 1) kinds.add(rng.weighted(SUBSCRIPTION_WEIGHTS, ([, w]) => w)[0]);
  // New sign-ups during the history: 0.4 a customer a year.
  const signupDuring = options.days > 2 && rng.chance(min(0.9, (options.days / 365) * 0.4)) ? rng.int(0, options.days - 2) : undefined;
  let i = 0;
  for (const key of kinds) {
    const signupDay = i === 0 ? signupDuring : undefined;
    i += 1;
    const candidates = key === 'gym' ? merchants.onlineOf('gym').filter((m) => m.city === c.home) : merchants.onlineFor(key, c.home.country);
    if (candidates.length === 0) continue;
    const merchant = key === 'gym' ? rng.pick(candidates) : merchants.drawOnline(key, c.home.country, rng);
    const euros =
      key === 'mobile-phone' || key === 'utility' || key === 'insurance'
        ? amountEuros(CATEGORIES[key].amount, rng) * sqrt(c.wealth)
        : amountEuros(CATEGORIES[key].amount, rng);
    const amount = fromEuros(euros, merchant.currency);
    const trial = signupDay === undefined ? 0 : rng.pick([0, 7, 14, 30]);
    const batchHour = 1 + (Number(merchant.id.slice(5)) % 6);
    const credit = c.slots.find((s) => s.kind === 'credit');
    c.subscriptions.push({
      merchant,
      slot: credit && rng.chance(0.6) ? credit : (c.slots[0] ?? credit ?? fail('customer without a card')),
      amount,
      dayOfMonth: signupDay === undefined ? rng.int(1, 28) : dayOfMonthOf(options.start, signupDay + trial),
      weekday: key === 'meal-kit' ? rng.int(1, 5) : undefined,
      minuteUtc: batchHour * 60 + rng.int(0, 59),
      firstChargeDay: signupDay === undefined ? -1 : signupDay + trial,
      signupDay,
      cancelDay: rng.chance(0.08) ? rng.int(0, options.days) : Infinity,
      priceRise: rng.chance(0.1) ? { day: rng.int(0, options.days), amount: amount + fromEuros(rng.pick([1, 1, 2]), merchant.currency) } : undefined,
    });
  }
}

function dayOfMonthOf(start: number, day: number): number {
  return min(28, new Date(start + day * DAY_MS).getUTCDate());
}

function fail(message: string): never {
  throw new Error(message);
}

/** A subscription's charge on a day, in hundredths, or undefined when none is due. */
export function subscriptionCharge(s: Subscription, day: number, dayOfMonth: number, weekday: number): { amount: number; minute: number } | undefined {
  if (day < s.firstChargeDay || day >= s.cancelDay) return undefined;
  const due = s.weekday === undefined ? dayOfMonth === s.dayOfMonth : weekday === s.weekday;
  if (!due) return undefined;
  const amount = s.priceRise && day >= s.priceRise.day ? s.priceRise.amount : s.amount;
  return { amount, minute: s.minuteUtc };
}
