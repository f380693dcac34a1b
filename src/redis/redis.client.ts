import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Cluster, Redis, type ChainableCommander, type RedisOptions } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Readiness } from '../health/readiness';

/** A single Redis or a Redis Cluster: the same commands, scripts defined the same way (defineCommand). */
export type RedisConnection = Redis | Cluster;

/** The user, password and TLS of a redis:// or rediss:// URL, for the cluster's nodes. */
export function credentialsOf(url: string): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const parsed = new URL(url);
  return {
    ...(parsed.username === '' ? {} : { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password === '' ? {} : { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** A reply that is a hash (HGETALL's): every value a string. */
export const isStringHash = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && Object.values(value).every((v) => typeof v === 'string');

/**
 * A pipeline that is safe on a cluster. On a single Redis it is the pipeline itself. On a
 * cluster, ioredis refuses a pipeline whose keys live on more than one node, so the commands
 * are recorded and sent, when it runs, as separate commands in one tick: the cluster client's
 * auto-pipelining (on, see below) groups them into one pipeline per node, sent in parallel, and
 * follows MOVED and ASK redirections for each. Replies come back in the order queued, as from a
 * pipeline. Commands to one node keep their order; there is none across nodes, as there is no
 * atomicity across nodes either.
 */
export function pipelineOf(redis: RedisConnection): ChainableCommander {
  if (redis instanceof Redis) return redis.pipeline();
  const calls: ((cluster: Cluster) => Promise<unknown>)[] = [];
  const proxy: ChainableCommander = new Proxy(Object.create(null) as ChainableCommander, {
    get(_, prop) {
      if (prop === 'length') return calls.length;
      if (prop === 'exec')
        return async (): Promise<[Error | null, unknown][]> => {
          const settled = await Promise.allSettled(calls.map((call) => call(redis)));
          return settled.map((s) => (s.status === 'fulfilled' ? [null, s.value] : [s.reason instanceof Error ? s.reason : new Error(String(s.reason)), null]));
        };
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return (...args: unknown[]) => {
        calls.push((cluster) => {
          const command = (cluster as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[prop];
          if (typeof command !== 'function') return Promise.reject(new Error(`the cluster client has no command ${prop}`));
          return command.apply(cluster, args);
        });
        return proxy;
      };
    },
  });
  return proxy;
}

/**
 * The one Redis connection of the process (one per node on a cluster). Commands fail at once
 * while disconnected (no offline queue): a decision must not wait for a reconnect, it
 * degrades instead.
 */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisClient.name);
  readonly redis: RedisConnection;
  private readonly wait: { readonly replicas: number; readonly timeoutMs: number };

  constructor(@Inject(APP_CONFIG) config: AppConfig, readiness: Readiness) {
    this.wait = { replicas: config.redis.waitReplicas, timeoutMs: config.redis.waitTimeoutMs };
    const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, 2000);
    const nodes = config.redis.clusterNodes;
    this.redis =
      nodes.length === 0
        ? new Redis(config.redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy, lazyConnect: false })
        : new Cluster(
            nodes.map((node) => ({ host: node.slice(0, node.lastIndexOf(':')), port: Number(node.slice(node.lastIndexOf(':') + 1)) })),
            {
              enableOfflineQueue: false,
              enableAutoPipelining: true,
              clusterRetryStrategy: retryStrategy,
              // A failover moves slots to a replica within the node timeout: a command meeting
              // CLUSTERDOWN or a moved slot is retried after a short wait rather than failed.
              retryDelayOnFailover: 100,
              retryDelayOnClusterDown: 100,
              redisOptions: { ...credentialsOf(config.redis.url), maxRetriesPerRequest: 0, connectTimeout: 2000 },
            },
          );
    let lastError = '';
    this.redis.on('error', (err: Error) => {
      // One line per distinct error: a Redis outage must not flood the logs.
      if (err.message !== lastError) this.logger.warn(`redis: ${err.message}`);
      lastError = err.message;
    });
    this.redis.on('ready', () => {
      lastError = '';
    });
    readiness.register({ name: 'redis', isReady: () => this.ping() });
  }

  /** A pipeline for this connection, split per node on a cluster (pipelineOf). */
  pipeline(): ChainableCommander {
    return pipelineOf(this.redis);
  }

  /**
   * Waits until REDIS_WAIT_REPLICAS replicas of every master hold what this process wrote to it
   * (WAIT on each master's connection, the one its writes went over); throws when one falls
   * short in REDIS_WAIT_TIMEOUT_MS. The Kafka path calls it before it commits a batch.
   */
  async replicated(): Promise<void> {
    const { replicas, timeoutMs } = this.wait;
    if (replicas === 0) return;
    const masters = this.redis instanceof Redis ? [this.redis] : this.redis.nodes('master');
    const acks = await Promise.all(masters.map((node) => node.wait(replicas, timeoutMs)));
    const fewest = Math.min(...acks);
    if (fewest < replicas)
      throw new Error(
        `a Redis master's writes reached ${String(fewest)} of the ${String(replicas)} replicas asked for (REDIS_WAIT_REPLICAS) in ${String(timeoutMs)} ms`,
      );
  }

  async ping(): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    await this.redis.ping();
    return true;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => {
      this.redis.disconnect();
    });
  }
}
