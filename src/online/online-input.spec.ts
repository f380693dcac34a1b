import { aTransaction } from '../../test/support/builders';
import { FEATURE_NAMES, featureVector, isFeatureName } from '../model/feature-catalogue';
import { NO_HISTORY, type Features } from '../velocity/features';
import { ONLINE_KINDS, onlineInputBuilder, onlineInputNames, toOnlineInput } from './online-input';

const NAMES = onlineInputNames();
const coordinate = (input: Float64Array, name: string): number => {
  const i = NAMES.indexOf(name);
  if (i < 0) throw new Error(`no online input named ${name}`);
  return input[i]!;
};
/** The value coordinates of one feature (not its unknown coordinate), by name. */
const coordinatesOf = (input: Float64Array, feature: string): Record<string, number> => {
  const mine = (name: string) => name === feature || name.startsWith(`${feature}=`) || name.startsWith(`${feature}#`);
  return Object.fromEntries(NAMES.flatMap((name, i) => (mine(name) ? [[name, input[i]!] as const] : [])));
};

/** A card with history everywhere, so every feature has a known value. */
const seen: Features = {
  card: {
    ...NO_HISTORY.card,
    count1m: 1,
    sum1m: 30,
    count1h: 2,
    sum1h: 60,
    count24h: 4,
    sum24h: 100,
    zeroAmount24h: 1,
    count7d: 6,
    sum7d: 180,
    count30d: 20,
    sum30d: 800,
    avgAmount30d: 40,
    secondsSincePrev: 600,
    kmFromPrev: 90,
    secondsSincePrevLocated: 1800,
    deviceSeen: true,
    merchantSeen: true,
    countDelayed30d: 25,
    fraudsDelayed30d: 5,
  },
  merchant: {
    ...NO_HISTORY.merchant,
    count1h: 3,
    count24h: 50,
    count7d: 300,
    count30d: 1200,
    countDelayed1d: 40,
    fraudsDelayed1d: 1,
    countDelayed7d: 280,
    fraudsDelayed7d: 2,
    countDelayed30d: 1100,
    fraudsDelayed30d: 6,
  },
};
const knownTx = aTransaction({ amount: 120, occurredAt: '2026-11-21T23:30:00Z', channel: 'ecommerce', merchantCategory: '5732', deviceId: 'device-1' });
const knownRow = featureVector(knownTx, seen);
const known = toOnlineInput(knownRow, FEATURE_NAMES);

describe("the online learner's input", () => {
  it('gives every catalogue feature a kind, and none to a name the catalogue does not have', () => {
    expect(FEATURE_NAMES.filter((name) => !Object.hasOwn(ONLINE_KINDS, name))).toEqual([]);
    expect(Object.keys(ONLINE_KINDS).filter((name) => !isFeatureName(name))).toEqual([]);
  });

  it("gives the same input whatever order the row's columns come in, ignoring columns it does not use", () => {
    const orders = [[...FEATURE_NAMES].reverse(), [...FEATURE_NAMES.slice(17), ...FEATURE_NAMES.slice(0, 17)], [...FEATURE_NAMES].sort()];
    for (const names of orders) {
      const row = names.map((name) => knownRow[FEATURE_NAMES.indexOf(name)]!);
      expect(toOnlineInput(row, names)).toEqual(known);
      expect(toOnlineInput([7, ...row], ['a_future_column', ...names])).toEqual(known);
    }
  });

  it('has one name per coordinate, none twice, and a dimension that does not depend on the row', () => {
    expect(new Set(NAMES).size).toBe(NAMES.length);
    expect(known).toHaveLength(NAMES.length);
    expect(toOnlineInput(featureVector(aTransaction(), NO_HISTORY), FEATURE_NAMES)).toHaveLength(NAMES.length);
  });

  it("sets a feature's unknown coordinate for -1 and leaves its value at 0, for every feature that can be unknown", () => {
    const canBeUnknown = FEATURE_NAMES.filter((name) => NAMES.includes(`${name}_unknown`));
    expect(canBeUnknown.length).toBeGreaterThan(10);
    for (const name of canBeUnknown) {
      expect(coordinate(known, `${name}_unknown`)).toBe(0);
      const row = [...knownRow];
      row[FEATURE_NAMES.indexOf(name)] = -1;
      const input = toOnlineInput(row, FEATURE_NAMES);
      expect(coordinate(input, `${name}_unknown`)).toBe(1);
      expect(Object.values(coordinatesOf(input, name)).every((v) => v === 0)).toBe(true);
    }
  });

  it('has an unknown coordinate for every feature a first transaction without channel, MCC or device leaves at -1', () => {
    // 12:00 UTC puts hour_cos at exactly -1, a point on the hour circle rather than an unknown.
    const row = featureVector(aTransaction({ occurredAt: '2026-11-20T12:00:00Z' }), NO_HISTORY);
    const input = toOnlineInput(row, FEATURE_NAMES);
    const unknowns = FEATURE_NAMES.filter((name, i) => row[i] === -1 && name !== 'hour_cos');
    expect(unknowns).toEqual(expect.arrayContaining(['channel', 'merchant_category', 'device_seen', 'card_avg_amount_30d', 'speed_kmh_from_prev']));
    expect(unknowns.filter((name) => !NAMES.includes(`${name}_unknown`) || coordinate(input, `${name}_unknown`) !== 1)).toEqual([]);
    expect(coordinate(input, 'hour_cos')).toBe(-1);
    expect(NAMES).not.toContain('hour_cos_unknown');
  });

  it('takes log1p of amounts, counts and seconds, so every tenfold adds the same, and a flood of them stays small', () => {
    const amountOf = (amount: number) => coordinate(toOnlineInput([amount, ...knownRow.slice(1)], FEATURE_NAMES), 'amount');
    expect(amountOf(0)).toBe(0);
    expect(amountOf(99) - amountOf(9)).toBeCloseTo(amountOf(999) - amountOf(99), 2);
    expect(amountOf(1e6)).toBeLessThan(3);
    expect(coordinate(known, 'seconds_since_prev')).toBeCloseTo(Math.log1p(600) / 5, 12);
  });

  it('keeps flags, rates and the hour circle as they are', () => {
    expect(coordinate(known, 'device_seen')).toBe(1);
    expect(coordinate(known, 'card_fraud_rate_30d_delayed')).toBeCloseTo(0.2, 6);
    expect(coordinate(known, 'hour_sin')).toBe(knownRow[FEATURE_NAMES.indexOf('hour_sin')]);
  });

  it('encodes channel and day of week one-hot, and a code outside the channels as unknown', () => {
    expect(coordinatesOf(known, 'channel')).toEqual({ 'channel=0': 0, 'channel=1': 1, 'channel=2': 0, 'channel=3': 0 });
    expect(Object.values(coordinatesOf(known, 'day_of_week'))).toEqual([0, 0, 0, 0, 0, 0, 1]);
    const row = [...knownRow];
    row[FEATURE_NAMES.indexOf('channel')] = 9;
    expect(coordinate(toOnlineInput(row, FEATURE_NAMES), 'channel_unknown')).toBe(1);
  });

  it('hashes the merchant category into one of 32 buckets, the same one every time, with codes spread evenly', () => {
    const bucketsOf = (mcc: number) => {
      const row = [...knownRow];
      row[FEATURE_NAMES.indexOf('merchant_category')] = mcc;
      return Object.entries(coordinatesOf(toOnlineInput(row, FEATURE_NAMES), 'merchant_category'))
        .filter(([, v]) => v === 1)
        .map(([name]) => name);
    };
    expect(Object.keys(coordinatesOf(known, 'merchant_category'))).toHaveLength(32);
    expect(bucketsOf(5732)).toHaveLength(1);
    expect(bucketsOf(5732)).toEqual(bucketsOf(5732));
    expect(bucketsOf(-1)).toEqual([]);
    // Codes in use cluster (3000-3999 airlines, car hire and hotels; 5xxx retail): each bucket gets its share.
    const load = new Map<string, number>();
    for (let mcc = 3000; mcc < 6000; mcc++) for (const bucket of bucketsOf(mcc)) load.set(bucket, (load.get(bucket) ?? 0) + 1);
    expect(load.size).toBe(32);
    expect(Math.min(...load.values())).toBeGreaterThan(0.8 * (3000 / 32));
    expect(Math.max(...load.values())).toBeLessThan(1.2 * (3000 / 32));
  });

  it('leaves out hour_of_day, which the hour circle carries without a jump at midnight', () => {
    expect(NAMES.some((name) => name.startsWith('hour_of_day'))).toBe(false);
    const row = [...knownRow];
    row[FEATURE_NAMES.indexOf('hour_of_day')] = 3;
    expect(toOnlineInput(row, FEATURE_NAMES)).toEqual(known);
    expect(() => onlineInputBuilder(FEATURE_NAMES.filter((name) => name !== 'hour_of_day'))).not.toThrow();
  });

  it('refuses, once at build, columns that lack a feature the learner uses, and a row that does not match its columns', () => {
    expect(() => onlineInputBuilder(FEATURE_NAMES.filter((name) => name !== 'amount' && name !== 'channel'))).toThrow('amount, channel');
    expect(() => onlineInputBuilder(FEATURE_NAMES)(knownRow.slice(1))).toThrow(RangeError);
  });

  it('gives finite values whatever the row holds', () => {
    for (const value of [-1, 0, 1e12, Number.NaN, Infinity, -Infinity, -5, 0.5]) {
      expect(
        toOnlineInput(
          FEATURE_NAMES.map(() => value),
          FEATURE_NAMES,
        ).every(Number.isFinite),
      ).toBe(true);
    }
  });
});
