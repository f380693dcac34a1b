import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Admin, type Kafka, type Consumer, type EachBatchPayload, type EachMessagePayload, type KafkaMessage, type Message } from 'kafkajs';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { DecisionService, type BatchItem } from '../decisions/decision.service';
import type { StoredDecision } from '../decisions/decision.store';
import { Readiness } from '../health/readiness';
import { Metrics } from '../metrics/metrics';
import { LogThrottle } from '../shared/throttled-log';
import { classifyMessage, dlqMessage } from './transaction-message';
import { kafkaClient } from './kafka.client';
import { retryUntilDone } from './retry';
import { PartitionProducers } from './partition-producers';

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
 * order); up to KAFKA_CONCURRENT_PARTITIONS partitions run at once. Redis and Kafka errors are
 * retried inside the batch with backoff, heartbeating so the group keeps this member; the
 * consumer fetches nothing new for a busy partition meanwhile, which is the backpressure.
 */
@Injectable()
export class TransactionsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TransactionsConsumer.name);
  private readonly throttle = new LogThrottle();
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly producers: PartitionProducers;
  /** Partitions assigned since the last rebalance whose ownership is not yet fenced (see fence). */
  private unfenced = new Set<string>();
  /** Per partition, the committed offset read after fencing: messages below it are decided. */
  private readonly decidedBelow = new Map<string, bigint>();
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
    this.consumer = this.kafka.consumer({
      groupId: kafka.groupId,
      sessionTimeout: kafka.sessionTimeoutMs,
      heartbeatInterval: Math.floor(kafka.sessionTimeoutMs / 10),
      readUncommitted: false,
      maxBytesPerPartition: kafka.fetchBytesPerPartition,
      // A fetch returns as soon as data arrives; this only bounds an idle long poll, which
      // disconnect() waits for, so it is what a graceful shutdown costs at most.
      maxWaitTimeInMs: 1000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.admin = this.kafka.admin();
    this.producers = new PartitionProducers(this.kafka, { groupId: kafka.groupId, transactionTimeoutMs: kafka.transactionTimeoutMs });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.joined = true;
      this.crashed = false;
      const owned = PartitionProducers.ownedKeys(event.payload.memberAssignment);
      this.unfenced = new Set(owned);
      this.decidedBelow.clear();
      this.producers.retain(owned).catch(() => undefined);
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
    await this.admin.connect();
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

  /** kafkajs lets the running batch finish, commits nothing further, then leaves the group. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.config.kafka.consumerEnabled) return;
    await this.consumer.disconnect();
    await this.producers.closeAll();
    await this.admin.disconnect();
  }

  private handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return Promise.resolve();
    return this.process({
      topic: batch.topic, partition: batch.partition, messages: batch.messages, highWatermark: batch.highWatermark,
      heartbeat: () => payload.heartbeat(), isRunning: () => payload.isRunning(), isStale: () => payload.isStale(),
      resolveOffset: (offset) => { payload.resolveOffset(offset); },
    });
  }

  /**
   * The benchmark's baseline (KAFKA_PROCESSING=per-message): the same pipeline and the same
   * exactly-once commit, for one message at a time.
   */
  private handleMessage(payload: EachMessagePayload): Promise<void> {
    return this.process({
      topic: payload.topic, partition: payload.partition, messages: [payload.message], highWatermark: null,
      heartbeat: () => payload.heartbeat(), isRunning: () => this.joined, isStale: () => false, resolveOffset: () => undefined,
    });
  }

  private async process(work: Work): Promise<void> {
    const batch = { topic: work.topic, partition: work.partition, lastOffset: () => work.messages[work.messages.length - 1]?.offset ?? '-1', highWatermark: work.highWatermark };
    const heartbeat = () => work.heartbeat();
    const retry = { logger: this.logger, throttle: this.throttle, heartbeat, isRunning: () => work.isRunning() && !work.isStale() };
    const receivedAt = performance.now();
    const { topics, maxMessageBytes, microBatch } = this.config.kafka;
    let messages = work.messages;
    const key = PartitionProducers.key(batch.topic, batch.partition);
    if (this.unfenced.has(key)) {
      const committedOffset = await retryUntilDone('fence', retry, () => this.fence(batch.topic, batch.partition));
      if (committedOffset === null) return;
      this.unfenced.delete(key);
      this.decidedBelow.set(key, committedOffset);
    }
    const decidedBelow = this.decidedBelow.get(key);
    if (decidedBelow !== undefined) {
      messages = messages.filter((m) => BigInt(m.offset) >= decidedBelow);
      if (BigInt(batch.lastOffset()) + 1n >= decidedBelow) this.decidedBelow.delete(key);
      if (messages.length === 0) {
        work.resolveOffset(batch.lastOffset());
        return;
      }
    }
    const t0 = performance.now();
    const items: BatchItem[] = [];
    const dlq: Message[] = [];
    const now = new Date();
    const seen = new Set<string>();
    for (const message of messages) {
      const classified = classifyMessage(message.value, maxMessageBytes);
      if (classified.kind === 'transaction') {
        // A redelivered message inside one batch is decided once.
        if (seen.has(classified.tx.transactionId)) continue;
        seen.add(classified.tx.transactionId);
        items.push({ tx: classified.tx, receivedAt, origin: { topic: batch.topic, partition: batch.partition, offset: message.offset } });
      } else {
        this.metrics.rejected.inc({ source: 'kafka', code: classified.code });
        dlq.push(dlqMessage(batch, message, classified, now));
      }
    }
    this.metrics.stageSeconds.observe({ stage: 'parse' }, (performance.now() - t0) / 1000);

    const firstOffset = BigInt(messages[0]?.offset ?? batch.lastOffset());
    const decisionMessages: Message[] = [];
    const reviewMessages: Message[] = [];
    for (let start = 0; start < items.length; start += microBatch) {
      const chunk = items.slice(start, start + microBatch);
      const decided = await retryUntilDone('decide', retry, () => this.decisions.decideBatch(chunk, 'kafka', 'stream'));
      if (decided === null) return; // stopping or partition lost: nothing committed, the next owner redoes it
      for (const { decision: d, previous } of decided) {
        if (alreadyCommitted(previous, batch.topic, batch.partition, firstOffset)) continue;
        const message = { key: d.transactionId, value: JSON.stringify(d) };
        decisionMessages.push(message);
        if (d.decision === 'review') reviewMessages.push(message);
      }
    }
    if (work.isStale()) return;

    const lastOffset = batch.lastOffset();
    const nextOffset = (BigInt(lastOffset) + 1n).toString();
    const topicMessages = [
      { topic: topics.decisions, messages: decisionMessages },
      { topic: topics.reviewQueue, messages: reviewMessages },
      { topic: topics.dlq, messages: dlq },
    ].filter((t) => t.messages.length > 0);
    const tCommit = performance.now();
    const committed = await retryUntilDone('commit', retry, async () => {
      const producer = await this.producers.get(batch.topic, batch.partition);
      const txn = await producer.transaction();
      try {
        if (topicMessages.length > 0) await txn.sendBatch({ topicMessages });
        await txn.sendOffsets({ consumerGroupId: this.config.kafka.groupId, topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset }] }] });
        await txn.commit();
        return true;
      } catch (err) {
        // A producer whose transaction state is unknown (or that was fenced) is replaced; the
        // new one's initialisation aborts whatever the old one left open.
        await txn.abort().catch(() => this.producers.replace(batch.topic, batch.partition));
        throw err;
      }
    });
    if (committed === null) return;
    this.metrics.stageSeconds.observe({ stage: 'commit' }, (performance.now() - tCommit) / 1000);
    work.resolveOffset(lastOffset);
    if (batch.highWatermark !== null) {
      this.metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(nextOffset))));
    }
    await heartbeat();
  }

  /**
   * Taking over a partition: initialise its transactional id (fencing any earlier owner, which
   * may be a stalled instance that lost the partition but not its batch) and only then read the
   * committed offset. kafkajs read it when the partition was assigned, possibly before that
   * earlier owner's last commit landed; messages below the fresh offset are already decided.
   */
  private async fence(topic: string, partition: number): Promise<bigint> {
    await this.producers.get(topic, partition);
    const [entry] = await this.admin.fetchOffsets({ groupId: this.config.kafka.groupId, topics: [topic] });
    const offset = entry?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
    return BigInt(offset);
  }
}
