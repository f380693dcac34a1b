import { ENV_VARS } from '../../src/config/config.schema';
import type { CitedRuns, ScaleOutFigures } from './bench-runs';
import { int, machineText, ms, runLink, table, type Row } from './figure-text';

/**
 * The scale-out scenario's figures (load-tests/README.md) and the capacity model built on them
 * (load-tests/CAPACITY.md): every input a figure of a committed run, every assumption a named
 * constant here, so the model is rewritten whenever a run is.
 */

type ClusterCpu = NonNullable<ScaleOutFigures['replay']['cpuPerDecision']>;
const sum = (xs: readonly (number | null)[]) => xs.reduce<number>((a, x) => a + (x ?? Number.NaN), 0);
const each = (xs: readonly (number | null)[]) => xs.map((x) => `${int(x)} us`).join(' + ');

function cpuRow(label: string, c: ClusterCpu | null, rate: string): Row {
  if (c === null) return [label, rate, '-', '-', '-', '-'];
  const total = sum(c.instancesUs) + sum(c.redisNodesUs) + (c.brokerUs ?? 0);
  return [label, rate, each(c.instancesUs), each(c.redisNodesUs), c.brokerUs === null ? '-' : `${int(c.brokerUs)} us`, `${int(total)} us`];
}

export function scaleOutBlock(cited: CitedRuns, results: string): string {
  const run = cited.scaleOut;
  const so = run?.result.scaleOut ?? null;
  if (run === null || so === null) return 'No committed bench run has the scale-out scenario.';
  const single = run.result.replay;
  const caption =
    `From ${runLink(run, results)} (\`--scenarios ${single === null ? '' : 'replay,'}scale-out\`; ${machineText(run.result)}): ${int(so.instances)} instances in one consumer group ` +
    `on a private Redis Cluster of ${int(so.redisMasters)} masters with a replica each (\`REDIS_WAIT_REPLICAS=1\`), one broker, the same history as the replay. ` +
    `CPU per decision is of the whole stream, per process (user + system from \`/proc\`, Redis from \`INFO cpu\` of each master). ` +
    `On two cores every process shares them, so the rate measures contention; the CPU a decision costs each process is what carries to a machine per process.`;
  const rows: Row[] = [
    ...(single === null
      ? []
      : [
          [
            'one instance, one Redis (the replay, same run)',
            `${int(single.decisionsPerSecond)}/s`,
            `${int(single.cpuPerDecision?.serviceUs)} us`,
            `${int(single.cpuPerDecision?.redisUs)} us`,
            `${int(single.cpuPerDecision?.brokerUs)} us`,
            `${int((single.cpuPerDecision?.serviceUs ?? Number.NaN) + (single.cpuPerDecision?.redisUs ?? Number.NaN) + (single.cpuPerDecision?.brokerUs ?? 0))} us`,
          ],
        ]),
    cpuRow(
      `${int(so.instances)} instances, ${int(so.redisMasters)} masters: replay of ${int(so.replay.transactions)}`,
      so.replay.cpuPerDecision,
      `${int(so.replay.decisionsPerSecond)}/s`,
    ),
    ...(so.steady === null
      ? []
      : [
          cpuRow(
            `the same, steady ${int(so.steady.targetRate)}/s (end-to-end p99 ${ms(so.steady.endToEndMs.p99)})`,
            so.steady.cpuPerDecision,
            `${int(so.steady.achievedRate)}/s`,
          ),
        ]),
  ];
  const split = so.replay.decidedByInstance.map(int).join(' and ');
  const f = so.failover;
  const failover =
    f === undefined
      ? ''
      : ` Failover, measured and not asserted: at ${int(f.targetRate)}/s a master SIGKILLed 3 s into a 20 s step, its replica serving every slot ${ms(f.promotedAfterMs)} later, the dead node then restarted as its replica: end-to-end p50 ${ms(f.endToEndMs.p50)}, p99 ${ms(f.endToEndMs.p99)}, max ${ms(f.endToEndMs.max)}; ${int(f.decided)} of ${int(f.sent)} decided.`;
  return `${caption}\n\n${table(['', 'decisions/s', 'service (each instance)', 'Redis (each master)', 'broker', 'together'], rows)}\n\nThe replay's decisions by instance: ${split}.${failover}`;
}

/** What the target is: the volume this service is built for. */
export const CAPACITY_TARGET = { decisionsPerSecond: 50_000, activeCards: 100_000_000 } as const;
/**
 * The model's assumptions: a Redis master kept at half of its one thread (room for bursts, AOF
 * rewrites and replication, and for a failover's catch-up), a service core at 60 %, a master's
 * memory for data (maxmemory on a 32 GB node, the rest for forks and buffers), one replica each.
 */
export const CAPACITY_ASSUMPTIONS = { redisThreadShare: 0.5, serviceCoreShare: 0.6, masterDataGb: 24, replicasPerMaster: 1 } as const;

export function capacityBlock(cited: CitedRuns, results: string): string {
  const run = cited.scaleOut;
  const so = run?.result.scaleOut ?? null;
  const full = cited.full;
  const soak = cited.soak;
  const cpu = so?.replay.cpuPerDecision ?? null;
  const bytesPerCard = full?.result.redisBytesPerCard?.medianBytes ?? null;
  if (run === null || so === null || cpu === null || full === null || bytesPerCard === null)
    return 'The capacity model needs a committed run with the scale-out scenario and a full run with Redis memory per card.';
  const { decisionsPerSecond: tps, activeCards } = CAPACITY_TARGET;
  const a = CAPACITY_ASSUMPTIONS;
  const redisUs = sum(cpu.redisNodesUs);
  const serviceUs = sum(cpu.instancesUs);
  const brokerUs = cpu.brokerUs;
  const redisThreads = (tps * redisUs) / 1e6;
  const mastersForCpu = Math.ceil(redisThreads / a.redisThreadShare);
  const cardGb = (activeCards * bytesPerCard) / 1e9;
  const mastersForCards = Math.ceil(cardGb / a.masterDataGb);
  const serviceCores = (tps * serviceUs) / 1e6;
  const ttlSeconds = Number(ENV_VARS.DECISION_TTL_SECONDS.default);
  const k = soak?.result.soak ?? null;
  // What the soak's Redis grew by per decision: stored decisions, idempotency claims, card history,
  // the online model's rows and cases, all kept until their TTL.
  const grownMb = k?.slopesPerHour.redisMb ?? null;
  const bytesPerDecision = k === null || grownMb === null ? null : (grownMb * 1e6) / ((k.kafkaRate + k.httpRate) * 3600);
  const keptGb = (seconds: number) => (bytesPerDecision === null ? Number.NaN : (tps * seconds * bytesPerDecision) / 1e9);
  const rows: Row[] = [
    [
      'Redis CPU',
      `${int(redisUs)} us a decision over all masters (${runLink(run, results)}, scale-out replay)`,
      `${redisThreads.toFixed(1)} Redis threads busy`,
      `**${int(mastersForCpu)} masters** at ${int(a.redisThreadShare * 100)} % of a thread`,
    ],
    [
      'Redis memory, card state',
      `${int(bytesPerCard)} bytes a card (median, ${runLink(full, results)})`,
      `${int(cardGb)} GB for ${int(activeCards / 1e6)}M cards`,
      `**${int(mastersForCards)} masters** of ${int(a.masterDataGb)} GB data, ${int(a.replicasPerMaster)} replica each`,
    ],
    [
      'Redis memory, kept per decision',
      bytesPerDecision === null || soak === null
        ? 'no committed soak'
        : `${int(bytesPerDecision)} bytes a decision until its TTL (the soak's Redis growth, ${runLink(soak, results)})`,
      `${int(keptGb(ttlSeconds))} GB at \`DECISION_TTL_SECONDS\` ${int(ttlSeconds / 86_400)} days; ${int(keptGb(86_400))} GB at 1 day; ${int(keptGb(3600))} GB at 1 hour`,
      'the retention, not the cards, sizes the cluster: choose it first',
    ],
    [
      'Service CPU',
      `${int(serviceUs)} us a decision (the instances together, same run)`,
      `${serviceCores.toFixed(1)} cores busy`,
      `**${int(Math.ceil(serviceCores / a.serviceCoreShare))} cores** at ${int(a.serviceCoreShare * 100)} %; an instance per \`transactions\` partition at most`,
    ],
    [
      'Broker CPU',
      brokerUs === null ? 'not measured' : `${int(brokerUs)} us a decision (one broker, replication factor 1, same run)`,
      brokerUs === null ? '-' : `${((tps * brokerUs) / 1e6).toFixed(1)} cores busy, before replication`,
      'replication factor 3 roughly triples the brokers’ writes',
    ],
  ];
  const memoryMachines = [full, ...(soak === null ? [] : [soak])].filter((r) => machineText(r.result) !== machineText(run.result));
  const elsewhere =
    memoryMachines.length === 0 ? '' : ` The memory inputs' runs were on ${[...new Set(memoryMachines.map((r) => r.result.machine.cpu))].join(' and ')}.`;
  return `Target ${int(tps)} decisions/s and ${int(activeCards / 1e6)}M active cards. Each input names its run; the CPU inputs are from ${runLink(run, results)} on ${machineText(run.result)}.${elsewhere}\n\n${table(['', 'measured', 'at the target', 'to provision'], rows)}`;
}
