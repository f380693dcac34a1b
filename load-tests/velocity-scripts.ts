/**
 * `npx tsx load-tests/velocity-scripts.ts --transactions FILE --labels FILE [--limit 300000] [--batch 500]`
 * Redis's own cost of the velocity scripts on a history: the feature replay (the scripts the
 * service runs, in event time, labels applied as they are reported) against a private
 * redis-server, then from Redis itself the script time per transaction (`INFO commandstats`,
 * execution only) and its whole CPU per transaction (`INFO cpu`, reading and answering the
 * pipelines too). Compare variants of a script in one sitting, alternating: the figures move
 * with whatever else the machine runs.
 */
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { replayHistory } from '../models/replay/replay';
import { startPrivateRedis } from '../scripts/stack/redis';
import { redisCommandMark, redisCpuSeconds } from './lib/cpu';

interface Stats {
  readonly cpuSeconds: number;
  readonly evalshaCalls: number;
  readonly evalshaUsec: number;
}

async function stats(redis: Redis): Promise<Stats> {
  const evalsha = (await redisCommandMark(redis)).get('evalsha');
  return { cpuSeconds: await redisCpuSeconds(redis), evalshaCalls: evalsha?.calls ?? 0, evalshaUsec: evalsha?.usec ?? 0 };
}

/** The first `limit` lines of `from`, in a temporary file. */
async function head(from: string, limit: number, to: string): Promise<void> {
  const out = createWriteStream(to);
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(from), crlfDelay: Infinity })) {
    if (n++ >= limit) break;
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      transactions: { type: 'string' },
      labels: { type: 'string' },
      limit: { type: 'string', default: '300000' },
      batch: { type: 'string', default: '500' },
    },
  });
  if (values.transactions === undefined || values.labels === undefined) throw new Error('usage: --transactions FILE --labels FILE [--limit N] [--batch N]');
  const dir = mkdtempSync(join(tmpdir(), 'velocity-scripts-'));
  const server = await startPrivateRedis('velocity-scripts');
  const redis = new Redis(server.url);
  try {
    const transactionsPath = join(dir, 'transactions.jsonl');
    await head(values.transactions, Number(values.limit), transactionsPath);
    const before = await stats(redis);
    const t0 = performance.now();
    const summary = await replayHistory({
      transactionsPath,
      labelsPath: values.labels,
      redis,
      batchSize: Number(values.batch),
      onBatch: () => Promise.resolve(),
    });
    const seconds = (performance.now() - t0) / 1000;
    const after = await stats(redis);
    const per = (x: number) => (x / summary.transactions).toFixed(1);
    const memory = /^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? '0';
    console.log(
      `${summary.transactions.toLocaleString('en')} transactions, ${summary.labelsApplied.toLocaleString('en')} labels applied, ${(summary.transactions / seconds).toFixed(0)}/s`,
    );
    console.log(
      `Redis CPU ${per((after.cpuSeconds - before.cpuSeconds) * 1e6)} us a transaction; script time ${per(after.evalshaUsec - before.evalshaUsec)} us a transaction over ${per(after.evalshaCalls - before.evalshaCalls)} calls; memory ${(Number(memory) / summary.transactions).toFixed(0)} bytes a transaction`,
    );
  } finally {
    redis.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
