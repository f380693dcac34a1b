import { parseConfig, type AppConfig } from '../../src/config/config';

/** The service config a test runs with: the private stack from global setup plus overrides. */
export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  const redisUrl = process.env.REDIS_URL;
  const brokers = process.env.KAFKA_BROKERS;
  if (redisUrl === undefined || brokers === undefined) throw new Error('the test stack is not running (global setup did not run)');
  return parseConfig({ NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: '0', REDIS_URL: redisUrl, KAFKA_BROKERS: brokers, ...overrides });
}
