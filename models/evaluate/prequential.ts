import { FEATURE_NAMES } from '../../src/model/feature-catalogue';
import { blend, residualOffset, rowWeight, type Combination } from '../../src/online/combine';
import { DEFAULT_FTRL, emptyState, predict, updateBatch, weights, type Example, type FtrlParams, type FtrlState } from '../../src/online/ftrl';
import { onlineInputBuilder, onlineInputNames } from '../../src/online/online-input';
import { verdictChange, type Verdict } from '../../src/online/verdicts';

const DAY_MS = 86_400_000;

/**
 * How the online learner runs in a prequential evaluation: what the service would do with the
 * same settings (ONLINE_* in the config table, once wired in).
 */
export interface OnlineSettings {
  readonly params: FtrlParams;
  /** Bound on the L2 move of the weights per label batch (`updateBatch`). */
  readonly maxStep: number;
  /** Share of approved decisions whose row is kept (flagged ones always are). */
  readonly sampleRate: number;
  /** Days after a decision with no fraud label at which it is learnt as legitimate. */
  readonly maturityDays: number;
  /** Days a kept row lives: a label after that is counted and skipped. */
  readonly rowTtlDays: number;
  /**
   * The online part counts in a decision only once this many examples of each class were learnt
   * (frauds; legit labels and matured negatives): fraud labels come days before the first
   * negatives mature, and a learner of frauds alone scores everything as fraud.
   */
  readonly warmupLabels: number;
  /** w of the reference blend (1 - w) base + w online. */
  readonly blendWeight: number;
  /** Which combination decides (and so which decisions are flagged and keep their rows). */
  readonly live: Combination;
}

// Negatives mature after a week: later and the learner sees weeks of frauds with no negatives
// to weigh them against; the chargebacks that come after (about half) find the row still kept
// (45 days: the simulator's labels are 94 % within 30 days) and correct it.
export const DEFAULT_ONLINE_SETTINGS: OnlineSettings = Object.freeze({
  params: DEFAULT_FTRL,
  maxStep: 3,
  sampleRate: 0.05,
  maturityDays: 7,
  rowTtlDays: 45,
  warmupLabels: 50,
  blendWeight: 0.3,
  live: 'residual',
});

/** One transaction's scores before anything after it was learnt. */
export interface OnlineScored {
  /** The learner of its own, offset 0: the online model alone. */
  readonly online: number;
  /** (1 - w) base + w online once warm; the base (or the online alone without one) before. */
  readonly blend: number;
  /** sigmoid(logit(base) + corrections) once warm; the base before. */
  readonly residual: number;
}

interface Kept {
  readonly x: Float64Array;
  readonly offset: number;
  readonly at: number;
  readonly weight: number;
  verdict: Verdict | null;
}

interface Scoring extends OnlineScored {
  readonly x: Float64Array;
  readonly offset: number;
}

export interface OnlineStats {
  /** Label messages released to the learner. */
  labels: number;
  /** Of those, the ones that changed what a transaction counts as (a first label or a correction). */
  learnt: number;
  /** Redeliveries and labels that said what was already learnt. */
  unchanged: number;
  /** Labels whose row was never kept (an approved decision outside the sample) or had expired. */
  noRow: number;
  /** Rows learnt as legitimate at maturity. */
  matured: number;
  /** Update batches, and how many of them the maxStep bound scaled down. */
  batches: number;
  clipped: number;
  /** Rows kept at any time, and the most held at once. */
  rowsKept: number;
  peakRows: number;
}

/**
 * The online learner as the service would run it, replayed in event time: each transaction is
 * scored with what had been learnt before it, its row kept by the service's policy, each label
 * learnt when its `reportedAt` passes (one `updateBatch` per release, as one label batch), and
 * rows without a fraud label learnt as legitimate at maturity. Two learners run side by side on
 * the same rows and labels: one alone (for the online score and the blend), one of residuals
 * on the base model's log-odds.
 */
export class Prequential {
  private alone: FtrlState;
  private residual: FtrlState;
  private aloneWeights: Float64Array;
  private residualWeights: Float64Array;
  private readonly kept = new Map<string, Kept>();
  /** Kept rows in decision order: the next to mature and the next to expire are at the front. */
  private readonly queue: { readonly id: string; readonly at: number }[] = [];
  private nextToMature = 0;
  private nextToExpire = 0;
  private readonly learntByClass = [0, 0];
  private readonly toInput = onlineInputBuilder(FEATURE_NAMES);
  readonly stats: OnlineStats = { labels: 0, learnt: 0, unchanged: 0, noRow: 0, matured: 0, batches: 0, clipped: 0, rowsKept: 0, peakRows: 0 };

  constructor(readonly settings: OnlineSettings) {
    const inputs = onlineInputNames().length;
    this.alone = emptyState(inputs);
    this.residual = emptyState(inputs);
    this.aloneWeights = weights(this.alone, settings.params);
    this.residualWeights = weights(this.residual, settings.params);
  }

  get warm(): boolean {
    return Math.min(this.learntByClass[0] ?? 0, this.learntByClass[1] ?? 0) >= this.settings.warmupLabels;
  }

  /** Scores a transaction from its catalogue row (`featureVector`) and its base score (null without a base model). */
  score(row: readonly number[], base: number | null): Scoring {
    const x = this.toInput(row);
    const offset = residualOffset(base);
    const online = predict(this.aloneWeights, x);
    const before = base ?? online;
    return {
      x,
      offset,
      online,
      blend: this.warm && base !== null ? blend(base, online, this.settings.blendWeight) : before,
      residual: this.warm ? predict(this.residualWeights, x, offset) : before,
    };
  }

  /** Keeps the row of a decision by the service's policy (flagged: always; approved: sampled). */
  keep(transactionId: string, scored: Scoring, atMs: number, flagged: boolean): void {
    const weight = rowWeight(transactionId, flagged, this.settings.sampleRate);
    if (weight === null || this.kept.has(transactionId)) return;
    this.kept.set(transactionId, { x: scored.x, offset: scored.offset, at: atMs, weight, verdict: null });
    this.queue.push({ id: transactionId, at: atMs });
    this.stats.rowsKept += 1;
    this.stats.peakRows = Math.max(this.stats.peakRows, this.kept.size);
  }

  /** Learns the labels reported up to `nowMs`, in report order, as one batch. */
  release(labels: readonly { readonly transactionId: string; readonly fraud: boolean }[], nowMs: number): void {
    this.expire(nowMs);
    const steps: Taught[] = [];
    for (const label of labels) {
      this.stats.labels += 1;
      const row = this.kept.get(label.transactionId);
      if (row === undefined) {
        this.stats.noRow += 1;
        continue;
      }
      const taught = this.teach(row, label.fraud ? 'fraud' : 'legit');
      if (taught.length === 0) {
        this.stats.unchanged += 1;
        continue;
      }
      this.stats.learnt += 1;
      steps.push(...taught);
    }
    this.learn(steps);
  }

  /** Learns as legitimate every kept row decided `maturityDays` before `nowMs` with no label yet. */
  mature(nowMs: number): void {
    this.expire(nowMs);
    const due = nowMs - this.settings.maturityDays * DAY_MS;
    const steps: Taught[] = [];
    for (; this.nextToMature < this.queue.length; this.nextToMature++) {
      const entry = this.queue[this.nextToMature];
      if (entry === undefined || entry.at > due) break;
      const row = this.kept.get(entry.id);
      if (row === undefined) continue;
      const taught = this.teach(row, 'matured');
      if (taught.length > 0) this.stats.matured += 1;
      steps.push(...taught);
    }
    this.learn(steps);
  }

  private teach(row: Kept, verdict: Verdict): Taught[] {
    const change = verdictChange(row.verdict, verdict);
    row.verdict = change.verdict;
    for (const step of change.steps) this.learntByClass[step.y] = (this.learntByClass[step.y] ?? 0) + step.sign;
    return change.steps.map((step) => ({ x: row.x, y: step.y, weight: step.sign * row.weight, offset: row.offset }));
  }

  private learn(steps: readonly Taught[]): void {
    if (steps.length === 0) return;
    const { params, maxStep } = this.settings;
    const alone = updateBatch(this.alone, params, steps.map(({ x, y, weight }): Example => ({ x, y, weight })), maxStep);
    const residual = updateBatch(this.residual, params, steps, maxStep);
    this.alone = alone.state;
    this.residual = residual.state;
    this.aloneWeights = weights(this.alone, params);
    this.residualWeights = weights(this.residual, params);
    this.stats.batches += 1;
    if (alone.clipped || residual.clipped) this.stats.clipped += 1;
  }

  private expire(nowMs: number): void {
    const before = nowMs - this.settings.rowTtlDays * DAY_MS;
    for (; this.nextToExpire < this.queue.length; this.nextToExpire++) {
      const entry = this.queue[this.nextToExpire];
      if (entry === undefined || entry.at > before) break;
      this.kept.delete(entry.id);
    }
    // The queue's front is spent once both cursors passed it: drop it now and then, not per call.
    const spent = Math.min(this.nextToMature, this.nextToExpire);
    if (spent > 100_000) {
      this.queue.splice(0, spent);
      this.nextToMature -= spent;
      this.nextToExpire -= spent;
    }
  }
}

interface Taught extends Example {
  readonly x: Float64Array;
  readonly y: 0 | 1;
  readonly weight: number;
  readonly offset: number;
}
