import { overrideReason, type Override } from '../rules/overrides';
import type { RuleOutcome, RulesResult } from '../rules/rules';
import type { DecisionOutcome, Reason } from '../transactions/transaction.schema';

export type CheckName = 'velocity' | 'rules' | 'model';
export interface CheckFailure {
  readonly check: CheckName;
  /** state_lost: skipped, because Redis came back without the state it is checked against. */
  readonly reason: 'timeout' | 'error' | 'state_lost';
}

export interface PolicyConfig {
  readonly denyThreshold: number;
  readonly reviewThreshold: number;
  readonly failMode: 'open' | 'closed';
}

export interface PolicyInput {
  /** Null when the rule engine could not run at all. */
  readonly rules: RulesResult | null;
  /** The model's fraud probability; null when no model is loaded or it did not answer in time. */
  readonly score: number | null;
  /** Checks that failed or missed their deadline for this transaction. */
  readonly failures: readonly CheckFailure[];
  /** Overrides on the transaction's card, merchant or device that apply now; none when absent. */
  readonly overrides?: readonly Override[];
}

export interface PolicyResult {
  readonly decision: DecisionOutcome;
  readonly reasons: Reason[];
  readonly ruleHits: string[];
  readonly degraded: boolean;
}

export const POLICY_REASONS = {
  modelDeny: 'MODEL_SCORE_HIGH',
  modelReview: 'MODEL_SCORE_ELEVATED',
  allowlisted: 'ALLOWLISTED',
  unavailable: 'CHECK_UNAVAILABLE',
  ruleError: 'RULE_ERROR',
  stateLost: 'STATE_LOST',
} as const;

const unknownReason = (f: CheckFailure): Reason =>
  f.reason === 'state_lost'
    ? {
        code: POLICY_REASONS.stateLost,
        message: `${f.check} check skipped: Redis lost its state (card and merchant history, stored decisions) and it has not been restored`,
      }
    : { code: POLICY_REASONS.unavailable, message: `${f.check} check ${f.reason === 'timeout' ? 'missed its deadline' : 'failed'}` };

const isHit = (o: RuleOutcome): o is Extract<RuleOutcome, { status: 'hit' }> => o.status === 'hit';

/**
 * The decision from what the checks returned, in order of precedence:
 * a block override denies, then an allow override approves (an analyst's explicit word beats
 * every rule and the model; when both match, block wins, because wrongly approving fraud
 * costs more than a declined good payment that the customer retries after a call);
 * a blocklist or any deny rule denies; an allowlist (with no deny) approves; a model score at
 * or above the deny threshold denies; review/flag hits or a score in the review band review;
 * otherwise approve. Whatever is unknown (a failed check, an erroring rule) marks the
 * decision degraded, and with fail-closed an approve that rests on unknowns becomes review.
 */
export function decide(input: PolicyInput, config: PolicyConfig): PolicyResult {
  const outcomes = input.rules?.outcomes ?? [];
  const hits = outcomes.filter(isHit);
  const errors = outcomes.filter((o) => o.status === 'error');
  const ruleHits = hits.map((h) => h.ruleId);
  const ruleReasons = hits.map((h) => h.reason);
  const unknowns: Reason[] = [
    ...input.failures.map(unknownReason),
    ...errors.map((e) => ({ code: POLICY_REASONS.ruleError, message: `rule ${e.ruleId} could not be evaluated: ${e.error}` })),
  ];
  const degraded = unknowns.length > 0;
  const result = (decision: DecisionOutcome, reasons: Reason[]): PolicyResult => ({
    decision,
    reasons: degraded ? [...reasons, ...unknowns] : reasons,
    ruleHits,
    degraded,
  });

  // Rules still ran and their hits stay in ruleHits: the record shows what the override overruled.
  const overrides = input.overrides ?? [];
  const blocks = overrides.filter((o) => o.action === 'block');
  if (blocks.length > 0) return result('deny', blocks.map(overrideReason));
  const allowOverrides = overrides.filter((o) => o.action === 'allow');
  if (allowOverrides.length > 0) return result('approve', allowOverrides.map(overrideReason));

  const denies = hits.filter((h) => h.action === 'deny');
  if (denies.length > 0)
    return result(
      'deny',
      denies.map((h) => h.reason),
    );

  const allows = hits.filter((h) => h.action === 'allow');
  if (allows.length > 0)
    return result(
      'approve',
      allows.map((h) => h.reason),
    );

  const score = input.score;
  if (score !== null && score >= config.denyThreshold) {
    return result('deny', [
      ...ruleReasons,
      { code: POLICY_REASONS.modelDeny, message: `model score ${score.toFixed(3)} is at or above the deny threshold ${config.denyThreshold}` },
    ]);
  }

  const soft = hits.filter((h) => h.action === 'review' || h.action === 'flag').map((h) => h.reason);
  if (score !== null && score >= config.reviewThreshold) {
    soft.push({
      code: POLICY_REASONS.modelReview,
      message: `model score ${score.toFixed(3)} is in the review band [${config.reviewThreshold}, ${config.denyThreshold})`,
    });
  }
  if (soft.length > 0) return result('review', soft);

  if (degraded && config.failMode === 'closed') return result('review', []);
  return result('approve', []);
}
