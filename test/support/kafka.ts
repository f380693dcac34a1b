import { Kafka, logLevel, type Consumer, type Message } from 'kafkajs';
import '../../src/stream/read-committed';
import { ensureTopics } from '../../scripts/stack/kafka';
import { waitFor } from '../../scripts/stack/process';
import { topicsFor } from '../../scripts/stack/stack';
import type { AppConfig } from '../../src/config/config';

export const kafkaFor = (config: AppConfig) => new Kafka({ clientId: 'test', brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING });

export async function createTopics(config: AppConfig, partitions = 6, replicationFactor = 1): Promise<void> {
  await ensureTopics(config.kafka.brokers, topicsFor(config.kafka.topics, partitions), replicationFactor);
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
  readonly offset: string;
}

/**
 * A `read_committed` reader that follows a topic from the beginning in the background, the
 * way a downstream service would, for tests that must also see what arrives late (a duplicate
 * would arrive after the count was reached).
 */
export class Tail {
  readonly all: Collected[] = [];
  private constructor(private readonly consumer: Consumer) {}

  static async start(config: AppConfig, topic: string): Promise<Tail> {
    const consumer = kafkaFor(config).consumer({ groupId: `tail-${Math.random()}`, readUncommitted: false, maxWaitTimeInMs: 200 });
    const tail = new Tail(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: ({ batch }) => {
        for (const m of batch.messages)
          tail.all.push({ key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', partition: batch.partition, offset: m.offset });
        return Promise.resolve();
      },
    });
    return tail;
  }

  async waitFor(what: string, done: (all: readonly Collected[]) => boolean, timeoutMs: number): Promise<void> {
    try {
      await waitFor(what, () => Promise.resolve(done(this.all)), timeoutMs);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}: ${String(this.all.length)} messages so far`);
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

/** Reads `topic` from the beginning until `done(collected)` holds or `timeoutMs` passes. */
export async function collect(config: AppConfig, topic: string, done: (all: readonly Collected[]) => boolean, timeoutMs = 60_000): Promise<Collected[]> {
  const tail = await Tail.start(config, topic);
  try {
    await tail.waitFor(`messages on ${topic}`, done, timeoutMs);
    return tail.all;
  } finally {
    await tail.stop();
  }
}
