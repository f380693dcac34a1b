import { FEATURE_NAMES, type FeatureName } from '../model/feature-catalogue';

/**
 * The online learner's dense input, from a batch-model row (catalogue features, -1 unknown).
 * A linear model needs what the trees do not: heavy-tailed values compressed, categories as
 * their own coordinates, and "unknown" as its own coordinate rather than a -1 that a weight
 * would multiply as if it were a count below zero. Pure and stateless: no running statistics,
 * so the same row gives the same input on every instance and after every restart.
 *
 * The layout (`onlineInputNames()`, in catalogue order) is part of a learner's state: z[i + 1]
 * and n[i + 1] belong to name i. Whoever stores the state should store these names with it and
 * refuse a state stored under other names.
 */

type OnlineKind =
  /** Non-negative and heavy-tailed (counts, amounts, seconds, km, km/h, ratios): log1p(v) / LOG_DIVISOR. */
  | { readonly kind: 'log'; readonly unknown?: true }
  /** 0/1, as it is. */
  | { readonly kind: 'flag'; readonly unknown?: true }
  /** A share in [0, 1], as it is. */
  | { readonly kind: 'rate'; readonly unknown?: true }
  /** A point on the hour circle in [-1, 1], as it is; -1 is a real value (18:00 for the sine), never unknown. */
  | { readonly kind: 'periodic' }
  /** A small code 0 .. values - 1: one coordinate per value. */
  | { readonly kind: 'onehot'; readonly values: number; readonly unknown?: true }
  /** A large code: one coordinate per hash bucket. */
  | { readonly kind: 'hashed'; readonly buckets: number; readonly unknown?: true }
  | { readonly kind: 'dropped'; readonly why: string };

// log1p takes the catalogue's non-negative values (counts up to ~1e5, seconds up to ~3e6) into
// [0, 15]; dividing by 5 brings them to [0, 3], the scale of the flags, rates and hour circle.
// FTRL's per-coordinate rates adapt to a gradient's size, but its L1 threshold and how far a
// weight step moves the logit do not, so one alpha and one l1 fit only inputs of one scale.
const LOG_DIVISOR = 5;

const log = { kind: 'log' } as const;
const logOrUnknown = { kind: 'log', unknown: true } as const;
const rateOrUnknown = { kind: 'rate', unknown: true } as const;

/**
 * How each catalogue feature enters the learner. `unknown: true` where the catalogue can write
 * -1 for it: those get an extra `<name>_unknown` coordinate (1 when unknown, the value then 0).
 * Typed as a Record over every FeatureName, so a new catalogue feature fails to compile (and the
 * spec fails) until it has a kind here.
 */
export const ONLINE_KINDS = {
  amount: log,
  hour_of_day: { kind: 'dropped', why: 'hour_sin and hour_cos carry the hour without the jump at midnight that a linear term in the hour would learn' },
  day_of_week: { kind: 'onehot', values: 7 },
  channel: { kind: 'onehot', values: 4, unknown: true },
  // ~1,000 codes in use: one-hot would give each code a weight that few labels ever reach. 32
  // buckets keep a fixed, small dimension; ~30 codes share a bucket, so a bucket learns their
  // pooled risk (the batch model's trees keep the code itself). The hash is part of the state's
  // layout: changing it or the bucket count reassigns what every bucket's weight means.
  merchant_category: { kind: 'hashed', buckets: 32, unknown: true },
  card_count_1m: log,
  card_sum_1m: log,
  card_count_1h: log,
  card_sum_1h: log,
  card_count_24h: log,
  card_sum_24h: log,
  card_count_30d: log,
  card_sum_30d: log,
  card_avg_amount_30d: logOrUnknown,
  amount_to_avg_30d: logOrUnknown,
  seconds_since_prev: logOrUnknown,
  km_from_prev: logOrUnknown,
  seconds_since_prev_located: logOrUnknown,
  speed_kmh_from_prev: logOrUnknown,
  device_seen: { kind: 'flag', unknown: true },
  merchant_seen: { kind: 'flag' },
  card_frauds_30d: log,
  merchant_count_1h: log,
  merchant_count_24h: log,
  merchant_frauds_30d: log,
  hour_sin: { kind: 'periodic' },
  hour_cos: { kind: 'periodic' },
  is_weekend: { kind: 'flag' },
  is_night: { kind: 'flag' },
  card_avg_amount_24h: logOrUnknown,
  card_zero_amount_24h: log,
  card_count_7d: log,
  card_avg_amount_7d: logOrUnknown,
  amount_to_avg_7d: logOrUnknown,
  card_frauds_known: log,
  card_count_30d_delayed: log,
  card_fraud_rate_30d_delayed: rateOrUnknown,
  merchant_count_7d: log,
  merchant_count_30d: log,
  merchant_count_1d_delayed: log,
  merchant_count_7d_delayed: log,
  merchant_count_30d_delayed: log,
  merchant_fraud_rate_1d_delayed: rateOrUnknown,
  merchant_fraud_rate_7d_delayed: rateOrUnknown,
  merchant_fraud_rate_30d_delayed: rateOrUnknown,
} as const satisfies Record<FeatureName, OnlineKind>;

/** Fibonacci hashing (Knuth): the top bits of code * 2^32 / phi spread runs of nearby codes evenly. */
const bucketOf = (code: number, buckets: number): number => Math.floor(((Math.imul(code, 0x9e3779b1) >>> 0) / 2 ** 32) * buckets);

const hasUnknown = (spec: OnlineKind): boolean => 'unknown' in spec && spec.unknown === true;

interface Slot {
  readonly feature: FeatureName;
  readonly spec: OnlineKind;
  /** Where its coordinates start in the input. */
  readonly at: number;
  readonly names: readonly string[];
}

function coordinateNames(feature: FeatureName, spec: OnlineKind): string[] {
  const values = ((): string[] => {
    switch (spec.kind) {
      case 'log':
      case 'flag':
      case 'rate':
      case 'periodic':
        return [feature];
      case 'onehot':
        return Array.from({ length: spec.values }, (_, v) => `${feature}=${v}`);
      case 'hashed':
        return Array.from({ length: spec.buckets }, (_, b) => `${feature}#${b}`);
      case 'dropped':
        return [];
    }
  })();
  return hasUnknown(spec) ? [...values, `${feature}_unknown`] : values;
}

// Features without a kind (only possible if the type check was skipped) are left out here and
// named by the spec, rather than crashing every importer at load.
const SLOTS: readonly Slot[] = (() => {
  const kinds: Partial<Record<string, OnlineKind>> = ONLINE_KINDS;
  const slots: Slot[] = [];
  let at = 0;
  for (const feature of FEATURE_NAMES) {
    const spec = kinds[feature];
    if (spec === undefined) continue;
    const names = coordinateNames(feature, spec);
    slots.push({ feature, spec, at, names });
    at += names.length;
  }
  return slots;
})();

const NAMES: readonly string[] = Object.freeze(SLOTS.flatMap((slot) => slot.names));

/** The learner's inputs, in order: input i is the learner's coordinate i + 1 (0 is its bias). */
export const onlineInputNames = (): readonly string[] => NAMES;

/** Writes one feature's coordinates (all 0 before) for row value v. */
function encode(spec: OnlineKind, v: number, out: Float64Array, at: number): void {
  // The catalogue writes -1 for unknown and nothing else below 0 (bar the hour circle); a NaN
  // or anything negative is treated as unknown too, so no log1p of a negative reaches a weight.
  const known = Number.isFinite(v) && v >= 0;
  switch (spec.kind) {
    case 'log':
    case 'flag':
    case 'rate':
      if (known) out[at] = spec.kind === 'log' ? Math.log1p(v) / LOG_DIVISOR : v;
      else if (hasUnknown(spec)) out[at + 1] = 1;
      return;
    case 'periodic':
      if (Number.isFinite(v)) out[at] = v;
      return;
    case 'onehot':
      // A code outside the catalogue's values counts as unknown.
      if (known && Number.isInteger(v) && v < spec.values) out[at + v] = 1;
      else if (hasUnknown(spec)) out[at + spec.values] = 1;
      return;
    case 'hashed':
      if (known && Number.isInteger(v)) out[at + bucketOf(v, spec.buckets)] = 1;
      else if (hasUnknown(spec)) out[at + spec.buckets] = 1;
      return;
    case 'dropped':
      return;
  }
}

/**
 * A function from rows with columns `names` (a model's metadata order) to the learner's input,
 * whose dimension and order do not depend on `names`. Checked once, as `rowBuilder` does: a
 * feature the learner uses but `names` lacks throws here; columns it does not use are ignored.
 */
export function onlineInputBuilder(names: readonly string[]): (row: ArrayLike<number>) => Float64Array {
  const column = new Map(names.map((name, i) => [name, i]));
  const used = SLOTS.filter((slot) => slot.names.length > 0);
  const missing = used.filter((slot) => !column.has(slot.feature)).map((slot) => slot.feature);
  if (missing.length > 0) throw new Error(`the online learner needs features the row does not have: ${missing.join(', ')}`);
  const plan = used.map((slot) => ({ slot, from: column.get(slot.feature) ?? -1 }));
  return (row) => {
    if (row.length !== names.length) throw new RangeError(`a row of ${row.length} values for ${names.length} names`);
    const out = new Float64Array(NAMES.length);
    for (const { slot, from } of plan) encode(slot.spec, row[from] ?? Number.NaN, out, slot.at);
    return out;
  };
}

/** `onlineInputBuilder(names)(row)`, for one row; build once per model where rows are many. */
export const toOnlineInput = (row: ArrayLike<number>, names: readonly string[]): Float64Array => onlineInputBuilder(names)(row);
