import { Kafka } from 'kafkajs';
import type { AppConfig } from '../config/config';
import { kafkaLogCreator } from './kafka.logger';

/** The service's Kafka client: its logs go to the service log, warnings and up. */
export const kafkaClient = (config: AppConfig['kafka']): Kafka =>
  new Kafka({ clientId: config.clientId, brokers: [...config.brokers], logCreator: kafkaLogCreator, retry: { retries: 8, initialRetryTime: 200 } });
