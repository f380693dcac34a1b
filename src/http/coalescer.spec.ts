import { Coalescer } from './coalescer';

describe('Coalescer', () => {
  it('serves calls made in the same turn with one batch, each caller getting its own result', async () => {
    const batches: number[][] = [];
    const c = new Coalescer<number, number>((items) => {
      batches.push(items);
      return Promise.resolve(items.map((x) => x * 10));
    }, 64);
    await expect(Promise.all([c.submit(1), c.submit(2), c.submit(3)])).resolves.toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('never lets a batch grow past its maximum', async () => {
    const sizes: number[] = [];
    const c = new Coalescer<number, number>((items) => {
      sizes.push(items.length);
      return Promise.resolve(items);
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => c.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('rejects every caller of a failed batch', async () => {
    const c = new Coalescer<number, number>(() => Promise.reject(new Error('boom')), 8);
    const results = await Promise.allSettled([c.submit(1), c.submit(2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
