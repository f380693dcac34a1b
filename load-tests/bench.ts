/**
 * `npm run bench [-- --smoke] [--cpu-prof] [--scenarios stages,replay,floor,naive,steady,http,scale-out] [--replay 1000000]
 *   [--rates 1000,5000,10000,20000] [--step-seconds 60] [--http-seconds 20] [--naive 30000]
 *   [--transactions FILE] [--model PATH|none] [--out DIR]`
 *
 * Starts a private Redis and Kafka (or uses BENCH_REDIS_URL / BENCH_KAFKA_BROKERS), runs the
 * built service (dist/) as its own process per scenario, drives it, and writes
 * bench-<time>.json, bench-<time>.md and PNG charts into load-tests/results/.
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem, tmpdir } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { ensureTopics, KAFKA_VERSION } from '../scripts/stack/kafka';
import { freePort, sleep } from '../scripts/stack/process';
import { startServiceProcess, type ServiceProcess } from '../scripts/service-process';
import { startPrivateStack, stopPrivateStack, type TestStack } from '../scripts/stack/stack';
import { clusterOk, roleOf, startPrivateRedisCluster, type RedisCluster } from '../scripts/stack/redis-cluster';
import { rebuildState } from '../scripts/rebuild-state';
import { parseConfig } from '../src/config/config';
import type { Transaction } from '../src/transactions/transaction.schema';
import { writePng } from './lib/charts';
import { openLoop, type OpenLoopResult } from './lib/http-load';
import { groupProgress, kafkaOf, preload, SteadyLoad } from './lib/kafka-load';
import { markdown, type BenchResult, type HttpStep, type ReplayResult, type ScaleOutResult, type SteadyResult, type SteadyStep } from './lib/report';
import { kafkaDecisionsCounted, meansBetween, scrape, scrapeHttpServed, servedBetween } from './lib/service-metrics';
import {
  clusterCpuMark,
  clusterCpuPerDecision,
  cpuMark,
  cpuPerDecision,
  listeningPid,
  redisCommandMark,
  redisCommandsPerDecision,
  type CpuMark,
  type RedisCommandMark,
} from './lib/cpu';
import { summariseProfile } from './lib/profile';
import { stageBenchmarks } from './lib/stages';
import { soakSlopes, type SoakResult, type SoakWindow } from './lib/soak';
import { percentiles } from './lib/stats';
import { cycle, loadTransactions } from './lib/transactions';

const ROOT = resolve(__dirname, '..');
const STALL_MS = 60_000;
/** The event-loop delay the bench's second overload step sheds at (HTTP_SHED_LOOP_DELAY_MS). */
const SHED_LOOP_DELAY_MS = 20;
const list = (s: string) => s.split(',').filter((x) => x !== '');
const numbers = z
  .string()
  .transform((s) => list(s).map(Number))
  .pipe(z.array(z.number().int().min(1)));

const optionsSchema = z.object({
  smoke: z.boolean(),
  cpuProf: z.boolean(),
  scenarios: z
    .string()
    .transform(list)
    .pipe(z.array(z.enum(['replay', 'floor', 'naive', 'steady', 'http', 'stages', 'soak', 'scale-out'])).min(1)),
  replay: z.coerce.number().int().min(100),
  naive: z.coerce.number().int().min(100),
  rates: numbers.refine((xs) => xs.length > 0, 'at least one rate'),
  stepSeconds: z.coerce.number().min(1),
  httpRates: numbers,
  httpSeconds: z.coerce.number().min(1),
  soakMinutes: z.coerce.number().positive(),
  soakWindowSeconds: z.coerce.number().min(1),
  soakRate: z.coerce.number().int().min(1),
  soakHttpRate: z.coerce.number().int().min(1),
  transactions: z.string(),
  model: z.string(),
  out: z.string().min(1),
  dist: z.string().min(1),
});
export type BenchOptions = z.infer<typeof optionsSchema>;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      smoke: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      scenarios: { type: 'string' },
      replay: { type: 'string' },
      naive: { type: 'string' },
      rates: { type: 'string' },
      'step-seconds': { type: 'string' },
      'http-rates': { type: 'string' },
      'http-seconds': { type: 'string' },
      'soak-minutes': { type: 'string' },
      'soak-rate': { type: 'string' },
      'soak-http-rate': { type: 'string' },
      transactions: { type: 'string', default: join(ROOT, '.cache', 'bench', 'sim', 'transactions.jsonl') },
      model: { type: 'string', default: join(ROOT, 'models', 'current', 'model.onnx') },
      out: { type: 'string', default: join(ROOT, 'load-tests', 'results') },
      dist: { type: 'string', default: join(ROOT, 'dist') },
    },
  });
  const smoke = values.smoke;
  // The smoke run proves the harness end to end in seconds; its numbers mean nothing.
  return optionsSchema.parse({
    ...values,
    smoke,
    cpuProf: values['cpu-prof'],
    transactions: smoke ? '' : values.transactions,
    replay: values.replay ?? (smoke ? '2000' : '1000000'),
    naive: values.naive ?? (smoke ? '300' : '30000'),
    rates: values.rates ?? (smoke ? '300' : '1000,5000,10000,20000'),
    stepSeconds: values['step-seconds'] ?? (smoke ? '2' : '60'),
    httpRates: values['http-rates'] ?? (smoke ? '200' : '1000,2000,3000,4000'),
    httpSeconds: values['http-seconds'] ?? (smoke ? '2' : '20'),
    // The soak is long: only by name, except in the smoke run, which proves it in two windows.
    scenarios: values.scenarios ?? (smoke ? 'stages,replay,floor,naive,steady,http,soak,scale-out' : 'stages,replay,floor,naive,steady,http,scale-out'),
    soakMinutes: values['soak-minutes'] ?? (smoke ? '0.1' : '30'),
    soakWindowSeconds: smoke ? '3' : '60',
    soakRate: values['soak-rate'] ?? (smoke ? '200' : '1000'),
    soakHttpRate: values['soak-http-rate'] ?? (smoke ? '50' : '100'),
  });
}

/** Where the bench reports its progress: stderr, or the test's log in the smoke test. */
export interface BenchOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}
// Set by runBench for the run; the scenarios below report through it.
let output: BenchOutput = process.stderr;
const progress = (line: string) => {
  output.write(`${output.isTTY ? '\r\x1b[K' : ''}${line}${output.isTTY ? '' : '\n'}`);
};
const done = (line: string) => {
  output.write(`${output.isTTY ? '\r\x1b[K' : ''}${line}\n`);
};

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${String(pid)}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : Number.NaN;
}

/** Samples a process's RSS every second while it runs. */
class RssSampler {
  readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;
  constructor(pid: number) {
    this.timer = setInterval(() => {
      try {
        const mb = rssMb(pid);
        if (Number.isFinite(mb)) this.samples.push(mb);
      } catch {
        /* the process ended */
      }
    }, 1000);
  }
  stop(): number[] {
    clearInterval(this.timer);
    return this.samples;
  }
}

interface Env {
  readonly redisUrl: string;
  readonly brokers: string[];
  /** The broker's process when it runs on this machine, for its CPU per decision. */
  readonly brokerPid: number | null;
  readonly options: BenchOptions;
  readonly runId: string;
  readonly logDir: string;
}

/**
 * What a bench killed mid-run must not leave behind: the stack's servers run detached (their own
 * process group, so a Ctrl-C does not reach them) and a scenario's service is a child that
 * outlives its parent. The command line kills them on exit and on SIGINT/SIGTERM.
 */
const leftovers: { stack: TestStack | null; services: Set<ServiceProcess> } = { stack: null, services: new Set() };

function killLeftovers(): void {
  for (const service of leftovers.services) service.kill('SIGKILL');
  for (const pid of leftovers.stack?.pids ?? []) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

const profileDir = (env: Env, name: string) => join(env.logDir, `profile-${name}`);

/** A scenario's own topic and group names. */
function scenarioNames(env: Env, name: string) {
  const prefix = `bench-${env.runId}-${name}`;
  return { prefix, topics: { transactions: `${prefix}-transactions`, decisions: `${prefix}-decisions` }, groupId: `${prefix}-group` };
}

/**
 * What a scenario runs: the service, or a floor, the same Kafka path or HTTP stack with no
 * check run (kafka-floor.ts, http-floor.ts): the scenario's figures less the floor's are what
 * the checks cost.
 */
type Program = 'service' | 'kafka-floor' | 'http-floor';

/** One scenario's service: its own topics, consumer group and Redis database state. */
async function startService(
  env: Env,
  name: string,
  extra: Record<string, string>,
  program: Program = 'service',
  /** One of several instances of the scenario (same topics and group): its own log and profile. */
  instance = '',
): Promise<{ service: ServiceProcess; topics: Record<'transactions' | 'decisions', string>; groupId: string }> {
  const { prefix, topics, groupId } = scenarioNames(env, name);
  await ensureTopics(env.brokers, [
    { topic: topics.transactions, numPartitions: 6 },
    { topic: topics.decisions, numPartitions: 6 },
    { topic: `${prefix}-review`, numPartitions: 2 },
    { topic: `${prefix}-dlq`, numPartitions: 1 },
    { topic: `${prefix}-shadow`, numPartitions: 1 },
    { topic: `${prefix}-labels`, numPartitions: 1 },
  ]);
  const redis = new Redis(env.redisUrl);
  await redis.flushdb();
  redis.disconnect();
  const service = await startServiceProcess({
    distDir: env.options.dist,
    // A floor runs from its TypeScript source, through tsx's loader in the same process (the
    // tsx command would put the program in a child, out of the CPU measured by pid).
    ...(program === 'service' ? {} : { args: ['--import', pathToFileURL(require.resolve('tsx')).href, join(ROOT, 'load-tests', `${program}.ts`)] }),
    // The Kafka floor serves no HTTP; the scenario waits for its first commit as for the service.
    ...(program === 'kafka-floor' ? { ready: () => Promise.resolve(true) } : {}),
    logFile: join(env.logDir, `${name}${instance}.log`),
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      PORT: String(await freePort()),
      REDIS_URL: env.redisUrl,
      KAFKA_BROKERS: env.brokers.join(','),
      KAFKA_GROUP_ID: groupId,
      TOPIC_TRANSACTIONS: topics.transactions,
      TOPIC_DECISIONS: topics.decisions,
      TOPIC_REVIEW_QUEUE: `${prefix}-review`,
      TOPIC_DLQ: `${prefix}-dlq`,
      TOPIC_SHADOW: `${prefix}-shadow`,
      TOPIC_LABELS: `${prefix}-labels`,
      MODEL_PATH: env.options.model,
      MODEL_RELOAD_INTERVAL_MS: '0',
      ...extra,
      // V8 writes the profile when the process exits (the scenario stops it with SIGTERM).
      NODE_OPTIONS: [
        process.env.NODE_OPTIONS ?? '',
        process.env.BENCH_SERVICE_NODE_OPTIONS ?? '',
        env.options.cpuProf ? `--cpu-prof --cpu-prof-dir=${profileDir(env, `${name}${instance}`)}` : '',
      ]
        .join(' ')
        .trim(),
    },
  });
  leftovers.services.add(service);
  void service.exited.then(() => leftovers.services.delete(service));
  return { service, topics, groupId };
}

/** The scenario's backlog, in its topic before the service (and startService's other topics) exists. */
async function preloadBacklog(env: Env, name: string, txs: readonly Transaction[]): Promise<ReturnType<typeof kafkaOf>> {
  const kafka = kafkaOf(env.brokers);
  const backlog = scenarioNames(env, name).topics.transactions;
  await ensureTopics(env.brokers, [{ topic: backlog, numPartitions: 6 }]);
  const t0 = Date.now();
  await preload(kafka, backlog, txs, (n) => {
    progress(`[${name}] preloading ${n.toLocaleString('en')}/${txs.length.toLocaleString('en')}`);
  });
  done(`[${name}] preloaded ${txs.length.toLocaleString('en')} transactions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return kafka;
}

/**
 * Polls the group's committed offsets on `topic` each second until they reach its end, calling
 * `onFirstCommit` once, at the first commit (where the CPU window starts); returns the
 * [seconds since `started`, committed] timeline and what `onFirstCommit` gave. A crashed or wedged service would otherwise
 * keep the bench waiting for ever: nothing committed for STALL_MS fails the scenario.
 */
async function untilDrained<T>(
  env: Env,
  name: string,
  admin: ReturnType<ReturnType<typeof kafkaOf>['admin']>,
  groupId: string,
  topic: string,
  started: number,
  onFirstCommit: (committed: number) => Promise<T>,
): Promise<{ timeline: [number, number][]; atFirstCommit: T | null }> {
  const timeline: [number, number][] = [];
  let last = { committed: 0, end: Number.POSITIVE_INFINITY };
  let movedAt = Date.now();
  let atFirstCommit: T | null = null;
  while (last.committed < last.end) {
    await sleep(1000);
    const now = await groupProgress(admin, groupId, topic);
    if (now.committed > last.committed) movedAt = Date.now();
    last = now;
    if (atFirstCommit === null && last.committed > 0) atFirstCommit = await onFirstCommit(last.committed);
    if (Date.now() - movedAt > STALL_MS)
      throw new Error(
        `[${name}] no decision committed for ${String(STALL_MS / 1000)} s at ${String(last.committed)}/${String(last.end)}; see ${join(env.logDir, name)}*.log`,
      );
    const seconds = (Date.now() - started) / 1000;
    timeline.push([seconds, last.committed]);
    const rate = last.committed / seconds;
    progress(
      `[${name}] ${last.committed.toLocaleString('en')}/${last.end.toLocaleString('en')} decided, ${Math.round(rate).toLocaleString('en')}/s, ETA ${rate > 0 ? Math.round((last.end - last.committed) / rate) : '?'} s`,
    );
  }
  return { timeline, atFirstCommit };
}

/** Catch-up: the backlog is in the topic before the service starts; decisions/s until drained. */
async function replay(
  env: Env,
  name: string,
  txs: readonly Transaction[],
  extra: Record<string, string> = {},
  program: Program = 'service',
): Promise<ReplayResult> {
  const kafka = await preloadBacklog(env, name, txs);
  const { service, topics, groupId } = await startService(env, name, extra, program);
  const rss = new RssSampler(service.pid);
  const admin = kafka.admin();
  await admin.connect();
  const redis = new Redis(env.redisUrl);
  const started = Date.now();
  let timeline: [number, number][] = [];
  // CPU from the first commit to the end, the same window as the rate after start-up.
  let cpuFrom: { mark: CpuMark; commands: RedisCommandMark; committed: number } | null = null;
  let cpuTo: CpuMark | null = null;
  let commandsTo: RedisCommandMark | null = null;
  try {
    ({ timeline, atFirstCommit: cpuFrom } = await untilDrained(env, name, admin, groupId, topics.transactions, started, async (committed) => ({
      mark: await cpuMark(service.pid, redis, env.brokerPid),
      commands: await redisCommandMark(redis),
      committed,
    })));
    cpuTo = await cpuMark(service.pid, redis, env.brokerPid);
    commandsTo = await redisCommandMark(redis);
  } finally {
    redis.disconnect();
    await admin.disconnect();
    await service.stop();
  }
  const seconds = (Date.now() - started) / 1000;
  const rssSamples = rss.stop();
  const perSecond = timeline.map(
    ([s, c], i) => [s, i === 0 ? c / s : (c - (timeline[i - 1]?.[1] ?? 0)) / (s - (timeline[i - 1]?.[0] ?? 0))] as [number, number],
  );
  // The rate once deciding began, without the service's start-up (model load, group join, fencing).
  const first = timeline.find(([, c]) => c > 0) ?? [0, 0];
  const afterStart = first[0] < seconds ? Math.round((txs.length - first[1]) / (seconds - first[0])) : Number.NaN;
  const result: ReplayResult = {
    transactions: txs.length,
    seconds,
    decisionsPerSecond: Math.round(txs.length / seconds),
    decisionsPerSecondAfterStart: afterStart,
    rssMb: percentiles(rssSamples),
    perSecond,
    cpuPerDecision: cpuFrom !== null ? cpuPerDecision(cpuFrom.mark, cpuTo, txs.length - cpuFrom.committed) : null,
    ...(cpuFrom !== null ? { redisCommands: redisCommandsPerDecision(cpuFrom.commands, commandsTo, txs.length - cpuFrom.committed) } : {}),
  };
  done(
    `[${name}] ${txs.length.toLocaleString('en')} decided in ${seconds.toFixed(1)} s: ${result.decisionsPerSecond.toLocaleString('en')}/s, RSS max ${String(result.rssMb.max)} MB, CPU per decision ${String(result.cpuPerDecision?.serviceUs ?? '-')} us service, ${String(result.cpuPerDecision?.redisUs ?? '-')} us Redis, ${String(result.cpuPerDecision?.brokerUs ?? '-')} us broker`,
  );
  return result;
}

/** Live-shaped traffic from the simulator's cards: a fresh id and event time = now per send. */
function liveTraffic(source: readonly Transaction[], count: number, tag: string): Transaction[] {
  const now = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const tx = cycle(source, i);
    return { ...tx, transactionId: `${tx.transactionId}-${tag}-${String(i)}`, occurredAt: now };
  });
}

async function steady(env: Env, source: readonly Transaction[], name = 'steady', program: Program = 'service'): Promise<SteadyResult> {
  const { service, topics } = await startService(env, name, {}, program);
  // Only the service has metrics to read; a floor's steps have no stage means.
  const stages = program === 'service' ? () => scrape(service.baseUrl) : () => Promise.resolve(null);
  const rss = new RssSampler(service.pid);
  const redis = new Redis(env.redisUrl);
  const load = await SteadyLoad.start(kafkaOf(env.brokers), topics.decisions);
  const steps: SteadyStep[] = [];
  const notRun: number[] = [];
  try {
    // Warm-up, not recorded: the first batches pay for fencing the partitions' producers, JIT
    // and the model's first runs, which is start-up and not steady state.
    const warmRate = env.options.rates[0] ?? 1000;
    const warmSeconds = env.options.smoke ? 1 : 10;
    await load.step(topics.transactions, liveTraffic(source, warmRate * warmSeconds, 'warm'), warmRate, warmSeconds, (sent, decided) => {
      progress(`[${name} warm-up ${warmRate.toLocaleString('en')}/s] sent ${sent.toLocaleString('en')}, decided ${decided.toLocaleString('en')}`);
    });
    for (const rate of env.options.rates) {
      const before = await stages();
      const cpuBefore = await cpuMark(service.pid, redis, env.brokerPid);
      const txs = liveTraffic(source, Math.round(rate * env.options.stepSeconds), `s${String(rate)}`);
      // Event time is the send time: the live path, not a replay of history.
      const step = await load.step(topics.transactions, txs, rate, env.options.stepSeconds, (sent, decided) => {
        progress(`[${name} ${rate.toLocaleString('en')}/s] sent ${sent.toLocaleString('en')}, decided ${decided.toLocaleString('en')}`);
      });
      const after = await stages();
      const stageMeanMs = before !== null && after !== null ? meansBetween(before, after) : {};
      steps.push({ ...step, stageMeanMs, cpuPerDecision: cpuPerDecision(cpuBefore, await cpuMark(service.pid, redis, env.brokerPid), step.decided) });
      done(
        `[${name} ${rate.toLocaleString('en')}/s] achieved ${Math.round(step.achievedRate).toLocaleString('en')}/s, e2e p50 ${String(step.endToEndMs.p50)} p99 ${String(step.endToEndMs.p99)} max ${String(step.endToEndMs.max)} ms, lag at end ${String(step.lagAtEnd)}, kept up: ${String(step.keptUp)}`,
      );
      // A higher rate can only fall further behind, on top of this step's backlog.
      if (!step.keptUp) {
        notRun.push(...env.options.rates.filter((r) => r > rate));
        if (notRun.length > 0)
          done(`[${name}] ${rate.toLocaleString('en')}/s did not keep up: ${notRun.map((r) => `${r.toLocaleString('en')}/s`).join(', ')} not run`);
        break;
      }
    }
  } finally {
    redis.disconnect();
    await load.stop();
    await service.stop();
  }
  return { steps, notRun, rssMb: percentiles(rss.stop()) };
}

const SCALE_OUT_INSTANCES = 2;
/** The failover step: long enough for the node timeout (2 s), the promotion and the dead node's return as a replica. */
const FAILOVER_STEP_SECONDS = 20;
const FAILOVER_KILL_AFTER_MS = 3000;

/**
 * A steady step during which one master is SIGKILLed: its replica is promoted after the node
 * timeout, the dead node is started again and rejoins as its replica (until then the promoted
 * master has none, and with REDIS_WAIT_REPLICAS=1 the Kafka path waits, as it is built to). The
 * latency measures what a failover costs the stream; nothing here is asserted.
 */
async function failoverStep(
  cluster: RedisCluster,
  load: SteadyLoad,
  topic: string,
  txs: readonly Transaction[],
  rate: number,
): Promise<NonNullable<ScaleOutResult['failover']>> {
  const mastersBefore = new Set(cluster.members.filter((m) => roleOf(m.port) === 'master').map((m) => m.port));
  const victim = cluster.members.find((m) => mastersBefore.has(m.port));
  if (victim === undefined) throw new Error('the cluster has no master to kill');
  const fault = (async () => {
    await sleep(FAILOVER_KILL_AFTER_MS);
    process.kill(victim.pid, 'SIGKILL');
    const t0 = Date.now();
    // Failed over: a replica promoted in the victim's place, and every slot served again.
    const promoted = () => cluster.members.some((m) => !mastersBefore.has(m.port) && roleOf(m.port) === 'master' && clusterOk(m.port));
    while (!promoted()) await sleep(100);
    const promotedMs = Date.now() - t0;
    await cluster.restart(victim.port);
    return promotedMs;
  })();
  const step = await load.step(topic, txs, rate, FAILOVER_STEP_SECONDS, (sent, decided) => {
    progress(`[scale-out failover ${rate.toLocaleString('en')}/s] sent ${sent.toLocaleString('en')}, decided ${decided.toLocaleString('en')}`);
  });
  return { targetRate: rate, sent: step.sent, decided: step.decided, endToEndMs: step.endToEndMs, keptUp: step.keptUp, promotedAfterMs: await fault };
}

/**
 * Scale-out: two instances in one consumer group on a private Redis Cluster of three masters
 * with a replica each (REDIS_WAIT_REPLICAS 1, so each batch waits for its replicas as a
 * durable cluster would run), the replay and then one steady step. On this machine's two cores
 * throughput measures contention; CPU per decision of each process is the figure that carries
 * to a machine per process.
 */
async function scaleOut(env: Env, txs: readonly Transaction[], live: readonly Transaction[]): Promise<ScaleOutResult> {
  const name = 'scale-out';
  done(`[${name}] starting a Redis Cluster of 3 masters with a replica each`);
  const cluster = await startPrivateRedisCluster(`fraud-bench-${env.runId}-cluster`);
  const masterNodes = cluster.members.filter((m) => roleOf(m.port) === 'master').sort((a, b) => a.port - b.port);
  // The failover step kills one of them: its client's reconnect errors are expected, not news.
  const masters = masterNodes.map((m) => new Redis(m.port, '127.0.0.1').on('error', () => undefined));
  const services: ServiceProcess[] = [];
  const admin = kafkaOf(env.brokers).admin();
  try {
    const kafka = await preloadBacklog(env, name, txs);
    const extra = { REDIS_CLUSTER_NODES: cluster.nodes, REDIS_WAIT_REPLICAS: '1' };
    for (let i = 0; i < SCALE_OUT_INSTANCES; i++) services.push((await startService(env, name, extra, 'service', `-${String(i + 1)}`)).service);
    const { topics, groupId } = scenarioNames(env, name);
    const pids = services.map((s) => s.pid);
    await admin.connect();
    const started = Date.now();
    const { atFirstCommit: from } = await untilDrained(env, name, admin, groupId, topics.transactions, started, async (committed) => ({
      mark: await clusterCpuMark(pids, masters, env.brokerPid),
      committed,
      at: Date.now(),
    }));
    const seconds = (Date.now() - started) / 1000;
    const replayCpu = from === null ? null : clusterCpuPerDecision(from.mark, await clusterCpuMark(pids, masters, env.brokerPid), txs.length - from.committed);
    const replayed: ScaleOutResult['replay'] = {
      transactions: txs.length,
      seconds,
      decisionsPerSecond: Math.round(txs.length / seconds),
      decisionsPerSecondAfterStart: from === null ? Number.NaN : Math.round((txs.length - from.committed) / ((Date.now() - from.at) / 1000)),
      decidedByInstance: await Promise.all(services.map((service) => kafkaDecisionsCounted(service.baseUrl))),
      cpuPerDecision: replayCpu,
    };
    done(
      `[${name}] replay: ${replayed.decisionsPerSecond.toLocaleString('en')}/s; CPU per decision: instances ${replayCpu?.instancesUs.join(' + ') ?? '-'} us, Redis masters ${replayCpu?.redisNodesUs.join(' + ') ?? '-'} us, broker ${String(replayCpu?.brokerUs ?? '-')} us`,
    );

    const rate = env.options.rates[0] ?? 1000;
    const load = await SteadyLoad.start(kafka, topics.decisions);
    try {
      const before = await clusterCpuMark(pids, masters, env.brokerPid);
      const step = await load.step(
        topics.transactions,
        liveTraffic(live, Math.round(rate * env.options.stepSeconds), 'so'),
        rate,
        env.options.stepSeconds,
        (sent, decided) => {
          progress(`[${name} ${rate.toLocaleString('en')}/s] sent ${sent.toLocaleString('en')}, decided ${decided.toLocaleString('en')}`);
        },
      );
      const cpu = clusterCpuPerDecision(before, await clusterCpuMark(pids, masters, env.brokerPid), step.decided);
      done(
        `[${name} ${rate.toLocaleString('en')}/s] achieved ${Math.round(step.achievedRate).toLocaleString('en')}/s, e2e p99 ${String(step.endToEndMs.p99)} ms; CPU per decision: instances ${cpu.instancesUs.join(' + ')} us, Redis masters ${cpu.redisNodesUs.join(' + ')} us, broker ${String(cpu.brokerUs ?? '-')} us`,
      );
      const failover = await failoverStep(cluster, load, topics.transactions, liveTraffic(live, Math.round(rate * FAILOVER_STEP_SECONDS), 'fo'), rate);
      done(
        `[${name} failover at ${rate.toLocaleString('en')}/s] a master SIGKILLed after ${String(FAILOVER_KILL_AFTER_MS / 1000)} s, slots served again after ${String(failover.promotedAfterMs)} ms: e2e p50 ${String(failover.endToEndMs.p50)} p99 ${String(failover.endToEndMs.p99)} max ${String(failover.endToEndMs.max)} ms, decided ${failover.decided.toLocaleString('en')}/${failover.sent.toLocaleString('en')}`,
      );
      return {
        instances: services.length,
        redisMasters: masters.length,
        replay: replayed,
        steady: {
          targetRate: rate,
          sent: step.sent,
          decided: step.decided,
          achievedRate: step.achievedRate,
          endToEndMs: step.endToEndMs,
          keptUp: step.keptUp,
          cpuPerDecision: cpu,
        },
        failover,
      };
    } finally {
      await load.stop();
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
    await Promise.all(services.map((s) => s.stop()));
    for (const m of masters) m.disconnect();
    await cluster.stop();
  }
}

async function http(env: Env, source: readonly Transaction[], name = 'http', program: Program = 'service'): Promise<HttpStep[]> {
  const { service } = await startService(env, name, { KAFKA_CONSUMER_ENABLED: 'false' }, program);
  const steps: HttpStep[] = [];
  const redis = new Redis(env.redisUrl);
  const url = `${service.baseUrl}/v1/decisions`;
  const body = httpBodies(source, 'h');
  /** The closed-loop maximum, once measured: the overload steps offer twice it. */
  let max = 0;
  // Fixed rates are an open loop (lib/http-load.ts); the maximum is autocannon's closed loop,
  // 64 connections each sending as soon as its previous answer arrives.
  const step = async (
    rate: number,
    seconds: number,
    connections = 64,
  ): Promise<Omit<HttpStep, 'target' | 'cpuPerDecision' | 'generatorUsPerRequest'> & { total: number }> => {
    if (rate > 0) {
      return openLoopFigures(await openLoop({ url, rate, seconds, connections, body }));
    }
    const r = await autocannon({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      connections: 64,
      duration: seconds,
      requests: [{ setupRequest: (req) => ({ ...req, body: body() }) }],
    });
    return {
      requestsPerSecond: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      max: r.latency.max,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      total: r.requests.total,
    };
  };
  try {
    // Warm-up, not recorded, as for the steady load: the first step otherwise carries the JIT
    // and the model's first runs.
    const warmRate = env.options.httpRates[0] ?? 1000;
    const warmSeconds = env.options.smoke ? 1 : 5;
    progress(`[${name} warm-up ${warmRate.toLocaleString('en')}/s for ${String(warmSeconds)} s]`);
    await step(warmRate, warmSeconds);
    const measure = async (label: string, rate: number, rss: RssSampler | null, connections?: number): Promise<HttpStep> => {
      const cpuBefore = await cpuMark(service.pid, redis, null);
      const generatorBefore = process.cpuUsage();
      const { total, ...result } = await step(rate, env.options.httpSeconds, connections);
      const generator = process.cpuUsage(generatorBefore);
      const measured: HttpStep = {
        target: label,
        ...result,
        cpuPerDecision: cpuPerDecision(cpuBefore, await cpuMark(service.pid, redis, null), total),
        // The load generator runs in this process, on the same cores: what the load itself costs.
        generatorUsPerRequest: Math.round((generator.user + generator.system) / Math.max(1, total)),
        ...(rss === null ? {} : { rssMb: rss.stop() }),
      };
      steps.push(measured);
      done(
        `[${name} ${label}] ${measured.requestsPerSecond.toLocaleString('en')} req/s, p50 ${String(measured.p50)} ms, p99 ${String(measured.p99)} ms, non-2xx ${String(measured.non2xx)}, errors ${String(measured.errors)}, CPU per request ${String(measured.cpuPerDecision.serviceUs)} us service, ${String(measured.cpuPerDecision.redisUs)} us Redis, ${String(measured.generatorUsPerRequest)} us load generator`,
      );
      return measured;
    };
    for (const rate of [...env.options.httpRates, 0]) {
      const measured = await measure(rate === 0 ? 'max' : `${String(rate)}/s`, rate, null);
      if (rate === 0) max = measured.requestsPerSecond;
    }
    // Twice the maximum just measured, offered open-loop over 1,024 connections (twice the
    // default HTTP_MAX_IN_FLIGHT, as many callers as a gateway might hold open): the budget
    // from arrival and the in-flight bound must keep the answered requests' latency bounded and
    // shed the rest with 503 OVERLOADED, with memory flat. The floors have no bound and skip it.
    if (program === 'service' && max > 0) {
      const before = await scrapeHttpServed(service.baseUrl);
      const measured = await measure(`overload 2x max (${String(2 * max)}/s offered)`, 2 * max, new RssSampler(service.pid), 1024);
      // The service's own view (from each request's arrival in Fastify): the client's figures
      // above also hold the time a request waited on this box's saturated cores before arriving.
      const served = servedBetween(before, await scrapeHttpServed(service.baseUrl), 0.05);
      steps[steps.length - 1] = { ...measured, served };
      done(`[${name} overload] ${servedLine(served)}`);
    }
  } finally {
    redis.disconnect();
    await service.stop();
  }
  // The same overload on a service that sheds on event-loop delay (HTTP_SHED_LOOP_DELAY_MS,
  // off by default): the two overload steps side by side are what that setting buys.
  if (program === 'service' && max > 0) steps.push(await shedOverload(env, source, `${name}-shed`, 2 * max));
  return steps;
}

/** HTTP request bodies cycling over `source`, each with a fresh id (`-<tag><n>`) and event time = now. */
function httpBodies(source: readonly Transaction[], tag: string): () => string {
  let n = 0;
  return () => {
    const tx = cycle(source, n);
    n += 1;
    return JSON.stringify({ ...tx, transactionId: `${tx.transactionId}-${tag}${String(n)}`, occurredAt: new Date().toISOString() });
  };
}

/** An open-loop step's figures as an HttpStep holds them, and the requests it sent. */
function openLoopFigures(r: OpenLoopResult): Omit<HttpStep, 'target' | 'cpuPerDecision' | 'generatorUsPerRequest'> & { total: number } {
  return {
    requestsPerSecond: Math.round(r.achievedRate),
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    max: r.latencyMs.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    total: r.sent,
    statuses: r.statuses,
    okLatencyMs: { p50: r.okLatencyMs.p50, p99: r.okLatencyMs.p99, max: r.okLatencyMs.max },
  };
}

const servedLine = (served: NonNullable<HttpStep['served']>) =>
  `the service decided ${served.decided.toLocaleString('en')}, ${String(Math.round(served.withinShare * 1000) / 10)} % within 50 ms of arrival; ${served.late.toLocaleString('en')} answered after BUDGET_TOTAL_MS`;

async function shedOverload(env: Env, source: readonly Transaction[], name: string, offered: number): Promise<HttpStep> {
  const { service } = await startService(env, name, { KAFKA_CONSUMER_ENABLED: 'false', HTTP_SHED_LOOP_DELAY_MS: String(SHED_LOOP_DELAY_MS) });
  const url = `${service.baseUrl}/v1/decisions`;
  const body = httpBodies(source, 's');
  try {
    await openLoop({ url, rate: env.options.httpRates[0] ?? 1000, seconds: env.options.smoke ? 1 : 5, connections: 64, body });
    const before = await scrapeHttpServed(service.baseUrl);
    const rss = new RssSampler(service.pid);
    const { total, ...figures } = openLoopFigures(await openLoop({ url, rate: offered, seconds: env.options.httpSeconds, connections: 1024, body }));
    const served = servedBetween(before, await scrapeHttpServed(service.baseUrl), 0.05);
    const step: HttpStep = {
      target: `overload 2x max, shedding at ${String(SHED_LOOP_DELAY_MS)} ms loop delay (${String(offered)}/s offered)`,
      ...figures,
      cpuPerDecision: { serviceUs: Number.NaN, redisUs: Number.NaN, brokerUs: null },
      generatorUsPerRequest: Number.NaN,
      rssMb: rss.stop(),
      served,
    };
    done(
      `[${name}] ${String(offered)}/s offered (${String(total)} sent): ${step.requestsPerSecond.toLocaleString('en')} req/s answered, 2xx p99 ${String(step.okLatencyMs?.p99)} ms, statuses ${JSON.stringify(step.statuses)}; ${servedLine(served)}`,
    );
    return step;
  } finally {
    await service.stop();
  }
}

/**
 * The soak: SOAK_RATE transactions/s on Kafka and SOAK_HTTP_RATE requests/s on HTTP at once,
 * for SOAK_MINUTES, in windows of a minute; per window the Kafka and HTTP p99, the lag, the
 * service's RSS and Redis's memory, and each series' slope per hour.
 */
async function soak(env: Env, source: readonly Transaction[]): Promise<SoakResult> {
  const name = 'soak';
  const { service, topics } = await startService(env, name, {});
  const redis = new Redis(env.redisUrl);
  const usedMb = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN) / 1024 ** 2;
  const load = await SteadyLoad.start(kafkaOf(env.brokers), topics.decisions);
  const url = `${service.baseUrl}/v1/decisions`;
  const { soakRate, soakHttpRate, soakWindowSeconds: windowSeconds } = env.options;
  const count = Math.max(2, Math.round((env.options.soakMinutes * 60) / windowSeconds));
  const windows: SoakWindow[] = [];
  const body = httpBodies(source, 'soak-h');
  try {
    const redisAtStart = await usedMb();
    const started = Date.now();
    for (let i = 0; i < count; i++) {
      const [kafka, http] = await Promise.all([
        load.step(topics.transactions, liveTraffic(source, soakRate * windowSeconds, `soak${String(i)}`), soakRate, windowSeconds, (sent, decided) => {
          progress(`[${name} window ${String(i + 1)}/${String(count)}] sent ${sent.toLocaleString('en')}, decided ${decided.toLocaleString('en')}`);
        }),
        openLoop({ url, rate: soakHttpRate, seconds: windowSeconds, connections: 16, body }),
      ]);
      const w: SoakWindow = {
        minute: Math.round(((Date.now() - started) / 60_000) * 100) / 100,
        kafkaSent: kafka.sent,
        kafkaDecided: kafka.decided,
        kafkaP99Ms: kafka.endToEndMs.p99,
        lagAtEnd: kafka.lagAtEnd,
        httpAnswered: http.sent - http.errors - http.timeouts,
        httpNon2xx: http.non2xx,
        httpP99Ms: http.latencyMs.p99,
        rssMb: rssMb(service.pid),
        redisMb: Math.round((await usedMb()) - redisAtStart),
      };
      windows.push(w);
      done(
        `[${name} ${String(w.minute)} min] Kafka ${w.kafkaDecided.toLocaleString('en')}/${w.kafkaSent.toLocaleString('en')} p99 ${String(w.kafkaP99Ms)} ms lag ${String(w.lagAtEnd)}; HTTP p99 ${String(w.httpP99Ms)} ms non-2xx ${String(w.httpNon2xx)}; RSS ${String(w.rssMb)} MB, Redis +${String(w.redisMb)} MB`,
      );
    }
  } finally {
    redis.disconnect();
    await load.stop();
    await service.stop();
  }
  return { kafkaRate: soakRate, httpRate: soakHttpRate, windowSeconds, windows, slopesPerHour: soakSlopes(windows) };
}

function versions(): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const redisVersion = (() => {
    try {
      return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim().split(' ')[2] ?? '?';
    } catch {
      return '?';
    }
  })();
  return { node: process.version, redis: redisVersion, kafka: KAFKA_VERSION, ...pkg.dependencies };
}

export async function runBench(options: BenchOptions, out: BenchOutput = process.stderr): Promise<{ json: string; md: string; result: BenchResult }> {
  output = out;
  if (!existsSync(join(options.dist, 'main.js'))) throw new Error(`${options.dist}/main.js is missing: npm run build`);
  const runId = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  const logDir = join(tmpdir(), `fraud-bench-${runId}`);
  mkdirSync(logDir, { recursive: true });
  mkdirSync(options.out, { recursive: true });
  if (!options.smoke && !existsSync(options.transactions)) {
    done(`simulating the bench's history into ${options.transactions} (seeded, ~20 s)`);
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        join(ROOT, 'models', 'simulator', 'simulate.ts'),
        '--out',
        resolve(options.transactions, '..'),
        '--days',
        '70',
        '--customers',
        '10000',
      ],
      { stdio: 'inherit' },
    );
  }
  const needed = Math.max(
    options.scenarios.includes('replay') || options.scenarios.includes('floor') ? options.replay : 0,
    options.scenarios.includes('naive') ? options.naive : 0,
    20_000,
  );
  let txs = await loadTransactions(options.smoke ? null : options.transactions, options.smoke ? Math.max(options.replay, options.naive) : needed);

  let stack: TestStack | null = null;
  const external = process.env.BENCH_REDIS_URL !== undefined && process.env.BENCH_KAFKA_BROKERS !== undefined;
  if (!external) {
    done('starting a private Redis and Kafka for the bench');
    stack = await startPrivateStack(join(ROOT, '.cache', 'bench', 'stack'), []);
    leftovers.stack = stack;
  }
  const redisBase = external ? (process.env.BENCH_REDIS_URL ?? '') : (stack?.redisUrl ?? '');
  // A database of its own: the bench flushes it between scenarios.
  const brokers = (external ? (process.env.BENCH_KAFKA_BROKERS ?? '') : (stack?.kafkaBrokers ?? '')).split(',');
  // The private stack's broker is known; a reused one is found by its port when it is local.
  const brokerPort = /^(?:127\.0\.0\.1|localhost):(\d+)$/.exec(brokers[0] ?? '')?.[1];
  const brokerPid = stack !== null ? (stack.pids[1] ?? null) : brokerPort !== undefined && brokers.length === 1 ? listeningPid(Number(brokerPort)) : null;
  const env: Env = { redisUrl: `${redisBase.replace(/\/\d*$/, '')}/7`, brokers, brokerPid, options, runId, logDir };
  const model = options.model === 'none' ? null : options.model;
  const result: BenchResult = {
    startedAt: new Date().toISOString(),
    smoke: options.smoke,
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? '?', memoryGb: Math.round(totalmem() / 1024 ** 3) },
    versions: versions(),
    config: {
      model: model === null ? 'none' : model.replace(`${ROOT}/`, ''),
      transactions: options.smoke ? 'generated' : options.transactions.replace(`${ROOT}/`, ''),
      partitions: 6,
      microBatch: 200,
      concurrentPartitions: 6,
      exactlyOnce: true,
    },
    load: {
      replay: options.replay,
      naive: options.naive,
      rates: options.rates,
      stepSeconds: options.stepSeconds,
      httpRates: options.httpRates,
      httpSeconds: options.httpSeconds,
    },
    stages: null,
    replay: null,
    floor: null,
    naive: null,
    steady: null,
    http: null,
    redisBytesPerCard: null,
    rebuild: null,
    soak: null,
    scaleOut: null,
    profiles: null,
    errors: {},
  };
  // A scenario that fails is recorded and the others still run: a long run is not lost to one.
  const attempt = async (name: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      result.errors[name] = message;
      done(`[${name}] failed: ${message}`);
    }
  };
  try {
    if (options.scenarios.includes('stages')) {
      await attempt('stages', async () => {
        done('[stages] parse, Redis, rules, model per batch size');
        result.stages = await stageBenchmarks(txs.slice(0, options.smoke ? 2000 : 20_000), env.redisUrl, model, done);
      });
    }
    if (options.scenarios.includes('replay')) {
      await attempt('replay', async () => {
        result.replay = await replay(env, 'replay', txs.slice(0, options.replay));
        result.redisBytesPerCard = await bytesPerCard(env.redisUrl, txs.slice(0, options.replay));
        result.rebuild = await rebuild(env, 'replay');
      });
    }
    // The floors, beside the scenarios they bound: the replay's backlog now, while the whole
    // history is loaded; the steady and HTTP floors after their scenarios.
    const floor: NonNullable<BenchResult['floor']> = { replay: null, steady: null, http: null };
    if (options.scenarios.includes('floor')) {
      result.floor = floor;
      await attempt('floor-replay', async () => {
        floor.replay = await replay(env, 'floor-replay', txs.slice(0, options.replay), {}, 'kafka-floor');
      });
    }
    if (options.scenarios.includes('naive')) {
      await attempt('naive', async () => {
        const slice = txs.slice(0, options.naive);
        const batched = await replay(env, 'naive-batched', slice);
        const perMessage = await replay(env, 'naive-per-message', slice, { KAFKA_PROCESSING: 'per-message' });
        const ratio = (a: number, b: number) => Math.round((a / b) * 10) / 10;
        result.naive = { transactions: slice.length, batched, perMessage, ratio: ratio(batched.decisionsPerSecond, perMessage.decisionsPerSecond) };
      });
    }
    // The scale-out replays the same history as the replay, so the two compare.
    const scaleOutBacklog = options.scenarios.includes('scale-out') ? txs.slice(0, options.replay) : [];
    // Live traffic cycles over the first 20,000: let the replay's million go, so the load
    // generator's own garbage collection does not weigh on the latency it measures.
    txs = txs.slice(0, 20_000);
    if (options.scenarios.includes('steady'))
      await attempt('steady', async () => {
        result.steady = await steady(env, txs);
      });
    if (options.scenarios.includes('http'))
      await attempt('http', async () => {
        result.http = await http(env, txs);
      });
    if (options.scenarios.includes('soak'))
      await attempt('soak', async () => {
        result.soak = await soak(env, txs);
      });
    if (options.scenarios.includes('scale-out'))
      await attempt('scale-out', async () => {
        result.scaleOut = await scaleOut(env, scaleOutBacklog, txs);
      });
    if (options.scenarios.includes('floor')) {
      await attempt('floor-steady', async () => {
        floor.steady = await steady(env, txs, 'floor-steady', 'kafka-floor');
      });
      await attempt('floor-http', async () => {
        floor.http = await http(env, txs, 'floor-http', 'http-floor');
      });
    }
  } finally {
    if (stack !== null) {
      await stopPrivateStack(stack);
      leftovers.stack = null;
    }
  }
  if (options.cpuProf) {
    result.profiles = {};
    for (const name of ['replay', 'naive-batched', 'naive-per-message', 'steady', 'http']) {
      const summary = existsSync(profileDir(env, name)) ? summariseProfile(profileDir(env, name)) : null;
      if (summary !== null) result.profiles[name] = summary;
    }
  }

  const base = join(options.out, `bench-${options.smoke ? 'smoke-' : ''}${runId}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const charts = writeCharts(base, result);
  const md = markdown(
    result,
    charts.map((c) => c.replace(`${options.out}/`, '')),
  );
  writeFileSync(`${base}.md`, md);
  done(`results: ${base}.json, ${base}.md${charts.length > 0 ? `, ${charts.join(', ')}` : ''} (service logs in ${logDir})`);
  return { json: `${base}.json`, md: `${base}.md`, result };
}

/** The state of scenario `name`'s topics rebuilt into an empty database of its own (8), timed. */
async function rebuild(env: Env, name: string): Promise<NonNullable<BenchResult['rebuild']>> {
  const { prefix, topics, groupId } = scenarioNames(env, name);
  const redisUrl = env.redisUrl.replace(/\/\d*$/, '/8');
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
  const config = parseConfig({
    LOG_LEVEL: 'warn',
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: env.brokers.join(','),
    KAFKA_GROUP_ID: groupId,
    TOPIC_TRANSACTIONS: topics.transactions,
    TOPIC_DECISIONS: topics.decisions,
    TOPIC_LABELS: `${prefix}-labels`,
  });
  const summary = await rebuildState(config, 0);
  const result = {
    transactions: summary.transactions,
    restoredDecisions: summary.restoredDecisions,
    seconds: summary.seconds,
    transactionsPerSecond: Math.round(summary.transactions / summary.seconds),
  };
  done(
    `[rebuild] ${result.transactions.toLocaleString('en')} transactions and ${result.restoredDecisions.toLocaleString('en')} stored decisions rebuilt in ${result.seconds.toFixed(1)} s: ${result.transactionsPerSecond.toLocaleString('en')}/s`,
  );
  return result;
}

/** Median MEMORY USAGE of the replayed cards' keys, over a sample of cards. */
async function bytesPerCard(redisUrl: string, txs: readonly Transaction[]): Promise<{ medianBytes: number; cardsSampled: number; medianTransactions: number }> {
  const counts = new Map<string, number>();
  for (const tx of txs) counts.set(tx.cardId, (counts.get(tx.cardId) ?? 0) + 1);
  const cards = [...counts.keys()].slice(0, 300);
  const redis = new Redis(redisUrl);
  try {
    const bytes: number[] = [];
    for (const card of cards) {
      const sizes = await Promise.all(['e', 'p', 's', 'l'].map((k) => redis.memory('USAGE', `fd:c:{${card}}:${k}`)));
      bytes.push(sizes.reduce<number>((sum, b) => sum + (b ?? 0), 0));
    }
    return { medianBytes: percentiles(bytes).p50, cardsSampled: cards.length, medianTransactions: percentiles(cards.map((c) => counts.get(c) ?? 0)).p50 };
  } finally {
    redis.disconnect();
  }
}

/**
 * Committed offsets move in steps (one Kafka batch of thousands at a time), so a per-second
 * rate swings between 0 and twice the mean; the chart shows the rate over the last `window`
 * samples.
 */
function movingRate(perSecond: readonly (readonly [number, number])[], window: number): [number, number][] {
  const cumulative: [number, number][] = [];
  let total = 0;
  let previous = 0;
  for (const [s, rate] of perSecond) {
    total += rate * (s - previous);
    previous = s;
    cumulative.push([s, total]);
  }
  return cumulative.map(([s, c], i) => {
    const [s0, c0] = i >= window ? (cumulative[i - window] ?? [0, 0]) : [0, 0];
    return [s, s > s0 ? Math.round((c - c0) / (s - s0)) : 0];
  });
}

/** `--report FILE.json`: writes the Markdown and charts of an earlier run again. */
function rerender(json: string): void {
  const result = JSON.parse(readFileSync(json, 'utf8')) as BenchResult;
  // Absolute, so the charts' links are made relative to the report's own directory.
  const base = resolve(json).replace(/\.json$/, '');
  const dir = resolve(json, '..');
  const charts = writeCharts(base, result);
  writeFileSync(
    `${base}.md`,
    markdown(
      result,
      charts.map((c) => c.replace(`${dir}/`, '')),
    ),
  );
  done(`rewrote ${base}.md${charts.length > 0 ? `, ${charts.join(', ')}` : ''}`);
}

function writeCharts(base: string, result: BenchResult): string[] {
  const written: string[] = [];
  if (result.steady !== null) {
    const steps = result.steady.steps;
    writePng(`${base}-steady-latency.png`, {
      title: 'Kafka end-to-end latency per load step',
      xLabel: 'offered load (transactions/s)',
      yLabel: 'latency (ms)',
      markers: true,
      series: (['p50', 'p95', 'p99'] as const).map((q) => ({ name: q, points: steps.map((s) => [s.targetRate, s.endToEndMs[q]] as const) })),
    });
    written.push(`${base}-steady-latency.png`);
  }
  const replays = [
    ['replay', result.replay],
    ['Kafka floor', result.floor?.replay ?? null],
    ['batched', result.naive?.batched ?? null],
    ['per-message', result.naive?.perMessage ?? null],
  ] as const;
  const series = replays.filter(([, r]) => r !== null).map(([name, r]) => ({ name, points: movingRate(r?.perSecond ?? [], 5) }));
  if (series.length > 0) {
    writePng(`${base}-throughput.png`, {
      title: 'Catch-up throughput over time (exactly-once on, 5 s moving average)',
      xLabel: 'seconds since the service started',
      yLabel: 'decisions/s',
      series,
    });
    written.push(`${base}-throughput.png`);
  }
  if (result.http !== null) {
    const fixed = result.http.filter((s) => s.target !== 'max' && !s.target.startsWith('overload'));
    writePng(`${base}-http-latency.png`, {
      title: 'HTTP POST /v1/decisions latency per rate',
      xLabel: 'requests/s achieved',
      yLabel: 'latency (ms)',
      markers: true,
      series: (['p50', 'p99'] as const).map((q) => ({ name: q, points: fixed.map((s) => [s.requestsPerSecond, s[q]] as const) })),
    });
    written.push(`${base}-http-latency.png`);
  }
  if (result.soak) {
    const w = result.soak.windows;
    writePng(`${base}-soak.png`, {
      title: `Soak: ${String(result.soak.kafkaRate)}/s on Kafka and ${String(result.soak.httpRate)}/s on HTTP`,
      xLabel: 'minutes',
      yLabel: 'MB / ms / messages',
      markers: w.length < 20,
      series: [
        { name: 'service RSS (MB)', points: w.map((x) => [x.minute, x.rssMb] as const) },
        { name: 'Redis memory (+MB)', points: w.map((x) => [x.minute, x.redisMb] as const) },
        { name: 'Kafka p99 (ms)', points: w.map((x) => [x.minute, x.kafkaP99Ms] as const) },
        { name: 'HTTP p99 (ms)', points: w.map((x) => [x.minute, x.httpP99Ms] as const) },
        { name: 'lag (messages)', points: w.map((x) => [x.minute, x.lagAtEnd] as const) },
      ],
    });
    written.push(`${base}-soak.png`);
  }
  return written;
}

if (require.main === module && process.argv[2] === '--report' && process.argv[3] !== undefined) {
  rerender(process.argv[3]);
} else if (require.main === module) {
  process.once('exit', killLeftovers);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killLeftovers();
      process.exit(130);
    });
  }
  runBench(parseOptions(process.argv.slice(2))).catch((err: unknown) => {
    console.error(err instanceof z.ZodError ? z.prettifyError(err) : err);
    process.exit(1);
  });
}
