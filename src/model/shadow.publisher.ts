import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Message } from 'kafkajs';
import { KeyPartitioner } from '../stream/partitioner';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { decide, type PolicyInput } from '../decisions/decision.policy';
import { Metrics } from '../metrics/metrics';
import type { RulesSnapshot } from '../rules/rules.service';
import { evaluateShadowRules } from '../rules/shadow-rules';
import { LogThrottle } from '../shared/throttled-log';
import { lazyProducer } from '../stream/kafka.client';
import type { Decision, Transaction } from '../transactions/transaction.schema';
import type { Features } from '../velocity/features';
import { ModelService } from './model.service';
import type { OnnxScorer } from './onnx-scorer';

export interface ShadowItem {
  readonly decision: Decision;
  readonly tx: Transaction;
  /** The velocity features; null when they were unavailable. */
  readonly features: Features | null;
  /** The model input row; null when the features were unavailable. */
  readonly row: readonly number[] | null;
  /** What the live policy saw, so the shadow outcome differs only by the shadow's score. */
  readonly policyInput: PolicyInput;
  /** With ONLINE_MODEL=shadow: the score the online combination would have decided with, and its version. */
  readonly online?: { readonly combined: number | null; readonly version: number } | undefined;
}

/**
 * Runs the challengers on live traffic after the live decisions are out: the shadow model,
 * the active version's shadow-mode rules and the shadow rules version. What each would have
 * decided goes to metrics and to the shadow topic (`kind` says which). Never on the critical
 * path and never into a decision; a failure here costs a log line, nothing else.
 */
@Injectable()
export class ShadowPublisher implements OnApplicationShutdown {
  private readonly logger = new Logger(ShadowPublisher.name);
  private readonly throttle = new LogThrottle();
  private readonly producer: ReturnType<typeof lazyProducer>;
  /** Set at shutdown: work queued by the last batches must not open a producer nobody closes. */
  private closed = false;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly models: ModelService,
    private readonly metrics: Metrics,
  ) {
    this.producer = lazyProducer(config.kafka, { createPartitioner: KeyPartitioner });
  }

  /** Whether a shadow model is loaded, so callers collect items for it. */
  get active(): boolean {
    return this.models.current('shadow') !== null;
  }

  /**
   * Fire and forget: returns at once; the work runs after the current event-loop turn.
   * `rules` is the snapshot the batch was decided with, so its shadow matches its live version.
   */
  observe(items: readonly ShadowItem[], rules: RulesSnapshot): void {
    if (items.length === 0 || this.closed) return;
    const shadow = this.models.current('shadow');
    setImmediate(() => {
      if (rules.shadowing) {
        this.send(this.evaluateRules(items, rules)).catch((err: unknown) => {
          this.warn('shadow-rules', `shadow rules failed: ${err instanceof Error ? err.message : String(err)}`);
        });
      }
      const online = this.evaluateOnline(items);
      if (online.length > 0) {
        this.send(online).catch((err: unknown) => {
          this.warn('shadow-online', `online shadow results failed: ${err instanceof Error ? err.message : String(err)}`);
        });
      }
      if (shadow !== null) {
        this.evaluate(shadow, items)
          .then((messages) => this.send(messages))
          .catch((err: unknown) => {
            this.warn('shadow', `shadow model scoring failed: ${err instanceof Error ? err.message : String(err)}`);
          });
      }
    });
  }

  private warn(key: string, message: string): void {
    const admitted = this.throttle.admit(key, message);
    if (admitted !== null) this.logger.warn(admitted);
  }

  private evaluateRules(items: readonly ShadowItem[], rules: RulesSnapshot): Message[] {
    const evaluatedAt = new Date().toISOString();
    const messages: Message[] = [];
    for (const item of items) {
      for (const { record, hits } of evaluateShadowRules(rules, item, this.config.policy)) {
        for (const hit of hits) this.metrics.shadowRuleHits.inc({ rule: hit.ruleId, version: record.shadowRulesVersion });
        this.metrics.shadowOutcomes.inc({ kind: 'rules', agrees: String(record.shadowDecision === record.liveDecision) });
        messages.push({ key: record.transactionId, value: JSON.stringify({ ...record, evaluatedAt }) });
      }
    }
    return messages;
  }

  /** What the online combination would have decided, beside what was decided (kind `online`). */
  private evaluateOnline(items: readonly ShadowItem[]): Message[] {
    const evaluatedAt = new Date().toISOString();
    return items.flatMap((item) => {
      if (item.online === undefined) return [];
      const outcome = decide({ ...item.policyInput, score: item.online.combined }, this.config.policy);
      this.metrics.shadowOutcomes.inc({ kind: 'online', agrees: String(outcome.decision === item.decision.decision) });
      const record = {
        kind: 'online',
        transactionId: item.decision.transactionId,
        onlineModelVersion: item.online.version,
        onlineScore: item.online.combined,
        onlineDecision: outcome.decision,
        liveScore: item.decision.score,
        liveDecision: item.decision.decision,
        evaluatedAt,
      };
      return [{ key: item.decision.transactionId, value: JSON.stringify(record) }];
    });
  }

  private send(messages: Message[]): Promise<void> {
    if (messages.length === 0 || this.closed) return Promise.resolve();
    const run = (async () => {
      const producer = await this.producer.get();
      await producer.send({ topic: this.config.kafka.topics.shadow, messages });
    })();
    this.sending.add(run);
    run
      .finally(() => {
        this.sending.delete(run);
      })
      .catch(() => undefined);
    return run;
  }

  /** The shadow scores the items the live model scored, on rows of its own features. */
  private async evaluate(shadow: OnnxScorer, items: readonly ShadowItem[]): Promise<Message[]> {
    const version = shadow.version;
    const scored = items.filter((item): item is ShadowItem & { features: Features } => item.row !== null && item.features !== null);
    const scores = await shadow.score(scored.map((item) => shadow.rowOf(item.tx, item.features)));
    const messages = scored.map((item, i) => {
      const shadowScore = scores[i] ?? null;
      const outcome = decide({ ...item.policyInput, score: shadowScore }, this.config.policy);
      const agrees = outcome.decision === item.decision.decision;
      if (shadowScore !== null) this.metrics.modelScores.observe({ role: 'shadow' }, shadowScore);
      this.metrics.shadowOutcomes.inc({ kind: 'model', agrees: String(agrees) });
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
    return messages;
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    // Sends already under way finish (or fail) first, for up to SHUTDOWN_GRACE_MS: one still
    // connecting when the producer was disconnected sent on it anyway, after the process (a
    // test file) was done with kafkajs.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.sending]), new Promise((resolve) => (timer = setTimeout(resolve, this.config.shutdownGraceMs)))]);
    clearTimeout(timer);
    await this.producer.close();
  }
}
