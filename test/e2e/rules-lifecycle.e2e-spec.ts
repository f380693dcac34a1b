import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import type { BacktestReport } from '../../models/backtest/backtest';
import { Simulation } from '../../models/simulator/generate';
import { decisionSchema, type Decision, type Transaction } from '../../src/transactions/transaction.schema';
import { startTestApp, waitUntil } from '../support/app';
import { aTransaction, at, SECOND } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { createTopics, produce, Tail } from '../support/kafka';
import { adminCall, defaultRules, rulesIsolation, withRule } from '../support/rules';

const DEFAULT_VERSION = defaultRules().version;
const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const run = promisify(execFile);

/** A small seeded, labelled history from the simulator (a few thousand transactions, a few dozen frauds). */
function simulateHistory(dir: string): { transactions: string; labels: string; count: number } {
  const sim = new Simulation({ seed: 7, customers: 150, days: 30, start: Date.parse('2026-01-01T00:00:00Z') });
  const lines: string[] = [];
  for (const day of sim.days()) for (const tx of day.transactions) lines.push(JSON.stringify(tx));
  const transactions = join(dir, 'transactions.jsonl');
  const labels = join(dir, 'labels.jsonl');
  writeFileSync(transactions, `${lines.join('\n')}\n`);
  writeFileSync(
    labels,
    sim
      .labels()
      .map((l) => JSON.stringify(l))
      .join('\n'),
  );
  return { transactions, labels, count: lines.length };
}
const TIGHT = 'velocity-3-per-minute';

describe('the rules lifecycle', () => {
  const { admin, scoring, ...isolation } = rulesIsolation();
  const topics = uniqueTopics('rules');
  const config = testConfig(topics);
  const shared = { ...topics, ...isolation, KAFKA_GROUP_ID: config.kafka.groupId };
  // Instance A consumes Kafka; instance B serves HTTP only. Both share Redis and the rules prefix.
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;
  let decisionsTail: Tail;

  beforeAll(async () => {
    await createTopics(config);
    a = await startTestApp({ ...shared, KAFKA_CONSUMER_ENABLED: 'true' });
    // B polls rarely, so its convergence below is the pub/sub message's doing.
    b = await startTestApp({ ...shared, RULES_POLL_INTERVAL_MS: '60000' });
    decisionsTail = await Tail.start(config, topics.TOPIC_DECISIONS!);
  });
  afterAll(async () => {
    await decisionsTail.stop();
    await b.close();
    await a.close();
  });

  const decideOn = async (app: NestFastifyApplication, tx: Transaction = aTransaction()): Promise<Decision> => {
    const res = await app.inject({ method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${scoring}` }, payload: tx });
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };
  const decideOnKafka = async (tx: Transaction): Promise<Decision> => {
    await produce(config, topics.TOPIC_TRANSACTIONS!, [{ key: tx.cardId, value: JSON.stringify(tx) }]);
    await decisionsTail.waitFor(`the decision of ${tx.transactionId}`, (all) => all.some((m) => m.key === tx.transactionId), 30_000);
    return decisionSchema.parse(JSON.parse(decisionsTail.all.find((m) => m.key === tx.transactionId)?.value ?? ''));
  };
  /** Four transactions on one card within a minute: the default rules flag the 10th, the tight draft the 3rd. */
  const burst = () => {
    const { cardId } = aTransaction();
    return Array.from({ length: 4 }, (_, i) => aTransaction({ cardId, amount: 12, occurredAt: at('2026-11-20T12:00:00Z', i * SECOND) }));
  };

  it('refuses admin calls without an admin key: 401 without a valid key, 403 with a scoring key', async () => {
    const none = await a.inject({ method: 'GET', url: '/v1/rules' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect((await adminCall(a, 'not-a-configured-key')('GET', '/v1/rules')).status).toBe(401);
    const wrongScope = await adminCall(a, scoring)('POST', '/v1/rules/versions/1/activate');
    expect(wrongScope).toEqual({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.any(String) as string } } });
    // Scoring needs a key once SCORING_API_KEYS is set; an admin key also scores.
    expect((await a.inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction() })).statusCode).toBe(401);
    expect((await a.inject({ method: 'POST', url: '/v1/decisions', headers: { authorization: `Bearer ${admin}` }, payload: aTransaction() })).statusCode).toBe(
      200,
    );
  });

  it('rejects a bad draft with every error and its path, a reused document version with 409, an unknown version with 404', async () => {
    const call = adminCall(a, admin);
    const bad = await call('POST', '/v1/rules/versions', {
      version: '',
      rules: [
        { id: 'velocity', description: 'x', type: 'card_velocity', action: 'flag', mode: 'sometimes', params: { window: '5m', maxCount: 0 } },
        { id: 'velocity', description: 'x', type: 'amount_ceiling', action: 'review', params: { ceilings: { EUR: -1 } } },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'INVALID_RULE_SET' } });
    const paths = (bad.body?.error as { details: { path: string }[] }).details.map((d) => d.path).sort();
    expect(paths).toEqual(['rules.0.mode', 'rules.0.params.maxCount', 'rules.0.params.window', 'rules.1.id', 'rules.1.params.ceilings.EUR', 'version']);

    const reused = await call('POST', '/v1/rules/versions', defaultRules());
    expect(reused.status).toBe(409);
    expect(reused.body).toMatchObject({
      error: { code: 'RULES_VERSION_EXISTS', details: [{ path: 'version', message: `"${DEFAULT_VERSION}" is stored as version 1` }] },
    });
    expect((await call('GET', '/v1/rules/versions/999')).body).toMatchObject({ error: { code: 'RULES_VERSION_NOT_FOUND' } });
    expect((await call('POST', '/v1/rules/versions/999/activate')).status).toBe(404);
    expect((await call('GET', '/v1/rules/versions/abc')).body).toMatchObject({ error: { code: 'INVALID_RULES_VERSION' } });
  });

  it('activates a tightened draft on every instance and on Kafka without a restart, then rolls back in one call', async () => {
    const call = adminCall(a, admin);
    const before = await call('GET', '/v1/rules');
    expect(before.body).toMatchObject({ active: { v: 1, version: DEFAULT_VERSION, status: 'active' }, shadow: null });
    expect((await decideOnKafka(aTransaction())).rulesVersion).toBe(DEFAULT_VERSION);

    const draft = await call('POST', '/v1/rules/versions', withRule(TIGHT, 'card-velocity-1m', { action: 'review', params: { window: '1m', maxCount: 3 } }));
    expect(draft).toMatchObject({ status: 201, body: { v: 2, version: TIGHT, status: 'inactive' } });
    // A draft changes nothing until it is activated.
    expect((await decideOn(b)).rulesVersion).toBe(DEFAULT_VERSION);

    // Backtest the draft against the active version on a simulated labelled history, with the CLI an analyst runs.
    const dir = mkdtempSync(join(tmpdir(), 'backtest-'));
    const history = simulateHistory(dir);
    writeFileSync(join(dir, 'draft.json'), JSON.stringify((await call('GET', '/v1/rules/versions/2')).body?.document));
    const { stdout, stderr } = await run(
      process.execPath,
      [
        TSX,
        join(ROOT, 'models', 'backtest', 'run.ts'),
        '--transactions',
        history.transactions,
        '--labels',
        history.labels,
        '--rules',
        join(dir, 'draft.json'),
        '--model',
        'none',
        '--out',
        join(dir, 'out'),
      ],
      { cwd: ROOT, env: { ...process.env, REDIS_URL: config.redis.url, RULES_KEY_PREFIX: isolation.RULES_KEY_PREFIX } },
    );
    expect(stderr).toMatch(/\[backtest\] 100 % [\d,]+\/[\d,]+ transactions/);
    const [markdownPath, jsonPath] = stdout.trim().split('\n').slice(-2);
    const report = JSON.parse(readFileSync(jsonPath!, 'utf8')) as BacktestReport;
    expect(report.replay.transactions).toBe(history.count);
    expect(report.baseline).toMatchObject({ rulesVersion: DEFAULT_VERSION, source: expect.stringContaining('active version v1') as string });
    expect(report.candidate.rulesVersion).toBe(TIGHT);
    const velocity = (side: BacktestReport['baseline']) => side.rules.find((r) => r.rule === 'card-velocity-1m');
    expect(velocity(report.baseline)?.hits).toBe(0);
    expect(velocity(report.candidate)?.hits).toBeGreaterThan(0);
    expect(velocity(report.candidate)?.fraudHits).toBeGreaterThan(0);
    // Its effect: more transactions reviewed, more fraud caught, and the good ones it costs are counted.
    expect(report.difference.review).toBeGreaterThan(0);
    expect(report.difference.fraudCaught).toBeGreaterThan(0);
    expect(report.difference.goodReviewed).toBe(report.candidate.goodReviewed.count - report.baseline.goodReviewed.count);
    expect(readFileSync(markdownPath!, 'utf8')).toContain(
      `| card-velocity-1m | ${String(velocity(report.candidate)?.hits)} | ${String(velocity(report.candidate)?.fraudHits)} |`,
    );

    expect(await call('POST', '/v1/rules/versions/2/activate')).toMatchObject({
      status: 200,
      body: { active: { v: 2, version: TIGHT, status: 'active' }, changed: true },
    });
    // Instance A applied it before answering; B converges through pub/sub or its poll.
    expect((await decideOn(a)).rulesVersion).toBe(TIGHT);
    await waitUntil('instance B on the new version', async () => (await decideOn(b)).rulesVersion === TIGHT);
    const onB = [];
    for (const tx of burst()) onB.push(await decideOn(b, tx));
    expect(onB.map((d) => d.decision)).toEqual(['approve', 'approve', 'review', 'review']);
    expect(onB[2]).toMatchObject({ ruleHits: ['card-velocity-1m'], reasons: [{ code: 'CARD_VELOCITY' }] });
    const onKafka = await decideOnKafka(aTransaction());
    expect(onKafka.rulesVersion).toBe(TIGHT);

    // Rollback = activating the previous version.
    expect(await call('POST', '/v1/rules/versions/1/activate')).toMatchObject({
      status: 200,
      body: { active: { v: 1, version: DEFAULT_VERSION }, changed: true },
    });
    await waitUntil('instance B rolled back', async () => (await decideOn(b)).rulesVersion === DEFAULT_VERSION);
    const afterRollback = [];
    for (const tx of burst()) afterRollback.push(await decideOn(b, tx));
    expect(afterRollback.map((d) => d.decision)).toEqual(['approve', 'approve', 'approve', 'approve']);
    expect((await decideOnKafka(aTransaction())).rulesVersion).toBe(DEFAULT_VERSION);

    const after = await call('GET', '/v1/rules');
    expect(after.body).toMatchObject({
      active: { v: 1 },
      versions: [
        { v: 1, status: 'active' },
        { v: 2, version: TIGHT, status: 'inactive' },
      ],
      activations: [
        { v: 1, previous: 2 },
        { v: 2, previous: 1 },
        { v: 1, previous: null },
      ],
    });
    expect((await call('GET', '/v1/rules/versions/2')).body).toMatchObject({ v: 2, document: { version: TIGHT } });
    const metrics = (await b.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`fraud_rules_info{role="active",version="${DEFAULT_VERSION}",v="1"} 1`);
    expect(metrics).not.toContain(`fraud_rules_info{role="active",version="${TIGHT}"`);
  });

  it('converges by its poll when the pub/sub message is lost', async () => {
    const redis = new Redis(config.redis.url);
    try {
      // Moving the pointer behind the API's back publishes nothing: only A's 1 s poll can see it.
      await redis.set(`{${isolation.RULES_KEY_PREFIX}}:active`, '2');
      await waitUntil('instance A polled the new version', async () => (await decideOn(a)).rulesVersion === TIGHT);
    } finally {
      await adminCall(a, admin)('POST', '/v1/rules/versions/1/activate');
      redis.disconnect();
    }
  });
});

describe('the admin API without admin keys', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    const { RULES_KEY_PREFIX } = rulesIsolation();
    app = await startTestApp({ RULES_KEY_PREFIX });
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses every call, saying the admin API is disabled, while scoring stays open', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/overrides', headers: { authorization: 'Bearer whatever-key-you-try' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'ADMIN_DISABLED' } });
    expect((await app.inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction() })).statusCode).toBe(200);
  });
});
