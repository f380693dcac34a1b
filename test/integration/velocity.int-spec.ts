import { Redis } from 'ioredis';
import type { Transaction } from '../../src/transactions/transaction.schema';
import { NO_HISTORY } from '../../src/velocity/features';
import { DEFAULT_VELOCITY_LIMITS, VelocityStore } from '../../src/velocity/velocity.store';
import { aTransaction, at, DAY, HOUR, MINUTE, SECOND } from '../support/builders';
import { testConfig } from '../support/config';
import { testNote } from '../support/service-log';

const T = '2026-11-20T12:00:00.000Z';

describe('velocity and profile scripts on real Redis', () => {
  const redis = new Redis(testConfig().redis.url);
  const store = new VelocityStore();
  VelocityStore.install(redis);
  afterAll(() => {
    redis.disconnect();
  });

  const run = (...txs: Transaction[]) => store.runBatch(redis, txs);
  const one = async (tx: Transaction) => {
    const [result] = await run(tx);
    if (!result) throw new Error('no result');
    return result;
  };

  it('counts and sums the card windows strictly before the transaction, excluding itself', async () => {
    const card = aTransaction().cardId;
    await run(
      aTransaction({ cardId: card, amount: 10, occurredAt: at(T, -30 * SECOND) }),
      aTransaction({ cardId: card, amount: 20, occurredAt: at(T, -30 * MINUTE) }),
      aTransaction({ cardId: card, amount: 40, occurredAt: at(T, -5 * HOUR) }),
      aTransaction({ cardId: card, amount: 80, occurredAt: at(T, -3 * DAY) }),
    );
    const { features, duplicate } = await one(aTransaction({ cardId: card, amount: 1000, occurredAt: T }));
    expect(duplicate).toBe(false);
    expect(features.card).toMatchObject({ count1m: 1, sum1m: 10, count1h: 2, sum1h: 30, count24h: 3, sum24h: 70, count30d: 4, sum30d: 150 });
    expect(features.card.avgAmount30d).toBeCloseTo(37.5);
    expect(features.card.secondsSincePrev).toBe(30);
  });

  it('leaves out an event exactly 60 s before from the 1 minute window, and keeps it in the hour', async () => {
    const card = aTransaction().cardId;
    await run(
      aTransaction({ cardId: card, amount: 5, occurredAt: at(T, -60 * SECOND) }),
      aTransaction({ cardId: card, amount: 7, occurredAt: at(T, -59_999) }),
    );
    const { features } = await one(aTransaction({ cardId: card, occurredAt: T }));
    expect(features.card).toMatchObject({ count1m: 1, sum1m: 7, count1h: 2, sum1h: 12 });
  });

  it('places out-of-order events by event time: a late event does not see later ones, later ones see it', async () => {
    const card = aTransaction().cardId;
    const later = aTransaction({ cardId: card, amount: 100, occurredAt: T });
    await run(later);
    const late = await one(aTransaction({ cardId: card, amount: 3, occurredAt: at(T, -20 * SECOND) }));
    expect(late.features.card).toMatchObject({ count1m: 0, count24h: 0, count30d: 0 });
    expect(late.features.card.secondsSincePrev).toBeNull();
    const next = await one(aTransaction({ cardId: card, occurredAt: at(T, 10 * SECOND) }));
    expect(next.features.card).toMatchObject({ count1m: 2, sum1m: 103, count30d: 2, sum30d: 103 });
  });

  it('counts a transaction id once: a redelivery is flagged duplicate and sees the same features', async () => {
    const card = aTransaction().cardId;
    await run(aTransaction({ cardId: card, amount: 50, occurredAt: at(T, -10 * SECOND) }));
    const tx = aTransaction({ cardId: card, amount: 70, occurredAt: T });
    const first = await one(tx);
    const again = await one(tx);
    const inSameBatch = await run(tx, tx);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(inSameBatch.map((r) => r.duplicate)).toEqual([true, true]);
    expect(again.features).toEqual(first.features);
    const after = await one(aTransaction({ cardId: card, occurredAt: at(T, SECOND) }));
    expect(after.features.card).toMatchObject({ count1m: 2, sum1m: 120 });
  });

  it('builds the 30-day profile from whole days before and today up to the transaction', async () => {
    const card = aTransaction().cardId;
    await run(
      aTransaction({ cardId: card, amount: 100, occurredAt: at(T, -31 * DAY) }),
      aTransaction({ cardId: card, amount: 30, occurredAt: at(T, -29 * DAY) }),
      aTransaction({ cardId: card, amount: 60, occurredAt: at(T, -2 * DAY) }),
      aTransaction({ cardId: card, amount: 90, occurredAt: at(T, -1 * HOUR) }),
      aTransaction({ cardId: card, amount: 999, occurredAt: at(T, HOUR) }),
    );
    const { features } = await one(aTransaction({ cardId: card, occurredAt: T }));
    expect(features.card).toMatchObject({ count30d: 3, sum30d: 180, avgAmount30d: 60 });
  });

  it('remembers devices and merchants seen on the card, and the previous location', async () => {
    const card = aTransaction().cardId;
    await run(aTransaction({ cardId: card, merchantId: 'shop-a', deviceId: 'phone-1', location: { lat: 52.52, lon: 13.405 }, occurredAt: at(T, -2 * HOUR) }));
    const same = await one(aTransaction({ cardId: card, merchantId: 'shop-a', deviceId: 'phone-1', occurredAt: at(T, -HOUR) }));
    expect(same.features.card).toMatchObject({ deviceSeen: true, merchantSeen: true, kmFromPrev: null });
    const other = await one(aTransaction({ cardId: card, merchantId: 'shop-b', deviceId: 'phone-2', location: { lat: 48.8566, lon: 2.3522 }, occurredAt: T }));
    expect(other.features.card).toMatchObject({ deviceSeen: false, merchantSeen: false, secondsSincePrevLocated: 7200, secondsSincePrev: 3600 });
    expect(other.features.card.kmFromPrev).toBeGreaterThan(870);
    expect(other.features.card.kmFromPrev).toBeLessThan(885);
    const noDevice = await one(aTransaction({ cardId: card, occurredAt: at(T, MINUTE) }));
    expect(noDevice.features.card.deviceSeen).toBeNull();
  });

  it('counts merchant transactions in whole minutes and hours before the transaction', async () => {
    const merchant = aTransaction().merchantId;
    await run(
      aTransaction({ merchantId: merchant, occurredAt: at(T, -2 * HOUR) }),
      aTransaction({ merchantId: merchant, occurredAt: at(T, -30 * MINUTE) }),
      aTransaction({ merchantId: merchant, occurredAt: at(T, -90 * SECOND) }),
      aTransaction({ merchantId: merchant, occurredAt: at(T, -25 * HOUR) }),
    );
    const { features } = await one(aTransaction({ merchantId: merchant, occurredAt: T }));
    // The day windows are whole UTC days before T's: only the event 25 h before is in them.
    expect(features.merchant).toEqual({ ...NO_HISTORY.merchant, count1h: 2, count24h: 3, count7d: 1, count30d: 1 });
  });

  it('counts merchant transactions over whole days, and over the days whose labels have had the delay to arrive', async () => {
    const merchant = aTransaction().merchantId;
    // One transaction on each of the 40 days before T's day, two on the day 8 days before.
    const history = Array.from({ length: 40 }, (_, d) => aTransaction({ merchantId: merchant, occurredAt: at(T, -(d + 1) * DAY) }));
    await run(...history.reverse(), aTransaction({ merchantId: merchant, occurredAt: at(T, -8 * DAY + HOUR) }));
    const { features } = await one(aTransaction({ merchantId: merchant, occurredAt: T }));
    // Delay 7: the delayed windows end on the 8th day before T's day.
    expect(features.merchant).toMatchObject({ count7d: 7, count30d: 31, countDelayed1d: 2, countDelayed7d: 8, countDelayed30d: 31 });
    // The next day moves every window by one: the running totals agree with the buckets.
    const { features: next } = await one(aTransaction({ merchantId: merchant, occurredAt: at(T, DAY) }));
    expect(next.merchant).toMatchObject({ count7d: 7, count30d: 31, countDelayed1d: 1, countDelayed7d: 8, countDelayed30d: 31 });
  });

  it('counts the card over 7 days, its zero-amount authorisations, and its days whose labels have arrived', async () => {
    const card = aTransaction().cardId;
    await run(
      aTransaction({ cardId: card, amount: 30, occurredAt: at(T, -40 * DAY) }),
      aTransaction({ cardId: card, amount: 20, occurredAt: at(T, -9 * DAY) }),
      aTransaction({ cardId: card, amount: 10, occurredAt: at(T, -6 * DAY) }),
      aTransaction({ cardId: card, amount: 0, occurredAt: at(T, -2 * HOUR) }),
      aTransaction({ cardId: card, amount: 0, occurredAt: at(T, -HOUR) }),
    );
    const { features } = await one(aTransaction({ cardId: card, occurredAt: T }));
    expect(features.card).toMatchObject({ count7d: 3, sum7d: 10, zeroAmount24h: 2, count24h: 2, count30d: 4, countDelayed30d: 1 });
  });

  it('keeps the buckets of a merchant bounded, and its counts exact, when its events arrive hours out of order', async () => {
    // A replay: two partitions carry the same merchant's traffic, one running 5 h behind the
    // other. Buckets that in order would already have been dropped must not be written.
    const merchant = aTransaction().merchantId;
    for (let i = 0; i < 600; i += 30) {
      const ahead = Array.from({ length: 30 }, (_, j) => aTransaction({ merchantId: merchant, occurredAt: at(T, (i + j) * MINUTE) }));
      const behind = Array.from({ length: 30 }, (_, j) => aTransaction({ merchantId: merchant, occurredAt: at(T, (i + j) * MINUTE - 5 * HOUR) }));
      await run(...ahead.flatMap((a, j) => [a, behind[j] ?? a]));
    }
    // At most the 61 minutes and 25 hours the windows can read, the base minute and the seven
    // totals; the two days the traffic spans in a hash of their own.
    expect(await redis.hlen(`fd:m:{${merchant}}:b`)).toBeLessThanOrEqual(61 + 25 + 1 + 7);
    expect(await redis.hlen(`fd:m:{${merchant}}:d`)).toBeLessThanOrEqual(2);
    const { features } = await one(aTransaction({ merchantId: merchant, occurredAt: at(T, 600 * MINUTE) }));
    // The last hour holds one event a minute from the leading partition; the 24 h window every
    // event of both (12:00-21:59 and 07:00-16:59, all before 22:00).
    expect(features.merchant).toMatchObject({ count1h: 60, count24h: 1200 });
  });

  it("drops day buckets left in a merchant's minute and hour hash by the earlier layout", async () => {
    const merchant = aTransaction().merchantId;
    await run(aTransaction({ merchantId: merchant, occurredAt: T }));
    await redis.hset(`fd:m:{${merchant}}:b`, `d${String(Math.floor(Date.parse(T) / DAY) - 1)}`, 5);
    await run(aTransaction({ merchantId: merchant, occurredAt: at(T, 2 * HOUR) }));
    const fields = await redis.hkeys(`fd:m:{${merchant}}:b`);
    expect(fields.filter((f) => f.startsWith('d'))).toEqual([]);
  });

  it('expires a card that goes quiet, and trims events older than the retention', async () => {
    const shortLived = new VelocityStore({ ...DEFAULT_VELOCITY_LIMITS, cardEventRetentionMs: 10 * MINUTE, cardTtlSeconds: 1, merchantTtlSeconds: 1 });
    const card = aTransaction().cardId;
    await shortLived.runBatch(redis, [aTransaction({ cardId: card, occurredAt: at(T, -HOUR) }), aTransaction({ cardId: card, occurredAt: T })]);
    expect(await redis.zcard(`fd:c:{${card}}:e`)).toBe(1);
    expect(await redis.ttl(`fd:c:{${card}}:p`)).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await redis.exists(`fd:c:{${card}}:p`, `fd:c:{${card}}:s`)).toBe(0);
    const [fresh] = await shortLived.runBatch(redis, [aTransaction({ cardId: card, occurredAt: at(T, SECOND) })]);
    expect(fresh?.features.card.count30d).toBe(1);
  });

  it('keeps every key of one card in one Redis Cluster slot', async () => {
    const card = aTransaction().cardId;
    await run(aTransaction({ cardId: card, deviceId: 'd' }));
    const keys = await redis.keys(`fd:c:{${card}}:*`);
    expect(keys).toHaveLength(3);
    const slots = await Promise.all(keys.map((k) => redis.call('CLUSTER', 'KEYSLOT', k).catch(() => null)));
    // CLUSTER KEYSLOT needs cluster mode on; where it is off, the hash tag is checked by name.
    if (slots.every((s) => s === null)) expect(keys.every((k) => k.includes(`{${card}}`))).toBe(true);
    else expect(new Set(slots).size).toBe(1);
  });

  it('costs under 2 KB of Redis memory for a card with a typical month of activity', async () => {
    const card = aTransaction().cardId;
    const merchants = Array.from({ length: 12 }, (_, i) => `m-${i}`);
    const txs: Transaction[] = [];
    // 30 days at 3 transactions a day across a dozen merchants and two devices.
    for (let d = 29; d >= 0; d--) {
      for (const h of [9, 13, 19]) {
        txs.push(
          aTransaction({
            cardId: card,
            merchantId: merchants[(d * 3 + h) % 12],
            deviceId: `dev-${d % 2}`,
            location: { lat: 52.5 + d / 100, lon: 13.4 },
            occurredAt: at(T, -d * DAY + (h - 12) * HOUR),
          }),
        );
      }
    }
    await run(...txs);
    const keys = await redis.keys(`fd:c:{${card}}:*`);
    const bytes = (await Promise.all(keys.map((k) => redis.memory('USAGE', k)))).reduce<number>((sum, b) => sum + (b ?? 0), 0);
    testNote(`one active card (90 transactions over 30 days): ${bytes} bytes in ${keys.length} keys`);
    expect(bytes).toBeLessThan(2048);
  });
});
