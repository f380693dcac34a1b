import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, parseConfig } from './config';
import { ENV_VARS } from './config.schema';

describe('configuration', () => {
  it('has a default for everything, so an empty environment starts on the local stack', () => {
    const config = parseConfig({});
    expect(config.http.port).toBe(8080);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.kafka.topics).toEqual({
      transactions: 'transactions',
      decisions: 'decisions',
      reviewQueue: 'review-queue',
      labels: 'fraud-labels',
      dlq: 'transactions.dlq',
      shadow: 'decisions-shadow',
    });
    expect(config.budget.totalMs).toBe(50);
    expect(config.policy).toEqual({ denyThreshold: 0.8, reviewThreshold: 0.5, failMode: 'open' });
  });

  it('parses lists and numbers, and freezes the result all the way down', () => {
    const config = parseConfig({ KAFKA_BROKERS: 'a:1, b:2', PORT: '9000', BUDGET_TOTAL_MS: '80' });
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.http.port).toBe(9000);
    expect(Object.isFrozen(config.kafka.topics)).toBe(true);
    expect(() => {
      (config.http as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      parseConfig({ PORT: 'eighty', REDIS_URL: 'http://x', FAIL_MODE: 'maybe', DENY_THRESHOLD: '0.3', REVIEW_THRESHOLD: '0.6', BUDGET_MODEL_MS: '500' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'REDIS_URL', 'FAIL_MODE', 'REVIEW_THRESHOLD', 'BUDGET_MODEL_MS']) expect(problems).toContain(name);
  });

  it('never echoes an API key, not even in the error about it', () => {
    const short = 'tooshort-secret';
    let error: unknown;
    try {
      parseConfig({ ADMIN_API_KEYS: short });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('ADMIN_API_KEYS=(redacted)');
    expect((error as ConfigError).message).not.toContain(short);
  });

  it('refuses a key listed with both the admin and the scoring scope', () => {
    const key = 'k'.repeat(32);
    expect(() => parseConfig({ ADMIN_API_KEYS: key, SCORING_API_KEYS: `${'s'.repeat(32)},${key}` })).toThrow(/both ADMIN_API_KEYS and SCORING_API_KEYS/);
    expect(parseConfig({ ADMIN_API_KEYS: `${key}, ${'a'.repeat(20)}` }).auth).toEqual({ adminKeys: [key, 'a'.repeat(20)], scoringKeys: [], reviewKeys: [] });
  });

  it("reads review keys as name:key, and refuses one that is another scope's key or another analyst's", () => {
    const key = 'k'.repeat(32);
    expect(parseConfig({ REVIEW_API_KEYS: `ana:${'a'.repeat(20)}, bob.s:${key}` }).auth.reviewKeys).toEqual([
      { name: 'ana', key: 'a'.repeat(20) },
      { name: 'bob.s', key },
    ]);
    expect(() => parseConfig({ ADMIN_API_KEYS: key, REVIEW_API_KEYS: `ana:${key}` })).toThrow(/both REVIEW_API_KEYS and ADMIN_API_KEYS/);
    expect(() => parseConfig({ REVIEW_API_KEYS: `ana:${key},bob:${key}` })).toThrow(/twice in REVIEW_API_KEYS/);
    expect(() => parseConfig({ REVIEW_API_KEYS: 'ana' })).toThrow(/name:key/);
    expect(() => parseConfig({ REVIEW_API_KEYS: 'ana:short' })).toThrow(/name:key/);
  });

  it('is documented: every variable appears in the README config table', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const missing = Object.keys(ENV_VARS).filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });
});
