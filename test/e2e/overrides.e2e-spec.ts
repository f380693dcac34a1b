import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { decisionSchema, type Decision, type Transaction } from '../../src/transactions/transaction.schema';
import { startTestApp } from '../support/app';
import { aTransaction, at, MINUTE } from '../support/builders';
import { adminCall, rulesIsolation } from '../support/rules';

describe('per-entity overrides', () => {
  const { admin, scoring, ...isolation } = rulesIsolation();
  let app: NestFastifyApplication;
  let call: ReturnType<typeof adminCall>;

  beforeAll(async () => {
    app = await startTestApp(isolation);
    call = adminCall(app, admin);
  });
  afterAll(async () => {
    await app.close();
  });

  const decide = async (tx: Transaction): Promise<Decision> => {
    const res = await app.inject({ method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${scoring}` }, payload: tx });
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };
  const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();
  const listed = async () => ((await call('GET', '/v1/overrides')).body as { overrides: { entity: string; id: string; action: string }[] }).overrides;

  it('denies a blocked card with override_block until the entry expires, then stops applying it and drops it from the list', async () => {
    const { cardId } = aTransaction();
    const T = '2026-11-20T12:00:00Z';
    const expiresAt = inFuture(1500);
    const created = await call('POST', '/v1/overrides', {
      entity: 'card',
      id: cardId,
      action: 'block',
      reason: 'reported stolen by phone',
      author: 'analyst-7',
      expiresAt,
    });
    expect(created).toMatchObject({ status: 201, body: { entity: 'card', id: cardId, action: 'block', author: 'analyst-7' } });
    expect(await listed()).toContainEqual(expect.objectContaining({ entity: 'card', id: cardId, action: 'block' }));

    const blocked = await decide(aTransaction({ cardId, amount: 20, occurredAt: T }));
    expect(blocked.decision).toBe('deny');
    expect(blocked.reasons).toEqual([{ code: 'OVERRIDE_BLOCK', message: expect.stringContaining('set by analyst-7: reported stolen by phone') as string }]);

    // Nothing removes the entry: its expiry alone must end it.
    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 10));
    const after = await decide(aTransaction({ cardId, amount: 20, occurredAt: at(T, MINUTE) }));
    expect(after).toMatchObject({ decision: 'approve', reasons: [] });
    expect(await listed()).not.toContainEqual(expect.objectContaining({ id: cardId }));
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/fraud_override_hits_total\{entity="card",action="block"\} [1-9]/);
  });

  it('approves an allowed merchant over a rule hit, and lets a block on the device win over the allow', async () => {
    const { merchantId } = aTransaction();
    const ceiling = { merchantId, amount: 20_000, currency: 'EUR' }; // the ceiling rule would review it
    expect(
      (
        await call('POST', '/v1/overrides', {
          entity: 'merchant',
          id: merchantId,
          action: 'allow',
          reason: 'charity gala tonight',
          author: 'ops',
          expiresAt: inFuture(60_000),
        })
      ).status,
    ).toBe(201);
    const allowed = await decide(aTransaction(ceiling));
    expect(allowed).toMatchObject({ decision: 'approve', ruleHits: ['amount-ceiling'], reasons: [{ code: 'OVERRIDE_ALLOW' }] });

    const deviceId = `dev-${merchantId}`;
    expect(
      (
        await call('POST', '/v1/overrides', {
          entity: 'device',
          id: deviceId,
          action: 'block',
          reason: 'emulator farm',
          author: 'ops',
          expiresAt: inFuture(60_000),
        })
      ).status,
    ).toBe(201);
    expect(await decide(aTransaction({ ...ceiling, deviceId }))).toMatchObject({ decision: 'deny', reasons: [{ code: 'OVERRIDE_BLOCK' }] });
  });

  it('lists and removes entries, refuses the opposite action on the same entity, and validates the body', async () => {
    const { cardId } = aTransaction();
    const entry = { entity: 'card', id: cardId, action: 'allow', reason: 'travelling', author: 'analyst-2', expiresAt: inFuture(60_000) };
    expect((await call('POST', '/v1/overrides', entry)).status).toBe(201);
    expect(await call('POST', '/v1/overrides', { ...entry, action: 'block' })).toMatchObject({ status: 409, body: { error: { code: 'OVERRIDE_CONFLICT' } } });

    const invalid = await call('POST', '/v1/overrides', { entity: 'iban', id: '', action: 'allow', reason: 'x', expiresAt: '2020-01-01T00:00:00Z' });
    expect(invalid.status).toBe(400);
    expect((invalid.body?.error as { details: { path: string }[] }).details.map((d) => d.path).sort()).toEqual(['author', 'entity', 'expiresAt', 'id']);

    expect((await decide(aTransaction({ cardId }))).reasons).toEqual([expect.objectContaining({ code: 'OVERRIDE_ALLOW' })]);
    expect((await call('DELETE', `/v1/overrides/card/${cardId}/allow`)).status).toBe(204);
    expect(await listed()).not.toContainEqual(expect.objectContaining({ id: cardId }));
    expect((await decide(aTransaction({ cardId }))).reasons).toEqual([]);
    expect((await call('DELETE', `/v1/overrides/card/${cardId}/allow`)).body).toMatchObject({ error: { code: 'OVERRIDE_NOT_FOUND' } });
    expect((await app.inject({ method: 'DELETE', url: `/v1/overrides/card/${cardId}/allow` })).statusCode).toBe(401);
  });
});
