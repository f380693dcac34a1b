/**
 * A seeded generator of our own (xoshiro128**, seeded through splitmix32), so that a seed gives
 * the same history on every machine and Node version that computes Math.log and friends alike.
 * Independent streams are forked by name: a customer's habits, the world and each typology draw
 * from their own stream, so a change in one does not reshuffle the others.
 */
// Bound once: jest runs the specs in a VM context, where looking up a global such as Math on
// every call costs far more than the arithmetic (Math.floor: about 75 times, measured).
const { imul, floor, log, exp, sqrt, round, max } = Math;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    let state = seed >>> 0;
    const next = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = imul(z ^ (z >>> 16), 0x85ebca6b);
      z = imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1;
  }

  /** A stream of its own for (seed, ...names): the same names always give the same stream. */
  static fork(seed: number, ...names: readonly (string | number)[]): Rng {
    // FNV-1a over the seed and the names.
    let hash = 0x811c9dc5;
    for (const char of `${seed >>> 0}/${names.join('/')}`) {
      hash ^= char.charCodeAt(0);
      hash = imul(hash, 0x01000193) >>> 0;
    }
    return new Rng(hash);
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = imul(rotl(imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** A uniform integer in [lo, hi], both included. */
  int(lo: number, hi: number): number {
    return lo + floor(this.float() * (hi - lo + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[floor(this.float() * items.length)] as T;
  }

  /** One of the items, with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T {
    let total = 0;
    for (const item of items) total += weight(item);
    if (items.length === 0 || !(total > 0)) throw new Error('weighted pick without positive weights');
    let target = this.float() * total;
    for (const item of items) {
      target -= weight(item);
      if (target < 0) return item;
    }
    return items[items.length - 1] as T;
  }

  /** Standard normal (Marsaglia's polar method). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    for (;;) {
      const u = 2 * this.float() - 1;
      const v = 2 * this.float() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = sqrt((-2 * log(s)) / s);
        this.spareNormal = v * factor;
        return u * factor;
      }
    }
  }

  /** Log-normal with the given median and log-scale spread. */
  logNormal(median: number, sigma: number): number {
    return median * exp(sigma * this.normal());
  }

  exponential(mean: number): number {
    return -mean * log(1 - this.float());
  }

  /** Poisson count: Knuth's product method below 30, a rounded normal above. */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean >= 30) return max(0, round(mean + sqrt(mean) * this.normal()));
    const limit = exp(-mean);
    let count = 0;
    let product = this.float();
    while (product > limit) {
      count += 1;
      product *= this.float();
    }
    return count;
  }

  /** k distinct items, in random order (partial Fisher-Yates on a copy; rejection when k is small). */
  sample<T>(items: readonly T[], k: number): T[] {
    if (k * 8 < items.length) {
      const chosen = new Set<number>();
      while (chosen.size < k) chosen.add(floor(this.float() * items.length));
      return [...chosen].map((i) => items[i] as T);
    }
    const copy = [...items];
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i += 1) {
      const j = i + floor(this.float() * (copy.length - i));
      const swap = copy[i] as T;
      copy[i] = copy[j] as T;
      copy[j] = swap;
    }
    return copy.slice(0, n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A fixed table for many weighted picks from the same list: cumulative weights, binary search. */
export class WeightedTable<T> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(
    private readonly items: readonly T[],
    weight: (item: T) => number,
  ) {
    let sum = 0;
    for (const item of items) {
      sum += max(0, weight(item));
      this.cumulative.push(sum);
    }
    if (!(sum > 0)) throw new Error('weighted table without positive weights');
    this.total = sum;
  }

  draw(rng: Rng): T {
    const target = rng.float() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.items[lo] as T;
  }
}
