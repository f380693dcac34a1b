import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Readiness } from '../health/readiness';
import { Metrics } from '../metrics/metrics';
import { RedisClient } from '../redis/redis.client';
import { coalesced, followRedis } from '../shared/follow-redis';
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
  private stopFollowing: (() => void) | null = null;
  private closed = false;

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
    const stop = await followRedis(this.client.redis, {
      channel: this.store.channel,
      pollIntervalMs: this.config.rules.pollIntervalMs,
      refresh: this.refresh,
      onSubscriberError: (message) => {
        this.warn('subscriber', `rules ${message}`);
      },
    });
    if (this.closed) stop();
    else this.stopFollowing = stop;
  }

  /** Re-reads the pointers now; never rejects. A call during a refresh runs one more after it. */
  readonly refresh = coalesced(
    () => this.sync(),
    (err) => {
      this.warn('sync', `rules sync failed, keeping version ${String(this.current.active.v)}: ${err instanceof Error ? err.message : String(err)}`);
    },
  );

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
    this.closed = true;
    this.stopFollowing?.();
    this.stopFollowing = null;
  }
}
