import type { Decision } from '../../src/transactions/transaction.schema';

/**
 * What the floors answer in place of a decision: a record of the contract's shape and about
 * its size, so the bytes written and serialised match the service's. Its latencyMs is the
 * floor's own time since `since` (performance.now() when the input arrived).
 */
export function floorDecision(transactionId: string, since: number): Decision {
  return {
    transactionId,
    decision: 'approve',
    score: 0.012345,
    reasons: [],
    ruleHits: [],
    modelVersion: 'gbdt-floor',
    rulesVersion: 'floor',
    degraded: false,
    latencyMs: Math.round((performance.now() - since) * 1000) / 1000,
    decidedAt: new Date().toISOString(),
  };
}
