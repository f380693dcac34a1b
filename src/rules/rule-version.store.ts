import { Inject, Injectable } from '@nestjs/common';
import type { Result } from 'ioredis';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RedisClient, type RedisConnection } from '../redis/redis.client';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fdRulesCreate(...args: (string | number)[]): Result<unknown, Context>;
    fdRulesSeed(...args: (string | number)[]): Result<unknown, Context>;
    fdRulesActivate(...args: (string | number)[]): Result<unknown, Context>;
    fdRulesShadow(...args: (string | number)[]): Result<unknown, Context>;
  }
}

/**
 * Rule-set versions in Redis. Every key shares one hash tag (`{prefix}`), so each script
 * touches one Cluster slot and each change is atomic:
 *
 * - `{p}:versions` hash, v -> record JSON. Written once (HSETNX on a fresh INCR): immutable.
 * - `{p}:names`    hash, document `version` string -> v, so a document version names one v.
 * - `{p}:next`     counter numbering the versions.
 * - `{p}:active`, `{p}:shadow`  the live and the shadow version numbers.
 * - `{p}:activations` list of the last 100 activations, newest first.
 *
 * A change is published on `{p}:activated` so instances apply it at once; they also poll.
 */

// Returns {0, v} when the document version is already taken, {1, v} when created.
const CREATE = `
local existing = redis.call('HGET', KEYS[3], ARGV[1])
if existing then return {0, tonumber(existing)} end
local v = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[3], ARGV[1], v)
redis.call('HSETNX', KEYS[2], v, ARGV[2])
return {1, v}`;

// Seeds and activates the bootstrap document unless a version is active: concurrent
// instances starting on an empty store all end up on the same version 1.
const SEED = `
local active = redis.call('GET', KEYS[4])
if active then return tonumber(active) end
local v = tonumber(redis.call('HGET', KEYS[3], ARGV[1]))
if not v then
  v = redis.call('INCR', KEYS[1])
  redis.call('HSET', KEYS[3], ARGV[1], v)
  redis.call('HSETNX', KEYS[2], v, ARGV[2])
end
redis.call('SET', KEYS[4], v)
redis.call('LPUSH', KEYS[5], '{"v":' .. v .. ',"previous":null,"at":"' .. ARGV[3] .. '"}')
return v`;

// -1: no such version; 0: already active; 1: activated. Activating the shadow version ends its shadow run.
const ACTIVATE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
local previous = redis.call('GET', KEYS[2])
if previous == ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
redis.call('LPUSH', KEYS[4], '{"v":' .. ARGV[1] .. ',"previous":' .. (previous or 'null') .. ',"at":"' .. ARGV[2] .. '"}')
redis.call('LTRIM', KEYS[4], 0, 99)
redis.call('PUBLISH', ARGV[3], ARGV[1])
return 1`;

// ARGV[1] empty clears the shadow version. -1: no such version; -2: it is the active one; 1: done.
const SHADOW = `
if ARGV[1] == '' then
  redis.call('DEL', KEYS[3])
else
  if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
  if redis.call('GET', KEYS[2]) == ARGV[1] then return -2 end
  redis.call('SET', KEYS[3], ARGV[1])
end
redis.call('PUBLISH', ARGV[2], ARGV[1])
return 1`;

export const versionRecordSchema = z.object({ document: z.unknown(), createdAt: z.string() });
export interface VersionRecord {
  readonly v: number;
  /** The JSON document as it was submitted (validated before it was stored). */
  readonly document: unknown;
  readonly createdAt: string;
}

export const activationSchema = z.object({ v: z.number().int().positive(), previous: z.number().int().positive().nullable(), at: z.string() });
export type Activation = z.infer<typeof activationSchema>;

const pointer = z
  .string()
  .regex(/^[1-9]\d*$/)
  .transform(Number)
  .nullable();
const intReply = z.number().int();

export type CreateResult = { readonly created: true; readonly v: number } | { readonly created: false; readonly existing: number };

const installed = new WeakSet<RedisConnection>();

export function rulesKeys(prefix: string) {
  const tag = `{${prefix}}`;
  return {
    next: `${tag}:next`,
    versions: `${tag}:versions`,
    names: `${tag}:names`,
    active: `${tag}:active`,
    shadow: `${tag}:shadow`,
    activations: `${tag}:activations`,
    channel: `${tag}:activated`,
  };
}

/** The active version's document, read without the service (the backtest's baseline); null when none is active. */
export async function readActiveVersion(redis: RedisConnection, prefix: string): Promise<VersionRecord | null> {
  const keys = rulesKeys(prefix);
  const v = pointer.parse(await redis.get(keys.active));
  if (v === null) return null;
  const raw = await redis.hget(keys.versions, String(v));
  return raw === null ? null : { v, ...versionRecordSchema.parse(JSON.parse(raw)) };
}

@Injectable()
export class RuleVersionStore {
  private readonly keys: ReturnType<typeof rulesKeys>;
  readonly channel: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly client: RedisClient,
  ) {
    this.keys = rulesKeys(config.rules.keyPrefix);
    this.channel = this.keys.channel;
    const redis = client.redis;
    if (!installed.has(redis)) {
      installed.add(redis);
      redis.defineCommand('fdRulesCreate', { numberOfKeys: 3, lua: CREATE });
      redis.defineCommand('fdRulesSeed', { numberOfKeys: 5, lua: SEED });
      redis.defineCommand('fdRulesActivate', { numberOfKeys: 4, lua: ACTIVATE });
      redis.defineCommand('fdRulesShadow', { numberOfKeys: 3, lua: SHADOW });
    }
  }

  private get redis(): RedisConnection {
    return this.client.redis;
  }

  private record(document: unknown): string {
    return JSON.stringify({ document, createdAt: new Date().toISOString() });
  }

  /** Stores a validated document as a new version; a document version already stored is a conflict. */
  async create(docVersion: string, document: unknown): Promise<CreateResult> {
    const reply = z
      .tuple([z.union([z.literal(0), z.literal(1)]), intReply])
      .parse(await this.redis.fdRulesCreate(this.keys.next, this.keys.versions, this.keys.names, docVersion, this.record(document)));
    return reply[0] === 1 ? { created: true, v: reply[1] } : { created: false, existing: reply[1] };
  }

  /** The active version, after storing and activating `document` if nothing was active. */
  async seed(docVersion: string, document: unknown): Promise<number> {
    const keys = [this.keys.next, this.keys.versions, this.keys.names, this.keys.active, this.keys.activations];
    return intReply.parse(await this.redis.fdRulesSeed(...keys, docVersion, this.record(document), new Date().toISOString()));
  }

  async activate(v: number): Promise<'activated' | 'unchanged' | 'not_found'> {
    const reply = intReply.parse(
      await this.redis.fdRulesActivate(
        this.keys.versions,
        this.keys.active,
        this.keys.shadow,
        this.keys.activations,
        v,
        new Date().toISOString(),
        this.channel,
      ),
    );
    return reply === 1 ? 'activated' : reply === 0 ? 'unchanged' : 'not_found';
  }

  /** Sets (or with null clears) the version evaluated in shadow. */
  async setShadow(v: number | null): Promise<'ok' | 'not_found' | 'active'> {
    const reply = intReply.parse(await this.redis.fdRulesShadow(this.keys.versions, this.keys.active, this.keys.shadow, v ?? '', this.channel));
    return reply === 1 ? 'ok' : reply === -1 ? 'not_found' : 'active';
  }

  async pointers(): Promise<{ active: number | null; shadow: number | null }> {
    const [active, shadow] = z.tuple([pointer, pointer]).parse(await this.redis.mget(this.keys.active, this.keys.shadow));
    return { active, shadow };
  }

  async get(v: number): Promise<VersionRecord | null> {
    const raw = await this.redis.hget(this.keys.versions, String(v));
    return raw === null ? null : { v, ...versionRecordSchema.parse(JSON.parse(raw)) };
  }

  /** Every stored version, oldest first. Admin use: a rules history is hundreds of entries, not millions. */
  async list(): Promise<VersionRecord[]> {
    const all = await this.redis.hgetall(this.keys.versions);
    return Object.entries(all)
      .map(([v, raw]) => ({ v: Number(v), ...versionRecordSchema.parse(JSON.parse(raw)) }))
      .sort((a, b) => a.v - b.v);
  }

  async activations(limit = 20): Promise<Activation[]> {
    const raw = await this.redis.lrange(this.keys.activations, 0, limit - 1);
    return raw.map((entry) => activationSchema.parse(JSON.parse(entry)));
  }
}
