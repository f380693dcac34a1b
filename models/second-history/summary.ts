/**
 * What a run produced: transactions, frauds per typology and how many of them were ever
 * labelled and how late, the label counts and the label noise. Computed from what was written.
 */
import { DAY_MS, HOUR_MS } from './calendar';
import type { DriftReport } from './history';
import type { LabelRecord } from './output';
import { DRIFT_SCENARIO, FALSE_POSITIVE, SCENARIOS, type Scenario, type Txn } from './txn';

export interface TypologySummary {
  readonly scenario: Scenario;
  readonly frauds: number;
  readonly labelled: number;
  readonly neverLabelled: number;
  /** Median time from transaction to its first fraud label, ms (undefined without labels). */
  readonly medianDelayMs: number | undefined;
}

export interface Summary {
  readonly transactions: number;
  readonly zeroAmount: number;
  readonly frauds: number;
  readonly fraudRate: number;
  readonly typologies: readonly TypologySummary[];
  readonly labels: number;
  readonly fraudLabels: number;
  readonly notFraudLabels: number;
  readonly neverLabelledShare: number;
  /** Legitimate transactions labelled fraud, and how many of those were taken back. */
  readonly falsePositives: number;
  readonly falsePositivesCorrected: number;
  readonly labelsAfterEnd: number;
  /** Only when the drift scenario ran (its frauds are also a row of `typologies`). */
  readonly drift?: DriftSummary;
}

export interface DriftSummary extends DriftReport {
  /** Cards the ring's written payments were made with. */
  readonly cards: number;
  readonly frauds: number;
  /** The ring's payments as a share of every transaction from the drift's start on. */
  readonly shareSince: number;
}

export function summarise(
  transactions: number,
  zeroAmount: number,
  frauds: readonly Txn[],
  labels: readonly LabelRecord[],
  historyEnd: number,
  drift?: DriftReport,
): Summary {
  const firstFraudLabel = new Map<string, number>();
  const fpTrue = new Set<string>();
  const fpFalse = new Set<string>();
  let fraudLabels = 0;
  for (const l of labels) {
    if (l.fraud) {
      fraudLabels += 1;
      if (!firstFraudLabel.has(l.transactionId)) firstFraudLabel.set(l.transactionId, l.reportedAt - l.occurredAt);
    }
    if (l.scenario === FALSE_POSITIVE) (l.fraud ? fpTrue : fpFalse).add(l.transactionId);
  }
  const scenarios: readonly Scenario[] = drift ? [...SCENARIOS, DRIFT_SCENARIO] : SCENARIOS;
  const typologies = scenarios.map((scenario): TypologySummary => {
    const own = frauds.filter((t) => t.truth === scenario);
    const delays = own.map((t) => (t.id === undefined ? undefined : firstFraudLabel.get(t.id))).filter((d): d is number => d !== undefined);
    return { scenario, frauds: own.length, labelled: delays.length, neverLabelled: own.length - delays.length, medianDelayMs: median(delays) };
  });
  const neverLabelled = typologies.reduce((sum, t) => sum + t.neverLabelled, 0);
  return {
    transactions,
    zeroAmount,
    frauds: frauds.length,
    fraudRate: transactions > 0 ? frauds.length / transactions : 0,
    typologies,
    labels: labels.length,
    fraudLabels,
    notFraudLabels: labels.length - fraudLabels,
    neverLabelledShare: frauds.length > 0 ? neverLabelled / frauds.length : 0,
    falsePositives: fpTrue.size,
    falsePositivesCorrected: [...fpTrue].filter((id) => fpFalse.has(id)).length,
    labelsAfterEnd: labels.filter((l) => l.reportedAt >= historyEnd).length,
    ...(drift ? { drift: summariseDrift(drift, frauds) } : {}),
  };
}

function summariseDrift(drift: DriftReport, frauds: readonly Txn[]): DriftSummary {
  const ring = frauds.filter((t) => t.truth === DRIFT_SCENARIO);
  return { ...drift, cards: new Set(ring.map((t) => t.card)).size, frauds: ring.length, shareSince: drift.since > 0 ? ring.length / drift.since : 0 };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < DAY_MS ? `${(ms / HOUR_MS).toFixed(1)} h` : `${(ms / DAY_MS).toFixed(1)} d`;
}

const n = (value: number): string => value.toLocaleString('en');
const pct = (value: number, digits = 1): string => `${(value * 100).toFixed(digits)}%`;

export function formatSummary(s: Summary): string {
  const lines = [
    `transactions: ${n(s.transactions)} (${n(s.zeroAmount)} of 0.00)`,
    `frauds: ${n(s.frauds)} (${pct(s.fraudRate, 3)} of transactions), never labelled: ${pct(s.neverLabelledShare)}`,
    'typology            frauds   share  labelled  never labelled  median label delay',
  ];
  for (const t of s.typologies) {
    const share = s.transactions > 0 ? t.frauds / s.transactions : 0;
    const never = t.frauds > 0 ? t.neverLabelled / t.frauds : 0;
    lines.push(
      `${t.scenario.padEnd(18)} ${n(t.frauds).padStart(7)} ${pct(share, 3).padStart(7)} ${n(t.labelled).padStart(9)} ${`${n(t.neverLabelled)} (${pct(never, 0)})`.padStart(15)}  ${duration(t.medianDelayMs).padStart(18)}`,
    );
  }
  lines.push(
    `labels: ${n(s.labels)} (${n(s.fraudLabels)} fraud: true, ${n(s.notFraudLabels)} fraud: false), ${n(s.labelsAfterEnd)} reported after the last day`,
    `false positives: ${n(s.falsePositives)} legitimate transactions labelled fraud, ${n(s.falsePositivesCorrected)} later corrected with fraud: false`,
  );
  const d = s.drift;
  if (d) {
    lines.push(
      `drift ${DRIFT_SCENARIO} from ${new Date(d.from).toISOString().slice(0, 10)}: ${n(d.frauds)} payments with ${n(d.cards)} cards at ${n(d.merchants.length)} new merchants (${d.merchants[0] ?? ''} to ${d.merchants[d.merchants.length - 1] ?? ''}), ${pct(d.shareSince, 3)} of the ${n(d.since)} transactions since; ${n(d.honest)} honest purchases there`,
    );
  }
  return lines.join('\n');
}
