import type { Consumer } from 'kafkajs';
import type { AppConfig } from '../../src/config/config';
import type { Collected } from './kafka';
import { kafkaFor } from './kafka';

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
        for (const m of batch.messages) tail.all.push({ key: m.key?.toString() ?? '', value: m.value?.toString() ?? '', partition: batch.partition });
        return Promise.resolve();
      },
    });
    return tail;
  }

  async waitFor(what: string, done: (all: readonly Collected[]) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.all)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${this.all.length} messages so far`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
