import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander, Result } from 'ioredis';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RedisClient, type RedisConnection } from '../redis/redis.client';
import type { RedisBatch, Reply } from '../redis/redis-batch';
import { decisionSchema, type Decision } from '../transactions/transaction.schema';
import { claimValue, isDecisionRecord, readClaim, type ClaimOwner, type ClaimResult } from './idempotency';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fdDecisionSave(key: string, record: string, ttlSeconds: string): Result<string | null, Context>;
  }
}

/** A transaction id's claim and, once decided, its stored decision. */
export const decisionKey = (transactionId: string) => `fd:d:{${transactionId}}`;

/** Where a decision's transaction came from: the Kafka position, or null for HTTP. */
export const originSchema = z.object({ topic: z.string(), partition: z.number().int().nonnegative(), offset: z.string().regex(/^\d+$/) }).nullable();
export type Origin = z.infer<typeof originSchema>;

/** What a later fraud label needs to know about the transaction: whose, where, when. */
export const subjectSchema = z.object({ cardId: z.string(), merchantId: z.string(), occurredAt: z.string() });
export type Subject = z.infer<typeof subjectSchema>;

const storedSchema = z.object({
  decision: decisionSchema,
  origin: originSchema,
  subject: subjectSchema.optional(),
  // The payload the decision was made on (idempotency.ts); absent in records stored before it existed.
  fingerprint: z.string().optional(),
});
export type StoredDecision = z.infer<typeof storedSchema>;

// The first decision stored wins: a claim (or nothing, once a claim's lease has run out) is
// replaced, a decision is returned instead. Claims never block this write: a holder whose
// lease ran out while it decided still stores its answer, and a later holder then finds it.
const SAVE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 1) == '{' then return v end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false`;

const installed = new WeakSet<RedisConnection>();

/** A stored value that is not a valid record (a claim, or garbage) is treated as absent, never trusted. */
export function parseStoredDecision(raw: unknown): StoredDecision | null {
  if (typeof raw !== 'string' || !isDecisionRecord(raw)) return null;
  try {
    const parsed = storedSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** What waiting on another holder's claim found. */
export type Awaited = Exclude<ClaimResult<StoredDecision>, { kind: 'claimed' }> | { readonly kind: 'free' };

/**
 * Decisions by transaction id, kept for DECISION_TTL_SECONDS: the idempotency record and what
 * GET /v1/decisions reads. Before a transaction is decided its id is claimed in the same key
 * (`SET NX PX GET`, one command), so concurrent deliveries of one id, on this instance or
 * another, get one decision: the first claims, the others wait for what it stores. The origin
 * lets the Kafka path tell a redelivery of an already committed message from a batch it is
 * redoing after a crash.
 */
@Injectable()
export class DecisionStore {
  private readonly ttlSeconds: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly client: RedisClient,
  ) {
    this.ttlSeconds = String(config.redis.decisionTtlSeconds);
    if (!installed.has(client.redis)) {
      installed.add(client.redis);
      client.redis.defineCommand('fdDecisionSave', { numberOfKeys: 1, lua: SAVE });
    }
  }

  parse(raw: unknown): StoredDecision | null {
    return parseStoredDecision(raw);
  }

  /** Claims `transactionId` for `owner` for `leaseMs` on the batch, unless a decision or another claim is there. */
  queueClaim(batch: RedisBatch, transactionId: string, owner: ClaimOwner, print: string, leaseMs: number): () => Reply<ClaimResult<StoredDecision>> {
    return batch.add(
      (p) => p.set(decisionKey(transactionId), claimValue(owner, print), 'PX', leaseMs, 'NX', 'GET'),
      (raw) => readClaim(raw, owner, print, (s) => this.parse(s)),
    );
  }

  async get(transactionId: string): Promise<Decision | null> {
    return this.parse(await this.client.redis.get(decisionKey(transactionId)))?.decision ?? null;
  }

  /** Looks at a claimed id again: its decision once stored, still held, or free (the holder's lease ran out). */
  async recheck(transactionId: string, print: string): Promise<Awaited> {
    const seen = readClaim(await this.client.redis.get(decisionKey(transactionId)), null, print, (s) => this.parse(s));
    return seen.kind === 'claimed' ? { kind: 'free' } : seen;
  }

  /** Stored records of many transactions in one round trip; null where none is kept. */
  async getMany(transactionIds: readonly string[]): Promise<(StoredDecision | null)[]> {
    if (transactionIds.length === 0) return [];
    const raw = await this.client.redis.mget(...transactionIds.map(decisionKey));
    return raw.map((r) => this.parse(r));
  }

  /**
   * Stores each record under its claim, in one round trip, with whatever `extra` queues after
   * them on the same pipeline (the online model's rows). Per record: null when it was stored,
   * or the decision already stored for that id (the first stored wins), which is then the
   * answer. `extraFailed`: extra commands that failed (they never fail a record).
   */
  async saveAll(
    records: readonly StoredDecision[],
    extra?: (pipeline: ChainableCommander) => void,
  ): Promise<{ stored: (StoredDecision | null)[]; extraFailed: Error[] }> {
    if (records.length === 0) return { stored: [], extraFailed: [] };
    const pipeline = this.client.pipeline();
    for (const r of records) pipeline.fdDecisionSave(decisionKey(r.decision.transactionId), JSON.stringify(r), this.ttlSeconds);
    extra?.(pipeline);
    const results = (await pipeline.exec()) ?? [];
    const stored = records.map((_, i) => {
      const [err, raw] = results[i] ?? [new Error('the pipeline returned no reply'), null];
      if (err) throw err;
      return this.parse(raw);
    });
    const extraFailed = results.slice(records.length).flatMap(([err]) => (err ? [err] : []));
    return { stored, extraFailed };
  }
}
