import { fixedRate, soakMinutes, type BenchFigures, type CitedRuns, type HttpFigures, type SteadyFigures } from './bench-runs';
import { int, machineText, maxOf, ms, NOT_IN_RUN, runLink, signed, sumCpu, table, verdict, type Cpu, type Row } from './figure-text';

/**
 * The headline table, the same in README.md and load-tests/README.md: each figure of the latest
 * full run beside its floor and its target (the soak's for the steady-state RSS), and a row that
 * says so where the run lacks a figure.
 */

/** The targets set for this machine by the performance issue, each checked against a run's figure. */
export const TARGETS = {
  replayPerSecond: 20_000,
  kafka: { rate: 10_000, p99Ms: 25 },
  http: { rate: 4_000, p99Ms: 10 },
  httpMaxPerSecond: 8_000,
  steadyRssMb: 400,
  redisBytesPerCard: 2_000,
} as const;

/** Where the bench makes its seeded simulator history when no --transactions is given. */
const BENCH_HISTORY = '.cache/bench/sim/transactions.jsonl';

function dataText(r: BenchFigures): string {
  const c = r.config;
  const history = c.transactions === BENCH_HISTORY ? `the bench's seeded simulator history (\`${BENCH_HISTORY}\`)` : `\`${String(c.transactions)}\``;
  return `${String(c.partitions)} partitions, micro-batches of ${String(c.microBatch)}, exactly-once ${c.exactlyOnce === true ? 'on' : 'off'}, model \`${String(c.model)}\`; data: ${history}`;
}

function cpuText(c: Cpu | null, who: string, withRedis = true): string {
  if (c === null) return '-';
  const broker = c.brokerUs === null || c.brokerUs === undefined ? [] : [`broker ${int(c.brokerUs)} us`];
  return [`${who} ${int(c.serviceUs)} us`, ...(withRedis ? [`Redis ${int(c.redisUs)} us`] : []), ...broker].join(', ');
}

function replayRow(f: BenchFigures | null): Row {
  const r = f?.replay ?? null;
  const floor = f?.floor?.replay ?? null;
  const reaches = (dps: number) => dps >= TARGETS.replayPerSecond;
  return [
    `Catch-up replay${r === null ? '' : ` of ${int(r.transactions)} transactions`}, exactly-once`,
    r === null
      ? NOT_IN_RUN
      : `**${int(r.decisionsPerSecond)} decisions/s** (${int(r.seconds)} s; ${int(r.decisionsPerSecondAfterStart)}/s after start-up); CPU per decision: ${cpuText(r.cpuPerDecision, 'service')}; RSS max ${int(r.rssMb.max)} MB`,
    floor === null ? NOT_IN_RUN : `**${int(floor.decisionsPerSecond)}/s**; CPU per decision: ${cpuText(floor.cpuPerDecision, 'client', false)}`,
    `>= ${int(TARGETS.replayPerSecond)}/s`,
    verdict(r === null ? null : reaches(r.decisionsPerSecond), floor === null ? null : reaches(floor.decisionsPerSecond)),
  ];
}

function naiveRow(f: BenchFigures | null): Row {
  const n = f?.naive ?? null;
  if (n === null) return ['Micro-batches against per-message processing', NOT_IN_RUN, '', '', ''];
  const [batched, perMessage] = [sumCpu(n.batched.cpuPerDecision), sumCpu(n.perMessage.cpuPerDecision)];
  const brokers = [n.batched.cpuPerDecision?.brokerUs, n.perMessage.cpuPerDecision?.brokerUs];
  const cpu =
    batched === null || perMessage === null
      ? ''
      : `; CPU per decision, service + Redis + broker: ${int(batched)} us vs ${int(perMessage)} us (**${int(perMessage / batched)}x**)` +
        (brokers.every((b) => typeof b === 'number') ? `, the broker alone ${int(brokers[0])} us vs ${int(brokers[1])} us` : '');
  return [
    `Micro-batches against per-message processing (${int(n.transactions)} transactions)`,
    `${int(n.batched.decisionsPerSecond)}/s vs ${int(n.perMessage.decisionsPerSecond)}/s: **${String(n.ratio)}x**${cpu}`,
    '',
    '',
    '',
  ];
}

const kafkaStep = (s: SteadyFigures, rate: number) => s.steps.find((x) => x.targetRate === rate);

function steadyCell(s: SteadyFigures | null | undefined, rate: number, decides: boolean): string {
  if (s === null || s === undefined) return NOT_IN_RUN;
  const step = kafkaStep(s, rate);
  if (step === undefined) return s.notRun.includes(rate) ? 'not run: a lower rate fell behind' : 'not run';
  if (!step.keptUp) return `fell behind: ${int(step.lagAtEnd)} undecided when sending stopped`;
  const own = decides ? ` (the service's own p99: ${ms(step.serviceMs.p99)})` : '';
  return `p50 ${ms(step.endToEndMs.p50)}, p99 ${ms(step.endToEndMs.p99)}, kept up${own}`;
}

/** A rate skipped because a lower one fell behind could only have fallen further behind. */
function kafkaMet(s: SteadyFigures | null | undefined): boolean | null {
  if (s === null || s === undefined) return null;
  const step = kafkaStep(s, TARGETS.kafka.rate);
  if (step === undefined) return s.notRun.includes(TARGETS.kafka.rate) ? false : null;
  return step.keptUp && step.endToEndMs.p99 !== null && step.endToEndMs.p99 <= TARGETS.kafka.p99Ms;
}

const rates = (...lists: readonly (readonly number[])[]) => [...new Set(lists.flat())].sort((a, b) => a - b);

function kafkaRows(f: BenchFigures | null): Row[] {
  const steady = f?.steady ?? null;
  const floor = f?.floor?.steady ?? null;
  const all = rates([TARGETS.kafka.rate], ...[steady, floor].flatMap((s) => (s === null ? [] : [s.steps.map((x) => x.targetRate), s.notRun])));
  return all.map((rate) => {
    const targeted = rate === TARGETS.kafka.rate;
    return [
      `Kafka at ${int(rate)}/s, end to end`,
      steadyCell(steady, rate, true),
      steadyCell(floor, rate, false),
      targeted ? `p99 <= ${int(TARGETS.kafka.p99Ms)} ms, kept up` : '',
      targeted ? verdict(kafkaMet(steady), kafkaMet(floor)) : '',
    ];
  });
}

const httpStep = (steps: readonly HttpFigures[], rate: number) => steps.find((s) => fixedRate(s) === rate);

function problems(s: HttpFigures): string {
  const counts = [
    [s.non2xx, 'non-2xx'],
    [s.errors, 'errors'],
    [s.timeouts, 'timeouts'],
  ] as const;
  const found = counts.filter(([count]) => count > 0).map(([count, what]) => `${int(count)} ${what}`);
  return found.length === 0 ? '' : `; ${found.join(', ')}`;
}

function httpCell(steps: readonly HttpFigures[] | null | undefined, rate: number): string {
  if (steps === null || steps === undefined) return NOT_IN_RUN;
  const s = httpStep(steps, rate);
  if (s === undefined) return 'not run';
  // Under 99 % of the rate answered: the step saturated, and its latency is its queue's.
  const short = s.requestsPerSecond < 0.99 * rate ? `${int(s.requestsPerSecond)}/s answered: ` : '';
  return `${short}p50 ${ms(s.p50)}, p99 ${ms(s.p99)}${problems(s)}`;
}

function httpMet(steps: readonly HttpFigures[] | null | undefined): boolean | null {
  const s = steps === null || steps === undefined ? undefined : httpStep(steps, TARGETS.http.rate);
  return s === undefined || s.p99 === null ? null : s.p99 <= TARGETS.http.p99Ms;
}

function httpRows(f: BenchFigures | null): Row[] {
  const http = f?.http ?? null;
  const floor = f?.floor?.http ?? null;
  const fixed = (steps: readonly HttpFigures[] | null) => (steps ?? []).flatMap((s) => fixedRate(s) ?? []);
  const rows = rates([TARGETS.http.rate], fixed(http), fixed(floor)).map((rate) => {
    const targeted = rate === TARGETS.http.rate;
    return [
      `HTTP \`POST /v1/decisions\` at ${int(rate)}/s, open loop`,
      httpCell(http, rate),
      httpCell(floor, rate),
      targeted ? `p99 <= ${int(TARGETS.http.p99Ms)} ms` : '',
      targeted ? verdict(httpMet(http), httpMet(floor)) : '',
    ];
  });
  const max = (steps: readonly HttpFigures[] | null) => steps?.find((s) => s.target === 'max');
  const maxCell = (s: HttpFigures | undefined) => (s === undefined ? NOT_IN_RUN : `**${int(s.requestsPerSecond)}/s**, p99 ${ms(s.p99)}${problems(s)}`);
  const maxMet = (s: HttpFigures | undefined) => (s === undefined ? null : s.requestsPerSecond >= TARGETS.httpMaxPerSecond);
  const [service, noCheck] = [max(http), max(floor)];
  return [
    ...rows,
    [
      'HTTP maximum (closed loop, 64 connections)',
      maxCell(service),
      maxCell(noCheck),
      `>= ${int(TARGETS.httpMaxPerSecond)}/s`,
      verdict(maxMet(service), maxMet(noCheck)),
    ],
  ];
}

function rssRow(f: BenchFigures | null, soak: BenchFigures | null): Row {
  const steady = f?.steady ?? null;
  const k = soak?.soak ?? null;
  const parts = [
    ...(steady === null
      ? []
      : [
          `Kafka steps: p50 ${int(steady.rssMb.p50)} MB, max ${int(steady.rssMb.max)} MB${steady.steps.some((s) => !s.keptUp) ? ', with a step that fell behind and held its backlog' : ''}`,
        ]),
    ...(f?.replay ? [`replay max ${int(f.replay.rssMb.max)} MB`] : []),
    ...(k === null ? [] : [`the soak: ${int(k.windows[0]?.rssMb)} MB in its first window, max ${int(maxOf(k.windows.map((w) => w.rssMb)))} MB`]),
  ];
  return [
    'Service RSS',
    parts.length === 0 ? NOT_IN_RUN : parts.join('; '),
    '',
    `<= ${int(TARGETS.steadyRssMb)} MB in steady state (the soak)`,
    verdict(k === null || k.windows.length === 0 ? null : maxOf(k.windows.map((w) => w.rssMb)) <= TARGETS.steadyRssMb),
  ];
}

function redisRow(f: BenchFigures | null): Row {
  const b = f?.redisBytesPerCard ?? null;
  return [
    'Redis memory per card',
    b === null
      ? NOT_IN_RUN
      : `**${int(b.medianBytes)} bytes** median after the replay (${int(b.cardsSampled)} cards, a median ${int(b.medianTransactions)} transactions each)`,
    '',
    `< ${int(TARGETS.redisBytesPerCard)} bytes`,
    verdict(b === null ? null : b.medianBytes < TARGETS.redisBytesPerCard),
  ];
}

function soakRow(run: BenchFigures | null): Row {
  const k = run?.soak ?? null;
  if (k === null) return ['Soak', 'no soak run committed', '', '', ''];
  const behind = k.windows.filter((w) => w.kafkaDecided < w.kafkaSent).length;
  const decided = behind === 0 ? 'every window decided all it was sent' : `${int(behind)} of ${int(k.windows.length)} windows left transactions undecided`;
  const non2xx = k.windows.reduce((sum, w) => sum + w.httpNon2xx, 0);
  const s = k.slopesPerHour;
  return [
    `Soak: ${int(k.kafkaRate)}/s on Kafka and ${int(k.httpRate)}/s on HTTP for ${int(soakMinutes(k))} minutes`,
    `${decided}, ${int(non2xx)} HTTP non-2xx; slopes per hour: RSS ${signed(s.rssMb)} MB, Redis ${signed(s.redisMb)} MB, Kafka p99 ${signed(s.kafkaP99Ms)} ms, HTTP p99 ${signed(s.httpP99Ms)} ms, lag ${signed(s.lagAtEnd)}`,
    '',
    '',
    '',
  ];
}

function rebuildRow(f: BenchFigures | null): Row {
  const b = f?.rebuild ?? null;
  return [
    'State rebuilt from the topics (`npm run rebuild-state`)',
    b === null
      ? NOT_IN_RUN
      : `${int(b.transactionsPerSecond)} transactions/s; ${int(b.restoredDecisions)} of the ${int(b.transactions)} stored decisions restored`,
    '',
    '',
    '',
  ];
}

/** Caption and table of the headline figures, the same in both READMEs. */
export function performanceBlock(cited: CitedRuns, results: string): string {
  const f = cited.full?.result ?? null;
  const soak = cited.soak?.result ?? null;
  const from =
    cited.full === null
      ? 'No full bench run is committed in `load-tests/results`.'
      : `From ${runLink(cited.full, results)}, the latest full \`npm run bench\` run (JSON and charts beside it)`;
  const soakFrom =
    cited.soak === null || cited.soak === cited.full
      ? ''
      : `; the soak's figures from ${runLink(cited.soak, results)}${soak !== null && f !== null && machineText(soak) !== machineText(f) ? ` (${machineText(soak)})` : ''}`;
  const caption = f === null ? `${from}${soakFrom}.` : `${from}${soakFrom}. Machine: ${machineText(f)}. ${dataText(f)}.`;
  const rows = [replayRow(f), naiveRow(f), ...kafkaRows(f), ...httpRows(f), rssRow(f, soak), redisRow(f), soakRow(soak), rebuildRow(f)];
  return `${caption}\n\n${table(['', 'Measured', 'Floor: no check run', 'Target', ''], rows)}`;
}
