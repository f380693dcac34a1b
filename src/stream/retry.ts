import type { Logger } from '@nestjs/common';
import type { LogThrottle } from '../shared/throttled-log';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RetryContext {
  readonly logger: Logger;
  readonly throttle: LogThrottle;
  /** Called between tries so the consumer group keeps this member while it waits. */
  readonly heartbeat: () => Promise<void>;
  /** False once the consumer is stopping or the batch's partition was revoked. */
  readonly isRunning: () => boolean;
}

/**
 * Runs `work` until it succeeds, backing off from 100 ms up to 5 s between tries. A transient
 * Redis or Kafka error is waited out here, never dead-lettered. Returns null when the consumer
 * stops meanwhile: nothing of the batch is committed, and its next owner redoes it.
 */
export async function retryUntilDone<T>(what: string, ctx: RetryContext, work: () => Promise<T>): Promise<T | null> {
  for (let attempt = 0; ; attempt++) {
    if (!ctx.isRunning()) return null;
    try {
      return await work();
    } catch (err) {
      const message = ctx.throttle.admit(
        what,
        `${what} failed (attempt ${String(attempt + 1)}), retrying: ${err instanceof Error ? err.message : String(err)}`,
      );
      if (message !== null) ctx.logger.warn(message);
      await sleep(Math.min(5000, 100 * 2 ** attempt));
      await ctx.heartbeat().catch(() => undefined);
    }
  }
}
