import { transactionSchema, type Transaction } from '../transactions/transaction.schema';
import { NO_HISTORY, type Features } from '../velocity/features';
import { ruleSetSchema, type RuleSet, type RuleSetDocument, type RuleType } from './rule-set.schema';
import { evaluateRules, hasShadowRules, hits, parseRuleSet, type RuleOutcome } from './rules';

// Builders: random but valid, so whatever a test sets explicitly is what it depends on.
const randomInt = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min + 1));
const pick = <T>(items: readonly T[]): T => items[randomInt(0, items.length - 1)]!;
const randomId = (prefix: string): string => `${prefix}-${Math.random().toString(36).slice(2, 12)}`;

function aTransaction(overrides: Partial<Transaction> = {}): Transaction {
  return transactionSchema.parse({
    transactionId: randomId('tx'),
    occurredAt: new Date(Date.UTC(2026, 10, randomInt(1, 25), randomInt(0, 23), randomInt(0, 59))).toISOString(),
    cardId: randomId('card'),
    merchantId: randomId('merchant'),
    amount: randomInt(100, 50_000) / 100,
    currency: pick(['EUR', 'USD', 'GBP']),
    ...overrides,
  });
}

function someFeatures(card: Partial<Features['card']> = {}): Features {
  const count1m = randomInt(0, 2);
  const count1h = count1m + randomInt(0, 5);
  const count24h = count1h + randomInt(0, 10);
  const count30d = count24h + randomInt(0, 100);
  const average = randomInt(1_000, 20_000) / 100;
  const located = Math.random() < 0.5;
  return {
    card: {
      ...NO_HISTORY.card,
      count1m,
      sum1m: count1m * average,
      count1h,
      sum1h: count1h * average,
      count24h,
      sum24h: count24h * average,
      count30d,
      sum30d: count30d * average,
      avgAmount30d: count30d === 0 ? null : average,
      secondsSincePrev: count30d === 0 ? null : randomInt(60, 86_400),
      kmFromPrev: located ? randomInt(0, 50) : null,
      secondsSincePrevLocated: located ? randomInt(3_600, 86_400) : null,
      deviceSeen: pick([true, false, null]),
      merchantSeen: pick([true, false]),
      frauds7d: 0,
      frauds30d: 0,
      ...card,
    },
    merchant: { ...NO_HISTORY.merchant, count1h: randomInt(0, 50), count24h: randomInt(50, 500) },
  };
}

type RuleDocument = RuleSetDocument['rules'][number];
type ParamsOf<T extends RuleType> = Extract<RuleDocument, { type: T }>['params'];

const ACTION: Record<RuleType, string> = {
  amount_over_average: 'deny',
  card_velocity: 'flag',
  impossible_travel: 'review',
  amount_ceiling: 'review',
  new_device_high_amount: 'review',
  card_fraud_history: 'review',
  merchant_fraud_history: 'flag',
  card_blocklist: 'deny',
  merchant_blocklist: 'deny',
  card_allowlist: 'allow',
  merchant_allowlist: 'allow',
};

const aRule = <T extends RuleType>(type: T, params: ParamsOf<T>, extra: { id?: string; enabled?: boolean } = {}) => ({
  id: extra.id ?? type.replaceAll('_', '-'),
  description: `a ${type} rule`,
  type,
  action: ACTION[type],
  params,
  ...(extra.enabled === undefined ? {} : { enabled: extra.enabled }),
});

function ruleSetOf(...rules: unknown[]): RuleSet {
  const parsed = parseRuleSet({ version: 'test.1', rules });
  if (!parsed.ok) throw new Error(`invalid test rule set: ${JSON.stringify(parsed.errors)}`);
  return parsed.ruleSet;
}

function evaluateOne<T extends RuleType>(type: T, params: ParamsOf<T>, tx: Transaction, features: Features | null): RuleOutcome {
  const { outcomes } = evaluateRules(ruleSetOf(aRule(type, params)), tx, features);
  expect(outcomes).toHaveLength(1);
  return outcomes[0]!;
}

describe('evaluateRules', () => {
  describe('amount_over_average', () => {
    const params = { multiplier: 3, minHistoryCount: 5 };

    it('denies when the amount is over 3x the 30-day average', () => {
      const outcome = evaluateOne(
        'amount_over_average',
        params,
        aTransaction({ amount: 950, currency: 'EUR' }),
        someFeatures({ count30d: 12, avgAmount30d: 182.1 }),
      );
      expect(outcome).toEqual({
        ruleId: 'amount-over-average',
        type: 'amount_over_average',
        action: 'deny',
        status: 'hit',
        reason: { code: 'AMOUNT_OVER_AVERAGE', message: "amount 950.00 EUR is 5.2x the card's 30-day average 182.10 (limit 3x)" },
      });
    });

    it('passes an amount of exactly 3x the average', () => {
      const outcome = evaluateOne('amount_over_average', params, aTransaction({ amount: 300 }), someFeatures({ count30d: 12, avgAmount30d: 100 }));
      expect(outcome.status).toBe('pass');
    });

    it('passes while the card has fewer transactions than minHistoryCount', () => {
      const outcome = evaluateOne('amount_over_average', params, aTransaction({ amount: 5_000 }), someFeatures({ count30d: 4, avgAmount30d: 10 }));
      expect(outcome.status).toBe('pass');
    });

    it('applies once the card has exactly minHistoryCount transactions', () => {
      const outcome = evaluateOne('amount_over_average', params, aTransaction({ amount: 5_000 }), someFeatures({ count30d: 5, avgAmount30d: 10 }));
      expect(outcome.status).toBe('hit');
    });
  });

  describe('card_velocity', () => {
    it('flags the 10th transaction on a card within a minute', () => {
      const outcome = evaluateOne('card_velocity', { window: '1m', maxCount: 10 }, aTransaction(), someFeatures({ count1m: 9 }));
      expect(outcome).toMatchObject({
        action: 'flag',
        status: 'hit',
        reason: { code: 'CARD_VELOCITY', message: '10 transactions on the card within 1 minute, this one included (threshold 10)' },
      });
    });

    it('passes the 9th transaction within a minute', () => {
      const outcome = evaluateOne('card_velocity', { window: '1m', maxCount: 10 }, aTransaction(), someFeatures({ count1m: 8 }));
      expect(outcome.status).toBe('pass');
    });

    it('counts the configured window only', () => {
      const features = someFeatures({ count1m: 0, count1h: 29, count24h: 29 });
      expect(evaluateOne('card_velocity', { window: '1h', maxCount: 30 }, aTransaction(), features)).toMatchObject({
        status: 'hit',
        reason: { message: '30 transactions on the card within 1 hour, this one included (threshold 30)' },
      });
      expect(evaluateOne('card_velocity', { window: '1m', maxCount: 30 }, aTransaction(), features).status).toBe('pass');
    });
  });

  describe('impossible_travel', () => {
    const params = { maxKmh: 900, minKm: 100 };

    it('sends a journey faster than maxKmh to review', () => {
      const outcome = evaluateOne('impossible_travel', params, aTransaction(), someFeatures({ kmFromPrev: 1_200, secondsSincePrevLocated: 1_800 }));
      expect(outcome).toMatchObject({
        action: 'review',
        status: 'hit',
        reason: {
          code: 'IMPOSSIBLE_TRAVEL',
          message: '1200 km from the previous located transaction in 1800 s implies 2400 km/h (limit 900 km/h)',
        },
      });
    });

    it('passes a journey at exactly maxKmh', () => {
      const outcome = evaluateOne('impossible_travel', params, aTransaction(), someFeatures({ kmFromPrev: 900, secondsSincePrevLocated: 3_600 }));
      expect(outcome.status).toBe('pass');
    });

    it('hits two located transactions at least minKm apart with no time between them', () => {
      const outcome = evaluateOne('impossible_travel', params, aTransaction(), someFeatures({ kmFromPrev: 100, secondsSincePrevLocated: 0 }));
      expect(outcome).toMatchObject({
        status: 'hit',
        reason: { message: '100 km from the previous located transaction with no time between them (limit 900 km/h)' },
      });
    });

    it('ignores jumps shorter than minKm however fast, such as GPS jitter', () => {
      const outcome = evaluateOne('impossible_travel', params, aTransaction(), someFeatures({ kmFromPrev: 99.9, secondsSincePrevLocated: 0 }));
      expect(outcome.status).toBe('pass');
    });

    it('passes when the transaction or its predecessor has no location', () => {
      const outcome = evaluateOne('impossible_travel', params, aTransaction(), someFeatures({ kmFromPrev: null, secondsSincePrevLocated: null }));
      expect(outcome.status).toBe('pass');
    });
  });

  describe('amount_ceiling', () => {
    const params = { ceilings: { EUR: 10_000, JPY: 1_500_000 } };

    it('sends an amount over the currency ceiling to review', () => {
      const outcome = evaluateOne('amount_ceiling', params, aTransaction({ amount: 10_000.01, currency: 'EUR' }), someFeatures());
      expect(outcome).toMatchObject({
        status: 'hit',
        reason: { code: 'AMOUNT_OVER_CEILING', message: 'amount 10000.01 EUR is over the 10000.00 EUR ceiling' },
      });
    });

    it('passes an amount exactly at the ceiling', () => {
      const outcome = evaluateOne('amount_ceiling', params, aTransaction({ amount: 1_500_000, currency: 'JPY' }), someFeatures());
      expect(outcome.status).toBe('pass');
    });

    it('passes any amount in a currency without a ceiling', () => {
      const outcome = evaluateOne('amount_ceiling', params, aTransaction({ amount: 5_000_000, currency: 'CHF' }), someFeatures());
      expect(outcome.status).toBe('pass');
    });
  });

  describe('new_device_high_amount', () => {
    const params = { minAmount: { EUR: 500 } };

    it('sends the threshold amount from a device new to the card to review', () => {
      const outcome = evaluateOne('new_device_high_amount', params, aTransaction({ amount: 500, currency: 'EUR' }), someFeatures({ deviceSeen: false }));
      expect(outcome).toMatchObject({
        status: 'hit',
        reason: { code: 'NEW_DEVICE_HIGH_AMOUNT', message: 'amount 500.00 EUR from a device not seen on the card before (threshold 500.00 EUR)' },
      });
    });

    it('passes an amount just under the threshold from a new device', () => {
      const outcome = evaluateOne('new_device_high_amount', params, aTransaction({ amount: 499.99, currency: 'EUR' }), someFeatures({ deviceSeen: false }));
      expect(outcome.status).toBe('pass');
    });

    it('passes a high amount from a device the card has used before', () => {
      const outcome = evaluateOne('new_device_high_amount', params, aTransaction({ amount: 5_000, currency: 'EUR' }), someFeatures({ deviceSeen: true }));
      expect(outcome.status).toBe('pass');
    });

    it('passes a transaction without a device id', () => {
      const outcome = evaluateOne('new_device_high_amount', params, aTransaction({ amount: 5_000, currency: 'EUR' }), someFeatures({ deviceSeen: null }));
      expect(outcome.status).toBe('pass');
    });

    it('passes a currency without a threshold', () => {
      const outcome = evaluateOne('new_device_high_amount', params, aTransaction({ amount: 900_000, currency: 'JPY' }), someFeatures({ deviceSeen: false }));
      expect(outcome.status).toBe('pass');
    });
  });

  describe('card_fraud_history and merchant_fraud_history', () => {
    it('reviews a card with a confirmed fraud in the window, quoting the count', () => {
      const features = someFeatures({ frauds7d: 0, frauds30d: 1 });
      expect(evaluateOne('card_fraud_history', { window: '30d', minCount: 1 }, aTransaction(), features)).toMatchObject({
        action: 'review',
        status: 'hit',
        reason: { code: 'CARD_FRAUD_HISTORY', message: "1 confirmed fraud on the card's transactions of the last 30 days (threshold 1)" },
      });
      expect(evaluateOne('card_fraud_history', { window: '7d', minCount: 1 }, aTransaction(), features).status).toBe('pass');
    });

    it('flags a merchant once its confirmed frauds reach minCount, and not before', () => {
      const at = (frauds7d: number): Features => ({
        ...someFeatures(),
        merchant: { ...NO_HISTORY.merchant, count1h: 3, count24h: 40, frauds7d, frauds30d: frauds7d },
      });
      expect(evaluateOne('merchant_fraud_history', { window: '7d', minCount: 3 }, aTransaction(), at(2)).status).toBe('pass');
      expect(evaluateOne('merchant_fraud_history', { window: '7d', minCount: 3 }, aTransaction(), at(3))).toMatchObject({
        status: 'hit',
        reason: { code: 'MERCHANT_FRAUD_HISTORY', message: "3 confirmed frauds on the merchant's transactions of the last 7 days (threshold 3)" },
      });
    });

    it('judges a merchant by the share of its delayed window confirmed fraud, when minRate is set', () => {
      const at = (frauds: number, count: number): Features => ({
        ...someFeatures(),
        merchant: { ...NO_HISTORY.merchant, fraudsDelayed7d: frauds, countDelayed7d: count },
      });
      const params = { window: 'delayed-7d' as const, minCount: 3, minRate: 0.02 };
      // 3 frauds in 1,000 transactions is a busy merchant's noise; 3 in 100 is a compromise point.
      expect(evaluateOne('merchant_fraud_history', params, aTransaction(), at(3, 1000)).status).toBe('pass');
      expect(evaluateOne('merchant_fraud_history', params, aTransaction(), at(2, 20)).status).toBe('pass');
      expect(evaluateOne('merchant_fraud_history', params, aTransaction(), at(3, 100))).toMatchObject({
        status: 'hit',
        reason: {
          message: "3 confirmed frauds on the merchant's transactions of the 7 days ending LABEL_DELAY_DAYS ago, 3.0 % of 100 (threshold 3 and 2.0 %)",
        },
      });
    });

    it('counts every fraud known on the card with the "known" window', () => {
      const features: Features = { ...someFeatures(), card: { ...someFeatures().card, fraudsKnown: 1, frauds30d: 0 } };
      expect(evaluateOne('card_fraud_history', { window: 'known', minCount: 1 }, aTransaction(), features)).toMatchObject({ status: 'hit' });
      expect(evaluateOne('card_fraud_history', { window: '30d', minCount: 1 }, aTransaction(), features).status).toBe('pass');
    });

    it('refuses minRate on a window without transaction counts', () => {
      const doc = {
        version: 'v',
        rules: [{ id: 'r', description: '', type: 'merchant_fraud_history', action: 'review', params: { window: '7d', minCount: 1, minRate: 0.1 } }],
      };
      const parsed = ruleSetSchema.safeParse(doc);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain('rules.0.params.minRate');
    });
  });

  describe('block and allow lists', () => {
    it('denies a blocklisted card without naming the card in the reason', () => {
      const tx = aTransaction();
      const outcome = evaluateOne('card_blocklist', { ids: [randomId('card'), tx.cardId] }, tx, someFeatures());
      expect(outcome).toMatchObject({ action: 'deny', status: 'hit', reason: { code: 'CARD_BLOCKLISTED', message: 'card is on the blocklist' } });
      expect(JSON.stringify(outcome)).not.toContain(tx.cardId);
    });

    it('denies a blocklisted merchant', () => {
      const tx = aTransaction({ merchantId: 'merchant-42' });
      expect(evaluateOne('merchant_blocklist', { ids: ['merchant-42'] }, tx, someFeatures())).toMatchObject({
        action: 'deny',
        status: 'hit',
        reason: { code: 'MERCHANT_BLOCKLISTED', message: 'merchant merchant-42 is on the blocklist' },
      });
    });

    it('marks an allowlisted card or merchant with the allow action', () => {
      const tx = aTransaction({ merchantId: 'merchant-7' });
      expect(evaluateOne('card_allowlist', { ids: [tx.cardId] }, tx, someFeatures())).toMatchObject({
        action: 'allow',
        status: 'hit',
        reason: { code: 'CARD_ALLOWLISTED', message: 'card is on the allowlist' },
      });
      expect(evaluateOne('merchant_allowlist', { ids: ['merchant-7'] }, tx, someFeatures())).toMatchObject({
        action: 'allow',
        status: 'hit',
        reason: { code: 'MERCHANT_ALLOWLISTED', message: 'merchant merchant-7 is on the allowlist' },
      });
    });

    it('passes cards and merchants that are not listed', () => {
      const tx = aTransaction();
      for (const type of ['card_blocklist', 'merchant_blocklist', 'card_allowlist', 'merchant_allowlist'] as const) {
        expect(evaluateOne(type, { ids: [randomId('other')] }, tx, someFeatures()).status).toBe('pass');
      }
    });
  });

  describe('when features are unavailable', () => {
    it('reports rules that need features as errors and still evaluates lists and ceilings', () => {
      const tx = aTransaction({ amount: 20_000, currency: 'EUR', merchantId: 'merchant-9' });
      const ruleSet = ruleSetOf(
        aRule('amount_over_average', { multiplier: 3, minHistoryCount: 5 }),
        aRule('card_velocity', { window: '1m', maxCount: 10 }),
        aRule('impossible_travel', { maxKmh: 900, minKm: 100 }),
        aRule('new_device_high_amount', { minAmount: { EUR: 500 } }),
        aRule('amount_ceiling', { ceilings: { EUR: 10_000 } }),
        aRule('card_blocklist', { ids: [tx.cardId] }),
        aRule('merchant_blocklist', { ids: [] }),
        aRule('card_allowlist', { ids: [] }),
        aRule('merchant_allowlist', { ids: ['merchant-9'] }),
      );

      const { outcomes } = evaluateRules(ruleSet, tx, null);

      expect(outcomes.map((o) => [o.type, o.status, o.status === 'error' ? o.error : undefined])).toEqual([
        ['amount_over_average', 'error', 'features unavailable'],
        ['card_velocity', 'error', 'features unavailable'],
        ['impossible_travel', 'error', 'features unavailable'],
        ['new_device_high_amount', 'error', 'features unavailable'],
        ['amount_ceiling', 'hit', undefined],
        ['card_blocklist', 'hit', undefined],
        ['merchant_blocklist', 'pass', undefined],
        ['card_allowlist', 'pass', undefined],
        ['merchant_allowlist', 'hit', undefined],
      ]);
    });
  });

  describe('when a rule throws', () => {
    function featuresWithCorruptCount1m(thrown: unknown): Features {
      const features = someFeatures();
      const card = { ...features.card };
      Object.defineProperty(card, 'count1m', {
        get: () => {
          throw thrown;
        },
      });
      return { ...features, card };
    }

    it('reports that rule as an error and still evaluates the others', () => {
      const tx = aTransaction();
      const ruleSet = ruleSetOf(aRule('card_velocity', { window: '1m', maxCount: 10 }), aRule('card_blocklist', { ids: [tx.cardId] }));

      const { outcomes } = evaluateRules(ruleSet, tx, featuresWithCorruptCount1m(new Error('count1m is corrupt')));

      expect(outcomes).toMatchObject([
        { ruleId: 'card-velocity', status: 'error', error: 'count1m is corrupt' },
        { ruleId: 'card-blocklist', status: 'hit' },
      ]);
    });

    it('reports a thrown non-Error value as text', () => {
      const ruleSet = ruleSetOf(aRule('card_velocity', { window: '1m', maxCount: 10 }));
      const { outcomes } = evaluateRules(ruleSet, aTransaction(), featuresWithCorruptCount1m('redis reply was garbage'));
      expect(outcomes).toMatchObject([{ status: 'error', error: 'redis reply was garbage' }]);
    });
  });

  it('reports the rule set version and one outcome per enabled rule, in document order', () => {
    const tx = aTransaction();
    const ruleSet = ruleSetOf(
      aRule('merchant_blocklist', { ids: [] }, { id: 'first' }),
      aRule('card_blocklist', { ids: [tx.cardId] }, { id: 'switched-off', enabled: false }),
      aRule('card_allowlist', { ids: [] }, { id: 'last', enabled: true }),
    );

    const result = evaluateRules(ruleSet, tx, someFeatures());

    expect(result.rulesVersion).toBe('test.1');
    expect(result.outcomes.map((o) => o.ruleId)).toEqual(['first', 'last']);
  });
});

describe('shadow-mode rules', () => {
  it('keeps shadow rules out of the live evaluation and evaluates only them in shadow', () => {
    const tx = aTransaction({ amount: 20_000, currency: 'EUR' });
    const ruleSet = ruleSetOf(
      aRule('amount_ceiling', { ceilings: { EUR: 10_000 } }, { id: 'live-ceiling' }),
      { ...aRule('amount_ceiling', { ceilings: { EUR: 5_000 } }, { id: 'trial-ceiling' }), mode: 'shadow' },
      { ...aRule('card_blocklist', { ids: [tx.cardId] }, { id: 'trial-off', enabled: false }), mode: 'shadow' },
    );

    expect(ruleSet.rules.map((rule) => rule.mode)).toEqual(['live', 'shadow', 'shadow']);
    expect(hits(evaluateRules(ruleSet, tx, null)).map((hit) => hit.ruleId)).toEqual(['live-ceiling']);
    expect(hits(evaluateRules(ruleSet, tx, null, 'shadow')).map((hit) => hit.ruleId)).toEqual(['trial-ceiling']);
    expect(hasShadowRules(ruleSet)).toBe(true);
    expect(hasShadowRules(ruleSetOf(aRule('card_blocklist', { ids: [] })))).toBe(false);
  });
});

describe('hits', () => {
  it('keeps only the rules that hit', () => {
    const tx = aTransaction({ amount: 20_000, currency: 'EUR' });
    const ruleSet = ruleSetOf(
      aRule('amount_ceiling', { ceilings: { EUR: 10_000 } }),
      aRule('card_blocklist', { ids: [] }),
      aRule('card_velocity', { window: '1m', maxCount: 10 }),
    );

    const result = evaluateRules(ruleSet, tx, null);

    expect(hits(result).map((hit) => [hit.ruleId, hit.reason.code])).toEqual([['amount-ceiling', 'AMOUNT_OVER_CEILING']]);
  });
});
