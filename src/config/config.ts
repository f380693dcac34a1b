import type { z } from 'zod';
import { ENV_VARS, type EnvVarName } from './config.schema';

type Raw = { [K in EnvVarName]: z.output<(typeof ENV_VARS)[K]['schema']> };

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object') deepFreeze(child as object);
  }
  return Object.freeze(value);
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

function toNested(raw: Raw) {
  return {
    env: raw.NODE_ENV,
    log: { level: raw.LOG_LEVEL },
    http: {
      host: raw.HOST,
      port: raw.PORT,
      bodyLimitBytes: raw.HTTP_BODY_LIMIT_BYTES,
      maxInFlight: raw.HTTP_MAX_IN_FLIGHT,
      shedLoopDelayMs: raw.HTTP_SHED_LOOP_DELAY_MS,
    },
    kafka: {
      brokers: raw.KAFKA_BROKERS,
      clientId: raw.KAFKA_CLIENT_ID,
      groupId: raw.KAFKA_GROUP_ID,
      consumerEnabled: raw.KAFKA_CONSUMER_ENABLED,
      concurrentPartitions: raw.KAFKA_CONCURRENT_PARTITIONS,
      maxMessageBytes: raw.KAFKA_MAX_MESSAGE_BYTES,
      microBatch: raw.KAFKA_MICRO_BATCH,
      fetchBytesPerPartition: raw.KAFKA_FETCH_BYTES_PER_PARTITION,
      processing: raw.KAFKA_PROCESSING,
      batchDeadlineMs: raw.KAFKA_BATCH_DEADLINE_MS,
      transactionTimeoutMs: raw.KAFKA_TRANSACTION_TIMEOUT_MS,
      sessionTimeoutMs: raw.KAFKA_SESSION_TIMEOUT_MS,
      topics: {
        transactions: raw.TOPIC_TRANSACTIONS,
        decisions: raw.TOPIC_DECISIONS,
        reviewQueue: raw.TOPIC_REVIEW_QUEUE,
        labels: raw.TOPIC_LABELS,
        dlq: raw.TOPIC_DLQ,
        shadow: raw.TOPIC_SHADOW,
      },
    },
    redis: {
      url: raw.REDIS_URL,
      clusterNodes: raw.REDIS_CLUSTER_NODES,
      waitReplicas: raw.REDIS_WAIT_REPLICAS,
      waitTimeoutMs: raw.REDIS_WAIT_TIMEOUT_MS,
      decisionTtlSeconds: raw.DECISION_TTL_SECONDS,
      idempotencyLeaseMs: raw.IDEMPOTENCY_LEASE_MS,
    },
    features: { labelDelayDays: raw.LABEL_DELAY_DAYS },
    model: {
      path: raw.MODEL_PATH,
      shadowPath: raw.MODEL_SHADOW_PATH,
      reloadIntervalMs: raw.MODEL_RELOAD_INTERVAL_MS,
      maxRowsPerRun: raw.MODEL_MAX_ROWS_PER_RUN,
      intraOpThreads: raw.MODEL_INTRA_OP_THREADS,
    },
    online: {
      mode: raw.ONLINE_MODEL,
      combination: raw.ONLINE_COMBINATION,
      weight: raw.ONLINE_MODEL_WEIGHT,
      sampleRate: raw.ONLINE_ROW_SAMPLE_RATE,
      rowTtlDays: raw.ONLINE_ROW_TTL_DAYS,
      maturityDays: raw.ONLINE_MATURITY_DAYS,
      warmupLabels: raw.ONLINE_WARMUP_LABELS,
      maxStep: raw.ONLINE_MAX_STEP,
      pollIntervalMs: raw.ONLINE_POLL_INTERVAL_MS,
      matureIntervalMs: raw.ONLINE_MATURE_INTERVAL_MS,
      snapshotEvery: raw.ONLINE_SNAPSHOT_EVERY,
      snapshotsKept: raw.ONLINE_SNAPSHOTS_KEPT,
    },
    rules: { path: raw.RULES_PATH, keyPrefix: raw.RULES_KEY_PREFIX, pollIntervalMs: raw.RULES_POLL_INTERVAL_MS },
    auth: { adminKeys: raw.ADMIN_API_KEYS, scoringKeys: raw.SCORING_API_KEYS, reviewKeys: raw.REVIEW_API_KEYS },
    cases: {
      retentionDays: raw.CASE_RETENTION_DAYS,
      claimSeconds: raw.CASE_CLAIM_SECONDS,
      consoleEnabled: raw.CONSOLE_ENABLED,
      sessionHours: raw.CONSOLE_SESSION_HOURS,
      cardHistorySize: raw.CARD_HISTORY_SIZE,
      cardHistoryDays: raw.CARD_HISTORY_DAYS,
    },
    budget: {
      totalMs: raw.BUDGET_TOTAL_MS,
      velocityMs: raw.BUDGET_VELOCITY_MS,
      rulesMs: raw.BUDGET_RULES_MS,
      modelMs: raw.BUDGET_MODEL_MS,
    },
    policy: { denyThreshold: raw.DENY_THRESHOLD, reviewThreshold: raw.REVIEW_THRESHOLD, failMode: raw.FAIL_MODE },
    shutdownGraceMs: raw.SHUTDOWN_GRACE_MS,
  };
}

export type AppConfig = Readonly<ReturnType<typeof toNested>>;

/**
 * Parses the environment once. Every bad variable is named in one error so an operator
 * fixes them all in one go rather than one restart per typo. Empty strings count as unset.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): AppConfig {
  const problems: string[] = [];
  const raw: Partial<Record<EnvVarName, unknown>> = {};
  for (const name of Object.keys(ENV_VARS) as EnvVarName[]) {
    const spec = ENV_VARS[name];
    const given = env[name];
    const input = given === undefined || given === '' ? spec.default : given;
    const result = spec.schema.safeParse(input);
    if (result.success) raw[name] = result.data;
    else problems.push(`${name}=${spec.secret ? '(redacted)' : JSON.stringify(input)}: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (raw.REVIEW_THRESHOLD !== undefined && raw.DENY_THRESHOLD !== undefined && Number(raw.REVIEW_THRESHOLD) > Number(raw.DENY_THRESHOLD)) {
    problems.push('REVIEW_THRESHOLD must not be above DENY_THRESHOLD');
  }
  const budget = ['BUDGET_VELOCITY_MS', 'BUDGET_RULES_MS', 'BUDGET_MODEL_MS'] as const;
  for (const name of budget) {
    if (raw[name] !== undefined && raw.BUDGET_TOTAL_MS !== undefined && Number(raw[name]) > Number(raw.BUDGET_TOTAL_MS)) {
      problems.push(`${name} must not exceed BUDGET_TOTAL_MS`);
    }
  }
  if (raw.IDEMPOTENCY_LEASE_MS !== undefined && raw.BUDGET_TOTAL_MS !== undefined && Number(raw.IDEMPOTENCY_LEASE_MS) < Number(raw.BUDGET_TOTAL_MS)) {
    // A claim that expires before its holder's answer is due would let a retry decide again.
    problems.push('IDEMPOTENCY_LEASE_MS must not be below BUDGET_TOTAL_MS');
  }
  if (raw.ONLINE_MATURITY_DAYS !== undefined && raw.ONLINE_ROW_TTL_DAYS !== undefined && Number(raw.ONLINE_MATURITY_DAYS) >= Number(raw.ONLINE_ROW_TTL_DAYS)) {
    // A row gone before it matures is never learnt as legitimate: the model would learn frauds alone.
    problems.push('ONLINE_MATURITY_DAYS must be below ONLINE_ROW_TTL_DAYS');
  }
  if (
    Array.isArray(raw.ADMIN_API_KEYS) &&
    Array.isArray(raw.SCORING_API_KEYS) &&
    raw.ADMIN_API_KEYS.some((key) => (raw.SCORING_API_KEYS as unknown[]).includes(key))
  ) {
    // A key in both lists has no single scope; refusing it keeps "which key may do what" obvious.
    problems.push('a key appears in both ADMIN_API_KEYS and SCORING_API_KEYS');
  }
  if (Array.isArray(raw.REVIEW_API_KEYS)) {
    const review = raw.REVIEW_API_KEYS as { name: string; key: string }[];
    const listed = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);
    const others = [...listed(raw.ADMIN_API_KEYS), ...listed(raw.SCORING_API_KEYS)];
    if (review.some(({ key }) => others.includes(key))) problems.push('a key appears in both REVIEW_API_KEYS and ADMIN_API_KEYS or SCORING_API_KEYS');
    const keys = review.map(({ key }) => key);
    // Two analysts with one key could not be told apart; one name with two keys is one analyst on two devices.
    if (new Set(keys).size < keys.length) problems.push('a key appears twice in REVIEW_API_KEYS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(toNested(raw as Raw));
}

export const APP_CONFIG = Symbol('APP_CONFIG');
