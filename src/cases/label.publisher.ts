import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { lazyProducer } from '../stream/kafka.client';
import { KeyPartitioner } from '../stream/partitioner';
import type { FraudLabel } from '../transactions/transaction.schema';

/**
 * Sends analysts' verdicts to `fraud-labels` as labels (key = transactionId, like every label),
 * where the labels consumer turns them into the card's and merchant's fraud counts and the
 * online model learns from them, exactly as from the chargeback feed. Idempotent producer, all
 * replicas acknowledging: a verdict the caller was told is sent is on the topic.
 */
@Injectable()
export class LabelPublisher implements OnApplicationShutdown {
  private readonly producer: ReturnType<typeof lazyProducer>;
  private closed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.producer = lazyProducer(config.kafka, { createPartitioner: KeyPartitioner, idempotent: true, maxInFlightRequests: 1 });
  }

  async send(label: FraudLabel): Promise<void> {
    if (this.closed) throw new Error('shutting down');
    const producer = await this.producer.get();
    await producer.send({ topic: this.config.kafka.topics.labels, acks: -1, messages: [{ key: label.transactionId, value: JSON.stringify(label) }] });
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.producer.close();
  }
}
