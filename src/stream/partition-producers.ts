import { Logger } from '@nestjs/common';
import { type Kafka, type Producer } from 'kafkajs';
import { KeyPartitioner } from './partitioner';

/**
 * One transactional producer per input partition, with the transactional id
 * `<group>-<topic>-<partition>`.
 *
 * kafkajs speaks TxnOffsetCommit v0/v1 only, without the consumer group generation that lets a
 * broker fence a stale member through a single per-instance producer (KIP-447). The classic
 * scheme therefore applies: whoever owns a partition initialises that partition's transactional
 * id, which aborts (or waits out) the previous owner's open transaction and fences it for good.
 * A crashed or stalled instance can then never commit decisions for a partition it lost.
 * Per-partition producers also let partitions commit concurrently.
 */
export class PartitionProducers {
  private readonly logger = new Logger(PartitionProducers.name);
  private readonly producers = new Map<string, Promise<Producer>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: { groupId: string; transactionTimeoutMs: number },
  ) {}

  /** `<topic>-<partition>`: the producer's key and the suffix of its transactional id. */
  static key(topic: string, partition: number): string {
    return `${topic}-${String(partition)}`;
  }

  /** The partition's producer, connected and initialised, so every earlier owner is fenced. */
  get(topic: string, partition: number): Promise<Producer> {
    const key = PartitionProducers.key(topic, partition);
    let producer = this.producers.get(key);
    if (producer === undefined) {
      producer = this.connect(key);
      this.producers.set(key, producer);
      // A failed connect is not cached: the next batch tries again.
      producer.catch(() => this.producers.delete(key));
    }
    return producer;
  }

  private async connect(key: string): Promise<Producer> {
    const producer = this.kafka.producer({
      transactionalId: `${this.options.groupId}-${key}`,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.options.transactionTimeoutMs,
      // The broker answers CONCURRENT_TRANSACTIONS while it is still writing the previous
      // transaction's markers, which is routine for back-to-back transactions on a busy
      // partition; kafkajs then waits its initial retry time (200 ms from the client config)
      // before the retry. 20 ms, as the Java producer does for this case, cut that stall from
      // the steady-load latency. Retries stay bounded (see kafka.logger.ts): 11 doublings from
      // 20 ms wait about as long in total (~41 s) as the client's 8 from 200 ms (~51 s)
      // before the send fails, its transaction aborts and the consumer redoes the batch.
      retry: { retries: 11, initialRetryTime: 20 },
      // Java-compatible murmur2, so other clients agree on a key's partition (see partitioner.ts).
      createPartitioner: KeyPartitioner,
    });
    await producer.connect();
    // kafkajs initialises the transactional id lazily, at the first transaction; an empty
    // one does it now (InitProducerId: fences earlier owners, settles their open transaction)
    // and ends without an EndTxn.
    const txn = await producer.transaction();
    await txn.abort();
    return producer;
  }

  /** Drops a producer whose transaction state is unknown; the next get() makes a fresh one. */
  async replace(topic: string, partition: number): Promise<void> {
    await this.close(PartitionProducers.key(topic, partition));
  }

  /** Closes the producers of partitions this instance no longer owns. */
  async retain(owned: ReadonlySet<string>): Promise<void> {
    await Promise.all([...this.producers.keys()].filter((key) => !owned.has(key)).map((key) => this.close(key)));
  }

  static ownedKeys(assignment: Record<string, readonly number[]>): Set<string> {
    return new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => PartitionProducers.key(topic, p))));
  }

  async closeAll(): Promise<void> {
    await this.retain(new Set());
  }

  private async close(key: string): Promise<void> {
    const producer = this.producers.get(key);
    this.producers.delete(key);
    if (producer === undefined) return;
    try {
      await (await producer).disconnect();
    } catch (err) {
      this.logger.warn(`closing producer ${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
