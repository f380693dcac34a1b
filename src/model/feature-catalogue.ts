import type { Transaction } from '../transactions/transaction.schema';
import type { Features } from '../velocity/features';

/**
 * Every feature a model can be trained on and served with, in one place: its name (the model
 * column), what it means (for the model card, the README and train.py's report), and how it is
 * computed from the transaction and its velocity features (src/velocity/replies.ts names what
 * the Redis scripts return). The replay writes every feature here, in this order; a model uses
 * the ones its metadata lists, in its own order (`rowBuilder`), so adding a feature is an entry
 * here and a test, and the models already deployed keep working.
 *
 * Not here: frauds over the last 7 days by the fraud's own day (`frauds7d` of the card and the
 * merchant, which rules still read). At a 7-day label delay no label for those days has arrived
 * yet, so the column was 0 in every training row (test/integration/label-delay.int-spec.ts
 * fails for such a column); the delayed windows below replace it.
 *
 * Unknown values (no history, no location, no device) are -1: every real value here is >= 0
 * except the periodic hour features, which a tree splits apart from -1 all the same, and float32
 * holds -1 exactly.
 */

interface Inputs {
  readonly tx: Transaction;
  readonly card: Features['card'];
  readonly merchant: Features['merchant'];
  readonly hour: number;
  readonly weekday: number;
}

interface FeatureSpec {
  readonly meaning: string;
  /** The value, or null for unknown (-1 in the row). */
  readonly compute: (x: Inputs) => number | null;
}

const CHANNEL: Record<NonNullable<Transaction['channel']>, number> = { card_present: 0, ecommerce: 1, atm: 2, other: 3 };
const flag = (x: boolean | null) => (x === null ? null : x ? 1 : 0);
const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const TURN = (2 * Math.PI) / 24;

function speedKmh(card: Features['card']): number | null {
  const { kmFromPrev: km, secondsSincePrevLocated: seconds } = card;
  if (km === null || seconds === null) return null;
  // The same place at the same instant is no journey; a distance with no time is the fastest.
  if (seconds <= 0) return km > 0 ? 1e6 : 0;
  return km / (seconds / 3600);
}

export const CATALOGUE = {
  amount: { meaning: 'transaction amount (0 for an account-verification authorisation)', compute: (x) => x.tx.amount },
  hour_of_day: { meaning: 'UTC hour of the transaction, with minutes as a fraction', compute: (x) => x.hour },
  day_of_week: { meaning: 'UTC day of the week (0 = Sunday)', compute: (x) => x.weekday },
  channel: { meaning: '0 card present, 1 e-commerce, 2 ATM, 3 other, -1 unknown', compute: (x) => (x.tx.channel === undefined ? null : CHANNEL[x.tx.channel]) },
  merchant_category: {
    meaning: 'merchant category code (MCC) as a number, -1 unknown',
    compute: (x) => (x.tx.merchantCategory === undefined ? null : Number(x.tx.merchantCategory)),
  },
  card_count_1m: { meaning: "card's transactions in the previous minute", compute: (x) => x.card.count1m },
  card_sum_1m: { meaning: "card's amount in the previous minute", compute: (x) => x.card.sum1m },
  card_count_1h: { meaning: "card's transactions in the previous hour", compute: (x) => x.card.count1h },
  card_sum_1h: { meaning: "card's amount in the previous hour", compute: (x) => x.card.sum1h },
  card_count_24h: { meaning: "card's transactions in the previous 24 hours", compute: (x) => x.card.count24h },
  card_sum_24h: { meaning: "card's amount in the previous 24 hours", compute: (x) => x.card.sum24h },
  card_count_30d: { meaning: "card's transactions in its 30-day profile", compute: (x) => x.card.count30d },
  card_sum_30d: { meaning: "card's amount in its 30-day profile", compute: (x) => x.card.sum30d },
  card_avg_amount_30d: { meaning: "card's average amount over 30 days (-1 without history)", compute: (x) => x.card.avgAmount30d },
  amount_to_avg_30d: {
    meaning: "amount divided by the card's 30-day average (-1 without history)",
    compute: (x) => (x.card.avgAmount30d === null || x.card.avgAmount30d <= 0 ? null : x.tx.amount / x.card.avgAmount30d),
  },
  seconds_since_prev: { meaning: "seconds since the card's previous transaction (-1 if none)", compute: (x) => x.card.secondsSincePrev },
  km_from_prev: { meaning: "km from the card's previous located transaction (-1 if unknown)", compute: (x) => x.card.kmFromPrev },
  seconds_since_prev_located: { meaning: 'seconds since that previous located transaction (-1 if unknown)', compute: (x) => x.card.secondsSincePrevLocated },
  speed_kmh_from_prev: { meaning: 'implied travel speed from that transaction, km/h (-1 if unknown)', compute: (x) => speedKmh(x.card) },
  device_seen: { meaning: 'device seen on the card before: 1 yes, 0 no, -1 no device', compute: (x) => flag(x.card.deviceSeen) },
  merchant_seen: { meaning: 'merchant seen on the card before: 1 yes, 0 no', compute: (x) => flag(x.card.merchantSeen) },
  card_frauds_30d: { meaning: 'confirmed frauds on the card over 30 days (labels arrived so far)', compute: (x) => x.card.frauds30d },
  merchant_count_1h: { meaning: "merchant's transactions in the previous hour", compute: (x) => x.merchant.count1h },
  merchant_count_24h: { meaning: "merchant's transactions in the previous 24 hours", compute: (x) => x.merchant.count24h },
  merchant_frauds_30d: { meaning: 'confirmed frauds at the merchant over 30 days', compute: (x) => x.merchant.frauds30d },
  // The standard aggregation set (Whitrow et al. 2009; Bahnsen et al. 2016), the delayed
  // label windows (Dal Pozzolo et al. 2015) and periodic time features.
  hour_sin: { meaning: 'sine of the UTC hour on the 24-hour circle (23:59 sits next to 00:00)', compute: (x) => Math.sin(x.hour * TURN) },
  hour_cos: { meaning: 'cosine of the UTC hour on the 24-hour circle', compute: (x) => Math.cos(x.hour * TURN) },
  is_weekend: { meaning: 'Saturday or Sunday (UTC): 1 yes, 0 no', compute: (x) => (x.weekday === 0 || x.weekday === 6 ? 1 : 0) },
  is_night: { meaning: 'between 00:00 and 06:00 UTC: 1 yes, 0 no', compute: (x) => (x.hour < 6 ? 1 : 0) },
  card_avg_amount_24h: { meaning: "card's average amount over the previous 24 hours (-1 if none)", compute: (x) => ratio(x.card.sum24h, x.card.count24h) },
  card_zero_amount_24h: { meaning: "card's zero-amount authorisations in the previous 24 hours", compute: (x) => x.card.zeroAmount24h },
  card_count_7d: { meaning: "card's transactions over 7 days (6 whole UTC days and today so far)", compute: (x) => x.card.count7d },
  card_avg_amount_7d: { meaning: "card's average amount over those 7 days (-1 if none)", compute: (x) => ratio(x.card.sum7d, x.card.count7d) },
  amount_to_avg_7d: {
    meaning: "amount divided by the card's 7-day average (-1 if none or 0)",
    compute: (x) => {
      const avg = ratio(x.card.sum7d, x.card.count7d);
      return avg === null || avg <= 0 ? null : x.tx.amount / avg;
    },
  },
  card_frauds_known: { meaning: 'confirmed frauds on the card known at decision time (labels kept 60 days)', compute: (x) => x.card.fraudsKnown },
  card_count_30d_delayed: {
    meaning: "card's transactions over the 30 whole UTC days ending LABEL_DELAY_DAYS before today",
    compute: (x) => x.card.countDelayed30d,
  },
  card_fraud_rate_30d_delayed: {
    meaning: 'share of those transactions confirmed fraud (-1 if none)',
    compute: (x) => ratio(x.card.fraudsDelayed30d, x.card.countDelayed30d),
  },
  merchant_count_7d: { meaning: "merchant's transactions over the 7 whole UTC days before today", compute: (x) => x.merchant.count7d },
  merchant_count_30d: { meaning: "merchant's transactions over the 30 whole UTC days before today", compute: (x) => x.merchant.count30d },
  merchant_count_1d_delayed: {
    meaning: "merchant's transactions on the UTC day LABEL_DELAY_DAYS + 1 days before today",
    compute: (x) => x.merchant.countDelayed1d,
  },
  merchant_count_7d_delayed: {
    meaning: "merchant's transactions over the 7 whole UTC days ending LABEL_DELAY_DAYS before today",
    compute: (x) => x.merchant.countDelayed7d,
  },
  merchant_count_30d_delayed: {
    meaning: "merchant's transactions over the 30 whole UTC days ending LABEL_DELAY_DAYS before today",
    compute: (x) => x.merchant.countDelayed30d,
  },
  merchant_fraud_rate_1d_delayed: {
    meaning: 'share of the 1-day delayed window confirmed fraud (-1 if none)',
    compute: (x) => ratio(x.merchant.fraudsDelayed1d, x.merchant.countDelayed1d),
  },
  merchant_fraud_rate_7d_delayed: {
    meaning: 'share of the 7-day delayed window confirmed fraud (-1 if none)',
    compute: (x) => ratio(x.merchant.fraudsDelayed7d, x.merchant.countDelayed7d),
  },
  merchant_fraud_rate_30d_delayed: {
    meaning: 'share of the 30-day delayed window confirmed fraud (-1 if none)',
    compute: (x) => ratio(x.merchant.fraudsDelayed30d, x.merchant.countDelayed30d),
  },
} as const satisfies Record<string, FeatureSpec>;

export type FeatureName = keyof typeof CATALOGUE;
/** Every feature, in the catalogue's order: the replay's columns. */
export const FEATURE_NAMES = Object.keys(CATALOGUE) as FeatureName[];

export const isFeatureName = (name: string): name is FeatureName => Object.hasOwn(CATALOGUE, name);

const UNKNOWN = -1;

/**
 * A function that builds one model row for `names` (a model's metadata order). Unknown names
 * throw here, once per model load, never per row.
 */
export function rowBuilder(names: readonly string[]): (tx: Transaction, f: Features) => number[] {
  const unknown = names.filter((n) => !isFeatureName(n));
  if (unknown.length > 0) throw new Error(`features this service does not compute: ${unknown.join(', ')}`);
  const specs: Record<FeatureName, FeatureSpec> = CATALOGUE;
  const computes = (names as readonly FeatureName[]).map((n) => specs[n].compute);
  return (tx, f) => {
    const when = new Date(tx.occurredAt);
    const inputs: Inputs = { tx, card: f.card, merchant: f.merchant, hour: when.getUTCHours() + when.getUTCMinutes() / 60, weekday: when.getUTCDay() };
    // Float32 is what the model sees; rounding here makes the written training data identical.
    return computes.map((compute) => Math.fround(compute(inputs) ?? UNKNOWN));
  };
}

/** Every feature of `tx`, in FEATURE_NAMES order: a training row. */
export const featureVector = rowBuilder(FEATURE_NAMES);

/**
 * A function that takes the row for `names` (a model's metadata order) out of a catalogue row
 * (`featureVector`'s): the same values rowBuilder(names) computes, without computing them again
 * when the catalogue row exists anyway (the online model reads it). Unknown names throw here.
 */
export function columnPicker(names: readonly string[]): (catalogueRow: readonly number[]) => number[] {
  const unknown = names.filter((n) => !isFeatureName(n));
  if (unknown.length > 0) throw new Error(`features this service does not compute: ${unknown.join(', ')}`);
  const columns = (names as readonly FeatureName[]).map((n) => FEATURE_NAMES.indexOf(n));
  return (row) => columns.map((i) => row[i] ?? UNKNOWN);
}
