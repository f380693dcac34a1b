/**
 * kafkajs 2.2.4's producer send (src/producer/sendMessages.js, MIT), with its retry made safe
 * for exactly-once. Importing this module installs it in place of kafkajs's own.
 *
 * A send covers every partition its messages go to, one produce request per partition leader.
 * kafkajs remembered which *broker objects* had answered and, when another broker's request
 * failed, retried everything else: after a broker died and the client rebuilt its broker
 * objects, a leader that had already taken its partitions' messages was sent them again, under
 * new sequence numbers the broker cannot tell from new messages: twice in one transaction
 * (send-messages.spec.ts shows it on kafkajs's own send). The same bookkeeping
 * could also skip a partition whose leader moved to a broker that had answered. Here what is
 * remembered is each *partition's* answer:
 * - a retry sends only the partitions no broker has taken, to their leaders of the moment;
 * - a failed request's sequence numbers are given back (as kafkajs does), so its resend
 *   carries the same ones and a broker that did write it answers with the earlier offset;
 * - a retry starts only once every request of the attempt has settled (kafkajs retried while
 *   others were still in flight, which could send a partition again under new numbers).
 */
import type { Logger, Message } from 'kafkajs';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals are only reachable by path */
const { KafkaJSMetadataNotLoaded } = require('kafkajs/src/errors') as { KafkaJSMetadataNotLoaded: new (message: string) => Error };
const { staleMetadata } = require('kafkajs/src/protocol/error') as { staleMetadata: (e: unknown) => boolean };
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (args: {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly Message[];
  partitioner: unknown;
}) => Record<string, Message[]>;
const responseSerializer = require('kafkajs/src/producer/responseSerializer') as (response: unknown) => PartitionAnswer[];
/* eslint-enable @typescript-eslint/no-require-imports */

/** One partition's part of a produce answer, as kafkajs's send resolves with it. */
export interface PartitionAnswer {
  readonly topicName: string;
  readonly partition: number;
  readonly [field: string]: unknown;
}

interface Broker {
  produce(request: {
    transactionalId: string | undefined;
    producerId: unknown;
    producerEpoch: unknown;
    acks: number;
    timeout: number | undefined;
    compression: unknown;
    topicData: TopicData[];
  }): Promise<unknown>;
}

interface TopicData {
  readonly topic: string;
  readonly partitions: { partition: number; messages: Message[]; firstSequence?: number }[];
}

/** What kafkajs's messageProducer hands its send (the slice used here). */
export interface SendContext {
  readonly logger: Logger;
  readonly cluster: {
    refreshMetadataIfNecessary(): Promise<void>;
    refreshMetadata(): Promise<void>;
    addMultipleTargetTopics(topics: string[]): Promise<void>;
    findTopicPartitionMetadata(topic: string): readonly unknown[];
    findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
    findBroker(args: { nodeId: string }): Promise<Broker>;
    removeBroker(args: { host: unknown; port: unknown }): void;
    isConnected(): boolean;
    connect(): Promise<void>;
  };
  readonly partitioner: unknown;
  readonly eosManager: {
    isTransactional(): boolean;
    getTransactionalId(): string;
    getProducerId(): unknown;
    getProducerEpoch(): unknown;
    getSequence(topic: string, partition: number): number;
    updateSequence(topic: string, partition: number, increment: number): void;
    addPartitionsToTransaction(topicData: TopicData[]): Promise<void>;
    acquireBrokerLock(broker: Broker): Promise<void>;
    releaseBrokerLock(broker: Broker): Promise<void>;
  };
  readonly retrier: <T>(fn: (bail: (e: unknown) => never, retryCount: number, retryTime: number) => Promise<T>) => Promise<T>;
}

export interface SendRequest {
  readonly acks: number;
  readonly timeout?: number;
  readonly compression?: unknown;
  readonly topicMessages: readonly { readonly topic: string; readonly messages: readonly Message[] }[];
}

interface KafkaError {
  readonly name?: string;
  readonly message?: string;
  readonly retriable?: boolean;
  readonly host?: unknown;
  readonly port?: unknown;
}

const errorOf = (e: unknown): KafkaError => (typeof e === 'object' && e !== null ? e : {});

export function createSendMessages({ logger, cluster, partitioner, eosManager, retrier }: SendContext) {
  return async ({ acks, timeout, compression, topicMessages }: SendRequest): Promise<PartitionAnswer[]> => {
    // Each topic's messages by partition, fixed on the first attempt that has the topic's
    // metadata, and each partition's answer once a broker has taken its messages.
    const byPartition = new Map<string, Record<string, Message[]>>();
    const answered = new Map<string, PartitionAnswer[]>();
    const keyOf = (topic: string, partition: number) => `${topic}\u0000${String(partition)}`;

    const attempt = async (): Promise<PartitionAnswer[]> => {
      await cluster.refreshMetadataIfNecessary();
      const perLeader = new Map<string, { topic: string; partitions: number[]; messagesPerPartition: Record<string, Message[]> }[]>();
      for (const { topic, messages } of topicMessages) {
        let messagesPerPartition = byPartition.get(topic);
        if (messagesPerPartition === undefined) {
          const partitionMetadata = cluster.findTopicPartitionMetadata(topic);
          if (partitionMetadata.length === 0) throw new KafkaJSMetadataNotLoaded('Producing to topic without metadata');
          messagesPerPartition = groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner });
          byPartition.set(topic, messagesPerPartition);
        }
        const pending = Object.keys(messagesPerPartition)
          .map(Number)
          .filter((p) => !answered.has(keyOf(topic, p)));
        if (pending.length === 0) continue;
        for (const [nodeId, partitions] of Object.entries(cluster.findLeaderForPartitions(topic, pending))) {
          const forBroker = perLeader.get(nodeId) ?? [];
          forBroker.push({ topic, partitions, messagesPerPartition });
          perLeader.set(nodeId, forBroker);
        }
      }

      const requests = [...perLeader].map(async ([nodeId, forBroker]) => {
        const broker = await cluster.findBroker({ nodeId });
        const topicData: TopicData[] = forBroker.map(({ topic, partitions, messagesPerPartition }) => ({
          topic,
          partitions: partitions.map((partition) => ({ partition, messages: messagesPerPartition[String(partition)] ?? [] })),
        }));
        await eosManager.acquireBrokerLock(broker);
        try {
          if (eosManager.isTransactional()) await eosManager.addPartitionsToTransaction(topicData);
          for (const { topic, partitions } of topicData) {
            for (const entry of partitions) {
              entry.firstSequence = eosManager.getSequence(topic, entry.partition);
              eosManager.updateSequence(topic, entry.partition, entry.messages.length);
            }
          }
          let response: unknown;
          try {
            response = await broker.produce({
              transactionalId: eosManager.isTransactional() ? eosManager.getTransactionalId() : undefined,
              producerId: eosManager.getProducerId(),
              producerEpoch: eosManager.getProducerEpoch(),
              acks,
              timeout,
              compression,
              topicData,
            });
          } catch (e) {
            // Not known to be written: the resend carries the same sequence numbers.
            for (const { topic, partitions } of topicData)
              for (const entry of partitions) eosManager.updateSequence(topic, entry.partition, -entry.messages.length);
            throw e;
          }
          const answers = acks === 0 ? [] : responseSerializer(response);
          for (const { topic, partitions } of topicData) {
            for (const { partition } of partitions) {
              answered.set(
                keyOf(topic, partition),
                answers.filter((a) => a.topicName === topic && a.partition === partition),
              );
            }
          }
        } finally {
          await eosManager.releaseBrokerLock(broker);
        }
      });
      const settled = await Promise.allSettled(requests);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
      return [...answered.values()].flat();
    };

    return retrier(async (bail, retryCount, retryTime) => {
      await cluster.addMultipleTargetTopics(topicMessages.map(({ topic }) => topic));
      try {
        return await attempt();
      } catch (caught) {
        // kafkajs's own recovery, unchanged: reconnect, refresh the metadata, retry what can be.
        const e = errorOf(caught);
        if (e.name === 'KafkaJSConnectionClosedError') cluster.removeBroker({ host: e.host, port: e.port });
        if (!cluster.isConnected()) {
          logger.debug(`Cluster has disconnected, reconnecting: ${String(e.message)}`, { retryCount, retryTime });
          await cluster.connect();
          await cluster.refreshMetadata();
          throw caught;
        }
        if (
          staleMetadata(caught) ||
          e.name === 'KafkaJSMetadataNotLoaded' ||
          e.name === 'KafkaJSConnectionError' ||
          e.name === 'KafkaJSConnectionClosedError' ||
          (e.name === 'KafkaJSProtocolError' && e.retriable === true)
        ) {
          logger.error(`Failed to send messages: ${String(e.message)}`, { retryCount, retryTime });
          await cluster.refreshMetadata();
          throw caught;
        }
        logger.error(String(e.message), { retryCount, retryTime });
        if (e.retriable === true) throw caught;
        return bail(caught);
      }
    });
  };
}

const SEND_MESSAGES = require.resolve('kafkajs/src/producer/sendMessages');
const MESSAGE_PRODUCER = require.resolve('kafkajs/src/producer/messageProducer');

/**
 * kafkajs's messageProducer takes its send from `require('./sendMessages')` when it loads, so
 * the module's exports are replaced before that: this module must load before kafkajs does
 * (main.ts and every entry point import it first, and a late import throws rather than leave
 * kafkajs's send in place). Jest keeps modules in its own registry, where jest.config.js maps
 * kafkajs's `./sendMessages` to this function instead. Services a test starts inherit the test's
 * environment (JEST_WORKER_ID too), so Jest is told apart by the mapping's own flag.
 */
function install(): void {
  if ((globalThis as Record<symbol, unknown>)[Symbol.for('fraud.kafkajs-send-mapped')] === true) return;
  const cache = require.cache;
  const loaded = cache[SEND_MESSAGES];
  if (loaded?.exports === createSendMessages) return;
  if (cache[MESSAGE_PRODUCER] !== undefined) throw new Error('kafkajs was loaded before src/stream/send-messages: import it before kafkajs');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module record whose exports kafkajs's messageProducer takes
  require(SEND_MESSAGES);
  const record = cache[SEND_MESSAGES];
  if (record !== undefined) record.exports = createSendMessages;
}

install();
