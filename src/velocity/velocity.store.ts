import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Optional } from '@nestjs/common';
import type { ChainableCommander, Result } from 'ioredis';
import { pipelineOf, type RedisConnection } from '../redis/redis.client';
import type { RedisBatch, Reply } from '../redis/redis-batch';
import { haversineKm } from '../shared/geo';
import { shortHash } from '../shared/hash';
import type { Transaction } from '../transactions/transaction.schema';
import type { Features } from './features';
import { CARD_REPLY, luaReturn, MERCHANT_REPLY, replySchema } from './replies';

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
  /** Days a label takes to arrive, as the delayed label windows assume (LABEL_DELAY_DAYS). */
  readonly labelDelayDays: number;
}

/**
 * Events up to 24 h late see exact 1 m / 1 h / 24 h windows: the per-event set keeps 48 h
 * behind the card's latest event. Card and merchant keep daily buckets for the label delay plus
 * 30 days (37 at the default delay of 7), so their keys live a day longer than that after the
 * last event.
 */
export function velocityLimits(labelDelayDays: number): VelocityLimits {
  const bucketDays = Math.max(30, labelDelayDays + 30) + 1;
  return {
    cardEventRetentionMs: 48 * HOUR_MS,
    cardTtlSeconds: bucketDays * 24 * 3600,
    merchantTtlSeconds: bucketDays * 24 * 3600,
    maxCardEvents: 1000,
    maxSeenEntities: 100,
    labelTtlSeconds: 61 * 24 * 3600,
    labelDelayDays,
  };
}
export const DEFAULT_VELOCITY_LIMITS: VelocityLimits = velocityLimits(7);
export const VELOCITY_LIMITS = Symbol('VELOCITY_LIMITS');

const cardReply = replySchema(CARD_REPLY);
const merchantReply = replySchema(MERCHANT_REPLY);
/** The merchant's per-minute dedupe sets only need to outlive the 24 h window. */
const DEDUPE_TTL_SECONDS = 26 * 3600;

export interface VelocityResult {
  readonly features: Features;
  /** True when this transaction id had already been counted (redelivery, retry, replay). */
  readonly duplicate: boolean;
}

const installed = new WeakSet<RedisConnection>();

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
  private readonly strings: Record<'retention' | 'cardTtl' | 'maxEvents' | 'maxSeen' | 'eventsTtl' | 'merchantTtl' | 'dedupeTtl' | 'delay', string>;

  constructor(@Optional() @Inject(VELOCITY_LIMITS) limits?: VelocityLimits) {
    this.limits = limits ?? DEFAULT_VELOCITY_LIMITS;
    const l = this.limits;
    this.strings = {
      retention: String(l.cardEventRetentionMs),
      cardTtl: String(l.cardTtlSeconds),
      maxEvents: String(l.maxCardEvents),
      maxSeen: String(l.maxSeenEntities),
      eventsTtl: String(l.cardEventRetentionMs + HOUR_MS),
      merchantTtl: String(l.merchantTtlSeconds),
      dedupeTtl: String(Math.min(DEDUPE_TTL_SECONDS, l.merchantTtlSeconds)),
      delay: String(l.labelDelayDays),
    };
  }

  /** Defines the scripts on a client once; later calls (every service that uses it) are free. */
  static install(redis: RedisConnection): void {
    if (installed.has(redis)) return;
    installed.add(redis);
    const lua = (name: string) => readFileSync(join(__dirname, name), 'utf8');
    // Redis scripts cannot import: the shared function is prepended to the scripts that use it.
    const frauds = lua('frauds.lua');
    redis.defineCommand('fdCard', { numberOfKeys: 4, lua: `${frauds}\n${lua('card.lua')}\n${luaReturn(CARD_REPLY)}` });
    redis.defineCommand('fdMerchant', { numberOfKeys: 4, lua: `${frauds}\n${lua('merchant.lua')}\n${luaReturn(MERCHANT_REPLY)}` });
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
        `${card}:e`,
        `${card}:p`,
        `${card}:s`,
        `${card}:l`,
        txh,
        String(t),
        String(Math.round(tx.amount * MILLI)),
        tx.location ? String(round5(tx.location.lat)) : '',
        tx.location ? String(round5(tx.location.lon)) : '',
        tx.deviceId !== undefined ? shortHash(tx.deviceId) : '',
        shortHash(tx.merchantId),
        this.strings.retention,
        this.strings.cardTtl,
        this.strings.maxEvents,
        this.strings.maxSeen,
        day,
        `(${String(t - DAY_MS)}`,
        `(${String(t - retention)}`,
        this.strings.eventsTtl,
        this.strings.delay,
      ],
      [
        `${merchant}:b`,
        `${merchant}:x${minute}`,
        `${merchant}:l`,
        `${merchant}:d`,
        txh,
        this.strings.dedupeTtl,
        minute,
        String(Math.floor(t / HOUR_MS)),
        day,
        this.strings.delay,
        this.strings.merchantTtl,
      ],
    ];
  }

  /**
   * The two scripts of `tx` on a decision batch, read back as one result: an error when either
   * script failed or its reply does not parse.
   */
  queueOn(batch: RedisBatch, tx: Transaction): () => Reply<VelocityResult> {
    const [cardArgs, merchantArgs] = this.scriptArgs(tx);
    const card = batch.add(
      (p) => p.fdCard(...cardArgs),
      (raw) => raw,
    );
    const merchant = batch.add(
      (p) => p.fdMerchant(...merchantArgs),
      (raw) => raw,
    );
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
  async runBatch(redis: RedisConnection, txs: readonly Transaction[]): Promise<VelocityResult[]> {
    const pipeline = pipelineOf(redis);
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
    const c = cardReply.parse(cardRaw);
    const m = merchantReply.parse(merchantRaw);
    const t = Date.parse(tx.occurredAt);
    const here = tx.location;
    const { prevT, prevLocT, prevLat, prevLon } = c;
    const located = here !== undefined && prevLocT !== null && prevLat !== null && prevLon !== null;
    return {
      duplicate: c.duplicate === 1,
      features: {
        card: {
          count1m: c.count1m,
          sum1m: c.sum1m / MILLI,
          count1h: c.count1h,
          sum1h: c.sum1h / MILLI,
          count24h: c.count24h,
          sum24h: c.sum24h / MILLI,
          zeroAmount24h: c.zeroAmount24h,
          count7d: c.count7d,
          sum7d: c.sum7d / MILLI,
          count30d: c.count30d,
          sum30d: c.sum30d / MILLI,
          avgAmount30d: c.count30d > 0 ? c.sum30d / MILLI / c.count30d : null,
          secondsSincePrev: prevT === null ? null : (t - prevT) / 1000,
          kmFromPrev: located ? haversineKm(prevLat, prevLon, round5(here.lat), round5(here.lon)) : null,
          secondsSincePrevLocated: located ? (t - prevLocT) / 1000 : null,
          deviceSeen: c.deviceSeen === -1 ? null : c.deviceSeen === 1,
          merchantSeen: c.merchantSeen === 1,
          frauds7d: c.frauds7d,
          frauds30d: c.frauds30d,
          fraudsKnown: c.fraudsKnown,
          countDelayed30d: c.countDelayed30d,
          fraudsDelayed30d: c.fraudsDelayed30d,
        },
        merchant: {
          count1h: m.count1h,
          count24h: m.count24h,
          count7d: m.count7d,
          count30d: m.count30d,
          frauds7d: m.frauds7d,
          frauds30d: m.frauds30d,
          countDelayed1d: m.countDelayed1d,
          countDelayed7d: m.countDelayed7d,
          countDelayed30d: m.countDelayed30d,
          fraudsDelayed1d: m.fraudsDelayed1d,
          fraudsDelayed7d: m.fraudsDelayed7d,
          fraudsDelayed30d: m.fraudsDelayed30d,
        },
      },
    };
  }
}
