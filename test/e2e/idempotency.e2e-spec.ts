import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { claimValue, fingerprint, httpOwner } from '../../src/decisions/idempotency';
import { decisionSchema, type Transaction } from '../../src/transactions/transaction.schema';
import { startTestApp } from '../support/app';
import { aTransaction } from '../support/builders';

/** Two instances on one Redis, as a horizontally scaled deployment behind a load balancer runs. */
describe('one decision per transactionId', () => {
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;
  let redis: Redis;
  const post = (app: NestFastifyApplication, body: unknown) => app.inject({ method: 'POST', url: '/v1/decisions', payload: body as object });

  beforeAll(async () => {
    // Both instances share this test process's one event loop, on a shared machine: the test
    // config's budget of a second keeps the waits for the other instance's decision inside it
    // (the test of a wait that outlives the budget sets up a holder that never decides).
    [a, b] = await Promise.all([startTestApp(), startTestApp()]);
    redis = new Redis(process.env.REDIS_URL ?? '');
    // Warm: the first decision of an instance loads its scripts into Redis.
    await Promise.all([post(a, aTransaction()), post(b, aTransaction())]);
  });
  afterAll(async () => {
    redis.disconnect();
    await Promise.all([a.close(), b.close()]);
  });

  it('answers 100 concurrent identical requests spread over two instances with one decision', async () => {
    // Now, so the card's events are not already past their retention when the test reads them.
    const tx = aTransaction({ amount: 30, occurredAt: new Date().toISOString() });
    const responses = await Promise.all(Array.from({ length: 100 }, (_, i) => post(i % 2 === 0 ? a : b, tx)));
    expect(responses.map((r) => r.statusCode)).toEqual(Array(100).fill(200));
    const bodies = new Set(responses.map((r) => r.body));
    expect(bodies.size).toBe(1);
    const decision = decisionSchema.parse(JSON.parse([...bodies][0] ?? ''));
    expect(decision.degraded).toBe(false);
    const stored = await b.inject({ method: 'GET', url: `/v1/decisions/${tx.transactionId}` });
    expect(stored.json()).toEqual(decision);
    // Counted once: the card's event set holds one event.
    expect(await redis.zcard(`fd:c:{${tx.cardId}}:e`)).toBe(1);
  });

  it('gives the same decision to retries arriving over several batches, on either instance', async () => {
    const tx = aTransaction();
    const first = await post(a, tx);
    const later: string[] = [];
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 3));
      later.push((await post(i % 2 === 0 ? b : a, tx)).body);
    }
    expect(new Set([first.body, ...later]).size).toBe(1);
  });

  it('treats a retry with other key order, timestamp spelling and unknown fields as the same request', async () => {
    const tx = aTransaction({ occurredAt: '2026-11-20T12:00:00.000Z' });
    const first = await post(a, tx);
    const { transactionId, ...rest } = tx;
    const respelled = { note: 'added by a newer client', ...rest, occurredAt: '2026-11-20T13:00:00+01:00', transactionId };
    const retry = await post(b, respelled);
    expect(retry.statusCode).toBe(200);
    expect(retry.body).toBe(first.body);
  });

  it('refuses a reused transactionId with another payload with 409, and never counts it', async () => {
    const original = aTransaction({ amount: 42, occurredAt: new Date().toISOString() });
    expect((await post(a, original)).statusCode).toBe(200);
    const reused: Transaction = { ...aTransaction({ amount: 5000, occurredAt: original.occurredAt }), transactionId: original.transactionId };
    for (const app of [a, b]) {
      const res = await post(app, reused);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ error: { code: 'IDEMPOTENCY_CONFLICT' } });
    }
    // No check ever ran on the other card: it has no state at all.
    expect(await redis.exists(`fd:c:{${reused.cardId}}:e`, `fd:c:{${reused.cardId}}:p`)).toBe(0);
    expect((await a.inject({ method: 'GET', url: `/v1/decisions/${original.transactionId}` })).json()).toMatchObject({ transactionId: original.transactionId });
  });

  it('refuses concurrent copies of one id with different payloads: one is decided, the others get 409', async () => {
    const id = `tx-race-${String(Date.now())}`;
    const variants = Array.from({ length: 10 }, (_, i) => ({ ...aTransaction({ amount: 10 + i }), transactionId: id }));
    const responses = await Promise.all(variants.map((v, i) => post(i % 2 === 0 ? a : b, v)));
    const codes = responses.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, ...Array<number>(9).fill(409)]);
    const winner = responses.find((r) => r.statusCode === 200);
    expect((await a.inject({ method: 'GET', url: `/v1/decisions/${id}` })).body).toBe(winner?.body);
  });

  it('answers 409 DECISION_IN_PROGRESS with Retry-After when another holder has not decided within the budget', async () => {
    const tx = aTransaction({ occurredAt: new Date().toISOString() });
    // Another instance claimed the id and has not stored a decision (it stalled or died).
    await redis.set(`fd:d:{${tx.transactionId}}`, claimValue(httpOwner('another-instance'), fingerprint(tx)), 'PX', 10_000);
    const res = await post(a, tx);
    expect(res.statusCode).toBe(409);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json()).toMatchObject({ error: { code: 'DECISION_IN_PROGRESS' } });
    expect(await redis.exists(`fd:c:{${tx.cardId}}:e`, `fd:c:{${tx.cardId}}:p`)).toBe(0);
  });

  it('returns the decision another instance stores while the request waits for it', async () => {
    const tx = aTransaction();
    const key = `fd:d:{${tx.transactionId}}`;
    await redis.set(key, claimValue(httpOwner('another-instance'), fingerprint(tx)), 'PX', 10_000);
    const decided = {
      transactionId: tx.transactionId,
      decision: 'review',
      score: null,
      reasons: [],
      ruleHits: [],
      modelVersion: null,
      rulesVersion: 'other',
      degraded: false,
      latencyMs: 1,
      decidedAt: new Date().toISOString(),
    };
    const waiting = post(b, tx);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await redis.set(key, JSON.stringify({ decision: decided, origin: null, fingerprint: fingerprint(tx) }), 'EX', 60);
    const res = await waiting;
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(decided);
  });
});
