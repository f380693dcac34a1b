import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { decisionSchema, type Decision, type Transaction } from '../../src/transactions/transaction.schema';
import { startTestApp } from '../support/app';
import { aTransaction } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { createTopics, Tail } from '../support/kafka';
import { adminCall, defaultRules, rulesIsolation, withRule } from '../support/rules';

const DEFAULT_VERSION = defaultRules().version;

describe('shadow rules', () => {
  const { admin, scoring, ...isolation } = rulesIsolation();
  const topics = uniqueTopics('shadowrules');
  const config = testConfig(topics);
  let app: NestFastifyApplication;
  let call: ReturnType<typeof adminCall>;
  let shadowTail: Tail;

  beforeAll(async () => {
    await createTopics(config);
    app = await startTestApp({ ...topics, ...isolation });
    call = adminCall(app, admin);
    shadowTail = await Tail.start(config, topics.TOPIC_SHADOW!);
  });
  afterAll(async () => {
    await shadowTail.stop();
    await app.close();
  });

  const decide = async (tx: Transaction): Promise<Decision> => {
    const res = await app.inject({ method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${scoring}` }, payload: tx });
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };
  // The rules' records only: the online model (ONLINE_MODEL=shadow by default) writes its own kind there too.
  const rulesRecordsIn = (all: readonly { key: string | null; value: string }[], transactionId: string) =>
    all
      .filter((m) => m.key === transactionId)
      .map((m) => JSON.parse(m.value) as Record<string, unknown>)
      .filter((r) => r.kind === 'rules');
  const shadowRecordsOf = async (transactionId: string, count: number) => {
    await shadowTail.waitFor(`shadow records of ${transactionId}`, (all) => rulesRecordsIn(all, transactionId).length >= count, 30_000);
    return rulesRecordsIn(shadowTail.all, transactionId);
  };

  it("counts a shadow-mode rule's hits and publishes them, while the live decision stays what the live rules say", async () => {
    // Version 2: the default rules plus a shadow rule that would review anything over 50 EUR.
    const doc = defaultRules();
    const shadowRule = {
      id: 'low-ceiling-trial',
      description: 'trial: review over 50 EUR',
      type: 'amount_ceiling',
      action: 'review',
      mode: 'shadow',
      params: { ceilings: { EUR: 50 } },
    };
    expect((await call('POST', '/v1/rules/versions', { ...doc, version: 'with-shadow-rule', rules: [...doc.rules, shadowRule] })).status).toBe(201);
    expect((await call('POST', '/v1/rules/versions/2/activate')).status).toBe(200);

    const tx = aTransaction({ amount: 80, currency: 'EUR' });
    const live = await decide(tx);
    expect(live).toMatchObject({ decision: 'approve', ruleHits: [], reasons: [], rulesVersion: 'with-shadow-rule' });
    const [record] = await shadowRecordsOf(tx.transactionId, 1);
    expect(record).toMatchObject({
      kind: 'rules',
      scope: 'rules',
      transactionId: tx.transactionId,
      shadowRulesVersion: 'with-shadow-rule',
      shadowRuleHits: ['low-ceiling-trial'],
      shadowDecision: 'review',
      liveRulesVersion: 'with-shadow-rule',
      liveRuleHits: [],
      liveDecision: 'approve',
    });
    // A miss is published too, so the shadow's hit rate can be measured on all traffic.
    const small = aTransaction({ amount: 10, currency: 'EUR' });
    expect((await decide(small)).decision).toBe('approve');
    expect((await shadowRecordsOf(small.transactionId, 1))[0]).toMatchObject({ shadowRuleHits: [], shadowDecision: 'approve' });

    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('fraud_shadow_rule_hits_total{rule="low-ceiling-trial",version="with-shadow-rule"} 1');
    expect(metrics).toMatch(/fraud_shadow_outcomes_total\{kind="rules",agrees="false"\} 1\n/);
    expect(metrics).not.toMatch(/fraud_rule_outcomes_total\{rule="low-ceiling-trial"/);
  });

  it('runs a whole draft version in shadow beside the active one, and stops when it is cleared', async () => {
    expect((await call('POST', '/v1/rules/versions/1/activate')).status).toBe(200);
    const draft = await call(
      'POST',
      '/v1/rules/versions',
      withRule('ceiling-100-draft', 'amount-ceiling', { action: 'deny', params: { ceilings: { EUR: 100 } } }),
    );
    expect(draft).toMatchObject({ status: 201, body: { v: 3 } });
    expect(await call('POST', '/v1/rules/versions/1/shadow')).toMatchObject({ status: 409, body: { error: { code: 'RULES_VERSION_ACTIVE' } } });
    expect(await call('POST', '/v1/rules/versions/3/shadow')).toMatchObject({ status: 200, body: { shadow: { v: 3, status: 'shadow' } } });

    const tx = aTransaction({ amount: 500, currency: 'EUR' });
    expect(await decide(tx)).toMatchObject({ decision: 'approve', ruleHits: [], rulesVersion: DEFAULT_VERSION });
    expect((await shadowRecordsOf(tx.transactionId, 1))[0]).toMatchObject({
      kind: 'rules',
      scope: 'version',
      shadowRulesVersion: 'ceiling-100-draft',
      shadowRuleHits: ['amount-ceiling'],
      shadowDecision: 'deny',
      liveRulesVersion: DEFAULT_VERSION,
      liveDecision: 'approve',
    });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('fraud_shadow_rule_hits_total{rule="amount-ceiling",version="ceiling-100-draft"} 1');
    expect(metrics).toContain('fraud_rules_info{role="shadow",version="ceiling-100-draft",v="3"} 1');

    expect(await call('DELETE', '/v1/rules/shadow')).toEqual({ status: 200, body: { shadow: null } });
    expect((await call('GET', '/v1/rules')).body).toMatchObject({ shadow: null, active: { v: 1 } });
    // The draft would hit this one too; once cleared, it is not evaluated (the shadow step runs on the next turn).
    await decide(aTransaction({ amount: 500, currency: 'EUR' }));
    await new Promise((resolve) => setImmediate(resolve));
    const cleared = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(cleared).toContain('fraud_shadow_rule_hits_total{rule="amount-ceiling",version="ceiling-100-draft"} 1\n');
    expect(cleared).not.toContain('fraud_rules_info{role="shadow"');
  });
});
