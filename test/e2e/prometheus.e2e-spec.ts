import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadDashboard, panelQueries, substitute, variableQueries } from '../../scripts/ops/dashboard';
import { alertQueries } from '../../scripts/ops/promql';
import {
  instantQuery,
  labelValues,
  loadedRules,
  RULES_FILE,
  SCRAPE_JOB,
  startPrivatePrometheus,
  type LoadedRule,
  type PrivatePrometheus,
} from '../../scripts/stack/prometheus';
import { startTestApp, waitUntil } from '../support/app';
import { aTransaction, at, SECOND } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { createTopics, produce } from '../support/kafka';

const MODEL = join(__dirname, '..', '..', 'models', 'current', 'model.onnx');
const T = '2026-11-20T12:00:00.000Z';

/** What the dashboard's variables stand for here: this Prometheus's job, every instance. */
const VARIABLES = { job: SCRAPE_JOB, instance: '.+', __rate_interval: '1m', __interval: '15s', __range: '1h' };

interface NamedQuery {
  readonly what: string;
  readonly expr: string;
}

/**
 * The service on the real stack, scraped every second by Debian's prometheus with
 * ops/prometheus/fraud-rules.yml loaded: every rule, alert and dashboard query must answer.
 */
describe('Prometheus scraping the service, with the rules and the dashboard', () => {
  const topics = uniqueTopics('prom');
  const config = testConfig(topics);
  let app: NestFastifyApplication;
  let prometheus: PrivatePrometheus;

  beforeAll(async () => {
    await createTopics(config, 2);
    // Kafka traffic before the consumer starts: decisions, a dead letter and a lag per partition;
    // a label, and a label without a verdict for the labels' dead letters.
    const txs = Array.from({ length: 20 }, (_, i) => aTransaction({ occurredAt: at(T, i * SECOND) }));
    await produce(config, topics.TOPIC_TRANSACTIONS ?? '', [
      ...txs.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) })),
      { key: 'poison', value: '{"transactionId": "broken' },
    ]);
    await produce(config, topics.TOPIC_LABELS ?? '', [
      { key: 'label', value: JSON.stringify({ transactionId: txs[0]?.transactionId, fraud: true, reportedAt: T }) },
      { key: 'label', value: JSON.stringify({ transactionId: 'no-verdict', reportedAt: T }) },
    ]);
    app = await startTestApp({ ...topics, KAFKA_GROUP_ID: config.kafka.groupId, KAFKA_CONSUMER_ENABLED: 'true', MODEL_PATH: MODEL });
    const { port } = app.getHttpServer().address() as AddressInfo;
    prometheus = await startPrivatePrometheus({ targets: [`127.0.0.1:${String(port)}`] });

    // HTTP traffic: ten checks on one card in a minute hit card-velocity-1m (rule outcomes).
    const card = aTransaction().cardId;
    for (let i = 0; i < 10; i++) {
      const res = await app.inject({ method: 'POST', url: '/v1/decisions', payload: aTransaction({ cardId: card, amount: 0, occurredAt: at(T, i * SECOND) }) });
      expect(res.statusCode).toBe(200);
    }
  }, 120_000);
  afterAll(async () => {
    try {
      await prometheus.stop();
    } finally {
      await app.close();
    }
  });

  it('exports fraud_ metrics that promtool check metrics finds nothing to say about', async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    // Only the service's own: prom-client's nodejs_active_*_total gauges break the counter naming rule.
    const own = text
      .split('\n')
      .filter((line) => /^(?:# (?:HELP|TYPE) )?fraud_/.test(line))
      .join('\n');
    expect(own).toContain('fraud_decisions_total{');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: `${own}\n`, encoding: 'utf8' });
    expect({ status: check.status, output: `${check.stdout}${check.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  });

  it('loads every rule from ops/prometheus/fraud-rules.yml and evaluates each without error', async () => {
    let rules: LoadedRule[] = [];
    await waitUntil('every rule evaluated once', async () => {
      rules = await loadedRules(prometheus.url);
      return rules.length > 0 && rules.every((r) => r.health !== 'unknown');
    });
    expect(new Set(rules.map((r) => r.file))).toEqual(new Set([RULES_FILE]));
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError ?? ''}`)).toEqual([]);
  });

  it('answers every recording rule, every alert without its threshold and every dashboard query with data', async () => {
    const rules = await loadedRules(prometheus.url);
    const queries: NamedQuery[] = [
      ...rules
        .filter((r) => r.type === 'recording')
        .flatMap((r) => [
          { what: `recording rule ${r.name}`, expr: r.query },
          { what: `series ${r.name}`, expr: r.name },
        ]),
      ...rules.filter((r) => r.type === 'alerting').flatMap((r) => alertQueries(r.query).map((expr) => ({ what: `alert ${r.name}`, expr }))),
      ...panelQueries(loadDashboard()).map((q) => ({ what: `panel "${q.panel}" ${q.refId}`, expr: substitute(q.expr, VARIABLES) })),
    ];
    expect(queries.filter((q) => q.what.startsWith('alert ')).length).toBeGreaterThanOrEqual(rules.filter((r) => r.type === 'alerting').length);

    // Until every scrape and evaluation the queries need has happened (a rate needs two
    // scrapes, the lag a committed batch); an error is final at once.
    let missing: string[] = [];
    await waitUntil(
      'every query to answer with data',
      async () => {
        const answers = await Promise.all(queries.map(async (q) => ({ q, result: await instantQuery(prometheus.url, q.expr) })));
        const errors = answers.flatMap(({ q, result }) => (result.ok ? [] : [`${q.what}: ${q.expr}: ${result.error}`]));
        if (errors.length > 0) throw new Error(`queries Prometheus refused:\n${errors.join('\n')}`);
        missing = answers.flatMap(({ q, result }) => (result.ok && result.series === 0 ? [`${q.what}: ${q.expr}`] : []));
        return missing.length === 0;
      },
      60_000,
    ).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(missing.length === 0 ? message : `${message}; no data for:\n${missing.join('\n')}`);
    });
  }, 90_000);

  it("lists this Prometheus's job and the service's instance in the dashboard's variables", async () => {
    const listed = await Promise.all(
      variableQueries(loadDashboard()).map(async (v) => ({
        variable: v.variable,
        values: await labelValues(prometheus.url, v.label, substitute(v.match, VARIABLES)),
      })),
    );
    const { port } = app.getHttpServer().address() as AddressInfo;
    expect(listed).toEqual([
      { variable: 'job', values: [SCRAPE_JOB] },
      { variable: 'instance', values: [`127.0.0.1:${String(port)}`] },
    ]);
  });
});
