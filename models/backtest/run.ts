/**
 * `npm run backtest -- --transactions FILE --labels FILE --rules FILE [--baseline FILE|active]
 *  [--model FILE|none] [--out DIR]`
 *
 * Replays a labelled history in event-time order on a private redis-server (never live state)
 * and reports what the candidate rule set would have decided against the baseline (by default
 * the service's active version, read from REDIS_URL under RULES_KEY_PREFIX), with the same
 * features and model scores. Writes Markdown and JSON to --out (default backtest-results/).
 */
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../../scripts/stack/redis';
import { parseConfig, type AppConfig } from '../../src/config/config';
import { OnnxScorer } from '../../src/model/onnx-scorer';
import { readActiveVersion } from '../../src/rules/rule-version.store';
import { parseRuleSet } from '../../src/rules/rules';
import { DEFAULT_RULES_PATH, loadRuleSetFile } from '../../src/rules/rules.service';
import { runBacktest, toMarkdown, type BacktestReport, type RulesUnderTest } from './backtest';

const USAGE = 'usage: npm run backtest -- --transactions FILE --labels FILE --rules FILE [--baseline FILE|active] [--model FILE|none] [--out DIR]';

/** The rule set the service would load: RULES_PATH, or the bundled default rules. */
export const configuredRulesPath = (config: AppConfig): string => (config.rules.path === '' ? DEFAULT_RULES_PATH : resolve(config.rules.path));

/** `--model FILE|none` (default MODEL_PATH), loaded as the service would, in runs of up to 1,024 rows. */
export const loadModel = (flag: string | undefined, config: AppConfig): Promise<OnnxScorer | null> => {
  const path = flag ?? config.model.path;
  return path === 'none' ? Promise.resolve(null) : OnnxScorer.load(resolve(path), { intraOpThreads: config.model.intraOpThreads, maxRowsPerRun: 1024 });
};

async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path)) {
    for (const byte of chunk as Buffer) if (byte === 10) lines += 1;
  }
  return lines;
}

/** The active version from the service's Redis; the bundled rules (or RULES_PATH) when none answers. */
async function activeRules(redisUrl: string, prefix: string, fallbackPath: string, note: (line: string) => void): Promise<RulesUnderTest> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1500 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const active = await readActiveVersion(redis, prefix);
    if (active !== null) {
      const parsed = parseRuleSet(active.document);
      if (!parsed.ok) throw new Error(`active version ${String(active.v)} does not parse`);
      return { source: `active version v${String(active.v)} at ${redisUrl}`, ruleSet: parsed.ruleSet };
    }
    note(`no active rules version under "${prefix}" at ${redisUrl}: the baseline is ${fallbackPath}`);
  } catch (err) {
    note(`the service's Redis at ${redisUrl} did not answer (${err instanceof Error ? err.message : String(err)}): the baseline is ${fallbackPath}`);
  } finally {
    redis.disconnect();
  }
  return { source: `${fallbackPath} (no active version available)`, ruleSet: loadRuleSetFile(fallbackPath) };
}

function progress(total: number): { update: (done: number) => void; end: () => void } {
  const started = Date.now();
  let last = 0;
  const tty = process.stderr.isTTY;
  return {
    update: (done) => {
      const now = Date.now();
      if (now - last < (tty ? 200 : 2000) && done < total) return;
      last = now;
      const share = total === 0 ? 1 : Math.min(1, done / total);
      const rate = Math.round(done / Math.max(0.001, (now - started) / 1000));
      const text = `${done.toLocaleString('en')}/${total.toLocaleString('en')} transactions (${rate.toLocaleString('en')}/s)`;
      if (tty) {
        const width = 30;
        const filled = Math.round(share * width);
        process.stderr.write(`\r[backtest] [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)} % ${text}   `);
      } else process.stderr.write(`[backtest] ${(share * 100).toFixed(0)} % ${text}\n`);
    },
    end: () => {
      if (tty) process.stderr.write('\n');
    },
  };
}

export interface BacktestRun {
  readonly report: BacktestReport;
  readonly markdownPath: string;
  readonly jsonPath: string;
}

export async function backtest(args: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<BacktestRun> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      transactions: { type: 'string' },
      labels: { type: 'string' },
      rules: { type: 'string' },
      baseline: { type: 'string', default: 'active' },
      model: { type: 'string' },
      out: { type: 'string', default: 'backtest-results' },
    },
  });
  if (values.transactions === undefined || values.labels === undefined || values.rules === undefined) throw new Error(USAGE);
  const config = parseConfig(env);
  const note = (line: string) => process.stderr.write(`[backtest] ${line}\n`);

  const candidatePath = resolve(values.rules);
  const candidate: RulesUnderTest = { source: candidatePath, ruleSet: loadRuleSetFile(candidatePath) };
  const fallback = configuredRulesPath(config);
  const baseline: RulesUnderTest =
    values.baseline === 'active'
      ? await activeRules(config.redis.url, config.rules.keyPrefix, fallback, note)
      : { source: resolve(values.baseline), ruleSet: loadRuleSetFile(resolve(values.baseline)) };
  const model = await loadModel(values.model, config);

  const transactionsPath = resolve(values.transactions);
  const bar = progress(await countLines(transactionsPath));
  const server = await startPrivateRedis('fraud-backtest');
  const redis = new Redis(server.url);
  let report: BacktestReport;
  try {
    report = await runBacktest({
      transactionsPath,
      labelsPath: resolve(values.labels),
      redis,
      candidate,
      baseline,
      model,
      policy: config.policy,
      onProgress: bar.update,
    });
  } finally {
    bar.end();
    redis.disconnect();
    await server.stop();
    await model?.retire();
  }

  const outDir = resolve(values.out);
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replaceAll(':', '')
    .replace(/\.\d+Z$/, 'Z');
  const base = join(outDir, `backtest-${stamp}-${report.candidate.rulesVersion.replace(/[^a-zA-Z0-9._-]/g, '_')}`);
  writeFileSync(`${base}.md`, toMarkdown(report));
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  return { report, markdownPath: `${base}.md`, jsonPath: `${base}.json` };
}

if (require.main === module) {
  backtest(process.argv.slice(2), process.env)
    .then(({ report, markdownPath, jsonPath }) => {
      console.log(toMarkdown(report));
      console.log(`${markdownPath}\n${jsonPath}`);
    })
    .catch((err: unknown) => {
      console.error(`[backtest] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
