/**
 * The bench's Kafka floor: what the Kafka path alone costs on this machine, with no check run.
 * The bench starts it as its own process in place of the service and drains the same backlog.
 *
 * It consumes the transactions topic with the service's client and consumer settings (from the
 * same environment variables), JSON-parses each message, writes one decision-sized record per
 * message to the decisions topic and commits the input offsets in the same Kafka transaction,
 * one transaction per partition batch, through the service's own per-partition transactional
 * producers: exactly-once, as the service runs it. What is left out is everything the service
 * does between reading a transaction and writing its decision: validation, Redis, rules, the
 * model, metrics. The replay's figures minus these are what the checks cost.
 */
import type { EachBatchPayload } from 'kafkajs';
import { parseConfig } from '../src/config/config';
import { kafkaClient, transactionsConsumerConfig } from '../src/stream/kafka.client';
import { PartitionProducers } from '../src/stream/partition-producers';
import { floorDecision } from './lib/floor-decision';

async function main(): Promise<void> {
  const { kafka: config } = parseConfig(process.env);
  const kafka = kafkaClient(config);
  const producers = new PartitionProducers(kafka, { groupId: config.groupId, transactionTimeoutMs: config.transactionTimeoutMs });
  const consumer = kafka.consumer(transactionsConsumerConfig(config));
  const handle = async ({ batch }: EachBatchPayload) => {
    if (batch.isEmpty()) return;
    const arrived = performance.now();
    const producer = await producers.get(batch.topic, batch.partition);
    const messages = batch.messages.map((m) => {
      const id = String((JSON.parse(m.value?.toString() ?? '{}') as { transactionId?: unknown }).transactionId);
      // Keyed by transaction id, as the service's decisions are.
      return { key: id, value: JSON.stringify(floorDecision(id, arrived)) };
    });
    const txn = await producer.transaction();
    try {
      await txn.send({ topic: config.topics.decisions, messages });
      await txn.sendOffsets({
        consumerGroupId: config.groupId,
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }] }],
      });
      await txn.commit();
    } catch (err) {
      await txn.abort().catch(() => undefined);
      throw err;
    }
  };
  await consumer.connect();
  await consumer.subscribe({ topics: [config.topics.transactions], fromBeginning: true });
  await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: config.concurrentPartitions, eachBatch: handle });
  process.once('SIGTERM', () => {
    void (async () => {
      await consumer.disconnect();
      await producers.retain(new Set());
      process.exit(0);
    })();
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
