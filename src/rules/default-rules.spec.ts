import { NO_HISTORY } from '../velocity/features';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transactionSchema } from '../transactions/transaction.schema';
import type { RuleType } from './rule-set.schema';
import { evaluateRules, hits, parseRuleSet } from './rules';

// Read the file the way the service does (RULES_PATH), not through a bundler's JSON import.
const shipped: unknown = JSON.parse(readFileSync(join(__dirname, 'default-rules.json'), 'utf8'));

function defaultRuleSet() {
  const parsed = parseRuleSet(shipped);
  if (!parsed.ok) throw new Error(`default-rules.json is invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.ruleSet;
}

describe('default-rules.json', () => {
  it('parses', () => {
    expect(parseRuleSet(shipped)).toMatchObject({ ok: true });
  });

  it('has a dated version', () => {
    expect(defaultRuleSet().version).toMatch(/^\d{4}-\d{2}-\d{2}\.\d+$/);
  });

  it('ships one rule of every type, every one enabled but the card fraud-history rule', () => {
    // A Record over RuleType fails to compile when a type is added and not listed here.
    const everyType: Record<RuleType, true> = {
      amount_over_average: true,
      card_velocity: true,
      impossible_travel: true,
      amount_ceiling: true,
      new_device_high_amount: true,
      card_fraud_history: true,
      merchant_fraud_history: true,
      card_blocklist: true,
      merchant_blocklist: true,
      card_allowlist: true,
      merchant_allowlist: true,
    };
    const rules = defaultRuleSet().rules;
    expect(rules.map((rule) => rule.type).sort()).toEqual(Object.keys(everyType).sort());
    // Off by default, with its reason in its description: it would review most of a
    // compromised card's later, legitimate spending.
    expect(rules.filter((rule) => !rule.enabled).map((rule) => rule.id)).toEqual(['card-confirmed-fraud']);
  });

  it('lets an ordinary purchase on a known card and device through without a hit', () => {
    const result = evaluateRules(
      defaultRuleSet(),
      transactionSchema.parse({
        transactionId: 'tx-1',
        occurredAt: '2026-11-25T10:00:00Z',
        cardId: 'card-1',
        merchantId: 'merchant-1',
        amount: 42.5,
        currency: 'EUR',
        deviceId: 'device-1',
      }),
      {
        card: {
          ...NO_HISTORY.card,
          count1m: 0,
          sum1m: 0,
          count1h: 1,
          sum1h: 30,
          count24h: 3,
          sum24h: 95,
          count30d: 40,
          sum30d: 1_600,
          avgAmount30d: 40,
          secondsSincePrev: 1_200,
          kmFromPrev: 3,
          secondsSincePrevLocated: 1_200,
          deviceSeen: true,
          merchantSeen: true,
          frauds7d: 0,
          frauds30d: 0,
        },
        merchant: { ...NO_HISTORY.merchant, count1h: 12, count24h: 150 },
      },
    );

    expect(result.outcomes.every((outcome) => outcome.status === 'pass')).toBe(true);
    expect(hits(result)).toEqual([]);
  });
});
