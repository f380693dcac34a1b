import { at, Rng, WeightedTable } from './rng';

const draws = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.uint32());

describe('Rng', () => {
  it('repeats the same sequence for the same seed and stream', () => {
    expect(draws(new Rng(42, 'customer', 3), 50)).toEqual(draws(new Rng(42, 'customer', 3), 50));
  });

  it('gives unrelated sequences to neighbouring seeds and to different streams', () => {
    const base = draws(new Rng(42, 'customer', 3), 50);
    expect(draws(new Rng(43, 'customer', 3), 50)).not.toEqual(base);
    expect(draws(new Rng(42, 'customer', 4), 50)).not.toEqual(base);
    expect(draws(new Rng(42, 'merchant', 3), 50)).not.toEqual(base);
  });

  it('keeps floats in [0, 1) and integers within their inclusive bounds', () => {
    const rng = new Rng(1);
    const floats = Array.from({ length: 10_000 }, () => rng.float());
    expect(Math.min(...floats)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...floats)).toBeLessThan(1);
    const ints = new Set(Array.from({ length: 10_000 }, () => rng.int(5, 30)));
    expect([...ints].sort((a, b) => a - b)).toEqual(Array.from({ length: 26 }, (_, i) => 5 + i));
  });

  it('draws weighted choices in proportion to their weights', () => {
    const rng = new Rng(2);
    const counts = [0, 0, 0];
    for (let n = 0; n < 30_000; n++) {
      const i = rng.weighted([1, 0, 2]);
      counts[i] = at(counts, i) + 1;
    }
    expect(counts[1]).toBe(0);
    expect(at(counts, 2) / at(counts, 0)).toBeCloseTo(2, 0);
  });

  it('matches the mean of its Poisson and log-normal draws', () => {
    const rng = new Rng(3);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(Array.from({ length: 20_000 }, () => rng.poisson(1.5)))).toBeCloseTo(1.5, 1);
    const medianOf = (xs: number[]) =>
      at(
        [...xs].sort((a, b) => a - b),
        xs.length >> 1,
      );
    expect(medianOf(Array.from({ length: 20_000 }, () => rng.logNormal(30, 0.6)))).toBeGreaterThan(28.5);
  });

  it('writes hex strings of the requested length', () => {
    expect(new Rng(4).hex(12)).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('WeightedTable', () => {
  it('never draws an item of zero weight and favours heavy ones', () => {
    const table = new WeightedTable(['a', 'b', 'c'], (x) => ({ a: 1, b: 0, c: 9 })[x] ?? 0);
    const rng = new Rng(5);
    const drawn = Array.from({ length: 10_000 }, () => table.draw(rng));
    expect(drawn).not.toContain('b');
    expect(drawn.filter((x) => x === 'c').length).toBeGreaterThan(8_500);
  });
});
