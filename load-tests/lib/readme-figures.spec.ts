import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { citedRuns, uncitedFiles, type BenchFigures, type HttpFigures, type Run } from './bench-runs';
import { overloadBlock } from './analysis-tables';
import { verdict } from './figure-text';
import { performanceBlock } from './performance-table';
import { committedFigures, renderBlock, withFigures } from './readme-figures';

const ROOT = join(__dirname, '..', '..');
const readme = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Between lo and hi: the fields no test below depends on. */
const any = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));
const cpu = (brokerUs: number | null = any(5, 50)) => ({ serviceUs: any(100, 600), redisUs: any(50, 200), brokerUs });
const latency = (p50: number, p99: number) => ({ p50, p99, max: p99 + any(1, 100) });
const replay = (decisionsPerSecond: number) => ({
  transactions: 1_000_000,
  seconds: 1e6 / decisionsPerSecond,
  decisionsPerSecond,
  decisionsPerSecondAfterStart: decisionsPerSecond + any(0, 100),
  rssMb: latency(any(300, 400), any(400, 500)),
  cpuPerDecision: cpu(),
});
const kafkaStep = (targetRate: number, p99: number, keptUp = true) => ({
  targetRate,
  achievedRate: targetRate,
  endToEndMs: latency(p99 / 2, p99),
  serviceMs: latency(any(1, 5), any(5, 20)),
  lagAtEnd: keptUp ? any(0, 100) : 250_000,
  keptUp,
  cpuPerDecision: cpu(),
});
const httpStep = (target: string, requestsPerSecond: number, p99: number, extra: Partial<HttpFigures> = {}): HttpFigures => ({
  target,
  requestsPerSecond,
  p50: p99 / 4,
  p99,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  cpuPerDecision: cpu(null),
  generatorUsPerRequest: any(30, 120),
  ...extra,
});
const figures = (over: Partial<BenchFigures> = {}): BenchFigures => ({
  smoke: false,
  machine: { cores: 2, cpu: 'AMD EPYC', memoryGb: 24 },
  versions: { node: 'v24.21.0', redis: 'v=7.0.15', kafka: '3.9.1' },
  config: { model: 'models/current/model.onnx', transactions: '.cache/bench/sim/transactions.jsonl', partitions: 6, microBatch: 200, exactlyOnce: true },
  load: { httpSeconds: 20 },
  stages: null,
  replay: replay(any(5_000, 9_000)),
  floor: null,
  naive: null,
  steady: { steps: [kafkaStep(1_000, any(50, 100))], notRun: [], rssMb: latency(any(250, 300), any(300, 350)) },
  http: [httpStep('1000/s', 1_000, any(5, 15)), httpStep('max', any(3_000, 4_000), any(20, 40))],
  redisBytesPerCard: null,
  rebuild: null,
  soak: null,
  ...over,
});
const run = (runId: string, over: Partial<BenchFigures> = {}): Run => ({ runId, result: figures(over) });
const rowOf = (block: string, label: string) => block.split('\n').find((line) => line.startsWith(`| ${label}`)) ?? '';

describe("the READMEs' performance figures", () => {
  it('are the committed bench results (npm run docs:config regenerates them)', () => {
    const { blocks } = committedFigures();
    for (const b of blocks.readme) expect(readme('README.md')).toContain(renderBlock(b));
    for (const b of blocks.loadTests) expect(readme('load-tests/README.md')).toContain(renderBlock(b));
    for (const b of blocks.capacity) expect(readme('load-tests/CAPACITY.md')).toContain(renderBlock(b));
  });

  it('cite every run kept in load-tests/results, which keeps no other (git rm it: history has it)', () => {
    const { cited, uncited } = committedFigures();
    expect(uncited).toEqual([]);
    const ids = [cited.full, cited.soak, cited.overload, cited.scaleOut].map((r) => r?.runId);
    const named = [readme('README.md'), readme('load-tests/README.md'), readme('load-tests/CAPACITY.md')].flatMap((text) =>
      [...text.matchAll(/bench-(\d{8}T\d{6})/g)].map((m) => m[1]),
    );
    expect(named.length).toBeGreaterThan(0);
    for (const id of named) expect(ids).toContain(id);
  });
});

describe('the runs the figures come from', () => {
  it('are the latest full run, the latest soak and the latest run with an overload step', () => {
    const overload = httpStep('overload 2x max (8000/s offered)', 5_000, 900, { served: { decided: 90_000, withinShare: 0.3, late: 80_000 } });
    const runs = [
      run('20261201T100000'),
      run('20261201T120000'),
      run('20261202T050000', { replay: null, steady: null, http: null, soak: soak() }),
      run('20261202T060000', { replay: null, steady: null, http: [overload] }),
      run('20261202T070000', { replay: null, steady: null, http: [httpStep('1000/s', 1_000, 9)] }),
    ];
    const cited = citedRuns(runs);
    expect([cited.full?.runId, cited.soak?.runId, cited.overload?.runId]).toEqual(['20261201T120000', '20261202T050000', '20261202T060000']);
    const files = [
      'bench-20261201T100000.json',
      'bench-20261201T120000.md',
      'bench-20261202T050000-soak.png',
      'bench-20261202T070000.json',
      'bench-smoke-20261202T080000.json',
    ];
    expect(uncitedFiles(files, cited)).toEqual(['bench-20261201T100000.json', 'bench-20261202T070000.json', 'bench-smoke-20261202T080000.json']);
  });
});

function soak() {
  const window = (minute: number, rssMb: number) => ({
    minute,
    kafkaSent: 60_000,
    kafkaDecided: 60_000,
    kafkaP99Ms: any(100, 500),
    lagAtEnd: any(0, 500),
    httpAnswered: 6_000,
    httpNon2xx: 0,
    httpP99Ms: any(50, 100),
    rssMb,
    redisMb: minute * 60,
  });
  return {
    kafkaRate: 1_000,
    httpRate: 100,
    windows: [window(1, 300), window(2, 380), window(3, 420)],
    slopesPerHour: { rssMb: 3_600, redisMb: 3_600, kafkaP99Ms: 0, httpP99Ms: 0, lagAtEnd: 0 },
  };
}

describe('the performance table', () => {
  it('compares each figure with its target, and says when the floor alone misses it too', () => {
    const block = performanceBlock(
      citedRuns([
        run('20261201T200150', {
          replay: replay(6_481),
          steady: { steps: [kafkaStep(1_000, 72), kafkaStep(10_000, 60)], notRun: [], rssMb: latency(300, 350) },
          floor: { replay: replay(57_860), steady: { steps: [kafkaStep(10_000, 107)], notRun: [], rssMb: latency(300, 320) }, http: null },
        }),
      ]),
      'results',
    );
    expect(rowOf(block, 'Catch-up replay')).toContain('**6,481 decisions/s**');
    expect(rowOf(block, 'Catch-up replay')).toMatch(/\| >= 20,000\/s \| missed \|$/);
    expect(rowOf(block, 'Kafka at 10,000/s')).toMatch(/p99 60 ms, kept up .*\| p99 <= 25 ms, kept up \| missed; so does the floor \|$/);
    expect(block).toContain('From [`bench-20261201T200150`](results/bench-20261201T200150.md)');
    expect(block).toContain('2 cores (AMD EPYC), 24 GiB');
    expect(block).toContain("data: the bench's seeded simulator history");
  });

  it('says a figure is not in the run rather than inventing one, and its target not measured', () => {
    const block = performanceBlock(citedRuns([run('20261201T200150', { http: [httpStep('1000/s', 1_000, 12.651)] })]), 'results');
    expect(rowOf(block, 'Catch-up replay')).toContain('| not in this run | >= 20,000/s |');
    expect(rowOf(block, 'HTTP `POST /v1/decisions` at 1,000/s')).toContain('| p50 3.2 ms, p99 12.7 ms | not in this run |');
    expect(rowOf(block, 'HTTP `POST /v1/decisions` at 4,000/s')).toMatch(/\| not run \| not in this run \| p99 <= 10 ms \| not measured \|$/);
    expect(rowOf(block, 'Service RSS')).toMatch(/\| not measured \|$/);
    expect(rowOf(block, 'Soak')).toContain('no soak run committed');
    expect(rowOf(block, 'State rebuilt')).toContain('not in this run');
  });

  it('gives the backlog of a Kafka step that fell behind, and counts the rates skipped after it as missed', () => {
    const steady = { steps: [kafkaStep(1_000, 70), kafkaStep(5_000, 9_000, false)], notRun: [10_000], rssMb: latency(400, 500) };
    const block = performanceBlock(citedRuns([run('20261201T200150', { steady })]), 'results');
    expect(rowOf(block, 'Kafka at 5,000/s')).toContain('fell behind: 250,000 undecided when sending stopped');
    expect(rowOf(block, 'Kafka at 10,000/s')).toMatch(/not run: a lower rate fell behind .*\| missed \|$/);
  });

  it("takes the steady-state RSS from the soak, and names the soak's run", () => {
    const cited = citedRuns([run('20261201T200150'), run('20261202T053555', { replay: null, steady: null, http: null, soak: soak() })]);
    const block = performanceBlock(cited, 'load-tests/results');
    expect(block).toContain("the soak's figures from [`bench-20261202T053555`](load-tests/results/bench-20261202T053555.md)");
    expect(rowOf(block, 'Service RSS')).toMatch(/the soak: 300 MB in its first window, max 420 MB .*\| missed \|$/);
  });
});

describe('the overload table', () => {
  it('puts the default and the shedding step side by side, and what shedding bought', () => {
    const served = (decided: number, withinShare: number, late: number) => ({ served: { decided, withinShare, late } });
    const http = [
      httpStep('max', 2_000, 40),
      httpStep('overload 2x max (4000/s offered)', 3_900, 1_500, {
        statuses: { '200': 60_000, '503': 20_000 },
        okLatencyMs: latency(700, 1_500),
        rssMb: [300, 340],
        ...served(60_000, 0.3, 59_000),
      }),
      httpStep('overload 2x max, shedding at 20 ms loop delay (4000/s offered)', 4_000, 150, {
        statuses: { '200': 45_000, '503': 35_000 },
        okLatencyMs: latency(60, 150),
        ...served(45_000, 0.9, 22_500),
      }),
    ];
    const block = overloadBlock(citedRuns([run('20261202T062949', { http })]), 'results');
    expect(block).toContain('the closed-loop maximum was 2,000/s');
    expect(rowOf(block, 'overload 2x max (')).toContain('| 60,000 / 20,000 | 700 ms / 1,500 ms | 30.0 % | 59,000 | 300 -> 340 MB | no |');
    expect(block).toContain('Shedding cut the answered p99 10.0x, for 25.0 % fewer answered; 50.0 % of its answers still left after');
    expect(block).toContain('missed, by default and with shedding.');
  });
});

describe('the generated blocks', () => {
  it('replace what is between their markers, the same every time, and refuse a README without them', () => {
    const text = 'intro\n\n<!-- figures:x: npm run docs:config writes this from load-tests/results; do not edit -->\nold\n<!-- /figures:x -->\n\nafter\n';
    const once = withFigures(text, [{ name: 'x', body: 'new table' }]);
    expect(once).toBe(text.replace('old', 'new table'));
    expect(withFigures(once, [{ name: 'x', body: 'new table' }])).toBe(once);
    expect(() => withFigures('no markers', [{ name: 'x', body: '' }])).toThrow(/figures:x/);
  });

  it('say missed, met, or not measured', () => {
    expect([verdict(true), verdict(false), verdict(false, false), verdict(false, true), verdict(null)]).toEqual([
      'met',
      'missed',
      'missed; so does the floor',
      'missed',
      'not measured',
    ]);
  });
});
