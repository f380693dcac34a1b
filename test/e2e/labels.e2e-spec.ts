import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { decisionSchema, type Decision, type Transaction } from '../../src/transactions/transaction.schema';
import { startTestApp, waitUntil } from '../support/app';
import { aTransaction, at, DAY, HOUR } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { collect, createTopics, produce } from '../support/kafka';
import { rulesIsolation, withRule } from '../support/rules';

const T = '2026-11-20T12:00:00.000Z';

describe('fraud labels from Kafka feed the card and merchant fraud counts', () => {
  const topics = uniqueTopics('labels');
  const config = testConfig(topics);
  let app: NestFastifyApplication;

  beforeAll(async () => {
    await createTopics(config);
    // The label path under test feeds the counts the fraud-history rules read; the defaults keep
    // the card rule off and judge merchants on a delayed window, so this test turns on the two
    // rules as a team with same-day labels would.
    const rules = join(mkdtempSync(join(tmpdir(), 'labels-rules-')), 'rules.json');
    const doc = withRule('labels-e2e', 'card-confirmed-fraud', { enabled: true, params: { window: '30d', minCount: 1 } });
    writeFileSync(
      rules,
      JSON.stringify({
        ...doc,
        rules: (doc.rules as { id: string }[]).map((r) => (r.id === 'merchant-fraud-cluster' ? { ...r, params: { window: '7d', minCount: 3 } } : r)),
      }),
    );
    app = await startTestApp({
      ...topics,
      KAFKA_GROUP_ID: config.kafka.groupId,
      KAFKA_CONSUMER_ENABLED: 'true',
      RULES_PATH: rules,
      RULES_KEY_PREFIX: rulesIsolation().RULES_KEY_PREFIX,
    });
  });
  afterAll(async () => {
    await app.close();
  });

  const decide = async (tx: Transaction): Promise<Decision> => {
    const res = await app.inject({ method: 'POST', url: '/v1/decisions', payload: tx });
    expect(res.statusCode).toBe(200);
    return decisionSchema.parse(res.json());
  };
  const label = (value: unknown) => ({ key: 'label', value: JSON.stringify(value) });

  it('reviews a card once a label confirms fraud on it, flags a merchant with a fraud cluster, and dead-letters a bad label', async () => {
    // A transaction decided earlier: the label names only its id; the service knows the rest.
    const stolen = aTransaction({ occurredAt: at(T, -2 * DAY) });
    expect((await decide(stolen)).decision).toBe('approve');
    // Three frauds at one merchant, labelled by a chargeback feed that carries card, merchant and time.
    const merchantId = aTransaction().merchantId;
    const cluster = [1, 2, 3].map((i) => aTransaction({ merchantId, occurredAt: at(T, -i * HOUR) }));

    await produce(config, topics.TOPIC_LABELS ?? '', [
      label({ transactionId: stolen.transactionId, fraud: true, reportedAt: T }),
      ...cluster.map((tx) => label({ transactionId: tx.transactionId, fraud: true, reportedAt: T, cardId: tx.cardId, merchantId, occurredAt: tx.occurredAt })),
      label({ transactionId: 'label-without-verdict', reportedAt: T }),
    ]);

    let onStolenCard: Decision | undefined;
    await waitUntil('the card fraud label to apply', async () => {
      onStolenCard = await decide(aTransaction({ cardId: stolen.cardId, occurredAt: T }));
      return onStolenCard.decision === 'review';
    });
    expect(onStolenCard?.reasons).toEqual([
      { code: 'CARD_FRAUD_HISTORY', message: "1 confirmed fraud on the card's transactions of the last 30 days (threshold 1)" },
    ]);

    const atMerchant = await decide(aTransaction({ merchantId, occurredAt: T }));
    expect(atMerchant.decision).toBe('review');
    expect(atMerchant.reasons.map((r) => r.code)).toEqual(['MERCHANT_FRAUD_HISTORY']);
    // Elsewhere, nothing changed.
    expect((await decide(aTransaction({ occurredAt: T }))).decision).toBe('approve');

    const [dead] = await collect(config, topics.TOPIC_DLQ ?? '', (all) => all.length >= 1, 30_000);
    expect(JSON.parse(dead?.value ?? '{}')).toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: [{ path: 'fraud' }] },
      source: { topic: topics.TOPIC_LABELS },
    });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/fraud_labels_total\{result="applied"\} 4/);
  });

  it('dead-letters a burst of bad labels larger than one produce request may be, then goes on applying labels', async () => {
    // 3,000 labels without a verdict, ~450 bytes each on one partition: ~1.4 MB of dead letters
    // in one batch, past the broker's 1 MB per request.
    const pad = 'x'.repeat(300);
    const bad = Array.from({ length: 3000 }, (_, i) => ({
      key: 'burst',
      value: JSON.stringify({ transactionId: `burst-${String(i)}`, reportedAt: T, note: pad }),
    }));
    const tx = aTransaction({ occurredAt: at(T, -HOUR) });
    await produce(config, topics.TOPIC_LABELS ?? '', [
      ...bad,
      {
        key: 'burst',
        value: JSON.stringify({
          transactionId: tx.transactionId,
          fraud: true,
          reportedAt: T,
          cardId: tx.cardId,
          merchantId: tx.merchantId,
          occurredAt: tx.occurredAt,
        }),
      },
    ]);
    const dead = await collect(config, topics.TOPIC_DLQ ?? '', (all) => all.length >= 3001, 60_000);
    const burst = new Set(
      dead.map((d) => (JSON.parse(d.value) as { original?: { value?: string } }).original?.value ?? '').filter((v) => v.includes('burst-')),
    );
    expect(burst.size).toBe(3000);
    await waitUntil(
      'the label after the burst applied',
      async () => (await app.inject({ method: 'GET', url: '/metrics' })).body.includes('fraud_labels_total{result="applied"} 5'),
      30_000,
    );
  }, 120_000);
});
