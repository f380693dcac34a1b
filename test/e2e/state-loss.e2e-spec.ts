import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { freePort, sleep, stopPid } from '../../scripts/stack/process';
import { startRedis } from '../../scripts/stack/redis';
import { decisionSchema } from '../../src/transactions/transaction.schema';
import { startTestApp, waitUntil } from '../support/app';
import { aTransaction, at, SECOND } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { createTopics, produce, Tail } from '../support/kafka';
import { Redis } from 'ioredis';
import { rebuildState } from '../../scripts/rebuild-state';
import { decisionKey, parseStoredDecision } from '../../src/decisions/decision.store';
import { VelocityStore } from '../../src/velocity/velocity.store';
import type { FraudLabel, Transaction } from '../../src/transactions/transaction.schema';

const ROOT = join(__dirname, '..', '..');

/**
 * A Redis that comes back empty (restarted without persistence here) must not be decided on as
 * if nothing had happened: the service notices the state epoch is gone, readiness says so, HTTP
 * answers degraded with STATE_LOST, the Kafka path writes nothing, and both resume once an
 * operator marks the state restored (`npm run state:resume`). This file runs its own Redis.
 */
describe('Redis restarted empty', () => {
  const topics = uniqueTopics('state');
  const config = testConfig(topics);
  let app: NestFastifyApplication;
  let tail: Tail;
  let dir: string;
  let port: number;
  let redisPid: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fraud-state-loss-'));
    port = await freePort();
    redisPid = await startRedis(port, dir);
    await createTopics(config);
    tail = await Tail.start(config, topics.TOPIC_DECISIONS ?? '');
    app = await startTestApp({ ...topics, REDIS_URL: `redis://127.0.0.1:${String(port)}`, KAFKA_CONSUMER_ENABLED: 'true' });
  }, 120_000);
  afterAll(async () => {
    await app.close();
    await tail.stop();
    await stopPid(redisPid);
    rmSync(dir, { recursive: true, force: true });
  });

  const card = `card-state-${String(Date.now())}`;
  const stream = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => aTransaction({ cardId: card, occurredAt: at('2026-11-20T10:00:00Z', (from + i) * SECOND), amount: 10 }));
  const feed = (txs: ReturnType<typeof stream>) =>
    produce(
      config,
      topics.TOPIC_TRANSACTIONS ?? '',
      txs.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) })),
    );
  const decideOverHttp = async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction({ amount: 20 }) });
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };
  const ready = async () => (await app.inject({ method: 'GET', url: '/health/ready' })).json<{ checks: Record<string, boolean> }>();
  const metric = async (name: string) =>
    Number(new RegExp(`^${name} (\\S+)$`, 'm').exec((await app.inject({ method: 'GET', url: '/metrics' })).body)?.[1] ?? NaN);

  it('is detected, holds the Kafka path and degrades HTTP with STATE_LOST until the state is marked restored', async () => {
    await feed(stream(0, 100));
    await tail.waitFor('the first 100 decisions', (all) => all.length >= 100, 60_000);
    expect(await decideOverHttp()).toMatchObject({ degraded: false });
    expect(await metric('fraud_state_lost')).toBe(0);

    // Restarted without its data: every window, stored decision and the state epoch are gone.
    await stopPid(redisPid);
    redisPid = await startRedis(port, dir);
    await waitUntil('readiness to report the lost state', async () => (await ready()).checks.state === false);
    expect((await ready()).checks.redis).toBe(true);
    expect(await metric('fraud_state_lost')).toBe(1);

    const degraded = await decideOverHttp();
    expect(degraded.degraded).toBe(true);
    expect(degraded.reasons.map((r) => r.code)).toContain('STATE_LOST');

    // The Kafka path decides nothing on the empty state: the next transactions wait.
    await feed(stream(100, 50));
    await sleep(4000);
    expect(tail.all).toHaveLength(100);

    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'state-resume.ts')], {
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${String(port)}` },
      stdio: 'pipe',
    });
    await waitUntil('readiness after the state is marked restored', async () => (await ready()).checks.state === true);
    await tail.waitFor('the 50 held transactions decided', (all) => all.length >= 150, 60_000);
    expect(await metric('fraud_state_lost')).toBe(0);
    expect(await decideOverHttp()).toMatchObject({ degraded: false });
    // Decided once each, after the resume, on the state as it now stands (empty: the card's history starts again).
    expect(new Set(tail.all.map((r) => decisionSchema.parse(JSON.parse(r.value)).transactionId)).size).toBe(150);
  }, 180_000);

  it('is rebuilt from the topics by rebuild-state: every feature and stored decision equal to those of the run that never lost it', async () => {
    const rebuildTopics = uniqueTopics('rebuild');
    const lived = `redis://127.0.0.1:${String(port)}/1`;
    const rebuilt = `redis://127.0.0.1:${String(port)}/2`;
    const env = { ...rebuildTopics, REDIS_URL: lived, KAFKA_CONSUMER_ENABLED: 'true', KAFKA_GROUP_ID: `rebuild-${String(Date.now())}` };
    const rebuildConfig = testConfig(env);
    await createTopics(rebuildConfig);
    const run = await startTestApp(env);
    const txs: Transaction[] = Array.from({ length: 1500 }, (_, i) =>
      aTransaction({
        cardId: `card-rb-${String(i % 40)}`,
        merchantId: `merchant-rb-${String(i % 8)}`,
        occurredAt: at('2026-11-25T08:00:00Z', i * 7 * SECOND),
      }),
    );
    // Labels for one transaction in 15: half carry their subject, half are found through the stored decision.
    const labels: FraudLabel[] = txs
      .filter((_, i) => i % 15 === 0)
      .map((tx, j) => ({
        transactionId: tx.transactionId,
        fraud: j % 3 !== 0,
        reportedAt: '2026-11-26T00:00:00Z',
        ...(j % 2 === 0 ? { cardId: tx.cardId, merchantId: tx.merchantId, occurredAt: tx.occurredAt } : {}),
      }));
    const decisions = await Tail.start(rebuildConfig, rebuildTopics.TOPIC_DECISIONS ?? '');
    try {
      await produce(
        rebuildConfig,
        rebuildTopics.TOPIC_TRANSACTIONS ?? '',
        txs.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) })),
      );
      await decisions.waitFor('every decision', (all) => all.length >= txs.length, 90_000);
      await produce(
        rebuildConfig,
        rebuildTopics.TOPIC_LABELS ?? '',
        labels.map((l) => ({ key: l.transactionId, value: JSON.stringify(l) })),
      );
      const applied = async () => {
        const text = (await run.inject({ method: 'GET', url: '/metrics' })).body;
        return [...text.matchAll(/^fraud_labels_total\{result="(?:applied|unchanged)"\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
      };
      await waitUntil('every label applied', async () => (await applied()) >= labels.length, 60_000);
    } finally {
      await decisions.stop();
      await run.close();
    }

    const summary = await rebuildState(testConfig({ ...env, REDIS_URL: rebuilt }), Date.parse('2020-01-01T00:00:00Z'));
    expect(summary).toMatchObject({ decisions: txs.length, transactions: txs.length, restoredDecisions: txs.length, labels: labels.length });

    const [a, b] = [new Redis(lived), new Redis(rebuilt)];
    try {
      // The same probes on both: each card's and merchant's features after the stream, labels included.
      const probes = Array.from({ length: 40 }, (_, i) =>
        aTransaction({ cardId: `card-rb-${String(i)}`, merchantId: `merchant-rb-${String(i % 8)}`, occurredAt: '2026-11-25T12:00:00.000Z' }),
      );
      const features = async (redis: Redis) => {
        VelocityStore.install(redis);
        return (await new VelocityStore().runBatch(redis, probes)).map((r) => r.features);
      };
      const [livedFeatures, rebuiltFeatures] = [await features(a), await features(b)];
      expect(livedFeatures.some((f) => f.card.fraudsKnown > 0)).toBe(true);
      expect(rebuiltFeatures).toEqual(livedFeatures);

      const stored = async (redis: Redis) => (await redis.mget(...txs.map((tx) => decisionKey(tx.transactionId)))).map(parseStoredDecision);
      const [livedStored, rebuiltStored] = [await stored(a), await stored(b)];
      expect(livedStored.every((r) => r !== null)).toBe(true);
      expect(rebuiltStored).toEqual(livedStored);
      expect(await b.hget('fd:state', 'origin')).toBe('restored');
    } finally {
      a.disconnect();
      b.disconnect();
    }
  }, 240_000);
});
