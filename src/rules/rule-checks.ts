import type { Reason, Transaction } from '../transactions/transaction.schema';
import type { Features } from '../velocity/features';
import type { CardFraudWindow, MerchantFraudWindow, Rule, RuleType, VelocityWindow } from './rule-set.schema';

/**
 * One pure check per rule type: parameters, transaction and features in, a reason when the
 * rule hits, null when it passes. Adding a rule type is a schema entry, a check here and a test.
 */

export type ParamsByType = { [T in RuleType]: Extract<Rule, { type: T }>['params'] };

type RuleCheck<P> =
  | { readonly needsFeatures: true; readonly evaluate: (params: P, tx: Transaction, features: Features) => Reason | null }
  | { readonly needsFeatures: false; readonly evaluate: (params: P, tx: Transaction) => Reason | null };

// Mapped over RuleType so `RULE_CHECKS[rule.type]` and `rule.params` stay correlated for the compiler.
type RuleChecks = { readonly [T in RuleType]: RuleCheck<ParamsByType[T]> };

/** One stable code per rule type: the `reason` on decisions and metrics. Never rename one. */
export const REASON_CODES = {
  amount_over_average: 'AMOUNT_OVER_AVERAGE',
  card_velocity: 'CARD_VELOCITY',
  impossible_travel: 'IMPOSSIBLE_TRAVEL',
  amount_ceiling: 'AMOUNT_OVER_CEILING',
  new_device_high_amount: 'NEW_DEVICE_HIGH_AMOUNT',
  card_fraud_history: 'CARD_FRAUD_HISTORY',
  merchant_fraud_history: 'MERCHANT_FRAUD_HISTORY',
  card_blocklist: 'CARD_BLOCKLISTED',
  merchant_blocklist: 'MERCHANT_BLOCKLISTED',
  card_allowlist: 'CARD_ALLOWLISTED',
  merchant_allowlist: 'MERCHANT_ALLOWLISTED',
} as const satisfies Record<RuleType, string>;

const money = (amount: number, currency: string): string => `${amount.toFixed(2)} ${currency}`;

const WINDOW_COUNT = { '1m': 'count1m', '1h': 'count1h', '24h': 'count24h' } as const satisfies Record<VelocityWindow, keyof Features['card']>;
const WINDOW_TEXT: Record<VelocityWindow, string> = { '1m': '1 minute', '1h': '1 hour', '24h': '24 hours' };

function amountOverAverage(params: ParamsByType['amount_over_average'], tx: Transaction, features: Features): Reason | null {
  const { count30d, avgAmount30d } = features.card;
  if (count30d < params.minHistoryCount || avgAmount30d === null || avgAmount30d <= 0) return null;
  if (tx.amount <= params.multiplier * avgAmount30d) return null;
  const ratio = (tx.amount / avgAmount30d).toFixed(1);
  return {
    code: REASON_CODES.amount_over_average,
    message: `amount ${money(tx.amount, tx.currency)} is ${ratio}x the card's 30-day average ${avgAmount30d.toFixed(2)} (limit ${params.multiplier}x)`,
  };
}

function cardVelocity(params: ParamsByType['card_velocity'], _tx: Transaction, features: Features): Reason | null {
  // The windows exclude the transaction being decided, so count it here.
  const count = features.card[WINDOW_COUNT[params.window]] + 1;
  if (count < params.maxCount) return null;
  return {
    code: REASON_CODES.card_velocity,
    message: `${count} transactions on the card within ${WINDOW_TEXT[params.window]}, this one included (threshold ${params.maxCount})`,
  };
}

function impossibleTravel(params: ParamsByType['impossible_travel'], _tx: Transaction, features: Features): Reason | null {
  const { kmFromPrev: km, secondsSincePrevLocated: seconds } = features.card;
  // No location on this transaction or its predecessor: there is no journey to judge.
  if (km === null || seconds === null || km < params.minKm) return null;
  if (seconds <= 0) {
    return {
      code: REASON_CODES.impossible_travel,
      message: `${km.toFixed(0)} km from the previous located transaction with no time between them (limit ${params.maxKmh} km/h)`,
    };
  }
  const kmh = km / (seconds / 3600);
  if (kmh <= params.maxKmh) return null;
  return {
    code: REASON_CODES.impossible_travel,
    message: `${km.toFixed(0)} km from the previous located transaction in ${seconds.toFixed(0)} s implies ${kmh.toFixed(0)} km/h (limit ${params.maxKmh} km/h)`,
  };
}

function amountCeiling(params: ParamsByType['amount_ceiling'], tx: Transaction): Reason | null {
  const ceiling = params.ceilings.get(tx.currency);
  if (ceiling === undefined || tx.amount <= ceiling) return null;
  return {
    code: REASON_CODES.amount_ceiling,
    message: `amount ${money(tx.amount, tx.currency)} is over the ${money(ceiling, tx.currency)} ceiling`,
  };
}

function newDeviceHighAmount(params: ParamsByType['new_device_high_amount'], tx: Transaction, features: Features): Reason | null {
  // deviceSeen is null when the transaction carries no deviceId: not evidence of a new device.
  if (features.card.deviceSeen !== false) return null;
  const threshold = params.minAmount.get(tx.currency);
  if (threshold === undefined || tx.amount < threshold) return null;
  return {
    code: REASON_CODES.new_device_high_amount,
    message: `amount ${money(tx.amount, tx.currency)} from a device not seen on the card before (threshold ${money(threshold, tx.currency)})`,
  };
}

interface FraudCounts<E extends 'card' | 'merchant'> {
  readonly frauds: keyof Features[E];
  /** The window's transactions (the rate's denominator); only the delayed windows have them. */
  readonly count?: keyof Features[E];
  readonly text: string;
}
const CARD_WINDOWS: Record<CardFraudWindow, FraudCounts<'card'>> = {
  '7d': { frauds: 'frauds7d', text: 'of the last 7 days' },
  '30d': { frauds: 'frauds30d', text: 'of the last 30 days' },
  known: { frauds: 'fraudsKnown', text: 'known so far' },
  'delayed-30d': { frauds: 'fraudsDelayed30d', count: 'countDelayed30d', text: 'of the 30 days ending LABEL_DELAY_DAYS ago' },
};
const MERCHANT_WINDOWS: Record<MerchantFraudWindow, FraudCounts<'merchant'>> = {
  '7d': { frauds: 'frauds7d', text: 'of the last 7 days' },
  '30d': { frauds: 'frauds30d', text: 'of the last 30 days' },
  'delayed-1d': { frauds: 'fraudsDelayed1d', count: 'countDelayed1d', text: 'of the day LABEL_DELAY_DAYS + 1 days ago' },
  'delayed-7d': { frauds: 'fraudsDelayed7d', count: 'countDelayed7d', text: 'of the 7 days ending LABEL_DELAY_DAYS ago' },
  'delayed-30d': { frauds: 'fraudsDelayed30d', count: 'countDelayed30d', text: 'of the 30 days ending LABEL_DELAY_DAYS ago' },
};

function fraudHistory<E extends 'card' | 'merchant'>(entity: E, windows: Record<string, FraudCounts<E>>, code: string) {
  return (params: { window: string; minCount: number; minRate?: number | undefined }, _tx: Transaction, features: Features): Reason | null => {
    const w = windows[params.window];
    if (w === undefined) return null;
    const of = features[entity];
    const count = of[w.frauds] as number;
    if (count < params.minCount) return null;
    const seen = w.count === undefined ? null : (of[w.count] as number);
    const rate = seen === null || seen === 0 ? null : count / seen;
    if (params.minRate !== undefined && (rate === null || rate < params.minRate)) return null;
    const share = rate === null ? '' : `, ${(rate * 100).toFixed(1)} % of ${String(seen)}`;
    const limits = `threshold ${String(params.minCount)}${params.minRate === undefined ? '' : ` and ${(params.minRate * 100).toFixed(1)} %`}`;
    return { code, message: `${String(count)} confirmed fraud${count === 1 ? '' : 's'} on the ${entity}'s transactions ${w.text}${share} (${limits})` };
  };
}

// Card ids are opaque tokens, but messages leave them out anyway: reasons travel to analysts and logs.
function cardListed(code: string, list: string) {
  return (params: { ids: ReadonlySet<string> }, tx: Transaction): Reason | null =>
    params.ids.has(tx.cardId) ? { code, message: `card is on the ${list}` } : null;
}

function merchantListed(code: string, list: string) {
  return (params: { ids: ReadonlySet<string> }, tx: Transaction): Reason | null =>
    params.ids.has(tx.merchantId) ? { code, message: `merchant ${tx.merchantId} is on the ${list}` } : null;
}

export const RULE_CHECKS: RuleChecks = {
  amount_over_average: { needsFeatures: true, evaluate: amountOverAverage },
  card_velocity: { needsFeatures: true, evaluate: cardVelocity },
  impossible_travel: { needsFeatures: true, evaluate: impossibleTravel },
  amount_ceiling: { needsFeatures: false, evaluate: amountCeiling },
  new_device_high_amount: { needsFeatures: true, evaluate: newDeviceHighAmount },
  card_fraud_history: { needsFeatures: true, evaluate: fraudHistory('card', CARD_WINDOWS, REASON_CODES.card_fraud_history) },
  merchant_fraud_history: { needsFeatures: true, evaluate: fraudHistory('merchant', MERCHANT_WINDOWS, REASON_CODES.merchant_fraud_history) },
  card_blocklist: { needsFeatures: false, evaluate: cardListed(REASON_CODES.card_blocklist, 'blocklist') },
  merchant_blocklist: { needsFeatures: false, evaluate: merchantListed(REASON_CODES.merchant_blocklist, 'blocklist') },
  card_allowlist: { needsFeatures: false, evaluate: cardListed(REASON_CODES.card_allowlist, 'allowlist') },
  merchant_allowlist: { needsFeatures: false, evaluate: merchantListed(REASON_CODES.merchant_allowlist, 'allowlist') },
};
