import { averagePrecision, utcDay, windowMetrics, type DecidedTransaction, type OutcomeCounts, type RuleInfo } from './metrics';
import type { OnlineSettings, OnlineStats } from './prequential';

/** The scores compared: the batch model alone, the online learner alone, and the two combinations. */
export const ONLINE_VARIANTS = ['base', 'online', 'blend', 'residual'] as const;
export type OnlineVariant = (typeof ONLINE_VARIANTS)[number];

/** A window transaction decided under one variant, with the fraud scenario its label names, if any. */
export interface VariantDecided extends DecidedTransaction {
  readonly scenario: string | null;
}

export interface VariantFigures {
  readonly auc_roc: number | null;
  readonly average_precision: number | null;
  readonly card_precision_at_k: number | null;
  readonly review_rate: number | null;
  readonly deny_rate: number | null;
  /** Frauds over reviewed (deny) decisions; null with none. */
  readonly review_precision: number | null;
  readonly deny_precision: number | null;
  /** Frauds reviewed or denied over all frauds of the window. */
  readonly recall: number | null;
  readonly decisions: OutcomeCounts;
  /**
   * Per fraud scenario: frauds of the window, how many were reviewed or denied, and the average
   * precision of the scenario's frauds against every legitimate transaction (how well the score
   * ranks that pattern, the others left out).
   */
  readonly scenarios: Record<string, { readonly frauds: number; readonly caught: number; readonly average_precision: number | null }>;
}

export interface OnlineReport {
  readonly settings: OnlineSettings;
  readonly stats: OnlineStats;
  readonly variants: Record<OnlineVariant, VariantFigures>;
  /** Average precision per UTC day of the window, per variant (null on a day without both classes). */
  readonly per_day: readonly ({ readonly day: string } & Record<OnlineVariant, number | null>)[];
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

function figures(
  decided: readonly VariantDecided[],
  options: { rules: readonly RuleInfo[]; knownSince: ReadonlyMap<string, number>; k: number },
): VariantFigures {
  const m = windowMetrics(decided, options);
  const { decisions } = m;
  const counts = new Map<string, { frauds: number; caught: number }>();
  for (const tx of decided) {
    if (!tx.fraud) continue;
    const name = tx.scenario ?? 'unnamed';
    const entry = counts.get(name) ?? { frauds: 0, caught: 0 };
    entry.frauds += 1;
    if (tx.outcome !== 'approve') entry.caught += 1;
    counts.set(name, entry);
  }
  const legit = decided.filter((tx) => !tx.fraud).map((tx) => ({ score: tx.score ?? 0, fraud: false }));
  const scenarios = Object.fromEntries(
    [...counts.entries()].map(([name, c]) => {
      const frauds = decided.filter((tx) => tx.fraud && (tx.scenario ?? 'unnamed') === name).map((tx) => ({ score: tx.score ?? 0, fraud: true }));
      return [name, { ...c, average_precision: averagePrecision([...legit, ...frauds]) }];
    }),
  );
  const frauds = decisions.approve.fraud + decisions.review.fraud + decisions.deny.fraud;
  return {
    auc_roc: m.model.auc_roc,
    average_precision: m.model.average_precision,
    card_precision_at_k: m.model.card_precision_at_k,
    review_rate: m.review_rate,
    deny_rate: m.deny_rate,
    review_precision: share(decisions.review.fraud, decisions.review.fraud + decisions.review.legit),
    deny_precision: share(decisions.deny.fraud, decisions.deny.fraud + decisions.deny.legit),
    recall: share(decisions.review.fraud + decisions.deny.fraud, frauds),
    decisions,
    scenarios,
  };
}

function averagePrecisionPerDay(decided: Record<OnlineVariant, readonly VariantDecided[]>): OnlineReport['per_day'] {
  const days = new Map<string, Record<OnlineVariant, { score: number; fraud: boolean }[]>>();
  for (const variant of ONLINE_VARIANTS) {
    for (const tx of decided[variant]) {
      const day = utcDay(tx.occurredAtMs);
      const entry = days.get(day) ?? { base: [], online: [], blend: [], residual: [] };
      entry[variant].push({ score: tx.score ?? 0, fraud: tx.fraud });
      days.set(day, entry);
    }
  }
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, entry]) => ({
      day,
      base: averagePrecision(entry.base),
      online: averagePrecision(entry.online),
      blend: averagePrecision(entry.blend),
      residual: averagePrecision(entry.residual),
    }));
}

export function onlineReport(
  decided: Record<OnlineVariant, readonly VariantDecided[]>,
  settings: OnlineSettings,
  stats: OnlineStats,
  options: { rules: readonly RuleInfo[]; knownSince: ReadonlyMap<string, number>; k: number },
): OnlineReport {
  return {
    settings,
    stats: { ...stats },
    variants: {
      base: figures(decided.base, options),
      online: figures(decided.online, options),
      blend: figures(decided.blend, options),
      residual: figures(decided.residual, options),
    },
    per_day: averagePrecisionPerDay(decided),
  };
}

const num = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '-' : x.toFixed(digits));
const pct = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(digits)} %`);

const VARIANT_NAMES: Record<OnlineVariant, string> = {
  base: 'Batch model alone',
  online: 'Online learner alone',
  blend: 'Blend (1 - w) base + w online',
  residual: 'Residual: online corrections on the base log-odds',
};

export function onlineMarkdown(report: OnlineReport, k: number): string[] {
  const { settings, stats, variants } = report;
  const scenarioNames = [...new Set(Object.values(variants).flatMap((v) => Object.keys(v.scenarios)))].sort();
  return [
    '## Online model (prequential)',
    '',
    `Each transaction scored with what had been learnt before it; labels learnt at their \`reportedAt\`; rows kept for every flagged decision and ${pct(settings.sampleRate, 1)} of approved ones (weight ${num(1 / settings.sampleRate, 0)}) for ${String(settings.rowTtlDays)} days; rows without a fraud label learnt as legitimate after ${String(settings.maturityDays)} days; the online part counts after ${String(settings.warmupLabels)} labels; w = ${String(settings.blendWeight)}; at most ${String(settings.maxStep)} of L2 weight move per label batch; decided live by the ${settings.live} combination. FTRL alpha ${String(settings.params.alpha)}, beta ${String(settings.params.beta)}, l1 ${String(settings.params.l1)}, l2 ${String(settings.params.l2)}.`,
    '',
    `Labels: ${stats.labels.toLocaleString('en')} released, ${stats.learnt.toLocaleString('en')} learnt, ${stats.unchanged.toLocaleString('en')} unchanged, ${stats.noRow.toLocaleString('en')} skipped (no kept row); ${stats.matured.toLocaleString('en')} matured negatives; ${stats.batches.toLocaleString('en')} update batches, ${stats.clipped.toLocaleString('en')} scaled down by the bound; ${stats.rowsKept.toLocaleString('en')} rows kept, at most ${stats.peakRows.toLocaleString('en')} at once.`,
    '',
    `| Score | ROC AUC | Average precision | Card precision@${String(k)} | Review rate | Deny rate | Review precision | Deny precision | Recall |`,
    '|---|---|---|---|---|---|---|---|---|',
    ...Object.entries(VARIANT_NAMES).map(([variant, name]) => {
      const v = variants[variant as OnlineVariant];
      return `| ${name} | ${num(v.auc_roc)} | ${num(v.average_precision)} | ${num(v.card_precision_at_k)} | ${pct(v.review_rate)} | ${pct(v.deny_rate)} | ${num(v.review_precision)} | ${num(v.deny_precision)} | ${num(v.recall)} |`;
    }),
    '',
    '| Scenario | Frauds | ' + ONLINE_VARIANTS.map((v) => `Caught: ${v}`).join(' | ') + ' |',
    '|---|---|' + ONLINE_VARIANTS.map(() => '---').join('|') + '|',
    ...scenarioNames.map(
      (name) =>
        `| ${name} | ${String(variants.base.scenarios[name]?.frauds ?? 0)} | ${ONLINE_VARIANTS.map((v) => String(variants[v].scenarios[name]?.caught ?? 0)).join(' | ')} |`,
    ),
    '',
    '| Day | ' + ONLINE_VARIANTS.map((v) => `AP ${v}`).join(' | ') + ' |',
    '|---|' + ONLINE_VARIANTS.map(() => '---').join('|') + '|',
    ...report.per_day.map((d) => `| ${d.day} | ${ONLINE_VARIANTS.map((v) => num(d[v])).join(' | ')} |`),
    '',
  ];
}
