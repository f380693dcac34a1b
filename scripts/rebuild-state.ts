/**
 * `npm run rebuild-state -- --from <time>`: puts back into Redis, from the Kafka topics, the
 * state the Kafka path built since `time` (a Kafka record timestamp, ISO 8601), after Redis
 * came back without it. It produces no decision.
 *
 * 1. `decisions` from `time` to its end: each decision kept aside under its transaction id.
 * 2. `transactions` from `time` up to the service group's committed offsets (what the service
 *    had decided, read stable): every transaction through the velocity scripts, in partition
 *    order, as the service ran them, and its stored decision restored (the decision from step 1
 *    with the transaction's Kafka position, card, merchant, time and fingerprint), for what is
 *    left of DECISION_TTL_SECONDS. Past the committed offsets the service decides as usual.
 * 3. `fraud-labels` from `time` to its end: into the card and merchant fraud counts.
 * Then it marks the state restored (as `npm run state:resume` does), so waiting instances
 * resume. The scripts and the label counts are idempotent by transaction id: a rebuild
 * repeated, or run over a state that still held part of it, counts nothing twice.
 *
 * Not rebuilt: transactions decided over HTTP (they are on no topic), rule versions and
 * overrides (they come back from Redis's append-only file, or are set again), and what happened
 * before `time`: a partial rebuild restores the windows as far as `time` reaches back.
 */
import { parseArgs } from 'node:util';
import type { Result } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { parseConfig, type AppConfig } from '../src/config/config';
import { decisionKey, DecisionStore } from '../src/decisions/decision.store';
import { fingerprint } from '../src/decisions/idempotency';
import { Readiness } from '../src/health/readiness';
import { Metrics } from '../src/metrics/metrics';
import { LabelsService } from '../src/labels/labels.service';
import { RedisBatch, type Reply } from '../src/redis/redis-batch';
import { RedisClient } from '../src/redis/redis.client';
import { markRestored } from '../src/redis/state-epoch';
import { StableOffsets } from '../src/stream/stable-offsets';
import { classifyMessage, decodeMessage } from '../src/stream/transaction-message';
import { kafkaClient } from '../src/stream/kafka.client';
import { parseLabel } from '../src/transactions/transaction.parse';
import { decisionSchema, type FraudLabel } from '../src/transactions/transaction.schema';
import { velocityLimits, VelocityStore } from '../src/velocity/velocity.store';
import { waitFor } from './stack/process';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fdRebuildDecision(aside: string, stored: string, origin: string, subject: string, print: string): Result<number, Context>;
  }
}

/** Decisions kept aside between steps 1 and 2: `<expires at, epoch s>|<decision JSON>`. */
const asideKey = (transactionId: string) => `fd:rb:{${transactionId}}`;
const ASIDE_TTL_SECONDS = 86_400;

/**
 * Step 2's join, in Redis: the decision kept aside becomes the stored record, byte for byte
 * the decision that was produced, unless a record is there already (the first delivery of an
 * id is the one that was decided). Both keys carry the id's hash tag: one Cluster slot.
 */
const JOIN = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
redis.call('DEL', KEYS[1])
local bar = string.find(v, '|', 1, true)
local ttl = tonumber(string.sub(v, 1, bar - 1)) - tonumber(redis.call('TIME')[1])
if ttl <= 0 then return 0 end
local record = '{"decision":' .. string.sub(v, bar + 1) .. ',"origin":' .. ARGV[1] .. ',"subject":' .. ARGV[2] .. ',"fingerprint":' .. cjson.encode(ARGV[3]) .. '}'
return redis.call('SET', KEYS[2], record, 'EX', ttl, 'NX') and 1 or 0`;

export interface RebuildSummary {
  readonly decisions: number;
  readonly transactions: number;
  readonly restoredDecisions: number;
  readonly labels: number;
  readonly seconds: number;
}

type Range = Map<number, { from: bigint; to: bigint }>;

/** Per partition, [first offset at or after `from`, end) of a topic; `ends` defaults to the high watermarks. */
async function rangeOf(kafka: Kafka, topic: string, fromMs: number, ends?: Map<number, bigint>): Promise<Range> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [starts, highs] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, fromMs), admin.fetchTopicOffsets(topic)]);
    const range: Range = new Map();
    for (const high of highs) {
      const to = ends?.get(high.partition) ?? BigInt(high.high);
      const start = starts.find((s) => s.partition === high.partition)?.offset ?? '-1';
      const from = start === '-1' ? to : BigInt(start);
      if (from < to) range.set(high.partition, { from, to });
    }
    return range;
  } finally {
    await admin.disconnect();
  }
}

/** Reads each partition's range in offset order, one batch at a time, and returns once every range is read. */
async function readRange(
  kafka: Kafka,
  topic: string,
  range: Range,
  handle: (partition: number, messages: { offset: string; value: Buffer | null }[]) => Promise<void>,
): Promise<void> {
  if (range.size === 0) return;
  const consumer = kafka.consumer({ groupId: `fraud-rebuild-${String(Date.now())}-${topic}`, readUncommitted: false, maxWaitTimeInMs: 500 });
  const left = new Set(range.keys());
  let done: () => void = () => undefined;
  let failed: (err: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  await consumer.connect();
  try {
    // From the end until the seeks below move each partition to its range: nothing is read twice.
    await consumer.subscribe({ topic, fromBeginning: false });
    // Completion is read from kafkajs's end-of-batch event: it also fires for a fetch of
    // nothing but control records (transaction markers), which eachBatch never sees.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const r = range.get(payload.partition);
      if (r === undefined || payload.topic !== topic || BigInt(payload.lastOffset) + 1n < r.to) return;
      left.delete(payload.partition);
      if (left.size === 0) done();
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const r = range.get(batch.partition);
        if (r === undefined) return;
        const inRange = batch.messages.filter((m) => BigInt(m.offset) >= r.from && BigInt(m.offset) < r.to);
        try {
          if (inRange.length > 0) await handle(batch.partition, inRange);
        } catch (err) {
          failed(err);
        }
      },
    });
    for (const [partition, r] of range) consumer.seek({ topic, partition, offset: r.from.toString() });
    await finished;
  } finally {
    await consumer.disconnect();
  }
}

export async function rebuildState(config: AppConfig, fromMs: number, log: (line: string) => void = () => undefined): Promise<RebuildSummary> {
  const started = performance.now();
  const { topics, groupId } = config.kafka;
  const kafka = kafkaClient(config.kafka);
  // The service's own Redis client, stores and label path: the rebuild writes exactly what the
  // service would (like it, a command fails at once while Redis is away; a rebuild is rerun).
  const client = new RedisClient(config, new Readiness(new Metrics()));
  const redis = client.redis;
  redis.defineCommand('fdRebuildDecision', { numberOfKeys: 2, lua: JOIN });
  const velocity = new VelocityStore(velocityLimits(config.features.labelDelayDays));
  VelocityStore.install(redis);
  const labelsService = new LabelsService(client, velocity, new DecisionStore(config, client));
  const ttlSeconds = config.redis.decisionTtlSeconds;
  const counts = { decisions: 0, transactions: 0, restoredDecisions: 0, labels: 0 };
  try {
    await waitFor(`Redis at ${new URL(config.redis.url).host}`, () => Promise.resolve(redis.status === 'ready'), 10_000);
    // 1. decisions, aside.
    await readRange(kafka, topics.decisions, await rangeOf(kafka, topics.decisions, fromMs), async (_, messages) => {
      const batch = new RedisBatch(redis);
      const replies: (() => Reply<unknown>)[] = [];
      for (const m of messages) {
        const raw = m.value?.toString('utf8') ?? '';
        const parsed = decisionSchema.safeParse(safeJson(raw));
        if (!parsed.success) continue;
        const expires = Math.floor(Date.parse(parsed.data.decidedAt) / 1000) + ttlSeconds;
        replies.push(
          batch.add(
            (p) => p.set(asideKey(parsed.data.transactionId), `${String(expires)}|${raw}`, 'EX', ASIDE_TTL_SECONDS),
            (r) => r,
          ),
        );
        counts.decisions++;
      }
      await run(batch, replies);
    });
    log(`decisions read: ${String(counts.decisions)}`);

    // 2. transactions, up to what the service had committed.
    const offsets = new StableOffsets(kafka, groupId);
    await offsets.connect();
    const partitions = (await rangeOf(kafka, topics.transactions, 0)).keys();
    const committed = new Map((await offsets.read(topics.transactions, [...partitions])).map((p) => [p.partition, p.offset < 0n ? 0n : p.offset]));
    await offsets.disconnect();
    await readRange(kafka, topics.transactions, await rangeOf(kafka, topics.transactions, fromMs, committed), async (partition, messages) => {
      const batch = new RedisBatch(redis);
      const replies: (() => Reply<unknown>)[] = [];
      const joins: (() => Reply<boolean>)[] = [];
      for (const m of messages) {
        const classified = classifyMessage(m.value, config.kafka.maxMessageBytes);
        if (classified.kind !== 'transaction') continue;
        const tx = classified.tx;
        replies.push(velocity.queueOn(batch, tx));
        joins.push(
          batch.add(
            (p) =>
              p.fdRebuildDecision(
                asideKey(tx.transactionId),
                decisionKey(tx.transactionId),
                JSON.stringify({ topic: topics.transactions, partition, offset: m.offset }),
                JSON.stringify({ cardId: tx.cardId, merchantId: tx.merchantId, occurredAt: tx.occurredAt }),
                fingerprint(tx),
              ),
            (r) => r === 1,
          ),
        );
        counts.transactions++;
      }
      await run(batch, [...replies, ...joins]);
      counts.restoredDecisions += joins.filter((read) => {
        const r = read();
        return r.ok && r.value;
      }).length;
    });
    log(`transactions replayed: ${String(counts.transactions)}, stored decisions restored: ${String(counts.restoredDecisions)}`);

    // 3. labels.
    await readRange(kafka, topics.labels, await rangeOf(kafka, topics.labels, fromMs), async (_, messages) => {
      const labels = messages.flatMap((m): FraudLabel[] => {
        const decoded = decodeMessage(m.value, config.kafka.maxMessageBytes, parseLabel, 'label');
        return decoded.kind === 'ok' ? [decoded.value] : [];
      });
      // The labels consumer's own path: a label's card, merchant and time from itself or from the restored decision.
      counts.labels += (await labelsService.apply(labels)).filter((r) => r !== 'unresolved').length;
    });
    log(`labels applied: ${String(counts.labels)}`);
    await markRestored(redis);
    return { ...counts, seconds: (performance.now() - started) / 1000 };
  } finally {
    await client.onApplicationShutdown();
  }
}

const safeJson = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
};

/** Runs a batch; the first command that failed fails the step (the rebuild is rerun whole). */
async function run(batch: RedisBatch, replies: readonly (() => Reply<unknown>)[]): Promise<void> {
  await batch.exec();
  for (const read of replies) {
    const reply = read();
    if (!reply.ok) throw reply.error;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { from: { type: 'string' } } });
  const fromMs = values.from === undefined ? NaN : Date.parse(values.from);
  if (Number.isNaN(fromMs)) throw new Error('usage: npm run rebuild-state -- --from <ISO 8601 time> (Kafka record time from which to rebuild)');
  const config = parseConfig({ LOG_LEVEL: 'warn', ...process.env });
  console.log(`[rebuild] from ${new Date(fromMs).toISOString()}: ${config.kafka.brokers.join(',')} -> ${new URL(config.redis.url).host}`);
  const summary = await rebuildState(config, fromMs, (line) => {
    console.log(`[rebuild] ${line}`);
  });
  const rate = Math.round(summary.transactions / Math.max(summary.seconds, 0.001));
  console.log(`[rebuild] done in ${summary.seconds.toFixed(1)} s (${rate.toLocaleString('en')} transactions/s); the state is marked restored`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[rebuild] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
