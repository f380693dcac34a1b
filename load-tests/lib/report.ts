import type { ClusterCpuPerDecision, CpuPerDecision } from './cpu';
import type { StepResult } from './kafka-load';
import type { ProfileSummary } from './profile';
import type { SoakResult } from './soak';
import type { StageRow } from './stages';
import type { Percentiles } from './stats';

export interface ReplayResult {
  readonly transactions: number;
  readonly seconds: number;
  /** Wall time from the service's start to the topic drained. */
  readonly decisionsPerSecond: number;
  /** From the first committed decision to the topic drained (start-up left out). */
  readonly decisionsPerSecondAfterStart: number;
  readonly rssMb: Percentiles;
  /** [seconds since start, decisions/s over the last second] */
  readonly perSecond: readonly (readonly [number, number])[];
  /** After start-up; null when the run was too short to see a first commit. */
  readonly cpuPerDecision: CpuPerDecision | null;
  /** Redis's execution time per decision by command over the same window (INFO commandstats). */
  readonly redisCommands?: readonly { readonly command: string; readonly calls: number; readonly us: number }[];
}

/**
 * Two instances in one consumer group on a Redis Cluster of three masters (a replica each,
 * REDIS_WAIT_REPLICAS 1): the replay, then one steady step. CPU per decision of the whole
 * stream for each instance, each master and the broker.
 */
export interface ScaleOutResult {
  readonly instances: number;
  readonly redisMasters: number;
  readonly replay: {
    readonly transactions: number;
    readonly seconds: number;
    readonly decisionsPerSecond: number;
    readonly decisionsPerSecondAfterStart: number;
    /** Each instance's Kafka decisions, from its own metrics. */
    readonly decidedByInstance: readonly number[];
    readonly cpuPerDecision: ClusterCpuPerDecision | null;
  };
  readonly steady: {
    readonly targetRate: number;
    readonly sent: number;
    readonly decided: number;
    readonly achievedRate: number;
    readonly endToEndMs: Percentiles;
    readonly keptUp: boolean;
    readonly cpuPerDecision: ClusterCpuPerDecision;
  } | null;
  /** A further steady step with one master SIGKILLed 3 s in and started again once its replica took over. */
  readonly failover?: {
    readonly targetRate: number;
    readonly sent: number;
    readonly decided: number;
    readonly endToEndMs: Percentiles;
    readonly keptUp: boolean;
    /** From the kill until another node saw every slot served. */
    readonly promotedAfterMs: number;
  };
}

export interface SteadyStep extends StepResult {
  /** Mean per stage over the step from the service's own histograms (ms; batch sizes in transactions). */
  readonly stageMeanMs: Record<string, number>;
  readonly cpuPerDecision: CpuPerDecision;
}

export interface HttpStep {
  readonly target: string;
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly cpuPerDecision: CpuPerDecision;
  /** CPU of the load generator itself per request, microseconds. */
  readonly generatorUsPerRequest: number;
  /** The overload step: the service's RSS sampled each second through it (absent elsewhere). */
  readonly rssMb?: readonly number[];
  /** Open-loop steps: answers by HTTP status, and the latency of the 2xx answers alone (absent from older results). */
  readonly statuses?: Readonly<Record<string, number>>;
  readonly okLatencyMs?: { readonly p50: number; readonly p99: number; readonly max: number };
  /** The overload step, as the service saw it: decisions made, the share within 50 ms of arrival, answers after BUDGET_TOTAL_MS. */
  readonly served?: { readonly decided: number; readonly withinShare: number; readonly late: number };
}

export interface SteadyResult {
  readonly steps: SteadyStep[];
  /** Rates skipped because a lower one did not keep up. */
  readonly notRun: number[];
  readonly rssMb: Percentiles;
}

export interface BenchResult {
  startedAt: string;
  smoke: boolean;
  machine: { cores: number; cpu: string; memoryGb: number };
  versions: Record<string, string>;
  config: Record<string, string | number | boolean>;
  load: Record<string, number | readonly number[]>;
  stages: StageRow[] | null;
  replay: ReplayResult | null;
  /**
   * The same scenarios run by a program that does no check (load-tests/kafka-floor.ts,
   * http-floor.ts): what the Kafka path and the HTTP stack cost alone on this machine. Absent
   * from results written before the floors.
   */
  floor?: { replay: ReplayResult | null; steady: SteadyResult | null; http: HttpStep[] | null } | null;
  naive: { transactions: number; batched: ReplayResult; perMessage: ReplayResult; ratio: number } | null;
  steady: SteadyResult | null;
  http: HttpStep[] | null;
  redisBytesPerCard: { medianBytes: number; cardsSampled: number; medianTransactions: number } | null;
  /**
   * `npm run rebuild-state` over the replay's topics into an empty Redis database, after the
   * replay: how fast the Kafka path's state comes back. Absent from results written before it.
   */
  rebuild?: { transactions: number; restoredDecisions: number; seconds: number; transactionsPerSecond: number } | null;
  /** The soak (`--scenarios soak`): absent from results written before it. */
  soak?: SoakResult | null;
  /** The scale-out scenario (`--scenarios scale-out`): absent from results written before it. */
  scaleOut?: ScaleOutResult | null;
  /** With --cpu-prof: the service's CPU profile per scenario. */
  profiles: Record<string, ProfileSummary> | null;
  /** Scenarios that failed, with the error; the others still ran. */
  errors: Record<string, string>;
}

const n = (x: number) => (Number.isFinite(x) ? x.toLocaleString('en') : '-');
const cpu = (c: CpuPerDecision | null) => (c === null ? '-' : `${n(c.serviceUs)} / ${n(c.redisUs)}`);
/** With the broker's share, for the Kafka scenarios. */
const cpuKafka = (c: CpuPerDecision | null) => (c === null ? '-' : `${cpu(c)} / ${c.brokerUs === null ? '-' : n(c.brokerUs)}`);
const KAFKA_CPU = 'CPU us/decision, service / Redis / broker';
const replayRow = (r: ReplayResult) => [
  r.transactions,
  r.seconds.toFixed(1),
  r.decisionsPerSecond,
  r.decisionsPerSecondAfterStart,
  cpuKafka(r.cpuPerDecision),
  `${n(r.rssMb.p50)} / ${n(r.rssMb.max)}`,
];
const REPLAY_HEAD = ['transactions', 'seconds', 'decisions/s', 'decisions/s after start-up', KAFKA_CPU, 'RSS p50 / max (MB)'];
/** `decides`: the service's own latency column; a floor decides nothing. */
const steadyTable = (steps: readonly SteadyStep[], decides: boolean) =>
  table(
    ['offered/s', 'achieved/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', ...(decides ? ['service p99 ms'] : []), 'lag at end', 'kept up', KAFKA_CPU],
    steps.map((s) => [
      s.targetRate,
      Math.round(s.achievedRate),
      s.endToEndMs.p50,
      s.endToEndMs.p95,
      s.endToEndMs.p99,
      s.endToEndMs.max,
      ...(decides ? [s.serviceMs.p99] : []),
      s.lagAtEnd,
      s.keptUp ? 'yes' : 'no',
      cpuKafka(s.cpuPerDecision),
    ]),
  );
const httpTable = (steps: readonly HttpStep[]) =>
  table(
    ['target', 'achieved req/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'timeouts', 'CPU us/request, service / Redis / load generator'],
    steps.map((s) => [
      s.target,
      s.requestsPerSecond,
      s.p50,
      s.p99,
      s.max,
      s.non2xx,
      s.errors,
      s.timeouts,
      `${cpu(s.cpuPerDecision)} / ${n(s.generatorUsPerRequest)}`,
    ]),
  );
const table = (head: readonly string[], rows: readonly (readonly (string | number)[])[]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => (typeof c === 'number' ? n(c) : c)).join(' | ')} |`),
  ].join('\n');

/** The human summary of one run; every number in it is in the JSON beside it. */
export function markdown(r: BenchResult, charts: readonly string[]): string {
  const out: string[] = [`# Benchmark ${r.smoke ? '(smoke run: proves the harness, its numbers mean nothing) ' : ''}${r.startedAt}`, ''];
  out.push(
    `Machine: ${String(r.machine.cores)} cores (${r.machine.cpu}), ${String(r.machine.memoryGb)} GiB; Kafka, Redis, the service and the load generator all on it.`,
  );
  out.push(
    `Versions: ${Object.entries(r.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
  );
  out.push(
    `Config: ${Object.entries(r.config)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ')}.`,
    '',
  );
  out.push(
    `Load: ${Object.entries(r.load)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join('; ')}.`,
    '',
  );
  for (const [name, message] of Object.entries(r.errors)) out.push(`**${name} failed**: ${message}`, '');
  if (r.replay !== null) {
    out.push('## Replay (catch-up) throughput, exactly-once on', '');
    out.push(table(REPLAY_HEAD, [replayRow(r.replay)]), '');
    out.push(
      'CPU per decision is measured after start-up, from `/proc` for the service and the broker and `INFO cpu` for Redis: on a shared machine it moves less than throughput between identical runs.',
      '',
    );
    const commands = r.replay.redisCommands ?? [];
    if (commands.length > 0) {
      out.push(
        `Redis per decision by command over the same window (\`INFO commandstats\`, execution only; the rest of Redis's CPU is reading requests and writing replies): ${commands.map((c) => `${c.command} ${String(c.calls)} calls ${String(c.us)} us`).join(', ')}.`,
        '',
      );
    }
  }
  if (r.naive !== null) {
    out.push('## Batching against the naive per-message baseline (same transactions, same service)', '');
    // Wall time from the service's readiness: the batched run is a few seconds long, too short
    // for an "after start-up" rate read from 1 s samples of committed offsets.
    out.push(
      table(
        ['mode', 'transactions', 'seconds', 'decisions/s', KAFKA_CPU],
        [
          [
            'micro-batches (eachBatch)',
            r.naive.transactions,
            r.naive.batched.seconds.toFixed(1),
            r.naive.batched.decisionsPerSecond,
            cpuKafka(r.naive.batched.cpuPerDecision),
          ],
          [
            'per message (eachMessage)',
            r.naive.transactions,
            r.naive.perMessage.seconds.toFixed(1),
            r.naive.perMessage.decisionsPerSecond,
            cpuKafka(r.naive.perMessage.cpuPerDecision),
          ],
        ],
      ),
      '',
      `Batching buys **${String(r.naive.ratio)}x** the throughput.`,
      '',
    );
  }
  if (r.steady !== null) {
    out.push('## Steady load on Kafka: end-to-end latency (input sent → decision seen by a read_committed reader)', '');
    out.push(steadyTable(r.steady.steps, true), '');
    if (r.steady.notRun.length > 0)
      out.push(
        `Not run: ${r.steady.notRun.map((x) => `${n(x)}/s`).join(', ')}, because a lower rate did not keep up (a higher one can only fall further behind).`,
        '',
      );
    out.push(`Service RSS during the steps: p50 ${n(r.steady.rssMb.p50)} MB, max ${n(r.steady.rssMb.max)} MB.`, '');
    const stages = [...new Set(r.steady.steps.flatMap((s) => Object.keys(s.stageMeanMs)))].sort();
    out.push("Where the time went, from the service's own histograms (mean per observation; ms, batch sizes in transactions):", '');
    out.push(
      table(
        ['offered/s', ...stages],
        r.steady.steps.map((s) => [s.targetRate, ...stages.map((k) => s.stageMeanMs[k] ?? '-')]),
      ),
      '',
    );
  }
  if (r.http !== null) {
    out.push('## HTTP POST /v1/decisions', '');
    out.push(
      "Fixed rates are an open loop (each request due at its own time, latency from that time, 64 keep-alive connections); `max` is autocannon's closed loop with 64 connections.",
      '',
    );
    out.push(httpTable(r.http), '');
    for (const overload of r.http.filter((s) => s.target.startsWith('overload'))) {
      const rss = overload.rssMb ?? [];
      const statuses = Object.entries(overload.statuses ?? {})
        .map(([code, count]) => `${n(count)} ${code}`)
        .join(', ');
      out.push(
        `${overload.target}: answers by status ${statuses}; the 2xx answers' latency from their due time p50 ${n(overload.okLatencyMs?.p50 ?? NaN)} ms, p99 ${n(overload.okLatencyMs?.p99 ?? NaN)} ms; the service's RSS went ${n(rss[0] ?? NaN)} -> ${n(rss[rss.length - 1] ?? NaN)} MB over the step (max ${n(rss.length > 0 ? Math.max(...rss) : NaN)} MB).` +
          (overload.served
            ? ` As the service saw it (from each request's arrival in Fastify): ${n(overload.served.decided)} decided, ${n(Math.round(overload.served.withinShare * 1000) / 10)} % within 50 ms, ${n(overload.served.late)} answered after BUDGET_TOTAL_MS.`
            : ''),
        '',
      );
    }
  }
  if (r.floor !== null && r.floor !== undefined) {
    const f = r.floor;
    out.push('## Floors: the Kafka path and the HTTP stack alone, with no check run', '');
    out.push(
      "The same loads, run by `load-tests/kafka-floor.ts` (the service's Kafka client, consumer settings and per-partition transactional producers: JSON in, a decision-sized record out, offsets in the same transaction) and `load-tests/http-floor.ts` (NestJS on Fastify with the service's input gate, answering a decision-sized JSON). What the service measures above them is what its checks cost: validation, Redis, rules, the model, metrics.",
      '',
    );
    if (f.replay !== null) out.push('Replay of the same backlog:', '', table(REPLAY_HEAD, [replayRow(f.replay)]), '');
    if (f.steady !== null) {
      out.push('Steady load:', '', steadyTable(f.steady.steps, false), '');
      if (f.steady.notRun.length > 0) out.push(`Not run: ${f.steady.notRun.map((x) => `${n(x)}/s`).join(', ')}.`, '');
    }
    if (f.http !== null) out.push('HTTP:', '', httpTable(f.http), '');
  }
  if (r.stages !== null) {
    out.push('## Stages on their own (medians)', '');
    out.push(
      table(
        ['stage', 'batch', 'ms/batch', 'us/transaction', 'Redis us/script'],
        r.stages.map((s) => [s.stage, s.batch, s.msPerBatch, s.usPerTx, s.redisUsPerScript ?? '']),
      ),
      '',
    );
  }
  if (r.redisBytesPerCard !== null) {
    const b = r.redisBytesPerCard;
    out.push(
      `Redis memory per card after the replay: median ${n(b.medianBytes)} bytes over ${String(b.cardsSampled)} cards (median ${String(b.medianTransactions)} transactions each in the replay).`,
      '',
    );
  }
  if (r.soak) {
    const k = r.soak;
    out.push(
      `## Soak: ${n(k.kafkaRate)} transactions/s on Kafka and ${n(k.httpRate)} requests/s on HTTP, ${n(k.windows[k.windows.length - 1]?.minute ?? 0)} minutes`,
      '',
    );
    const sl = k.slopesPerHour;
    out.push(
      `Slopes per hour (least squares over the windows): service RSS ${n(sl.rssMb)} MB, Redis memory ${n(sl.redisMb)} MB, Kafka p99 ${n(sl.kafkaP99Ms)} ms, HTTP p99 ${n(sl.httpP99Ms)} ms, lag ${n(sl.lagAtEnd)} messages.`,
      '',
    );
    out.push(
      table(
        ['minute', 'Kafka decided / sent', 'Kafka p99 ms', 'lag', 'HTTP answered', 'HTTP non-2xx', 'HTTP p99 ms', 'RSS MB', 'Redis +MB'],
        k.windows.map((w) => [
          w.minute,
          `${n(w.kafkaDecided)} / ${n(w.kafkaSent)}`,
          w.kafkaP99Ms,
          w.lagAtEnd,
          w.httpAnswered,
          w.httpNon2xx,
          w.httpP99Ms,
          w.rssMb,
          w.redisMb,
        ]),
      ),
      '',
    );
  }
  if (r.scaleOut) {
    const so = r.scaleOut;
    const cpuRow = (label: string, c: ClusterCpuPerDecision | null) =>
      c === null
        ? [label, '-', '-', '-']
        : [label, c.instancesUs.map(n).join(' + '), c.redisNodesUs.map(n).join(' + '), c.brokerUs === null ? '-' : n(c.brokerUs)];
    out.push(`## Scale-out: ${String(so.instances)} instances in one consumer group, a Redis Cluster of ${String(so.redisMasters)} masters`, '');
    out.push(
      `Replay of ${n(so.replay.transactions)} transactions: ${n(so.replay.decisionsPerSecond)} decisions/s (${n(so.replay.decisionsPerSecondAfterStart)}/s after start-up), decided ${so.replay.decidedByInstance.map(n).join(' and ')} by the instances.` +
        (so.steady === null
          ? ''
          : ` Steady step at ${n(so.steady.targetRate)}/s: achieved ${n(Math.round(so.steady.achievedRate))}/s, end-to-end p50 ${n(so.steady.endToEndMs.p50)} p99 ${n(so.steady.endToEndMs.p99)} ms, kept up: ${String(so.steady.keptUp)}.`),
      '',
    );
    out.push(
      table(
        ['CPU us per decision of the whole stream', 'each instance', 'each Redis master', 'broker'],
        [cpuRow('replay', so.replay.cpuPerDecision), ...(so.steady === null ? [] : [cpuRow(`steady ${n(so.steady.targetRate)}/s`, so.steady.cpuPerDecision)])],
      ),
      '',
    );
    if (so.failover !== undefined) {
      const f = so.failover;
      out.push(
        `Failover at ${n(f.targetRate)}/s: a master SIGKILLed 3 s into the step, every slot served again after ${n(f.promotedAfterMs)} ms, the dead node then restarted as a replica; end-to-end p50 ${n(f.endToEndMs.p50)} p99 ${n(f.endToEndMs.p99)} max ${n(f.endToEndMs.max)} ms, decided ${n(f.decided)} of ${n(f.sent)}.`,
        '',
      );
    }
  }
  if (r.rebuild) {
    const b = r.rebuild;
    out.push(
      `State rebuilt from the replay's topics (\`npm run rebuild-state\`, into an empty database): ${n(b.transactions)} transactions and ${n(b.restoredDecisions)} stored decisions in ${b.seconds.toFixed(1)} s, ${n(b.transactionsPerSecond)} transactions/s.`,
      '',
    );
  }
  for (const [name, p] of Object.entries(r.profiles ?? {})) {
    out.push(`## CPU profile of the service: ${name} (${String(p.seconds)} s, self time; the run's figures include the profiler)`, '');
    out.push(
      table(
        ['area', '% of samples'],
        p.byArea.filter((a) => a.percent >= 0.5).map((a) => [a.area, a.percent]),
      ),
      '',
    );
    out.push(
      table(
        ['function', '% self'],
        p.topFunctions.map((f) => [`\`${f.fn}\``, f.percent]),
      ),
      '',
      `Profile: \`${p.file}\` (open it in Chrome DevTools or speedscope for the flame graph).`,
      '',
    );
  }
  for (const chart of charts) out.push(`![${chart}](${chart})`);
  return `${out.join('\n')}\n`;
}
