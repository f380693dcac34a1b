import type { BenchFigures, HttpFigures, Run } from './bench-runs';

/** How the READMEs' generated figures are written: numbers, latencies, tables, links to a run. */

export const NOT_IN_RUN = 'not in this run';

export type Cpu = HttpFigures['cpuPerDecision'];
export type Row = readonly string[];

export const int = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : Math.round(x).toLocaleString('en'));
export const signed = (x: number | null): string => (x === null ? '-' : `${x >= 0 ? '+' : ''}${int(x)}`);
/** Tenths below 20 ms, where they matter against a 10 ms target; whole milliseconds above. */
export const ms = (x: number | null | undefined): string =>
  x === null || x === undefined ? '-' : Number.isInteger(x) || x >= 20 ? `${int(x)} ms` : `${x.toFixed(1)} ms`;
export const pct = (share: number): string => `${(share * 100).toFixed(1)} %`;
export const table = (head: Row, rows: readonly Row[]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** `missed; so does the floor` says the target is out of reach here whatever the checks cost. */
export function verdict(met: boolean | null, floorMet: boolean | null = null): string {
  if (met === null) return 'not measured';
  if (met) return 'met';
  return floorMet === false ? 'missed; so does the floor' : 'missed';
}

export const runLink = (run: Run, results: string) => `[\`bench-${run.runId}\`](${results}/bench-${run.runId}.md)`;

export function machineText(r: BenchFigures): string {
  const v = r.versions;
  return `${int(r.machine.cores)} cores (${r.machine.cpu}), ${int(r.machine.memoryGb)} GiB, with Kafka, Redis, the service and the load generator all on it; Node.js ${v.node ?? '?'}, Redis ${(v.redis ?? '?').replace(/^v=/, '')}, Kafka ${v.kafka ?? '?'}`;
}

export function sumCpu(c: Cpu | null): number | null {
  if (c === null) return null;
  const { serviceUs, redisUs, brokerUs } = c;
  return serviceUs === null || redisUs === null ? null : serviceUs + redisUs + (brokerUs ?? 0);
}

export const maxOf = (xs: readonly (number | null)[]) => Math.max(...xs.flatMap((x) => (x === null ? [] : [x])));
