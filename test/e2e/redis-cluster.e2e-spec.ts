import { execFileSync } from 'node:child_process';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Message } from 'kafkajs';
import { z } from 'zod';
import { roleOf, startPrivateRedisCluster, type RedisCluster } from '../../scripts/stack/redis-cluster';
import { caseSchema } from '../../src/http/api-schemas';
import { decisionSchema } from '../../src/transactions/transaction.schema';
import { startTestApp, waitUntil } from '../support/app';
import { aTransaction } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { collect, createTopics, produce } from '../support/kafka';
import { testNote } from '../support/service-log';

const ANA = 'ana-key-0123456789abcdef';
const ADMIN = 'admin-key-0123456789abcdef';
const CARDS = 40;
const PER_CARD = 15;

/** A private cluster, the suite's topics, and the service on both with its Kafka consumer on. */
async function startOnCluster(
  name: string,
  topics: Record<string, string>,
  env: Record<string, string>,
): Promise<{ cluster: RedisCluster; app: NestFastifyApplication }> {
  const config = testConfig(topics);
  const cluster = await startPrivateRedisCluster(name);
  await createTopics(config);
  const app = await startTestApp({
    ...topics,
    ...env,
    REDIS_CLUSTER_NODES: cluster.nodes,
    KAFKA_GROUP_ID: config.kafka.groupId,
    KAFKA_CONSUMER_ENABLED: 'true',
    REVIEW_API_KEYS: `ana:${ANA}`,
  });
  return { cluster, app };
}

/**
 * The service on a Redis Cluster of three masters with a replica each (REDIS_CLUSTER_NODES),
 * started for this file alone: every micro-batch's commands reach keys on all three masters,
 * which one ioredis pipeline refuses, so this holds the per-node split (RedisClient.pipeline).
 */
describe('the service on a 3-master Redis Cluster', () => {
  const topics = uniqueTopics('cluster');
  const config = testConfig(topics);
  let cluster: RedisCluster;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    ({ cluster, app } = await startOnCluster('fraud-cluster-e2e', topics, { ADMIN_API_KEYS: ADMIN }));
  }, 90_000);
  afterAll(async () => {
    await app.close();
    await cluster.stop();
  });

  const call = (method: 'GET' | 'POST', url: string, key: string | null, payload?: object) =>
    app.inject({ method, url, headers: key === null ? {} : { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });
  const keysOn = (port: number) => Number(execFileSync('redis-cli', ['-p', String(port), 'dbsize'], { encoding: 'utf8' }).trim());

  it('decides a Kafka stream exactly once, with exact velocity counts, its state spread over the three masters', async () => {
    const start = Date.now() - 30 * 60_000;
    const cards = Array.from({ length: CARDS }, (_, i) => `card-cluster-${String(i)}-${String(start)}`);
    const txs = Array.from({ length: CARDS * PER_CARD }, (_, i) =>
      aTransaction({ cardId: cards[i % CARDS], amount: 10 + (i % 7), occurredAt: new Date(start + i * 1000).toISOString() }),
    );
    const messages: Message[] = txs.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) }));
    // Redeliveries: decided once, counted once.
    for (let i = 0; i < 50; i++) messages.push(messages[i * 7] ?? { value: null });
    await produce(config, topics.TOPIC_TRANSACTIONS!, messages);

    const decisions = await collect(config, topics.TOPIC_DECISIONS!, (all) => all.length >= txs.length, 120_000);
    const ids = decisions.map((d) => decisionSchema.parse(JSON.parse(d.value)).transactionId);
    expect(ids).toHaveLength(txs.length);
    expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.transactionId)));

    const masters = cluster.members.filter((m) => roleOf(m.port) === 'master');
    expect(masters).toHaveLength(3);
    for (const master of masters) expect(keysOn(master.port)).toBeGreaterThan(0);

    // Each card's next payment, over the rules' ceiling: its case shows the card's 15 payments in the hour.
    for (const cardId of cards.slice(0, 5)) {
      const tx = aTransaction({ cardId, amount: 12_000, occurredAt: new Date().toISOString() });
      expect((await call('POST', '/v1/decisions', null, tx)).json()).toMatchObject({ decision: 'review', degraded: false });
      const opened = caseSchema.parse((await call('GET', `/v1/cases/${tx.transactionId}`, ANA)).json());
      expect(opened.features).toMatchObject({ card_count_1h: PER_CARD });
      expect(opened.cardHistory).toHaveLength(Math.min(PER_CARD + 1, 10));
    }
  }, 180_000);

  it('answers HTTP on the cluster: a retry gets the stored decision, a reused id a conflict, an override applies, a verdict becomes a label the card counts', async () => {
    const tx = aTransaction({ occurredAt: new Date().toISOString() });
    const first = await call('POST', '/v1/decisions', null, tx);
    const again = await call('POST', '/v1/decisions', null, tx);
    expect(first.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect((await call('POST', '/v1/decisions', null, { ...tx, amount: tx.amount + 1 })).json()).toMatchObject({ error: { code: 'IDEMPOTENCY_CONFLICT' } });

    const blocked = `card-blocked-${String(Date.now())}`;
    const until = new Date(Date.now() + 3_600_000).toISOString();
    expect(
      (await call('POST', '/v1/overrides', ADMIN, { entity: 'card', id: blocked, action: 'block', expiresAt: until, reason: 'stolen', author: 'ops' }))
        .statusCode,
    ).toBe(201);
    expect((await call('POST', '/v1/decisions', null, aTransaction({ cardId: blocked }))).json()).toMatchObject({
      decision: 'deny',
      reasons: [{ code: 'OVERRIDE_BLOCK' }],
    });

    const card = `card-verdict-${String(Date.now())}`;
    const flagged = aTransaction({ cardId: card, amount: 12_000, occurredAt: new Date().toISOString() });
    expect((await call('POST', '/v1/decisions', null, flagged)).json()).toMatchObject({ decision: 'review' });
    expect((await call('POST', `/v1/cases/${flagged.transactionId}/claim`, ANA)).statusCode).toBe(200);
    expect((await call('POST', `/v1/cases/${flagged.transactionId}/verdict`, ANA, { verdict: 'fraud' })).statusCode).toBe(200);
    await waitUntil('the verdict counted on the card', async () => {
      const next = aTransaction({ cardId: card, amount: 12_000, occurredAt: new Date().toISOString() });
      await call('POST', '/v1/decisions', null, next);
      const opened = await call('GET', `/v1/cases/${next.transactionId}`, ANA);
      return z.object({ features: z.record(z.string(), z.number()) }).parse(opened.json()).features.card_frauds_known === 1;
    });
    const overview = z.object({ rules: z.array(z.object({ rule: z.string(), fraud: z.number() })) }).parse((await call('GET', '/v1/overview', ANA)).json());
    expect(overview.rules.find((r) => r.rule === 'amount-ceiling')?.fraud).toBe(1);
  }, 120_000);
});

/**
 * A master killed mid-stream (SIGKILL, no goodbye): its replica takes over after the node
 * timeout. The Kafka path waits for each batch's writes to reach the replicas
 * (REDIS_WAIT_REPLICAS=1) before it commits, retries the batches the failover broke, and ends
 * with one decision per transaction and every card's count exact; HTTP answers throughout.
 */
describe('a Redis Cluster master killed mid-stream', () => {
  const topics = uniqueTopics('cluster-failover');
  const config = testConfig(topics);
  const TOTAL = 2400;
  const FAILOVER_CARDS = 30;
  let cluster: RedisCluster;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    ({ cluster, app } = await startOnCluster('fraud-cluster-failover', topics, { REDIS_WAIT_REPLICAS: '1' }));
  }, 90_000);
  afterAll(async () => {
    await app.close();
    await cluster.stop();
  });

  it('keeps one decision per transaction and exact counts on Kafka, and answers every HTTP request, through the failover', async () => {
    const start = Date.now() - 50 * 60_000;
    const cards = Array.from({ length: FAILOVER_CARDS }, (_, i) => `card-failover-${String(i)}-${String(start)}`);
    const txs = Array.from({ length: TOTAL }, (_, i) =>
      aTransaction({ cardId: cards[i % FAILOVER_CARDS], amount: 5 + (i % 11), occurredAt: new Date(start + i * 1000).toISOString() }),
    );
    const victim = cluster.members.find((m) => roleOf(m.port) === 'master');
    if (victim === undefined) throw new Error('no master');

    // The stream in 24 slices, 100 ms apart; the master dies after the sixth.
    const http: Promise<{ status: number; degraded: boolean }>[] = [];
    for (let slice = 0; slice < 24; slice++) {
      const part = txs.slice(slice * 100, (slice + 1) * 100);
      await produce(
        config,
        topics.TOPIC_TRANSACTIONS!,
        part.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) })),
      );
      if (slice === 6) process.kill(victim.pid, 'SIGKILL');
      // The dead node's process is started again once its replica has taken its slots over
      // (as an orchestrator would): it rejoins as that replica's replica, which the Kafka path's
      // WAIT needs before it commits to Kafka again.
      if (slice === 18) {
        await waitUntil("the replica promoted in the dead master's place", () =>
          Promise.resolve(cluster.members.filter((m) => m.port !== victim.port && roleOf(m.port) === 'master').length === 3),
        );
        await cluster.restart(victim.port);
      }
      for (let k = 0; k < 3; k++) {
        http.push(
          app
            .inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction({ occurredAt: new Date().toISOString() }) })
            .then((res) => ({ status: res.statusCode, degraded: z.object({ degraded: z.boolean() }).parse(res.json()).degraded })),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    const decisions = await collect(config, topics.TOPIC_DECISIONS!, (all) => all.length >= TOTAL, 180_000);
    const ids = decisions.map((d) => decisionSchema.parse(JSON.parse(d.value)).transactionId);
    expect(ids).toHaveLength(TOTAL);
    expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.transactionId)));

    // Every HTTP request answered 200, degraded or not, none left hanging.
    const answers = await Promise.all(http);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const degraded = answers.filter((a) => a.degraded).length;
    testNote(`HTTP during the failover: ${String(answers.length)} requests, ${String(degraded)} degraded`);

    // After it: a replica is master in the victim's place, HTTP is normal, and each card's count is exact.
    expect(cluster.members.filter((m) => m.port !== victim.port && roleOf(m.port) === 'master')).toHaveLength(3);
    expect(roleOf(victim.port)).toBe('slave');
    for (const cardId of cards.slice(0, 6)) {
      const tx = aTransaction({ cardId, amount: 12_000, occurredAt: new Date().toISOString() });
      const decided = await app.inject({ method: 'POST', url: '/v1/decisions', payload: tx });
      expect(decided.json()).toMatchObject({ decision: 'review', degraded: false });
      const opened = caseSchema.parse(
        (await app.inject({ method: 'GET', url: `/v1/cases/${tx.transactionId}`, headers: { authorization: `Bearer ${ANA}` } })).json(),
      );
      expect(opened.features).toMatchObject({ card_count_1h: TOTAL / FAILOVER_CARDS });
    }
  }, 300_000);
});
