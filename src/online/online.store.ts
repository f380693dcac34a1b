import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { ChainableCommander, Result } from 'ioredis';
import { z } from 'zod';
import { pipelineOf, RedisClient, type RedisConnection } from '../redis/redis.client';
import { decodeRow, encodeRow, onlineLayout, readStoredState, storedFields, type KeptRow, type OnlineState, type StateRead } from './online-state';
import type { Verdict } from './verdicts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fdOnlineWrite(...args: (string | number)[]): Result<number, Context>;
    fdOnlineDue(due: string, until: string, limit: string): Result<string[], Context>;
  }
}

/**
 * The online learner's state in Redis. Everything the label side changes together lives under
 * one hash tag, `{online}`, so one script can change it atomically (and a Redis Cluster keeps
 * it in one slot): the model (z, n, version), what each labelled transaction counts as (one
 * hash per decision day, expiring with the rows of that day), the queue of rows waiting to
 * mature, and the snapshots. The rows themselves are per transaction, under its own tag beside
 * its decision, written in the decision's own round trip.
 */
const TAG = '{online}';
export const ONLINE_KEYS = {
  model: `fd:${TAG}:model`,
  due: `fd:${TAG}:due`,
  snapshots: `fd:${TAG}:snaps`,
  snapshot: (version: number) => `fd:${TAG}:snap:${String(version)}`,
  verdicts: (day: string) => `fd:${TAG}:v:${day}`,
  row: (transactionId: string) => `fd:or:{${transactionId}}`,
  channel: 'fd:online:updated',
} as const;

const VERDICT_CODES: Record<Verdict, string> = { fraud: 'f', legit: 'l', matured: 'm' };
const VERDICT_OF: Record<string, Verdict> = { f: 'fraud', l: 'legit', m: 'matured' };

// Compare-and-set: the writer read version ARGV[1] and computed its change from that state; any
// other write in between bumped the version, so this one is refused (-1) and recomputed. That
// is what makes a label idempotent across instances: its verdict and the weights it moved are
// written together or not at all. KEYS[2..] are the verdict hashes; ARGV[9 .. 8 + #KEYS - 1]
// their expiry (ms); then (key index, transaction id, verdict code) triples.
const WRITE = `
local v = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if v ~= tonumber(ARGV[1]) then return -1 end
v = v + 1
redis.call('HSET', KEYS[1], 'v', v, 'layout', ARGV[2], 'z', ARGV[3], 'n', ARGV[4], 'pos', ARGV[5], 'neg', ARGV[6], 'updatedAt', ARGV[7])
local nk = #KEYS - 1
for i = 9 + nk, #ARGV, 3 do redis.call('HSET', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2]) end
for i = 1, nk do redis.call('PEXPIREAT', KEYS[i + 1], ARGV[8 + i]) end
redis.call('PUBLISH', ARGV[8], v)
return v`;

// Takes the rows due for maturity off the queue, oldest first: popped once, by whichever
// instance asks first.
const DUE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids > 0 then redis.call('ZREM', KEYS[1], unpack(ids)) end
return ids`;

const installed = new WeakSet<RedisConnection>();

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export interface VerdictWrite {
  readonly transactionId: string;
  /** The decision's time: its day names the verdict hash. */
  readonly decidedAtMs: number;
  readonly verdict: Verdict;
}

const idsSchema = z.array(z.string());

@Injectable()
export class OnlineStore {
  private readonly redis: RedisConnection;
  /** The layout this instance reads and writes (online-state.ts `onlineLayout`). */
  readonly layout: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig, client: RedisClient) {
    this.redis = client.redis;
    this.layout = onlineLayout(config.online.combination);
    OnlineStore.install(this.redis);
  }

  static install(redis: RedisConnection): void {
    if (installed.has(redis)) return;
    installed.add(redis);
    redis.defineCommand('fdOnlineWrite', { lua: WRITE });
    redis.defineCommand('fdOnlineDue', { numberOfKeys: 1, lua: DUE });
  }

  async readState(): Promise<StateRead> {
    return readStoredState(await this.redis.hgetall(ONLINE_KEYS.model), this.layout);
  }

  async readVersion(): Promise<number> {
    return Number((await this.redis.hget(ONLINE_KEYS.model, 'v')) ?? '0');
  }

  /** The kept rows of the transactions, one round trip; null where none is kept (never kept, or expired). */
  async readRows(transactionIds: readonly string[]): Promise<(KeptRow | null)[]> {
    if (transactionIds.length === 0) return [];
    const pipeline = pipelineOf(this.redis);
    for (const id of transactionIds) pipeline.get(ONLINE_KEYS.row(id));
    return ((await pipeline.exec()) ?? []).map(([err, raw]) => {
      if (err) throw err;
      return decodeRow(raw);
    });
  }

  /** What each transaction counts as so far (null: nothing learnt from it). */
  async readVerdicts(items: readonly { transactionId: string; decidedAtMs: number }[]): Promise<(Verdict | null)[]> {
    if (items.length === 0) return [];
    const pipeline = pipelineOf(this.redis);
    for (const item of items) pipeline.hget(ONLINE_KEYS.verdicts(dayOf(item.decidedAtMs)), item.transactionId);
    return ((await pipeline.exec()) ?? []).map(([err, raw]) => {
      if (err) throw err;
      return typeof raw === 'string' ? (VERDICT_OF[raw] ?? null) : null;
    });
  }

  /**
   * Writes `state` and the verdicts if the stored version is still `expected`: the new version,
   * or null when another writer came first (read again and recompute). Verdict hashes expire
   * `verdictTtlMs` after their day ends, when the rows of that day are gone too.
   */
  async write(expected: number, state: OnlineState, verdicts: readonly VerdictWrite[], verdictTtlMs: number): Promise<number | null> {
    const fields = storedFields(state, this.layout);
    const days = [...new Set(verdicts.map((v) => dayOf(v.decidedAtMs)))];
    const keyIndex = new Map(days.map((day, i) => [day, i + 2]));
    const args: (string | number)[] = [
      1 + days.length,
      ONLINE_KEYS.model,
      ...days.map(ONLINE_KEYS.verdicts),
      expected,
      fields.layout ?? '',
      fields.z ?? '',
      fields.n ?? '',
      fields.pos ?? '0',
      fields.neg ?? '0',
      fields.updatedAt ?? '',
      ONLINE_KEYS.channel,
      ...days.map((day) => Date.parse(`${day}T00:00:00Z`) + 86_400_000 + verdictTtlMs),
      ...verdicts.flatMap((v) => [keyIndex.get(dayOf(v.decidedAtMs)) ?? 2, v.transactionId, VERDICT_CODES[v.verdict]]),
    ];
    const reply = await this.redis.fdOnlineWrite(...args);
    return reply === -1 ? null : reply;
  }

  /** Queues a decision's row on the decision's own round trip: the row with its TTL, and its place in the maturity queue. */
  queueRow(pipeline: ChainableCommander, transactionId: string, row: KeptRow, ttlSeconds: number): void {
    pipeline.set(ONLINE_KEYS.row(transactionId), encodeRow(row), 'EX', ttlSeconds);
    pipeline.zadd(ONLINE_KEYS.due, row.decidedAtMs, transactionId);
  }

  /** Up to `limit` transactions decided at or before `untilMs` and not yet matured, taken off the queue. */
  async popDue(untilMs: number, limit: number): Promise<string[]> {
    return idsSchema.parse(await this.redis.fdOnlineDue(ONLINE_KEYS.due, String(untilMs), String(limit)));
  }

  /** Puts popped transactions back (their learning failed), at their decision time. */
  async requeue(items: readonly { transactionId: string; decidedAtMs: number }[]): Promise<void> {
    if (items.length === 0) return;
    await this.redis.zadd(ONLINE_KEYS.due, ...items.flatMap((i) => [i.decidedAtMs, i.transactionId]));
  }

  /** Copies the current state under its version; returns that version (null: no state yet). Keeps the newest `keep`. */
  async snapshot(keep: number): Promise<number | null> {
    const hash = await this.redis.hgetall(ONLINE_KEYS.model);
    const version = Number(hash.v ?? '0');
    if (version === 0) return null;
    const key = ONLINE_KEYS.snapshot(version);
    await this.redis.multi().del(key).hset(key, hash).zadd(ONLINE_KEYS.snapshots, version, String(version)).exec();
    const old = await this.redis.zrange(ONLINE_KEYS.snapshots, 0, -keep - 1);
    if (old.length > 0)
      await this.redis
        .multi()
        .zrem(ONLINE_KEYS.snapshots, ...old)
        .del(...old.map((v) => ONLINE_KEYS.snapshot(Number(v))))
        .exec();
    return version;
  }

  async snapshots(): Promise<{ version: number; updatedAt: string | null }[]> {
    const versions = (await this.redis.zrange(ONLINE_KEYS.snapshots, 0, -1)).map(Number);
    if (versions.length === 0) return [];
    const pipeline = pipelineOf(this.redis);
    for (const v of versions) pipeline.hget(ONLINE_KEYS.snapshot(v), 'updatedAt');
    const replies = (await pipeline.exec()) ?? [];
    return versions.map((version, i) => {
      const raw = replies[i]?.[1];
      return { version, updatedAt: typeof raw === 'string' && raw !== '' ? raw : null };
    });
  }

  /** A snapshot's state, or null when there is none under that version. */
  async readSnapshot(version: number): Promise<StateRead | null> {
    const hash = await this.redis.hgetall(ONLINE_KEYS.snapshot(version));
    return Object.keys(hash).length === 0 ? null : readStoredState(hash, this.layout);
  }
}
