import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Metrics } from '../metrics/metrics';
import { featureVector } from '../model/feature-vector';
import { ModelService } from '../model/model.service';
import { ShadowPublisher, type ShadowItem } from '../model/shadow.publisher';
import { RedisClient } from '../redis/redis.client';
import { OverrideStore } from '../rules/override.store';
import type { Override } from '../rules/overrides';
import { evaluateRules, type RulesResult } from '../rules/rules';
import { RulesService } from '../rules/rules.service';
import { DeadlineExceeded, withDeadline } from '../shared/deadline';
import { LogThrottle } from '../shared/throttled-log';
import type { Decision, Transaction } from '../transactions/transaction.schema';
import { VelocityStore, type VelocityResult } from '../velocity/velocity.store';
import { decide, type CheckFailure, type CheckName } from './decision.policy';
import { DecisionStore, type Origin, type StoredDecision } from './decision.store';

export type DecisionSource = 'http' | 'kafka';

/**
 * `interactive` (HTTP): a caller waits, so every check has its deadline inside the total budget
 * and whatever misses it makes a degraded decision. `stream` (Kafka): the message already waited
 * in the topic and the consumer can retry, so the batch as a whole has one deadline
 * (KAFKA_BATCH_DEADLINE_MS) and a timeout or Redis error fails it, to be retried, instead of
 * writing degraded decisions that a healthy Redis would have decided otherwise.
 */
export type DecisionMode = 'interactive' | 'stream';

export interface BatchItem {
  readonly tx: Transaction;
  /** performance.now() when the transaction arrived; latencyMs is measured from here. */
  readonly receivedAt: number;
  /** The Kafka message it came from; null for HTTP. */
  readonly origin: Origin;
}

export interface Decided {
  readonly decision: Decision;
  /** Set when this transaction id already had a decision, which is returned unchanged. */
  readonly previous: StoredDecision | null;
}

interface Lookup {
  readonly stored: (StoredDecision | null)[];
  readonly velocity: (VelocityResult | null)[];
  /** Per item, the overrides that apply to it now. */
  readonly overrides: Override[][];
}

interface Scored {
  readonly version: string;
  /** Per item: the model input row and its score; null where the features were unavailable. */
  readonly rows: (number[] | null)[];
  readonly scores: (number | null)[];
}

const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;

/**
 * The decision pipeline for a micro-batch: one Redis round trip reads every stored decision
 * and runs every velocity script; the rules and the model run on the features as soon as
 * they arrive, each under its own deadline; the policy turns what came back in time into
 * decisions. Nothing here waits past the total budget.
 */
@Injectable()
export class DecisionService {
  private readonly logger = new Logger(DecisionService.name);
  private readonly throttle = new LogThrottle();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly redis: RedisClient,
    private readonly velocity: VelocityStore,
    private readonly store: DecisionStore,
    private readonly rules: RulesService,
    private readonly overrides: OverrideStore,
    private readonly models: ModelService,
    private readonly shadow: ShadowPublisher,
    private readonly metrics: Metrics,
  ) {
    VelocityStore.install(redis.redis);
  }

  async decideBatch(items: readonly BatchItem[], source: DecisionSource, mode: DecisionMode = 'interactive'): Promise<Decided[]> {
    const started = performance.now();
    const stream = mode === 'stream';
    const { budget } = this.config;
    const deadlines = stream
      ? { velocityMs: this.config.kafka.batchDeadlineMs, rulesMs: this.config.kafka.batchDeadlineMs, modelMs: this.config.kafka.batchDeadlineMs }
      : { velocityMs: budget.velocityMs, rulesMs: budget.rulesMs, modelMs: budget.modelMs };
    this.metrics.batchSize.observe({ source }, items.length);
    // Once per batch: a rules switch mid-batch would decide one batch under two versions.
    const rules = this.rules.snapshot();
    const ruleSet = rules.active.ruleSet;

    const failures: CheckFailure[] = [];
    const fail = (check: CheckName, err: unknown) => {
      const reason = err instanceof DeadlineExceeded ? 'timeout' : 'error';
      failures.push({ check, reason });
      this.metrics.checkFailures.inc({ check, reason });
      if (reason === 'error') this.warn(check, `${check} check failed: ${err instanceof Error ? err.message : String(err)}`);
    };

    let lookupFailed = false;
    const lookup = withDeadline(this.lookup(items), deadlines.velocityMs).catch((err: unknown) => {
      if (stream) {
        lookupFailed = true;
        throw err;
      }
      fail('velocity', err);
      return null;
    });
    const rulesCheck = withDeadline(
      lookup.then((found) => {
        const t0 = performance.now();
        const results = items.map((item, i) => evaluateRules(ruleSet, item.tx, found?.velocity[i]?.features ?? null));
        this.metrics.stageSeconds.observe({ stage: 'rules' }, seconds(t0));
        return results;
      }),
      deadlines.rulesMs,
    ).catch((err: unknown) => {
      // In stream mode a failed lookup fails the batch; that is not a rules failure.
      if (!lookupFailed) fail('rules', err);
      return null;
    });

    // The model is the third check: it starts as soon as the features arrive, beside the rules.
    // A model failure degrades the decision in both modes: unlike a Redis blip, retrying a
    // broken model would only stall the stream.
    const modelCheck = this.models.enabled
      ? withDeadline(
          lookup.then((found) => this.score(items, found)),
          deadlines.modelMs,
        ).catch((err: unknown) => {
          if (!lookupFailed) fail('model', err);
          return null;
        })
      : Promise.resolve(null);

    const [found, ruleResults, scored] = await Promise.all([lookup, rulesCheck, modelCheck]);
    const velocityErrors = found?.velocity.filter((v) => v === null).length ?? 0;
    if (velocityErrors > 0 && stream) throw new Error(`${velocityErrors} velocity scripts failed`);
    if (velocityErrors > 0) this.metrics.checkFailures.inc({ check: 'velocity', reason: 'error' }, velocityErrors);

    const t0 = performance.now();
    const fresh: StoredDecision[] = [];
    // Only collected while a shadow model or shadow rules exist: the hot path pays nothing for it otherwise.
    const shadowItems: ShadowItem[] | null = this.shadow.active || rules.shadowing ? [] : null;
    const decisions = items.map((item, i): Decided => {
      const stored = found?.stored[i];
      if (stored) return { decision: stored.decision, previous: stored };
      const velocityFailed = found !== null && found.velocity[i] === null;
      const itemFailures: CheckFailure[] = velocityFailed ? [...failures, { check: 'velocity', reason: 'error' }] : failures;
      const rulesResult: RulesResult | null = ruleResults?.[i] ?? null;
      const score = scored?.scores[i] ?? null;
      const overrides = found?.overrides[i] ?? [];
      const policyInput = { rules: rulesResult, score, failures: itemFailures, overrides };
      const policy = decide(policyInput, this.config.policy);
      const decision: Decision = {
        transactionId: item.tx.transactionId,
        decision: policy.decision,
        score: score === null ? null : Math.round(score * 1e6) / 1e6,
        reasons: policy.reasons,
        ruleHits: policy.ruleHits,
        modelVersion: score === null ? null : (scored?.version ?? null),
        rulesVersion: ruleSet.version,
        degraded: policy.degraded,
        latencyMs: Math.round((performance.now() - item.receivedAt) * 1000) / 1000,
        decidedAt: new Date().toISOString(),
      };
      fresh.push({ decision, origin: item.origin, subject: { cardId: item.tx.cardId, merchantId: item.tx.merchantId, occurredAt: item.tx.occurredAt } });
      shadowItems?.push({ decision, tx: item.tx, features: found?.velocity[i]?.features ?? null, row: scored?.rows[i] ?? null, policyInput });
      if (overrides.length > 0) {
        // The policy lets a block win; count the override that settled the decision.
        const settled = overrides.find((o) => o.action === 'block') ?? overrides[0];
        if (settled) this.metrics.overrideHits.inc({ entity: settled.entity, action: settled.action });
      }
      if (score !== null) this.metrics.modelScores.observe({ role: 'primary' }, score);
      for (const outcome of rulesResult?.outcomes ?? []) {
        if (outcome.status !== 'pass') this.metrics.ruleOutcomes.inc({ rule: outcome.ruleId, status: outcome.status });
      }
      this.metrics.decisions.inc({ outcome: decision.decision, source, degraded: String(decision.degraded) });
      this.metrics.decisionSeconds.observe({ source }, decision.latencyMs / 1000);
      return { decision, previous: null };
    });
    this.metrics.stageSeconds.observe({ stage: 'decide' }, seconds(t0));

    // Stored after answering: the caller never waits on this write, and a failure only
    // costs the idempotency record, which the velocity scripts back up for 48 h.
    this.store.saveAll(fresh).catch((err: unknown) => {
      this.warn('store', `storing ${fresh.length} decisions failed: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (shadowItems !== null) this.shadow.observe(shadowItems, rules);
    this.metrics.stageSeconds.observe({ stage: 'batch' }, seconds(started));
    return decisions;
  }

  private warn(key: string, message: string): void {
    const admitted = this.throttle.admit(key, message);
    if (admitted !== null) this.logger.warn(admitted);
  }

  /** One model call for the batch (split into runs by the scorer), on the model current at its start. */
  private async score(items: readonly BatchItem[], found: Lookup | null): Promise<Scored> {
    const model = this.models.current();
    if (model === null) throw new Error('no model is loaded');
    const t0 = performance.now();
    const rows = items.map((item, i) => {
      const features = found?.velocity[i]?.features;
      return features ? featureVector(item.tx, features) : null;
    });
    const present = rows.filter((row): row is number[] => row !== null);
    const scores = await model.score(present);
    let next = 0;
    const byItem = rows.map((row) => (row === null ? null : (scores[next++] ?? null)));
    this.metrics.stageSeconds.observe({ stage: 'model' }, seconds(t0));
    return { version: model.version, rows, scores: byItem };
  }

  /**
   * One pipelined round trip: per transaction, its stored decision, its two velocity scripts
   * and one override MGET per entity (card, merchant, device).
   */
  private async lookup(items: readonly BatchItem[]): Promise<Lookup> {
    const t0 = performance.now();
    const pipeline = this.redis.redis.pipeline();
    const overrideReplies: number[] = [];
    for (const { tx } of items) {
      this.store.queueGet(pipeline, tx.transactionId);
      this.velocity.queue(pipeline, tx);
      overrideReplies.push(this.overrides.queue(pipeline, tx));
    }
    const replies = await pipeline.exec();
    if (replies === null) throw new Error('redis pipeline was discarded');
    const now = Date.now();
    const per = 1 + VelocityStore.repliesPerTransaction;
    const stored: (StoredDecision | null)[] = [];
    const velocity: (VelocityResult | null)[] = [];
    const overrides: Override[][] = [];
    let offset = 0;
    items.forEach(({ tx }, i) => {
      const own = replies.slice(offset, offset + per + (overrideReplies[i] ?? 0));
      offset += own.length;
      const found = this.overrides.parse(own.slice(per).map(([err, value]) => (err === null ? value : null)), now);
      if (found.invalid > 0) this.warn('override-reply', `${String(found.invalid)} stored overrides did not parse and were ignored`);
      overrides.push(found.overrides);
      const [getReply, cardReply, merchantReply] = own;
      stored.push(getReply?.[0] === null ? this.store.parse(getReply[1]) : null);
      if (!cardReply || !merchantReply || cardReply[0] !== null || merchantReply[0] !== null) {
        this.warn('velocity-script', `velocity script failed: ${String(cardReply?.[0] ?? merchantReply?.[0])}`);
        velocity.push(null);
        return;
      }
      try {
        velocity.push(this.velocity.parse(tx, cardReply[1], merchantReply[1]));
      } catch (err) {
        this.warn('velocity-reply', `velocity reply did not parse: ${err instanceof Error ? err.message : String(err)}`);
        velocity.push(null);
      }
    });
    this.metrics.stageSeconds.observe({ stage: 'velocity' }, seconds(t0));
    return { stored, velocity, overrides };
  }
}
