import { Redis } from 'ioredis';
import { VelocityStore } from '../../src/velocity/velocity.store';
import { aTransaction, at, DAY } from '../support/builders';
import { testConfig } from '../support/config';

const T = '2026-11-20T12:00:00.000Z';

describe('fraud label counts on real Redis', () => {
  const redis = new Redis(testConfig().redis.url);
  const store = new VelocityStore();
  VelocityStore.install(redis);
  afterAll(() => {
    redis.disconnect();
  });

  const label = async (transactionId: string, subject: { cardId: string; merchantId: string; occurredAt: string }, fraud: boolean) => {
    const pipeline = redis.pipeline();
    store.queueLabel(pipeline, transactionId, subject, fraud);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([err, reply]) => (err ? err.message : reply));
  };
  const featuresAt = async (cardId: string, merchantId: string, occurredAt: string) => {
    const [result] = await store.runBatch(redis, [aTransaction({ cardId, merchantId, occurredAt })]);
    if (!result) throw new Error('no result');
    return result.features;
  };

  it("counts a confirmed fraud on the card and the merchant by the fraud's own day, over 7 and 30 days", async () => {
    const { cardId, merchantId } = aTransaction();
    const fraud = aTransaction({ cardId, merchantId, occurredAt: T });
    expect(await label(fraud.transactionId, fraud, true)).toEqual([1, 1]);

    const threeDaysOn = await featuresAt(cardId, merchantId, at(T, 3 * DAY));
    expect(threeDaysOn.card).toMatchObject({ frauds7d: 1, frauds30d: 1 });
    expect(threeDaysOn.merchant).toMatchObject({ frauds7d: 1, frauds30d: 1 });

    const tenDaysOn = await featuresAt(cardId, merchantId, at(T, 10 * DAY));
    expect(tenDaysOn.card).toMatchObject({ frauds7d: 0, frauds30d: 1 });
    const monthOn = await featuresAt(cardId, merchantId, at(T, 31 * DAY));
    expect(monthOn.card).toMatchObject({ frauds7d: 0, frauds30d: 0 });
    // A transaction before the fraud happened does not see it.
    const before = await featuresAt(cardId, merchantId, at(T, -2 * DAY));
    expect(before.card).toMatchObject({ frauds7d: 0, frauds30d: 0 });
  });

  it('counts a fraud in the delayed windows only once the label delay has passed, and as known from the start', async () => {
    const { cardId, merchantId } = aTransaction();
    const fraud = aTransaction({ cardId, merchantId, occurredAt: T });
    await store.runBatch(redis, [fraud]); // decided, then labelled
    await label(fraud.transactionId, fraud, true);
    const dayOn = await featuresAt(cardId, merchantId, at(T, DAY));
    expect(dayOn.card).toMatchObject({ fraudsKnown: 1, fraudsDelayed30d: 0 });
    expect(dayOn.merchant).toMatchObject({ fraudsDelayed1d: 0, fraudsDelayed7d: 0, fraudsDelayed30d: 0 });
    // Delay 7: the windows end on the 8th day before: the fraud's day enters them 8 days on.
    const eightDaysOn = await featuresAt(cardId, merchantId, at(T, 8 * DAY));
    expect(eightDaysOn.card).toMatchObject({ fraudsDelayed30d: 1, countDelayed30d: 1 });
    expect(eightDaysOn.merchant).toMatchObject({ fraudsDelayed1d: 1, fraudsDelayed7d: 1, fraudsDelayed30d: 1, countDelayed1d: 1 });
    const nineDaysOn = await featuresAt(cardId, merchantId, at(T, 9 * DAY));
    expect(nineDaysOn.merchant).toMatchObject({ fraudsDelayed1d: 0, fraudsDelayed7d: 1, fraudsDelayed30d: 1 });
    const fortyDaysOn = await featuresAt(cardId, merchantId, at(T, 40 * DAY));
    expect(fortyDaysOn.merchant).toMatchObject({ fraudsDelayed30d: 0 });
    expect(fortyDaysOn.card).toMatchObject({ fraudsKnown: 1, fraudsDelayed30d: 0 });
  });

  it('counts a redelivered label once, and takes it back on a correction', async () => {
    const { cardId, merchantId } = aTransaction();
    const fraud = aTransaction({ cardId, merchantId, occurredAt: T });
    const other = aTransaction({ cardId, merchantId, occurredAt: at(T, DAY) });
    await label(fraud.transactionId, fraud, true);
    expect(await label(fraud.transactionId, fraud, true)).toEqual([0, 0]);
    await label(other.transactionId, other, true);
    expect((await featuresAt(cardId, merchantId, at(T, 2 * DAY))).card).toMatchObject({ frauds7d: 2, frauds30d: 2 });

    expect(await label(fraud.transactionId, fraud, false)).toEqual([1, 1]);
    const corrected = await featuresAt(cardId, merchantId, at(T, 2 * DAY));
    expect(corrected.card).toMatchObject({ frauds7d: 1, frauds30d: 1 });
    expect(corrected.merchant).toMatchObject({ frauds7d: 1, frauds30d: 1 });
    // A "not fraud" label for a transaction never counted changes nothing.
    expect(await label(aTransaction({ cardId, merchantId }).transactionId, fraud, false)).toEqual([0, 0]);
  });

  it("keeps the card's label counts in the card's Cluster slot", async () => {
    const fraud = aTransaction({ occurredAt: T });
    await label(fraud.transactionId, fraud, true);
    expect(await redis.exists(`fd:c:{${fraud.cardId}}:l`, `fd:m:{${fraud.merchantId}}:l`)).toBe(2);
    expect(await redis.ttl(`fd:c:{${fraud.cardId}}:l`)).toBeGreaterThan(60 * 86_400);
  });
});
