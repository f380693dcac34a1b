import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Message } from 'kafkajs';
import { decisionSchema } from '../../src/transactions/transaction.schema';
import { startTestApp } from '../support/app';
import { aTransaction, at, SECOND } from '../support/builders';
import { testConfig, uniqueTopics } from '../support/config';
import { collect, createTopics, produce } from '../support/kafka';

const TOTAL = 10_000;

describe('the Kafka path', () => {
  const topics = uniqueTopics('kpath');
  const config = testConfig(topics);
  let app: NestFastifyApplication;

  beforeAll(async () => {
    await createTopics(config);
  });
  afterAll(async () => {
    await app.close();
  });

  it(`decides ${TOTAL} transactions with duplicates, poison, a zero amount and a reused id mixed in: one decision per id, every poison and the reuse in the DLQ`, async () => {
    const cards = Array.from({ length: 300 }, (_, i) => `card-kpath-${i}`);
    const txs = Array.from({ length: TOTAL }, (_, i) => aTransaction({ cardId: cards[i % cards.length], occurredAt: at('2026-11-20T00:00:00Z', i * SECOND) }));
    // A zero-amount account verification is ordinary traffic: decided, never dead-lettered.
    const zero = { ...txs[TOTAL / 2]!, amount: 0 };
    txs[TOTAL / 2] = zero;
    const messages: Message[] = txs.map((tx) => ({ key: tx.cardId, value: JSON.stringify(tx) }));
    // 500 redeliveries of earlier transactions, 7 kinds of poison and a reused id.
    for (let i = 0; i < 500; i++) {
      const tx = txs[(i * 17) % TOTAL]!;
      messages.splice(Math.min(messages.length, ((i * 23) % TOTAL) + 50), 0, { key: tx.cardId, value: JSON.stringify(tx) });
    }
    const poison: Message[] = [
      { key: 'p1', value: '{"transactionId": "broken' },
      { key: 'p2', value: Buffer.from([0xff, 0xfe, 0xfd]) },
      { key: 'p3', value: JSON.stringify({ ...txs[0], amount: -1, transactionId: 'poison-negative' }) },
      { key: 'p4', value: JSON.stringify({ transactionId: 'poison-missing' }) },
      { key: 'p5', value: JSON.stringify({ ...txs[1], transactionId: 'poison-pan', memo: '4111111111111111' }) },
      { key: 'p6', value: JSON.stringify({ ...txs[2], transactionId: 'poison-big', pad: 'x'.repeat(70_000) }) },
      { key: 'p7', value: null },
      // A reused id with another payload, on the same card (so after the original, in its partition).
      { key: txs[3]!.cardId, value: JSON.stringify({ ...txs[3], amount: 5000 }) },
    ];
    poison.forEach((p, i) => messages.splice(1000 * (i + 1), 0, p));
    await produce(config, topics.TOPIC_TRANSACTIONS!, messages);

    app = await startTestApp({ ...topics, KAFKA_GROUP_ID: config.kafka.groupId, KAFKA_CONSUMER_ENABLED: 'true' });

    const decisions = await collect(config, topics.TOPIC_DECISIONS!, (all) => all.length >= TOTAL, 240_000);
    const dlq = await collect(config, topics.TOPIC_DLQ!, (all) => all.length >= poison.length, 30_000);

    const ids = decisions.map((d) => decisionSchema.parse(JSON.parse(d.value)).transactionId);
    expect(new Set(ids).size).toBe(TOTAL);
    expect(ids).toHaveLength(TOTAL);
    expect(new Set(ids)).toEqual(new Set(txs.map((t) => t.transactionId)));
    expect(ids).toContain(zero.transactionId);
    expect(decisions.every((d) => d.key === decisionSchema.parse(JSON.parse(d.value)).transactionId)).toBe(true);

    const codes = dlq.map((d) => (JSON.parse(d.value) as { error: { code: string } }).error.code).sort();
    expect(codes).toEqual([
      'CARD_NUMBER_DETECTED',
      'EMPTY_VALUE',
      'IDEMPOTENCY_CONFLICT',
      'INVALID_ENCODING',
      'INVALID_JSON',
      'MESSAGE_TOO_LARGE',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
    ]);
    // The original keeps its one decision, made on its own payload.
    const original = decisions.map((d) => decisionSchema.parse(JSON.parse(d.value))).filter((d) => d.transactionId === txs[3]!.transactionId);
    expect(original).toHaveLength(1);
    expect(dlq.map((d) => d.value).join('\n')).not.toContain('4111111111111111');
  }, 300_000);
});
