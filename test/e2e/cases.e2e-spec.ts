import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { z } from 'zod';
import { caseQueueSchema, caseSchema } from '../../src/http/api-schemas';
import { fraudLabelSchema } from '../../src/transactions/transaction.schema';
import { startTestApp, waitUntil } from '../support/app';
import { aTransaction } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { collect, createTopics } from '../support/kafka';

// A database of its own: the case queue is global to a Redis database, and the other e2e
// suites share database 0.
const DB = 15;
const ANA = 'ana-key-0123456789abcdef';
const BOB = 'bob-key-0123456789abcdef';
const ADMIN = 'admin-key-0123456789abcdef';
const SCORING = 'scoring-key-0123456789abcdef';

describe('the review cases API', () => {
  const topics = uniqueTopics('cases');
  const redisUrl = `${testConfig().redis.url.replace(/\/\d*$/, '')}/${String(DB)}`;
  const config = testConfig({ ...topics, REDIS_URL: redisUrl });
  let app: NestFastifyApplication;

  beforeAll(async () => {
    await createTopics(config);
    app = await startTestApp({
      ...topics,
      REDIS_URL: redisUrl,
      KAFKA_GROUP_ID: config.kafka.groupId,
      KAFKA_CONSUMER_ENABLED: 'true',
      REVIEW_API_KEYS: `ana:${ANA},bob:${BOB}`,
      ADMIN_API_KEYS: ADMIN,
      SCORING_API_KEYS: SCORING,
    });
  });
  afterAll(async () => {
    await app.close();
  });

  const as = (key: string | null) => (key === null ? {} : { authorization: `Bearer ${key}` });
  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, key: string | null, payload?: object) =>
    app.inject({ method, url, headers: as(key), ...(payload ? { payload } : {}) });
  /** A 12,000 EUR payment: over the default rules' ceiling, so it goes to review. */
  const review = async (cardId: string) => {
    const tx = aTransaction({ cardId, amount: 12_000 });
    const res = await call('POST', '/v1/decisions', SCORING, tx);
    expect(res.json()).toMatchObject({ decision: 'review', ruleHits: ['amount-ceiling'] });
    return tx;
  };

  it('refuses a caller without a review or admin key', async () => {
    expect((await call('GET', '/v1/cases', null)).json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await call('GET', '/v1/cases', 'not-a-key-at-all-000')).statusCode).toBe(401);
    expect((await call('POST', '/v1/review-queue/claim', SCORING)).json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await call('GET', '/v1/cases', ADMIN)).statusCode).toBe(200);
  });

  it('lets an analyst claim the next case, see why it was flagged, and confirm it as fraud: the label goes to fraud-labels and the card counts it', async () => {
    const card = `card-${String(Date.now())}`;
    const tx = await review(card);

    const claimed = await call('POST', '/v1/review-queue/claim', ANA);
    expect(claimed.statusCode).toBe(200);
    const view = caseSchema.parse(claimed.json());
    expect(view).toMatchObject({
      transactionId: tx.transactionId,
      status: 'open',
      claimedBy: 'ana',
      decision: { decision: 'review' },
      transaction: { amount: 12_000 },
    });
    expect(view.decision.reasons.map((r) => r.code)).toEqual(['AMOUNT_OVER_CEILING']);
    expect(view.features).toMatchObject({ amount: 12_000, card_frauds_known: 0 });

    // Bob cannot take or close Ana's case; the queue says who holds it.
    expect((await call('POST', `/v1/cases/${tx.transactionId}/claim`, BOB)).json()).toMatchObject({
      error: { code: 'CASE_HELD', details: [{ message: 'ana' }] },
    });
    expect((await call('POST', `/v1/cases/${tx.transactionId}/verdict`, BOB, { verdict: 'legitimate' })).json()).toMatchObject({
      error: { code: 'CASE_NOT_CLAIMED' },
    });
    expect((await call('POST', '/v1/review-queue/claim', BOB)).statusCode).toBe(204);
    const queue = caseQueueSchema.parse((await call('GET', '/v1/cases', BOB)).json());
    expect(queue.cases.find((c) => c.transactionId === tx.transactionId)?.claimedBy).toBe('ana');

    const closed = await call('POST', `/v1/cases/${tx.transactionId}/verdict`, ANA, { verdict: 'fraud', comment: 'cardholder denies it' });
    expect(closed.statusCode).toBe(200);
    expect(caseSchema.parse(closed.json())).toMatchObject({ status: 'closed', verdict: 'fraud', closedBy: 'ana', claimedBy: null });
    expect(caseSchema.parse(closed.json()).audit.map((a) => [a.analyst, a.action])).toEqual([
      ['ana', 'claimed'],
      ['ana', 'closed'],
    ]);

    const labels = await collect(config, config.kafka.topics.labels, (all) => all.some((m) => m.key === tx.transactionId));
    const label = fraudLabelSchema.parse(JSON.parse(labels.find((m) => m.key === tx.transactionId)?.value ?? '{}'));
    expect(label).toMatchObject({
      transactionId: tx.transactionId,
      fraud: true,
      cardId: card,
      merchantId: tx.merchantId,
      occurredAt: tx.occurredAt,
      source: 'analyst',
      author: 'ana',
    });

    // The labels consumer took it: the card's next review case shows the fraud it knows of.
    await waitUntil('the label counted on the card', async () => {
      const next = await review(card);
      const opened = await call('GET', `/v1/cases/${next.transactionId}`, ANA);
      return z.object({ features: z.record(z.string(), z.number()) }).parse(opened.json()).features.card_frauds_known === 1;
    });
    expect((await call('POST', `/v1/cases/${tx.transactionId}/verdict`, ANA, { verdict: 'legitimate' })).json()).toMatchObject({
      error: { code: 'CASE_CLOSED' },
    });
  });

  it('releases a case back to the queue, closes one as inconclusive with no label, and validates what it is sent', async () => {
    const tx = await review(`card-r-${String(Date.now())}`);
    expect((await call('POST', `/v1/cases/${tx.transactionId}/claim`, BOB)).statusCode).toBe(200);
    expect((await call('DELETE', `/v1/cases/${tx.transactionId}/claim`, ANA)).json()).toMatchObject({ error: { code: 'CASE_NOT_CLAIMED' } });
    expect((await call('DELETE', `/v1/cases/${tx.transactionId}/claim`, BOB)).statusCode).toBe(204);
    expect((await call('POST', `/v1/cases/${tx.transactionId}/claim`, ANA)).statusCode).toBe(200);
    const bad = await call('POST', `/v1/cases/${tx.transactionId}/verdict`, ANA, { verdict: 'maybe', extra: 1 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'INVALID_CASE_REQUEST' } });
    expect((await call('POST', `/v1/cases/${tx.transactionId}/verdict`, ANA, { verdict: 'inconclusive' })).json()).toMatchObject({
      status: 'closed',
      verdict: 'inconclusive',
    });
    expect((await call('GET', '/v1/cases/no-such-case', ANA)).json()).toMatchObject({ error: { code: 'CASE_NOT_FOUND' } });
    expect((await call('GET', '/v1/cases?limit=0', ANA)).json()).toMatchObject({ error: { code: 'INVALID_CASE_REQUEST', details: [{ path: 'limit' }] } });
  });
});

describe('the review cases API, from the case: overrides and search by card', () => {
  const topics = uniqueTopics('case-overrides');
  const redisUrl = `${testConfig().redis.url.replace(/\/\d*$/, '')}/${String(DB)}`;
  let app: NestFastifyApplication;
  beforeAll(async () => {
    await createTopics(testConfig(topics));
    app = await startTestApp({ ...topics, REDIS_URL: redisUrl, REVIEW_API_KEYS: `ana:${ANA}`, SCORING_API_KEYS: SCORING });
  });
  afterAll(async () => {
    await app.close();
  });
  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${ANA}` }, ...(payload ? { payload } : {}) });

  it("blocks the case's card from the case (logged on it, in force on the next decision), and finds the card's cases", async () => {
    const cardId = `card-o-${String(Date.now())}`;
    const decide = (amount: number) =>
      app.inject({ method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${SCORING}` }, payload: aTransaction({ cardId, amount }) });
    const first = z.object({ transactionId: z.string(), decision: z.string() }).parse((await decide(12_000)).json());
    // Newest first by the time a case opened: a later millisecond for the second.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = z.object({ transactionId: z.string() }).parse((await decide(15_000)).json());
    expect(first.decision).toBe('review');

    const until = new Date(Date.now() + 86_400_000).toISOString();
    const block = { entity: 'card', action: 'block', expiresAt: until, reason: 'cardholder confirmed the card stolen' };
    expect((await call('POST', `/v1/cases/${first.transactionId}/override`, block)).json()).toMatchObject({ error: { code: 'CASE_NOT_CLAIMED' } });
    expect((await call('POST', `/v1/cases/${first.transactionId}/claim`)).statusCode).toBe(200);
    const blocked = caseSchema.parse((await call('POST', `/v1/cases/${first.transactionId}/override`, block)).json());
    expect(blocked.overrides).toEqual([expect.objectContaining({ entity: 'card', id: cardId, action: 'block', author: 'ana', expiresAt: until })]);
    expect(blocked.audit.map((a) => a.action)).toEqual(['claimed', 'override']);
    expect((await call('POST', `/v1/cases/${first.transactionId}/override`, { ...block, expiresAt: '2020-01-01T00:00:00Z' })).statusCode).toBe(400);

    // The next payment on the card is denied by the override the analyst set.
    expect((await decide(20)).json()).toMatchObject({ decision: 'deny', reasons: [{ code: 'OVERRIDE_BLOCK' }] });
    const found = caseQueueSchema.parse((await call('GET', `/v1/cases?cardId=${cardId}`)).json());
    expect(found.cases.map((c) => c.transactionId)).toEqual([second.transactionId, first.transactionId]);
  });
});

describe('the review cases API, switched off', () => {
  it('answers 404 CONSOLE_DISABLED on a scoring-only instance, and 403 REVIEW_DISABLED with no review or admin keys', async () => {
    const off = await startTestApp({ CONSOLE_ENABLED: 'false', REVIEW_API_KEYS: `ana:${ANA}` });
    const noKeys = await startTestApp();
    try {
      const headers = { authorization: `Bearer ${ANA}` };
      expect((await off.inject({ method: 'GET', url: '/v1/cases', headers })).json()).toMatchObject({ error: { code: 'CONSOLE_DISABLED' } });
      expect((await off.inject({ method: 'GET', url: '/v1/cases', headers })).statusCode).toBe(404);
      expect((await noKeys.inject({ method: 'POST', url: '/v1/review-queue/claim', headers })).json()).toMatchObject({ error: { code: 'REVIEW_DISABLED' } });
    } finally {
      await off.close();
      await noKeys.close();
    }
  });
});

describe('the console session', () => {
  const redisUrl = `${testConfig().redis.url.replace(/\/\d*$/, '')}/${String(DB)}`;
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await startTestApp({ REDIS_URL: redisUrl, REVIEW_API_KEYS: `ana:${ANA}`, SCORING_API_KEYS: SCORING });
  });
  afterAll(async () => {
    await app.close();
  });

  const signIn = async (key: string) => app.inject({ method: 'POST', url: '/console/session', payload: { key } });

  it('signs an analyst in with their key for an HttpOnly, SameSite=Strict cookie, and refuses a change without the CSRF token', async () => {
    expect((await signIn('not-a-key-0000000000')).json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await signIn(SCORING)).json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const signed = await signIn(ANA);
    expect(signed.statusCode).toBe(201);
    const { analyst, csrfToken } = z.object({ analyst: z.string(), csrfToken: z.string() }).parse(signed.json());
    expect(analyst).toBe('ana');
    expect(signed.body).not.toContain(ANA);
    const setCookie = String(signed.headers['set-cookie']);
    expect(setCookie).toMatch(/^fd_session=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    const cookie = setCookie.split(';')[0] ?? '';

    expect((await app.inject({ method: 'GET', url: '/v1/cases', headers: { cookie } })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/console/session', headers: { cookie } })).json()).toMatchObject({ analyst: 'ana', csrfToken });
    const claim = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/v1/review-queue/claim', headers });
    expect((await claim({ cookie })).json()).toMatchObject({ error: { code: 'CSRF_INVALID' } });
    expect((await claim({ cookie, 'x-csrf-token': 'forged' })).statusCode).toBe(403);
    expect([200, 204]).toContain((await claim({ cookie, 'x-csrf-token': csrfToken })).statusCode);
    expect((await app.inject({ method: 'GET', url: '/v1/cases', headers: { cookie: 'fd_session=made-up' } })).json()).toMatchObject({
      error: { code: 'UNAUTHENTICATED' },
    });

    const out = await app.inject({ method: 'DELETE', url: '/console/session', headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await app.inject({ method: 'GET', url: '/v1/cases', headers: { cookie } })).statusCode).toBe(401);
  });
});
