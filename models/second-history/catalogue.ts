/**
 * What people spend on: each kind of spending with its merchant category code (ISO 18245), its
 * channel, when in the (local) day it happens, how much it costs and what moves it.
 */
import type { SeasonalGroup } from './calendar';

export type Channel = 'card_present' | 'ecommerce' | 'atm' | 'other';

/** How a kind of spending reacts to pay day: bills do not, a new television does. */
export type PayGroup = 'essential' | 'discretionary' | 'big-ticket' | 'none';

/** When in the day, local time: [from hour, to hour, weight] windows. */
export type HourWindows = readonly (readonly [number, number, number])[];

export type AmountModel =
  | { readonly kind: 'lognormal'; readonly medianEuros: number; readonly sigma: number }
  | { readonly kind: 'choice'; readonly euros: readonly number[] }
  | { readonly kind: 'fare' }
  | { readonly kind: 'atm' };

export interface Category {
  readonly key: CategoryKey;
  readonly mcc: string;
  readonly channel: Channel;
  readonly hours: HourWindows;
  readonly amount: AmountModel;
  readonly pay: PayGroup;
  readonly season: SeasonalGroup;
  /** Multiplier on Saturdays and Sundays (weekdays get 1). */
  readonly weekend: number;
  /** Shops of this kind shut on Sundays where Sunday trading is restricted. */
  readonly sundayShut: boolean;
}

export const CATEGORY_KEYS = [
  'grocery',
  'convenience',
  'bakery',
  'restaurant',
  'fastfood',
  'bar',
  'fuel',
  'fuel-pump',
  'pharmacy',
  'clothing',
  'department',
  'electronics',
  'books',
  'hardware',
  'cinema',
  'taxi',
  'transit',
  'transit-pass',
  'parking',
  'beauty',
  'florist',
  'tobacco',
  'liquor',
  'jewelry',
  'hotel',
  'attraction',
  'car-rental',
  'doctor',
  'atm',
  'online-marketplace',
  'online-fashion',
  'online-electronics',
  'online-grocery',
  'food-delivery',
  'ride-hailing',
  'app-store',
  'airline',
  'travel-agency',
  'hotel-booking',
  'rail',
  'gift-cards',
  'crypto',
  'betting',
  'charity',
  'webshop',
  'streaming',
  'music',
  'cloud',
  'news',
  'mobile-phone',
  'gym',
  'utility',
  'insurance',
  'meal-kit',
  'games',
] as const;
export type CategoryKey = (typeof CATEGORY_KEYS)[number];

const DAYTIME: HourWindows = [
  [8, 12, 3],
  [12, 14, 2],
  [14, 17, 3],
  [17, 20, 4],
];
const SHOP_HOURS: HourWindows = [
  [9, 12, 3],
  [12, 14, 2],
  [14, 18, 4],
  [18, 20, 3],
];
const EVENING_ONLINE: HourWindows = [
  [7, 9, 1],
  [9, 12, 2],
  [12, 14, 2],
  [14, 18, 2],
  [18, 21, 4],
  [21, 24, 3],
  [0, 1, 0.5],
];
const ANY_HOUR: HourWindows = [
  [0, 6, 1],
  [6, 12, 3],
  [12, 18, 3],
  [18, 24, 3],
];
const BATCH: HourWindows = [[1, 7, 1]];

const lognormal = (medianEuros: number, sigma: number): AmountModel => ({ kind: 'lognormal', medianEuros, sigma });

function category(
  key: CategoryKey,
  mcc: string,
  channel: Channel,
  hours: HourWindows,
  amount: AmountModel,
  options: Partial<Omit<Category, 'key' | 'mcc' | 'channel' | 'hours' | 'amount'>> = {},
): Category {
  return {
    key,
    mcc,
    channel,
    hours,
    amount,
    pay: options.pay ?? 'discretionary',
    season: options.season ?? 'none',
    weekend: options.weekend ?? 1,
    sundayShut: options.sundayShut ?? false,
  };
}

const LIST: readonly Category[] = [
  category(
    'grocery',
    '5411',
    'card_present',
    [
      [8, 11, 2],
      [11, 14, 2],
      [14, 17, 2],
      [17, 20, 4],
      [20, 22, 1],
    ],
    lognormal(26, 0.75),
    { pay: 'essential', season: 'groceries', weekend: 1.25, sundayShut: true },
  ),
  category(
    'convenience',
    '5499',
    'card_present',
    [
      [7, 10, 2],
      [10, 17, 2],
      [17, 23, 3],
    ],
    lognormal(8, 0.6),
    { pay: 'essential' },
  ),
  category(
    'bakery',
    '5462',
    'card_present',
    [
      [6, 9, 4],
      [9, 12, 3],
      [12, 17, 1],
    ],
    lognormal(4.8, 0.5),
    { pay: 'essential', weekend: 1.4 },
  ),
  category(
    'restaurant',
    '5812',
    'card_present',
    [
      [12, 14.5, 3],
      [19, 22.5, 5],
    ],
    lognormal(36, 0.6),
    { season: 'romance', weekend: 1.6 },
  ),
  category(
    'fastfood',
    '5814',
    'card_present',
    [
      [7.5, 10, 2],
      [11.5, 14, 5],
      [15, 17, 1],
      [18, 21, 2],
    ],
    lognormal(8.5, 0.5),
    { weekend: 0.8 },
  ),
  category(
    'bar',
    '5813',
    'card_present',
    [
      [17, 20, 2],
      [20, 24, 4],
      [0, 2.5, 2],
    ],
    lognormal(16, 0.7),
    { weekend: 2.2 },
  ),
  category(
    'fuel',
    '5541',
    'card_present',
    [
      [6, 9, 2],
      [9, 17, 3],
      [17, 21, 3],
    ],
    lognormal(58, 0.35),
    { pay: 'essential' },
  ),
  category(
    'fuel-pump',
    '5542',
    'card_present',
    [
      [5, 9, 2],
      [9, 17, 3],
      [17, 23, 2],
    ],
    lognormal(52, 0.35),
    { pay: 'essential' },
  ),
  category('pharmacy', '5912', 'card_present', SHOP_HOURS, lognormal(14, 0.75), { pay: 'essential', sundayShut: true }),
  category('clothing', '5651', 'card_present', SHOP_HOURS, lognormal(52, 0.7), { pay: 'big-ticket', season: 'fashion', weekend: 1.9, sundayShut: true }),
  category('department', '5311', 'card_present', SHOP_HOURS, lognormal(44, 0.85), { season: 'gifts', weekend: 1.8, sundayShut: true }),
  category('electronics', '5732', 'card_present', SHOP_HOURS, lognormal(110, 1), { pay: 'big-ticket', season: 'gifts', weekend: 1.7, sundayShut: true }),
  category('books', '5942', 'card_present', SHOP_HOURS, lognormal(17, 0.5), { season: 'gifts', weekend: 1.4, sundayShut: true }),
  category('hardware', '5200', 'card_present', SHOP_HOURS, lognormal(38, 0.9), { pay: 'big-ticket', weekend: 2.2, sundayShut: true }),
  category(
    'cinema',
    '7832',
    'card_present',
    [
      [14, 18, 1],
      [18, 22, 4],
    ],
    lognormal(21, 0.4),
    { weekend: 2.4 },
  ),
  category(
    'taxi',
    '4121',
    'card_present',
    [
      [0, 5, 2],
      [7, 10, 2],
      [10, 18, 2],
      [18, 24, 3],
    ],
    lognormal(17, 0.6),
  ),
  category(
    'transit',
    '4111',
    'card_present',
    [
      [7, 9.5, 3],
      [9.5, 16, 1],
      [16, 19.5, 3],
      [19.5, 24, 1],
    ],
    { kind: 'fare' },
    { pay: 'none' },
  ),
  category(
    'transit-pass',
    '4111',
    'card_present',
    [
      [7, 9, 2],
      [17, 19, 1],
    ],
    lognormal(75, 0.3),
    { pay: 'none' },
  ),
  category('parking', '7523', 'card_present', DAYTIME, lognormal(5.5, 0.6), { pay: 'essential' }),
  category('beauty', '7230', 'card_present', SHOP_HOURS, lognormal(34, 0.5), { weekend: 1.5, sundayShut: true }),
  category('florist', '5992', 'card_present', SHOP_HOURS, lognormal(28, 0.5), { season: 'romance', sundayShut: true }),
  category(
    'tobacco',
    '5993',
    'card_present',
    [
      [7, 12, 3],
      [12, 20, 3],
      [20, 23, 1],
    ],
    lognormal(9, 0.35),
    { pay: 'essential' },
  ),
  category(
    'liquor',
    '5921',
    'card_present',
    [
      [10, 17, 2],
      [17, 22, 4],
    ],
    lognormal(19, 0.6),
    { weekend: 1.6 },
  ),
  category('jewelry', '5944', 'card_present', SHOP_HOURS, lognormal(140, 1), { pay: 'big-ticket', season: 'romance', weekend: 1.4, sundayShut: true }),
  category(
    'hotel',
    '7011',
    'card_present',
    [
      [7, 12, 5],
      [12, 23, 1],
    ],
    lognormal(120, 0.5),
    { pay: 'none' },
  ),
  category(
    'attraction',
    '7991',
    'card_present',
    [
      [9, 17, 4],
      [17, 21, 1],
    ],
    lognormal(22, 0.5),
    { weekend: 1.3 },
  ),
  category('car-rental', '7512', 'card_present', [[8, 19, 1]], lognormal(190, 0.5), { pay: 'none' }),
  category(
    'doctor',
    '8021',
    'card_present',
    [
      [8, 12, 3],
      [14, 18, 2],
    ],
    lognormal(75, 0.7),
    { pay: 'none', weekend: 0.1 },
  ),
  category(
    'atm',
    '6011',
    'atm',
    [
      [7, 10, 2],
      [10, 14, 3],
      [14, 19, 3],
      [19, 23, 1],
    ],
    { kind: 'atm' },
    { pay: 'essential' },
  ),
  category('online-marketplace', '5399', 'ecommerce', EVENING_ONLINE, lognormal(29, 0.9), { season: 'gifts' }),
  category('online-fashion', '5691', 'ecommerce', EVENING_ONLINE, lognormal(58, 0.7), { pay: 'big-ticket', season: 'fashion' }),
  category('online-electronics', '5732', 'ecommerce', EVENING_ONLINE, lognormal(140, 1), { pay: 'big-ticket', season: 'gifts' }),
  category(
    'online-grocery',
    '5411',
    'ecommerce',
    [
      [8, 12, 2],
      [18, 22, 3],
    ],
    lognormal(72, 0.4),
    { pay: 'essential', season: 'groceries' },
  ),
  category(
    'food-delivery',
    '5814',
    'ecommerce',
    [
      [11.5, 14, 2],
      [18, 22.5, 6],
    ],
    lognormal(24, 0.4),
    { weekend: 1.5 },
  ),
  category(
    'ride-hailing',
    '4121',
    'ecommerce',
    [
      [0, 4, 2],
      [7, 10, 2],
      [10, 18, 2],
      [18, 24, 3],
    ],
    lognormal(14, 0.55),
    { weekend: 1.3 },
  ),
  category('app-store', '5818', 'ecommerce', ANY_HOUR, { kind: 'choice', euros: [0.99, 1.99, 2.99, 4.99, 4.99, 9.99, 14.99, 19.99] }),
  category('airline', '4511', 'ecommerce', EVENING_ONLINE, lognormal(190, 0.6), { pay: 'none' }),
  category('travel-agency', '4722', 'ecommerce', EVENING_ONLINE, lognormal(480, 0.6), { pay: 'none' }),
  category('hotel-booking', '7011', 'ecommerce', EVENING_ONLINE, lognormal(150, 0.6), { pay: 'none' }),
  category('rail', '4112', 'ecommerce', EVENING_ONLINE, lognormal(48, 0.6), { pay: 'none' }),
  category('gift-cards', '5947', 'ecommerce', EVENING_ONLINE, { kind: 'choice', euros: [15, 20, 25, 25, 50, 50, 100] }, { season: 'gifts' }),
  category('crypto', '6051', 'ecommerce', ANY_HOUR, lognormal(90, 0.9)),
  category(
    'betting',
    '7995',
    'ecommerce',
    [
      [12, 17, 1],
      [17, 24, 4],
      [0, 2, 1],
    ],
    { kind: 'choice', euros: [5, 10, 10, 20, 20, 25, 50] },
    { weekend: 1.8 },
  ),
  category('charity', '8398', 'ecommerce', EVENING_ONLINE, { kind: 'choice', euros: [5, 10, 10, 20, 25, 50] }, { pay: 'none' }),
  category('webshop', '5945', 'ecommerce', EVENING_ONLINE, lognormal(27, 0.7)),
  category('streaming', '4899', 'ecommerce', BATCH, { kind: 'choice', euros: [5.99, 8.99, 12.99, 13.99, 17.99] }, { pay: 'none' }),
  category('music', '5815', 'ecommerce', BATCH, { kind: 'choice', euros: [5.99, 10.99, 10.99, 17.99] }, { pay: 'none' }),
  category('cloud', '5817', 'ecommerce', BATCH, { kind: 'choice', euros: [0.99, 2.99, 2.99, 9.99] }, { pay: 'none' }),
  category('news', '5968', 'ecommerce', BATCH, { kind: 'choice', euros: [4.99, 9.99, 14.99] }, { pay: 'none' }),
  category('mobile-phone', '4814', 'ecommerce', BATCH, lognormal(25, 0.35), { pay: 'none' }),
  category('gym', '7997', 'ecommerce', BATCH, { kind: 'choice', euros: [19.99, 24.9, 29.9, 39.9, 49] }, { pay: 'none' }),
  category('utility', '4900', 'ecommerce', BATCH, lognormal(70, 0.4), { pay: 'none' }),
  category('insurance', '6300', 'other', [[9, 17, 1]], lognormal(45, 0.5), { pay: 'none' }),
  category('meal-kit', '5968', 'ecommerce', BATCH, { kind: 'choice', euros: [49.99, 59.99, 69.99] }, { pay: 'none' }),
  category(
    'games',
    '5816',
    'ecommerce',
    [
      [15, 24, 3],
      [0, 2, 1],
    ],
    { kind: 'choice', euros: [1.99, 4.99, 9.99, 19.99, 59.99] },
    { weekend: 1.6 },
  ),
];

export const CATEGORIES: Readonly<Record<CategoryKey, Category>> = Object.fromEntries(LIST.map((c) => [c.key, c])) as Record<CategoryKey, Category>;
for (const key of CATEGORY_KEYS) {
  if (!(key in CATEGORIES)) throw new Error(`category ${key} has no entry`);
}
