import { Redis } from 'ioredis';
import { FEATURE_NAMES } from '../../src/model/feature-catalogue';
import { Metrics } from '../../src/metrics/metrics';
import { OnlineLearner } from '../../src/online/online-learner.service';
import { OnlineModel } from '../../src/online/online-model.service';
import { ONLINE_KEYS, OnlineStore } from '../../src/online/online.store';
import type { KeptRow } from '../../src/online/online-state';
import { pipelineOf, type RedisClient } from '../../src/redis/redis.client';
import type { FraudLabel } from '../../src/transactions/transaction.schema';
import { testConfig } from '../support/config';

const DAY = 86_400_000;
// A database of its own: the online model's keys are global to a Redis database, and the e2e
// suites share database 0.
const DB = 11;

function aRow(amount: number, decidedAtMs: number, base = 0.02): KeptRow {
  const row = new Float32Array(FEATURE_NAMES.length);
  row[FEATURE_NAMES.indexOf('amount')] = amount;
  row[FEATURE_NAMES.indexOf('merchant_category')] = 8398;
  return { row, base, decidedAtMs, weight: 1 };
}

const label = (transactionId: string, fraud: boolean): FraudLabel => ({ transactionId, fraud, reportedAt: new Date().toISOString() });

describe('the online model on real Redis', () => {
  const url = `${testConfig().redis.url.replace(/\/\d*$/, '')}/${String(DB)}`;
  const config = testConfig({ REDIS_URL: url, ONLINE_MODEL: 'live', ONLINE_WARMUP_LABELS: '1', ONLINE_POLL_INTERVAL_MS: '60000' });
  const redis = new Redis(url);
  const client = { redis, pipeline: () => pipelineOf(redis) } as unknown as RedisClient;
  const store = new OnlineStore(config, client);
  const learner = new OnlineLearner(config, store, new Metrics());

  beforeEach(async () => {
    await redis.flushdb();
  });
  afterAll(() => {
    redis.disconnect();
  });

  const keep = async (transactionId: string, row: KeptRow) => {
    const pipeline = redis.pipeline();
    store.queueRow(pipeline, transactionId, row, 45 * 86_400);
    await pipeline.exec();
  };
  const state = async () => {
    const read = await store.readState();
    if (read.kind !== 'ok') throw new Error(read.why);
    return read.state;
  };

  it("keeps a decision's row as it was, for the row TTL, and queues it for maturity", async () => {
    const row = aRow(12.5, Date.now());
    await keep('tx-row', row);
    const [back] = await store.readRows(['tx-row', 'tx-none']).then((rows) => [rows[0], rows[1]]);
    expect(back).toEqual(row);
    expect((await store.readRows(['tx-none']))[0]).toBeNull();
    const ttl = await redis.ttl(ONLINE_KEYS.row('tx-row'));
    expect(ttl).toBeGreaterThan(44 * 86_400);
    expect(await redis.zscore(ONLINE_KEYS.due, 'tx-row')).toBe(String(row.decidedAtMs));
  });

  it('learns a fraud label once: the version moves, a redelivery changes nothing, a label without a row is skipped', async () => {
    await keep('tx-a', aRow(10, Date.now()));
    const first = await learner.learnLabels([label('tx-a', true), label('tx-gone', true)]);
    expect(first).toEqual({ learnt: 1, unchanged: 0, noRow: 1 });
    const after = await state();
    expect(after.version).toBe(1);
    expect(after.positives).toBe(1);

    const again = await learner.learnLabels([label('tx-a', true)]);
    expect(again).toEqual({ learnt: 0, unchanged: 1, noRow: 0 });
    const still = await state();
    expect(still.version).toBe(1);
    expect(Array.from(still.ftrl.z)).toEqual(Array.from(after.ftrl.z));
  });

  it('applies two label batches written at the same time by two instances, one after the other, without losing either', async () => {
    const other = new OnlineLearner(config, new OnlineStore(config, client), new Metrics());
    const ids = Array.from({ length: 20 }, (_, i) => `tx-c${String(i)}`);
    for (const id of ids) await keep(id, aRow(5 + ids.indexOf(id), Date.now()));
    await Promise.all(ids.map((id, i) => (i % 2 === 0 ? learner : other).learnLabels([label(id, i % 3 === 0)])));
    const s = await state();
    expect(s.version).toBe(20);
    expect(s.positives + s.negatives).toBe(20);
    expect(s.positives).toBe(ids.filter((_, i) => i % 3 === 0).length);
  });

  it('learns a decision as legitimate once it matured, and a later chargeback takes that back and learns the fraud', async () => {
    const now = Date.now();
    await keep('tx-old', aRow(20, now - 8 * DAY));
    await keep('tx-new', aRow(20, now - DAY));
    await learner.matureNow(new Date(now));
    let s = await state();
    expect({ positives: s.positives, negatives: s.negatives }).toEqual({ positives: 0, negatives: 1 });
    // The young decision stays queued; the matured one left the queue.
    expect(await redis.zrange(ONLINE_KEYS.due, 0, -1)).toEqual(['tx-new']);

    await learner.learnLabels([label('tx-old', true)]);
    s = await state();
    expect({ positives: s.positives, negatives: s.negatives }).toEqual({ positives: 1, negatives: 0 });
    // Maturity after a label changes nothing.
    await keep('tx-old', aRow(20, now - 8 * DAY));
    await learner.matureNow(new Date(now));
    expect((await state()).version).toBe(s.version);
  });

  it('rolls back to a snapshot: the same weights as then, under a new version that scorers pick up through pub/sub', async () => {
    for (const id of ['tx-s1', 'tx-s2']) await keep(id, aRow(15, Date.now()));
    await learner.learnLabels([label('tx-s1', true)]);
    const snapshotAt = await store.snapshot(24);
    expect(snapshotAt).toBe(1);
    const then = await state();

    const scorer = new OnlineModel(config, client, store, new Metrics());
    await scorer.onModuleInit();
    try {
      expect(scorer.snapshot()?.version).toBe(1);
      await learner.learnLabels([label('tx-s2', false)]);
      expect((await state()).version).toBe(2);

      const rolled = await learner.rollback(1);
      expect(rolled).toBe(3);
      const now = await state();
      expect(Array.from(now.ftrl.z)).toEqual(Array.from(then.ftrl.z));
      expect(Array.from(now.ftrl.n)).toEqual(Array.from(then.ftrl.n));
      // The poll is a minute away: only the pub/sub message can have brought version 3.
      for (let i = 0; i < 50 && scorer.snapshot()?.version !== 3; i++) await new Promise((r) => setTimeout(r, 20));
      expect(scorer.snapshot()?.version).toBe(3);
      expect(await learner.rollback(99)).toBeNull();
    } finally {
      scorer.onApplicationShutdown();
    }
  });

  it('refuses a stored model of another layout rather than scoring with weights that mean something else', async () => {
    await redis.hset(ONLINE_KEYS.model, { v: '5', layout: 'other-blend', z: '', n: '', pos: '0', neg: '0' });
    const read = await store.readState();
    expect(read.kind).toBe('refused');
    await expect(learner.learnLabels([label('tx-x', true)])).resolves.toEqual({ learnt: 0, unchanged: 0, noRow: 1 });
  });
});
