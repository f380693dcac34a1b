import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { testConfig } from '../support/config';

describe('the test stack', () => {
  const config = testConfig();

  it('is a real Redis server that the harness started on a private port', async () => {
    const redis = new Redis(config.redis.url);
    try {
      const info = await redis.info('server');
      expect(info).toMatch(/redis_version:\d+\.\d+/);
      expect(new URL(config.redis.url).port).not.toBe('6379');
    } finally {
      redis.disconnect();
    }
  });

  it('is a real KRaft Kafka broker with every topic the service uses, and no auto-creation', async () => {
    const kafka = new Kafka({ brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      expect(topics).toEqual(expect.arrayContaining(Object.values(config.kafka.topics)));
      const [meta] = (await admin.fetchTopicMetadata({ topics: [config.kafka.topics.transactions] })).topics;
      expect(meta?.partitions.length).toBeGreaterThan(1);
      const brokerConfig = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['auto.create.topics.enable', 'process.roles'] }],
      });
      const entries = Object.fromEntries(brokerConfig.resources[0]?.configEntries.map((e) => [e.configName, e.configValue]) ?? []);
      expect(entries).toEqual({ 'auto.create.topics.enable': 'false', 'process.roles': 'broker,controller' });
    } finally {
      await admin.disconnect();
    }
  });

  it('round-trips a message through the broker with kafkajs', async () => {
    const kafka = new Kafka({ brokers: [...config.kafka.brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `stack-test-${Date.now()}` });
    await producer.connect();
    await consumer.connect();
    try {
      const value = `hello-${Math.random()}`;
      await producer.send({ topic: config.kafka.topics.shadow, messages: [{ key: 'k', value }] });
      await consumer.subscribe({ topic: config.kafka.topics.shadow, fromBeginning: true });
      const seen = await new Promise<string>((resolve) => {
        void consumer.run({
          eachMessage: ({ message }) => {
            const text = message.value?.toString() ?? '';
            if (text === value) resolve(text);
            return Promise.resolve();
          },
        });
      });
      expect(seen).toBe(value);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });
});
