import { randomUUID } from 'node:crypto';
import { parseConfig, type AppConfig } from '../../src/config/config';

/**
 * The service config a test runs with: the private stack from global setup, a consumer group
 * and instance of its own, the Kafka consumer off unless the test turns it on, plus overrides.
 */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const redisUrl = process.env.REDIS_URL;
  const brokers = process.env.KAFKA_BROKERS;
  if (redisUrl === undefined || brokers === undefined) throw new Error('the test stack is not running (global setup did not run)');
  return parseConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    PORT: '0',
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: brokers,
    KAFKA_CONSUMER_ENABLED: 'false',
    // Rules-only decisions unless a test loads a model: the rule tests assert exact outcomes.
    MODEL_PATH: 'none',
    KAFKA_GROUP_ID: `test-${randomUUID()}`,
    // HTTP deadlines count from a request's arrival, and the suites run in parallel on a shared
    // machine, inside one event loop per file: at the 50 ms default, a test that expects a full
    // decision would sometimes get a degraded one. Tests of the budget itself set their own.
    BUDGET_TOTAL_MS: '1000',
    BUDGET_VELOCITY_MS: '800',
    BUDGET_RULES_MS: '900',
    BUDGET_MODEL_MS: '900',
    ...overrides,
  });
}

/** Topic names unique to one test, so Kafka tests never read each other's messages. */
export function uniqueTopics(prefix: string): Record<string, string> {
  const id = randomUUID().slice(0, 8);
  return {
    TOPIC_TRANSACTIONS: `${prefix}-${id}-transactions`,
    TOPIC_DECISIONS: `${prefix}-${id}-decisions`,
    TOPIC_REVIEW_QUEUE: `${prefix}-${id}-review`,
    TOPIC_LABELS: `${prefix}-${id}-labels`,
    TOPIC_DLQ: `${prefix}-${id}-dlq`,
    TOPIC_SHADOW: `${prefix}-${id}-shadow`,
  };
}
