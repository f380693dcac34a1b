import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CaseStore } from '../../src/cases/case.store';
import { decisionSchema, type Decision, type Transaction } from '../../src/transactions/transaction.schema';
import { startTestApp } from '../support/app';
import { aTransaction, at, DAY, HOUR, SECOND } from '../support/builders';

describe('POST /v1/decisions', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const post = (body: unknown) => app.inject({ method: 'POST', url: '/v1/decisions', payload: body as object });
  const decideOk = async (tx: Transaction): Promise<Decision> => {
    const res = await post(tx);
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };

  it('approves normal spending, reviews a burst of 12 in a minute, and reviews 15x the average', async () => {
    const card = aTransaction().cardId;
    const T = '2026-11-20T12:00:00.000Z';
    const tx = (offset: number, amount: number) => aTransaction({ cardId: card, amount, occurredAt: at(T, offset) });

    for (let d = 10; d >= 5; d--) {
      const normal = await decideOk(tx(-d * DAY, 50));
      expect(normal).toMatchObject({ decision: 'approve', reasons: [], degraded: false, rulesVersion: expect.any(String) as string });
    }

    const burst: Decision[] = [];
    for (let i = 0; i < 12; i++) burst.push(await decideOk(tx(-2 * HOUR + i * 4 * SECOND, 20)));
    expect(burst.slice(0, 9).map((d) => d.decision)).toEqual(Array(9).fill('approve'));
    for (const d of burst.slice(9)) {
      expect(d.decision).toBe('review');
      expect(d.reasons.map((r) => r.code)).toEqual(['CARD_VELOCITY']);
    }

    // 30-day average is now (6 x 50 + 12 x 20) / 18 = 30: 5x is an ordinary big purchase;
    // (6 x 50 + 12 x 20 + 150) / 19 = 36.32, and 16.5x that is sent to review (the default rule
    // reviews past 15x: at 3x it denied 4.8 % of good transactions).
    const fivefold = await decideOk(tx(0, 150));
    expect(fivefold).toMatchObject({ decision: 'approve', ruleHits: [] });
    const big = await decideOk(tx(SECOND, 600));
    expect(big.decision).toBe('review');
    expect(big.reasons.map((r) => r.code)).toEqual(['AMOUNT_OVER_AVERAGE']);
    expect(big.reasons[0]?.message).toContain('36.32');
    expect(big.ruleHits).toHaveLength(1);

    // Each review opened a case, with the transaction, the decision and the features it was
    // decided on; an approval opened none.
    const cases = app.get(CaseStore);
    const opened = await cases.get(big.transactionId);
    expect(opened).toMatchObject({ status: 'open', claimedBy: null, audit: [], doc: { transaction: { amount: 600 }, decision: big } });
    expect(opened?.doc.features).toMatchObject({ amount: 600 });
    expect(opened?.doc.features?.card_count_30d).toBeGreaterThanOrEqual(19);
    for (const d of burst.slice(9)) expect((await cases.get(d.transactionId))?.doc.decision).toEqual(d);
    expect(await cases.get(fivefold.transactionId)).toBeNull();
  });

  it('returns the same decision for a retried transaction, without counting it again', async () => {
    const card = aTransaction().cardId;
    const first = aTransaction({ cardId: card, amount: 10, occurredAt: '2026-11-20T08:00:00Z' });
    const a = await decideOk(first);
    const b = await decideOk(first);
    expect(b).toEqual(a);
    const stored = await app.inject({ method: 'GET', url: `/v1/decisions/${first.transactionId}` });
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toEqual(a);
    // Nine more in the minute make ten with the first only if the retry was not counted twice.
    const more: Decision[] = [];
    for (let i = 1; i <= 8; i++) more.push(await decideOk(aTransaction({ cardId: card, amount: 10, occurredAt: at('2026-11-20T08:00:00Z', i * SECOND) })));
    expect(more.every((d) => d.decision === 'approve')).toBe(true);
  });

  it('coalesces concurrent requests and answers each with its own decision', async () => {
    const txs = Array.from({ length: 40 }, () => aTransaction());
    const results = await Promise.all(txs.map((t) => decideOk(t)));
    expect(results.map((r) => r.transactionId)).toEqual(txs.map((t) => t.transactionId));
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const batches = Number(/fraud_batch_size_count\{source="http"\} (\d+)/.exec(metrics)?.[1]);
    const sum = Number(/fraud_batch_size_sum\{source="http"\} (\d+)/.exec(metrics)?.[1]);
    expect(sum / batches).toBeGreaterThan(1);
  });

  it('rejects a bad body with 400, a stable code and every failing field path', async () => {
    const res = await post({
      transactionId: '',
      occurredAt: 'yesterday',
      cardId: 'c',
      merchantId: 'm',
      amount: -5,
      currency: 'euro',
      location: { lat: 200, lon: 0 },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json<{ error: { code: string; details: { path: string }[] } }>();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details.map((d) => d.path).sort()).toEqual(['amount', 'currency', 'location.lat', 'occurredAt', 'transactionId']);
  });

  it('decides zero-amount account verifications and counts them, so a burst of them is flagged as card testing', async () => {
    const card = aTransaction().cardId;
    const T = '2026-11-21T09:00:00.000Z';
    const checks: Decision[] = [];
    for (let i = 0; i < 10; i++) checks.push(await decideOk(aTransaction({ cardId: card, amount: 0, occurredAt: at(T, i * 3 * SECOND) })));
    expect(checks[0]).toMatchObject({ decision: 'approve', ruleHits: [], degraded: false });
    // The tenth in the minute, this one included, reaches the card-velocity threshold of 10.
    expect(checks[9]?.ruleHits).toContain('card-velocity-1m');
    expect(checks[9]?.decision).not.toBe('approve');
  });

  it('refuses a negative amount with 400 VALIDATION_FAILED on the amount field', async () => {
    const res = await post({ ...aTransaction(), amount: -0.01 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ path: 'amount' }] } });
  });

  it('rejects a body holding a card number with its own code, never echoing the number', async () => {
    const res = await post({ ...aTransaction(), cardId: '4111111111111111' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'CARD_NUMBER_DETECTED', details: [{ path: 'cardId' }] } });
    expect(res.body).not.toContain('4111111111111111');
  });

  it('rejects malformed JSON without quoting it back', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/decisions',
      headers: { 'content-type': 'application/json' },
      payload: '{"cardId": "4111111111111111',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'INVALID_JSON' } });
    expect(res.body).not.toContain('4111');
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await post({ ...aTransaction(), padding: 'x'.repeat(20_000) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
  });

  it('answers 404 with a stable code for an unknown transaction id', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/decisions/never-seen' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'DECISION_NOT_FOUND' } });
  });

  it('exports per-stage latency histograms for parse (per request), velocity, rules and decide (per micro-batch)', async () => {
    await decideOk(aTransaction());
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    for (const [stage, unit] of [
      ['parse', 'transaction'],
      ['velocity', 'micro_batch'],
      ['rules', 'micro_batch'],
      ['decide', 'micro_batch'],
    ]) {
      expect(metrics).toMatch(new RegExp(`fraud_stage_duration_seconds_count\\{stage="${stage}",unit="${unit}"\\} [1-9]`));
    }
  });
});
