import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Readiness } from '../health/readiness';
import { Metrics } from '../metrics/metrics';
import { RedisClient } from '../redis/redis.client';
import { LogThrottle } from '../shared/throttled-log';
import { hasShadowRules, parseRuleSet } from './rules';
import type { RuleSet } from './rule-set.schema';
import { RuleVersionStore } from './rule-version.store';

export const DEFAULT_RULES_PATH = join(__dirname, 'default-rules.json');

export class RuleSetLoadError extends Error {}

/** Reads a rule-set file as JSON and validates it; a bad document names every problem in it. */
export function readRuleSetFile(path: string): { document: unknown; ruleSet: RuleSet } {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RuleSetLoadError(`cannot read rule set ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = parseRuleSet(document);
  if (!parsed.ok) {
    throw new RuleSetLoadError(`invalid rule set ${path}:\n  ${parsed.errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('\n  ')}`);
  }
  return { document, ruleSet: parsed.ruleSet };
}

export function loadRuleSetFile(path: string): RuleSet {
  return readRuleSetFile(path).ruleSet;
}

export interface VersionedRuleSet {
  /** The store's version number; 0 for the bootstrap file used before the store first answered. */
  readonly v: number;
  readonly ruleSet: RuleSet;
}

/** What one micro-batch decides with, taken once at its start. */
export interface RulesSnapshot {
  readonly active: VersionedRuleSet;
  /** A whole version evaluated in shadow; null when none is set. */
  readonly shadow: VersionedRuleSet | null;
  /** Whether anything needs a shadow evaluation (a shadow version, or shadow rules in the active one). */
  readonly shadowing: boolean;
}

const snapshotOf = (active: VersionedRuleSet, shadow: VersionedRuleSet | null): RulesSnapshot => ({
  active,
  shadow,
  shadowing: shadow !== null || hasShadowRules(active.ruleSet),
});

/**
 * Holds the active (and shadow) rule set of this instance and keeps it in step with the store:
 * a change is applied as soon as its pub/sub message arrives, and a poll every
 * RULES_POLL_INTERVAL_MS catches a message lost to a reconnect. Batches take a snapshot at
 * their start, so a switch never splits one.
 *
 * Until the store first answers (Redis down at start-up), decisions use the bootstrap file,
 * and readiness says `rules: false`.
 */
@Injectable()
export class RulesService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RulesService.name);
  private readonly throttle = new LogThrottle();
  private readonly bootstrap: { document: unknown; ruleSet: RuleSet };
  // Versions are immutable, so a compiled version never needs reloading.
  private readonly compiled = new Map<number, RuleSet>();
  private current: RulesSnapshot;
  private synced = false;
  private running: Promise<void> | null = null;
  private rerun = false;
  private timer: NodeJS.Timeout | null = null;
  private subscriber: Redis | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: RedisClient,
    private readonly store: RuleVersionStore,
    private readonly metrics: Metrics,
    readiness: Readiness,
  ) {
    this.bootstrap = readRuleSetFile(config.rules.path === '' ? DEFAULT_RULES_PATH : config.rules.path);
    this.current = snapshotOf({ v: 0, ruleSet: this.bootstrap.ruleSet }, null);
    readiness.register({ name: 'rules', isReady: () => this.synced });
  }

  snapshot(): RulesSnapshot {
    return this.current;
  }

  async onModuleInit(): Promise<void> {
    // The connection is usually still opening here; commands would fail at once without it.
    if (this.client.redis.status !== 'ready') {
      await once(this.client.redis, 'ready', { signal: AbortSignal.timeout(3000) }).catch(() => undefined);
    }
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.config.rules.pollIntervalMs);
    this.timer.unref();
    this.subscribe();
  }

  private subscribe(): void {
    // A connection in subscriber mode can run nothing else, hence its own. It queues while
    // disconnected and resubscribes after a reconnect (the poll covers the gap).
    const subscriber = this.client.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, lazyConnect: false });
    this.subscriber = subscriber;
    subscriber.on('error', (err: Error) => {
      this.warn('subscriber', `rules subscriber: ${err.message}`);
    });
    subscriber.on('message', () => void this.refresh());
    subscriber.subscribe(this.store.channel).catch((err: unknown) => {
      // Closing during start-up rejects the pending subscribe; that is not worth a warning.
      if (this.subscriber === null) return;
      this.warn('subscriber', `rules subscribe failed: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  /** Re-reads the pointers now; never rejects. A call during a refresh runs one more after it. */
  refresh(): Promise<void> {
    if (this.running !== null) {
      this.rerun = true;
      return this.running;
    }
    // A getter, not the field: the flag changes during the await, which narrowing cannot see.
    const again = (): boolean => this.rerun;
    this.running = (async () => {
      do {
        this.rerun = false;
        try {
          await this.sync();
        } catch (err) {
          this.warn('sync', `rules sync failed, keeping version ${String(this.current.active.v)}: ${err instanceof Error ? err.message : String(err)}`);
        }
      } while (again());
      this.running = null;
    })();
    return this.running;
  }

  private async sync(): Promise<void> {
    const pointers = await this.store.pointers();
    const { shadow } = pointers;
    const active = pointers.active ?? (await this.store.seed(this.bootstrap.ruleSet.version, this.bootstrap.document));
    const next = snapshotOf(await this.version(active), shadow === null ? null : await this.version(shadow));
    const previous = this.current;
    this.current = next;
    this.synced = true;
    if (previous.active.v !== next.active.v) this.changed('active', previous.active, next.active);
    if ((previous.shadow?.v ?? null) !== (next.shadow?.v ?? null)) this.changed('shadow', previous.shadow, next.shadow);
  }

  private changed(role: 'active' | 'shadow', from: VersionedRuleSet | null, to: VersionedRuleSet | null): void {
    if (from !== null) this.metrics.rulesInfo.remove({ role, version: from.ruleSet.version, v: String(from.v) });
    if (to !== null) this.metrics.rulesInfo.set({ role, version: to.ruleSet.version, v: String(to.v) }, 1);
    this.metrics.rulesChanges.inc({ role });
    this.logger.log(`${role} rules: ${from === null ? 'none' : `v${String(from.v)}`} -> ${to === null ? 'none' : `v${String(to.v)} (${to.ruleSet.version})`}`);
  }

  private async version(v: number): Promise<VersionedRuleSet> {
    const cached = this.compiled.get(v);
    if (cached !== undefined) return { v, ruleSet: cached };
    const record = await this.store.get(v);
    if (record === null) throw new Error(`rules version ${String(v)} is not in the store`);
    const parsed = parseRuleSet(record.document);
    if (!parsed.ok) throw new Error(`stored rules version ${String(v)} does not parse: ${parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
    this.compiled.set(v, parsed.ruleSet);
    return { v, ruleSet: parsed.ruleSet };
  }

  private warn(key: string, message: string): void {
    const admitted = this.throttle.admit(key, message);
    if (admitted !== null) this.logger.warn(admitted);
  }

  onApplicationShutdown(): void {
    if (this.timer !== null) clearInterval(this.timer);
    const subscriber = this.subscriber;
    this.subscriber = null;
    subscriber?.disconnect();
  }
}
