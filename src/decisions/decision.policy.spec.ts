import type { Override } from '../rules/overrides';
import type { RuleOutcome, RulesResult } from '../rules/rules';
import { decide, type PolicyConfig } from './decision.policy';

const config: PolicyConfig = { denyThreshold: 0.8, reviewThreshold: 0.5, failMode: 'open' };

const hit = (ruleId: string, action: RuleOutcome['action'], code = ruleId.toUpperCase()): RuleOutcome => ({
  ruleId,
  type: 'card_velocity',
  action,
  status: 'hit',
  reason: { code, message: `${ruleId} hit` },
});
const pass = (ruleId: string): RuleOutcome => ({ ruleId, type: 'card_velocity', action: 'review', status: 'pass' });
const rules = (...outcomes: RuleOutcome[]): RulesResult => ({ rulesVersion: 'v1', outcomes });

const anOverride = (action: Override['action'], entity: Override['entity'] = 'card'): Override => ({
  entity,
  id: `${entity}-1`,
  action,
  reason: 'customer called',
  author: 'analyst-7',
  createdAt: '2026-11-20T10:00:00.000Z',
  expiresAt: '2026-11-21T10:00:00.000Z',
});

describe('decision policy', () => {
  it('denies on a block override even when nothing else would, recording the rules that hit', () => {
    const result = decide({ rules: rules(hit('velocity', 'flag')), score: 0.1, failures: [], overrides: [anOverride('block', 'merchant')] }, config);
    expect(result).toEqual({
      decision: 'deny',
      reasons: [{ code: 'OVERRIDE_BLOCK', message: 'merchant has a block override until 2026-11-21T10:00:00.000Z set by analyst-7: customer called' }],
      ruleHits: ['velocity'],
      degraded: false,
    });
  });

  it('approves on an allow override over a deny rule and a deny-level model score', () => {
    const result = decide({ rules: rules(hit('over-average', 'deny')), score: 0.95, failures: [], overrides: [anOverride('allow')] }, config);
    expect(result.decision).toBe('approve');
    expect(result.reasons.map((r) => r.code)).toEqual(['OVERRIDE_ALLOW']);
    expect(result.ruleHits).toEqual(['over-average']);
  });

  it('lets a block override win when an allow override also matches', () => {
    const result = decide({ rules: rules(), score: null, failures: [], overrides: [anOverride('allow', 'card'), anOverride('block', 'device')] }, config);
    expect(result.decision).toBe('deny');
    expect(result.reasons.map((r) => r.code)).toEqual(['OVERRIDE_BLOCK']);
  });

  it('approves when nothing hit and the score is low', () => {
    expect(decide({ rules: rules(pass('a')), score: 0.1, failures: [] }, config)).toEqual({ decision: 'approve', reasons: [], ruleHits: [], degraded: false });
  });

  it('denies on any deny rule, giving the deny reasons first', () => {
    const result = decide({ rules: rules(hit('velocity', 'flag'), hit('over-average', 'deny')), score: 0.1, failures: [] }, config);
    expect(result.decision).toBe('deny');
    expect(result.reasons.map((r) => r.code)).toEqual(['OVER-AVERAGE']);
    expect(result.ruleHits).toEqual(['velocity', 'over-average']);
  });

  it('denies when the model score reaches the deny threshold, even without rule hits', () => {
    const result = decide({ rules: rules(), score: 0.8, failures: [] }, config);
    expect(result.decision).toBe('deny');
    expect(result.reasons[0]?.code).toBe('MODEL_SCORE_HIGH');
  });

  it('reviews on a velocity flag, a review rule, or a score in the review band', () => {
    expect(decide({ rules: rules(hit('velocity', 'flag')), score: null, failures: [] }, config).decision).toBe('review');
    expect(decide({ rules: rules(hit('travel', 'review')), score: 0.2, failures: [] }, config).decision).toBe('review');
    const band = decide({ rules: rules(), score: 0.5, failures: [] }, config);
    expect(band.decision).toBe('review');
    expect(band.reasons[0]?.code).toBe('MODEL_SCORE_ELEVATED');
  });

  it('approves an allowlisted card over soft hits and a high score, but a blocklist still wins', () => {
    expect(decide({ rules: rules(hit('allow', 'allow'), hit('velocity', 'flag')), score: 0.95, failures: [] }, config).decision).toBe('approve');
    expect(decide({ rules: rules(hit('allow', 'allow'), hit('block', 'deny')), score: 0, failures: [] }, config).decision).toBe('deny');
  });

  it('marks the decision degraded and says which check was missing when a check failed', () => {
    const result = decide({ rules: rules(pass('a')), score: null, failures: [{ check: 'velocity', reason: 'timeout' }] }, config);
    expect(result).toMatchObject({ decision: 'approve', degraded: true });
    expect(result.reasons).toEqual([{ code: 'CHECK_UNAVAILABLE', message: 'velocity check missed its deadline' }]);
  });

  it('says STATE_LOST, not a failed check, when the velocity check was skipped on lost Redis state, and fails closed on it', () => {
    const input = { rules: rules(pass('a')), score: null, failures: [{ check: 'velocity', reason: 'state_lost' }] } as const;
    const result = decide(input, config);
    expect(result).toMatchObject({ decision: 'approve', degraded: true });
    expect(result.reasons.map((r) => r.code)).toEqual(['STATE_LOST']);
    expect(decide(input, { ...config, failMode: 'closed' }).decision).toBe('review');
  });

  it('fails closed to review when configured and the approve rests on unknowns', () => {
    const closed = { ...config, failMode: 'closed' as const };
    expect(decide({ rules: null, score: null, failures: [{ check: 'rules', reason: 'error' }] }, closed).decision).toBe('review');
    expect(decide({ rules: rules(hit('block', 'deny')), score: null, failures: [{ check: 'velocity', reason: 'error' }] }, closed).decision).toBe('deny');
    expect(decide({ rules: rules(pass('a')), score: 0.1, failures: [] }, closed).decision).toBe('approve');
  });

  it('treats a rule that could not evaluate as unknown: degraded, with the rule named', () => {
    const erroring: RuleOutcome = { ruleId: 'over-average', type: 'amount_over_average', action: 'deny', status: 'error', error: 'features unavailable' };
    const result = decide({ rules: rules(erroring), score: null, failures: [] }, config);
    expect(result).toMatchObject({ decision: 'approve', degraded: true });
    expect(result.reasons[0]?.message).toContain('over-average');
  });
});
