import { Rng, WeightedTable } from './rng';

describe('Rng', () => {
  it('gives the same sequence for the same seed and a different one for another', () => {
    const draw = (rng: Rng) => Array.from({ length: 5 }, () => rng.nextUint32());
    expect(draw(new Rng(7))).toEqual(draw(new Rng(7)));
    expect(draw(new Rng(7))).not.toEqual(draw(new Rng(8)));
  });

  it('forks independent, repeatable streams by name', () => {
    expect(Rng.fork(7, 'customer', 1).float()).toBe(Rng.fork(7, 'customer', 1).float());
    expect(Rng.fork(7, 'customer', 1).float()).not.toBe(Rng.fork(7, 'customer', 2).float());
  });

  it('draws floats in [0, 1) and integers within their bounds, both included', () => {
    const rng = new Rng(1);
    const floats = Array.from({ length: 10_000 }, () => rng.float());
    const ints = new Set(Array.from({ length: 1_000 }, () => rng.int(3, 6)));
    expect(floats.filter((f) => f < 0 || f >= 1)).toEqual([]);
    expect([...ints].sort()).toEqual([3, 4, 5, 6]);
  });

  it('draws Poisson counts and log-normal values around their expected centre', () => {
    const rng = new Rng(2);
    const n = 20_000;
    let poisson = 0;
    const logs: number[] = [];
    for (let i = 0; i < n; i += 1) {
      poisson += rng.poisson(0.7);
      logs.push(rng.logNormal(30, 0.5));
    }
    expect(poisson / n).toBeCloseTo(0.7, 1);
    logs.sort((a, b) => a - b);
    expect(logs[n / 2]).toBeGreaterThan(28.5);
    expect(logs[n / 2]).toBeLessThan(31.5);
  });

  it('samples distinct items, however many are asked for', () => {
    const rng = new Rng(3);
    const items = Array.from({ length: 100 }, (_, i) => i);
    for (const k of [3, 50, 100, 150]) {
      const sample = rng.sample(items, k);
      expect(new Set(sample).size).toBe(Math.min(k, items.length));
    }
  });

  it('picks by weight, never an item of weight zero', () => {
    const rng = new Rng(4);
    const table = new WeightedTable(['a', 'b', 'c'], (x) => (x === 'b' ? 0 : x === 'a' ? 3 : 1));
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 8_000; i += 1) counts[table.draw(rng) as 'a' | 'b' | 'c'] += 1;
    expect(counts.b).toBe(0);
    expect(counts.a / counts.c).toBeGreaterThan(2.6);
    expect(counts.a / counts.c).toBeLessThan(3.4);
  });
});
