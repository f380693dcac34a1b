import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Metrics } from '../metrics/metrics';
import { RedisClient } from '../redis/redis.client';
import { coalesced, followRedis } from '../shared/follow-redis';
import { LogThrottle } from '../shared/throttled-log';
import { blend, residualOffset } from './combine';
import { DEFAULT_FTRL, predict, weights } from './ftrl';
import { onlineInputOf, type OnlineState } from './online-state';
import { ONLINE_KEYS, OnlineStore } from './online.store';

/** What one micro-batch scores with, taken once at its start. */
export interface OnlineSnapshot {
  readonly version: number;
  readonly weights: Float64Array;
  /** Whether enough of each class was learnt for the online part to count. */
  readonly warm: boolean;
}

export interface OnlineScore {
  /** The online model's own score: the residual learner on the base (or alone), or the online learner of the blend. */
  readonly online: number;
  /** What the decision would use in live mode: the online score once warm (residual), the blend once warm, else the base. */
  readonly combined: number | null;
}

/**
 * The online model as the scoring path sees it: the weights of the latest version in Redis,
 * cached, and replaced when a new version is announced (pub/sub) or found by the poll. The
 * scoring path never writes; a batch reads one snapshot, and scoring is a dot product per row,
 * no I/O and no second model call.
 */
@Injectable()
export class OnlineModel implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(OnlineModel.name);
  private readonly throttle = new LogThrottle();
  private current: OnlineSnapshot | null = null;
  private stopFollowing: (() => void) | null = null;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: RedisClient,
    private readonly store: OnlineStore,
    private readonly metrics: Metrics,
  ) {}

  get enabled(): boolean {
    return this.config.online.mode !== 'off';
  }

  get live(): boolean {
    return this.config.online.mode === 'live';
  }

  async onModuleInit(): Promise<void> {
    if (!this.enabled) return;
    const stop = await followRedis(this.client.redis, {
      channel: ONLINE_KEYS.channel,
      pollIntervalMs: this.config.online.pollIntervalMs,
      refresh: this.refresh,
      onSubscriberError: (message) => {
        this.warn('subscriber', `online model ${message}`);
      },
    });
    if (this.closed) stop();
    else this.stopFollowing = stop;
  }

  onApplicationShutdown(): void {
    this.closed = true;
    this.stopFollowing?.();
    this.stopFollowing = null;
  }

  snapshot(): OnlineSnapshot | null {
    return this.current;
  }

  /**
   * Scores a catalogue row (`featureVector`) with its base score (null without a base model).
   * Before the warm-up the combined score is the base's (null with neither).
   */
  score(snapshot: OnlineSnapshot, row: ArrayLike<number>, base: number | null): OnlineScore {
    const x = onlineInputOf(row);
    if (this.config.online.combination === 'blend') {
      const online = predict(snapshot.weights, x);
      return { online, combined: snapshot.warm && base !== null ? blend(base, online, this.config.online.weight) : snapshot.warm ? online : base };
    }
    const online = predict(snapshot.weights, x, residualOffset(base));
    return { online, combined: snapshot.warm ? online : base };
  }

  /** Reads the version and, when it changed, the state; never rejects. A call during a refresh runs one more after it. */
  readonly refresh = coalesced(
    () => this.sync(),
    (err) => {
      this.warn(
        'sync',
        `online model sync failed, keeping version ${String(this.current?.version ?? 'none')}: ${err instanceof Error ? err.message : String(err)}`,
      );
    },
  );

  private async sync(): Promise<void> {
    const version = await this.store.readVersion();
    if (this.current !== null && this.current.version === version) return;
    const read = await this.store.readState();
    if (read.kind === 'refused') {
      this.warn('refused', `online model not used: ${read.why}`);
      return;
    }
    this.use(read.state);
  }

  private use(state: OnlineState): void {
    const previous = this.current;
    const warmup = this.config.online.warmupLabels;
    this.current = { version: state.version, weights: weights(state.ftrl, DEFAULT_FTRL), warm: Math.min(state.positives, state.negatives) >= warmup };
    this.metrics.onlineVersion.set(state.version);
    this.metrics.onlineUpdatedAt.set(state.updatedAt === null ? 0 : Date.parse(state.updatedAt) / 1000);
    this.metrics.onlineWarm.set(this.current.warm ? 1 : 0);
    if (previous?.warm !== this.current.warm)
      this.logger.log(
        `online model v${String(state.version)} (${this.current.warm ? 'warm' : `warming up: ${String(state.positives)} frauds, ${String(state.negatives)} legitimate of ${String(warmup)} each`})`,
      );
  }

  private warn(key: string, message: string): void {
    const admitted = this.throttle.admit(key, message);
    if (admitted !== null) this.logger.warn(admitted);
  }
}
