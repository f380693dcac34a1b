import { z } from 'zod';

/**
 * Every environment variable the service reads, with its default and meaning. This table is
 * the only place that names them: the parser, the README's config table (checked by a test)
 * and the stack scripts all derive from it.
 */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const ratio = z.coerce.number().min(0).max(1);
// Comma-separated entries, trimmed, empty ones dropped.
const entries = z.string().transform((s) =>
  s
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);
const list = entries.pipe(z.array(z.string().min(1)).min(1));
const bool = z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1');
const topic = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a Kafka topic name');
// API keys: an empty list is allowed (admin then refuses everything, scoring stays open).
// 16 characters is a floor against guessable keys, not a recommendation: use 32+ random bytes.
const apiKeys = entries.pipe(z.array(z.string().min(16, 'each key must be at least 16 characters')));

// Analysts' keys: `name:key`, the name being who they are in labels and audit logs.
const namedKeys = entries.pipe(
  z.array(
    z
      .string()
      .regex(
        /^[A-Za-z0-9._-]{1,64}:.{16,}$/,
        'each entry must be name:key, the name 1-64 letters, digits, dots, dashes or underscores and the key at least 16 characters',
      )
      .transform((entry) => ({ name: entry.slice(0, entry.indexOf(':')), key: entry.slice(entry.indexOf(':') + 1) })),
  ),
);

interface VarSpec<S extends z.ZodType> {
  readonly schema: S;
  readonly default: string;
  readonly doc: string;
  /** Its value is never echoed, not even in a configuration error. */
  readonly secret: boolean;
}
const v = <S extends z.ZodType>(schema: S, def: string, doc: string): VarSpec<S> => ({ schema, default: def, doc, secret: false });
const secret = <S extends z.ZodType>(schema: S, def: string, doc: string): VarSpec<S> => ({ schema, default: def, doc, secret: true });

export const ENV_VARS = {
  NODE_ENV: v(z.enum(['development', 'production', 'test']), 'development', 'Runtime environment.'),
  LOG_LEVEL: v(z.enum(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']), 'log', 'Lowest log level written (JSON lines on stdout).'),
  HOST: v(z.string().min(1), '0.0.0.0', 'HTTP listen address.'),
  PORT: v(int(0, 65535), '8080', 'HTTP listen port.'),
  HTTP_BODY_LIMIT_BYTES: v(int(256, 1_048_576), '16384', 'Largest accepted HTTP request body; larger bodies get 413.'),
  HTTP_MAX_IN_FLIGHT: v(
    int(1, 1_000_000),
    '512',
    'Most `POST /v1/decisions` requests admitted and not yet answered; past it a request is shed at once with 503 `OVERLOADED` and `Retry-After`, instead of queueing behind work that would miss its budget.',
  ),
  HTTP_SHED_LOOP_DELAY_MS: v(
    int(0, 60_000),
    '0',
    'While the event loop runs this many ms behind (the largest delay over the last 50 ms), a new `POST /v1/decisions` is shed with 503 `OVERLOADED` and `Retry-After` as it arrives, before its body is read: a saturated process then answers the requests it took in time instead of all of them late. 0: never (the default for now; 20 is what the bench measured, see load-tests/README.md).',
  ),
  KAFKA_BROKERS: v(list, '127.0.0.1:9092', 'Comma-separated Kafka bootstrap servers.'),
  KAFKA_CLIENT_ID: v(z.string().min(1), 'fraud-detection', 'Kafka client id (appears in broker logs and quotas).'),
  KAFKA_GROUP_ID: v(z.string().min(1), 'fraud-detection', 'Consumer group of the `transactions` consumer; instances sharing it split the partitions.'),
  KAFKA_CONSUMER_ENABLED: v(bool, 'true', 'Consume `transactions` from Kafka. `false` runs the HTTP endpoint only.'),
  KAFKA_CONCURRENT_PARTITIONS: v(
    int(1, 1000),
    '6',
    'Partitions whose batches are decided and committed at the same time, each with its own transactional producer. Bounds in-flight work together with KAFKA_MICRO_BATCH and the fetch size.',
  ),
  KAFKA_MAX_MESSAGE_BYTES: v(int(1024, 10_485_760), '65536', 'Largest accepted transaction message; larger ones go to the DLQ.'),
  KAFKA_FETCH_BYTES_PER_PARTITION: v(
    int(65_536, 104_857_600),
    '1048576',
    'Most bytes fetched per partition in one fetch: bounds a Kafka batch, and with KAFKA_CONCURRENT_PARTITIONS the transactions in flight (memory).',
  ),
  KAFKA_MICRO_BATCH: v(int(1, 10_000), '200', 'Most transactions per micro-batch (one Redis round trip, one model call) on the Kafka path.'),
  KAFKA_PROCESSING: v(
    z.enum(['batch', 'per-message']),
    'batch',
    "`batch`: micro-batches, one Redis round trip, one model call and one Kafka transaction per batch. `per-message`: kafkajs `eachMessage`, each of those per transaction, as most examples do; only for the benchmark's baseline.",
  ),
  KAFKA_BATCH_DEADLINE_MS: v(
    int(100, 600_000),
    '5000',
    'Deadline of one micro-batch on the Kafka path. A batch that misses it (or hits a Redis error) is retried whole, with backoff, never decided degraded.',
  ),
  KAFKA_TRANSACTION_TIMEOUT_MS: v(
    int(1000, 900_000),
    '30000',
    "Kafka transaction timeout: how long a crashed instance's open transaction can hold back `read_committed` readers.",
  ),
  KAFKA_SESSION_TIMEOUT_MS: v(int(6000, 300_000), '30000', 'Consumer group session timeout.'),
  TOPIC_TRANSACTIONS: v(topic, 'transactions', 'Input topic: transactions keyed by `cardId`.'),
  TOPIC_DECISIONS: v(topic, 'decisions', 'Output topic: decisions keyed by `transactionId`.'),
  TOPIC_REVIEW_QUEUE: v(topic, 'review-queue', 'Output topic: copies of `review` decisions for analysts.'),
  TOPIC_LABELS: v(topic, 'fraud-labels', 'Input topic: fraud labels (chargebacks, analyst verdicts).'),
  TOPIC_DLQ: v(topic, 'transactions.dlq', 'Dead-letter topic for messages that cannot be parsed or validated.'),
  TOPIC_SHADOW: v(topic, 'decisions-shadow', 'Output topic: shadow model and shadow rule results, never used in decisions.'),
  REDIS_URL: v(z.url({ protocol: /^rediss?$/ }), 'redis://127.0.0.1:6379', 'Redis holding velocity state and stored decisions.'),
  REDIS_CLUSTER_NODES: v(
    entries.pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'host:port'))),
    '',
    'Comma-separated `host:port` seed nodes of a Redis Cluster; set, the service speaks Cluster to them and takes only the user, password and TLS (`rediss:`) of `REDIS_URL`. Empty: the single Redis at `REDIS_URL`.',
  ),
  REDIS_WAIT_REPLICAS: v(
    int(0, 5),
    '0',
    "Replicas each Redis master must have acknowledged a Kafka batch's writes to (WAIT) before its decisions and offsets are committed: 1 with a replica per master, so a failover loses no write the Kafka path has committed (Redis replicates asynchronously). A batch not acknowledged in REDIS_WAIT_TIMEOUT_MS fails and is retried (the writes are idempotent per transaction). HTTP decisions never wait. 0: no wait.",
  ),
  REDIS_WAIT_TIMEOUT_MS: v(int(1, 60_000), '1000', 'Longest wait for REDIS_WAIT_REPLICAS acknowledgements of one Kafka batch.'),
  IDEMPOTENCY_LEASE_MS: v(
    int(100, 600_000),
    '2000',
    "How long the claim an HTTP request takes on its `transactionId` holds while it is decided (a Kafka message's claim holds KAFKA_BATCH_DEADLINE_MS longer). Concurrent requests with the same id wait for the holder's decision; a holder that dies frees the id after this. At least BUDGET_TOTAL_MS.",
  ),
  LABEL_DELAY_DAYS: v(
    int(0, 60),
    '7',
    'Days a fraud label typically takes to arrive (chargebacks: days to weeks). The delayed label features count transactions and frauds over whole days ending this many days before the transaction, so their labels have had time to arrive; a change takes effect as the day buckets roll (up to 30 days).',
  ),
  DECISION_TTL_SECONDS: v(int(60, 90 * 86_400), '604800', 'How long a decision is kept for idempotent replays and `GET /v1/decisions/:id`.'),
  MODEL_PATH: v(
    z.string(),
    'models/current/model.onnx',
    'The live ONNX model (its metadata.json beside it), relative to the working directory. While it cannot be loaded, decisions are degraded (model check unavailable). `none`: run without a model, on rules and velocity alone.',
  ),
  MODEL_SHADOW_PATH: v(
    z.string(),
    '',
    'A challenger ONNX model (metadata beside it) scored off the critical path: its scores go to metrics and the shadow topic, never into decisions. Empty: none.',
  ),
  MODEL_RELOAD_INTERVAL_MS: v(
    int(0, 3_600_000),
    '2000',
    'How often the model files are checked for a new version to load and swap in without a restart (SIGHUP checks at once). 0: never.',
  ),
  MODEL_MAX_ROWS_PER_RUN: v(
    int(1, 100_000),
    '64',
    'Rows per onnxruntime call. A run blocks the event loop; batches are split so each block stays well under a millisecond.',
  ),
  MODEL_INTRA_OP_THREADS: v(int(1, 64), '1', 'onnxruntime intra-op threads per session.'),
  ONLINE_MODEL: v(
    z.enum(['off', 'shadow', 'live']),
    'shadow',
    "The online model, which learns from every label as it arrives (README, [Online model](#online-model)). `shadow`: it learns and is scored, its scores go to metrics, `decisions-shadow` and the decision's `scoreParts`, never into the decision. `live`: the combined score decides. `off`: no rows kept, nothing learnt or scored.",
  ),
  ONLINE_COMBINATION: v(
    z.enum(['residual', 'blend']),
    'residual',
    "`residual`: the online model learns corrections on the base model's log-odds, so the combined score is the base score until labels show it wrong, and the thresholds keep their meaning. `blend`: (1 - ONLINE_MODEL_WEIGHT) x base + ONLINE_MODEL_WEIGHT x online, the reference design (it cannot reach a deny threshold above 1 - weight while the online score is low).",
  ),
  ONLINE_MODEL_WEIGHT: v(ratio, '0.3', 'w of the `blend` combination.'),
  ONLINE_ROW_SAMPLE_RATE: v(
    ratio,
    '0.05',
    'Share of approved decisions whose model input row is kept for the labels to come (every review and deny is kept); their examples weigh 1 / rate. A label whose row was not kept is counted and skipped.',
  ),
  ONLINE_ROW_TTL_DAYS: v(int(1, 90), '45', 'Days a kept row lives: the longest label delay the online model learns from.'),
  ONLINE_MATURITY_DAYS: v(
    int(1, 90),
    '7',
    'Days after which a kept decision with no fraud label is learnt as legitimate (a later chargeback takes that back and learns the fraud). Below ONLINE_ROW_TTL_DAYS.',
  ),
  ONLINE_WARMUP_LABELS: v(
    int(0, 1_000_000),
    '50',
    'The online part counts in a score only once this many examples of each class (fraud; legitimate or matured) were learnt.',
  ),
  ONLINE_MAX_STEP: v(
    z.coerce.number().min(0).max(1000),
    '0.5',
    'Largest move (L2 norm) of the online weights one label batch may make per label source (analysts, and everything else): a flood of wrong labels moves them this far per batch at most.',
  ),
  ONLINE_POLL_INTERVAL_MS: v(
    int(100, 600_000),
    '5000',
    "How often each instance checks the online model's version in Redis, behind the pub/sub message that normally brings a new version at once.",
  ),
  ONLINE_MATURE_INTERVAL_MS: v(int(100, 3_600_000), '10000', 'How often an instance takes the decisions due for maturity off the queue and learns them.'),
  ONLINE_SNAPSHOT_EVERY: v(
    int(1, 1_000_000),
    '100',
    'A snapshot of the online model is kept every this many versions (and on `POST /v1/online/snapshots`), to roll back to.',
  ),
  ONLINE_SNAPSHOTS_KEPT: v(int(1, 1000), '24', 'Snapshots of the online model kept; older ones are deleted.'),
  CASE_RETENTION_DAYS: v(
    int(1, 3650),
    '7',
    'How long a review case (every `review` decision, from HTTP and Kafka, opens one), its verdict and its audit log are kept in Redis; an open case past it leaves the queue. About 2.8 KB a case: at 1,000 decisions/s with 1 % reviewed, 2.4 GB a day kept.',
  ),
  CARD_HISTORY_SIZE: v(
    int(0, 100),
    '10',
    "How many of a card's latest decisions are kept for the console's case page (its recent history); 0 keeps none. Three Redis commands a decision on the store round trip (measured: 3.4-4.1 us of Redis CPU a decision); 10 decisions are 648 bytes a card.",
  ),
  CARD_HISTORY_DAYS: v(int(1, 90), '7', "How long a card's recent history is kept after its last decision."),
  CONSOLE_SESSION_HOURS: v(int(1, 24 * 30), '8', "How long an analyst's console session lasts after signing in with their review key (the cookie's Max-Age)."),
  CASE_CLAIM_SECONDS: v(
    int(10, 86_400),
    '900',
    'How long an analyst holds a claimed case before it goes back to the queue unless they act on it or claim it again.',
  ),
  RULES_PATH: v(
    z.string(),
    '',
    'Rule-set JSON document that seeds version 1 when the rules store in Redis holds no active version yet (and that decisions use until the store first answers); empty means the built-in default rule set. Once versions exist, the store is the source of truth and this file is not read again.',
  ),
  RULES_KEY_PREFIX: v(
    z.string().regex(/^[a-zA-Z0-9:_-]{1,64}$/, 'letters, digits, ":", "_" or "-"'),
    'fd:r',
    'Prefix of the Redis keys holding rule-set versions, the active and shadow pointers and the overrides. Instances sharing it share their rules; a different prefix runs a separate rules lifecycle on the same Redis.',
  ),
  RULES_POLL_INTERVAL_MS: v(
    int(100, 60_000),
    '1000',
    'How often each instance re-reads the active and shadow rule versions from Redis, as a safety net behind the `activated` pub/sub message that normally applies a change at once.',
  ),
  ADMIN_API_KEYS: secret(
    apiKeys,
    '',
    'Comma-separated API keys with the admin scope (rules, versions, overrides; also accepted for scoring). Sent as `Authorization: Bearer <key>`. Empty: the admin API refuses every call (403 `ADMIN_DISABLED`).',
  ),
  REVIEW_API_KEYS: secret(
    namedKeys,
    '',
    'Comma-separated `name:key` entries with the review scope (the review cases API, `/v1/cases`): the name is the analyst, the author of their labels and audit entries. Admin keys are also accepted, as `admin`. Empty, with no admin keys either: the cases API refuses every call (403 `REVIEW_DISABLED`).',
  ),
  CONSOLE_ENABLED: v(
    bool,
    'true',
    'Serve the review cases API (`/v1/cases`); `false` for scoring-only instances, which answer it with 404 `CONSOLE_DISABLED`. Every instance opens cases for its review decisions either way.',
  ),
  SCORING_API_KEYS: secret(
    apiKeys,
    '',
    'Comma-separated API keys with the scoring scope (`/v1/decisions`). Empty: scoring is open, as before keys existed; set: scoring needs a scoring or admin key.',
  ),
  BUDGET_TOTAL_MS: v(int(1, 10_000), '50', 'Total latency budget of one decision.'),
  BUDGET_VELOCITY_MS: v(int(1, 10_000), '30', 'Deadline of the Redis velocity/profile check.'),
  BUDGET_RULES_MS: v(int(1, 10_000), '40', 'Deadline of the rule engine (it waits for the velocity features).'),
  BUDGET_MODEL_MS: v(int(1, 10_000), '40', 'Deadline of the model check (it waits for the velocity features).'),
  DENY_THRESHOLD: v(ratio, '0.8', 'Model score at or above which the decision is `deny`.'),
  REVIEW_THRESHOLD: v(ratio, '0.5', 'Model score at or above which (and below the deny threshold) the decision is `review`.'),
  FAIL_MODE: v(z.enum(['open', 'closed']), 'open', 'What an unknown check result becomes: `open` approves on what is known, `closed` sends to review.'),
  SHUTDOWN_GRACE_MS: v(int(0, 120_000), '10000', 'Longest wait for in-flight work to drain on SIGTERM.'),
} as const;

export type EnvVarName = keyof typeof ENV_VARS;
