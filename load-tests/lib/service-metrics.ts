/**
 * Where a load step's time went inside the service: the mean of each stage histogram over the
 * step (the difference of two scrapes of /metrics), so an end-to-end figure can be split into
 * the service's own stages and the Kafka commit.
 */
type Sums = Map<string, { sum: number; count: number }>;

const SERIES = /^(fraud_stage_duration_seconds|fraud_batch_size)_(sum|count)\{([^}]*)\} (\S+)$/;

export async function scrape(baseUrl: string): Promise<Sums> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const sums: Sums = new Map();
  for (const line of text.split('\n')) {
    const m = SERIES.exec(line);
    if (m === null) continue;
    const [, metric, kind, labels, value] = m;
    const key = metric === 'fraud_batch_size' ? `batch size (${labels ?? ''})` : (/stage="([^"]+)"/.exec(labels ?? '')?.[1] ?? '?');
    const entry = sums.get(key) ?? { sum: 0, count: 0 };
    entry[kind === 'sum' ? 'sum' : 'count'] = Number(value);
    sums.set(key, entry);
  }
  return sums;
}

/** Mean per observation between two scrapes: ms for stages, transactions for batch sizes. */
export function meansBetween(before: Sums, after: Sums): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, a] of after) {
    const b = before.get(key) ?? { sum: 0, count: 0 };
    const count = a.count - b.count;
    if (count <= 0) continue;
    const scale = key.startsWith('batch size') ? 1 : 1000;
    out[key] = Math.round(((a.sum - b.sum) / count) * scale * 100) / 100;
  }
  return out;
}
