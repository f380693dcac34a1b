import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ChainableCommander, Redis, Result } from 'ioredis';
import type { RedisBatch, Reply } from '../redis/redis-batch';
import { z } from 'zod';
import { haversineKm } from '../shared/geo';
import { shortHash } from '../shared/hash';
import type { Transaction } from '../transactions/transaction.schema';
import type { Features } from './features';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    fdCard(...args: (string | number)[]): Result<unknown, Context>;
    fdMerchant(...args: (string | number)[]): Result<unknown, Context>;
    fdLabel(...args: (string | number)[]): Result<unknown, Context>;
  }
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface VelocityLimits {
  /** How long a card's individual events are kept behind its latest event time. */
  readonly cardEventRetentionMs: number;
  readonly cardTtlSeconds: number;
  readonly merchantTtlSeconds: number;
  /** Most events kept per card within the retention (a card-testing burst cannot grow it without bound). */
  readonly maxCardEvents: number;
  /** Most devices + merchants remembered per card for deviceSeen / merchantSeen. */
  readonly maxSeenEntities: number;
  /** How long a card's or merchant's fraud label counts live after their last change. */
  readonly labelTtlSeconds: number;
}

/**
 * Events up to 24 h late see exact 1 m / 1 h / 24 h windows: the per-event set keeps 48 h
 * behind the card's latest event. The profile keeps 30 days of daily buckets.
 */
export const DEFAULT_VELOCITY_LIMITS: VelocityLimits = {
  cardEventRetentionMs: 48 * HOUR_MS,
  cardTtlSeconds: 31 * 24 * 3600,
  merchantTtlSeconds: 26 * 3600,
  maxCardEvents: 1000,
  maxSeenEntities: 100,
  labelTtlSeconds: 61 * 24 * 3600,
};
export const VELOCITY_LIMITS = Symbol('VELOCITY_LIMITS');

const num = z.coerce.number();
const optionalNum = z.union([z.literal(''), num]).transform((v) => (v === '' ? null : v));
const cardReply = z.tuple([
  z.union([z.literal(0), z.literal(1)]),
  z.number().int(), num, z.number().int(), num, z.number().int(), num, z.number().int(), num,
  optionalNum, optionalNum, optionalNum, optionalNum,
  z.union([z.literal(-1), z.literal(0), z.literal(1)]),
  z.union([z.literal(0), z.literal(1)]),
  z.number().int(), z.number().int(),
]);
const merchantReply = z.tuple([z.union([z.literal(0), z.literal(1)]), z.number().int(), z.number().int(), z.number().int(), z.number().int()]);

export interface VelocityResult {
  readonly features: Features;
  /** True when this transaction id had already been counted (redelivery, retry, replay). */
  readonly duplicate: boolean;
}

const installed = new WeakSet<Redis>();

const round5 = (x: number) => Math.round(x * 1e5) / 1e5;
/** Amounts travel to Redis in thousandths of the currency unit (every ISO 4217 minor unit fits). */
const MILLI = 1000;

/**
 * Card and merchant state in Redis. Each transaction is two Lua scripts, one per entity
 * (a script may only touch keys of one Cluster slot: `{cardId}` and `{merchantId}`); callers
 * put a whole batch into one pipeline, so a batch costs one round trip.
 */
@Injectable()
export class VelocityStore {
  private readonly limits: VelocityLimits;
  /** The limits as the scripts' arguments, made once. */
  private readonly strings: Record<'retention' | 'cardTtl' | 'maxEvents' | 'maxSeen' | 'eventsTtl' | 'merchantTtl', string>;

  constructor(@Optional() @Inject(VELOCITY_LIMITS) limits?: VelocityLimits) {
    this.limits = limits ?? DEFAULT_VELOCITY_LIMITS;
    const l = this.limits;
    this.strings = {
      retention: String(l.cardEventRetentionMs), cardTtl: String(l.cardTtlSeconds), maxEvents: String(l.maxCardEvents),
      maxSeen: String(l.maxSeenEntities), eventsTtl: String(l.cardEventRetentionMs + HOUR_MS), merchantTtl: String(l.merchantTtlSeconds),
    };
  }

  /** Defines the scripts on a client once; later calls (every service that uses it) are free. */
  static install(redis: Redis): void {
    if (installed.has(redis)) return;
    installed.add(redis);
    const lua = (name: string) => readFileSync(join(__dirname, name), 'utf8');
    // Redis scripts cannot import: the shared function is prepended to the scripts that use it.
    const frauds = lua('frauds.lua');
    redis.defineCommand('fdCard', { numberOfKeys: 4, lua: `${frauds}\n${lua('card.lua')}` });
    redis.defineCommand('fdMerchant', { numberOfKeys: 3, lua: `${frauds}\n${lua('merchant.lua')}` });
    redis.defineCommand('fdLabel', { numberOfKeys: 1, lua: lua('label.lua') });
  }

  /** Queues the two scripts of `tx` on `pipeline`; `parse` reads their two replies back. */
  queue(pipeline: ChainableCommander, tx: Transaction): void {
    const [cardArgs, merchantArgs] = this.scriptArgs(tx);
    pipeline.fdCard(...cardArgs);
    pipeline.fdMerchant(...merchantArgs);
  }

  private scriptArgs(tx: Transaction): [string[], string[]] {
    const t = Date.parse(tx.occurredAt);
    const txh = shortHash(tx.transactionId);
    const card = `fd:c:{${tx.cardId}}`;
    const merchant = `fd:m:{${tx.merchantId}}`;
    const minute = String(Math.floor(t / 60_000));
    const day = String(Math.floor(t / DAY_MS));
    const { cardEventRetentionMs: retention } = this.limits;
    // Every number goes to the scripts as a string made here: converting numbers to strings
    // inside Redis's Lua was most of the scripts' cost, and Redis runs them on one thread.
    return [
      [
        `${card}:e`, `${card}:p`, `${card}:s`, `${card}:l`,
        txh, String(t), String(Math.round(tx.amount * MILLI)),
        tx.location ? String(round5(tx.location.lat)) : '', tx.location ? String(round5(tx.location.lon)) : '',
        tx.deviceId !== undefined ? shortHash(tx.deviceId) : '', shortHash(tx.merchantId),
        this.strings.retention, this.strings.cardTtl, this.strings.maxEvents, this.strings.maxSeen,
        day, `(${String(t - DAY_MS)}`, `(${String(t - retention)}`, this.strings.eventsTtl,
      ],
      [`${merchant}:b`, `${merchant}:x${minute}`, `${merchant}:l`, txh, this.strings.merchantTtl, minute, String(Math.floor(t / HOUR_MS)), day],
    ];
  }

  /**
   * The two scripts of `tx` on a decision batch, read back as one result: an error when either
   * script failed or its reply does not parse.
   */
  queueOn(batch: RedisBatch, tx: Transaction): () => Reply<VelocityResult> {
    const [cardArgs, merchantArgs] = this.scriptArgs(tx);
    const card = batch.add((p) => p.fdCard(...cardArgs), (raw) => raw);
    const merchant = batch.add((p) => p.fdMerchant(...merchantArgs), (raw) => raw);
    return () => {
      const c = card();
      if (!c.ok) return c;
      const m = merchant();
      if (!m.ok) return m;
      try {
        return { ok: true, value: this.parse(tx, c.value, m.value) };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      }
    };
  }

  /**
   * Queues a fraud label on the card's and the merchant's label counts (two scripts, one per
   * Cluster slot), by the labelled transaction's own UTC day. Each reply is 1 when it changed
   * the counts, 0 for a repeat.
   */
  queueLabel(pipeline: ChainableCommander, transactionId: string, subject: { cardId: string; merchantId: string; occurredAt: string }, fraud: boolean): void {
    const day = Math.floor(Date.parse(subject.occurredAt) / 86_400_000);
    const txh = shortHash(transactionId);
    const ttl = this.limits.labelTtlSeconds;
    pipeline.fdLabel(`fd:c:{${subject.cardId}}:l`, txh, day, fraud ? 1 : 0, ttl);
    pipeline.fdLabel(`fd:m:{${subject.merchantId}}:l`, txh, day, fraud ? 1 : 0, ttl);
  }

  /**
   * Features of a batch on their own, in one round trip: for the feature replay that builds
   * training data and for tests. The decision pipeline queues the same scripts beside its
   * decision look-ups instead.
   */
  async runBatch(redis: Redis, txs: readonly Transaction[]): Promise<VelocityResult[]> {
    const pipeline = redis.pipeline();
    for (const tx of txs) this.queue(pipeline, tx);
    const replies = (await pipeline.exec()) ?? [];
    return txs.map((tx, i) => {
      const [card, merchant] = [replies[2 * i], replies[2 * i + 1]];
      const err = card?.[0] ?? merchant?.[0];
      if (!card || !merchant || err) throw err ?? new Error('missing velocity reply');
      return this.parse(tx, card[1], merchant[1]);
    });
  }

  parse(tx: Transaction, cardRaw: unknown, merchantRaw: unknown): VelocityResult {
    const [dup, c1m, s1m, c1h, s1h, c24h, s24h, c30d, s30d, prevT, prevLocT, prevLat, prevLon, deviceSeen, merchantSeen, cf7, cf30] = cardReply.parse(cardRaw);
    const [, m1h, m24h, mf7, mf30] = merchantReply.parse(merchantRaw);
    const t = Date.parse(tx.occurredAt);
    const here = tx.location;
    const located = here !== undefined && prevLocT !== null && prevLat !== null && prevLon !== null;
    return {
      duplicate: dup === 1,
      features: {
        card: {
          count1m: c1m, sum1m: s1m / MILLI, count1h: c1h, sum1h: s1h / MILLI, count24h: c24h, sum24h: s24h / MILLI,
          count30d: c30d, sum30d: s30d / MILLI, avgAmount30d: c30d > 0 ? s30d / MILLI / c30d : null,
          secondsSincePrev: prevT === null ? null : (t - prevT) / 1000,
          kmFromPrev: located ? haversineKm(prevLat, prevLon, round5(here.lat), round5(here.lon)) : null,
          secondsSincePrevLocated: located ? (t - prevLocT) / 1000 : null,
          deviceSeen: deviceSeen === -1 ? null : deviceSeen === 1,
          merchantSeen: merchantSeen === 1,
          frauds7d: cf7,
          frauds30d: cf30,
        },
        merchant: { count1h: m1h, count24h: m24h, frauds7d: mf7, frauds30d: mf30 },
      },
    };
  }
}
