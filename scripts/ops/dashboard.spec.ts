import { readFileSync } from 'node:fs';
import { Histogram } from 'prom-client';
import { Metrics } from '../../src/metrics/metrics';
import { RULES_FILE } from '../stack/prometheus';
import { dashboardProblems, dashboardSchema, loadDashboard, panelQueries, substitute, variableQueries, type Dashboard } from './dashboard';

const METRIC = /\b(?:fraud|nodejs|process)[_:][A-Za-z0-9_:]*/g;

function exportedNames(): Set<string> {
  const metrics = new Metrics().registry.getMetricsAsArray();
  return new Set(metrics.flatMap((m) => (m instanceof Histogram ? ['_bucket', '_sum', '_count'].map((s) => `${m.name}${s}`) : [m.name])));
}

const recordedNames = () => new Set([...readFileSync(RULES_FILE, 'utf8').matchAll(/^\s*- record: (\S+)$/gm)].map((m) => m[1] ?? ''));

describe('the Grafana dashboard (ops/grafana/fraud-service.json)', () => {
  const dashboard = loadDashboard();

  it('has unique panel ids, the ${datasource} variable on every panel and query, a query on every panel, and no overlapping panels', () => {
    expect(dashboardProblems(dashboard)).toEqual([]);
  });

  it('queries only metrics the service exports and series the recording rules write', () => {
    const known = new Set([...exportedNames(), ...recordedNames()]);
    for (const { panel, refId, expr } of panelQueries(dashboard)) {
      const names = expr.match(METRIC) ?? [];
      expect({ panel, refId, names: names.length > 0 ? names : ['(none)'] }).toEqual({ panel, refId, names: names.filter((n) => known.has(n)) });
    }
  });

  it('lists jobs, then the instances of the chosen job, from fraud_decisions_total', () => {
    expect(variableQueries(dashboard)).toEqual([
      { variable: 'job', label: 'job', match: 'fraud_decisions_total' },
      { variable: 'instance', label: 'instance', match: 'fraud_decisions_total{job="$job"}' },
    ]);
  });

  it('shows decisions, latency, stages, lag, degraded share, rejections, rules, model and the Node runtime', () => {
    const queried = panelQueries(dashboard)
      .map((q) => q.expr)
      .join('\n');
    for (const name of [
      'fraud:decisions:rate1m',
      'fraud:decision_latency_seconds:p99_1m',
      'fraud_stage_duration_seconds_bucket',
      'fraud_consumer_lag_messages',
      'fraud:decisions_degraded:ratio_rate1m',
      'fraud_rejected_input_total',
      'fraud_rule_outcomes_total',
      'fraud_model_score_bucket',
      'fraud_model_info',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_p99_seconds',
    ])
      expect(queried).toContain(name);
  });
});

describe('dashboardProblems', () => {
  const target = { refId: 'A', datasource: { type: 'prometheus', uid: '${datasource}' }, expr: 'up{job="$job"}' };
  const panel = {
    id: 1,
    type: 'timeseries',
    title: 'one',
    description: 'd',
    datasource: target.datasource,
    gridPos: { x: 0, y: 0, w: 12, h: 8 },
    targets: [target],
  };
  const base = {
    uid: 'u',
    title: 't',
    schemaVersion: 41,
    panels: [panel],
    templating: {
      list: [
        { name: 'datasource', type: 'datasource', query: 'prometheus' },
        { name: 'job', type: 'query', query: 'label_values(job)' },
      ],
    },
  };
  const parse = (d: unknown): Dashboard => dashboardSchema.parse(d);

  it('passes a well-formed dashboard', () => {
    expect(dashboardProblems(parse(base))).toEqual([]);
  });

  it('names repeated ids and refIds, overlapping panels, an undefined variable and a missing datasource variable', () => {
    const second = { ...panel, title: 'two', gridPos: { x: 6, y: 4, w: 12, h: 8 }, targets: [target, { ...target, expr: 'up{instance="$instance"}' }] };
    expect(dashboardProblems(parse({ ...base, panels: [panel, second], templating: { list: [base.templating.list[1]] } }))).toEqual([
      'panel id 1 is used twice',
      'no `datasource` variable of type datasource for prometheus',
      '"two" repeats a refId',
      '"two" A uses undefined variable $instance',
      '"one" and "two" overlap',
    ]);
  });

  it('refuses a panel without the datasource variable, without a query or past the 24th column', () => {
    expect(() => parse({ ...base, panels: [{ ...panel, datasource: { type: 'prometheus', uid: 'prod' } }] })).toThrow();
    expect(() => parse({ ...base, panels: [{ ...panel, targets: [] }] })).toThrow();
    expect(() => parse({ ...base, panels: [{ ...panel, gridPos: { x: 20, y: 0, w: 8, h: 8 } }] })).toThrow();
  });
});

describe('substitute', () => {
  it('puts in the values of $name and ${name} variables, and refuses one it has no value for', () => {
    expect(substitute('rate(x{job="$job",i=~"${instance}"}[$__rate_interval])', { job: 'fraud', instance: '.+', __rate_interval: '1m' })).toBe(
      'rate(x{job="fraud",i=~".+"}[1m])',
    );
    expect(() => substitute('x{job="$job"}', {})).toThrow('$job');
  });
});
