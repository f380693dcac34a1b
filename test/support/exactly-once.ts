import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { kafkaDecisionsCounted } from '../../load-tests/lib/service-metrics';
import { startServiceProcess, type ServiceProcess } from '../../scripts/service-process';
import { freePort } from '../../scripts/stack/process';
import { VelocityStore } from '../../src/velocity/velocity.store';
import { decisionSchema, type Transaction } from '../../src/transactions/transaction.schema';
import { aTransaction, at, HOUR, SECOND } from './builders';
import { testConfig, uniqueTopics } from './config';
import { createTopics, produce, Tail } from './kafka';

const BASE = '2026-11-20T00:00:00Z';
const CARDS = 250;
const MERCHANTS = 20;

/**
 * A fault test's stream: `total` transactions a second apart in event time, over 250 cards and
 * 20 merchants of their own (so a card's and a merchant's counts afterwards are known exactly).
 */
export function faultStream(prefix: string, total: number): { txs: Transaction[]; messages: Message[] } {
  const txs = Array.from({ length: total }, (_, i) =>
    aTransaction({ cardId: `card-${prefix}-${i % CARDS}`, merchantId: `merchant-${prefix}-${i % MERCHANTS}`, occurredAt: at(BASE, i * SECOND) }),
  );
  return { txs, messages: txs.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) })) };
}

/**
 * Exactly one decision record on the topic per transaction, none missing. A record the
 * reader met twice (its own group rebalanced, e.g. across a broker restart) is one record:
 * records are told apart by partition and offset, and the rereads are reported beside.
 */
export function expectExactlyOnce(tail: Tail, txs: readonly Transaction[]): void {
  const records = new Map<string, Set<string>>();
  for (const record of tail.all) {
    const id = decisionSchema.parse(JSON.parse(record.value)).transactionId;
    records.set(id, (records.get(id) ?? new Set<string>()).add(`${String(record.partition)}:${record.offset}`));
  }
  // Named, so a failure says which transactions broke exactly-once, not just a count.
  const repeated = [...records].filter(([, at]) => at.size > 1).map(([id]) => id);
  const missing = txs.filter((t) => !records.has(t.transactionId)).map((t) => t.transactionId);
  const ids = new Set(txs.map((t) => t.transactionId));
  const strangers = [...records.keys()].filter((id) => !ids.has(id));
  expect({
    repeated: repeated.slice(0, 5),
    repeatedCount: repeated.length,
    missing: missing.slice(0, 5),
    missingCount: missing.length,
    strangers: strangers.length,
  }).toEqual({ repeated: [], repeatedCount: 0, missing: [], missingCount: 0, strangers: 0 });
}

/** Every decision arrived, and no duplicate after it: a duplicate would arrive after the count was reached. */
export async function expectAllDecidedExactlyOnce(tail: Tail, txs: readonly Transaction[], timeoutMs = 120_000): Promise<void> {
  const distinct = () => new Set(tail.all.map((r) => `${String(r.partition)}:${r.offset}`)).size;
  await tail.waitFor('every decision', () => distinct() >= txs.length, timeoutMs);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  expectExactlyOnce(tail, txs);
}

/**
 * Each card's and merchant's velocity state counts every transaction of the stream once: a
 * probe transaction after the stream (its own windows hold the whole stream) sees each card's
 * exact count and amount sum, and each merchant's exact count. A transaction applied twice to
 * Redis, or lost from it, shows here even when the decisions on the topic are right.
 */
export async function expectExactCounts(redisUrl: string, txs: readonly Transaction[]): Promise<void> {
  const byCard = new Map<string, { count: number; sum: number }>();
  const byMerchant = new Map<string, number>();
  let last = 0;
  for (const tx of txs) {
    const card = byCard.get(tx.cardId) ?? { count: 0, sum: 0 };
    byCard.set(tx.cardId, { count: card.count + 1, sum: card.sum + tx.amount });
    byMerchant.set(tx.merchantId, (byMerchant.get(tx.merchantId) ?? 0) + 1);
    last = Math.max(last, Date.parse(tx.occurredAt));
  }
  // Past the next whole hour: the merchant's hourly buckets before it hold the whole stream.
  const probeAt = new Date((Math.floor(last / HOUR) + 1) * HOUR + 30 * SECOND).toISOString();
  const cards = [...byCard.keys()];
  const merchants = [...byMerchant.keys()];
  const probes = cards.map((cardId, i) => aTransaction({ cardId, merchantId: merchants[i % merchants.length] ?? '', occurredAt: probeAt }));
  const redis = new Redis(redisUrl);
  try {
    VelocityStore.install(redis);
    const seen = await new VelocityStore().runBatch(redis, probes);
    const wrongCards = cards.flatMap((cardId, i) => {
      const want = byCard.get(cardId);
      const got = seen[i]?.features.card;
      const right = got?.count24h === want?.count && Math.abs((got?.sum24h ?? NaN) - (want?.sum ?? NaN)) < 0.01;
      return right ? [] : [{ cardId, want, got: got === undefined ? null : { count: got.count24h, sum: got.sum24h } }];
    });
    // A merchant's count is read on its first probe; later probes of it also see the probes before them.
    const firstProbe = new Map<string, number>();
    probes.forEach((p, i) => {
      if (!firstProbe.has(p.merchantId)) firstProbe.set(p.merchantId, i);
    });
    const wrongMerchants = merchants.flatMap((merchantId) => {
      const got = seen[firstProbe.get(merchantId) ?? -1]?.features.merchant.count24h;
      return got === byMerchant.get(merchantId) ? [] : [{ merchantId, want: byMerchant.get(merchantId), got }];
    });
    expect({ wrongCards: wrongCards.slice(0, 3), wrongCardCount: wrongCards.length, wrongMerchants: wrongMerchants.slice(0, 3) }).toEqual({
      wrongCards: [],
      wrongCardCount: 0,
      wrongMerchants: [],
    });
  } finally {
    redis.disconnect();
  }
}

export interface FaultScenarioOptions {
  readonly prefix: string;
  /** The built service (buildService) the instances run from. */
  readonly dist: string;
  /** Where each instance's log goes, `<prefix>-<name>.log`, for a failure's post-mortem. */
  readonly logDir: string;
  readonly total: number;
  /** Every instance started, so the file's afterAll can stop what a failed test left running. */
  readonly running: ServiceProcess[];
  /** The Redis and brokers the service is given, when not the test stack's (e.g. a proxy in front). */
  readonly service?: { readonly redisUrl: string; readonly brokers: string };
  /** The same for the test's own producer, reader and Redis probe. */
  readonly direct?: { readonly redisUrl: string; readonly brokers: string };
  /** The topics' replication factor (1: the single test broker). */
  readonly replicationFactor?: number;
}

/**
 * Runs `body` on fresh topics with a read_committed reader following the decisions: the
 * crash, rebalance and fault tests' common frame. Instances are real processes (the built
 * dist/), as in production: a crash must be a process dying.
 */
export async function inFaultScenario(options: FaultScenarioOptions, body: (s: FaultScenario, tail: Tail) => Promise<void>): Promise<void> {
  const topics = uniqueTopics(options.prefix);
  const config = testConfig({ ...topics, ...(options.direct ? { REDIS_URL: options.direct.redisUrl, KAFKA_BROKERS: options.direct.brokers } : {}) });
  await createTopics(config, 6, options.replicationFactor ?? 1);
  const tail = await Tail.start(config, topics.TOPIC_DECISIONS ?? '');
  try {
    await body(new FaultScenario(options, topics, config), tail);
  } finally {
    await tail.stop();
  }
}

export class FaultScenario {
  readonly txs: Transaction[];
  private readonly messages: Message[];

  constructor(
    private readonly options: FaultScenarioOptions,
    private readonly topics: Record<string, string>,
    private readonly config: ReturnType<typeof testConfig>,
  ) {
    ({ txs: this.txs, messages: this.messages } = faultStream(options.prefix, options.total));
  }

  async start(name: string, extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
    const { service, logDir, prefix, dist } = this.options;
    const env: Record<string, string> = {
      ...this.topics,
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      REDIS_URL: service?.redisUrl ?? this.config.redis.url,
      KAFKA_BROKERS: service?.brokers ?? this.config.kafka.brokers.join(','),
      KAFKA_GROUP_ID: this.config.kafka.groupId,
      KAFKA_CLIENT_ID: name,
      KAFKA_CONSUMER_ENABLED: 'true',
      MODEL_PATH: 'none',
      // Small batches and the broker's shortest session: many commits to interrupt, quick takeover.
      KAFKA_MICRO_BATCH: '50',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ...extraEnv,
    };
    const started = await startServiceProcess({ distDir: dist, env, logFile: join(logDir, `${prefix}-${name}.log`) });
    this.options.running.push(started);
    return started;
  }

  /** Produces transactions [from, to) of the stream, 500 to a request. */
  async feed(from: number, to: number): Promise<void> {
    for (let i = from; i < to; i += 500) await produce(this.config, this.topics.TOPIC_TRANSACTIONS ?? '', this.messages.slice(i, Math.min(to, i + 500)));
  }

  /** Exactly one decision per transaction on the topic, and each card's and merchant's counts exact in Redis. */
  async expectAllDecidedExactlyOnce(tail: Tail): Promise<void> {
    await expectAllDecidedExactlyOnce(tail, this.txs);
    await expectExactCounts(this.config.redis.url, this.txs);
  }

  decisionsCounted(service: ServiceProcess): Promise<number> {
    return kafkaDecisionsCounted(service.baseUrl);
  }

  logOf(name: string): string {
    return readFileSync(join(this.options.logDir, `${this.options.prefix}-${name}.log`), 'utf8');
  }
}
