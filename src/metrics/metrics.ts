import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CheckName } from '../decisions/decision.policy';
import type { DecisionSource } from '../decisions/decision.service';
import type { LabelResult } from '../labels/labels.service';
import type { ModelRole } from '../model/model.service';
import { DLQ_CODES } from '../stream/transaction-message';
import { decisionOutcomeSchema } from '../transactions/transaction.schema';

/**
 * Every metric the service exports, defined once. Labels are low-cardinality by rule:
 * never a card, merchant or transaction id.
 */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1];

/**
 * What one observation of a stage times. Every stage but parse has one unit wherever it runs;
 * parse times one request's body on HTTP and a fetched Kafka batch's messages in the consumer,
 * which says so.
 */
const STAGE_UNITS = {
  parse: 'transaction',
  claim: 'micro_batch',
  velocity: 'micro_batch',
  model: 'micro_batch',
  rules: 'micro_batch',
  decide: 'micro_batch',
  store: 'micro_batch',
  batch: 'micro_batch',
  commit: 'kafka_commit',
} as const;
export type Stage = keyof typeof STAGE_UNITS;
export type StageUnit = (typeof STAGE_UNITS)[Stage] | 'kafka_batch';

/** fraud_stage_duration_seconds with its unit label filled in from the stage, unless given. */
class StageSeconds {
  constructor(readonly histogram: Histogram<'stage' | 'unit'>) {}

  observe(labels: { readonly stage: Stage; readonly unit?: StageUnit }, seconds: number): void {
    this.histogram.observe({ stage: labels.stage, unit: labels.unit ?? STAGE_UNITS[labels.stage] }, seconds);
  }
}

const CHECKS = Object.keys({ velocity: true, rules: true, model: true } satisfies Record<CheckName, true>);
const CHECK_REASONS = ['timeout', 'error', 'state_lost'] as const;
const LABEL_RESULTS = Object.keys({ applied: true, unchanged: true, unresolved: true } satisfies Record<LabelResult, true>);

@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly stageSeconds = new StageSeconds(
    new Histogram({
      name: 'fraud_stage_duration_seconds',
      help: 'Time spent in each pipeline stage, by stage and unit (what one observation times). unit="micro_batch" (the transactions sent to Redis and the model together, on HTTP and Kafka alike): claim (the id claims), velocity, model, rules, decide (assembling the decisions), store (writing the decisions under their claims), batch (the whole micro-batch). parse: unit="transaction" on HTTP (one request body), unit="kafka_batch" in the consumer (one partition\'s fetched messages still to decide, poison and redeliveries included). commit: unit="kafka_commit" (one exactly-once transaction: decisions, dead letters, offsets, commit; it may carry several batches of a partition merged).',
      labelNames: ['stage', 'unit'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    }),
  );

  readonly decisionSeconds = new Histogram({
    name: 'fraud_decision_duration_seconds',
    help: 'Service time of one decision, from arrival to decision, by source.',
    labelNames: ['source'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly decisions = new Counter({
    name: 'fraud_decisions_total',
    help: 'Decisions made, by outcome and source; degraded=true when a check missed its deadline or failed.',
    labelNames: ['outcome', 'source', 'degraded'] as const,
    registers: [this.registry],
  });

  readonly ruleOutcomes = new Counter({
    name: 'fraud_rule_outcomes_total',
    help: 'Rule evaluations that hit or errored, by rule id.',
    labelNames: ['rule', 'status'] as const,
    registers: [this.registry],
  });

  readonly checkFailures = new Counter({
    name: 'fraud_check_failures_total',
    help: 'Checks that failed or missed their deadline, by check and reason (timeout|error|state_lost: skipped because Redis lost its state).',
    labelNames: ['check', 'reason'] as const,
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'fraud_rejected_input_total',
    help: 'Inputs rejected before decision, by source and stable error code.',
    labelNames: ['source', 'code'] as const,
    registers: [this.registry],
  });

  readonly idempotency = new Counter({
    name: 'fraud_idempotency_total',
    help: 'Transactions whose id was met again or whose idempotency record could not be kept, by outcome: replayed (the stored decision returned), joined (waited for the decision a concurrent request with the same id was making), conflict (the id was first decided on another payload: 409 or DLQ), in_progress (the holder had not decided when the budget ran out: 409), lost_race (another holder stored its decision first, which was returned), store_failed (the decision was answered but not stored).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly lateAnswers = new Counter({
    name: 'fraud_late_answers_total',
    help: "HTTP decisions answered after BUDGET_TOTAL_MS from the request's arrival (the budget is enforced, so these measure how far the event loop fell behind).",
    registers: [this.registry],
  });

  readonly stateLost = new Gauge({
    name: 'fraud_state_lost',
    help: '1 while this instance has found Redis without the state it was deciding on (restarted empty, flushed, failed over to an empty replica) and it has not been marked restored; decisions meanwhile count in fraud_check_failures_total{reason="state_lost"}.',
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: 'fraud_batch_size',
    help: 'Transactions per micro-batch sent to Redis and the model.',
    labelNames: ['source'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
    registers: [this.registry],
  });

  readonly labels = new Counter({
    name: 'fraud_labels_total',
    help: 'Fraud labels consumed, by result: applied, unchanged (a repeat) or unresolved (transaction unknown).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly modelScores = new Histogram({
    name: 'fraud_model_score',
    help: 'Fraud probabilities given by the live (primary) and challenger (shadow) models, and by the online model (role="online": its part, scoreParts.online, in shadow and live mode alike).',
    labelNames: ['role'] as const,
    buckets: [0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99],
    registers: [this.registry],
  });

  readonly modelInfo = new Gauge({
    name: 'fraud_model_info',
    help: 'The model version serving each role (value 1).',
    labelNames: ['role', 'version'] as const,
    registers: [this.registry],
  });

  readonly modelLoads = new Counter({
    name: 'fraud_model_loads_total',
    help: 'Model loads at start-up and hot reloads, by role and result (loaded, refused).',
    labelNames: ['role', 'result'] as const,
    registers: [this.registry],
  });

  readonly shadowOutcomes = new Counter({
    name: 'fraud_shadow_outcomes_total',
    help: 'Shadow evaluations by kind (model: the shadow model; rules: shadow rules; online: the online model in shadow mode) and whether the shadow outcome matched the live decision.',
    labelNames: ['kind', 'agrees'] as const,
    registers: [this.registry],
  });

  readonly rulesInfo = new Gauge({
    name: 'fraud_rules_info',
    help: 'The rule-set version this instance applies (role="active") or evaluates in shadow (role="shadow"), value 1: version is the document version, v the store number.',
    labelNames: ['role', 'version', 'v'] as const,
    registers: [this.registry],
  });

  readonly rulesChanges = new Counter({
    name: 'fraud_rules_changes_total',
    help: 'Times this instance switched its active or shadow rule set (start-up included), by role.',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });

  readonly shadowRuleHits = new Counter({
    name: 'fraud_shadow_rule_hits_total',
    help: 'Hits of rules evaluated in shadow (shadow-mode rules and the shadow version), by rule id and rule-set version; never applied to a decision.',
    labelNames: ['rule', 'version'] as const,
    registers: [this.registry],
  });

  readonly overrideHits = new Counter({
    name: 'fraud_override_hits_total',
    help: 'Decisions settled by a per-entity override, by entity (card, merchant, device) and action (allow, block).',
    labelNames: ['entity', 'action'] as const,
    registers: [this.registry],
  });

  readonly onlineUpdates = new Counter({
    name: 'fraud_online_updates_total',
    help: 'Changes written to the online model, by source (label: a fraud-labels batch; matured: decisions learnt as legitimate at maturity; admin: a rollback or reset) and whether the maxStep bound scaled the batch down (clipped).',
    labelNames: ['source', 'clipped'] as const,
    registers: [this.registry],
  });

  readonly onlineExamples = new Counter({
    name: 'fraud_online_examples_total',
    help: "Transactions the online model was taught about, by result: learnt (a first verdict or a correction), unchanged (a redelivery, or maturity after a label), no_row (its decision's row was not kept, or expired: skipped).",
    labelNames: ['source', 'result'] as const,
    registers: [this.registry],
  });

  readonly onlineVersion = new Gauge({
    name: 'fraud_online_model_version',
    help: 'The online model version this instance scores with (0: nothing learnt yet).',
    registers: [this.registry],
  });

  readonly onlineUpdatedAt = new Gauge({
    name: 'fraud_online_model_updated_timestamp_seconds',
    help: 'When the online model this instance scores with last changed (Unix seconds; 0 before the first change): its age is time() minus this.',
    registers: [this.registry],
  });

  readonly onlineWarm = new Gauge({
    name: 'fraud_online_model_warm',
    help: '1 once the online model has learnt ONLINE_WARMUP_LABELS examples of each class and its part counts in scores.',
    registers: [this.registry],
  });

  readonly labelDelaySeconds = new Histogram({
    name: 'fraud_label_delay_seconds',
    help: 'Time from a decision to its label, for labels whose decision row the online model kept.',
    buckets: [3600, 6 * 3600, 86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400, 45 * 86_400, 60 * 86_400, 90 * 86_400],
    registers: [this.registry],
  });

  private readinessSource: (() => Promise<Record<string, boolean>>) | null = null;

  readonly ready = new Gauge({
    name: 'fraud_ready',
    help: '1 while a readiness check passes, 0 while it fails, per check (what /health/ready answers, read at scrape time: redis, state, rules and, with the consumer on, kafka).',
    labelNames: ['check'] as const,
    registers: [this.registry],
    collect: async () => {
      const checks = (await this.readinessSource?.()) ?? {};
      for (const [check, ok] of Object.entries(checks)) this.ready.set({ check }, ok ? 1 : 0);
    },
  });

  readonly consumerLag = new Gauge({
    name: 'fraud_consumer_lag_messages',
    help: 'Messages between the last consumed offset and the high watermark, per partition.',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Zero series for every label value a path can produce, written when the path starts: a
    // rate or ratio over them then reads 0 instead of nothing before the first event, so the
    // alerts in ops/prometheus compare and divide without `or vector(0)` and cannot tell
    // "none yet" from "not scraped". The HTTP path and the checks run in every instance.
    this.zeroDecisions('http');
    this.rejected.inc({ source: 'http', code: 'OVERLOADED' }, 0);
    for (const check of CHECKS) for (const reason of CHECK_REASONS) this.checkFailures.inc({ check, reason }, 0);
  }

  /** Where fraud_ready reads the readiness checks from (the Readiness service, once it exists). */
  readReadinessFrom(source: () => Promise<Record<string, boolean>>): void {
    this.readinessSource = source;
  }

  /** The transactions consumer's series, once it runs. */
  zeroKafkaTransactions(): void {
    this.zeroDecisions('kafka');
    for (const code of DLQ_CODES) this.rejected.inc({ source: 'kafka', code }, 0);
  }

  /** The labels consumer's series, once it runs (a label id is never claimed, so never reused). */
  zeroLabels(): void {
    for (const result of LABEL_RESULTS) this.labels.inc({ result }, 0);
    for (const code of DLQ_CODES) if (code !== 'IDEMPOTENCY_CONFLICT') this.rejected.inc({ source: 'labels', code }, 0);
  }

  /** A configured model slot's loads, before its first attempt. */
  zeroModelLoads(role: ModelRole): void {
    for (const result of ['loaded', 'refused']) this.modelLoads.inc({ role, result }, 0);
  }

  private zeroDecisions(source: DecisionSource): void {
    for (const outcome of decisionOutcomeSchema.options) {
      for (const degraded of ['false', 'true']) this.decisions.inc({ outcome, source, degraded }, 0);
    }
  }
}
