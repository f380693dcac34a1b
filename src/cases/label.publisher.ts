import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Producer } from 'kafkajs';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { kafkaClient } from '../stream/kafka.client';
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
  private producer: Promise<Producer> | null = null;
  private closed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async send(label: FraudLabel): Promise<void> {
    if (this.closed) throw new Error('shutting down');
    const producer = await this.connect();
    await producer.send({ topic: this.config.kafka.topics.labels, acks: -1, messages: [{ key: label.transactionId, value: JSON.stringify(label) }] });
  }

  private connect(): Promise<Producer> {
    if (this.producer === null) {
      const producer = kafkaClient(this.config.kafka).producer({ createPartitioner: KeyPartitioner, idempotent: true, maxInFlightRequests: 1 });
      this.producer = producer.connect().then(() => producer);
      this.producer.catch(() => {
        this.producer = null;
      });
    }
    return this.producer;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const producer = await this.producer?.catch(() => null);
    await producer?.disconnect();
  }
}
