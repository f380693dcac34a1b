import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, runBench } from '../../load-tests/bench';
import type { BenchResult } from '../../load-tests/lib/report';
import { buildService } from '../../scripts/build';
import { testLogSink } from '../support/service-log';

/**
 * The benchmark's smoke run: every scenario, a few seconds each, against the test stack. It
 * proves `npm run bench` works end to end and writes its results; its timings are noise on a
 * shared CI machine and nothing here looks at them.
 */
describe('npm run bench --smoke', () => {
  let dist = '';
  let out = '';
  const saved = { redis: process.env.BENCH_REDIS_URL, kafka: process.env.BENCH_KAFKA_BROKERS };

  beforeAll(() => {
    dist = buildService(join(__dirname, '..', '..', '.cache', `test-dist-${String(process.pid)}`));
    out = mkdtempSync(join(tmpdir(), 'fraud-bench-smoke-'));
    process.env.BENCH_REDIS_URL = process.env.REDIS_URL;
    process.env.BENCH_KAFKA_BROKERS = process.env.KAFKA_BROKERS;
  }, 180_000);
  afterAll(() => {
    rmSync(dist, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
    process.env.BENCH_REDIS_URL = saved.redis;
    process.env.BENCH_KAFKA_BROKERS = saved.kafka;
  });

  it('runs every scenario and writes JSON, Markdown and PNG charts', async () => {
    const { json, md } = await runBench(parseOptions(['--smoke', '--out', out, '--dist', dist]), {
      write: (text: string) => {
        testLogSink(text.trimEnd(), 'stderr');
      },
    });

    const result = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
    expect(result.smoke).toBe(true);
    expect(result.errors).toEqual({});
    expect(result.machine.cores).toBeGreaterThan(0);
    expect(result.versions).toMatchObject({ kafkajs: '2.2.4', 'onnxruntime-node': '1.30.0' });
    // Every scenario ran to the end: each replay drained its topic, every steady message got
    // its decision, HTTP answered without a server error.
    expect(result.stages?.map((s) => s.stage)).toEqual(expect.arrayContaining(['parse+validate', 'redis velocity scripts', 'rules', 'model']));
    expect(result.replay).toMatchObject({ transactions: result.load.replay });
    expect(result.replay?.decisionsPerSecond).toBeGreaterThan(0);
    expect(result.naive?.batched.transactions).toBe(result.naive?.perMessage.transactions);
    expect(result.naive?.ratio).toBeGreaterThan(0);
    for (const step of result.steady?.steps ?? []) {
      expect(step.decided).toBe(step.sent);
      expect(step.stageMeanMs).toHaveProperty('commit');
      // The CPU a decision cost, of the service and of Redis, is measured for every step.
      expect(step.cpuPerDecision.serviceUs).toBeGreaterThan(0);
      expect(step.cpuPerDecision.redisUs).toBeGreaterThan(0);
      // The broker runs on this machine (the test stack's), so its share is measured too.
      expect(step.cpuPerDecision.brokerUs).toBeGreaterThan(0);
    }
    expect(result.steady?.steps).toHaveLength(1);
    // The floors ran the same loads with no check: the backlog drained, every steady message
    // got its record, HTTP answered everything.
    expect(result.floor?.replay).toMatchObject({ transactions: result.load.replay });
    expect(result.floor?.steady?.steps).toHaveLength(1);
    for (const step of result.floor?.steady?.steps ?? []) expect(step.decided).toBe(step.sent);
    expect(result.floor?.http?.map((s) => s.target)).toEqual(['200/s', 'max']);
    for (const step of result.floor?.http ?? []) expect([step.requestsPerSecond > 0, step.non2xx, step.errors, step.timeouts]).toEqual([true, 0, 0, 0]);
    // Past the fixed rates and the maximum, twice the maximum offered: answered or shed with 503, never an error or a timeout.
    // Then the same overload on a service that sheds on event-loop delay.
    expect(result.http?.map((s) => s.target.replace(/\(\d+\/s offered\)/, '(N/s offered)'))).toEqual([
      '200/s',
      'max',
      'overload 2x max (N/s offered)',
      'overload 2x max, shedding at 20 ms loop delay (N/s offered)',
    ]);
    for (const overload of result.http?.slice(2) ?? []) {
      expect([overload.errors, overload.timeouts, (overload.rssMb?.length ?? 0) > 0, overload.served !== undefined]).toEqual([0, 0, true, true]);
      // Every answer is a decision or a 503 shed, nothing else.
      expect(Object.keys(overload.statuses ?? {}).filter((code) => code !== '200' && code !== '503')).toEqual([]);
    }
    for (const step of result.http?.slice(0, 2) ?? []) {
      expect(step.requestsPerSecond).toBeGreaterThan(0);
      expect(step.non2xx).toBe(0);
      expect(step.errors).toBe(0);
      expect(step.timeouts).toBe(0);
      expect(step.cpuPerDecision.serviceUs).toBeGreaterThan(0);
      expect(step.generatorUsPerRequest).toBeGreaterThan(0);
    }
    expect(result.redisBytesPerCard?.medianBytes).toBeGreaterThan(0);
    // The replay's state, rebuilt from its topics: every transaction, every stored decision.
    expect(result.rebuild).toMatchObject({ transactions: result.replay?.transactions, restoredDecisions: result.replay?.transactions });

    // The soak, in two short windows: Kafka and HTTP at once, every message decided, every request answered.
    expect(result.soak?.windows.length).toBeGreaterThanOrEqual(2);
    for (const w of result.soak?.windows ?? []) expect([w.kafkaDecided, w.httpNon2xx, w.rssMb > 0]).toEqual([w.kafkaSent, 0, true]);
    expect(Number.isFinite(result.soak?.slopesPerHour.rssMb)).toBe(true);

    // Two instances on a 3-master Redis Cluster: the backlog drained, every steady message
    // decided, the CPU of each instance and each master measured.
    const scaleOut = result.scaleOut;
    expect(scaleOut?.replay.transactions).toBe(result.load.replay);
    expect(scaleOut?.replay.decidedByInstance.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(Number(result.load.replay));
    expect(scaleOut?.steady?.decided).toBe(scaleOut?.steady?.sent);
    // And through a master's failover (its latency measured, not asserted): every message decided.
    expect(scaleOut?.failover?.decided).toBe(scaleOut?.failover?.sent);
    expect(scaleOut?.failover?.promotedAfterMs).toBeGreaterThan(0);
    expect(scaleOut?.steady?.cpuPerDecision.instancesUs).toHaveLength(2);
    expect(scaleOut?.steady?.cpuPerDecision.redisNodesUs).toHaveLength(3);
    for (const us of [...(scaleOut?.steady?.cpuPerDecision.instancesUs ?? []), ...(scaleOut?.steady?.cpuPerDecision.redisNodesUs ?? [])])
      expect(us).toBeGreaterThan(0);

    const summary = readFileSync(md, 'utf8');
    for (const heading of [
      'Replay (catch-up)',
      'Floors: the Kafka path and the HTTP stack alone',
      'per-message baseline',
      'Steady load on Kafka',
      'HTTP POST /v1/decisions',
      'Stages on their own',
      'Soak:',
      'Scale-out: 2 instances',
    ])
      expect(summary).toContain(heading);
    for (const chart of ['steady-latency', 'throughput', 'http-latency', 'soak']) {
      const png = json.replace(/\.json$/, `-${chart}.png`);
      expect(existsSync(png)).toBe(true);
      expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
      expect(summary).toContain(`(${png.replace(`${out}/`, '')})`);
    }
  }, 300_000);
});
