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
    const key = metric === 'fraud_batch_size' ? `batch size (${labels ?? ''})` : stageKey(labels ?? '');
    const entry = sums.get(key) ?? { sum: 0, count: 0 };
    entry[kind === 'sum' ? 'sum' : 'count'] = Number(value);
    sums.set(key, entry);
  }
  return sums;
}

/**
 * A stage's name; parse, the one stage timed per request on HTTP and per fetched batch in the
 * Kafka consumer, keeps the two units apart, since their means are not comparable.
 */
function stageKey(labels: string): string {
  const stage = /stage="([^"]+)"/.exec(labels)?.[1] ?? '?';
  return labels.includes('unit="kafka_batch"') ? `${stage} (kafka batch)` : stage;
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

/** The service's own view of its HTTP answers: cumulative counts, to difference over a step. */
export interface HttpServed {
  /** HTTP decisions made (fraud_decision_duration_seconds_count{source="http"}). */
  readonly decided: number;
  /** Of those, decided within each histogram bound, seconds -> count. */
  readonly within: ReadonlyMap<number, number>;
  /** Answers that left after BUDGET_TOTAL_MS from arrival (fraud_late_answers_total). */
  readonly late: number;
}

export async function scrapeHttpServed(baseUrl: string): Promise<HttpServed> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const within = new Map<number, number>();
  let decided = 0;
  let late = 0;
  for (const line of text.split('\n')) {
    // prom-client writes `le` first.
    const bucket = /^fraud_decision_duration_seconds_bucket\{le="([^"]+)",source="http"\} (\S+)$/.exec(line);
    if (bucket !== null && bucket[1] !== '+Inf') within.set(Number(bucket[1]), Number(bucket[2]));
    const count = /^fraud_decision_duration_seconds_count\{source="http"\} (\S+)$/.exec(line);
    if (count !== null) decided = Number(count[1]);
    const lateLine = /^fraud_late_answers_total (\S+)$/.exec(line);
    if (lateLine !== null) late = Number(lateLine[1]);
  }
  return { decided, within, late };
}

/** Over a step: decisions made, the share decided within `boundSeconds` of arrival, and the late answers. */
export function servedBetween(before: HttpServed, after: HttpServed, boundSeconds: number): { decided: number; withinShare: number; late: number } {
  const decided = after.decided - before.decided;
  const within = (after.within.get(boundSeconds) ?? 0) - (before.within.get(boundSeconds) ?? 0);
  return { decided, withinShare: decided > 0 ? Math.round((within / decided) * 1000) / 1000 : Number.NaN, late: after.late - before.late };
}

/** A service instance's Kafka decisions so far, from its own metrics. */
export async function kafkaDecisionsCounted(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return [...text.matchAll(/^fraud_decisions_total\{[^}]*source="kafka"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}
