import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { RedisConnection } from '../redis/redis.client';

/**
 * Runs `sync` so that calls never overlap and none is lost: a call while one runs makes one more
 * run after it (however many calls came meanwhile), and every caller's promise settles once a
 * run that started after its call has finished. Never rejects: `onError` gets what a run threw.
 */
export function coalesced(sync: () => Promise<void>, onError: (err: unknown) => void): () => Promise<void> {
  let running: Promise<void> | null = null;
  let rerun = false;
  return () => {
    if (running !== null) {
      rerun = true;
      return running;
    }
    // A getter, not the variable: it changes during the await, which narrowing cannot see.
    const again = (): boolean => rerun;
    running = (async () => {
      do {
        rerun = false;
        try {
          await sync();
        } catch (err) {
          onError(err);
        }
      } while (again());
      running = null;
    })();
    return running;
  };
}

export interface FollowOptions {
  /** Redis's pub/sub channel on which each write to the followed state is announced. */
  readonly channel: string;
  /** The poll covers announcements missed while the subscriber was disconnected. */
  readonly pollIntervalMs: number;
  readonly refresh: () => Promise<void>;
  readonly onSubscriberError: (message: string) => void;
}

/**
 * Keeps an instance's copy of state held in Redis (the active rules, the online model's
 * weights) in step with it: once at start, on every announcement on `channel`, and on a poll.
 * Returns the function that stops it.
 */
export async function followRedis(redis: RedisConnection, options: FollowOptions): Promise<() => void> {
  // The connection is usually still opening at start-up; commands would fail at once without it.
  if (redis.status !== 'ready') await once(redis, 'ready', { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
  await options.refresh();
  const timer = setInterval(() => void options.refresh(), options.pollIntervalMs);
  timer.unref();
  // A connection in subscriber mode can run nothing else, hence its own. It queues while
  // disconnected and resubscribes after a reconnect (the poll covers the gap).
  const subscriber =
    redis instanceof Redis
      ? redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false })
      : redis.duplicate(undefined, { enableOfflineQueue: true, redisOptions: { maxRetriesPerRequest: null } });
  let stopped = false;
  subscriber.on('error', (err: Error) => {
    options.onSubscriberError(`subscriber: ${err.message}`);
  });
  subscriber.on('message', () => void options.refresh());
  subscriber.subscribe(options.channel).catch((err: unknown) => {
    // Stopping during start-up rejects the pending subscribe; that is not worth a warning.
    if (!stopped) options.onSubscriberError(`subscribe failed: ${err instanceof Error ? err.message : String(err)}`);
  });
  return () => {
    stopped = true;
    clearInterval(timer);
    subscriber.disconnect();
  };
}
