export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Nearest-rank percentiles of a sample (NaN for an empty one, which the report shows as "-"). */
export function percentiles(sample: readonly number[]): Percentiles {
  const sorted = Float64Array.from(sample).sort();
  const at = (q: number) => (sorted.length === 0 ? Number.NaN : round3(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN));
  return {
    count: sorted.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted.length === 0 ? Number.NaN : round3(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

export const median = (xs: readonly number[]) => percentiles(xs).p50;
