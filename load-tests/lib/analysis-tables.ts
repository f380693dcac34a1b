import { ENV_VARS } from '../../src/config/config.schema';
import { fixedRate, isShedding, soakMinutes, type BenchFigures, type CitedRuns, type HttpFigures, type SteadyFigures } from './bench-runs';
import { int, machineText, maxOf, ms, pct, runLink, signed, sumCpu, table, verdict, type Cpu, type Row } from './figure-text';
import { median } from './stats';

/**
 * The tables load-tests/README.md's analysis reads, beside the headline one: where the CPU goes
 * per decision, the stages alone, the overload steps and the soak.
 */

const BUDGET_MS = Number(ENV_VARS.BUDGET_TOTAL_MS.default);
const DECISION_TTL_SECONDS = Number(ENV_VARS.DECISION_TTL_SECONDS.default);

interface CpuLine {
  readonly label: string;
  /** Decisions (requests) per second over the window the CPU was measured in; null when it fell behind. */
  readonly rate: number | null;
  readonly cpu: Cpu | null;
  readonly generatorUs: number | null;
  readonly floor: boolean;
  /** Within a scenario, the service's row and the floor's at the same rate go together. */
  readonly order: number;
}

const floorLabel = (floor: boolean) => (floor ? ', floor' : '');
const byRate = (lines: readonly CpuLine[]) => [...lines].sort((a, b) => a.order - b.order || Number(a.floor) - Number(b.floor));

function replayLines(f: BenchFigures): CpuLine[] {
  const line = (label: string, r: NonNullable<BenchFigures['replay']>, floor: boolean, rate = r.decisionsPerSecondAfterStart): CpuLine => ({
    label,
    rate,
    cpu: r.cpuPerDecision,
    generatorUs: null,
    floor,
    order: 0,
  });
  return [
    ...(f.replay ? [line('replay', f.replay, false)] : []),
    ...(f.floor?.replay ? [line('replay, floor', f.floor.replay, true)] : []),
    // The naive runs are seconds long: their rate is the wall time's (report.ts says why).
    ...(f.naive
      ? [
          line('micro-batches', f.naive.batched, false, f.naive.batched.decisionsPerSecond),
          line('per message', f.naive.perMessage, false, f.naive.perMessage.decisionsPerSecond),
        ]
      : []),
  ];
}

const steadyLines = (s: SteadyFigures | null | undefined, floor: boolean): CpuLine[] =>
  (s?.steps ?? []).map((x) => ({
    label: `Kafka ${int(x.targetRate)}/s${floorLabel(floor)}`,
    rate: x.keptUp ? x.achievedRate : null,
    cpu: x.cpuPerDecision,
    generatorUs: null,
    floor,
    order: x.targetRate,
  }));

/** The fixed rates and the maximum; the overload steps have a table of their own. */
const httpLines = (steps: readonly HttpFigures[] | null | undefined, floor: boolean): CpuLine[] =>
  (steps ?? [])
    .filter((s) => s.served === undefined)
    .map((s) => ({
      label: `HTTP ${s.target === 'max' ? 'max' : `${int(fixedRate(s))}/s`}${floorLabel(floor)}`,
      rate: s.requestsPerSecond,
      cpu: s.cpuPerDecision,
      generatorUs: s.generatorUsPerRequest,
      floor,
      order: fixedRate(s) ?? Number.POSITIVE_INFINITY,
    }));

const cpuLines = (f: BenchFigures): CpuLine[] => [
  ...replayLines(f),
  ...byRate([...steadyLines(f.steady, false), ...steadyLines(f.floor?.steady, true)]),
  ...byRate([...httpLines(f.http, false), ...httpLines(f.floor?.http, true)]),
];

function cpuRow(l: CpuLine, cores: number): Row {
  const checks = sumCpu(l.cpu);
  const together = checks === null ? null : checks + (l.generatorUs ?? 0);
  const redisUs = l.cpu?.redisUs ?? null;
  return [
    l.label,
    int(l.rate),
    int(l.cpu?.serviceUs),
    int(redisUs),
    int(l.cpu?.brokerUs),
    int(l.generatorUs),
    int(together),
    together === null || l.rate === null ? '-' : ((together * l.rate) / 1e6).toFixed(2),
    together === null || together === 0 ? '-' : `${int((cores * 1e6) / together)}/s`,
    // A floor does not use Redis: its microsecond or two is the bench's own polling.
    l.floor || redisUs === null || redisUs === 0 ? '-' : `${int(1e6 / redisUs)}/s`,
  ];
}

/** Where the CPU goes per decision, and what that allows on this machine: the analysis reads its rows. */
export function cpuBlock(cited: CitedRuns, results: string): string {
  const f = cited.full?.result ?? null;
  if (cited.full === null || f === null) return 'No full bench run is committed in `load-tests/results`.';
  const cores = f.machine.cores;
  const caption =
    `CPU per decision (per request on HTTP), microseconds of user + system time, from ${runLink(cited.full, results)}: the service's (on the floor's rows, the program that replaces it) and the broker's from \`/proc\`, ` +
    `Redis's from \`INFO cpu\`, the load generator's in the bench's own process. \`cores busy\` is their sum times the rate (left out for a step that fell behind: its CPU went to a backlog); ` +
    `the ceilings are what the machine's ${int(cores)} cores, or Redis's one thread, would allow at that cost with nothing else running.`;
  const head = [
    '',
    'decisions/s',
    'service',
    'Redis',
    'broker',
    'load generator',
    'together',
    'cores busy',
    `ceiling on ${int(cores)} cores`,
    "Redis's ceiling",
  ];
  return `${caption}\n\n${table(
    head,
    cpuLines(f).map((l) => cpuRow(l, cores)),
  )}`;
}

export function stagesBlock(cited: CitedRuns, results: string): string {
  const stages = cited.full?.result.stages ?? null;
  if (cited.full === null || stages === null) return 'The latest full run has no stage figures.';
  const rows = stages.map((s) => [
    s.stage,
    int(s.batch),
    String(s.msPerBatch),
    String(s.usPerTx),
    s.redisUsPerScript === null || s.redisUsPerScript === undefined ? '' : String(s.redisUsPerScript),
  ]);
  return `Stages alone, medians over many batches, from ${runLink(cited.full, results)}:\n\n${table(['stage', 'batch', 'ms/batch', 'us/transaction', "Redis's CPU us/script"], rows)}`;
}

/** The overload steps (twice the closed-loop maximum) and what shedding on loop delay bought. */
export function overloadBlock(cited: CitedRuns, results: string): string {
  const run = cited.overload;
  if (run === null) return 'No committed run has an overload step.';
  const steps = (run.result.http ?? []).filter((s) => s.served !== undefined);
  const max = run.result.http?.find((s) => s.target === 'max');
  const withinBudget = (s: HttpFigures) => s.okLatencyMs?.p99 !== null && s.okLatencyMs?.p99 !== undefined && s.okLatencyMs.p99 <= BUDGET_MS;
  const rows = steps.map((s) => {
    const rss = s.rssMb ?? [];
    return [
      s.target,
      int(s.requestsPerSecond),
      `${int(s.statuses?.['200'])} / ${int(s.statuses?.['503'])}`,
      `${ms(s.okLatencyMs?.p50)} / ${ms(s.okLatencyMs?.p99)}`,
      s.served === undefined ? '-' : pct(s.served.withinShare),
      int(s.served?.late),
      rss.length === 0 ? '-' : `${int(rss[0])} -> ${int(rss.at(-1))} MB`,
      withinBudget(s) ? 'yes' : 'no',
    ];
  });
  const caption = `From ${runLink(run, results)} (${machineText(run.result)}): the closed-loop maximum was ${int(max?.requestsPerSecond)}/s, and each overload step offered twice it for ${int(Number(run.result.load.httpSeconds))} s.`;
  const head = [
    'overload step',
    'answered/s',
    '200 / 503',
    '2xx p50 / p99 from due time',
    'decided within 50 ms of arrival',
    'answered after `BUDGET_TOTAL_MS`',
    'RSS',
    'p99 within the budget',
  ];
  const plain = steps.find((s) => !isShedding(s));
  const shed = steps.find((s) => isShedding(s));
  const compared =
    plain?.okLatencyMs?.p99 && shed?.okLatencyMs?.p99 && shed.served && plain.served
      ? `\n\nShedding cut the answered p99 ${(plain.okLatencyMs.p99 / shed.okLatencyMs.p99).toFixed(1)}x, for ${pct(1 - shed.served.decided / plain.served.decided)} fewer answered; ` +
        `${pct(shed.served.late / shed.served.decided)} of its answers still left after \`BUDGET_TOTAL_MS\` (${int(BUDGET_MS)} ms by default).`
      : '';
  const [byDefault, shedding] = [verdict(plain === undefined ? null : withinBudget(plain)), shed === undefined ? null : verdict(withinBudget(shed))];
  const outcome =
    shedding === null
      ? `${byDefault} by default`
      : shedding === byDefault
        ? `${byDefault}, by default and with shedding`
        : `${byDefault} by default, ${shedding} with shedding`;
  const target = `\n\nThe target, a p99 within \`BUDGET_TOTAL_MS\` at twice the maximum: ${outcome}.`;
  return `${caption}\n\n${table(head, rows)}${compared}${target}`;
}

/** The soak's windows summed up per series, and what Redis's growth means for the decision TTL. */
export function soakBlock(cited: CitedRuns, results: string): string {
  const run = cited.soak;
  const k = run?.result.soak ?? null;
  if (run === null || k === null) return 'No soak run is committed in `load-tests/results`.';
  const w = k.windows;
  const behind = w.filter((x) => x.kafkaDecided < x.kafkaSent).length;
  const answered = w.reduce((sum, x) => sum + x.httpAnswered, 0);
  const non2xx = w.reduce((sum, x) => sum + x.httpNon2xx, 0);
  const caption =
    `From ${runLink(run, results)} (\`npm run bench -- --scenarios soak\`; ${machineText(run.result)}): ${int(soakMinutes(k))} minutes at ${int(k.kafkaRate)} transactions/s on Kafka and ${int(k.httpRate)} requests/s on HTTP, in ${int(w.length)} one-minute windows. ` +
    `${behind === 0 ? 'Every window decided all the transactions sent in it' : `${int(behind)} windows left transactions undecided`}; HTTP answered ${int(answered)} requests, ${int(non2xx)} of them non-2xx.`;
  const series = [
    ['Kafka end-to-end p99 (ms)', (x: (typeof w)[number]) => x.kafkaP99Ms, k.slopesPerHour.kafkaP99Ms],
    ['lag at the window end (messages)', (x: (typeof w)[number]) => x.lagAtEnd, k.slopesPerHour.lagAtEnd],
    ['HTTP p99 (ms)', (x: (typeof w)[number]) => x.httpP99Ms, k.slopesPerHour.httpP99Ms],
    ['service RSS (MB)', (x: (typeof w)[number]) => x.rssMb, k.slopesPerHour.rssMb],
    ['Redis memory since the start (MB)', (x: (typeof w)[number]) => x.redisMb, k.slopesPerHour.redisMb],
  ] as const;
  const rows = series.map(([name, pick, slope]) => {
    const values = w.map(pick);
    const peak = maxOf(values);
    const at = w.find((x) => pick(x) === peak);
    return [
      name,
      int(values[0]),
      int(median(values.flatMap((v) => (v === null ? [] : [v])))),
      `${int(peak)} (minute ${int(at?.minute)})`,
      int(values.at(-1)),
      signed(slope),
    ];
  });
  const perHour = (k.kafkaRate + k.httpRate) * 3600;
  const bytes = k.slopesPerHour.redisMb === null ? null : (k.slopesPerHour.redisMb * 1024 ** 2) / perHour;
  const horizon =
    bytes === null
      ? ''
      : `\n\nRedis grew about ${int(bytes)} bytes a decision (its slope over the ${int(perHour)} decisions an hour of both paths); kept for the default \`DECISION_TTL_SECONDS\` (${int(DECISION_TTL_SECONDS / 86_400)} days), that is about ${int((bytes * (k.kafkaRate + k.httpRate) * DECISION_TTL_SECONDS) / 1e9)} GB at this rate.`;
  return `${caption}\n\n${table(['series', 'first window', 'median', 'max', 'last window', 'slope per hour'], rows)}${horizon}`;
}
