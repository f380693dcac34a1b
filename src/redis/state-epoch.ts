import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { z } from 'zod';
import { Readiness } from '../health/readiness';
import { Metrics } from '../metrics/metrics';
import { RedisClient } from './redis.client';
import type { RedisBatch, Reply } from './redis-batch';

/**
 * The hash that names the state Redis holds: `epoch` (an id made when the state began),
 * `since` and `origin` (`start-up`: the first instance to find Redis without one; `restored`:
 * an operator's `npm run state:resume`, after restoring the data or accepting it as it is).
 */
export const STATE_KEY = 'fd:state';

/** A stream batch met lost state: retried (the Kafka path waits) until the state is back. */
export class StateLost extends Error {
  constructor() {
    super('Redis lost its state (the state epoch is gone or changed); waiting for it to be restored (npm run state:resume)');
    this.name = 'StateLost';
  }
}

const epochReply = z.string().nullable();
const POLL_MS = 1000;

/**
 * Notices a Redis that came back without the state this instance was deciding on (restarted
 * empty, failed over to a replica that had nothing, flushed). Every velocity window, stored
 * decision and rule version would be silently gone, and decisions would go on from empty
 * profiles. Each instance remembers the epoch it found at start-up and compares it on every
 * reconnect and in every micro-batch's first round trip (one HGET beside the claims). Once
 * lost, readiness says so, HTTP decides degraded with STATE_LOST without touching Redis, and
 * stream batches fail (the Kafka consumer retries them, writing nothing) until an operator
 * marks the state restored; the instance then takes the new epoch on.
 */
@Injectable()
export class StateEpoch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(StateEpoch.name);
  private known: string | null = null;
  private lostSince: Date | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly client: RedisClient,
    private readonly metrics: Metrics,
    readiness: Readiness,
  ) {
    readiness.register({ name: 'state', isReady: () => this.lostSince === null });
    client.redis.on('ready', () => {
      void this.verify();
    });
  }

  onApplicationBootstrap(): void {
    this.metrics.stateLost.set(0);
    void this.verify();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
  }

  get lost(): boolean {
    return this.lostSince !== null;
  }

  /** Queues the epoch read on a batch; `observe` takes its reply. */
  queueOn(batch: RedisBatch): () => Reply<string | null> {
    return batch.add(
      (p) => p.hget(STATE_KEY, 'epoch'),
      (raw) => epochReply.parse(raw),
    );
  }

  /** A failed read says nothing about the state (the batch's own error handling covers it). */
  observe(reply: Reply<string | null>): void {
    if (reply.ok) this.compare(reply.value);
  }

  /**
   * Learns the epoch the first time Redis answers (making one if Redis holds none: a new
   * deployment), and afterwards compares against it. Errors are left to the next reconnect.
   */
  private async verify(): Promise<void> {
    if (this.client.redis.status !== 'ready') return;
    try {
      if (this.known === null) {
        const made = randomUUID();
        const created = await this.client.redis.hsetnx(STATE_KEY, 'epoch', made);
        if (created === 1) {
          await this.client.redis.hset(STATE_KEY, 'since', new Date().toISOString(), 'origin', 'start-up');
          this.logger.warn(
            `Redis held no state epoch: starting on its data as new state ${made}. If Redis lost its data while no instance was running, restore it before sending traffic.`,
          );
        }
      }
      this.compare(epochReply.parse(await this.client.redis.hget(STATE_KEY, 'epoch')));
    } catch (err) {
      this.logger.warn(`reading the state epoch failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private compare(epoch: string | null): void {
    if (this.known === null) {
      if (epoch !== null) this.known = epoch;
      return;
    }
    if (epoch === this.known || this.lostSince !== null) return;
    this.lostSince = new Date();
    this.metrics.stateLost.set(1);
    this.logger.error(
      `Redis lost its state (epoch ${this.known} is ${epoch === null ? 'gone' : `now ${epoch}`}): HTTP decides degraded with STATE_LOST and the Kafka path waits, until the state is restored and marked so (npm run state:resume)`,
    );
    this.poll();
  }

  /** While lost: waits for an epoch marked restored, and takes it on. */
  private poll(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void (async () => {
        try {
          const [epoch = null, origin = null] = await this.client.redis.hmget(STATE_KEY, 'epoch', 'origin');
          if (epoch !== null && epoch !== this.known && origin === 'restored') {
            this.logger.warn(`the state was marked restored (epoch ${epoch}, lost since ${this.lostSince?.toISOString() ?? '?'}): deciding on it again`);
            this.known = epoch;
            this.lostSince = null;
            this.metrics.stateLost.set(0);
            return;
          }
        } catch {
          // Redis still away: asked again below.
        }
        this.poll();
      })();
    }, POLL_MS);
    this.timer.unref();
  }
}

/** What `npm run state:resume` writes: a new epoch, marked restored, that every waiting instance takes on. */
export async function markRestored(redis: RedisClient['redis']): Promise<string> {
  const epoch = randomUUID();
  await redis.hset(STATE_KEY, 'epoch', epoch, 'since', new Date().toISOString(), 'origin', 'restored');
  return epoch;
}
