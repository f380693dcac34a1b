// First: kafkajs's producer must load with the corrected send (see send-messages.ts).
import './send-messages';
import { Kafka, type ConsumerConfig, type Producer, type ProducerConfig } from 'kafkajs';
// Every consumer here reads read_committed: kafkajs's own aborted-record filter lets records through.
import './read-committed';
import type { AppConfig } from '../config/config';
import { kafkaLogCreator } from './kafka.logger';

/** The service's Kafka client: its logs go to the service log, warnings and up. */
export const kafkaClient = (config: AppConfig['kafka']): Kafka =>
  new Kafka({ clientId: config.clientId, brokers: [...config.brokers], logCreator: kafkaLogCreator, retry: { retries: 8, initialRetryTime: 200 } });

/** The `transactions` consumer's settings (the bench's Kafka floor runs with the same). */
export const transactionsConsumerConfig = (config: AppConfig['kafka']): ConsumerConfig => ({
  groupId: config.groupId,
  sessionTimeout: config.sessionTimeoutMs,
  heartbeatInterval: Math.floor(config.sessionTimeoutMs / 10),
  readUncommitted: false,
  maxBytesPerPartition: config.fetchBytesPerPartition,
  // A fetch returns as soon as data arrives; this only bounds an idle long poll, which
  // disconnect() waits for, so it is what a graceful shutdown costs at most.
  maxWaitTimeInMs: 1000,
  retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
});

/**
 * A producer connected on first use and shared after: a failed connect is forgotten, so the
 * next use tries again. `close` disconnects it if it ever connected.
 */
export function lazyProducer(config: AppConfig['kafka'], options: ProducerConfig): { get(): Promise<Producer>; close(): Promise<void> } {
  let connected: Promise<Producer> | null = null;
  return {
    get() {
      if (connected === null) {
        const producer = kafkaClient(config).producer(options);
        const connecting = producer.connect().then(() => producer);
        connected = connecting;
        connecting.catch(() => {
          if (connected === connecting) connected = null;
        });
      }
      return connected;
    },
    async close() {
      const producer = await connected?.catch(() => null);
      await producer?.disconnect();
    },
  };
}
