import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config';
import { startPrivateStack, topicsFor, type TestStack } from '../scripts/stack/stack';

declare global {
  var __FRAUD_TEST_STACK__: { stack: TestStack; users: number } | undefined;
}

/**
 * Starts a private Redis and Kafka on free ports for the integration and e2e projects.
 * Both projects share one stack per jest run; workers inherit REDIS_URL / KAFKA_BROKERS.
 */
export default async function globalSetup(): Promise<void> {
  if (globalThis.__FRAUD_TEST_STACK__ !== undefined) {
    globalThis.__FRAUD_TEST_STACK__.users += 1;
    return;
  }
  const started = Date.now();
  const topics = parseConfig({}).kafka.topics;
  const stack = await startPrivateStack(join(tmpdir(), `fraud-test-stack-${process.pid}`), topicsFor(topics));
  globalThis.__FRAUD_TEST_STACK__ = { stack, users: 1 };
  process.env.REDIS_URL = stack.redisUrl;
  process.env.KAFKA_BROKERS = stack.kafkaBrokers;
  console.log(`\n[test stack] Redis ${stack.redisUrl}, Kafka ${stack.kafkaBrokers} (started in ${Date.now() - started} ms)`);
}
