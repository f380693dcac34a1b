import type { RuleAction } from '../../src/rules/rule-set.schema';
import type { DecisionOutcome } from '../../src/transactions/transaction.schema';

/**
 * Detection quality of a replayed window, as fraud teams and the literature measure it: the
 * model's ranking (ROC AUC, average precision, card precision@k per day), the service's
 * decisions split by ground truth, each rule's precision and cost to good customers, and the
 * review load and precision at a range of score thresholds. Pure functions of the window's
 * decided transactions; `models/evaluate/run.ts` does the replay.
 */

const DAY_MS = 86_400_000;

export interface Scored {
  readonly score: number;
  readonly fraud: boolean;
}

/** One distinct score, highest first, with the counts of everything scored at or above it. */
interface OperatingPoint {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
}

/** Equal scores form one point: a threshold cannot separate them (sklearn's handling of ties). */
function operatingPoints(items: readonly Scored[]): { points: OperatingPoint[]; positives: number; negatives: number } {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const points: OperatingPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    const item = sorted[i];
    if (item === undefined) continue;
    if (item.fraud) tp += 1;
    else fp += 1;
    if (sorted[i + 1]?.score !== item.score) points.push({ threshold: item.score, tp, fp });
  }
  return { points, positives: tp, negatives: fp };
}

/** Area under the ROC curve: the chance a random fraud outscores a random legitimate one, ties counting half. Null without both classes. */
export function aucRoc(items: readonly Scored[]): number | null {
  const { points, positives, negatives } = operatingPoints(items);
  if (positives === 0 || negatives === 0) return null;
  let area = 0;
  let previous = { tp: 0, fp: 0 };
  for (const point of points) {
    // The negatives at this score beat every positive above it and tie with the ones here.
    area += (point.fp - previous.fp) * (previous.tp + (point.tp - previous.tp) / 2);
    previous = point;
  }
  return area / (positives * negatives);
}

/** sklearn's average_precision_score: the sum over distinct thresholds of (R_n - R_n-1) P_n. Null without frauds. */
export function averagePrecision(items: readonly Scored[]): number | null {
  const { points, positives } = operatingPoints(items);
  if (positives === 0) return null;
  let sum = 0;
  let previousRecall = 0;
  for (const { tp, fp } of points) {
    const recall = tp / positives;
    sum += (recall - previousRecall) * (tp / (tp + fp));
    previousRecall = recall;
  }
  return sum;
}

export interface PrPoint {
  readonly recall: number;
  readonly precision: number;
  /** Transactions scored at or above this are flagged; null for the curve's (0, 1) start. */
  readonly threshold: number | null;
}

export const PR_CURVE_MAX_POINTS = 500;

/**
 * The precision-recall curve from the highest threshold down, starting at (recall 0,
 * precision 1) like sklearn's. Only its corners are kept: each point where recall rises (a
 * fraud comes in, precision peaks) and the point before it (precision at its lowest for that
 * recall), so a long tail of legitimate transactions at one recall costs two points. Past
 * `maxPoints` corners, evenly spread ones are kept, both ends included.
 */
export function prCurve(items: readonly Scored[], maxPoints = PR_CURVE_MAX_POINTS): PrPoint[] {
  const { points, positives } = operatingPoints(items);
  if (positives === 0) return [];
  const curve: PrPoint[] = [
    { recall: 0, precision: 1, threshold: null },
    ...points.map(({ threshold, tp, fp }) => ({ recall: tp / positives, precision: tp / (tp + fp), threshold })),
  ];
  const corners = curve.filter((point, i) => {
    const before = curve[i - 1];
    const after = curve[i + 1];
    return before === undefined || after === undefined || point.recall > before.recall || after.recall > point.recall;
  });
  if (corners.length <= maxPoints) return corners;
  const picked: PrPoint[] = [];
  for (let i = 0; i < maxPoints; i++) {
    const point = corners[Math.round((i * (corners.length - 1)) / (maxPoints - 1))];
    if (point !== undefined) picked.push(point);
  }
  return picked;
}

export const SCORE_THRESHOLDS: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

export interface ThresholdRow {
  readonly score: number;
  /** Share of the window's transactions scored at or above `score`: the review load it would make. */
  readonly review_rate: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
}

/** What "score >= s" would flag, per threshold; every figure null when nothing was scored. */
export function thresholdTable(items: readonly Scored[] | null, thresholds: readonly number[] = SCORE_THRESHOLDS): ThresholdRow[] {
  const frauds = items?.filter((i) => i.fraud).length ?? 0;
  return thresholds.map((score) => {
    if (items === null || items.length === 0) return { score, review_rate: null, precision: null, recall: null };
    const flagged = items.filter((i) => i.score >= score);
    const caught = flagged.filter((i) => i.fraud).length;
    return {
      score,
      review_rate: flagged.length / items.length,
      precision: flagged.length === 0 ? null : caught / flagged.length,
      recall: frauds === 0 ? null : caught / frauds,
    };
  });
}

export interface CardTransaction {
  readonly cardId: string;
  readonly occurredAtMs: number;
  /** Null when no model scored the window. */
  readonly score: number | null;
  readonly fraud: boolean;
}

export interface CardDay {
  /** The UTC day, YYYY-MM-DD. */
  readonly day: string;
  /** Cards with a transaction that day, the known compromised ones included. */
  readonly cards: number;
  /** Cards with a fraud that day and not known compromised before it: what the day's queue can find. */
  readonly fraud_cards: number;
  /** Cards with a transaction that day already known compromised (a fraud label reported before the day began). */
  readonly known_cards_removed: number;
  readonly card_precision_at_k: number | null;
  readonly ceiling: number;
}

export const utcDay = (ms: number): string => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);

/**
 * Card precision@k per UTC day (Le Borgne et al., "Reproducible Machine Learning for Credit
 * Card Fraud Detection", ch. 4): an investigator checks k cards a day. A card's score for the
 * day is its highest transaction score; cards known compromised before the day starts
 * (`knownSince`: card -> when its first fraud label was reported) are out of the queue; the
 * precision is the share of the top k cards with a fraud that day, over k. The ceiling is what
 * a perfect ranking would reach: min(k, fraud cards) / k. Ties in score go by card id, so the
 * figure is reproducible. Only days with a transaction are counted.
 */
export function cardPrecisionPerDay(transactions: readonly CardTransaction[], knownSince: ReadonlyMap<string, number>, k: number): CardDay[] {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive whole number, got ${String(k)}`);
  const days = new Map<number, Map<string, { score: number | null; fraud: boolean }>>();
  let scored = true;
  for (const tx of transactions) {
    const day = Math.floor(tx.occurredAtMs / DAY_MS) * DAY_MS;
    const cards = days.get(day) ?? new Map<string, { score: number | null; fraud: boolean }>();
    days.set(day, cards);
    const card = cards.get(tx.cardId);
    if (tx.score === null) scored = false;
    const score = tx.score === null ? null : Math.max(tx.score, card?.score ?? -Infinity);
    cards.set(tx.cardId, { score, fraud: tx.fraud || (card?.fraud ?? false) });
  }
  return [...days.entries()]
    .sort(([a], [b]) => a - b)
    .map(([dayStart, cards]) => {
      const queue = [...cards.entries()].filter(([cardId]) => !((knownSince.get(cardId) ?? Infinity) < dayStart));
      const fraudCards = queue.filter(([, card]) => card.fraud).length;
      let precision: number | null = null;
      if (scored) {
        const top = queue.sort(([idA, a], [idB, b]) => (b.score ?? 0) - (a.score ?? 0) || (idA < idB ? -1 : idA > idB ? 1 : 0)).slice(0, k);
        precision = top.filter(([, card]) => card.fraud).length / k;
      }
      return {
        day: utcDay(dayStart),
        cards: cards.size,
        fraud_cards: fraudCards,
        known_cards_removed: cards.size - queue.length,
        card_precision_at_k: precision,
        ceiling: Math.min(k, fraudCards) / k,
      };
    });
}

const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

export interface DecidedTransaction extends CardTransaction {
  readonly outcome: DecisionOutcome;
  /** Ids of the live rules that hit. */
  readonly ruleHits: readonly string[];
}

export interface RuleInfo {
  readonly id: string;
  readonly action: RuleAction;
}

export type OutcomeCounts = Record<DecisionOutcome, { fraud: number; legit: number }>;

export interface RuleFigures {
  readonly action: RuleAction;
  readonly hits: number;
  readonly fraud_hits: number;
  /** Share of hits that were fraud; null without hits. */
  readonly precision: number | null;
  /**
   * Legitimate transactions the rule sent to review, over all legitimate transactions: every
   * legitimate hit of a review rule; for a flag rule (which reviews unless something denies)
   * the legitimate hits that ended in review. 0 for deny and allow rules.
   */
  readonly legit_review_rate: number | null;
  /** Legitimate hits of a deny rule over all legitimate transactions; 0 for other actions. */
  readonly legit_deny_rate: number | null;
}

/** Decisions by outcome and ground truth, and per rule: hits, precision and the share of good customers it hurt. */
export function tallyDecisions(
  transactions: readonly DecidedTransaction[],
  rules: readonly RuleInfo[],
): {
  decisions: OutcomeCounts;
  review_rate: number | null;
  deny_rate: number | null;
  rules: Record<string, RuleFigures>;
} {
  const decisions: OutcomeCounts = { approve: { fraud: 0, legit: 0 }, review: { fraud: 0, legit: 0 }, deny: { fraud: 0, legit: 0 } };
  const counts = new Map(rules.map((r) => [r.id, { hits: 0, fraudHits: 0, legitReview: 0, legitDeny: 0 }]));
  const actions = new Map(rules.map((r) => [r.id, r.action]));
  let legit = 0;
  for (const tx of transactions) {
    decisions[tx.outcome][tx.fraud ? 'fraud' : 'legit'] += 1;
    if (!tx.fraud) legit += 1;
    for (const id of tx.ruleHits) {
      const count = counts.get(id);
      if (count === undefined) continue;
      count.hits += 1;
      if (tx.fraud) {
        count.fraudHits += 1;
        continue;
      }
      const action = actions.get(id);
      if (action === 'review' || (action === 'flag' && tx.outcome === 'review')) count.legitReview += 1;
      if (action === 'deny') count.legitDeny += 1;
    }
  }
  const n = transactions.length;
  const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
  return {
    decisions,
    review_rate: share(decisions.review.fraud + decisions.review.legit, n),
    deny_rate: share(decisions.deny.fraud + decisions.deny.legit, n),
    rules: Object.fromEntries(
      rules.map((rule): [string, RuleFigures] => {
        const count = counts.get(rule.id) ?? { hits: 0, fraudHits: 0, legitReview: 0, legitDeny: 0 };
        return [
          rule.id,
          {
            action: rule.action,
            hits: count.hits,
            fraud_hits: count.fraudHits,
            precision: share(count.fraudHits, count.hits),
            legit_review_rate: share(count.legitReview, legit),
            legit_deny_rate: share(count.legitDeny, legit),
          },
        ];
      }),
    ),
  };
}

export interface WindowMetrics {
  readonly transactions: number;
  readonly frauds: number;
  readonly model: {
    readonly auc_roc: number | null;
    readonly average_precision: number | null;
    /** Mean over the window's days. */
    readonly card_precision_at_k: number | null;
    readonly card_precision_at_k_ceiling: number | null;
  };
  readonly decisions: OutcomeCounts;
  readonly review_rate: number | null;
  readonly deny_rate: number | null;
  readonly rules: Record<string, RuleFigures>;
  readonly thresholds: ThresholdRow[];
  readonly per_day: CardDay[];
  readonly pr_curve: PrPoint[];
}

/** Every figure of the report for the window's decided transactions; model figures are null when nothing was scored. */
export function windowMetrics(
  transactions: readonly DecidedTransaction[],
  options: { rules: readonly RuleInfo[]; knownSince: ReadonlyMap<string, number>; k: number },
): WindowMetrics {
  const scored: Scored[] | null =
    transactions.every((tx) => tx.score !== null) && transactions.length > 0 ? transactions.map((tx) => ({ score: tx.score ?? 0, fraud: tx.fraud })) : null;
  const perDay = cardPrecisionPerDay(transactions, options.knownSince, options.k);
  const precisions = perDay.map((d) => d.card_precision_at_k).filter((p) => p !== null);
  return {
    transactions: transactions.length,
    frauds: transactions.filter((tx) => tx.fraud).length,
    model: {
      auc_roc: scored === null ? null : aucRoc(scored),
      average_precision: scored === null ? null : averagePrecision(scored),
      // With no fraud in the window every day's precision is 0 of 0 findable: nothing was measured.
      card_precision_at_k: scored === null || !transactions.some((tx) => tx.fraud) ? null : mean(precisions),
      card_precision_at_k_ceiling: mean(perDay.map((d) => d.ceiling)),
    },
    ...tallyDecisions(transactions, options.rules),
    thresholds: thresholdTable(scored),
    per_day: perDay,
    pr_curve: scored === null ? [] : prCurve(scored),
  };
}
