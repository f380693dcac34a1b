import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { ONLINE_KEYS } from '../../src/online/online.store';
import { decisionSchema, type Decision, type Transaction } from '../../src/transactions/transaction.schema';
import { startTestApp, waitUntil } from '../support/app';
import { aTransaction } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { collect, createTopics, produce } from '../support/kafka';
import { rulesIsolation } from '../support/rules';
import { testNote } from '../support/service-log';

const MODEL = resolve(__dirname, '../../models/current/model.onnx');
const ADMIN_KEY = 'online-e2e-admin-key-0123456789';
// A database of its own: the online model is global to a Redis database, and other suites
// teach the one in database 0.
const DB = 12;

/**
 * The online model across instances on the real stack: instance A consumes the labels and
 * learns; instance B never consumes and only scores, so whatever it knows came through Redis.
 */
describe('the online model learns from fraud-labels and every instance scores with what it learnt', () => {
  const topics = uniqueTopics('online');
  const base = testConfig().redis.url.replace(/\/\d*$/, '');
  const url = `${base}/${String(DB)}`;
  const config = testConfig({ ...topics, REDIS_URL: url });
  const redis = new Redis(url);
  const common = {
    ...topics,
    REDIS_URL: url,
    MODEL_PATH: MODEL,
    ONLINE_MODEL: 'live',
    ONLINE_WARMUP_LABELS: '5',
    ONLINE_ROW_SAMPLE_RATE: '1',
    ADMIN_API_KEYS: ADMIN_KEY,
    RULES_KEY_PREFIX: rulesIsolation().RULES_KEY_PREFIX,
  };
  let learner: NestFastifyApplication;
  let scorer: NestFastifyApplication;

  beforeAll(async () => {
    await redis.flushdb();
    await createTopics(config);
    learner = await startTestApp({ ...common, KAFKA_GROUP_ID: config.kafka.groupId, KAFKA_CONSUMER_ENABLED: 'true' });
    // The poll is a minute away: B can only hear of a new version through pub/sub, until the poll test.
    scorer = await startTestApp({ ...common, ONLINE_POLL_INTERVAL_MS: '60000' });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([learner.close(), scorer.close()]);
    redis.disconnect();
  });

  const decide = async (app: NestFastifyApplication, tx: Transaction): Promise<Decision> => {
    const res = await app.inject({ method: 'POST', url: '/v1/decisions', payload: tx });
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };
  const admin = async (app: NestFastifyApplication, method: 'GET' | 'POST', path: string) => {
    const res = await app.inject({ method, url: path, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };
  const version = async () => Number((await redis.hget(ONLINE_KEYS.model, 'v')) ?? '0');
  const serving = async (app: NestFastifyApplication) => (await admin(app, 'GET', '/v1/online')).body.serving;
  // A ring at one merchant category at small amounts; the good customers elsewhere.
  const ringTx = () => aTransaction({ amount: 9.5, merchantCategory: '8398', channel: 'ecommerce' });
  const goodTx = () => aTransaction({ amount: 64, merchantCategory: '5411', channel: 'card_present' });
  const labelOf = (tx: Transaction, fraud: boolean) => ({
    key: tx.transactionId,
    value: JSON.stringify({ transactionId: tx.transactionId, fraud, reportedAt: new Date().toISOString() }),
  });
  const onlineScore = async (app: NestFastifyApplication, tx: Transaction) => (await decide(app, tx)).scoreParts?.online ?? null;

  let ringLabels: { key: string; value: string }[] = [];

  it('learns from labels produced to fraud-labels: the version moves, the ring scores higher, and the other instance scores the same through pub/sub', async () => {
    const probe = ringTx();
    const before = await onlineScore(scorer, { ...probe, transactionId: `${probe.transactionId}-before` });
    expect(before).not.toBeNull();

    const ring = Array.from({ length: 30 }, ringTx);
    const good = Array.from({ length: 30 }, goodTx);
    for (const tx of [...ring, ...good]) await decide(learner, tx);
    ringLabels = ring.map((tx) => labelOf(tx, true));
    const started = performance.now();
    await produce(config, topics.TOPIC_LABELS ?? '', [...ringLabels, ...good.map((tx) => labelOf(tx, false))]);
    await waitUntil(
      'the labels to be learnt',
      async () => {
        const s = await redis.hmget(ONLINE_KEYS.model, 'pos', 'neg');
        return Number(s[0]) === 30 && Number(s[1]) === 30;
      },
      30_000,
    );
    const learnt = await version();
    await waitUntil('the scoring instance to serve the new version', async () => (await serving(scorer)) === learnt, 10_000);
    testNote(`[online e2e] labels produced to version ${String(learnt)} served by the other instance: ${(performance.now() - started).toFixed(0)} ms`);

    const after = await onlineScore(scorer, { ...probe, transactionId: `${probe.transactionId}-after` });
    const onLearner = await onlineScore(learner, { ...probe, transactionId: `${probe.transactionId}-learner` });
    expect(after).toBeGreaterThan((before ?? 1) * 1.5);
    expect(onLearner).toBeCloseTo(after ?? -1, 6);
    const decision = await decide(scorer, { ...probe, transactionId: `${probe.transactionId}-version` });
    expect(decision.onlineModelVersion).toBe(learnt);
  });

  it('changes nothing when the same labels are delivered again', async () => {
    const v = await version();
    const z = await redis.hget(ONLINE_KEYS.model, 'z');
    await produce(config, topics.TOPIC_LABELS ?? '', ringLabels);
    await waitUntil(
      'the redelivered labels to be consumed',
      async () => {
        const metrics = (await learner.inject({ method: 'GET', url: '/metrics' })).body;
        return metrics.includes('fraud_online_examples_total{source="label",result="unchanged"} 30');
      },
      30_000,
    );
    expect(await version()).toBe(v);
    expect(await redis.hget(ONLINE_KEYS.model, 'z')).toBe(z);
  });

  it('rolls back to a snapshot: scores return to what they were, on every instance', async () => {
    const snap = await admin(learner, 'POST', '/v1/online/snapshots');
    expect(snap.status).toBe(201);
    const at = Number(snap.body.version);
    const probe = ringTx();
    const then = await onlineScore(scorer, { ...probe, transactionId: `${probe.transactionId}-then` });

    // More ring labels move the weights on.
    const more = Array.from({ length: 20 }, ringTx);
    for (const tx of more) await decide(learner, tx);
    await produce(
      config,
      topics.TOPIC_LABELS ?? '',
      more.map((tx) => labelOf(tx, true)),
    );
    await waitUntil('the new labels to be learnt', async () => Number(await redis.hget(ONLINE_KEYS.model, 'pos')) === 50, 30_000);
    const moved = await version();
    await waitUntil('the scoring instance to serve it', async () => (await serving(scorer)) === moved, 10_000);
    const later = await onlineScore(scorer, { ...probe, transactionId: `${probe.transactionId}-later` });
    expect(later).not.toBeCloseTo(then ?? -1, 4);

    const rolled = await admin(learner, 'POST', `/v1/online/rollback/${String(at)}`);
    expect(rolled.status).toBe(200);
    const back = Number(rolled.body.version);
    expect(back).toBeGreaterThan(moved);
    await waitUntil('the scoring instance to serve the rollback', async () => (await serving(scorer)) === back, 10_000);
    expect(await onlineScore(scorer, { ...probe, transactionId: `${probe.transactionId}-back` })).toBeCloseTo(then ?? -1, 6);
    expect((await admin(learner, 'POST', '/v1/online/rollback/9999')).body).toMatchObject({ error: { code: 'ONLINE_SNAPSHOT_NOT_FOUND' } });
  });

  it('finds a new version through the poll alone when no pub/sub message comes', async () => {
    const polled = await startTestApp({ ...common, ONLINE_POLL_INTERVAL_MS: '500' });
    try {
      const before = await serving(polled);
      // A version written without its message: what an instance whose subscription was cut sees.
      const v = await version();
      await redis.hset(ONLINE_KEYS.model, 'v', String(v + 1));
      const started = performance.now();
      await waitUntil('the poll to find the version', async () => (await serving(polled)) === v + 1, 10_000);
      testNote(`[online e2e] version found by the poll alone (ONLINE_POLL_INTERVAL_MS=500): ${(performance.now() - started).toFixed(0)} ms`);
      expect(before).toBe(v);
      // The pub/sub-only instance did not hear of it.
      expect(await serving(scorer)).toBe(v);
    } finally {
      await polled.close();
    }
  });

  it("never changes a decision in shadow mode: the score is the base model's, the online part is reported beside it and in decisions-shadow", async () => {
    const shadow = await startTestApp({ ...common, ONLINE_MODEL: 'shadow' });
    try {
      const tx = ringTx();
      const decision = await decide(shadow, tx);
      expect(decision.scoreParts?.base).toBe(decision.score);
      expect(decision.scoreParts?.online).not.toBeCloseTo(decision.score ?? -1, 3);
      const off = await startTestApp({ ...common, ONLINE_MODEL: 'off' });
      try {
        const plain = await decide(off, { ...tx, transactionId: `${tx.transactionId}-off`, cardId: `${tx.cardId}-off`, merchantId: `${tx.merchantId}-off` });
        expect(plain.scoreParts).toBeUndefined();
        expect(plain.decision).toBe(decision.decision);
        expect(plain.score).toBeCloseTo(decision.score ?? -1, 6);
      } finally {
        await off.close();
      }
      const [record] = await collect(config, topics.TOPIC_SHADOW ?? '', (all) => all.some((m) => m.key === tx.transactionId), 30_000).then((all) =>
        all.filter((m) => m.key === tx.transactionId).map((m) => JSON.parse(m.value) as Record<string, unknown>),
      );
      expect(record).toMatchObject({ kind: 'online', transactionId: tx.transactionId, liveDecision: decision.decision, liveScore: decision.score });
    } finally {
      await shadow.close();
    }
  });
});
