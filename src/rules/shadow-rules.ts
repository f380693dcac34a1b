import { decide, type PolicyConfig, type PolicyInput } from '../decisions/decision.policy';
import type { Decision, DecisionOutcome, Transaction } from '../transactions/transaction.schema';
import type { Features } from '../velocity/features';
import { evaluateRules, hits, type RuleHit } from './rules';
import type { RulesSnapshot } from './rules.service';

export interface ShadowRulesInput {
  readonly decision: Decision;
  readonly tx: Transaction;
  readonly features: Features | null;
  /** What the live policy saw, so a shadow outcome differs from the live one only by its rules. */
  readonly policyInput: PolicyInput;
}

/**
 * One shadow evaluation of one transaction, as written to the shadow topic. `scope` says what
 * ran in shadow: `rules`, the shadow-mode rules of the active version added to its live rules;
 * `version`, a whole shadow version in place of the active one.
 */
export interface RulesShadowRecord {
  readonly kind: 'rules';
  readonly scope: 'rules' | 'version';
  readonly transactionId: string;
  readonly shadowRulesVersion: string;
  /** The rules that hit in shadow: the shadow-mode rules (scope rules), or all of the version's. */
  readonly shadowRuleHits: string[];
  readonly shadowDecision: DecisionOutcome;
  readonly liveRulesVersion: string;
  readonly liveRuleHits: string[];
  readonly liveDecision: DecisionOutcome;
}

export interface ShadowRulesResult {
  readonly record: RulesShadowRecord;
  readonly hits: readonly RuleHit[];
}

/** What the shadow rules would have decided for one transaction, by the same policy as the live path. Pure. */
export function evaluateShadowRules(snapshot: RulesSnapshot, item: ShadowRulesInput, policy: PolicyConfig): ShadowRulesResult[] {
  const results: ShadowRulesResult[] = [];
  const live = item.decision;
  const active = snapshot.active.ruleSet;
  const base = {
    kind: 'rules',
    transactionId: live.transactionId,
    liveRulesVersion: live.rulesVersion,
    liveRuleHits: live.ruleHits,
    liveDecision: live.decision,
  } as const;

  const shadowRules = evaluateRules(active, item.tx, item.features, 'shadow');
  if (shadowRules.outcomes.length > 0) {
    const liveOutcomes = item.policyInput.rules?.outcomes ?? [];
    const outcome = decide({ ...item.policyInput, rules: { rulesVersion: active.version, outcomes: [...liveOutcomes, ...shadowRules.outcomes] } }, policy);
    const shadowHits = hits(shadowRules);
    results.push({
      record: {
        ...base,
        scope: 'rules',
        shadowRulesVersion: active.version,
        shadowRuleHits: shadowHits.map((h) => h.ruleId),
        shadowDecision: outcome.decision,
      },
      hits: shadowHits,
    });
  }

  if (snapshot.shadow !== null) {
    const version = evaluateRules(snapshot.shadow.ruleSet, item.tx, item.features);
    const outcome = decide({ ...item.policyInput, rules: version }, policy);
    const versionHits = hits(version);
    results.push({
      record: {
        ...base,
        scope: 'version',
        shadowRulesVersion: snapshot.shadow.ruleSet.version,
        shadowRuleHits: versionHits.map((h) => h.ruleId),
        shadowDecision: outcome.decision,
      },
      hits: versionHits,
    });
  }
  return results;
}
