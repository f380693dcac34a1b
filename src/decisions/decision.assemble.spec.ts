import { assembleDecision, type Checked } from './decision.assemble';

const policy = { denyThreshold: 0.8, reviewThreshold: 0.5, failMode: 'open' as const };
const checked = (over: Partial<Checked> = {}): Checked => ({
  tx: { transactionId: 'tx-1', occurredAt: '2026-11-25T10:00:00Z', cardId: 'c', merchantId: 'm', amount: 10, currency: 'EUR' },
  receivedAt: 1000,
  rules: { rulesVersion: 'rules-1', outcomes: [] },
  score: 0.1234567,
  modelVersion: 'model-1',
  rulesVersion: 'rules-1',
  failures: [],
  overrides: [],
  ...over,
});
const clock = { monotonicMs: 1012.3456, wall: new Date('2026-11-25T10:00:00.012Z') };

describe('assembleDecision', () => {
  it('reports the score to six places, the versions it was made with, and the latency from arrival', () => {
    const { decision } = assembleDecision(checked(), policy, clock);
    expect(decision).toEqual({
      transactionId: 'tx-1',
      decision: 'approve',
      score: 0.123457,
      reasons: [],
      ruleHits: [],
      modelVersion: 'model-1',
      rulesVersion: 'rules-1',
      degraded: false,
      latencyMs: 12.346,
      decidedAt: '2026-11-25T10:00:00.012Z',
    });
  });

  it('names no model version when the model gave no score', () => {
    const { decision } = assembleDecision(checked({ score: null, failures: [{ check: 'model', reason: 'timeout' }] }), policy, clock);
    expect(decision).toMatchObject({ score: null, modelVersion: null, degraded: true });
    expect(decision.reasons.map((r) => r.code)).toEqual(['CHECK_UNAVAILABLE']);
  });

  it('denies at the deny threshold and hands the policy exactly what the checks returned', () => {
    const input = checked({ score: 0.8 });
    const { decision, policyInput } = assembleDecision(input, policy, clock);
    expect(decision.decision).toBe('deny');
    expect(policyInput).toEqual({ rules: input.rules, score: 0.8, failures: [], overrides: [] });
  });
});
