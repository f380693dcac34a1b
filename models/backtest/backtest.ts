import type { Redis } from 'ioredis';
import { decide, type PolicyConfig } from '../../src/decisions/decision.policy';
import { evaluateRules, hits } from '../../src/rules/rules';
import type { RuleSet } from '../../src/rules/rule-set.schema';
import type { DecisionOutcome, Transaction } from '../../src/transactions/transaction.schema';
import type { Features } from '../../src/velocity/features';
import { replayHistory, type ReplaySummary } from '../replay/replay';

/**
 * Replays a labelled history once and decides every transaction twice, under a candidate
 * rule set and a baseline, on the same features and the same model score, through the
 * service's own policy. What differs between the two columns is the rules and nothing else.
 */

export interface RulesUnderTest {
  /** Where the rule set came from, for the report ("active v3", a file path). */
  readonly source: string;
  readonly ruleSet: RuleSet;
}

export interface Scorer {
  readonly version: string;
  /** The model's row for a transaction, in its own feature order. */
  rowOf(tx: Transaction, features: Features): number[];
  score(rows: readonly (readonly number[])[]): Promise<number[]>;
}

export interface BacktestOptions {
  readonly transactionsPath: string;
  readonly labelsPath: string;
  /** An empty Redis of the backtest's own: never the live one. */
  readonly redis: Redis;
  readonly candidate: RulesUnderTest;
  readonly baseline: RulesUnderTest;
  readonly model: Scorer | null;
  readonly policy: PolicyConfig;
  readonly onProgress?: (done: number) => void;
}

/** Count and amount; amounts are summed per currency (a history may mix them). */
export interface Tally {
  count: number;
  amount: Record<string, number>;
}

export interface RuleStats {
  readonly rule: string;
  hits: number;
  fraudHits: number;
  /** Fraction of hits that were fraud; null without hits. */
  precision: number | null;
}

export interface SideReport {
  readonly source: string;
  readonly rulesVersion: string;
  readonly decisions: Record<DecisionOutcome, number>;
  /** Frauds denied or sent to review. */
  readonly fraudCaught: Tally;
  readonly fraudDenied: Tally;
  readonly fraudMissed: Tally;
  readonly goodDenied: Tally;
  readonly goodReviewed: Tally;
  readonly rules: RuleStats[];
}

export interface BacktestReport {
  readonly replay: ReplaySummary;
  readonly model: string | null;
  readonly candidate: SideReport;
  readonly baseline: SideReport;
  /** candidate minus baseline, per headline figure (counts). */
  readonly difference: Record<string, number>;
}

const tally = (): Tally => ({ count: 0, amount: {} });
function add(t: Tally, currency: string, amount: number): void {
  t.count += 1;
  t.amount[currency] = Math.round(((t.amount[currency] ?? 0) + amount) * 100) / 100;
}

function side(rules: RulesUnderTest): SideReport {
  return {
    source: rules.source,
    rulesVersion: rules.ruleSet.version,
    decisions: { approve: 0, review: 0, deny: 0 },
    fraudCaught: tally(),
    fraudDenied: tally(),
    fraudMissed: tally(),
    goodDenied: tally(),
    goodReviewed: tally(),
    rules: rules.ruleSet.rules.filter((r) => r.enabled && r.mode === 'live').map((r) => ({ rule: r.id, hits: 0, fraudHits: 0, precision: null })),
  };
}

const HEADLINES = ['approve', 'review', 'deny', 'fraudCaught', 'fraudDenied', 'fraudMissed', 'goodDenied', 'goodReviewed'] as const;
const headline = (report: SideReport, name: (typeof HEADLINES)[number]): number =>
  name === 'approve' || name === 'review' || name === 'deny' ? report.decisions[name] : report[name].count;

export async function runBacktest(options: BacktestOptions): Promise<BacktestReport> {
  const sides = [
    { rules: options.candidate, report: side(options.candidate) },
    { rules: options.baseline, report: side(options.baseline) },
  ];
  let done = 0;
  const replay = await replayHistory({
    transactionsPath: options.transactionsPath,
    labelsPath: options.labelsPath,
    redis: options.redis,
    onBatch: async (batch) => {
      // One model call per batch, shared by both sides: the score does not depend on the rules.
      const scores =
        options.model === null ? batch.map(() => null) : await options.model.score(batch.map(({ tx, features }) => options.model?.rowOf(tx, features) ?? []));
      batch.forEach(({ tx, features, label }, i) => {
        const fraud = label?.fraud === true;
        const score = scores[i] ?? null;
        for (const { rules, report } of sides) {
          const result = evaluateRules(rules.ruleSet, tx, features);
          const outcome = decide({ rules: result, score, failures: [] }, options.policy).decision;
          report.decisions[outcome] += 1;
          if (fraud && outcome !== 'approve') add(report.fraudCaught, tx.currency, tx.amount);
          if (fraud && outcome === 'deny') add(report.fraudDenied, tx.currency, tx.amount);
          if (fraud && outcome === 'approve') add(report.fraudMissed, tx.currency, tx.amount);
          if (!fraud && outcome === 'deny') add(report.goodDenied, tx.currency, tx.amount);
          if (!fraud && outcome === 'review') add(report.goodReviewed, tx.currency, tx.amount);
          for (const hit of hits(result)) {
            const stats = report.rules.find((r) => r.rule === hit.ruleId);
            if (stats === undefined) continue;
            stats.hits += 1;
            if (fraud) stats.fraudHits += 1;
          }
        }
      });
      done += batch.length;
      options.onProgress?.(done);
    },
  });
  for (const { report } of sides) {
    for (const stats of report.rules) stats.precision = stats.hits === 0 ? null : Math.round((stats.fraudHits / stats.hits) * 10_000) / 10_000;
  }
  const [candidate, baseline] = sides.map((s) => s.report) as [SideReport, SideReport];
  const difference = Object.fromEntries(HEADLINES.map((name) => [name, headline(candidate, name) - headline(baseline, name)]));
  return { replay, model: options.model?.version ?? null, candidate, baseline, difference };
}

const money = (amount: Record<string, number>): string =>
  Object.keys(amount).length === 0
    ? '0'
    : Object.entries(amount)
        .map(([currency, sum]) => `${sum.toFixed(2)} ${currency}`)
        .join(', ');
const signed = (n: number): string => (n > 0 ? `+${String(n)}` : String(n));
const pct = (p: number | null): string => (p === null ? '-' : `${(p * 100).toFixed(1)} %`);

export function toMarkdown(report: BacktestReport): string {
  const { candidate: c, baseline: b, difference: d } = report;
  const row = (label: string, name: (typeof HEADLINES)[number], amounts?: (s: SideReport) => Record<string, number>) =>
    `| ${label} | ${String(headline(b, name))}${amounts ? ` (${money(amounts(b))})` : ''} | ${String(headline(c, name))}${amounts ? ` (${money(amounts(c))})` : ''} | ${signed(d[name] ?? 0)} |`;
  const ruleRows = (s: SideReport) => s.rules.map((r) => `| ${r.rule} | ${String(r.hits)} | ${String(r.fraudHits)} | ${pct(r.precision)} |`).join('\n');
  return [
    '# Backtest',
    '',
    `Replayed ${String(report.replay.transactions)} transactions (${String(report.replay.frauds)} labelled fraud) in event-time order; model: ${report.model ?? 'none'}.`,
    '',
    `- Baseline: \`${b.rulesVersion}\` (${b.source})`,
    `- Candidate: \`${c.rulesVersion}\` (${c.source})`,
    '',
    '| | Baseline | Candidate | Difference |',
    '|---|---|---|---|',
    row('Approved', 'approve'),
    row('Sent to review', 'review'),
    row('Denied', 'deny'),
    row('Fraud caught (denied or reviewed)', 'fraudCaught', (s) => s.fraudCaught.amount),
    row('Fraud denied', 'fraudDenied', (s) => s.fraudDenied.amount),
    row('Fraud missed (approved)', 'fraudMissed', (s) => s.fraudMissed.amount),
    row('Good transactions denied', 'goodDenied', (s) => s.goodDenied.amount),
    row('Good transactions sent to review', 'goodReviewed', (s) => s.goodReviewed.amount),
    '',
    `## Rule hits, candidate (\`${c.rulesVersion}\`)`,
    '',
    '| Rule | Hits | Fraud hits | Precision |',
    '|---|---|---|---|',
    ruleRows(c),
    '',
    `## Rule hits, baseline (\`${b.rulesVersion}\`)`,
    '',
    '| Rule | Hits | Fraud hits | Precision |',
    '|---|---|---|---|',
    ruleRows(b),
    '',
  ].join('\n');
}
