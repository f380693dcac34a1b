import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Consumer, type EachBatchPayload, type Message, type Producer } from 'kafkajs';
import { KeyPartitioner } from './partitioner';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { LabelsService } from '../labels/labels.service';
import { OnlineLearner } from '../online/online-learner.service';
import { Metrics } from '../metrics/metrics';
import { LogThrottle } from '../shared/throttled-log';
import { parseLabel } from '../transactions/transaction.parse';
import type { FraudLabel } from '../transactions/transaction.schema';
import { kafkaClient } from './kafka.client';
import { retryUntilDone } from './retry';
import { DEAD_LETTER_BYTES_PER_REQUEST, deadLetterRuns, decodeMessage, dlqMessage } from './transaction-message';

/**
 * Consumes `fraud-labels` into the per-card and per-merchant fraud counts that rules and the
 * model read, and into the online model (online-learner.service.ts). At least once: the label scripts are idempotent per transaction, so a batch
 * redone after a crash changes nothing twice, and no transaction is needed. Invalid labels go
 * to the DLQ (same record shape as transactions; `source.topic` tells them apart).
 */
@Injectable()
export class LabelsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LabelsConsumer.name);
  private readonly throttle = new LogThrottle();
  private readonly consumer: Consumer;
  private readonly producer: Producer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly labels: LabelsService,
    private readonly learner: OnlineLearner,
    private readonly metrics: Metrics,
  ) {
    const kafka = kafkaClient(config.kafka);
    this.consumer = kafka.consumer({ groupId: `${config.kafka.groupId}-labels`, sessionTimeout: config.kafka.sessionTimeoutMs, maxWaitTimeInMs: 1000 });
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: KeyPartitioner });
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.kafka.consumerEnabled) return;
    this.metrics.zeroLabels();
    await this.producer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.config.kafka.topics.labels], fromBeginning: true });
    await this.consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.handleBatch(payload) });
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.config.kafka.consumerEnabled) return;
    await this.consumer.disconnect();
    await this.producer.disconnect();
  }

  private async handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const retry = {
      logger: this.logger,
      throttle: this.throttle,
      heartbeat: () => payload.heartbeat(),
      isRunning: () => payload.isRunning() && !payload.isStale(),
    };
    // Within a batch the latest label of a transaction wins (a correction follows its label).
    const latest = new Map<string, FraudLabel>();
    const dlq: Message[] = [];
    const now = new Date();
    for (const message of batch.messages) {
      const decoded = decodeMessage(message.value, this.config.kafka.maxMessageBytes, parseLabel, 'label');
      if (decoded.kind === 'ok') {
        latest.delete(decoded.value.transactionId);
        latest.set(decoded.value.transactionId, decoded.value);
      } else {
        this.metrics.rejected.inc({ source: 'labels', code: decoded.code });
        dlq.push(dlqMessage(batch, message, decoded, now, this.config.kafka.maxMessageBytes));
      }
    }

    const labels = [...latest.values()];
    const results = await retryUntilDone('labels', retry, () => this.labels.apply(labels));
    if (results === null) return;
    for (const result of results) this.metrics.labels.inc({ result });
    // The online model learns from the same batch, after the counts: both are idempotent per
    // transaction, so a batch redone after a failure here changes nothing twice.
    if ((await retryUntilDone('online-labels', retry, () => this.learner.learnLabels(labels))) === null) return;
    const unresolved = results.filter((r) => r === 'unresolved').length;
    if (unresolved > 0) {
      const message = this.throttle.admit(
        'unresolved',
        `${String(unresolved)} labels name transactions with no stored decision and carry no cardId/merchantId/occurredAt; not counted`,
      );
      if (message !== null) this.logger.warn(message);
    }
    // In runs a produce request can carry (a burst of bad labels made one the broker refused for
    // ever); a retry goes on from the run that failed, so the runs before it are not sent twice.
    const runs = deadLetterRuns(dlq, DEAD_LETTER_BYTES_PER_REQUEST);
    let sent = 0;
    const sendRuns = async () => {
      for (; sent < runs.length; sent++) await this.producer.send({ topic: this.config.kafka.topics.dlq, messages: runs[sent] ?? [] });
    };
    if (runs.length > 0 && (await retryUntilDone('labels-dlq', retry, sendRuns)) === null) return;

    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    const committed = await retryUntilDone('labels-commit', retry, () =>
      this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]),
    );
    if (committed === null) return;
    payload.resolveOffset(batch.lastOffset());
    await payload.heartbeat();
  }
}
