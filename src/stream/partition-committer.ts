import type { Message } from 'kafkajs';

/** One partition's decided batch, waiting for its Kafka transaction. */
export interface DecidedBatch {
  /** Offset of the batch's first fetched message: where a redo starts if the commit is lost. */
  readonly firstOffset: string;
  /** The offset committed with it: one past the batch's last message. */
  readonly nextOffset: string;
  // Mutable only because kafkajs's sendBatch takes Message[]: nothing changes them once decided.
  readonly decisions: Message[];
  readonly reviews: Message[];
  readonly deadLetters: Message[];
  /** The partition's end offset when the batch was fetched (null when unknown). */
  readonly highWatermark: string | null;
}

/**
 * `committed`; `stopped`: the consumer is stopping or no longer owns the partition, so nothing
 * more is tried; `lost`: the transaction's outcome is unknown (its abort failed, as when a new
 * owner fenced this producer), so the partition must be fenced again and redone from the
 * committed offset.
 */
export type CommitOutcome = 'committed' | 'stopped' | 'lost';

/** Commits a (merged) batch; its heartbeat keeps the group member while it retries. */
export type CommitFn = (batch: DecidedBatch, heartbeat: () => Promise<void>) => Promise<CommitOutcome>;

interface Waiting {
  readonly batch: DecidedBatch;
  readonly heartbeat: () => Promise<void>;
  readonly settle: (committed: boolean) => void;
}

/** Most decisions merged into one transaction: keeps each output record batch well under the broker's 1 MB default. */
const MAX_MERGED_MESSAGES = 8000;
/** Batches that may wait behind the commit in flight before `room()` holds the caller back. */
const MAX_WAITING = 1;

/** Merges consecutive batches of one partition into one commit: their messages in order, the last offset. */
export function mergeBatches(batches: readonly DecidedBatch[]): DecidedBatch {
  const first = batches[0];
  const last = batches[batches.length - 1];
  if (first === undefined || last === undefined) throw new Error('nothing to merge');
  if (batches.length === 1) return first;
  return {
    firstOffset: first.firstOffset,
    nextOffset: last.nextOffset,
    decisions: batches.flatMap((b) => b.decisions),
    reviews: batches.flatMap((b) => b.reviews),
    deadLetters: batches.flatMap((b) => b.deadLetters),
    highWatermark: last.highWatermark,
  };
}

const size = (b: DecidedBatch) => b.decisions.length + b.reviews.length + b.deadLetters.length;

/**
 * Commits one partition's decided batches in offset order, outside kafkajs's fetch loop.
 *
 * kafkajs fetches again only when every partition's batch handler has returned; a handler that
 * also ran its Kafka transaction (several broker round trips) held every partition's next fetch
 * behind it. With a committer the handler can decide, submit and return (the consumer does so
 * for a backlog), and the transaction runs behind it while the next batch is fetched and
 * decided. Batches that wait while one commits are merged into the next transaction (a group
 * commit): under load there are fewer, larger transactions.
 *
 * Exactly-once rests on two rules. Batches commit strictly in order, each transaction carrying
 * the offset after its last message. And once a commit fails for good, every batch behind it is
 * dropped and the epoch moves on, so no later batch commits past the gap: a batch decided under
 * an older epoch is refused, and the consumer redoes the partition from its committed offset.
 */
export class PartitionCommitter {
  private waiting: Waiting[] = [];
  private draining: Promise<void> | null = null;
  private listeners: (() => void)[] = [];
  private currentEpoch = 0;
  private closed = false;

  constructor(
    private readonly commit: CommitFn,
    /** Called once per failed commit with the first offset that was dropped (not for `committed`). */
    private readonly onDrop: (fromOffset: string, outcome: Exclude<CommitOutcome, 'committed'>) => void,
  ) {}

  /** Moves on each time batches are dropped; a batch decided under an older epoch is refused. */
  get epoch(): number {
    return this.currentEpoch;
  }

  /**
   * Queues a batch decided under `epoch`; null when it is refused (an older epoch, or the
   * committer is closed). The promise resolves true once the batch is committed, false if it
   * was dropped after a failed commit.
   */
  submit(batch: DecidedBatch, epoch: number, heartbeat: () => Promise<void>): Promise<boolean> | null {
    if (this.closed || epoch !== this.currentEpoch) return null;
    return new Promise<boolean>((settle) => {
      this.waiting.push({ batch, heartbeat, settle });
      this.draining ??= this.drain();
    });
  }

  /** Resolves once at most MAX_WAITING batches wait behind the commit in flight (backpressure). */
  room(): Promise<void> {
    return this.until(() => this.waiting.length <= MAX_WAITING);
  }

  /** Resolves once nothing waits and nothing is in flight. */
  idle(): Promise<void> {
    return this.until(() => this.draining === null);
  }

  /** Refuses new batches and drops the waiting ones; a commit in flight still finishes. */
  close(): void {
    this.closed = true;
    this.dropWaiting();
    this.notify();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async drain(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const taken = this.take();
        this.notify();
        const merged = mergeBatches(taken.map((w) => w.batch));
        const heartbeat = taken[taken.length - 1]?.heartbeat ?? (() => Promise.resolve());
        const outcome = await this.commit(merged, heartbeat).catch((): CommitOutcome => 'lost');
        for (const w of taken) w.settle(outcome === 'committed');
        if (outcome !== 'committed') {
          this.dropWaiting();
          this.currentEpoch++;
          this.onDrop(merged.firstOffset, outcome);
          break;
        }
      }
    } finally {
      this.draining = null;
      this.notify();
    }
  }

  /** The waiting batches in order, merged up to MAX_MERGED_MESSAGES (always at least one). */
  private take(): Waiting[] {
    let n = 0;
    let total = 0;
    for (const w of this.waiting) {
      total += size(w.batch);
      if (n > 0 && total > MAX_MERGED_MESSAGES) break;
      n++;
    }
    return this.waiting.splice(0, n);
  }

  private dropWaiting(): void {
    for (const w of this.waiting.splice(0)) w.settle(false);
  }

  private notify(): void {
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  private async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.listeners.push(resolve));
  }
}
