import { decide, type PolicyConfig, type PolicyInput } from '../decisions/decision.policy';
import { transactionSchema } from '../transactions/transaction.schema';
import { evaluateRules, parseRuleSet } from './rules';
import type { RuleSet } from './rule-set.schema';
import type { RulesSnapshot } from './rules.service';
import { evaluateShadowRules } from './shadow-rules';

const policy: PolicyConfig = { denyThreshold: 0.8, reviewThreshold: 0.5, failMode: 'open' };
const tx = transactionSchema.parse({
  transactionId: `tx-${String(Math.random())}`,
  occurredAt: '2026-11-20T12:00:00Z',
  cardId: 'card-1',
  merchantId: 'm-1',
  amount: 700,
  currency: 'EUR',
});

function ruleSet(version: string, rules: unknown[]): RuleSet {
  const parsed = parseRuleSet({ version, rules });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.ruleSet;
}
const ceiling = (id: string, eur: number, extra: Record<string, unknown> = {}) => ({
  id,
  description: id,
  type: 'amount_ceiling',
  action: 'review',
  params: { ceilings: { EUR: eur } },
  ...extra,
});

/** The live decision exactly as the pipeline makes it, so the shadow compares against the real thing. */
function liveItem(active: RuleSet, score: number | null) {
  const policyInput: PolicyInput = { rules: evaluateRules(active, tx, null), score, failures: [] };
  const outcome = decide(policyInput, policy);
  const decision = {
    transactionId: tx.transactionId,
    decision: outcome.decision,
    score,
    reasons: outcome.reasons,
    ruleHits: outcome.ruleHits,
    modelVersion: null,
    rulesVersion: active.version,
    degraded: false,
    latencyMs: 1,
    decidedAt: '2026-11-20T12:00:00.001Z',
  };
  return { decision, tx, features: null, policyInput };
}

describe('evaluateShadowRules', () => {
  it('adds the shadow-mode rules to the live ones and reports only their hits', () => {
    const active = ruleSet('live.1', [ceiling('high', 10_000), ceiling('trial', 500, { mode: 'shadow' })]);
    const snapshot: RulesSnapshot = { active: { v: 4, ruleSet: active }, shadow: null, shadowing: true };
    const [result, ...rest] = evaluateShadowRules(snapshot, liveItem(active, 0.1), policy);
    expect(rest).toEqual([]);
    expect(result?.record).toEqual({
      kind: 'rules',
      scope: 'rules',
      transactionId: tx.transactionId,
      shadowRulesVersion: 'live.1',
      shadowRuleHits: ['trial'],
      shadowDecision: 'review',
      liveRulesVersion: 'live.1',
      liveRuleHits: [],
      liveDecision: 'approve',
    });
  });

  it('decides a shadow version with its own rules in place of the active ones, on the same model score', () => {
    const active = ruleSet('live.1', [ceiling('high', 10_000)]);
    const draft = ruleSet('draft.2', [{ ...ceiling('high', 600), action: 'deny' }]);
    const snapshot: RulesSnapshot = { active: { v: 1, ruleSet: active }, shadow: { v: 2, ruleSet: draft }, shadowing: true };
    // A review-band score: live reviews on the model; the draft denies on its rule.
    const [result] = evaluateShadowRules(snapshot, liveItem(active, 0.6), policy);
    expect(result?.record).toMatchObject({
      scope: 'version',
      shadowRulesVersion: 'draft.2',
      shadowRuleHits: ['high'],
      shadowDecision: 'deny',
      liveDecision: 'review',
    });
    expect(result?.hits.map((hit) => hit.reason.code)).toEqual(['AMOUNT_OVER_CEILING']);
  });

  it('has nothing to evaluate without shadow rules or a shadow version', () => {
    const active = ruleSet('live.1', [ceiling('high', 10)]);
    expect(evaluateShadowRules({ active: { v: 1, ruleSet: active }, shadow: null, shadowing: false }, liveItem(active, null), policy)).toEqual([]);
  });
});
