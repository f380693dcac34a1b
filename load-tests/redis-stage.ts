/**
 * `npx tsx load-tests/redis-stage.ts [transactions.jsonl]`
 * The Redis step on its own, on a private redis-server: the velocity scripts of one
 * micro-batch in one pipelined round trip, per batch size, over realistic traffic (the first
 * transactions of a simulator file, or generated ones), with Redis's own CPU per script from
 * INFO commandstats, which is what bounds throughput on a shared 2-core machine.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { startPrivateRedis } from '../scripts/stack/redis';
import { transactionSchema, type Transaction } from '../src/transactions/transaction.schema';
import { VelocityStore } from '../src/velocity/velocity.store';

const TOTAL = 60_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function load(path: string | undefined): Promise<Transaction[]> {
  if (path === undefined) {
    const start = Date.parse('2026-01-01T00:00:00Z');
    return Array.from({ length: TOTAL }, (_, i) => ({
      transactionId: `bench-${String(i)}`, occurredAt: new Date(start + i * 2000).toISOString(), cardId: `card-${String(i % 3000)}`,
      merchantId: `m-${String(i % 300)}`, amount: 10 + (i % 90), currency: 'EUR', location: { lat: 48 + (i % 10) / 10, lon: 2 },
    }));
  }
  const txs: Transaction[] = [];
  for await (const line of createInterface({ input: createReadStream(path) })) {
    txs.push(transactionSchema.parse(JSON.parse(line)));
    if (txs.length >= TOTAL) break;
  }
  return txs;
}

async function main(): Promise<void> {
  const txs = await load(process.argv[2]);
  const server = await startPrivateRedis('redis-stage');
  const redis = new Redis(server.url);
  const store = new VelocityStore();
  VelocityStore.install(redis);
  try {
    console.log('batch  median ms/batch  median us/tx  redis us/script');
    let next = 0;
    for (const size of [1, 10, 50, 200, 500]) {
      const times: number[] = [];
      await redis.config('RESETSTAT');
      const until = Math.min(txs.length, next + Math.max(size * 20, 10_000));
      for (; next + size <= until; next += size) {
        const t0 = performance.now();
        await store.runBatch(redis, txs.slice(next, next + size));
        times.push(performance.now() - t0);
      }
      const stats = /cmdstat_evalsha:.*usec_per_call=([\d.]+)/.exec(await redis.info('commandstats'));
      const ms = median(times);
      console.log(`${String(size).padStart(5)}  ${ms.toFixed(3).padStart(15)}  ${((ms * 1000) / size).toFixed(1).padStart(12)}  ${(stats?.[1] ?? '?').padStart(15)}`);
    }
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
