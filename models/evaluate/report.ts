import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecisionOutcome } from '../../src/transactions/transaction.schema';
import type { CardDay, OutcomeCounts, PrPoint, RuleFigures, ThresholdRow, WindowMetrics } from './metrics';
import { onlineMarkdown, type OnlineReport } from './online-report';

export interface ReportData {
  readonly files: { readonly transactions: string; readonly labels: string };
  /** Transactions replayed (the whole history: the features need it). */
  readonly transactions: number;
  /** Label rows in the labels file. */
  readonly labels: number;
  /** Replayed transactions whose final label is fraud. */
  readonly frauds: number;
  readonly labelsApplied: number;
  readonly labelsUnresolved: number;
  readonly skippedRows: { readonly transactions: number; readonly labels: number };
  /** [from, to), by occurredAt. */
  readonly window: { readonly from: string; readonly to: string };
  readonly transactionsInWindow: number;
  readonly fraudsInWindow: number;
  readonly model: string | null;
  readonly rules: string;
  readonly rulesSource: string;
  readonly k: number;
  /** The delay the delayed label features assumed (LABEL_DELAY_DAYS). */
  readonly labelDelayDays: number;
  readonly policy: { readonly reviewThreshold: number; readonly denyThreshold: number };
}

export interface EvaluationReport {
  readonly data: ReportData;
  /** auc_roc, average_precision, card_precision_at_<k> and card_precision_at_<k>_ceiling. */
  readonly model: Readonly<Record<string, number | null>>;
  readonly decisions: OutcomeCounts;
  readonly review_rate: number | null;
  readonly deny_rate: number | null;
  readonly rules: Readonly<Record<string, RuleFigures>>;
  readonly thresholds: readonly ThresholdRow[];
  readonly per_day: readonly CardDay[];
  readonly pr_curve: readonly PrPoint[];
  /** With --online: the online learner, prequentially, against the base model on the same window. */
  readonly online?: OnlineReport;
}

export const cardPrecisionKey = (k: number): string => `card_precision_at_${String(k)}`;

export function buildReport(data: ReportData, metrics: WindowMetrics, online?: OnlineReport): EvaluationReport {
  const key = cardPrecisionKey(data.k);
  return {
    data,
    model: {
      auc_roc: metrics.model.auc_roc,
      average_precision: metrics.model.average_precision,
      [key]: metrics.model.card_precision_at_k,
      [`${key}_ceiling`]: metrics.model.card_precision_at_k_ceiling,
    },
    decisions: metrics.decisions,
    review_rate: metrics.review_rate,
    deny_rate: metrics.deny_rate,
    rules: metrics.rules,
    thresholds: metrics.thresholds,
    per_day: metrics.per_day,
    pr_curve: metrics.pr_curve,
    ...(online === undefined ? {} : { online }),
  };
}

const n = (x: number): string => x.toLocaleString('en');
const num = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '-' : x.toFixed(digits));
const pct = (x: number | null | undefined, digits = 2): string => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(digits)} %`);
const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const OUTCOMES: readonly DecisionOutcome[] = ['approve', 'review', 'deny'];

/** The headline figures in one line each, as the CLI prints them. */
export function headline(report: EvaluationReport): string[] {
  const { data, model } = report;
  const key = cardPrecisionKey(data.k);
  const rules = Object.entries(report.rules).map(([id, r]) => `${id} ${pct(r.precision, 1)} (${String(r.fraud_hits)}/${String(r.hits)})`);
  return [
    `window ${data.window.from} .. ${data.window.to}: ${n(data.transactionsInWindow)} transactions, ${n(data.fraudsInWindow)} frauds (of ${n(data.transactions)} replayed)`,
    `model ${data.model ?? 'none'}: ROC AUC ${num(model.auc_roc)}, average precision ${num(model.average_precision)}, ` +
      `card precision@${String(data.k)} ${num(model[key])} (ceiling ${num(model[`${key}_ceiling`])})`,
    `rules ${data.rules}: review rate ${pct(report.review_rate)}, deny rate ${pct(report.deny_rate)}`,
    `rule precision: ${rules.join(', ')}`,
  ];
}

const DEFINITIONS = (k: number, policy: ReportData['policy']): string[] => [
  '## Definitions',
  '',
  "- **Replay.** The whole history goes through the service's own velocity scripts on a private Redis in event-time order, each label fed back only once its `reportedAt` has passed, so every feature is what the service would have known at the time. Every transaction in the window is then decided by the same rules, model and policy as live traffic (no overrides: they are live state). Ground truth is each transaction's final label (fraud when its last label says `fraud: true`).",
  "- **ROC AUC** over the window's transactions, score = the model's fraud probability: the chance that a random fraud scores above a random legitimate transaction, ties counting half.",
  '- **Average precision** as scikit-learn\'s `average_precision_score`: the sum over distinct score thresholds, highest first, of (R_n - R_n-1) x P_n, where P_n and R_n are the precision and recall of "score >= threshold n"; equal scores form one threshold.',
  `- **Card precision@${String(k)}** (Le Borgne et al., *Reproducible Machine Learning for Credit Card Fraud Detection*, the public baseline's protocol): an investigator checks ${String(k)} cards a day. For each UTC day of the window, a card's score is the highest score of its transactions that day; cards already known compromised (a fraud label for one of the card's transactions reported before the day began) are left out; of the ${String(k)} highest-scoring cards, the number with at least one fraud that day, divided by ${String(k)}. The figure is the mean over the window's days (days with transactions). Score ties go by card id. Le Borgne et al. leave out the cards their own top-${String(k)} found on earlier days; here it is the cards whose fraud was reported, which is what a fraud team knows.`,
  `- **Ceiling**: the same mean for a perfect ranking, min(${String(k)}, fraud cards not yet known) / ${String(k)} per day. Most days hold fewer than ${String(k)} defrauded cards, so the ceiling is often far below 1: read card precision against it.`,
  `- **Decisions**: the policy's outcome (deny rule, else model score >= ${String(policy.denyThreshold)} denies; review or flag rule, or score >= ${String(policy.reviewThreshold)}, reviews), counted by ground truth. Review rate and deny rate are shares of all the window's transactions.`,
  "- **Per rule**: hits among the window's transactions, hits that were fraud, precision = fraud hits / hits. Legit review rate: legitimate transactions the rule sent to review over all legitimate transactions of the window: every legitimate hit of a `review` rule, and for a `flag` rule (which reviews unless something denies) the legitimate hits that ended in review; 0 for other actions. Legit deny rate: legitimate hits of a `deny` rule over all legitimate transactions; 0 for other actions. A transaction hit by several rules counts for each.",
  '- **Thresholds**: for each score s, review rate = share of the window\'s transactions with score >= s, and the precision and recall of "score >= s", to pick a threshold for a given review capacity.',
  '- A figure is `-` (null in report.json) when it is undefined: no model, no frauds, no hits.',
];

export function toMarkdown(report: EvaluationReport): string {
  const { data, model, decisions } = report;
  const key = cardPrecisionKey(data.k);
  const frauds = decisions.approve.fraud + decisions.review.fraud + decisions.deny.fraud;
  const legit = decisions.approve.legit + decisions.review.legit + decisions.deny.legit;
  const caught = decisions.review.fraud + decisions.deny.fraud;
  return [
    '# Detection quality',
    '',
    `- History: \`${data.files.transactions}\` (${n(data.transactions)} transactions replayed, ${n(data.frauds)} labelled fraud), labels \`${data.files.labels}\` (${n(data.labels)} rows: ${n(data.labelsApplied)} fed back to the features, ${n(data.labelsUnresolved)} unresolved)` +
      (data.skippedRows.transactions + data.skippedRows.labels > 0
        ? `; bad rows skipped: ${n(data.skippedRows.transactions)} transactions, ${n(data.skippedRows.labels)} labels`
        : ''),
    `- Window: ${data.window.from} to ${data.window.to} (occurredAt, end excluded): ${n(data.transactionsInWindow)} transactions, ${n(data.fraudsInWindow)} frauds (${pct(share(data.fraudsInWindow, data.transactionsInWindow), 3)})`,
    `- Model: ${data.model === null ? 'none (rules only)' : `\`${data.model}\``}`,
    `- Rules: \`${data.rules}\` (${data.rulesSource})`,
    `- Policy: review at score >= ${String(data.policy.reviewThreshold)}, deny at score >= ${String(data.policy.denyThreshold)}; delayed label features at a ${String(data.labelDelayDays)}-day label delay (LABEL_DELAY_DAYS)`,
    '',
    '## Headline',
    '',
    '| Figure | Value |',
    '|---|---|',
    `| ROC AUC | ${num(model.auc_roc)} |`,
    `| Average precision | ${num(model.average_precision)} |`,
    `| Card precision@${String(data.k)} (mean per day) | ${num(model[key])} |`,
    `| Card precision@${String(data.k)} ceiling (perfect ranking) | ${num(model[`${key}_ceiling`])} |`,
    `| Review rate | ${pct(report.review_rate)} |`,
    `| Deny rate | ${pct(report.deny_rate)} |`,
    `| Frauds caught (reviewed or denied) | ${n(caught)} of ${n(frauds)} (${pct(share(caught, frauds), 1)}) |`,
    `| Legitimate transactions reviewed / denied | ${n(decisions.review.legit)} / ${n(decisions.deny.legit)} of ${n(legit)} (${pct(share(decisions.review.legit, legit))} / ${pct(share(decisions.deny.legit, legit))}) |`,
    '',
    '## Decisions',
    '',
    '| Outcome | Fraud | Legitimate |',
    '|---|---|---|',
    ...OUTCOMES.map((o) => `| ${o} | ${n(decisions[o].fraud)} | ${n(decisions[o].legit)} |`),
    '',
    '## Rules',
    '',
    '| Rule | Action | Hits | Fraud hits | Precision | Legit review rate | Legit deny rate |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(report.rules).map(
      ([id, r]) =>
        `| ${id} | ${r.action} | ${n(r.hits)} | ${n(r.fraud_hits)} | ${pct(r.precision, 1)} | ${pct(r.legit_review_rate, 3)} | ${pct(r.legit_deny_rate, 3)} |`,
    ),
    '',
    '## Score thresholds',
    '',
    '| Score >= | Review rate | Precision | Recall |',
    '|---|---|---|---|',
    ...report.thresholds.map((t) => `| ${String(t.score)} | ${pct(t.review_rate, 3)} | ${num(t.precision)} | ${num(t.recall)} |`),
    '',
    `## Card precision@${String(data.k)} per day`,
    '',
    `| Day | Cards | Known cards removed | Fraud cards | Card precision@${String(data.k)} | Ceiling |`,
    '|---|---|---|---|---|---|',
    ...report.per_day.map(
      (d) => `| ${d.day} | ${n(d.cards)} | ${n(d.known_cards_removed)} | ${n(d.fraud_cards)} | ${num(d.card_precision_at_k)} | ${num(d.ceiling)} |`,
    ),
    '',
    ...(report.online === undefined ? [] : onlineMarkdown(report.online, data.k)),
    ...DEFINITIONS(data.k, data.policy),
    '',
  ].join('\n');
}

/** Six decimals are plenty for rates and scores and keep report.json diffable. */
const rounded = (_key: string, value: unknown): unknown => (typeof value === 'number' && !Number.isInteger(value) ? Number(value.toFixed(6)) : value);

export function writeReport(dir: string, report: EvaluationReport): { jsonPath: string; markdownPath: string } {
  mkdirSync(dir, { recursive: true });
  const jsonPath = join(dir, 'report.json');
  const markdownPath = join(dir, 'summary.md');
  writeFileSync(jsonPath, `${JSON.stringify(report, rounded, 2)}\n`);
  writeFileSync(markdownPath, toMarkdown(report));
  return { jsonPath, markdownPath };
}
