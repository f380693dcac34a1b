import { Redis } from 'ioredis';
import { rowBuilder } from '../../src/model/feature-catalogue';
import { readModelMetadata } from '../../src/model/model-metadata';
import { OnnxScorer } from '../../src/model/onnx-scorer';
import { evaluateRules } from '../../src/rules/rules';
import { DEFAULT_RULES_PATH, loadRuleSetFile } from '../../src/rules/rules.service';
import { classifyMessage } from '../../src/stream/transaction-message';
import type { Transaction } from '../../src/transactions/transaction.schema';
import type { Features } from '../../src/velocity/features';
import { VelocityStore } from '../../src/velocity/velocity.store';
import { median } from './stats';

export interface StageRow {
  readonly stage: string;
  readonly batch: number;
  readonly msPerBatch: number;
  readonly usPerTx: number;
  /** Redis's own CPU per script call (INFO commandstats), for the Redis stage. */
  readonly redisUsPerScript?: number;
}

/** Median time of `fn` over the batches of `items`, per batch and per item. */
async function timeBatches<T>(stage: string, items: readonly T[], batch: number, fn: (chunk: readonly T[]) => unknown): Promise<StageRow> {
  const times: number[] = [];
  for (let i = 0; i + batch <= items.length; i += batch) {
    const chunk = items.slice(i, i + batch);
    const t0 = performance.now();
    await fn(chunk);
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  return { stage, batch, msPerBatch: Math.round(ms * 1000) / 1000, usPerTx: Math.round((ms * 1000 * 10) / batch) / 10 };
}

/**
 * Each step of the pipeline on its own, per batch size, on the bench's traffic: parse and
 * validate a Kafka message; the velocity scripts of a batch in one round trip (a Redis database
 * of their own, flushed first); the rules; the model. Medians.
 */
export async function stageBenchmarks(
  txs: readonly Transaction[],
  redisUrl: string,
  modelPath: string | null,
  log: (line: string) => void,
): Promise<StageRow[]> {
  const rows: StageRow[] = [];
  const buffers = txs.map((tx) => Buffer.from(JSON.stringify(tx)));
  for (const batch of [1, 200]) rows.push(await timeBatches('parse+validate', buffers, batch, (chunk) => chunk.map((b) => classifyMessage(b, 65_536))));

  const redis = new Redis(redisUrl);
  const store = new VelocityStore();
  VelocityStore.install(redis);
  // Each transaction with the features its script returned: the rules and the model stages
  // run on exactly those pairs.
  const scored: { tx: Transaction; f: Features }[] = [];
  try {
    await redis.flushdb();
    let next = 0;
    const sizes = [1, 50, 200, 500];
    // Each size gets fresh transactions of its own (a repeat would take the idempotent path).
    const share = Math.floor(txs.length / sizes.length);
    for (const batch of sizes) {
      const slice = txs.slice(next, next + share);
      next += slice.length;
      await redis.config('RESETSTAT');
      const row = await timeBatches('redis velocity scripts', slice, batch, async (chunk) => {
        const results = await store.runBatch(redis, chunk);
        for (const [i, tx] of chunk.entries()) {
          const f = results[i]?.features;
          if (f !== undefined) scored.push({ tx, f });
        }
      });
      const stats = /cmdstat_evalsha:.*usec_per_call=([\d.]+)/.exec(await redis.info('commandstats'));
      rows.push({ ...row, redisUsPerScript: Number(stats?.[1] ?? Number.NaN) });
      log(`  redis batch ${String(batch)}: ${row.usPerTx.toFixed(1)} us/tx`);
    }
  } finally {
    redis.disconnect();
  }

  const ruleSet = loadRuleSetFile(DEFAULT_RULES_PATH);
  for (const batch of [1, 200]) rows.push(await timeBatches('rules', scored, batch, (chunk) => chunk.map(({ tx, f }) => evaluateRules(ruleSet, tx, f))));

  if (modelPath !== null) {
    const rowOf = rowBuilder(readModelMetadata(modelPath).featureNames);
    const vectors = scored.map(({ tx, f }) => rowOf(tx, f));
    for (const batch of [1, 64, 200]) {
      // One run per batch (the service splits at MODEL_MAX_ROWS_PER_RUN; here the run is the unit).
      const scorer = await OnnxScorer.load(modelPath, { intraOpThreads: 1, maxRowsPerRun: batch });
      rows.push(await timeBatches('model', vectors, batch, (chunk) => scorer.score(chunk)));
      await scorer.retire();
    }
  }
  return rows;
}
