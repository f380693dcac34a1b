import { Inject, Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { RedisClient } from '../redis/redis.client';
import { decisionSchema, type Decision } from '../transactions/transaction.schema';

const key = (transactionId: string) => `fd:d:{${transactionId}}`;

/** Where a decision's transaction came from: the Kafka position, or null for HTTP. */
export const originSchema = z.object({ topic: z.string(), partition: z.number().int().nonnegative(), offset: z.string().regex(/^\d+$/) }).nullable();
export type Origin = z.infer<typeof originSchema>;

/** What a later fraud label needs to know about the transaction: whose, where, when. */
export const subjectSchema = z.object({ cardId: z.string(), merchantId: z.string(), occurredAt: z.string() });
export type Subject = z.infer<typeof subjectSchema>;

const storedSchema = z.object({ decision: decisionSchema, origin: originSchema, subject: subjectSchema.optional() });
export type StoredDecision = z.infer<typeof storedSchema>;

/**
 * Decisions by transaction id, kept for DECISION_TTL_SECONDS: the idempotency record
 * (a retried transaction gets the decision it already had) and what GET /v1/decisions reads.
 * The origin lets the Kafka path tell a redelivery of an already committed message from a
 * batch it is redoing after a crash.
 */
@Injectable()
export class DecisionStore {
  private readonly ttlSeconds: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly client: RedisClient,
  ) {
    this.ttlSeconds = config.redis.decisionTtlSeconds;
  }

  queueGet(pipeline: ChainableCommander, transactionId: string): void {
    pipeline.get(key(transactionId));
  }

  /** A stored value that is not a valid record is treated as absent, never trusted. */
  parse(raw: unknown): StoredDecision | null {
    if (typeof raw !== 'string') return null;
    try {
      const parsed = storedSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  async get(transactionId: string): Promise<Decision | null> {
    return this.parse(await this.client.redis.get(key(transactionId)))?.decision ?? null;
  }

  /** Stored records of many transactions in one round trip; null where none is kept. */
  async getMany(transactionIds: readonly string[]): Promise<(StoredDecision | null)[]> {
    if (transactionIds.length === 0) return [];
    const raw = await this.client.redis.mget(...transactionIds.map(key));
    return raw.map((r) => this.parse(r));
  }

  /** First write wins: two racing deliveries of one transaction keep one decision. */
  async saveAll(records: readonly StoredDecision[]): Promise<void> {
    if (records.length === 0) return;
    const pipeline = this.client.redis.pipeline();
    for (const r of records) pipeline.set(key(r.decision.transactionId), JSON.stringify(r), 'EX', this.ttlSeconds, 'NX');
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err !== null);
    if (failed?.[0]) throw failed[0];
  }
}
