/**
 * `npm run evaluate -- --transactions FILE --labels FILE --out DIR [--from ISO] [--to ISO]
 *  [--model FILE|none] [--rules FILE] [--k 100] [--label-delay-days 7] [--max-bad-rows N] [--no-charts]
 *  [--online] [--online-settings JSON]`
 *
 * Replays a labelled history through the service's own decision path (velocity scripts on a
 * private redis-server, the rules, the model, the policy) and reports detection quality on a
 * window of it, by default its last 7 days: ROC AUC, average precision, card precision@k per
 * day, decisions by ground truth, per-rule precision and cost, a threshold table. Writes
 * report.json, summary.md, pr_curve.png and card_precision.png to --out. With --online the
 * online learner runs prequentially over the whole history beside the model (prequential.ts),
 * and the report compares the base model, the online learner and their combinations.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { startPrivateRedis } from '../../scripts/stack/redis';
import { parseConfig } from '../../src/config/config';
import { decide, type PolicyConfig } from '../../src/decisions/decision.policy';
import { evaluateRules, hits } from '../../src/rules/rules';
import { loadRuleSetFile } from '../../src/rules/rules.service';
import { transactionSchema } from '../../src/transactions/transaction.schema';
import { DEFAULT_VELOCITY_LIMITS } from '../../src/velocity/velocity.store';
import type { RulesUnderTest, Scorer } from '../backtest/backtest';
import { configuredRulesPath, loadModel } from '../backtest/run';
import { DEFAULT_MAX_BAD_ROWS, parseLabelDelayDays, parseMaxBadRows } from '../replay/features';
import { BadRows, replayHistory, type ReplayedTransaction } from '../replay/replay';
import { featureVector } from '../../src/model/feature-catalogue';
import { windowMetrics, type DecidedTransaction } from './metrics';
import { ONLINE_VARIANTS, onlineReport, type OnlineVariant, type VariantDecided } from './online-report';
import { DEFAULT_ONLINE_SETTINGS, Prequential, type OnlineSettings } from './prequential';
import { ftrlParamsSchema } from '../../src/online/ftrl';
import { buildReport, headline, writeReport, type EvaluationReport } from './report';

const ROOT = resolve(__dirname, '..', '..');
const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 7;
export const DEFAULT_K = 100;
const USAGE =
  'usage: npm run evaluate -- --transactions FILE --labels FILE --out DIR [--from ISO] [--to ISO] [--model FILE|none] [--rules FILE] ' +
  `[--k ${String(DEFAULT_K)}] [--label-delay-days D (default 7, the LABEL_DELAY_DAYS the model serves with)] [--max-bad-rows N (default ${String(DEFAULT_MAX_BAD_ROWS)})] [--no-charts] ` +
  '[--online] [--online-settings \'{"sampleRate": 0.1, "maturityDays": 30, ...}\' (changes to the defaults in models/evaluate/prequential.ts)]';

export interface EvaluateOptions {
  readonly transactionsPath: string;
  readonly labelsPath: string;
  /** An empty Redis database of the evaluation's own: the replay writes velocity state into it. */
  readonly redis: Redis;
  readonly rules: RulesUnderTest;
  readonly model: Scorer | null;
  readonly policy: PolicyConfig;
  /** Window start (ms, included); default: `to` minus 7 days. */
  readonly from?: number | undefined;
  /** Window end (ms, excluded); default: the UTC midnight after the last transaction. */
  readonly to?: number | undefined;
  readonly k?: number;
  /** The delay the delayed label features assume (the service's LABEL_DELAY_DAYS); default 7. */
  readonly labelDelayDays?: number;
  /** Bad rows skipped before the run stops; default 0, the first stops it. */
  readonly maxBadRows?: number;
  /** Runs the online learner prequentially beside the model and reports it too; off when absent. */
  readonly online?: OnlineSettings | undefined;
  readonly onProgress?: (done: number) => void;
}

const occurredAtSchema = z.object({ occurredAt: transactionSchema.shape.occurredAt });

/** The latest occurredAt in the file (rows that are not transactions are left to the replay to count). */
async function lastOccurredAt(path: string): Promise<number | null> {
  let last: number | null = null;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    const parsed = occurredAtSchema.safeParse(value);
    if (!parsed.success) continue;
    const ms = Date.parse(parsed.data.occurredAt);
    if (last === null || ms > last) last = ms;
  }
  return last;
}

async function nonBlankLines(path: string): Promise<number> {
  let lines = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) if (text.trim() !== '') lines += 1;
  return lines;
}

/** [from, to): given, or the last 7 days of the history, whole UTC days. */
export async function resolveWindow(transactionsPath: string, from: number | undefined, to: number | undefined): Promise<{ from: number; to: number }> {
  let end = to;
  if (end === undefined) {
    const last = await lastOccurredAt(transactionsPath);
    if (last === null) throw new Error(`${transactionsPath} holds no transaction`);
    end = (Math.floor(last / DAY_MS) + 1) * DAY_MS;
  }
  const start = from ?? end - DEFAULT_WINDOW_DAYS * DAY_MS;
  if (!(start < end)) throw new Error(`the window is empty: --from ${new Date(start).toISOString()} is not before --to ${new Date(end).toISOString()}`);
  return { from: start, to: end };
}

const checkedScore = (model: Scorer, tx: { transactionId: string }, score: number | undefined): number => {
  if (score === undefined || !(score >= 0 && score <= 1))
    throw new Error(`model ${model.version} scored ${tx.transactionId} ${String(score)}, not a probability`);
  return score;
};

/** The window's transactions of one replayed batch, decided as the service would: one model call, then the rules and the policy. */
async function decideInWindow(
  batch: readonly ReplayedTransaction[],
  window: { readonly from: number; readonly to: number },
  options: Pick<EvaluateOptions, 'model' | 'rules' | 'policy'>,
): Promise<DecidedTransaction[]> {
  const { model, rules, policy } = options;
  const inWindow = batch.filter(({ tx }) => {
    const at = Date.parse(tx.occurredAt);
    return at >= window.from && at < window.to;
  });
  if (inWindow.length === 0) return [];
  const scores = model === null ? null : await model.score(inWindow.map(({ tx, features }) => model.rowOf(tx, features)));
  return inWindow.map(({ tx, features, label }, i) => {
    const score = model === null || scores === null ? null : checkedScore(model, tx, scores[i]);
    const result = evaluateRules(rules.ruleSet, tx, features);
    return {
      cardId: tx.cardId,
      occurredAtMs: Date.parse(tx.occurredAt),
      fraud: label?.fraud === true,
      score,
      outcome: decide({ rules: result, score, failures: [] }, policy).decision,
      ruleHits: hits(result).map((hit) => hit.ruleId),
    };
  });
}

/**
 * Every transaction of a replayed batch through the online learner as the service would run it:
 * scored with what was learnt before it, decided by the live combination, its row kept by the
 * row policy. The window's transactions are decided under each variant; the base variant's
 * decisions are what the non-online report measures.
 */
async function decideOnline(
  batch: readonly ReplayedTransaction[],
  window: { readonly from: number; readonly to: number },
  options: Pick<EvaluateOptions, 'model' | 'rules' | 'policy'>,
  learner: Prequential,
  out: Record<OnlineVariant, VariantDecided[]>,
): Promise<void> {
  const first = batch[0];
  if (first === undefined) return;
  const { model, rules, policy } = options;
  learner.mature(Date.parse(first.tx.occurredAt));
  const scores = model === null ? null : await model.score(batch.map(({ tx, features }) => model.rowOf(tx, features)));
  batch.forEach(({ tx, features, label }, i) => {
    const base = model === null || scores === null ? null : checkedScore(model, tx, scores[i]);
    const scored = learner.score(featureVector(tx, features), base);
    const result = evaluateRules(rules.ruleSet, tx, features);
    const outcomeOf = (score: number | null) => decide({ rules: result, score, failures: [] }, policy).decision;
    const live = learner.settings.live === 'residual' ? scored.residual : scored.blend;
    const at = Date.parse(tx.occurredAt);
    learner.keep(tx.transactionId, scored, at, outcomeOf(live) !== 'approve');
    if (at < window.from || at >= window.to) return;
    const common = {
      cardId: tx.cardId,
      occurredAtMs: at,
      fraud: label?.fraud === true,
      ruleHits: hits(result).map((hit) => hit.ruleId),
      scenario: label?.fraud === true ? (label.scenario ?? null) : null,
    };
    const byVariant: Record<OnlineVariant, number | null> = { base, online: scored.online, blend: scored.blend, residual: scored.residual };
    for (const variant of ONLINE_VARIANTS) out[variant].push({ ...common, score: byVariant[variant], outcome: outcomeOf(byVariant[variant]) });
  });
}

/**
 * Replays the whole history (the features need it) and decides every transaction of the window
 * with the rules, the model and the policy the service uses, then measures the window.
 */
export async function evaluateHistory(options: EvaluateOptions): Promise<EvaluationReport> {
  const { model, policy, rules } = options;
  const k = options.k ?? DEFAULT_K;
  const labelDelayDays = options.labelDelayDays ?? DEFAULT_VELOCITY_LIMITS.labelDelayDays;
  const window = await resolveWindow(options.transactionsPath, options.from, options.to);
  const badRows = new BadRows(options.maxBadRows ?? 0);
  const decided: DecidedTransaction[] = [];
  // When each card first became known compromised: its earliest fraud label's report.
  const knownSince = new Map<string, number>();
  let done = 0;
  const learner = options.online === undefined ? null : new Prequential(options.online);
  const byVariant: Record<OnlineVariant, VariantDecided[]> = { base: [], online: [], blend: [], residual: [] };

  const replay = await replayHistory({
    transactionsPath: options.transactionsPath,
    labelsPath: options.labelsPath,
    redis: options.redis,
    labelDelayDays,
    badRows,
    onBatch: async (batch) => {
      for (const { tx, label } of batch) {
        if (label?.fraud !== true) continue;
        const reported = Date.parse(label.reportedAt);
        if (reported < (knownSince.get(tx.cardId) ?? Infinity)) knownSince.set(tx.cardId, reported);
      }
      // Only the window is decided: the rest of the history is there for its features (and,
      // with the online learner, for what it learns before the window).
      if (learner === null) decided.push(...(await decideInWindow(batch, window, options)));
      else await decideOnline(batch, window, options, learner, byVariant);
      done += batch.length;
      options.onProgress?.(done);
    },
    onLabels: (labels, atMs) => learner?.release(labels, atMs),
  });
  // A loop, not push(...): a spread of a month's transactions overflows the call stack.
  if (learner !== null) for (const tx of byVariant.base) decided.push(tx);

  const liveRules = rules.ruleSet.rules.filter((rule) => rule.enabled && rule.mode === 'live').map((rule) => ({ id: rule.id, action: rule.action }));
  const metrics = windowMetrics(decided, { rules: liveRules, knownSince, k });
  const skipped = badRows.summary();
  const online = learner === null ? undefined : onlineReport(byVariant, learner.settings, learner.stats, { rules: liveRules, knownSince, k });
  return buildReport(
    {
      files: { transactions: options.transactionsPath, labels: options.labelsPath },
      transactions: replay.transactions,
      labels: (await nonBlankLines(options.labelsPath)) - skipped.labels,
      frauds: replay.frauds,
      labelsApplied: replay.labelsApplied,
      labelsUnresolved: replay.labelsUnresolved,
      skippedRows: { transactions: skipped.transactions, labels: skipped.labels },
      window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
      transactionsInWindow: metrics.transactions,
      fraudsInWindow: metrics.frauds,
      model: model?.version ?? null,
      rules: rules.ruleSet.version,
      rulesSource: rules.source,
      k,
      labelDelayDays,
      policy: { reviewThreshold: policy.reviewThreshold, denyThreshold: policy.denyThreshold },
    },
    metrics,
    online,
  );
}

/** pr_curve.png and card_precision.png from report.json, drawn with the training venv's matplotlib. */
export function drawCharts(outDir: string): void {
  const python =
    execFileSync('bash', [join(ROOT, 'models', 'train', 'setup_venv.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
      .trim()
      .split('\n')
      .at(-1) ?? 'python3';
  execFileSync(python, [join(ROOT, 'models', 'evaluate', 'charts.py'), '--report', join(outDir, 'report.json'), '--out', outDir], { stdio: 'inherit' });
}

function parseInstant(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) throw new Error(`--${flag} wants an ISO date or time such as 2026-02-01 or 2026-02-01T00:00:00Z, got "${text}"`);
  return ms;
}

function parseK(text: string | undefined): number {
  if (text === undefined) return DEFAULT_K;
  if (!/^[1-9]\d*$/.test(text)) throw new Error(`--k wants a positive whole number of cards a day, got "${text}"`);
  return Number(text);
}

const onlineOverridesSchema = z.strictObject({
  params: ftrlParamsSchema.optional(),
  maxStep: z.number().nonnegative().optional(),
  sampleRate: z.number().min(0).max(1).optional(),
  maturityDays: z.number().positive().optional(),
  rowTtlDays: z.number().positive().optional(),
  warmupLabels: z.number().int().nonnegative().optional(),
  blendWeight: z.number().min(0).max(1).optional(),
  live: z.enum(['blend', 'residual']).optional(),
});

/** DEFAULT_ONLINE_SETTINGS with what --online-settings '{"sampleRate": 0.1, ...}' changes. */
export function parseOnlineSettings(text: string | undefined): OnlineSettings {
  if (text === undefined) return DEFAULT_ONLINE_SETTINGS;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`--online-settings wants a JSON object such as '{"sampleRate": 0.1}', got ${text}`);
  }
  const parsed = onlineOverridesSchema.safeParse(value);
  if (!parsed.success) throw new Error(`--online-settings: ${z.prettifyError(parsed.error)}`);
  // JSON has no undefined: every key present is a change.
  return { ...DEFAULT_ONLINE_SETTINGS, ...parsed.data };
}

function progress(): { update: (done: number) => void; end: () => void } {
  const started = Date.now();
  let last = 0;
  return {
    update: (done) => {
      if (Date.now() - last < 2000) return;
      last = Date.now();
      const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
      process.stderr.write(`\r[evaluate] ${done.toLocaleString('en')} transactions replayed (${rate.toLocaleString('en')}/s)   `);
    },
    end: () => {
      if (last > 0) process.stderr.write('\n');
    },
  };
}

export async function main(args: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      transactions: { type: 'string' },
      labels: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      model: { type: 'string' },
      rules: { type: 'string' },
      k: { type: 'string' },
      'label-delay-days': { type: 'string' },
      'max-bad-rows': { type: 'string' },
      'no-charts': { type: 'boolean', default: false },
      online: { type: 'boolean', default: false },
      'online-settings': { type: 'string' },
    },
  });
  if (values.transactions === undefined || values.labels === undefined || values.out === undefined) throw new Error(USAGE);
  const config = parseConfig(env);
  const k = parseK(values.k);
  const from = parseInstant('from', values.from);
  const to = parseInstant('to', values.to);
  const maxBadRows = parseMaxBadRows(values['max-bad-rows']);
  const labelDelayDays = parseLabelDelayDays(values['label-delay-days']);
  const rulesPath = values.rules !== undefined ? resolve(values.rules) : configuredRulesPath(config);
  const rules: RulesUnderTest = { source: rulesPath, ruleSet: loadRuleSetFile(rulesPath) };
  const model = await loadModel(values.model, config);
  const online = values.online || values['online-settings'] !== undefined ? parseOnlineSettings(values['online-settings']) : undefined;

  const started = Date.now();
  const bar = progress();
  const server = await startPrivateRedis('fraud-evaluate');
  const redis = new Redis(server.url);
  let report: EvaluationReport;
  try {
    report = await evaluateHistory({
      transactionsPath: resolve(values.transactions),
      labelsPath: resolve(values.labels),
      redis,
      rules,
      model,
      policy: config.policy,
      from,
      to,
      k,
      labelDelayDays,
      maxBadRows,
      online,
      onProgress: bar.update,
    });
  } finally {
    bar.end();
    redis.disconnect();
    await server.stop();
    await model?.retire();
  }
  const outDir = resolve(values.out);
  const { jsonPath, markdownPath } = writeReport(outDir, report);
  const seconds = (Date.now() - started) / 1000;
  for (const line of headline(report)) console.log(`[evaluate] ${line}`);
  console.log(
    `[evaluate] replayed and decided in ${seconds.toFixed(1)} s (${Math.round(report.data.transactions / Math.max(0.001, seconds)).toLocaleString('en')} transactions/s)`,
  );
  console.log(jsonPath);
  console.log(markdownPath);
  if (!values['no-charts']) {
    drawCharts(outDir);
    console.log(join(outDir, 'pr_curve.png'));
    console.log(join(outDir, 'card_precision.png'));
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).catch((err: unknown) => {
    console.error(`[evaluate] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
