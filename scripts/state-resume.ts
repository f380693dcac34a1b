import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/config';
import { markRestored } from '../src/redis/state-epoch';

/**
 * `npm run state:resume`: tells every instance that found Redis without its state (restarted
 * empty, flushed, failed over to an empty replica) to decide on what Redis holds now. Run it
 * once the data is back (an AOF or RDB restored, a replica re-synced), or to accept the state as
 * it is: velocity windows and label counts then start again from what is there.
 */
async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  try {
    const epoch = await markRestored(redis);
    console.log(`[state] marked the state in ${new URL(config.redis.url).host} restored as epoch ${epoch}: waiting instances resume within a second`);
  } finally {
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(`[state] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
