import { DRIFT_SCENARIO, type SimLabel } from './events';
import type { ScenarioCount } from './generate';
import { DAY, HOUR } from './time';

export interface SummaryInput {
  readonly transactions: number;
  readonly byScenario: readonly ScenarioCount[];
  readonly labels: readonly SimLabel[];
  /** When the drift scenario starts, in a run that has one. */
  readonly driftFrom?: number;
}

export interface LabelDelays {
  readonly p10Days: number;
  readonly medianDays: number;
  readonly p90Days: number;
  readonly maxDays: number;
  readonly withinOneDay: number;
  readonly twoToThirtyDays: number;
  readonly overThirtyDays: number;
}

export function labelDelays(labels: readonly SimLabel[]): LabelDelays | null {
  if (labels.length === 0) return null;
  const days = labels.map((l) => (Date.parse(l.reportedAt) - Date.parse(l.occurredAt)) / DAY).sort((a, b) => a - b);
  const q = (p: number) => days[Math.min(days.length - 1, Math.floor(p * days.length))] ?? 0;
  const share = (keep: (d: number) => boolean) => days.filter(keep).length / days.length;
  return {
    p10Days: q(0.1),
    medianDays: q(0.5),
    p90Days: q(0.9),
    maxDays: days[days.length - 1] ?? 0,
    withinOneDay: share((d) => d <= 1),
    twoToThirtyDays: share((d) => d >= 2 && d <= 30 + HOUR / DAY),
    overThirtyDays: share((d) => d > 30 + HOUR / DAY),
  };
}

export function formatSummary({ transactions, byScenario, labels, driftFrom }: SummaryInput): string {
  const fraud = byScenario.reduce((n, s) => n + s.transactions, 0);
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const lines = [
    `transactions  ${transactions.toLocaleString('en')}`,
    `fraudulent    ${fraud.toLocaleString('en')} (${transactions > 0 ? ((100 * fraud) / transactions).toFixed(3) : '0'}%)`,
    ...(driftFrom === undefined ? [] : [`drift         ${DRIFT_SCENARIO} from ${new Date(driftFrom).toISOString().slice(0, 10)}`]),
    '',
    `${'scenario'.padEnd(22)}${'transactions'.padStart(13)}${'incidents'.padStart(11)}`,
    ...byScenario.map((s) => `${s.scenario.padEnd(22)}${s.transactions.toLocaleString('en').padStart(13)}${s.incidents.toLocaleString('en').padStart(11)}`),
    '',
  ];
  const delays = labelDelays(labels);
  if (delays === null) return [...lines, 'labels        0'].join('\n');
  return [
    ...lines,
    `labels        ${labels.length.toLocaleString('en')}`,
    `label delay   p10 ${delays.p10Days.toFixed(1)} d, median ${delays.medianDays.toFixed(1)} d, p90 ${delays.p90Days.toFixed(1)} d, max ${delays.maxDays.toFixed(1)} d`,
    `              within 1 day ${pct(delays.withinOneDay)}, 2-30 days ${pct(delays.twoToThirtyDays)}, over 30 days ${pct(delays.overThirtyDays)}`,
  ].join('\n');
}
