/**
 * `npm run features -- --transactions FILE --labels FILE --out FILE.csv [--max-bad-rows N]`
 * Replays a labelled history through the service's velocity code on a private redis-server
 * (started on a free port for the run, never a live one) and writes the training matrix.
 */
import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../../scripts/stack/redis';
import { DEFAULT_VELOCITY_LIMITS } from '../../src/velocity/velocity.store';
import { featureHeaderProblem, formatBadRow, replayFeatures, type FeatureReplaySummary } from './replay';

/**
 * Bad rows skipped before a replay stops. A count, not a share of the file, so that a file
 * in the wrong format (where most rows are bad) fails within its first thousand lines rather
 * than after the whole replay; 1,000 is 0.1 % of a million-row export, room for scattered
 * export glitches and far too few to hide a systematic mismatch.
 */
export const DEFAULT_MAX_BAD_ROWS = 1000;

export function parseMaxBadRows(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_BAD_ROWS;
  if (!/^\d+$/.test(text)) throw new Error(`--max-bad-rows wants a whole number of rows (0 stops at the first bad row), got "${text}"`);
  return Number(text);
}

export interface BuildOptions {
  readonly transactionsPath: string;
  readonly labelsPath: string;
  readonly outPath: string;
  readonly maxBadRows: number;
  /** The label delay the delayed windows assume: the LABEL_DELAY_DAYS the model will be served with. */
  readonly labelDelayDays: number;
}

export function parseLabelDelayDays(text: string | undefined): number {
  if (text === undefined) return DEFAULT_VELOCITY_LIMITS.labelDelayDays;
  if (!/^\d+$/.test(text) || Number(text) > 60)
    throw new Error(`--label-delay-days wants whole days from 0 to 60 (the service's LABEL_DELAY_DAYS), got "${text}"`);
  return Number(text);
}

export async function buildFeatures(options: BuildOptions): Promise<FeatureReplaySummary> {
  const server = await startPrivateRedis('fraud-replay');
  const redis = new Redis(server.url);
  const started = Date.now();
  let last = 0;
  try {
    return await replayFeatures({
      ...options,
      redis,
      onProgress: (done) => {
        if (Date.now() - last < 2000) return;
        last = Date.now();
        const rate = Math.round(done / ((Date.now() - started) / 1000));
        process.stderr.write(`\r[features] ${done.toLocaleString('en')} transactions replayed (${rate.toLocaleString('en')}/s)   `);
      },
    });
  } finally {
    process.stderr.write('\n');
    redis.disconnect();
    await server.stop();
  }
}

/** The replay's outcome, as `npm run features` and `npm run train` print it. */
export function describeReplay(summary: FeatureReplaySummary): string[] {
  const n = (x: number) => x.toLocaleString('en');
  const { skipped } = summary;
  const unlisted = skipped.transactions + skipped.labels - skipped.first.length;
  return [
    `${n(summary.transactions)} transactions replayed, ${n(summary.frauds)} of them labelled fraud`,
    `labels fed back to the features: ${n(summary.labelsApplied)} applied, ${n(summary.labelsUnresolved)} unresolved ` +
      '(no cardId, merchantId and occurredAt on the label, and its transaction not in the file before the report)',
    `bad rows skipped: ${n(skipped.transactions)} in the transactions, ${n(skipped.labels)} in the labels`,
    ...skipped.first.map((row) => `  ${formatBadRow(row)}`),
    ...(unlisted > 0 ? [`  and ${n(unlisted)} more`] : []),
  ];
}

/** Refuses a feature CSV whose header is not today's CSV_HEADER: a model trained on it would not fit the service. */
export async function checkFeatureCsv(path: string): Promise<void> {
  if (!existsSync(path)) throw new Error(`${path} does not exist (npm run features, or npm run train without --features-from, writes one)`);
  const input = createReadStream(path);
  let header: string | undefined;
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      header = line;
      break;
    }
  } finally {
    input.destroy();
  }
  const problem = header === undefined ? 'the file is empty' : featureHeaderProblem(header.split(','));
  if (problem !== null) {
    throw new Error(
      `${path}: the header is not the current feature set (${problem}). The service computes today's features; rebuild the CSV with npm run features, or run npm run train without --features-from`,
    );
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      transactions: { type: 'string' },
      labels: { type: 'string' },
      out: { type: 'string' },
      'max-bad-rows': { type: 'string' },
      'label-delay-days': { type: 'string' },
    },
  });
  if (values.transactions === undefined || values.labels === undefined || values.out === undefined) {
    throw new Error(
      `usage: npm run features -- --transactions FILE --labels FILE --out FILE.csv [--max-bad-rows N (default ${String(DEFAULT_MAX_BAD_ROWS)})] [--label-delay-days D (default 7, as LABEL_DELAY_DAYS)]`,
    );
  }
  const maxBadRows = parseMaxBadRows(values['max-bad-rows']);
  const labelDelayDays = parseLabelDelayDays(values['label-delay-days']);
  const started = Date.now();
  const summary = await buildFeatures({
    transactionsPath: resolve(values.transactions),
    labelsPath: resolve(values.labels),
    outPath: resolve(values.out),
    maxBadRows,
    labelDelayDays,
  });
  for (const line of describeReplay(summary)) console.log(`[features] ${line}`);
  console.log(`[features] done in ${String(Math.round((Date.now() - started) / 1000))} s -> ${values.out}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[features] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
