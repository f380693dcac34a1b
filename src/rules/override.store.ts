import { Inject, Injectable } from '@nestjs/common';
import type { Result } from 'ioredis';
import { RedisBatch } from '../redis/redis-batch';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { pipelineOf, RedisClient, type RedisConnection } from '../redis/redis.client';
import type { Transaction } from '../transactions/transaction.schema';
import { entitiesOf, isLive, overrideSchema, type Override, type OverrideAction, type OverrideEntity } from './overrides';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fdOverrideSet(...args: (string | number)[]): Result<unknown, Context>;
  }
}

// Sets the entry unless the same entity holds the opposite action (0). Both keys share the
// entity's hash tag, so the check and the write are one atomic step on one Cluster slot.
const SET = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
return 1`;

const installed = new WeakSet<RedisConnection>();

/**
 * Overrides in Redis: one key per entity and action, `{p}:o:{card:ID}:block`, expiring at the
 * entry's own expiry (PXAT), so an expired entry stops applying with no job to run; readers
 * check the expiry as well, to the millisecond. `{p}:overrides` is a sorted set of the keys by
 * expiry, for listing only: decisions never read it.
 */
@Injectable()
export class OverrideStore {
  private readonly prefix: string;
  private readonly index: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly client: RedisClient,
  ) {
    this.prefix = config.rules.keyPrefix;
    this.index = `{${config.rules.keyPrefix}}:overrides`;
    if (!installed.has(client.redis)) {
      installed.add(client.redis);
      client.redis.defineCommand('fdOverrideSet', { numberOfKeys: 2, lua: SET });
    }
  }

  private key(entity: OverrideEntity, id: string, action: OverrideAction): string {
    return `${this.prefix}:o:{${entity}:${id}}:${action}`;
  }

  /**
   * Queues the lookups of `tx`'s entities on the decision batch (one MGET per entity, so no
   * extra round trip). The reader gives the entries that apply at `now`; a value that does not
   * parse is ignored and counted, and an entity whose lookup failed makes the whole read fail.
   */
  queueOn(batch: RedisBatch, tx: Transaction): (now: number) => { overrides: Override[]; invalid: number } | null {
    const readers = entitiesOf(tx).map(({ entity, id }) =>
      batch.add(
        (p) => p.mget(this.key(entity, id, 'block'), this.key(entity, id, 'allow')),
        (raw) => (Array.isArray(raw) ? (raw as unknown[]) : []),
      ),
    );
    return (now) => {
      const overrides: Override[] = [];
      let invalid = 0;
      for (const read of readers) {
        const reply = read();
        if (!reply.ok) return null;
        for (const raw of reply.value) {
          if (typeof raw !== 'string') continue;
          const parsed = parseEntry(raw);
          if (parsed === null) invalid += 1;
          else if (isLive(parsed, now)) overrides.push(parsed);
        }
      }
      return { overrides, invalid };
    };
  }

  /** The entries in force at `now` on `tx`'s card, merchant and device (one round trip); throws on a Redis error. */
  async forTransaction(tx: Transaction, now: number): Promise<Override[]> {
    const batch = new RedisBatch(this.client.redis);
    const read = this.queueOn(batch, tx);
    await batch.exec();
    const found = read(now);
    if (found === null) throw new Error('reading the overrides failed');
    return found.overrides;
  }

  /** 'conflict' when the entity already holds the opposite action; the same action is replaced. */
  async set(override: Override): Promise<'set' | 'conflict'> {
    const opposite = override.action === 'allow' ? 'block' : 'allow';
    const key = this.key(override.entity, override.id, override.action);
    const expiresAt = Date.parse(override.expiresAt);
    const reply = await this.client.redis.fdOverrideSet(key, this.key(override.entity, override.id, opposite), JSON.stringify(override), expiresAt);
    if (reply !== 1) return 'conflict';
    await this.client.redis.zadd(this.index, expiresAt, key);
    return 'set';
  }

  async remove(entity: OverrideEntity, id: string, action: OverrideAction): Promise<boolean> {
    const key = this.key(entity, id, action);
    const removed = await this.client.redis.del(key);
    await this.client.redis.zrem(this.index, key);
    return removed === 1;
  }

  /** Entries that apply at `now`, soonest expiry first; expired index members are trimmed on the way. */
  async list(now: number): Promise<Override[]> {
    const redis = this.client.redis;
    await redis.zremrangebyscore(this.index, '-inf', now);
    const keys = await redis.zrangebyscore(this.index, `(${String(now)}`, '+inf');
    if (keys.length === 0) return [];
    // One GET per key (they live on different Cluster slots), in one pipeline.
    const pipeline = pipelineOf(redis);
    for (const key of keys) pipeline.get(key);
    const replies = (await pipeline.exec()) ?? [];
    return replies
      .map(([err, raw]) => (err === null && typeof raw === 'string' ? parseEntry(raw) : null))
      .filter((entry): entry is Override => entry !== null && isLive(entry, now));
  }
}

function parseEntry(raw: string): Override | null {
  try {
    const parsed = overrideSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
