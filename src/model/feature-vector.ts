import type { Transaction } from '../transactions/transaction.schema';
import type { Features } from '../velocity/features';

/**
 * The model's input, in order. Training (the replay writes these columns) and serving (the
 * scorer builds these rows) both go through `featureVector`, so they cannot drift; a model
 * whose metadata lists other names is refused at load time.
 *
 * Unknown values (no history, no location, no device) are -1: every real value here is >= 0,
 * so a tree can split the unknowns off, and float32 holds -1 exactly.
 */
export const FEATURE_NAMES = [
  'amount',
  'hour_of_day',
  'day_of_week',
  'channel',
  'merchant_category',
  'card_count_1m',
  'card_sum_1m',
  'card_count_1h',
  'card_sum_1h',
  'card_count_24h',
  'card_sum_24h',
  'card_count_30d',
  'card_sum_30d',
  'card_avg_amount_30d',
  'amount_to_avg_30d',
  'seconds_since_prev',
  'km_from_prev',
  'seconds_since_prev_located',
  'speed_kmh_from_prev',
  'device_seen',
  'merchant_seen',
  'card_frauds_7d',
  'card_frauds_30d',
  'merchant_count_1h',
  'merchant_count_24h',
  'merchant_frauds_7d',
  'merchant_frauds_30d',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

const UNKNOWN = -1;
const CHANNEL: Record<NonNullable<Transaction['channel']>, number> = { card_present: 0, ecommerce: 1, atm: 2, other: 3 };
const orUnknown = (x: number | null) => x ?? UNKNOWN;
const flag = (x: boolean | null) => (x === null ? UNKNOWN : x ? 1 : 0);

/** One row of the model's input for `tx`, in FEATURE_NAMES order. */
export function featureVector(tx: Transaction, f: Features): number[] {
  const when = new Date(tx.occurredAt);
  const { card, merchant } = f;
  const avg = card.avgAmount30d;
  const hours = card.secondsSincePrevLocated === null ? null : card.secondsSincePrevLocated / 3600;
  const speed = card.kmFromPrev === null || hours === null ? null : hours > 0 ? card.kmFromPrev / hours : card.kmFromPrev > 0 ? 1e6 : 0;
  const row: Record<FeatureName, number> = {
    amount: tx.amount,
    hour_of_day: when.getUTCHours() + when.getUTCMinutes() / 60,
    day_of_week: when.getUTCDay(),
    channel: tx.channel === undefined ? UNKNOWN : CHANNEL[tx.channel],
    merchant_category: tx.merchantCategory === undefined ? UNKNOWN : Number(tx.merchantCategory),
    card_count_1m: card.count1m,
    card_sum_1m: card.sum1m,
    card_count_1h: card.count1h,
    card_sum_1h: card.sum1h,
    card_count_24h: card.count24h,
    card_sum_24h: card.sum24h,
    card_count_30d: card.count30d,
    card_sum_30d: card.sum30d,
    card_avg_amount_30d: orUnknown(avg),
    amount_to_avg_30d: avg === null || avg <= 0 ? UNKNOWN : tx.amount / avg,
    seconds_since_prev: orUnknown(card.secondsSincePrev),
    km_from_prev: orUnknown(card.kmFromPrev),
    seconds_since_prev_located: orUnknown(card.secondsSincePrevLocated),
    speed_kmh_from_prev: orUnknown(speed),
    device_seen: flag(card.deviceSeen),
    merchant_seen: flag(card.merchantSeen),
    card_frauds_7d: card.frauds7d,
    card_frauds_30d: card.frauds30d,
    merchant_count_1h: merchant.count1h,
    merchant_count_24h: merchant.count24h,
    merchant_frauds_7d: merchant.frauds7d,
    merchant_frauds_30d: merchant.frauds30d,
  };
  // Float32 is what the model sees; rounding here makes the written training data identical.
  return FEATURE_NAMES.map((name) => Math.fround(row[name]));
}
