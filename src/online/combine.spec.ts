import { blend, logit, residualOffset, rowWeight, unitHash } from './combine';

describe('combining the online learner with the base model', () => {
  it('caps the reference blend at 1 - w when the online score is 0: a 0.8 deny threshold is out of reach at w = 0.3', () => {
    expect(blend(1, 0, 0.3)).toBeCloseTo(0.7, 12);
    expect(blend(0.9, 0.9, 0.3)).toBeCloseTo(0.9, 12);
  });

  it('gives the residual learner the base log-odds as its offset, finite at scores of exactly 0 and 1, and none without a base', () => {
    expect(1 / (1 + Math.exp(-residualOffset(0.8)))).toBeCloseTo(0.8, 12);
    expect(Number.isFinite(logit(0))).toBe(true);
    expect(Number.isFinite(logit(1))).toBe(true);
    expect(residualOffset(null)).toBe(0);
  });

  it('keeps every flagged row at weight 1 and samples approved ones at the rate, weighted 1 / rate', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `tx-${String(i)}`);
    expect(ids.every((id) => rowWeight(id, true, 0.05) === 1)).toBe(true);
    const kept = ids.map((id) => rowWeight(id, false, 0.05)).filter((w) => w !== null);
    expect(kept.every((w) => w === 20)).toBe(true);
    // 1,000 expected; 3 standard deviations of a binomial(20,000, 0.05) is about 92.
    expect(kept.length).toBeGreaterThan(900);
    expect(kept.length).toBeLessThan(1100);
    expect(ids.every((id) => rowWeight(id, false, 0) === null)).toBe(true);
  });

  it('samples the same transactions on every call (and so on every instance)', () => {
    expect(unitHash('tx-1')).toBe(unitHash('tx-1'));
    expect(unitHash('tx-1')).not.toBe(unitHash('tx-2'));
    expect(unitHash('tx-1')).toBeGreaterThanOrEqual(0);
    expect(unitHash('tx-1')).toBeLessThan(1);
  });
});
