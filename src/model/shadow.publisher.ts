import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Partitioners, type Producer } from 'kafkajs';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { decide, type PolicyInput } from '../decisions/decision.policy';
import { Metrics } from '../metrics/metrics';
import { LogThrottle } from '../shared/throttled-log';
import { kafkaClient } from '../stream/kafka.client';
import type { Decision } from '../transactions/transaction.schema';
import { ModelService } from './model.service';

export interface ShadowItem {
  readonly decision: Decision;
  /** The model input row; null when the features were unavailable. */
  readonly row: readonly number[] | null;
  /** What the live policy saw, so the shadow outcome differs only by the shadow's score. */
  readonly policyInput: PolicyInput;
}

/**
 * Scores live traffic with the challenger model after the live decisions are out, and reports
 * what it would have decided: to metrics, and to the shadow topic. Never on the critical path
 * and never into a decision; a failure here costs a log line, nothing else.
 */
@Injectable()
export class ShadowPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(ShadowPublisher.name);
  private readonly throttle = new LogThrottle();
  private producer: Promise<Producer> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ModelService,
    private readonly metrics: Metrics,
  ) {}

  /** Whether a shadow model is loaded, so callers collect items for it. */
  get active(): boolean {
    return this.models.current('shadow') !== null;
  }

  /** Fire and forget: returns at once; the work runs after the current event-loop turn. */
  observe(items: readonly ShadowItem[]): void {
    const shadow = this.models.current('shadow');
    if (shadow === null || items.length === 0) return;
    setImmediate(() => {
      this.evaluate(shadow.version, items, (rows) => shadow.score(rows)).catch((err: unknown) => {
        const message = this.throttle.admit('shadow', `shadow model scoring failed: ${err instanceof Error ? err.message : String(err)}`);
        if (message !== null) this.logger.warn(message);
      });
    });
  }

  private async evaluate(version: string, items: readonly ShadowItem[], score: (rows: readonly (readonly number[])[]) => Promise<number[]>): Promise<void> {
    const scored = items.filter((item): item is ShadowItem & { row: readonly number[] } => item.row !== null);
    const scores = await score(scored.map((item) => item.row));
    const messages = scored.map((item, i) => {
      const shadowScore = scores[i] ?? null;
      const outcome = decide({ ...item.policyInput, score: shadowScore }, this.config.policy);
      const agrees = outcome.decision === item.decision.decision;
      if (shadowScore !== null) this.metrics.modelScores.observe({ role: 'shadow' }, shadowScore);
      this.metrics.shadowDisagreements.inc({ kind: 'model', agrees: String(agrees) });
      const record = {
        kind: 'model',
        transactionId: item.decision.transactionId,
        shadowModelVersion: version,
        shadowScore,
        shadowDecision: outcome.decision,
        liveModelVersion: item.decision.modelVersion,
        liveScore: item.decision.score,
        liveDecision: item.decision.decision,
        evaluatedAt: new Date().toISOString(),
      };
      return { key: item.decision.transactionId, value: JSON.stringify(record) };
    });
    if (messages.length === 0) return;
    const producer = await this.connect();
    await producer.send({ topic: this.config.kafka.topics.shadow, messages });
  }

  private connect(): Promise<Producer> {
    if (this.producer === null) {
      const producer = kafkaClient(this.config.kafka).producer({ createPartitioner: Partitioners.DefaultPartitioner });
      this.producer = producer.connect().then(() => producer);
      this.producer.catch(() => {
        this.producer = null;
      });
    }
    return this.producer;
  }

  async onApplicationShutdown(): Promise<void> {
    const producer = await this.producer?.catch(() => null);
    await producer?.disconnect();
  }
}
