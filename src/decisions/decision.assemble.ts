import type { Override } from '../rules/overrides';
import type { RulesResult } from '../rules/rules';
import type { Decision, Transaction } from '../transactions/transaction.schema';
import { decide, type CheckFailure, type PolicyConfig, type PolicyInput } from './decision.policy';

/** What the checks returned for one transaction, in time or not. */
export interface Checked {
  readonly tx: Transaction;
  /** performance.now() at the transaction's arrival. */
  readonly receivedAt: number;
  readonly rules: RulesResult | null;
  readonly score: number | null;
  /** The version of the model that gave `score`. */
  readonly modelVersion: string | null;
  readonly rulesVersion: string;
  readonly failures: readonly CheckFailure[];
  readonly overrides: readonly Override[];
  /** With the online model on: the parts `score` came from, and the online version that scored. */
  readonly online?: { readonly base: number | null; readonly online: number | null; readonly version: number } | undefined;
}

const rounded = (p: number | null): number | null => (p === null ? null : Math.round(p * 1e6) / 1e6);

export interface Assembled {
  readonly decision: Decision;
  readonly policyInput: PolicyInput;
}

/** The decision record from what the checks returned: the policy's outcome plus what the contract reports with it. */
export function assembleDecision(checked: Checked, policy: PolicyConfig, clock: { readonly monotonicMs: number; readonly wall: Date }): Assembled {
  const policyInput: PolicyInput = { rules: checked.rules, score: checked.score, failures: checked.failures, overrides: checked.overrides };
  const outcome = decide(policyInput, policy);
  const { score } = checked;
  return {
    policyInput,
    decision: {
      transactionId: checked.tx.transactionId,
      decision: outcome.decision,
      score: rounded(score),
      reasons: outcome.reasons,
      ruleHits: outcome.ruleHits,
      modelVersion: score === null ? null : checked.modelVersion,
      rulesVersion: checked.rulesVersion,
      degraded: outcome.degraded,
      latencyMs: Math.max(0, Math.round((clock.monotonicMs - checked.receivedAt) * 1000) / 1000),
      decidedAt: clock.wall.toISOString(),
      ...(checked.online === undefined
        ? {}
        : { scoreParts: { base: rounded(checked.online.base), online: rounded(checked.online.online) }, onlineModelVersion: checked.online.version }),
    },
  };
}
