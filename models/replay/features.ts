/**
 * `npm run features -- --transactions FILE --labels FILE --out FILE.csv`
 * Replays a labelled history through the service's velocity code on a private redis-server
 * (started on a free port for the run, never a live one) and writes the training matrix.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../../scripts/stack/redis';
import { replayFeatures, type ReplaySummary } from './replay';

export async function buildFeatures(transactionsPath: string, labelsPath: string, outPath: string): Promise<ReplaySummary> {
  const server = await startPrivateRedis('fraud-replay');
  const redis = new Redis(server.url);
  const started = Date.now();
  let last = 0;
  try {
    return await replayFeatures({
      transactionsPath,
      labelsPath,
      outPath,
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { transactions: { type: 'string' }, labels: { type: 'string' }, out: { type: 'string' } } });
  if (values.transactions === undefined || values.labels === undefined || values.out === undefined) {
    throw new Error('usage: npm run features -- --transactions FILE --labels FILE --out FILE.csv');
  }
  const started = Date.now();
  const summary = await buildFeatures(resolve(values.transactions), resolve(values.labels), resolve(values.out));
  console.log(`[features] ${JSON.stringify(summary)} in ${String(Math.round((Date.now() - started) / 1000))} s -> ${values.out}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`[features] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
