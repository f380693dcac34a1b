import { FEATURE_NAMES } from '../model/feature-catalogue';
import { DEFAULT_FTRL, weights } from './ftrl';
import { emptyOnlineState, labelSourceOf, teach, type KeptRow, type Teaching } from './online-state';

/** A catalogue row with a few features set, the rest unknown (-1). */
function rowOf(seed: number): KeptRow {
  const row = new Float32Array(FEATURE_NAMES.length).fill(-1);
  for (let i = 0; i < 8; i++) row[(seed * 7 + i * 5) % row.length] = ((seed + i) % 10) / 3;
  return { row, base: 0.2, decidedAtMs: 0, weight: 1 };
}

const distance = (a: Float64Array, b: Float64Array): number => Math.hypot(...a.map((v, i) => v - (b[i] ?? 0)));
const NOW = new Date('2026-12-03T00:00:00Z');

describe('teach', () => {
  const flood = (source: Teaching['source'], fraud: boolean): Teaching[] =>
    Array.from({ length: 2000 }, (_, i) => ({ source, row: rowOf(i), previous: null, next: fraud ? 'fraud' : 'legit' }));
  const move = (teachings: readonly Teaching[], maxStep: number) => {
    const start = emptyOnlineState();
    const taught = teach(start, DEFAULT_FTRL, maxStep, true, teachings, NOW);
    return { step: distance(weights(taught.state.ftrl, DEFAULT_FTRL), weights(start.ftrl, DEFAULT_FTRL)), taught };
  };

  it('bounds a flood from the labels feed by maxStep', () => {
    const { step, taught } = move(flood('feed', true), 0.5);
    expect(taught.clipped).toBe(true);
    expect(step).toBeLessThanOrEqual(0.5 + 1e-9);
    expect(move(flood('feed', true), Infinity).step).toBeGreaterThan(1);
  });

  it("bounds analysts' labels on their own: a flood of each moves the model by at most maxStep per source", () => {
    const both = [...flood('feed', true), ...flood('analyst', false)];
    const { step, taught } = move(both, 0.5);
    expect(taught.clipped).toBe(true);
    expect(step).toBeLessThanOrEqual(1 + 1e-9);
    // Every verdict is recorded, whatever the bound scaled: the counts are the examples'.
    expect(taught.state.positives).toBe(2000);
    expect(taught.state.negatives).toBe(2000);
  });

  it('applies a batch within the bound exactly, one source or two', () => {
    const few = [...flood('feed', true).slice(0, 3), ...flood('analyst', false).slice(0, 3)];
    const { taught } = move(few, Infinity);
    expect(taught.clipped).toBe(false);
    expect(move(few, 10).taught.state.ftrl).toEqual(taught.state.ftrl);
  });

  it('counts any source but "analyst" as the feed, so that new source values cannot multiply the bound', () => {
    expect(labelSourceOf('analyst')).toBe('analyst');
    for (const source of [undefined, 'chargeback', 'issuer-report', 'Analyst']) expect(labelSourceOf(source)).toBe('feed');
  });
});
