import type { z } from 'zod';
import type { Reason, Transaction } from '../transactions/transaction.schema';
import type { Features } from '../velocity/features';
import { RULE_CHECKS, type ParamsByType } from './rule-checks';
import { ruleSetSchema, type RuleAction, type RuleMode, type RuleSet, type RuleType } from './rule-set.schema';

export interface RuleSetError {
  /** Dotted path into the document, e.g. `rules.2.params.multiplier`; empty for the document itself. */
  readonly path: string;
  readonly message: string;
}

export type ParseRuleSetResult = { readonly ok: true; readonly ruleSet: RuleSet } | { readonly ok: false; readonly errors: readonly RuleSetError[] };

interface OutcomeBase {
  readonly ruleId: string;
  readonly type: RuleType;
  readonly action: RuleAction;
}
export type RuleHit = OutcomeBase & { readonly status: 'hit'; readonly reason: Reason };
export type RuleOutcome = RuleHit | (OutcomeBase & { readonly status: 'pass' }) | (OutcomeBase & { readonly status: 'error'; readonly error: string });

export interface RulesResult {
  readonly rulesVersion: string;
  /** One per enabled rule, in document order. */
  readonly outcomes: readonly RuleOutcome[];
}

export const FEATURES_UNAVAILABLE = 'features unavailable';

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod's record-key message ("Invalid key in record") hides the key schema's own message.
  if (issue.code === 'invalid_key') return `invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}`;
  return issue.message;
}

/** Validates and compiles a rule-set document, reporting every problem at once so one edit fixes them all. */
export function parseRuleSet(json: unknown): ParseRuleSetResult {
  const parsed = ruleSetSchema.safeParse(json);
  if (parsed.success) return { ok: true, ruleSet: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: describeIssue(issue) })),
  };
}

function evaluateRule<T extends RuleType>(
  rule: { readonly id: string; readonly type: T; readonly action: RuleAction; readonly params: ParamsByType[T] },
  tx: Transaction,
  features: Features | null,
): RuleOutcome {
  const base = { ruleId: rule.id, type: rule.type, action: rule.action };
  const check = RULE_CHECKS[rule.type];
  try {
    let reason: Reason | null;
    if (!check.needsFeatures) reason = check.evaluate(rule.params, tx);
    else if (features === null) return { ...base, status: 'error', error: FEATURES_UNAVAILABLE };
    else reason = check.evaluate(rule.params, tx, features);
    return reason === null ? { ...base, status: 'pass' } : { ...base, status: 'hit', reason };
  } catch (err) {
    // One broken rule must not take the decision down with it; the policy sees the error outcome.
    return { ...base, status: 'error', error: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Runs every enabled rule of one mode against one transaction. Never throws. `features` is
 * null when the velocity check failed or missed its deadline: rules that need it report an
 * error outcome, list and ceiling rules still run. Live decisions evaluate the `live` rules;
 * the shadow evaluation, after the decision is out, the `shadow` ones.
 */
export function evaluateRules(ruleSet: RuleSet, tx: Transaction, features: Features | null, mode: RuleMode = 'live'): RulesResult {
  const outcomes: RuleOutcome[] = [];
  for (const rule of ruleSet.rules) {
    if (rule.enabled && rule.mode === mode) outcomes.push(evaluateRule(rule, tx, features));
  }
  return { rulesVersion: ruleSet.version, outcomes };
}

/** Whether a rule set holds enabled shadow rules, so the hot path collects nothing otherwise. */
export function hasShadowRules(ruleSet: RuleSet): boolean {
  return ruleSet.rules.some((rule) => rule.enabled && rule.mode === 'shadow');
}

export function hits(result: RulesResult): RuleHit[] {
  return result.outcomes.filter((outcome): outcome is RuleHit => outcome.status === 'hit');
}
