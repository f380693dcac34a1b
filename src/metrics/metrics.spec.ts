import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readiness } from '../health/readiness';
import { Metrics } from './metrics';

const exposition = (metrics: Metrics) => metrics.registry.metrics();

describe('Metrics', () => {
  it("labels each stage observation with its unit, taking the stage's own unless the caller names one", async () => {
    const metrics = new Metrics();
    metrics.stageSeconds.observe({ stage: 'parse' }, 0.001);
    metrics.stageSeconds.observe({ stage: 'parse', unit: 'kafka_batch' }, 0.002);
    metrics.stageSeconds.observe({ stage: 'decide' }, 0.003);
    metrics.stageSeconds.observe({ stage: 'commit' }, 0.004);
    const text = await exposition(metrics);
    expect(text).toContain('fraud_stage_duration_seconds_count{stage="parse",unit="transaction"} 1');
    expect(text).toContain('fraud_stage_duration_seconds_count{stage="parse",unit="kafka_batch"} 1');
    expect(text).toContain('fraud_stage_duration_seconds_count{stage="decide",unit="micro_batch"} 1');
    expect(text).toContain('fraud_stage_duration_seconds_count{stage="commit",unit="kafka_commit"} 1');
  });

  it("are each listed in the README's metrics table, and it lists no other", async () => {
    const exported = new Set((await new Metrics().registry.getMetricsAsJSON()).map((m) => m.name).filter((name) => name.startsWith('fraud_')));
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('## Monitoring'));
    const listed = new Set([...table.matchAll(/^\| `(fraud_\w+)` \|/gm)].map((m) => m[1]));
    expect([...exported].filter((name) => !listed.has(name))).toEqual([]);
    expect([...listed].filter((name) => name !== undefined && !exported.has(name))).toEqual([]);
  });

  it('exports each readiness check as fraud_ready, as it stands at the scrape', async () => {
    const metrics = new Metrics();
    const readiness = new Readiness(metrics);
    let redisUp = true;
    readiness.register({ name: 'redis', isReady: () => redisUp });
    readiness.register({ name: 'kafka', isReady: () => Promise.reject(new Error('no broker')) });
    expect(await exposition(metrics)).toContain('fraud_ready{check="redis"} 1');
    redisUp = false;
    const text = await exposition(metrics);
    expect(text).toContain('fraud_ready{check="redis"} 0');
    expect(text).toContain('fraud_ready{check="kafka"} 0');
  });

  it('exports zero series for the HTTP path and the checks from the start, and for the consumers and model slots once they start', async () => {
    const metrics = new Metrics();
    const before = await exposition(metrics);
    expect(before).toContain('fraud_decisions_total{outcome="deny",source="http",degraded="true"} 0');
    expect(before).toContain('fraud_rejected_input_total{source="http",code="OVERLOADED"} 0');
    expect(before).toContain('fraud_check_failures_total{check="velocity",reason="error"} 0');
    expect(before).not.toContain('source="kafka"');
    expect(before).not.toContain('fraud_labels_total{');

    metrics.zeroKafkaTransactions();
    metrics.zeroLabels();
    metrics.zeroModelLoads('primary');
    const after = await exposition(metrics);
    expect(after).toContain('fraud_decisions_total{outcome="approve",source="kafka",degraded="false"} 0');
    expect(after).toContain('fraud_rejected_input_total{source="kafka",code="IDEMPOTENCY_CONFLICT"} 0');
    expect(after).toContain('fraud_rejected_input_total{source="labels",code="INVALID_JSON"} 0');
    expect(after).not.toContain('fraud_rejected_input_total{source="labels",code="IDEMPOTENCY_CONFLICT"}');
    expect(after).toContain('fraud_labels_total{result="unresolved"} 0');
    expect(after).toContain('fraud_model_loads_total{role="primary",result="refused"} 0');
    expect(after).not.toContain('fraud_model_loads_total{role="shadow"');
  });
});
