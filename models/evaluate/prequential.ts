import { blend, residualOffset, rowWeight, type Combination } from '../../src/online/combine';
import { DEFAULT_FTRL, predict, weights, type FtrlParams } from '../../src/online/ftrl';
import { emptyOnlineState, onlineInputOf, teach, type KeptRow, type OnlineState, type Teaching } from '../../src/online/online-state';
import type { Verdict } from '../../src/online/verdicts';

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
  // A tight bound also steadies the weight-20 examples of sampled approvals: on the sweep, 0.5
  // was as good as 3 on the simulator and lifted the residual on the second history.
  maxStep: 0.5,
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
  readonly row: KeptRow;
  verdict: Verdict | null;
}

interface Scoring extends OnlineScored {
  readonly row: readonly number[];
  readonly base: number | null;
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
  /** The learner of its own (offset 0) and the learner of residuals on the base log-odds. */
  private alone: OnlineState = emptyOnlineState();
  private residual: OnlineState = emptyOnlineState();
  private aloneWeights: Float64Array;
  private residualWeights: Float64Array;
  private readonly kept = new Map<string, Kept>();
  /** Kept rows in decision order: the next to mature and the next to expire are at the front. */
  private readonly queue: { readonly id: string; readonly at: number }[] = [];
  private nextToMature = 0;
  private nextToExpire = 0;
  readonly stats: OnlineStats = { labels: 0, learnt: 0, unchanged: 0, noRow: 0, matured: 0, batches: 0, clipped: 0, rowsKept: 0, peakRows: 0 };

  constructor(readonly settings: OnlineSettings) {
    this.aloneWeights = weights(this.alone.ftrl, settings.params);
    this.residualWeights = weights(this.residual.ftrl, settings.params);
  }

  /** As the service's OnlineModel: enough of each class learnt (both learners see the same examples). */
  get warm(): boolean {
    return Math.min(this.residual.positives, this.residual.negatives) >= this.settings.warmupLabels;
  }

  /** Scores a transaction from its catalogue row (`featureVector`) and its base score (null without a base model). */
  score(row: readonly number[], base: number | null): Scoring {
    const x = onlineInputOf(row);
    const online = predict(this.aloneWeights, x);
    const before = base ?? online;
    return {
      row,
      base,
      online,
      blend: this.warm && base !== null ? blend(base, online, this.settings.blendWeight) : before,
      residual: this.warm ? predict(this.residualWeights, x, residualOffset(base)) : before,
    };
  }

  /** Keeps the row of a decision by the service's policy (flagged: always; approved: sampled). */
  keep(transactionId: string, scored: Scoring, atMs: number, flagged: boolean): void {
    const weight = rowWeight(transactionId, flagged, this.settings.sampleRate);
    if (weight === null || this.kept.has(transactionId)) return;
    this.kept.set(transactionId, { row: { row: Float32Array.from(scored.row), base: scored.base, decidedAtMs: atMs, weight }, verdict: null });
    this.queue.push({ id: transactionId, at: atMs });
    this.stats.rowsKept += 1;
    this.stats.peakRows = Math.max(this.stats.peakRows, this.kept.size);
  }

  /** Learns the labels reported up to `nowMs`, in report order, as one batch. */
  release(labels: readonly { readonly transactionId: string; readonly fraud: boolean }[], nowMs: number): void {
    this.expire(nowMs);
    const teachings: { kept: Kept; next: Verdict }[] = [];
    for (const label of labels) {
      this.stats.labels += 1;
      const kept = this.kept.get(label.transactionId);
      if (kept === undefined) this.stats.noRow += 1;
      else teachings.push({ kept, next: label.fraud ? 'fraud' : 'legit' });
    }
    const learnt = this.learn(teachings, nowMs);
    this.stats.learnt += learnt;
    this.stats.unchanged += teachings.length - learnt;
  }

  /** Learns as legitimate every kept row decided `maturityDays` before `nowMs` with no label yet. */
  mature(nowMs: number): void {
    this.expire(nowMs);
    const due = nowMs - this.settings.maturityDays * DAY_MS;
    const teachings: { kept: Kept; next: Verdict }[] = [];
    for (; this.nextToMature < this.queue.length; this.nextToMature++) {
      const entry = this.queue[this.nextToMature];
      if (entry === undefined || entry.at > due) break;
      const kept = this.kept.get(entry.id);
      if (kept !== undefined) teachings.push({ kept, next: 'matured' });
    }
    this.stats.matured += this.learn(teachings, nowMs);
  }

  /**
   * One batch through the service's own `teach` (online-state.ts), once per learner; labels in
   * one batch on one transaction apply in order, as a batch of the labels consumer (which keeps
   * the latest) would. Returns how many transactions it changed.
   */
  private learn(teachings: readonly { kept: Kept; next: Verdict }[], nowMs: number): number {
    if (teachings.length === 0) return 0;
    const { params, maxStep } = this.settings;
    // The latest verdict per transaction, as the labels consumer keeps it.
    const latest = new Map<Kept, Verdict>();
    for (const t of teachings) {
      latest.delete(t.kept);
      latest.set(t.kept, t.next);
    }
    const batch = [...latest.entries()].map(([kept, next]): Teaching => ({ row: kept.row, previous: kept.verdict, next }));
    const now = new Date(nowMs);
    const alone = teach(this.alone, params, maxStep, false, batch, now);
    const residual = teach(this.residual, params, maxStep, true, batch, now);
    let changed = 0;
    [...latest.keys()].forEach((kept, i) => {
      const verdict = residual.verdicts[i];
      if (verdict === null || verdict === undefined) return;
      kept.verdict = verdict;
      changed += 1;
    });
    if (!residual.changed) return changed;
    this.alone = alone.state;
    this.residual = residual.state;
    this.aloneWeights = weights(this.alone.ftrl, params);
    this.residualWeights = weights(this.residual.ftrl, params);
    this.stats.batches += 1;
    if (alone.clipped || residual.clipped) this.stats.clipped += 1;
    return changed;
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
