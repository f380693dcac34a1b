import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { aTransaction } from '../../test/support/builders';
import { NO_HISTORY, type Features } from '../velocity/features';
import { columnPicker, FEATURE_NAMES, featureVector, rowBuilder } from './feature-catalogue';
import { featureMeanings, featureTable } from './feature-docs';

const ROOT = join(__dirname, '..', '..');

describe('the feature catalogue', () => {
  const tx = aTransaction({ amount: 120, occurredAt: '2026-11-21T23:30:00Z', channel: 'ecommerce', merchantCategory: '5732' });
  const seen: Features = {
    card: {
      ...NO_HISTORY.card,
      count24h: 4,
      sum24h: 100,
      zeroAmount24h: 1,
      count7d: 6,
      sum7d: 180,
      count30d: 20,
      sum30d: 800,
      avgAmount30d: 40,
      kmFromPrev: 90,
      secondsSincePrevLocated: 1800,
      countDelayed30d: 25,
      fraudsDelayed30d: 5,
    },
    merchant: { ...NO_HISTORY.merchant, countDelayed1d: 0, countDelayed7d: 40, fraudsDelayed7d: 2 },
  };

  it("builds a model's row in the order its metadata lists, whatever that order", () => {
    const row = rowBuilder(['amount_to_avg_30d', 'amount', 'speed_kmh_from_prev', 'is_weekend', 'is_night']);
    // 120 / 40; 90 km in half an hour; a Saturday; 23:30 is not night.
    expect(row(tx, seen)).toEqual([3, 120, 180, 1, 0]);
  });

  it('gives rates over the delayed windows, and -1 where a window is empty', () => {
    const row = rowBuilder([
      'card_fraud_rate_30d_delayed',
      'merchant_fraud_rate_7d_delayed',
      'merchant_fraud_rate_1d_delayed',
      'card_avg_amount_24h',
      'card_avg_amount_7d',
      'amount_to_avg_7d',
    ]);
    expect(row(tx, seen)).toEqual([0.2, 0.05, -1, 25, 30, 4].map(Math.fround));
  });

  it('puts 23:59 next to 00:00 on the hour circle', () => {
    const row = rowBuilder(['hour_sin', 'hour_cos']);
    const [s1 = 0, c1 = 0] = row(aTransaction({ occurredAt: '2026-11-21T23:59:00Z' }), NO_HISTORY);
    const [s2 = 0, c2 = 0] = row(aTransaction({ occurredAt: '2026-11-21T00:01:00Z' }), NO_HISTORY);
    expect(Math.hypot(s1 - s2, c1 - c2)).toBeLessThan(0.01);
  });

  it('refuses, at load, a model that lists a feature the service does not compute', () => {
    expect(() => rowBuilder(['amount', 'card_count_2h'])).toThrow('card_count_2h');
    expect(() => columnPicker(['amount', 'card_count_2h'])).toThrow('card_count_2h');
  });

  it("takes a model's row out of the catalogue row, equal to computing it, in any order", () => {
    const reversed = [...FEATURE_NAMES].reverse();
    const some = ['merchant_fraud_rate_7d_delayed', 'amount', 'hour_sin', 'card_avg_amount_7d'];
    for (const names of [FEATURE_NAMES, reversed, some]) {
      for (const features of [seen, NO_HISTORY]) {
        expect(columnPicker(names)(featureVector(tx, features))).toEqual(rowBuilder(names)(tx, features));
      }
    }
  });

  it('writes every feature for a card never seen, unknowns as -1, nothing else negative or missing', () => {
    const row = featureVector(tx, NO_HISTORY);
    expect(row).toHaveLength(FEATURE_NAMES.length);
    const negative = FEATURE_NAMES.filter((name, i) => (row[i] ?? Number.NaN) < 0 && row[i] !== -1 && !name.startsWith('hour_'));
    expect(negative).toEqual([]);
    expect(row.every(Number.isFinite)).toBe(true);
  });

  it("is what the README's table and the trainer's meanings say (npm run docs:config regenerates them)", () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(featureTable());
    expect(JSON.parse(readFileSync(join(ROOT, 'models', 'train', 'feature_meanings.json'), 'utf8'))).toEqual(featureMeanings());
  });
});
