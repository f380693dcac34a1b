import { Redis } from 'ioredis';
import { caseOf } from '../../src/cases/case';
import { CASE_KEYS, CaseStore } from '../../src/cases/case.store';
import { FEATURE_NAMES } from '../../src/model/feature-catalogue';
import { pipelineOf, type RedisClient } from '../../src/redis/redis.client';
import type { Decision } from '../../src/transactions/transaction.schema';
import { aTransaction } from '../support/builders';
import { testConfig } from '../support/config';

// A database of its own: the case queue is global to a Redis database, and the e2e suites
// share database 0.
const DB = 14;
const NOW = new Date('2026-12-03T10:00:00Z');

const review = (transactionId: string, score: number | null): Decision => ({
  transactionId,
  decision: 'review',
  score,
  reasons: [{ code: 'AMOUNT_OVER_AVERAGE', message: 'amount 300.00 EUR is 10x the average' }],
  ruleHits: ['amount-over-average'],
  modelVersion: 'test',
  rulesVersion: 'test',
  degraded: false,
  latencyMs: 3,
  decidedAt: NOW.toISOString(),
});

describe('review cases on real Redis', () => {
  const url = `${testConfig().redis.url.replace(/\/\d*$/, '')}/${String(DB)}`;
  const config = testConfig({ REDIS_URL: url, CASE_CLAIM_SECONDS: '60' });
  const redis = new Redis(url);
  const store = new CaseStore(config, { redis, pipeline: () => pipelineOf(redis) } as unknown as RedisClient);

  const open = async (...cases: { id: string; score: number | null; amount: number }[]) => {
    const pipeline = redis.pipeline();
    for (const c of cases) {
      const row = FEATURE_NAMES.map((_, i) => i);
      store.queueOpen(pipeline, caseOf(aTransaction({ transactionId: c.id, amount: c.amount }), review(c.id, c.score), row, NOW));
    }
    await pipeline.exec();
  };

  beforeEach(async () => {
    await redis.flushdb();
  });
  afterAll(() => {
    redis.disconnect();
  });

  it('opens one case per transaction, however often its review decision is stored, and queues them by score, then amount', async () => {
    await open(
      { id: 'low', score: 0.2, amount: 900 },
      { id: 'high', score: 0.7, amount: 10 },
      { id: 'high-big', score: 0.7, amount: 500 },
      { id: 'rule-only', score: null, amount: 50 },
    );
    await open({ id: 'low', score: 0.99, amount: 1 });
    const queue = await store.openCases(0, 10);
    expect(queue).toEqual({ total: 4, ids: ['high-big', 'high', 'rule-only', 'low'] });
    expect((await store.list(queue.ids)).map((c) => c?.claimedBy)).toEqual([null, null, null, null]);
    const low = await store.get('low');
    expect(low?.doc.decision.score).toBe(0.2);
    expect(low?.doc.features?.amount).toBe(FEATURE_NAMES.indexOf('amount'));
    expect(await redis.ttl(CASE_KEYS.case('low'))).toBeGreaterThan(6 * 86_400);
  });

  it('gives each analyst the next case nobody else holds, and an analyst the case they already hold', async () => {
    await open({ id: 'a', score: 0.9, amount: 10 }, { id: 'b', score: 0.8, amount: 10 });
    expect(await store.claimNext('ana', NOW)).toBe('a');
    expect(await store.claimNext('bob', NOW)).toBe('b');
    expect(await store.claimNext('ana', NOW)).toBe('a');
    expect(await store.claimNext('cy', NOW)).toBeNull();
    expect(await store.claim('a', 'bob', NOW)).toEqual({ kind: 'held', by: 'ana' });
    const listed = await store.list((await store.openCases(0, 10)).ids);
    expect(listed.map((c) => [c?.doc.transactionId, c?.claimedBy, c?.audit])).toEqual([
      ['a', 'ana', []],
      ['b', 'bob', []],
    ]);
  });

  it('lets only the holder release a case, which then goes to the next analyst; a claim that expires does the same', async () => {
    await open({ id: 'a', score: 0.9, amount: 10 });
    expect(await store.claimNext('ana', NOW)).toBe('a');
    expect(await store.release('a', 'bob', NOW)).toBe(false);
    expect(await store.release('a', 'ana', NOW)).toBe(true);
    expect(await store.claimNext('bob', NOW)).toBe('a');
    // Bob walks away: his claim runs out (CASE_CLAIM_SECONDS, cut short here).
    await redis.pexpire(CASE_KEYS.claim('a'), 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await store.claimNext('cy', NOW)).toBe('a');
  });

  it('closes a case once, by its holder, with the verdict and every action in its audit log', async () => {
    await open({ id: 'a', score: 0.9, amount: 10 }, { id: 'b', score: 0.1, amount: 10 });
    expect(await store.close('a', 'ana', 'fraud', undefined, NOW)).toBe('not_claimed');
    expect(await store.claim('a', 'ana', NOW)).toEqual({ kind: 'claimed' });
    expect(await store.close('a', 'bob', 'legitimate', undefined, NOW)).toBe('not_claimed');
    expect(await store.close('a', 'ana', 'fraud', 'card tested at 3 merchants', NOW)).toBe('closed');
    expect(await store.close('a', 'ana', 'legitimate', undefined, NOW)).toBe('already_closed');
    expect(await store.claim('a', 'bob', NOW)).toEqual({ kind: 'closed' });
    expect(await store.close('nope', 'ana', 'fraud', undefined, NOW)).toBe('missing');
    expect(await store.claim('nope', 'ana', NOW)).toEqual({ kind: 'missing' });
    expect((await store.openCases(0, 10)).ids).toEqual(['b']);
    expect(await store.get('a')).toMatchObject({
      status: 'closed',
      claimedBy: null,
      verdict: 'fraud',
      closedBy: 'ana',
      closedAt: NOW.toISOString(),
      audit: [
        { analyst: 'ana', action: 'claimed', at: NOW.toISOString() },
        { analyst: 'ana', action: 'closed', verdict: 'fraud', comment: 'card tested at 3 merchants' },
      ],
    });
  });

  it("tells the queue's depth and its oldest open case, which a close or the retention takes out", async () => {
    const openAt = async (id: string, at: Date) => {
      const pipeline = redis.pipeline();
      store.queueOpen(pipeline, caseOf(aTransaction({ transactionId: id }), review(id, 0.6), null, at));
      await pipeline.exec();
    };
    expect(await store.queueAge(NOW.getTime())).toEqual({ open: 0, oldestOpenedAt: null });
    await openAt('old', new Date(NOW.getTime() - 8 * 86_400_000));
    await openAt('first', NOW);
    await openAt('second', new Date(NOW.getTime() + 60_000));
    // 'old' is past the 7 days' retention (its document would be gone by now; the index forgets it here).
    await redis.del(CASE_KEYS.case('old'));
    await redis.zrem(CASE_KEYS.open, 'old');
    const later = NOW.getTime() + 3_600_000;
    expect(await store.queueAge(later)).toEqual({ open: 2, oldestOpenedAt: NOW.toISOString() });
    expect(await store.claim('first', 'ana', NOW)).toEqual({ kind: 'claimed' });
    expect(await store.close('first', 'ana', 'legitimate', undefined, NOW)).toBe('closed');
    expect(await store.queueAge(later)).toEqual({ open: 1, oldestOpenedAt: new Date(NOW.getTime() + 60_000).toISOString() });
  });

  it('drops from the queue a case whose retention ran out', async () => {
    await open({ id: 'gone', score: 0.9, amount: 10 }, { id: 'kept', score: 0.5, amount: 10 });
    await redis.del(CASE_KEYS.case('gone'));
    expect(await store.claimNext('ana', NOW)).toBe('kept');
    expect((await store.openCases(0, 10)).ids).toEqual(['kept']);
    expect(await store.get('gone')).toBeNull();
    await open({ id: 'gone-too', score: 0.1, amount: 10 });
    await redis.del(CASE_KEYS.case('gone-too'));
    await store.forget(['gone-too']);
    expect((await store.openCases(0, 10)).total).toBe(1);
  });

  it("finds a card's cases, open and closed, newest first, and no other card's", async () => {
    const pipeline = redis.pipeline();
    const opened = (id: string, cardId: string, minutes: number) =>
      caseOf(aTransaction({ transactionId: id, cardId }), review(id, 0.5), null, new Date(NOW.getTime() + minutes * 60_000));
    store.queueOpen(pipeline, opened('old', 'card-1', 0));
    store.queueOpen(pipeline, opened('new', 'card-1', 5));
    store.queueOpen(pipeline, opened('other', 'card-2', 3));
    await pipeline.exec();
    expect(await store.claim('old', 'ana', NOW)).toEqual({ kind: 'claimed' });
    expect(await store.close('old', 'ana', 'legitimate', undefined, NOW)).toBe('closed');
    expect(await store.casesOfCard('card-1', 10)).toEqual(['new', 'old']);
    expect(await store.casesOfCard('card-1', 1)).toEqual(['new']);
    expect(await store.casesOfCard('card-3', 10)).toEqual([]);
  });

  it('logs an action taken from a case, only for the analyst holding it', async () => {
    await open({ id: 'a', score: 0.9, amount: 10 });
    const logged = {
      action: 'override' as const,
      comment: 'stolen',
      override: { entity: 'card' as const, action: 'block' as const, expiresAt: NOW.toISOString() },
    };
    expect(await store.logAction('a', 'ana', logged, NOW)).toBe(false);
    await store.claim('a', 'ana', NOW);
    expect(await store.logAction('a', 'ana', logged, NOW)).toBe(true);
    expect((await store.get('a'))?.audit.map((e) => e.action)).toEqual(['claimed', 'override']);
  });

  it('never lets two analysts claiming at once hold one case', async () => {
    await open(...Array.from({ length: 20 }, (_, i) => ({ id: `c${String(i)}`, score: 0.5, amount: i })));
    const analysts = Array.from({ length: 30 }, (_, i) => `analyst-${String(i)}`);
    const claimed = await Promise.all(analysts.map((a) => store.claimNext(a, NOW)));
    const got = claimed.filter((id): id is string => id !== null);
    expect(got).toHaveLength(20);
    expect(new Set(got).size).toBe(20);
  });
});
