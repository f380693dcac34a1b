import type { Rhythm } from './time';

export type Channel = 'card_present' | 'ecommerce' | 'atm' | 'other';

/**
 * What people buy. A shop that sells both in store and online is two categories with the same
 * MCC, because the channel decides location, device and rhythm.
 */
export interface Category {
  readonly key: CategoryKey;
  readonly mcc: string;
  readonly channel: Channel;
  readonly rhythm: Rhythm;
  /** Median amount in EUR for a customer of average means, and the spread (log-normal sigma). */
  readonly median: number;
  readonly sigma: number;
  /** Share of an average customer's everyday transactions; 0 for categories bought only on occasion. */
  readonly share: number;
  /** Physical: merchants per resident customer and the minimum every city has. Online: merchants per customer and the minimum. */
  readonly density: number;
  readonly minimum: number;
}

export const CATEGORY_KEYS = [
  'grocery',
  'restaurant',
  'fast_food',
  'fuel',
  'transit',
  'pharmacy',
  'clothing_store',
  'department_store',
  'electronics_store',
  'cinema',
  'gift_store',
  'jewellery_store',
  'furniture_store',
  'hotel',
  'atm',
  'marketplace',
  'clothing_online',
  'electronics_online',
  'digital_goods',
  'ride_hailing',
  'airline',
  'charity',
  'gift_cards_online',
  'jewellery_online',
  'streaming',
  'telecom',
] as const;
export type CategoryKey = (typeof CATEGORY_KEYS)[number];

type Spec = Omit<Category, 'key'>;
const physical = (mcc: string, rhythm: Rhythm, median: number, sigma: number, share: number, density: number, minimum: number): Spec => ({
  mcc,
  channel: 'card_present',
  rhythm,
  median,
  sigma,
  share,
  density,
  minimum,
});
const online = (mcc: string, rhythm: Rhythm, median: number, sigma: number, share: number, density: number, minimum: number): Spec => ({
  mcc,
  channel: 'ecommerce',
  rhythm,
  median,
  sigma,
  share,
  density,
  minimum,
});

const SPECS: Record<CategoryKey, Spec> = {
  grocery: physical('5411', 'shop', 30, 0.6, 0.25, 0.03, 2),
  restaurant: physical('5812', 'food', 32, 0.5, 0.12, 0.04, 4),
  fast_food: physical('5814', 'cafe', 8, 0.5, 0.1, 0.02, 2),
  fuel: physical('5541', 'fuel', 55, 0.35, 0.06, 0.01, 1),
  transit: physical('4111', 'commute', 2.8, 0.35, 0.06, 0.0005, 1),
  pharmacy: physical('5912', 'shop', 16, 0.6, 0.04, 0.01, 1),
  clothing_store: physical('5651', 'shop', 60, 0.6, 0.04, 0.015, 2),
  department_store: physical('5311', 'shop', 50, 0.7, 0.03, 0.005, 1),
  electronics_store: physical('5732', 'shop', 90, 0.9, 0.01, 0.005, 1),
  cinema: physical('7832', 'evening', 14, 0.4, 0.015, 0.002, 1),
  gift_store: physical('5947', 'shop', 22, 0.6, 0.01, 0.003, 1),
  jewellery_store: physical('5944', 'shop', 150, 0.9, 0.002, 0.002, 1),
  furniture_store: physical('5712', 'shop', 250, 0.7, 0, 0.002, 1),
  hotel: physical('7011', 'hotel', 140, 0.5, 0, 0.004, 3),
  atm: { mcc: '6011', channel: 'atm', rhythm: 'atm', median: 80, sigma: 0.5, share: 0.05, density: 0.01, minimum: 3 },
  marketplace: online('5999', 'online', 30, 0.8, 0.07, 1 / 400, 4),
  clothing_online: online('5651', 'online', 55, 0.6, 0.03, 1 / 500, 4),
  electronics_online: online('5732', 'online', 80, 1.0, 0.01, 1 / 800, 3),
  digital_goods: online('5816', 'online', 4, 0.8, 0.03, 1 / 800, 3),
  ride_hailing: online('4121', 'food', 15, 0.5, 0.02, 0, 3),
  airline: online('4511', 'online', 160, 0.6, 0, 0, 10),
  charity: online('8398', 'online', 18, 0.6, 0.003, 1 / 1500, 3),
  gift_cards_online: online('5947', 'online', 30, 0.6, 0.004, 1 / 1500, 2),
  jewellery_online: online('5944', 'online', 120, 0.9, 0.002, 1 / 2000, 2),
  // Subscriptions: billed by the merchant without the cardholder present, hence "other".
  streaming: { mcc: '4899', channel: 'other', rhythm: 'night', median: 10, sigma: 0.3, share: 0, density: 0, minimum: 6 },
  telecom: { mcc: '4814', channel: 'other', rhythm: 'night', median: 30, sigma: 0.4, share: 0, density: 0, minimum: 2 },
};

export const CATEGORIES: readonly Category[] = CATEGORY_KEYS.map((key) => ({ key, ...SPECS[key] }));

export const CATEGORY = Object.fromEntries(CATEGORIES.map((c) => [c.key, c])) as Record<CategoryKey, Category>;

export const categoryIndex = (key: CategoryKey): number => CATEGORY_KEYS.indexOf(key);

export const isLocated = (c: Category): boolean => c.channel === 'card_present' || c.channel === 'atm';
