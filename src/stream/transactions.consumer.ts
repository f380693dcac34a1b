import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Kafka, type Consumer, type EachBatchPayload, type EachMessagePayload, type KafkaMessage, type Message } from 'kafkajs';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { DecisionService, type BatchItem } from '../decisions/decision.service';
import type { StoredDecision } from '../decisions/decision.store';
import { Readiness } from '../health/readiness';
import { Metrics } from '../metrics/metrics';
import { LogThrottle } from '../shared/throttled-log';
import { fingerprint } from '../decisions/idempotency';
import { classifyMessage, DEAD_LETTER_BYTES_PER_REQUEST, deadLetterRuns, dlqMessage, idempotencyConflict, type Poison } from './transaction-message';
import { kafkaClient, transactionsConsumerConfig } from './kafka.client';
import { retryUntilDone } from './retry';
import { PartitionProducers } from './partition-producers';
import { PartitionCommitter, type CommitOutcome, type DecidedBatch } from './partition-committer';
import { PartitionOwnership } from './partition-ownership';
import { StableOffsets } from './stable-offsets';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** What deciding and committing a run of one partition's messages needs from kafkajs. */
interface Work {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  /** The partition's end offset when fetched; unknown to eachMessage. */
  readonly highWatermark: string | null;
  heartbeat(): Promise<void>;
  /** False once this run should stop: the consumer is stopping or the partition was lost. */
  isRunning(): boolean;
  isStale(): boolean;
  resolveOffset(offset: string): void;
}

/**
 * A stored decision whose message sits before this batch on the same partition was committed:
 * this consumer only moves past an offset by committing it. A redelivery of that transaction
 * gets no second decision. A stored decision from inside this batch belongs to an attempt that
 * was aborted (a crash before commit), so it is produced again, unchanged.
 */
export function alreadyCommitted(previous: StoredDecision | null, topic: string, partition: number, firstOffset: bigint): boolean {
  const origin = previous?.origin ?? null;
  return origin !== null && origin.topic === topic && origin.partition === partition && BigInt(origin.offset) < firstOffset;
}

/**
 * The Kafka path: a consumer group on `transactions` feeding the decision pipeline. Each
 * partition's batch is decided (one Redis round trip per micro-batch) and its decisions, review
 * copies and dead letters are produced together with the batch's consumed offsets in one Kafka
 * transaction (`sendOffsets`), by that partition's own transactional producer, so a
 * `read_committed` reader sees each decision exactly once whatever crashes or rebalances happen.
 *
 * A partition's batches run one after another (a card's transactions update its state in offset
 * order); up to KAFKA_CONCURRENT_PARTITIONS partitions run at once. In `batch` mode a batch's
 * transaction runs behind it (PartitionCommitter) while the next one is fetched and decided;
 * a partition whose commits fall behind holds its handler, and so the next fetch, back. Redis
 * and Kafka errors are retried with backoff, heartbeating so the group keeps this member.
 */
@Injectable()
export class TransactionsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TransactionsConsumer.name);
  private readonly throttle = new LogThrottle();
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly offsets: StableOffsets;
  private readonly producers: PartitionProducers;
  /** Which partitions are this instance's, which need fencing, and what is known committed. */
  private readonly ownership = new PartitionOwnership();
  /** Per owned partition, the transactions of its decided batches (see PartitionCommitter). */
  private readonly committers = new Map<string, PartitionCommitter>();
  /** Batch handlers running now; shutdown waits for them before draining the commits. */
  private handling = 0;
  /** Set when shutdown gives up on commits still retrying. */
  private stopping = false;
  private joined = false;
  private crashed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly decisions: DecisionService,
    private readonly metrics: Metrics,
    readiness: Readiness,
  ) {
    const { kafka } = config;
    this.kafka = kafkaClient(kafka);
    this.consumer = this.kafka.consumer(transactionsConsumerConfig(kafka));
    this.offsets = new StableOffsets(this.kafka, kafka.groupId);
    this.producers = new PartitionProducers(this.kafka, { groupId: kafka.groupId, transactionTimeoutMs: kafka.transactionTimeoutMs });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.joined = true;
      this.crashed = false;
      this.ownership.assign(PartitionProducers.ownedKeys(event.payload.memberAssignment));
      // A lost partition's waiting batches are dropped (its next owner redoes them); its
      // producer closes once the commit in flight, if any, has finished.
      const closing: Promise<void>[] = [];
      for (const [key, committer] of this.committers) {
        if (this.ownership.owns(key)) continue;
        committer.close();
        this.committers.delete(key);
        closing.push(committer.idle());
      }
      void Promise.all(closing)
        .then(() => this.producers.retain(this.ownership.ownedKeys))
        .catch(() => undefined);
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.crashed = true;
      this.logger.error(`consumer crashed: ${errorText(event.payload.error)}; restart: ${String(event.payload.restart)}`);
    });
    this.consumer.on(this.consumer.events.STOP, () => {
      this.joined = false;
    });
    if (kafka.consumerEnabled) readiness.register({ name: 'kafka', isReady: () => this.joined && !this.crashed });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.kafka.consumerEnabled) return;
    this.metrics.zeroKafkaTransactions();
    await this.offsets.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.config.kafka.topics.transactions], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.config.kafka.concurrentPartitions,
      ...(this.config.kafka.processing === 'batch'
        ? { eachBatch: (payload: EachBatchPayload) => this.handleBatch(payload) }
        : { eachMessage: (payload: EachMessagePayload) => this.handleMessage(payload) }),
    });
  }

  /**
   * Stops fetching, lets the running batches finish and their transactions commit (for up to
   * SHUTDOWN_GRACE_MS), then leaves the group. Whatever did not commit is redone by the
   * partition's next owner.
   */
  async onApplicationShutdown(): Promise<void> {
    if (!this.config.kafka.consumerEnabled) return;
    if (this.joined) {
      try {
        this.consumer.pause([{ topic: this.config.kafka.topics.transactions }]);
      } catch {
        // Not running (start-up failed): nothing to drain.
      }
      const drained = (async () => {
        while (this.handling > 0) await new Promise((resolve) => setTimeout(resolve, 10));
        await Promise.all([...this.committers.values()].map((c) => c.idle()));
      })();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([drained, new Promise((resolve) => (timer = setTimeout(resolve, this.config.shutdownGraceMs)))]);
      clearTimeout(timer);
    }
    this.stopping = true;
    for (const committer of this.committers.values()) committer.close();
    await this.consumer.disconnect();
    await Promise.all([...this.committers.values()].map((c) => c.idle()));
    await this.producers.closeAll();
    await this.offsets.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    this.handling++;
    try {
      await this.process(
        {
          topic: batch.topic,
          partition: batch.partition,
          messages: batch.messages,
          highWatermark: batch.highWatermark,
          heartbeat: () => payload.heartbeat(),
          isRunning: () => payload.isRunning(),
          isStale: () => payload.isStale(),
          resolveOffset: (offset) => {
            payload.resolveOffset(offset);
          },
        },
        false,
      );
    } finally {
      this.handling--;
    }
  }

  /**
   * The benchmark's baseline (KAFKA_PROCESSING=per-message): the same pipeline and the same
   * exactly-once commit, for one message at a time, each waiting for its own transaction.
   */
  private handleMessage(payload: EachMessagePayload): Promise<void> {
    return this.process(
      {
        topic: payload.topic,
        partition: payload.partition,
        messages: [payload.message],
        highWatermark: null,
        heartbeat: () => payload.heartbeat(),
        isRunning: () => this.joined,
        isStale: () => false,
        resolveOffset: () => undefined,
      },
      true,
    );
  }

  /** The partition's committer, made on its first batch of an assignment. */
  private committer(topic: string, partition: number): PartitionCommitter {
    const key = PartitionProducers.key(topic, partition);
    let committer = this.committers.get(key);
    if (committer === undefined) {
      const made: PartitionCommitter = new PartitionCommitter(
        (batch, heartbeat) => this.commit(topic, partition, batch, heartbeat, () => !this.stopping && !made.isClosed && this.ownership.owns(key)),
        (fromOffset, outcome) => {
          this.dropped(topic, partition, fromOffset, outcome);
        },
      );
      committer = made;
      this.committers.set(key, committer);
    }
    return committer;
  }

  /**
   * Decides a run of one partition's messages and submits them for commit. It returns once the
   * transaction is committed when `perMessage` or when the run is smaller than a micro-batch:
   * the consumer has caught up, and a partition's transactions started back to back are slower
   * than with a fetch and a decision between them (the broker is still completing the last one),
   * which cost latency when measured. A longer run, a backlog, returns as soon as it is queued
   * behind the partition's earlier commits, so kafkajs fetches and decides the next batch
   * while it commits.
   */
  private async process(work: Work, perMessage: boolean): Promise<void> {
    const batch = {
      topic: work.topic,
      partition: work.partition,
      lastOffset: () => work.messages[work.messages.length - 1]?.offset ?? '-1',
      highWatermark: work.highWatermark,
    };
    const heartbeat = () => work.heartbeat();
    const retry = { logger: this.logger, throttle: this.throttle, heartbeat, isRunning: () => work.isRunning() && !work.isStale() };
    const receivedAt = performance.now();
    const { maxMessageBytes, microBatch } = this.config.kafka;
    const committer = this.committer(batch.topic, batch.partition);
    // Taken first: a commit that fails while this batch is decided moves it on, and the batch is refused.
    const epoch = committer.epoch;
    const fetchedFrom = work.messages[0]?.offset ?? batch.lastOffset();
    const key = PartitionProducers.key(batch.topic, batch.partition);
    if (this.ownership.needsFence(key)) {
      const committedOffset = await retryUntilDone('fence', retry, () => this.fence(batch.topic, batch.partition));
      if (committedOffset === null) return;
      this.ownership.fenced(key, committedOffset);
    }
    const messages = this.ownership.toDecide(key, work.messages);
    if (messages.length === 0) {
      work.resolveOffset(batch.lastOffset());
      return;
    }
    const t0 = performance.now();
    // Each item beside the message it came from, for a dead letter should its id turn out reused.
    const items: { readonly item: BatchItem; readonly message: KafkaMessage }[] = [];
    const dlq: Message[] = [];
    const now = new Date();
    const deadLetter = (message: KafkaMessage, poison: Poison) => {
      this.metrics.rejected.inc({ source: 'kafka', code: poison.code });
      dlq.push(dlqMessage(batch, message, poison, now, maxMessageBytes));
    };
    const seen = new Map<string, string>();
    for (const message of messages) {
      const classified = classifyMessage(message.value, maxMessageBytes);
      if (classified.kind === 'transaction') {
        const print = fingerprint(classified.tx);
        const earlier = seen.get(classified.tx.transactionId);
        if (earlier === undefined) {
          seen.set(classified.tx.transactionId, print);
          items.push({
            item: { tx: classified.tx, fingerprint: print, receivedAt, origin: { topic: batch.topic, partition: batch.partition, offset: message.offset } },
            message,
          });
        } else if (earlier !== print) {
          deadLetter(message, idempotencyConflict());
        }
        // The same payload again inside one batch (a redelivery) is decided once.
      } else {
        deadLetter(message, classified);
      }
    }
    this.metrics.stageSeconds.observe({ stage: 'parse', unit: 'kafka_batch' }, (performance.now() - t0) / 1000);

    // A stored decision from before this batch is committed, or is in a commit queued ahead of
    // this batch's: if that one fails, this one is refused with it (see PartitionCommitter).
    const firstOffset = BigInt(messages[0]?.offset ?? batch.lastOffset());
    const decisions: Message[] = [];
    const reviews: Message[] = [];
    for (let start = 0; start < items.length; start += microBatch) {
      const chunk = items.slice(start, start + microBatch);
      const outcomes = await retryUntilDone('decide', retry, () =>
        this.decisions.decideBatch(
          chunk.map((c) => c.item),
          'kafka',
          'stream',
        ),
      );
      if (outcomes === null) return; // stopping or partition lost: nothing committed, the next owner redoes it
      for (const [j, outcome] of outcomes.entries()) {
        const source = chunk[j]?.message;
        if (outcome.kind !== 'decided') {
          // Stream batches wait out ids held elsewhere (HeldElsewhere), so only a conflict is left here.
          if (source === undefined || outcome.kind === 'held') throw new Error(`a stream batch returned an undecided item (${outcome.kind})`);
          deadLetter(source, idempotencyConflict());
          continue;
        }
        const { decision: d, previous } = outcome;
        if (alreadyCommitted(previous, batch.topic, batch.partition, firstOffset)) continue;
        const message = { key: d.transactionId, value: JSON.stringify(d) };
        decisions.push(message);
        if (d.decision === 'review') reviews.push(message);
      }
    }
    if (work.isStale()) return;

    const lastOffset = batch.lastOffset();
    const decided: DecidedBatch = {
      firstOffset: fetchedFrom,
      nextOffset: (BigInt(lastOffset) + 1n).toString(),
      decisions,
      reviews,
      deadLetters: dlq,
      highWatermark: batch.highWatermark,
    };
    const committed = committer.submit(decided, epoch, heartbeat);
    if (committed === null) return; // refused: the partition is redone from its committed offset
    const waitForCommit = perMessage || work.messages.length < microBatch;
    if (waitForCommit && !(await committed)) return;
    work.resolveOffset(lastOffset);
    if (!waitForCommit) await committer.room();
    await heartbeat();
  }

  /** One Kafka transaction: a (merged) batch's messages and the offset after it. */
  private async commit(
    topic: string,
    partition: number,
    batch: DecidedBatch,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<CommitOutcome> {
    const { topics, groupId } = this.config.kafka;
    const [deadLetters = [], ...moreDeadLetters] = deadLetterRuns(batch.deadLetters, DEAD_LETTER_BYTES_PER_REQUEST);
    const topicMessages = [
      { topic: topics.decisions, messages: batch.decisions },
      { topic: topics.reviewQueue, messages: batch.reviews },
      { topic: topics.dlq, messages: deadLetters },
    ].filter((t) => t.messages.length > 0);
    const retry = { logger: this.logger, throttle: this.throttle, heartbeat, isRunning };
    const t0 = performance.now();
    const outcome = await retryUntilDone('commit', retry, async (): Promise<CommitOutcome> => {
      const producer = await this.producers.get(topic, partition);
      const txn = await producer.transaction();
      let committing = false;
      try {
        if (topicMessages.length > 0) await txn.sendBatch({ topicMessages });
        for (const messages of moreDeadLetters) await txn.send({ topic: topics.dlq, messages });
        await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic, partitions: [{ partition, offset: batch.nextOffset }] }] });
        committing = true;
        await txn.commit();
        return 'committed';
      } catch (err) {
        // Failed before the commit was asked for: it cannot have committed, so once aborted
        // the same messages are tried again. kafkajs's abort is not proof of that: it sends
        // nothing when it believes no partition joined the transaction, while the broker may
        // hold one open with records in it, which the retry then joined (a read_committed
        // reader saw the same decisions twice under one COMMIT, one broker of three killed).
        // So the producer is replaced too: its successor's InitProducerId bumps the epoch,
        // which makes the broker abort whatever the old one left open. A failed commit, or an
        // abort that fails, leaves the outcome unknown (a new owner may have fenced this
        // producer, or the commit may have landed): replaced, and the partition fenced again
        // and redone from its committed offset.
        const aborted =
          !committing &&
          (await txn.abort().then(
            () => true,
            () => false,
          ));
        if (aborted) {
          await this.producers.replace(topic, partition);
          throw err;
        }
        this.logger.warn(
          `commit on ${topic}/${String(partition)} failed and could not be aborted (${errorText(err)}): its batches are dropped, and the partition's owner redoes them from the committed offset`,
        );
        await this.producers.replace(topic, partition);
        return 'lost';
      }
    });
    if (outcome !== 'committed') return outcome ?? 'stopped';
    this.ownership.committed(PartitionProducers.key(topic, partition), BigInt(batch.nextOffset));
    this.metrics.stageSeconds.observe({ stage: 'commit' }, (performance.now() - t0) / 1000);
    if (batch.highWatermark !== null) {
      this.metrics.consumerLag.set({ topic, partition: String(partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(batch.nextOffset))));
    }
    return 'committed';
  }

  /**
   * A commit failed for good and its partition's later batches were dropped. If the partition
   * is still this instance's, it is fenced again (its producer may have been replaced) and
   * consumed again from the first dropped offset; messages below the committed offset read
   * then are skipped as decided.
   */
  private dropped(topic: string, partition: number, fromOffset: string, outcome: Exclude<CommitOutcome, 'committed'>): void {
    if (outcome !== 'lost' || this.stopping || !this.ownership.lost(PartitionProducers.key(topic, partition))) return;
    try {
      this.consumer.seek({ topic, partition, offset: fromOffset });
    } catch (err) {
      this.logger.warn(`seeking ${topic}/${String(partition)} back to ${fromOffset} failed: ${errorText(err)}`);
    }
  }

  /**
   * Taking over a partition: initialise its transactional id (fencing any earlier owner, which
   * may be a stalled instance that lost the partition but not its batch) and only then read the
   * committed offset. kafkajs read it when the partition was assigned, possibly before that
   * earlier owner's last commit landed; messages below the fresh offset are already decided.
   * The read waits until every transaction of the partition has applied its offsets
   * (StableOffsets): a commit that completed a moment ago counts.
   */
  private async fence(topic: string, partition: number): Promise<bigint> {
    // This instance's own commits of the partition, from before a rebalance that kept it
    // here, land first: the offset read below must include them.
    await this.committers.get(PartitionProducers.key(topic, partition))?.idle();
    await this.producers.get(topic, partition);
    const [entry] = await this.offsets.read(topic, [partition]);
    return entry?.offset ?? -1n;
  }
}
