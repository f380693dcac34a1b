import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Metrics } from '../metrics/metrics';
import { LogThrottle } from '../shared/throttled-log';
import type { FraudLabel } from '../transactions/transaction.schema';
import { DEFAULT_FTRL } from './ftrl';
import { emptyOnlineState, labelSourceOf, teach, type KeptRow, type LabelSource, type OnlineState } from './online-state';
import { OnlineStore, type VerdictWrite } from './online.store';
import type { Verdict } from './verdicts';

const DAY_MS = 86_400_000;
/** Compare-and-set attempts per batch before it is left to the caller's retry. */
const WRITE_ATTEMPTS = 8;
/** Rows matured per pass: one write each, small enough to keep the script short. */
const MATURE_BATCH = 1000;

interface LearnItem {
  readonly transactionId: string;
  readonly row: KeptRow;
  readonly next: Verdict;
  /** Whose label (the step bound's class); matured negatives are the feed's. */
  readonly source?: LabelSource;
}

export type LearnSource = 'label' | 'matured';

export interface LearnResult {
  readonly learnt: number;
  readonly unchanged: number;
  readonly noRow: number;
}

/** Another writer kept changing the state: the batch is retried by the caller as a whole. */
export class OnlineContention extends Error {}

/**
 * The label side of the online model: turns each label batch, and each batch of decisions due
 * for maturity, into one compare-and-set write of the shared state (online.store.ts), from the
 * rows kept at decision time. Any instance can run it; the version check makes concurrent
 * writers recompute rather than overwrite each other, and makes a redelivered label a no-op.
 */
@Injectable()
export class OnlineLearner implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(OnlineLearner.name);
  private readonly throttle = new LogThrottle();
  private timer: NodeJS.Timeout | null = null;
  private maturing: Promise<void> | null = null;
  /** This instance's writes, one at a time: contention is then only between instances. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: OnlineStore,
    private readonly metrics: Metrics,
  ) {}

  get enabled(): boolean {
    return this.config.online.mode !== 'off';
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => void this.matureNow(), this.config.online.matureIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    await this.maturing;
  }

  /** Learns a label batch (the latest label per transaction); throws on a Redis error, for the consumer to retry. */
  async learnLabels(labels: readonly FraudLabel[], now = new Date()): Promise<LearnResult> {
    if (!this.enabled || labels.length === 0) return { learnt: 0, unchanged: 0, noRow: 0 };
    const rows = await this.store.readRows(labels.map((l) => l.transactionId));
    const items = labels.flatMap((label, i): LearnItem[] => {
      const row = rows[i];
      if (row === null || row === undefined) return [];
      this.metrics.labelDelaySeconds.observe(Math.max(0, Date.parse(label.reportedAt) - row.decidedAtMs) / 1000);
      return [{ transactionId: label.transactionId, row, next: label.fraud ? 'fraud' : 'legit', source: labelSourceOf(label.source) }];
    });
    const noRow = labels.length - items.length;
    if (noRow > 0) this.metrics.onlineExamples.inc({ source: 'label', result: 'no_row' }, noRow);
    const { learnt } = await this.learn('label', items, now);
    return { learnt, unchanged: items.length - learnt, noRow };
  }

  /** One maturity pass: the decisions due, learnt as legitimate where nothing was learnt from them yet. */
  matureNow(now = new Date()): Promise<void> {
    if (this.maturing !== null) return this.maturing;
    this.maturing = this.mature(now)
      .catch((err: unknown) => {
        this.warn('mature', `maturing decisions failed (they stay queued): ${err instanceof Error ? err.message : String(err)}`);
      })
      .finally(() => {
        this.maturing = null;
      });
    return this.maturing;
  }

  private async mature(now: Date): Promise<void> {
    const until = now.getTime() - this.config.online.maturityDays * DAY_MS;
    for (;;) {
      const ids = await this.store.popDue(until, MATURE_BATCH);
      if (ids.length === 0) return;
      const rows = await this.store.readRows(ids);
      const items = ids.flatMap((transactionId, i) => {
        const row = rows[i];
        return row === null || row === undefined ? [] : [{ transactionId, row, next: 'matured' as const }];
      });
      if (ids.length > items.length) this.metrics.onlineExamples.inc({ source: 'matured', result: 'no_row' }, ids.length - items.length);
      try {
        await this.learn('matured', items, now);
      } catch (err) {
        await this.store.requeue(items.map((i) => ({ transactionId: i.transactionId, decidedAtMs: i.row.decidedAtMs })));
        throw err;
      }
      if (ids.length < MATURE_BATCH) return;
    }
  }

  private learn(source: LearnSource, items: readonly LearnItem[], now: Date): Promise<{ learnt: number }> {
    if (items.length === 0) return Promise.resolve({ learnt: 0 });
    const run = this.writing.catch(() => undefined).then(() => this.learnNow(source, items, now));
    this.writing = run;
    return run;
  }

  private async learnNow(source: LearnSource, items: readonly LearnItem[], now: Date): Promise<{ learnt: number }> {
    const { maxStep, combination, rowTtlDays, snapshotEvery, snapshotsKept } = this.config.online;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const read = await this.store.readState();
      if (read.kind === 'refused') throw new Error(`the online model cannot learn: ${read.why}`);
      const previous = await this.store.readVerdicts(items.map((i) => ({ transactionId: i.transactionId, decidedAtMs: i.row.decidedAtMs })));
      const taught = teach(
        read.state,
        DEFAULT_FTRL,
        maxStep,
        combination === 'residual',
        items.map((item, i) => ({ source: item.source ?? 'feed', row: item.row, previous: previous[i] ?? null, next: item.next })),
        now,
      );
      const verdicts: VerdictWrite[] = items.flatMap((item, i) => {
        const verdict = taught.verdicts[i];
        return verdict === null || verdict === undefined ? [] : [{ transactionId: item.transactionId, decidedAtMs: item.row.decidedAtMs, verdict }];
      });
      const learnt = verdicts.length;
      const version = taught.changed ? await this.store.write(read.state.version, taught.state, verdicts, rowTtlDays * DAY_MS) : read.state.version;
      if (version === null) {
        // Another instance wrote first: wait a little (jittered, so two do not collide again) and recompute.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * (attempt + 1)));
        continue;
      }
      if (items.length > learnt) this.metrics.onlineExamples.inc({ source, result: 'unchanged' }, items.length - learnt);
      if (!taught.changed) return { learnt: 0 };
      this.metrics.onlineExamples.inc({ source, result: 'learnt' }, learnt);
      this.metrics.onlineUpdates.inc({ source, clipped: String(taught.clipped) });
      if (version % snapshotEvery === 0) await this.store.snapshot(snapshotsKept);
      return { learnt };
    }
    throw new OnlineContention(`the online model changed under ${String(WRITE_ATTEMPTS)} attempts in a row`);
  }

  /** Rolls the online model back to a snapshot's state, as a new version (scorers reload it); null when there is no such snapshot. */
  async rollback(version: number, now = new Date()): Promise<number | null> {
    const snapshot = await this.store.readSnapshot(version);
    if (snapshot === null) return null;
    if (snapshot.kind === 'refused') throw new Error(`snapshot ${String(version)} cannot be used: ${snapshot.why}`);
    return this.replace({ ...snapshot.state, updatedAt: now.toISOString() });
  }

  /** Forgets everything learnt: an empty model, as a new version. What transactions count as is kept, so their labels are not learnt again. */
  reset(now = new Date()): Promise<number> {
    return this.replace({ ...emptyOnlineState(), updatedAt: now.toISOString() });
  }

  private async replace(state: OnlineState): Promise<number> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await this.store.readVersion();
      const version = await this.store.write(current, state, [], this.config.online.rowTtlDays * DAY_MS);
      if (version !== null) {
        this.metrics.onlineUpdates.inc({ source: 'admin', clipped: 'false' });
        return version;
      }
    }
    throw new OnlineContention(`the online model changed under ${String(WRITE_ATTEMPTS)} attempts in a row`);
  }

  private warn(key: string, message: string): void {
    const admitted = this.throttle.admit(key, message);
    if (admitted !== null) this.logger.warn(admitted);
  }
}
