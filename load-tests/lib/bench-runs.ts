import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * The committed `npm run bench` results the READMEs' figures are written from (see
 * readme-figures.ts): each file parsed once at this boundary, only the fields the READMEs read.
 * JSON writes NaN (a percentile of no sample, a CPU figure the bench could not read) as null.
 */
export const RESULTS_DIR = join(__dirname, '..', 'results');

const measured = z.number().nullable();
const cpu = z.object({ serviceUs: measured, redisUs: measured, brokerUs: measured.optional() });
const latency = z.object({ p50: measured, p99: measured, max: measured });
const replay = z.object({
  transactions: z.number(),
  seconds: z.number(),
  decisionsPerSecond: z.number(),
  decisionsPerSecondAfterStart: z.number(),
  rssMb: latency,
  cpuPerDecision: cpu.nullable(),
});
const steady = z.object({
  steps: z.array(
    z.object({
      targetRate: z.number(),
      achievedRate: z.number(),
      endToEndMs: latency,
      serviceMs: latency,
      lagAtEnd: z.number(),
      keptUp: z.boolean(),
      cpuPerDecision: cpu,
    }),
  ),
  notRun: z.array(z.number()),
  rssMb: latency,
});
const http = z.array(
  z.object({
    target: z.string(),
    requestsPerSecond: z.number(),
    p50: measured,
    p99: measured,
    non2xx: z.number(),
    errors: z.number(),
    timeouts: z.number(),
    cpuPerDecision: cpu,
    generatorUsPerRequest: measured,
    rssMb: z.array(z.number()).optional(),
    statuses: z.record(z.string(), z.number()).optional(),
    okLatencyMs: latency.optional(),
    served: z.object({ decided: z.number(), withinShare: z.number(), late: z.number() }).optional(),
  }),
);
const soak = z.object({
  kafkaRate: z.number(),
  httpRate: z.number(),
  windows: z.array(
    z.object({
      minute: z.number(),
      kafkaSent: z.number(),
      kafkaDecided: z.number(),
      kafkaP99Ms: measured,
      lagAtEnd: z.number(),
      httpAnswered: z.number(),
      httpNon2xx: z.number(),
      httpP99Ms: measured,
      rssMb: measured,
      redisMb: measured,
    }),
  ),
  slopesPerHour: z.object({ rssMb: measured, redisMb: measured, kafkaP99Ms: measured, httpP99Ms: measured, lagAtEnd: measured }),
});

const clusterCpu = z.object({ instancesUs: z.array(measured), redisNodesUs: z.array(measured), brokerUs: measured });
const scaleOut = z.object({
  instances: z.number(),
  redisMasters: z.number(),
  replay: z.object({
    transactions: z.number(),
    decisionsPerSecond: z.number(),
    decidedByInstance: z.array(z.number()),
    cpuPerDecision: clusterCpu.nullable(),
  }),
  steady: z.object({ targetRate: z.number(), achievedRate: z.number(), endToEndMs: latency, cpuPerDecision: clusterCpu }).nullable(),
  failover: z.object({ targetRate: z.number(), sent: z.number(), decided: z.number(), endToEndMs: latency, promotedAfterMs: z.number() }).optional(),
});

export const benchFiguresSchema = z.object({
  smoke: z.boolean(),
  machine: z.object({ cores: z.number(), cpu: z.string(), memoryGb: z.number() }),
  versions: z.record(z.string(), z.string()),
  config: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  load: z.record(z.string(), z.union([z.number(), z.array(z.number())])),
  stages: z
    .array(z.object({ stage: z.string(), batch: z.number(), msPerBatch: z.number(), usPerTx: z.number(), redisUsPerScript: measured.optional() }))
    .nullable(),
  replay: replay.nullable(),
  // Results written before a scenario existed lack its field altogether.
  floor: z.object({ replay: replay.nullable(), steady: steady.nullable(), http: http.nullable() }).nullish(),
  naive: z.object({ transactions: z.number(), batched: replay, perMessage: replay, ratio: z.number() }).nullable(),
  steady: steady.nullable(),
  http: http.nullable(),
  redisBytesPerCard: z.object({ medianBytes: z.number(), cardsSampled: z.number(), medianTransactions: z.number() }).nullable(),
  rebuild: z.object({ transactions: z.number(), restoredDecisions: z.number(), transactionsPerSecond: z.number() }).nullish(),
  soak: soak.nullish(),
  scaleOut: scaleOut.nullish(),
});

export type BenchFigures = z.infer<typeof benchFiguresSchema>;
export type HttpFigures = NonNullable<BenchFigures['http']>[number];
export type ReplayFigures = NonNullable<BenchFigures['replay']>;
export type SteadyFigures = NonNullable<BenchFigures['steady']>;
export type SoakFigures = NonNullable<BenchFigures['soak']>;
export type ScaleOutFigures = NonNullable<BenchFigures['scaleOut']>;

export interface Run {
  /** The bench's run id, the time it started (bench-<runId>.json). */
  readonly runId: string;
  readonly result: BenchFigures;
}

/** `bench-<runId>.json`; smoke runs (`bench-smoke-<runId>`) measure nothing and never match. */
const RESULT_FILE = /^bench-(\d{8}T\d{6})\.json$/;
/** Any file a run writes: its JSON, its Markdown and its charts. */
const RUN_FILE = /^bench-(?:smoke-)?(\d{8}T\d{6})[-.]/;

export function readRuns(dir = RESULTS_DIR): Run[] {
  return readdirSync(dir)
    .flatMap((file) => {
      const runId = RESULT_FILE.exec(file)?.[1];
      if (runId === undefined) return [];
      const parsed = benchFiguresSchema.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
      return parsed.data.smoke ? [] : [{ runId, result: parsed.data }];
    })
    .sort((a, b) => a.runId.localeCompare(b.runId));
}

/**
 * The run behind each part of the READMEs' figures: the latest full run (replay, steady Kafka
 * load and HTTP in one session), the latest soak, and the latest run with an overload step
 * (which may be the full run itself). Null where no committed run has that part.
 */
export interface CitedRuns {
  readonly full: Run | null;
  readonly soak: Run | null;
  readonly overload: Run | null;
  /** The latest run with the scale-out scenario (two instances on a Redis Cluster). */
  readonly scaleOut: Run | null;
}

const latest = (runs: readonly Run[], has: (r: BenchFigures) => boolean): Run | null => runs.filter((r) => has(r.result)).at(-1) ?? null;
export const hasOverload = (r: BenchFigures): boolean => (r.http ?? []).some((s) => s.served !== undefined);

export function citedRuns(runs: readonly Run[]): CitedRuns {
  return {
    full: latest(runs, (r) => r.replay !== null && r.steady !== null && r.http !== null),
    soak: latest(runs, (r) => r.soak !== null && r.soak !== undefined),
    overload: latest(runs, hasOverload),
    scaleOut: latest(runs, (r) => r.scaleOut !== null && r.scaleOut !== undefined),
  };
}

/** The files in `dir` that belong to no cited run: the READMEs keep only the runs they cite. */
export function uncitedFiles(files: readonly string[], cited: CitedRuns): string[] {
  const ids = new Set([cited.full, cited.soak, cited.overload, cited.scaleOut].flatMap((r) => (r === null ? [] : [r.runId])));
  return files.filter((file) => !file.endsWith('.tmp') && !ids.has(RUN_FILE.exec(file)?.[1] ?? '')).sort();
}

/** The bench labels its fixed-rate open-loop steps by their rate, `1000/s`. */
export function fixedRate(s: HttpFigures): number | null {
  const m = /^(\d+)\/s$/.exec(s.target);
  return m === null ? null : Number(m[1]);
}

/** The second overload step, on a service that sheds on event-loop delay (shedOverload in bench.ts). */
export const isShedding = (s: HttpFigures): boolean => s.served !== undefined && s.target.includes('shedding at');

export const soakMinutes = (k: SoakFigures): number => k.windows.at(-1)?.minute ?? 0;
