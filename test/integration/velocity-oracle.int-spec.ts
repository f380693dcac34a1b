import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis, type ChainableCommander } from 'ioredis';
import { shortHash } from '../../src/shared/hash';
import type { Transaction } from '../../src/transactions/transaction.schema';
import { CARD_REPLY, luaReturn, MERCHANT_REPLY } from '../../src/velocity/replies';
import { DEFAULT_VELOCITY_LIMITS, VelocityStore } from '../../src/velocity/velocity.store';
import { DAY, HOUR } from '../support/builders';
import { testConfig } from '../support/config';

const REFERENCE = join(__dirname, '..', 'fixtures', 'velocity-full-scan');
const FRAUDS = join(__dirname, '..', '..', 'src', 'velocity', 'frauds.lua');

/** A seeded generator, so a failure names a workload that can be run again. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/**
 * Traffic that walks every path of the running totals: steady arrivals, gaps of hours and of
 * 27 to 31 days around the 30-day window's edge, events up to 30 h and up to 40 days late,
 * and redeliveries of earlier transactions.
 */
function workload(seed: number, batches: number, step: number): Transaction[][] {
  const rnd = lcg(seed);
  let t = Date.parse('2026-03-01T00:00:00Z');
  const sent: Transaction[] = [];
  return Array.from({ length: batches }, (_, batch) =>
    Array.from({ length: 50 }, (_, i): Transaction => {
      const r = rnd();
      if (r < 0.002) t += (27 + Math.floor(rnd() * 5)) * DAY + Math.floor(rnd() * HOUR);
      else if (r < 0.004) t += Math.floor(rnd() * 5 * DAY);
      else if (r < 0.05) t += Math.floor(rnd() * 2 * HOUR);
      else t += Math.floor(rnd() * step);
      const late = rnd();
      const occurred = late < 0.05 ? t - Math.floor(rnd() * 30 * HOUR) : late < 0.07 ? t - Math.floor(rnd() * 40 * DAY) : t;
      const again = sent[Math.floor(rnd() * sent.length)];
      if (rnd() < 0.05 && again) return again;
      const tx: Transaction = {
        transactionId: `tx-${seed}-${batch}-${i}`,
        occurredAt: new Date(occurred).toISOString(),
        cardId: `card-${seed}-${Math.floor(rnd() * 15)}`,
        merchantId: `m-${seed}-${Math.floor(rnd() * 4)}`,
        amount: Math.round(rnd() * 50_000) / 100,
        currency: 'EUR',
        ...(rnd() < 0.7 ? { location: { lat: 40 + rnd() * 10, lon: rnd() * 10 } } : {}),
        ...(rnd() < 0.5 ? { deviceId: `d${Math.floor(rnd() * 5)}` } : {}),
      };
      sent.push(tx);
      return tx;
    }),
  );
}

describe('velocity scripts against the full-scan reference', () => {
  const url = testConfig().redis.url;
  const live = new Redis(url, { db: 2 });
  const reference = new Redis(url, { db: 3 });
  const limits = { ...DEFAULT_VELOCITY_LIMITS, maxCardEvents: 40 };
  const store = new VelocityStore(limits);
  VelocityStore.install(live);
  const lua = (path: string, reply: Parameters<typeof luaReturn>[0]) =>
    `${readFileSync(FRAUDS, 'utf8')}\n${readFileSync(join(REFERENCE, path), 'utf8')}\n${luaReturn(reply)}`;
  reference.defineCommand('fdCard', { numberOfKeys: 4, lua: lua('card.lua', CARD_REPLY) });
  reference.defineCommand('fdMerchant', { numberOfKeys: 3, lua: lua('merchant.lua', MERCHANT_REPLY) });

  afterAll(() => {
    live.disconnect();
    reference.disconnect();
  });

  /** The reference scripts' arguments, as the store sent them before the running totals. */
  const queueReference = (pipeline: ChainableCommander, tx: Transaction) => {
    const t = Date.parse(tx.occurredAt);
    const [card, merchant] = [`fd:c:{${tx.cardId}}`, `fd:m:{${tx.merchantId}}`];
    const round5 = (x: number) => Math.round(x * 1e5) / 1e5;
    pipeline.fdCard(
      `${card}:e`,
      `${card}:p`,
      `${card}:s`,
      `${card}:l`,
      shortHash(tx.transactionId),
      t,
      String(Math.round(tx.amount * 1000)),
      tx.location ? String(round5(tx.location.lat)) : '',
      tx.location ? String(round5(tx.location.lon)) : '',
      tx.deviceId !== undefined ? shortHash(tx.deviceId) : '',
      shortHash(tx.merchantId),
      limits.cardEventRetentionMs,
      limits.cardTtlSeconds,
      limits.maxCardEvents,
      limits.maxSeenEntities,
      limits.labelDelayDays,
    );
    pipeline.fdMerchant(
      `${merchant}:b`,
      `${merchant}:x${Math.floor(t / 60_000)}`,
      `${merchant}:l`,
      shortHash(tx.transactionId),
      t,
      26 * 3600,
      limits.labelDelayDays,
      limits.merchantTtlSeconds,
    );
  };

  const replies = async (redis: Redis, txs: readonly Transaction[], queue: (p: ChainableCommander, tx: Transaction) => void) => {
    const pipeline = redis.pipeline();
    for (const tx of txs) queue(pipeline, tx);
    return ((await pipeline.exec()) ?? []).map(([err, reply]) => {
      if (err) throw err;
      return reply;
    });
  };

  // Seconds apart on average (busy cards: the 24 h pass, trimming to maxCardEvents), minutes
  // apart (day after day: the running 29-day total moves), and hours apart (quiet merchants).
  it.each([
    [1, 40_000],
    [2, 1_200_000],
    [3, 4_000_000],
  ])('workload %i (mean step %i ms): every reply of both scripts is the same', async (seed, step) => {
    let compared = 0;
    const differences: string[] = [];
    for (const txs of workload(seed, 120, step)) {
      const [got, want] = await Promise.all([
        replies(live, txs, (p, tx) => {
          store.queue(p, tx);
        }),
        replies(reference, txs, queueReference),
      ]);
      got.forEach((reply, i) => {
        compared += 1;
        if (JSON.stringify(reply) !== JSON.stringify(want[i]))
          differences.push(`${JSON.stringify(txs[Math.floor(i / 2)])}: ${JSON.stringify(reply)} != ${JSON.stringify(want[i])}`);
      });
    }
    expect(compared).toBe(120 * 50 * 2);
    expect(differences.slice(0, 5)).toEqual([]);
  });
});
