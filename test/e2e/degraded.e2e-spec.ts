import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { freePort, stopPid } from '../../scripts/stack/process';
import { startRedis } from '../../scripts/stack/redis';
import { decisionSchema } from '../../src/transactions/transaction.schema';
import { startTestApp } from '../support/app';
import { aTransaction } from '../support/builders';

/** This file runs its own Redis, so it can stall and kill it without touching other tests. */
describe('decisions when Redis fails', () => {
  let app: NestFastifyApplication;
  let redisPid: number;
  let redisUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    redisPid = await startRedis(port, join(tmpdir(), `fraud-degraded-${process.pid}`));
    redisUrl = `redis://127.0.0.1:${port}`;
    // A budget well inside the 1 s stalls below, so they decide what a missed deadline does;
    // and well above what a cold first decision takes while the other suites load both cores
    // (at the service's 30 ms velocity default, one CI run saw the healthy case degraded).
    app = await startTestApp({ REDIS_URL: redisUrl, BUDGET_TOTAL_MS: '500', BUDGET_VELOCITY_MS: '300', BUDGET_RULES_MS: '400', BUDGET_MODEL_MS: '400' });
  });
  afterAll(async () => {
    await app.close();
    await stopPid(redisPid);
  });

  const decide = async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction({ amount: 20 }) });
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };

  it('decides normally while Redis answers', async () => {
    expect(await decide()).toMatchObject({ decision: 'approve', degraded: false });
  });

  it('answers at the velocity deadline, degraded, while Redis is stalled', async () => {
    const staller = new Redis(redisUrl);
    // A busy script blocks Redis for 1 s, as a slow command or a failover pause would.
    const stall = staller.eval("local t = redis.call('TIME') local s = t[1] + 1 while tonumber(redis.call('TIME')[1]) <= s do end return 1", 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const decision = await decide();
    expect(decision).toMatchObject({ decision: 'approve', degraded: true });
    expect(decision.reasons).toContainEqual({ code: 'CHECK_UNAVAILABLE', message: 'velocity check missed its deadline' });
    await stall;
    staller.disconnect();
  });

  it('sheds requests past HTTP_MAX_IN_FLIGHT with 503 OVERLOADED and Retry-After while Redis is stalled, then answers normally', async () => {
    // A budget long enough that the four admitted requests are all still waiting on the stalled
    // Redis when the other sixteen arrive.
    const bounded = await startTestApp({ REDIS_URL: redisUrl, HTTP_MAX_IN_FLIGHT: '4', BUDGET_TOTAL_MS: '1900', BUDGET_VELOCITY_MS: '1500' });
    const staller = new Redis(redisUrl);
    try {
      const stall = staller.eval("local t = redis.call('TIME') local s = t[1] + 1 while tonumber(redis.call('TIME')[1]) <= s do end return 1", 0);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const responses = await Promise.all(Array.from({ length: 20 }, () => bounded.inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction() })));
      const shed = responses.filter((r) => r.statusCode === 503);
      const answered = responses.filter((r) => r.statusCode === 200);
      expect(shed).toHaveLength(16);
      expect(answered).toHaveLength(4);
      for (const r of shed) {
        expect(r.headers['retry-after']).toBe('1');
        expect(r.json()).toMatchObject({ error: { code: 'OVERLOADED' } });
      }
      await stall;
      const after = await bounded.inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction({ amount: 20 }) });
      expect(after.statusCode).toBe(200);
      expect(decisionSchema.parse(after.json())).toMatchObject({ degraded: false });
      const metrics = (await bounded.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/fraud_rejected_input_total\{source="http",code="OVERLOADED"\} 16/);
    } finally {
      staller.disconnect();
      await bounded.close();
    }
  });

  it('keeps deciding, degraded, with Redis stopped mid-test, and says why', async () => {
    await stopPid(redisPid);
    for (let i = 0; i < 5; i++) {
      const decision = await decide();
      expect(decision).toMatchObject({ degraded: true, decision: 'approve' });
      expect(decision.reasons).toContainEqual({ code: 'CHECK_UNAVAILABLE', message: 'velocity check failed' });
      expect(decision.reasons.some((r) => r.code === 'RULE_ERROR')).toBe(true);
    }
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/fraud_check_failures_total\{check="velocity",reason="error"\} [1-9]/);
    expect(metrics).toMatch(/fraud_decisions_total\{outcome="approve",source="http",degraded="true"\} [1-9]/);
  });
});
