import { Injectable } from '@nestjs/common';
import type { ChainableCommander } from 'ioredis';
import { isStringHash, RedisClient } from '../redis/redis.client';
import type { Decision } from '../transactions/transaction.schema';
import type { CaseVerdict } from './case';
import { CaseStore } from './case.store';
import { batchCounts, dayOf, minuteOf, OVERVIEW_LIMITS, summarise, verdictCounts, type Overview } from './overview';

// One hash tag: the counters of every instance on one Redis Cluster node, read in one pipeline.
const KEYS = {
  minute: (minute: string) => `fd:{stats}:m:${minute}`,
  day: (day: string) => `fd:{stats}:d:${day}`,
};
// The counters outlive the longest overview a little.
const MINUTE_TTL_SECONDS = (OVERVIEW_LIMITS.minutes + 10) * 60;
const DAY_TTL_SECONDS = (OVERVIEW_LIMITS.days + 1) * 86_400;

/**
 * The console's overview counters, shared by every instance: decisions per minute by outcome,
 * rule hits per day, and the analysts' verdicts per rule per day. Added on the decisions' own
 * store round trip, once a batch (a field per outcome and per rule hit, so a few commands a
 * batch, not a decision).
 */
@Injectable()
export class OverviewStore {
  constructor(
    private readonly client: RedisClient,
    private readonly cases: CaseStore,
  ) {}

  queueDecisions(pipeline: ChainableCommander, decisions: readonly Pick<Decision, 'decision' | 'ruleHits'>[], now = Date.now()): void {
    if (decisions.length === 0) return;
    const { outcomes, hits } = batchCounts(decisions);
    add(pipeline, KEYS.minute(minuteOf(now)), outcomes, MINUTE_TTL_SECONDS);
    add(pipeline, KEYS.day(dayOf(now)), hits, DAY_TTL_SECONDS);
  }

  async addVerdict(verdict: CaseVerdict, ruleHits: readonly string[], now = Date.now()): Promise<void> {
    const counts = verdictCounts(verdict, ruleHits);
    if (counts.size === 0) return;
    const pipeline = this.client.pipeline();
    add(pipeline, KEYS.day(dayOf(now)), counts, DAY_TTL_SECONDS);
    await pipeline.exec();
  }

  async read(minutes: number, days: number, now = Date.now()): Promise<Overview> {
    const minuteNames = Array.from({ length: minutes }, (_, i) => minuteOf(now - (minutes - 1 - i) * 60_000));
    const dayNames = Array.from({ length: days }, (_, i) => dayOf(now - i * 86_400_000));
    const pipeline = this.client.pipeline();
    for (const m of minuteNames) pipeline.hgetall(KEYS.minute(m));
    for (const d of dayNames) pipeline.hgetall(KEYS.day(d));
    const [replies, queue] = await Promise.all([pipeline.exec(), this.cases.queueAge(now)]);
    const hashes = (replies ?? []).map(([err, value]) => {
      if (err) throw err;
      return isStringHash(value) ? value : {};
    });
    return summarise(
      now,
      minuteNames.map((minute, i) => ({ minute, hash: hashes[i] ?? {} })),
      hashes.slice(minutes),
      queue,
    );
  }
}

function add(pipeline: ChainableCommander, key: string, counts: ReadonlyMap<string, number>, ttlSeconds: number): void {
  if (counts.size === 0) return;
  for (const [field, n] of counts) pipeline.hincrby(key, field, n);
  pipeline.expire(key, ttlSeconds);
}
