import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { caseOf } from '../cases/case';
import { CaseStore } from '../cases/case.store';
import { OverviewStore } from '../cases/overview.store';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Metrics } from '../metrics/metrics';
import { featureVector } from '../model/feature-catalogue';
import { ModelService } from '../model/model.service';
import { rowWeight } from '../online/combine';
import { OnlineModel, type OnlineScore } from '../online/online-model.service';
import { OnlineStore } from '../online/online.store';
import { ShadowPublisher, type ShadowItem } from '../model/shadow.publisher';
import { RedisBatch } from '../redis/redis-batch';
import { RedisClient } from '../redis/redis.client';
import { StateEpoch, StateLost } from '../redis/state-epoch';
import { OverrideStore } from '../rules/override.store';
import type { Override } from '../rules/overrides';
import { evaluateRules, type RulesResult } from '../rules/rules';
import { RulesService } from '../rules/rules.service';
import { DeadlineExceeded, withDeadline } from '../shared/deadline';
import type { ChainableCommander } from 'ioredis';
import { LogThrottle } from '../shared/throttled-log';
import type { Decision, Transaction } from '../transactions/transaction.schema';
import { VelocityStore, type VelocityResult } from '../velocity/velocity.store';
import { assembleDecision } from './decision.assemble';
import type { CheckFailure, CheckName, PolicyInput } from './decision.policy';
import { CardHistoryStore } from './card-history.store';
import { DecisionStore, type Origin, type StoredDecision } from './decision.store';
import { httpOwner, kafkaOwner, samePayload, type ClaimResult } from './idempotency';

export type DecisionSource = 'http' | 'kafka';

/**
 * `interactive` (HTTP): a caller waits, so every check has its deadline inside the total budget,
 * counted from the request's arrival, and whatever misses it makes a degraded decision.
 * `stream` (Kafka): the message already waited in the topic and the consumer can retry, so the
 * batch as a whole has one deadline (KAFKA_BATCH_DEADLINE_MS) and a timeout or Redis error
 * fails it, to be retried, instead of writing degraded decisions that a healthy Redis would
 * have decided otherwise.
 */
export type DecisionMode = 'interactive' | 'stream';

export interface BatchItem {
  readonly tx: Transaction;
  /** fingerprint(tx): what the id is claimed for (idempotency.ts). */
  readonly fingerprint: string;
  /** performance.now() when the transaction arrived; latency and the HTTP budget count from here. */
  readonly receivedAt: number;
  /** The Kafka message it came from; null for HTTP. */
  readonly origin: Origin;
}

/**
 * Per item, one of: its decision (`previous` set when the id already had one, returned
 * unchanged); `conflict`, the id was first decided on another payload; `held`, another
 * instance or Kafka message is deciding the same payload now (wait for its decision).
 */
export type Outcome =
  | { readonly kind: 'decided'; readonly decision: Decision; readonly previous: StoredDecision | null }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'held' };

/** A stream batch met an id another holder is deciding: retried with backoff, like a Redis error. */
export class HeldElsewhere extends Error {
  constructor(count: number) {
    super(`${String(count)} transaction ids are being decided elsewhere`);
    this.name = 'HeldElsewhere';
  }
}

interface Looked {
  readonly velocity: VelocityResult | null;
  /** Null when the lookup of the item's overrides failed: they are unknown. */
  readonly overrides: Override[] | null;
}

const lookupFailedFor = (looked: Looked) => looked.velocity === null || looked.overrides === null;

/** The items a batch decides itself: those it claimed, or all of them when the claims are unknown. */
const claimedIn = (items: readonly BatchItem[], claims: readonly ClaimResult<StoredDecision>[] | null) =>
  items.flatMap((item, index) => (claims === null || claims[index]?.kind === 'claimed' ? [{ index, item }] : []));

interface Scored {
  /** The base model's version; null without one (MODEL_PATH=none, the online model alone). */
  readonly version: string | null;
  /** Per item: the model input row and its score; null where the features were unavailable. */
  readonly rows: (number[] | null)[];
  readonly scores: (number | null)[];
  /** With the online model on: per item its catalogue row and online score, and the version that scored. */
  readonly online: { readonly version: number; readonly rows: (number[] | null)[]; readonly scores: (OnlineScore | null)[] } | null;
}

interface Fresh {
  readonly index: number;
  readonly item: BatchItem;
  readonly decision: Decision;
  readonly policyInput: PolicyInput;
  readonly looked: Looked | null;
  readonly row: number[] | null;
  /** The catalogue row the online model would learn from; null without the online model or features. */
  readonly onlineRow: number[] | null;
  /** The base model's score (the policy's score in shadow mode), kept with the row as the residual's offset. */
  readonly base: number | null;
  /** The online model's scores and version; null without them. */
  readonly online: (OnlineScore & { readonly version: number }) | null;
}

const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;
const msUntil = (at: number) => Math.max(0, at - performance.now());
const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The decision pipeline for a micro-batch. Round trip one claims every transaction id (one
 * `SET NX GET` each): ids with a stored decision get it back, ids first used for another payload
 * are refused, ids another holder is deciding are handed back to wait. Round trip two runs the
 * velocity scripts and override lookups of the ids this batch claimed; the rules and the model
 * run on those features as soon as they arrive, each under its own deadline; the policy turns
 * what came back in time into decisions, which are stored under their claims (round trip three)
 * before they are returned. Nothing here waits past the deadlines.
 */
@Injectable()
export class DecisionService {
  private readonly logger = new Logger(DecisionService.name);
  private readonly throttle = new LogThrottle();
  /** Names this instance's HTTP claims, so it can tell its own from another instance's. */
  private readonly httpOwner = httpOwner(randomUUID());

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
    private readonly epoch: StateEpoch,
    private readonly online: OnlineModel,
    private readonly onlineStore: OnlineStore,
    private readonly cases: CaseStore,
    private readonly cardHistory: CardHistoryStore,
    private readonly overview: OverviewStore,
  ) {
    VelocityStore.install(redis.redis);
  }

  /** Item ids must be distinct within a batch (the HTTP single-flight and the Kafka batch dedupe see to it). */
  async decideBatch(items: readonly BatchItem[], source: DecisionSource, mode: DecisionMode = 'interactive'): Promise<Outcome[]> {
    const started = performance.now();
    const stream = mode === 'stream';
    const at = this.deadlines(items, stream, started);
    this.metrics.batchSize.observe({ source }, items.length);
    // Once per batch: a rules switch mid-batch would decide one batch under two versions.
    const rules = this.rules.snapshot();
    const ruleSet = rules.active.ruleSet;

    const failures: CheckFailure[] = [];
    const fail = (check: CheckName, err: unknown) => {
      const reason = err instanceof DeadlineExceeded ? 'timeout' : err instanceof StateLost ? 'state_lost' : 'error';
      failures.push({ check, reason });
      this.metrics.checkFailures.inc({ check, reason });
      if (reason === 'error') this.warn(check, `${check} check failed: ${message(err)}`);
    };

    // Claims, then the checks of the ids claimed. The work runs on whether or not this batch
    // waits for it: a transaction answered degraded after a slow claim is still counted in its
    // card's and merchant's windows once Redis gets to it. A claim that failed or missed the
    // deadline leaves every item to be decided here, degraded; that decision is still stored
    // under the id unless another one was stored first.
    // Lost state (StateEpoch) is not asked at all: nothing is decided on, or written into, it.
    const claimWork = this.epoch.lost ? Promise.reject(new StateLost()) : this.claim(items, stream);
    const lookupWork = claimWork.then((found) => this.lookup(claimedIn(items, found).map((m) => m.item)));
    lookupWork.catch(() => undefined); // waited for below, or left to finish on its own
    const claims = await withDeadline(claimWork, msUntil(at.velocity)).catch((err: unknown) => {
      if (stream) throw err;
      fail('velocity', err);
      return null;
    });
    if (stream && claims !== null) {
      const held = claims.filter((c) => c.kind === 'held').length;
      if (held > 0) throw new HeldElsewhere(held);
    }
    const mine = claimedIn(items, claims);
    const mineItems = mine.map((m) => m.item);

    let lookupFailed = false;
    const lookup: Promise<Looked[] | null> =
      claims === null
        ? Promise.resolve(null)
        : withDeadline(lookupWork, msUntil(at.velocity)).catch((err: unknown) => {
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
        const results = mineItems.map((item, j) => evaluateRules(ruleSet, item.tx, found?.[j]?.velocity?.features ?? null));
        this.metrics.stageSeconds.observe({ stage: 'rules' }, seconds(t0));
        return results;
      }),
      msUntil(at.rules),
    ).catch((err: unknown) => {
      // In stream mode a failed lookup fails the batch; that is not a rules failure.
      if (!lookupFailed) fail('rules', err);
      return null;
    });
    // The model is the third check: it starts as soon as the features arrive, beside the rules.
    // A model failure degrades the decision in both modes: unlike a Redis blip, retrying a
    // broken model would only stall the stream.
    const modelCheck =
      this.models.enabled || this.online.enabled
        ? withDeadline(
            lookup.then((found) => this.score(mineItems, found)),
            msUntil(at.model),
          ).catch((err: unknown) => {
            if (!lookupFailed) fail('model', err);
            return null;
          })
        : Promise.resolve(null);

    const [found, ruleResults, scored] = await Promise.all([lookup, rulesCheck, modelCheck]);
    const itemErrors = found?.filter(lookupFailedFor).length ?? 0;
    if (itemErrors > 0 && stream) throw new Error(`${String(itemErrors)} velocity lookups failed`);
    if (itemErrors > 0) this.metrics.checkFailures.inc({ check: 'velocity', reason: 'error' }, itemErrors);

    const t0 = performance.now();
    const clock = { monotonicMs: performance.now(), wall: new Date() };
    const fresh = mine.map(({ index, item }, j): Fresh => {
      const looked = found?.[j] ?? null;
      const itemFailed = looked !== null && lookupFailedFor(looked);
      const rulesResult: RulesResult | null = ruleResults?.[j] ?? null;
      const base = scored?.scores[j] ?? null;
      const onlineScored = scored?.online ?? null;
      const online = onlineScored?.scores[j] ?? null;
      // Shadow: the online part is reported, never used; live: its combination decides.
      const score = online !== null && this.online.live ? online.combined : base;
      const { decision, policyInput } = assembleDecision(
        {
          tx: item.tx,
          receivedAt: item.receivedAt,
          rules: rulesResult,
          score,
          modelVersion: scored?.version ?? null,
          rulesVersion: ruleSet.version,
          failures: itemFailed ? [...failures, { check: 'velocity', reason: 'error' }] : failures,
          overrides: looked?.overrides ?? [],
          online: online === null || onlineScored === null ? undefined : { base, online: online.online, version: onlineScored.version },
        },
        this.config.policy,
        clock,
      );
      return {
        index,
        item,
        decision,
        policyInput,
        looked,
        row: scored?.rows[j] ?? null,
        onlineRow: onlineScored?.rows[j] ?? null,
        base,
        online: online === null || onlineScored === null ? null : { ...online, version: onlineScored.version },
      };
    });
    this.metrics.stageSeconds.observe({ stage: 'decide' }, seconds(t0));

    const kept = await this.save(fresh, stream, at.answer);
    // Before the Kafka commit that follows: the batch's writes on the replicas, so a failover keeps them.
    if (stream) await this.redis.replicated();
    const outcomes: Outcome[] = items.map((_, i): Outcome => {
      const claim = claims?.[i];
      if (claim?.kind === 'decided') {
        this.metrics.idempotency.inc({ outcome: 'replayed' });
        return { kind: 'decided', decision: claim.stored.decision, previous: claim.stored };
      }
      if (claim?.kind === 'conflict') this.metrics.idempotency.inc({ outcome: 'conflict' });
      if (claim?.kind === 'conflict' || claim?.kind === 'held') return claim;
      const made = kept.get(i) ?? this.missing(i);
      return made === 'conflict' ? { kind: 'conflict' } : { kind: 'decided', decision: made, previous: null };
    });
    this.record(source, fresh, kept, rules);
    this.metrics.stageSeconds.observe({ stage: 'batch' }, seconds(started));
    return outcomes;
  }

  /** Never happens: every claimed index has a fresh decision. A loud error beats a silent approve. */
  private missing(index: number): never {
    throw new Error(`no decision was made for item ${String(index)} of the batch`);
  }

  /**
   * Absolute deadlines (performance.now() times). Interactive: every check's budget counts from
   * the arrival of the batch's oldest request, so time spent queueing comes out of it, and the
   * answer is due BUDGET_TOTAL_MS after that arrival. Stream: the batch deadline, from its start.
   */
  private deadlines(items: readonly BatchItem[], stream: boolean, started: number) {
    if (stream) {
      const end = started + this.config.kafka.batchDeadlineMs;
      return { velocity: end, rules: end, model: end, answer: end };
    }
    const { budget } = this.config;
    const from = items.reduce((oldest, item) => Math.min(oldest, item.receivedAt), started);
    return { velocity: from + budget.velocityMs, rules: from + budget.rulesMs, model: from + budget.modelMs, answer: from + budget.totalMs };
  }

  /**
   * Round trip one: one claim per transaction id, and the state epoch. Found lost, the batch
   * stops here, before its velocity scripts would count it into empty windows.
   */
  private async claim(items: readonly BatchItem[], stream: boolean): Promise<ClaimResult<StoredDecision>[]> {
    const t0 = performance.now();
    const lease = this.config.redis.idempotencyLeaseMs + (stream ? this.config.kafka.batchDeadlineMs : 0);
    const batch = new RedisBatch(this.redis.redis);
    const epoch = this.epoch.queueOn(batch);
    const readers = items.map((item) =>
      this.store.queueClaim(batch, item.tx.transactionId, item.origin ? kafkaOwner(item.origin) : this.httpOwner, item.fingerprint, lease),
    );
    await batch.exec();
    this.metrics.stageSeconds.observe({ stage: 'claim' }, seconds(t0));
    this.epoch.observe(epoch());
    if (this.epoch.lost) throw new StateLost();
    return readers.map((read) => {
      const reply = read();
      if (reply.ok) return reply.value;
      // A claim command that failed alone (not the round trip): decided here, like a failed claim round trip.
      this.warn('claim', `claiming a transaction id failed: ${reply.error.message}`);
      return { kind: 'claimed' } as const;
    });
  }

  /** Round trip two: per claimed transaction, its two velocity scripts and one override MGET per entity. */
  private async lookup(items: readonly BatchItem[]): Promise<Looked[]> {
    if (items.length === 0) return [];
    const t0 = performance.now();
    const batch = new RedisBatch(this.redis.redis);
    const readers = items.map(({ tx }) => ({ velocity: this.velocity.queueOn(batch, tx), overrides: this.overrides.queueOn(batch, tx) }));
    await batch.exec();
    const now = Date.now();
    const looked = readers.map((read): Looked => {
      const velocity = read.velocity();
      if (!velocity.ok) this.warn('velocity-script', `velocity script failed: ${velocity.error.message}`);
      const overrides = read.overrides(now);
      if (overrides === null) this.warn('override-reply', 'an override lookup failed');
      else if (overrides.invalid > 0) this.warn('override-reply', `${String(overrides.invalid)} stored overrides did not parse and were ignored`);
      return { velocity: velocity.ok ? velocity.value : null, overrides: overrides?.overrides ?? null };
    });
    this.metrics.stageSeconds.observe({ stage: 'velocity' }, seconds(t0));
    return looked;
  }

  /**
   * One model call for the batch (split into runs by the scorer), on the model current at its
   * start, and the online model's dot products on the snapshot current at its start.
   */
  private async score(items: readonly BatchItem[], found: Looked[] | null): Promise<Scored> {
    const model = this.models.current();
    if (model === null && this.models.enabled) throw new Error('no model is loaded');
    const online = this.online.enabled ? this.online.snapshot() : null;
    const t0 = performance.now();
    const features = items.map((_, i) => found?.[i]?.velocity?.features ?? null);
    // With the online model on, one catalogue row per transaction, which it reads whole and the
    // model by its columns; without it, only the model's own columns are computed.
    const catalogue =
      online === null
        ? null
        : items.map((item, i) => {
            const f = features[i];
            return f ? featureVector(item.tx, f) : null;
          });
    const rows = items.map((item, i) => {
      const f = features[i];
      if (model === null || !f) return null;
      const whole = catalogue?.[i];
      return whole ? model.rowFromCatalogue(whole) : model.rowOf(item.tx, f);
    });
    const present = rows.filter((row): row is number[] => row !== null);
    const scores = model === null ? [] : await model.score(present);
    let next = 0;
    const byItem = rows.map((row) => (row === null ? null : (scores[next++] ?? null)));
    let onlineScored: Scored['online'] = null;
    if (online !== null && catalogue !== null) {
      const parts = catalogue.map((row, i) => (row === null ? null : this.online.score(online, row, byItem[i] ?? null)));
      for (const part of parts) if (part !== null) this.metrics.modelScores.observe({ role: 'online' }, part.online);
      onlineScored = { version: online.version, rows: catalogue, scores: parts };
    }
    this.metrics.stageSeconds.observe({ stage: 'model' }, seconds(t0));
    return { version: model?.version ?? null, rows, scores: byItem, online: onlineScored };
  }

  /**
   * Round trip three: stores each fresh decision under its id before it is returned; where
   * another decision was stored first, that one is the answer. Interactive: waited for until the
   * answer is due at the latest (a store still in flight then lands afterwards, on the same
   * connection and so before any later write for the id); a failed store is logged and the
   * decision answered, its claim running out after IDEMPOTENCY_LEASE_MS. Stream: a failed store
   * fails the batch, to be retried before anything is committed.
   */
  private async save(fresh: readonly Fresh[], stream: boolean, answerAt: number): Promise<Map<number, Decision | 'conflict'>> {
    const kept = new Map<number, Decision | 'conflict'>(fresh.map((f) => [f.index, f.decision]));
    if (fresh.length === 0) return kept;
    const records = fresh.map(({ item, decision }): StoredDecision => ({
      decision,
      origin: item.origin,
      fingerprint: item.fingerprint,
      subject: { cardId: item.tx.cardId, merchantId: item.tx.merchantId, occurredAt: item.tx.occurredAt },
    }));
    const t0 = performance.now();
    const saving = this.store
      .saveAll(records, (pipeline) => {
        this.queueOnlineRows(pipeline, fresh);
        this.queueCases(pipeline, fresh);
        // The console's: each card's recent decisions, and the overview's counters (once a batch).
        for (const f of fresh) this.cardHistory.queue(pipeline, f.item.tx, f.decision);
        this.overview.queueDecisions(
          pipeline,
          fresh.map((f) => f.decision),
        );
      })
      .then(({ stored, extraFailed }) => {
        if (extraFailed[0] !== undefined)
          this.warn(
            'online-rows',
            `keeping ${String(extraFailed.length)} online model rows, review cases or console records failed: ${extraFailed[0].message}`,
          );
        return stored;
      });
    const earlier = stream
      ? await saving
      : await withDeadline(saving, msUntil(answerAt)).catch((err: unknown) => {
          this.metrics.idempotency.inc({ outcome: 'store_failed' }, fresh.length);
          this.warn('store', `storing ${String(fresh.length)} decisions failed: ${message(err)}`);
          return [];
        });
    this.metrics.stageSeconds.observe({ stage: 'store' }, seconds(t0));
    earlier.forEach((stored, j) => {
      const f = fresh[j];
      if (stored === null || f === undefined) return;
      // Stored first by another holder; only reachable past a claim that was not waited for.
      const same = samePayload(stored, f.item.fingerprint);
      kept.set(f.index, same ? stored.decision : 'conflict');
      this.metrics.idempotency.inc({ outcome: same ? 'lost_race' : 'conflict' });
    });
    return kept;
  }

  /**
   * A review case for every review decision, on the decisions' own round trip (reviews are
   * about 1% of decisions: one more script call each). Opened once per transaction.
   */
  private queueCases(pipeline: ChainableCommander, fresh: readonly Fresh[]): void {
    const now = new Date();
    for (const f of fresh) {
      if (f.decision.decision !== 'review') continue;
      const features = f.looked?.velocity?.features;
      const row = f.onlineRow ?? (features ? featureVector(f.item.tx, features) : null);
      this.cases.queueOpen(pipeline, caseOf(f.item.tx, f.decision, row, now));
    }
  }

  /**
   * The rows the online model will learn from when their labels come, on the decisions' own
   * round trip: every flagged decision's, and a sample of the approved (combine.ts `rowWeight`).
   */
  private queueOnlineRows(pipeline: ChainableCommander, fresh: readonly Fresh[]): void {
    if (!this.online.enabled) return;
    const { sampleRate, rowTtlDays } = this.config.online;
    const decidedAtMs = Date.now();
    for (const f of fresh) {
      if (f.onlineRow === null) continue;
      const weight = rowWeight(f.decision.transactionId, f.decision.decision !== 'approve', sampleRate);
      if (weight === null) continue;
      this.onlineStore.queueRow(
        pipeline,
        f.decision.transactionId,
        { row: Float32Array.from(f.onlineRow), base: f.base, decidedAtMs, weight },
        rowTtlDays * 86_400,
      );
    }
  }

  /** Metrics and the shadow evaluation of the decisions this batch made and kept. */
  private record(
    source: DecisionSource,
    fresh: readonly Fresh[],
    kept: ReadonlyMap<number, Decision | 'conflict'>,
    rules: ReturnType<RulesService['snapshot']>,
  ): void {
    // Only collected while a shadow model or shadow rules exist: the hot path pays nothing for it otherwise.
    const onlineShadow = this.online.enabled && !this.online.live;
    const shadowItems: ShadowItem[] | null = this.shadow.active || rules.shadowing || onlineShadow ? [] : null;
    for (const f of fresh) {
      if (kept.get(f.index) !== f.decision) continue;
      const { decision, policyInput } = f;
      const overrides = policyInput.overrides ?? [];
      if (overrides.length > 0) {
        // The policy lets a block win; count the override that settled the decision.
        const settled = overrides.find((o) => o.action === 'block') ?? overrides[0];
        if (settled) this.metrics.overrideHits.inc({ entity: settled.entity, action: settled.action });
      }
      if (policyInput.score !== null) this.metrics.modelScores.observe({ role: 'primary' }, policyInput.score);
      for (const outcome of policyInput.rules?.outcomes ?? []) {
        if (outcome.status !== 'pass') this.metrics.ruleOutcomes.inc({ rule: outcome.ruleId, status: outcome.status });
      }
      this.metrics.decisions.inc({ outcome: decision.decision, source, degraded: String(decision.degraded) });
      this.metrics.decisionSeconds.observe({ source }, decision.latencyMs / 1000);
      const online = onlineShadow && f.online !== null ? { combined: f.online.combined, version: f.online.version } : undefined;
      shadowItems?.push({ decision, tx: f.item.tx, features: f.looked?.velocity?.features ?? null, row: f.row, policyInput, online });
    }
    if (shadowItems !== null) this.shadow.observe(shadowItems, rules);
  }

  private warn(key: string, text: string): void {
    const admitted = this.throttle.admit(key, text);
    if (admitted !== null) this.logger.warn(admitted);
  }
}
