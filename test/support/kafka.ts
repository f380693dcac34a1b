import { Kafka, logLevel, type Consumer, type Message } from 'kafkajs';
import { ensureTopics } from '../../scripts/stack/kafka';
import { topicsFor } from '../../scripts/stack/stack';
import type { AppConfig } from '../../src/config/config';

export const kafkaFor = (config: AppConfig) => new Kafka({ clientId: 'test', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING });

export async function createTopics(config: AppConfig, partitions = 6): Promise<void> {
  await ensureTopics(config.kafka.brokers, topicsFor(config.kafka.topics, partitions));
}

export async function produce(config: AppConfig, topic: string, messages: Message[]): Promise<void> {
  const producer = kafkaFor(config).producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 1000) await producer.send({ topic, messages: messages.slice(i, i + 1000) });
  } finally {
    await producer.disconnect();
  }
}

export interface Collected {
  readonly key: string;
  readonly value: string;
  readonly partition: number;
}

/**
 * Reads `topic` from the beginning as a `read_committed` consumer (what a downstream service
 * would be), collecting every message until `done(collected)` holds or `timeoutMs` passes.
 */
export async function collect(config: AppConfig, topic: string, done: (all: Collected[]) => boolean, timeoutMs = 60_000): Promise<Collected[]> {
  const consumer: Consumer = kafkaFor(config).consumer({ groupId: `reader-${Math.random()}`, readUncommitted: false });
  const all: Collected[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`collected ${all.length} messages from ${topic} before timing out`));
      }, timeoutMs);
      void consumer.run({
        eachBatch: ({ batch }) => {
          for (const m of batch.messages) all.push({ key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', partition: batch.partition });
          if (done(all)) {
            clearTimeout(timer);
            resolve();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return all;
}
