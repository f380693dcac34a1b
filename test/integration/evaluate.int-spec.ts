import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { evaluateHistory, parseOnlineSettings } from '../../models/evaluate/run';
import { writeReport, type EvaluationReport } from '../../models/evaluate/report';
import { writeHistory } from '../../models/second-history/write';
import { Simulation } from '../../models/simulator/generate';
import { OnnxScorer } from '../../src/model/onnx-scorer';
import { DEFAULT_RULES_PATH, loadRuleSetFile } from '../../src/rules/rules.service';
import { DAY } from '../support/builders';
import { testConfig } from '../support/config';
import { testNote } from '../support/service-log';

const START = Date.parse('2026-03-01T00:00:00Z');
const DAYS = 30;
const MODEL_PATH = resolve(__dirname, '../../models/current/model.onnx');

/**
 * `npm run evaluate` on a small seeded simulated history: the whole history replayed through
 * the service's velocity scripts, the last 7 days decided by the default rules, the committed
 * model and the policy, and measured.
 */
describe('the detection-quality evaluation', () => {
  const redis = new Redis(testConfig().redis.url, { db: 5 });
  const dir = mkdtempSync(join(tmpdir(), 'evaluate-'));
  const transactionsPath = join(dir, 'transactions.jsonl');
  const labelsPath = join(dir, 'labels.jsonl');
  const ruleSet = loadRuleSetFile(DEFAULT_RULES_PATH);
  let inWindow: { transactions: number; frauds: number };
  let model: OnnxScorer;

  beforeAll(async () => {
    const sim = new Simulation({ seed: 3, customers: 300, days: DAYS, start: START });
    const transactions = [...sim.days()].flatMap((day) => day.transactions);
    const labels = sim.labels();
    writeFileSync(transactionsPath, transactions.map((tx) => JSON.stringify(tx)).join('\n'));
    writeFileSync(labelsPath, labels.map((label) => JSON.stringify(label)).join('\n'));
    const windowIds = new Set(transactions.filter((tx) => Date.parse(tx.occurredAt) >= START + (DAYS - 7) * DAY).map((tx) => tx.transactionId));
    inWindow = { transactions: windowIds.size, frauds: labels.filter((l) => windowIds.has(l.transactionId)).length };
    model = await OnnxScorer.load(MODEL_PATH, { intraOpThreads: 1, maxRowsPerRun: 1024 });
  });

  afterAll(async () => {
    redis.disconnect();
    await model.retire();
  });

  const evaluate = async (withModel: boolean): Promise<EvaluationReport> => {
    await redis.flushdb();
    return evaluateHistory({
      transactionsPath,
      labelsPath,
      redis,
      rules: { source: DEFAULT_RULES_PATH, ruleSet },
      model: withModel ? model : null,
      policy: testConfig().policy,
    });
  };

  // Each case replays the whole history (about 14,000 transactions): allow for a busy machine.
  it('measures the last 7 days of the history with the model and the default rules', async () => {
    const report = await evaluate(true);

    expect(report.data).toMatchObject({
      window: { from: '2026-03-24T00:00:00.000Z', to: '2026-03-31T00:00:00.000Z' },
      transactionsInWindow: inWindow.transactions,
      fraudsInWindow: inWindow.frauds,
      model: model.version,
      rules: ruleSet.version,
      k: 100,
      labelDelayDays: 7,
    });
    expect(inWindow.frauds).toBeGreaterThan(5);
    expect(report.data.transactions).toBeGreaterThan(inWindow.transactions);

    const { auc_roc: auc, average_precision: ap, card_precision_at_100: cardPrecision, card_precision_at_100_ceiling: ceiling } = report.model;
    expect(auc).toBeGreaterThan(0.5);
    expect(auc).toBeLessThanOrEqual(1);
    expect(ap).toBeGreaterThan(0);
    expect(ap).toBeLessThanOrEqual(1);
    expect(cardPrecision).toBeGreaterThan(0);
    expect(cardPrecision).toBeLessThanOrEqual(ceiling ?? 0);

    const outcomes = Object.values(report.decisions);
    expect(outcomes.reduce((sum, o) => sum + o.fraud + o.legit, 0)).toBe(inWindow.transactions);
    expect(outcomes.reduce((sum, o) => sum + o.fraud, 0)).toBe(inWindow.frauds);
    expect((report.review_rate ?? 0) + (report.deny_rate ?? 0)).toBeLessThan(1);

    // Every enabled live rule is reported (shadow and disabled rules never change a decision).
    expect(Object.keys(report.rules).sort()).toEqual(
      ruleSet.rules
        .filter((rule) => rule.enabled && rule.mode === 'live')
        .map((rule) => rule.id)
        .sort(),
    );
    for (const rule of Object.values(report.rules)) {
      expect(rule.fraud_hits).toBeLessThanOrEqual(rule.hits);
      expect(rule.precision === null ? rule.hits === 0 : rule.precision === rule.fraud_hits / rule.hits).toBe(true);
    }

    // What the default rules cost good customers: no rule reviews more than 1 % or denies more
    // than 0.1 % of legitimate transactions, and rules with the model review at most 2 % of all.
    const costly = Object.entries(report.rules).filter(([, r]) => (r.legit_review_rate ?? 0) > 0.01 || (r.legit_deny_rate ?? 0) > 0.001);
    expect(costly).toEqual([]);
    expect(report.review_rate).toBeLessThanOrEqual(0.02);

    expect(report.per_day.map((d) => d.day)).toEqual(['2026-03-24', '2026-03-25', '2026-03-26', '2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30']);
    for (const day of report.per_day) expect(day.card_precision_at_k).toBeLessThanOrEqual(day.ceiling);
    const reviewRates = report.thresholds.map((t) => t.review_rate ?? 1);
    expect(reviewRates).toEqual([...reviewRates].sort((a, b) => b - a));
    expect(report.pr_curve.length).toBeGreaterThan(2);
    expect(report.pr_curve.length).toBeLessThanOrEqual(500);

    const { jsonPath, markdownPath } = writeReport(join(dir, 'out'), report);
    const written = JSON.parse(readFileSync(jsonPath, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(written)).toEqual(['data', 'model', 'decisions', 'review_rate', 'deny_rate', 'rules', 'thresholds', 'per_day', 'pr_curve']);
    const summary = readFileSync(markdownPath, 'utf8');
    expect(summary).toContain(`| ROC AUC | ${(auc ?? 0).toFixed(3)} |`);
    expect(summary).toContain('| amount-over-average | review |');
    expect(summary).toContain('## Definitions');
  }, 90_000);

  it('leaves the model figures null without a model and still reports the decisions of the rules', async () => {
    const report = await evaluate(false);

    expect(report.data.model).toBeNull();
    expect(report.model).toEqual({
      auc_roc: null,
      average_precision: null,
      card_precision_at_100: null,
      card_precision_at_100_ceiling: expect.any(Number) as number,
    });
    // What a perfect ranking would find depends on the labels alone.
    expect(report.model.card_precision_at_100_ceiling).toBeGreaterThan(0);
    expect(report.thresholds.every((t) => t.review_rate === null)).toBe(true);
    expect(report.pr_curve).toEqual([]);
    const outcomes = Object.values(report.decisions);
    expect(outcomes.reduce((sum, o) => sum + o.fraud + o.legit, 0)).toBe(inWindow.transactions);
  }, 90_000);

  it('keeps every default rule within its cost to good customers on the second history too', async () => {
    const second = mkdtempSync(join(tmpdir(), 'evaluate-second-'));
    await writeHistory({ seed: 9, customers: 400, days: 30, start: START }, second, () => undefined);
    await redis.flushdb();
    const report = await evaluateHistory({
      transactionsPath: join(second, 'transactions.jsonl'),
      labelsPath: join(second, 'labels.jsonl'),
      redis,
      rules: { source: DEFAULT_RULES_PATH, ruleSet },
      model: null,
      policy: testConfig().policy,
    });
    expect(report.data.transactionsInWindow).toBeGreaterThan(1000);
    const costly = Object.entries(report.rules).filter(([, r]) => (r.legit_review_rate ?? 0) > 0.01 || (r.legit_deny_rate ?? 0) > 0.001);
    expect(costly).toEqual([]);
    expect(report.review_rate).toBeLessThanOrEqual(0.02);
  }, 90_000);

  it('runs the online model prequentially (--online): on a drift it never trained on, the combination ranks the new pattern better than the base model', async () => {
    // A small drift run: the charity ring from day 20 of 45, measured over the last 10 days,
    // once the ring's first labels have had time to arrive.
    const start = Date.parse('2026-01-01T00:00:00Z');
    const driftFrom = start + 20 * DAY;
    const drift = mkdtempSync(join(tmpdir(), 'evaluate-drift-'));
    const sim = new Simulation({ seed: 11, customers: 2000, days: 45, start, driftFrom });
    writeFileSync(
      join(drift, 'transactions.jsonl'),
      [...sim.days()]
        .flatMap((d) => d.transactions)
        .map((tx) => JSON.stringify(tx))
        .join('\n'),
    );
    writeFileSync(
      join(drift, 'labels.jsonl'),
      sim
        .labels()
        .map((l) => JSON.stringify(l))
        .join('\n'),
    );
    await redis.flushdb();
    const report = await evaluateHistory({
      transactionsPath: join(drift, 'transactions.jsonl'),
      labelsPath: join(drift, 'labels.jsonl'),
      redis,
      rules: { source: DEFAULT_RULES_PATH, ruleSet },
      model,
      policy: testConfig().policy,
      from: start + 35 * DAY,
      online: parseOnlineSettings(undefined),
    });
    const online = report.online;
    if (online === undefined) throw new Error('no online section');
    // The base variant is what the rest of the report measures.
    expect(online.variants.base.average_precision).toBe(report.model.average_precision);
    expect(online.variants.base.decisions).toEqual(report.decisions);
    // It learnt from labels and from matured negatives, and skipped labels whose row was not kept.
    expect(online.stats.learnt).toBeGreaterThan(100);
    expect(online.stats.matured).toBeGreaterThan(1000);
    expect(online.stats.noRow).toBeGreaterThan(0);
    const ring = (v: keyof typeof online.variants) => online.variants[v].scenarios.charity_ring;
    expect(ring('base')?.frauds).toBeGreaterThan(30);
    testNote(
      JSON.stringify({
        ring: { base: ring('base'), residual: ring('residual'), blend: ring('blend') },
        ap: [online.variants.base.average_precision, online.variants.residual.average_precision],
        stats: online.stats,
      }),
    );
    expect(ring('residual')?.average_precision).toBeGreaterThan(2 * (ring('base')?.average_precision ?? 1));
    expect(ring('blend')?.average_precision).toBeGreaterThan(2 * (ring('base')?.average_precision ?? 1));
  }, 180_000);
});
