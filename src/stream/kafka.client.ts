import { Kafka, type ConsumerConfig } from 'kafkajs';
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
