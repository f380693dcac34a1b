import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { KafkaJSConnectionError, type Message } from 'kafkajs';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals are only reachable by path */
// kafkajs's own producer front (it takes its send from `./sendMessages`, the corrected one here) and retrier.
const createMessageProducer = require('kafkajs/src/producer/messageProducer') as (deps: object) => {
  sendBatch(request: { acks: number; topicMessages: { topic: string; messages: Message[] }[] }): Promise<{ partition: number; baseOffset: string }[]>;
};
const createRetry = require('kafkajs/src/retry') as (options: object) => unknown;
/* eslint-enable @typescript-eslint/no-require-imports */

const TOPIC = 'decisions';
const noop = () => undefined;
const logger = { debug: noop, info: noop, warn: noop, error: noop, namespace: () => logger };

interface Produced {
  readonly node: string;
  readonly partition: number;
  readonly firstSequence: number | undefined;
  readonly values: string[];
}

/**
 * A cluster of brokers whose partition leaders can move, whose broker objects are made anew on
 * every lookup (as kafkajs's pool does after it drops a dead broker), and whose brokers can be
 * told to fail their next request, writing it first or not.
 */
function fakeCluster(leaders: Record<number, string>) {
  const produced: Produced[] = [];
  const failNext = new Map<string, { written: boolean; then?: () => void }>();
  const nextOffset = new Map<number, number>();
  const cluster = {
    refreshMetadataIfNecessary: () => Promise.resolve(),
    refreshMetadata: () => Promise.resolve(),
    addMultipleTargetTopics: () => Promise.resolve(),
    isConnected: () => true,
    connect: () => Promise.resolve(),
    removeBroker: noop,
    findTopicPartitionMetadata: () => Object.keys(leaders).map((p) => ({ partitionId: Number(p) })),
    findLeaderForPartitions: (_topic: string, partitions: number[]) => {
      const byLeader: Record<string, number[]> = {};
      for (const p of partitions) (byLeader[leaders[p] ?? ''] ??= []).push(p);
      return byLeader;
    },
    findBroker: ({ nodeId }: { nodeId: string }) =>
      Promise.resolve({
        produce: ({ topicData }: { topicData: { topic: string; partitions: { partition: number; firstSequence?: number; messages: Message[] }[] }[] }) => {
          const failure = failNext.get(nodeId);
          failNext.delete(nodeId);
          const partitions = topicData.flatMap((t) => t.partitions);
          if (failure === undefined || failure.written) {
            for (const { partition, firstSequence, messages } of partitions) {
              produced.push({ node: nodeId, partition, firstSequence, values: messages.map((m) => String(m.value)) });
            }
          }
          if (failure !== undefined) {
            failure.then?.();
            return Promise.reject(new KafkaJSConnectionError(`broker ${nodeId} went away`));
          }
          return Promise.resolve({
            topics: [
              {
                topicName: TOPIC,
                partitions: partitions.map(({ partition, messages }) => {
                  const base = nextOffset.get(partition) ?? 0;
                  nextOffset.set(partition, base + messages.length);
                  return { partition, errorCode: 0, baseOffset: String(base) };
                }),
              },
            ],
          });
        },
      }),
  };
  return { cluster, produced, failNext };
}

function eosManager() {
  const sequences = new Map<string, number>();
  const key = (topic: string, partition: number) => `${topic}/${String(partition)}`;
  return {
    isTransactional: () => false,
    getTransactionalId: () => 'tx',
    getProducerId: () => 1,
    getProducerEpoch: () => 0,
    getSequence: (topic: string, partition: number) => sequences.get(key(topic, partition)) ?? 0,
    updateSequence: (topic: string, partition: number, increment: number) => {
      sequences.set(key(topic, partition), (sequences.get(key(topic, partition)) ?? 0) + increment);
    },
    addPartitionsToTransaction: () => Promise.resolve(),
    acquireBrokerLock: () => Promise.resolve(),
    releaseBrokerLock: () => Promise.resolve(),
  };
}

function producerOn(cluster: object) {
  return createMessageProducer({
    logger,
    cluster,
    partitioner: ({ message }: { message: Message }) => message.partition ?? 0,
    eosManager: eosManager(),
    idempotent: true,
    retrier: createRetry({ retries: 5, initialRetryTime: 1, maxRetryTime: 5 }),
    getConnectionStatus: () => 'connected',
  });
}

const messages = (partitions: number[]) => partitions.map((partition) => ({ partition, key: `k${String(partition)}`, value: `v${String(partition)}` }));
const timesTaken = (produced: readonly Produced[]) => {
  const counts: Record<string, number> = {};
  for (const p of produced) for (const v of p.values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
};

describe('the producer send (kafkajs with the corrected retry)', () => {
  it('is installed in a process that loads the service’s Kafka client, also one a test starts (with its JEST_WORKER_ID)', () => {
    const root = join(__dirname, '..', '..');
    const loaded = execFileSync(
      process.execPath,
      ['--import', 'tsx', '-e', "require('./src/stream/kafka.client.ts'); process.stdout.write(require('kafkajs/src/producer/sendMessages').name)"],
      { cwd: root, env: { ...process.env, JEST_WORKER_ID: '1' }, encoding: 'utf8' },
    );
    expect(loaded).toBe('createSendMessages');
  });

  it('resends only the partitions no broker took when one leader fails, though the others are new broker objects by then', async () => {
    const { cluster, produced, failNext } = fakeCluster({ 0: 'a', 1: 'a', 2: 'b', 3: 'b' });
    failNext.set('b', { written: false });
    const answers = await producerOn(cluster).sendBatch({ acks: -1, topicMessages: [{ topic: TOPIC, messages: messages([0, 1, 2, 3]) }] });
    // kafkajs's own send gave a's partitions to a's new broker object again: v0 and v1 twice.
    expect(timesTaken(produced)).toEqual({ v0: 1, v1: 1, v2: 1, v3: 1 });
    expect(answers.map((a) => a.partition).sort()).toEqual([0, 1, 2, 3]);
  });

  it('still sends a failed leader’s partitions when they move to a broker that has answered', async () => {
    const leaders: Record<number, string> = { 0: 'a', 1: 'b' };
    const { cluster, produced, failNext } = fakeCluster(leaders);
    // b dies and its partition moves to a, which already took partition 0 in this send.
    failNext.set('b', { written: false, then: () => (leaders[1] = 'a') });
    await producerOn(cluster).sendBatch({ acks: -1, topicMessages: [{ topic: TOPIC, messages: messages([0, 1]) }] });
    expect(produced.map((p) => [p.node, p.partition])).toEqual([
      ['a', 0],
      ['a', 1],
    ]);
  });

  it('resends a request whose answer was lost with the same sequence numbers, so the broker can tell it is the same', async () => {
    const { cluster, produced, failNext } = fakeCluster({ 0: 'a', 1: 'b' });
    const producer = producerOn(cluster);
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: TOPIC, messages: messages([0, 1]) }] });
    failNext.set('b', { written: true });
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic: TOPIC, messages: messages([0, 1]) }] });
    const onB = produced.filter((p) => p.partition === 1).map((p) => p.firstSequence);
    // Written (seq 1), answer lost, sent again as seq 1: the broker's duplicate check answers it.
    expect(onB).toEqual([0, 1, 1]);
    const onA = produced.filter((p) => p.partition === 0).map((p) => p.firstSequence);
    expect(onA).toEqual([0, 1]);
  });
});
