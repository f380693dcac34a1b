import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from 'kafkajs';
import { buildService } from '../../scripts/build';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process';
import { freePort } from '../../scripts/stack/process';
import type { AppConfig } from '../../src/config/config';
import { decisionSchema, type Transaction } from '../../src/transactions/transaction.schema';
import { aTransaction, at, SECOND } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { createTopics, produce, Tail } from '../support/kafka';


/**
 * Crashes and rebalances with the service running as real processes (the built dist/), as in
 * production: a SIGKILL mid-stream, and a second instance leaving its group halfway. Either
 * way a read_committed reader must see exactly one decision per transaction.
 */
const TOTAL = 6000;
const CHUNK = 500;

describe('the Kafka path under crashes and rebalances', () => {
  let dir: string;
  let dist: string;
  const running: ServiceProcess[] = [];

  beforeAll(() => {
    // Logs stay in the temp dir for a failure's post-mortem; the build sits inside the
    // project, next to the node_modules it resolves its dependencies from.
    dir = mkdtempSync(join(tmpdir(), 'fraud-faults-'));
    dist = buildService(join(__dirname, '..', '..', '.cache', `test-dist-${String(process.pid)}`));
  }, 180_000);
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    rmSync(dist, { recursive: true, force: true });
  });

  function scenario(prefix: string, topics: Record<string, string>, config: AppConfig) {
    const txs: Transaction[] = Array.from({ length: TOTAL }, (_, i) =>
      aTransaction({ cardId: `card-${prefix}-${i % 250}`, occurredAt: at('2026-11-20T00:00:00Z', i * SECOND) }),
    );
    const messages: Message[] = txs.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) }));
    const env = (name: string, port: number): Record<string, string> => ({
      ...topics,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      REDIS_URL: config.redis.url,
      KAFKA_BROKERS: config.kafka.brokers.join(','),
      KAFKA_GROUP_ID: config.kafka.groupId,
      KAFKA_CLIENT_ID: name,
      KAFKA_CONSUMER_ENABLED: 'true',
      MODEL_PATH: 'none',
      // Small batches and the broker's shortest session: many commits to interrupt, quick takeover.
      KAFKA_MICRO_BATCH: '50',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
    });
    const start = async (name: string) => {
      const service = await startServiceProcess({ distDir: dist, env: env(name, await freePort()), logFile: join(dir, `${prefix}-${name}.log`) });
      running.push(service);
      return service;
    };
    const feed = async (from: number, to: number) => {
      for (let i = from; i < to; i += CHUNK) await produce(config, topics.TOPIC_TRANSACTIONS ?? '', messages.slice(i, Math.min(to, i + CHUNK)));
    };
    const expectExactlyOnce = (tail: Tail) => {
      const ids = tail.all.map((d) => decisionSchema.parse(JSON.parse(d.value)).transactionId);
      const counts = new Map<string, number>();
      const records = new Map<string, Set<string>>();
      ids.forEach((id, i) => {
        counts.set(id, (counts.get(id) ?? 0) + 1);
        const at = tail.all[i];
        records.set(id, (records.get(id) ?? new Set<string>()).add(`${String(at?.partition)}:${at?.offset ?? ''}`));
      });
      const repeated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
      const missing = txs.filter((t) => !counts.has(t.transactionId)).map((t) => t.transactionId);
      // Named, so a failure says which transactions broke exactly-once, not just a count; and
      // whether a repeat is a second record on the topic (the service) or the reader meeting
      // one record twice (a rebalance of the reader's own group).
      const rereadCount = repeated.filter((id) => records.get(id)?.size === 1).length;
      expect({ repeated: repeated.slice(0, 5), repeatedCount: repeated.length, rereadCount, missing: missing.slice(0, 5), missingCount: missing.length })
        .toEqual({ repeated: [], repeatedCount: 0, rereadCount: 0, missing: [], missingCount: 0 });
      expect(ids).toHaveLength(TOTAL);
    };
    /** Every decision arrived, and no duplicate after it: a duplicate would arrive after the count was reached. */
    const expectAllDecidedExactlyOnce = async (tail: Tail) => {
      await tail.waitFor('every decision', (all) => all.length >= TOTAL, 120_000);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expectExactlyOnce(tail);
    };
    const decisionsCounted = async (service: ServiceProcess) => {
      const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
      return [...text.matchAll(/^fraud_decisions_total\{[^}]*source="kafka"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    const logOf = (name: string) => readFileSync(join(dir, `${prefix}-${name}.log`), 'utf8');
    return { start, feed, expectAllDecidedExactlyOnce, decisionsCounted, logOf };
  }

  /** Runs `body` on a scenario's fresh topics with a read_committed reader following its decisions. */
  async function inScenario(prefix: string, body: (s: ReturnType<typeof scenario>, tail: Tail) => Promise<void>): Promise<void> {
    const topics = uniqueTopics(prefix);
    const config = testConfig(topics);
    await createTopics(config);
    const tail = await Tail.start(config, topics.TOPIC_DECISIONS ?? '');
    try {
      await body(scenario(prefix, topics, config), tail);
    } finally {
      await tail.stop();
    }
  }

  it('SIGKILL in the middle of a stream, then a restart: exactly one decision per transaction, none missing', () =>
    inScenario('kill', async (s, tail) => {
      const first = await s.start('first');
      await s.feed(0, TOTAL / 2);
      await tail.waitFor('the first decisions', (all) => all.length >= 1000, 60_000);
      first.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      const decidedBeforeKill = tail.all.length;
      expect(decidedBeforeKill).toBeLessThan(TOTAL);

      await s.feed(TOTAL / 2, TOTAL);
      await s.start('restarted');
      await s.expectAllDecidedExactlyOnce(tail);
      expect(s.logOf('restarted')).not.toMatch(/"level":"error"/);
    }), 300_000);

  it('a second instance joining mid-stream, while the first has commits in flight: every transaction decided exactly once', () =>
    inScenario('join', async (s, tail) => {
      const first = await s.start('first');
      // The stream arrives over ~10 s; the second instance joins after its first second, so the
      // join revokes partitions from the first while it is deciding and committing.
      const feeding = (async () => {
        for (let i = 0; i < TOTAL; i += CHUNK / 2) {
          await s.feed(i, i + CHUNK / 2);
          await new Promise((resolve) => setTimeout(resolve, 400));
        }
      })();
      await tail.waitFor('the first decisions', (all) => all.length >= 500, 60_000);
      const second = await s.start('second');
      await feeding;
      await s.expectAllDecidedExactlyOnce(tail);
      expect(await s.decisionsCounted(first)).toBeGreaterThan(0);
      expect(await s.decisionsCounted(second)).toBeGreaterThan(0);
      expect(s.logOf('first')).not.toMatch(/"level":"error"/);
      expect(s.logOf('second')).not.toMatch(/"level":"error"/);
    }), 300_000);

  it('two instances in one group, one stopped halfway: every transaction decided exactly once', () =>
    inScenario('pair', async (s, tail) => {
      const [a, b] = await Promise.all([s.start('a'), s.start('b')]);
      await s.feed(0, TOTAL / 2);
      await tail.waitFor('half of the decisions', (all) => all.length >= TOTAL / 2, 120_000);
      // Both members own partitions, so both decided part of the first half.
      expect(await s.decisionsCounted(a)).toBeGreaterThan(0);
      expect(await s.decisionsCounted(b)).toBeGreaterThan(0);

      await s.feed(TOTAL / 2, (TOTAL * 3) / 4);
      expect(await b.stop()).not.toBe('SIGKILL'); // a graceful SIGTERM: finish, commit, leave
      await s.feed((TOTAL * 3) / 4, TOTAL);
      await s.expectAllDecidedExactlyOnce(tail);
    }), 300_000);
});
