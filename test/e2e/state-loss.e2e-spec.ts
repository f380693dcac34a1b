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
  const feed = (txs: ReturnType<typeof stream>) => produce(config, topics.TOPIC_TRANSACTIONS ?? '', txs.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) })));
  const decideOverHttp = async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction({ amount: 20 }) });
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };
  const ready = async () => (await app.inject({ method: 'GET', url: '/health/ready' })).json<{ checks: Record<string, boolean> }>();
  const metric = async (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec((await app.inject({ method: 'GET', url: '/metrics' })).body)?.[1] ?? NaN);

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

    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'state-resume.ts')], { env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${String(port)}` }, stdio: 'pipe' });
    await waitUntil('readiness after the state is marked restored', async () => (await ready()).checks.state === true);
    await tail.waitFor('the 50 held transactions decided', (all) => all.length >= 150, 60_000);
    expect(await metric('fraud_state_lost')).toBe(0);
    expect(await decideOverHttp()).toMatchObject({ degraded: false });
    // Decided once each, after the resume, on the state as it now stands (empty: the card's history starts again).
    expect(new Set(tail.all.map((r) => decisionSchema.parse(JSON.parse(r.value)).transactionId)).size).toBe(150);
  }, 180_000);
});
