import type { ChainableCommander } from 'ioredis';
import { pipelineOf, type RedisConnection } from './redis.client';

export type Reply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error };

const asError = (err: unknown) => (err instanceof Error ? err : new Error(String(err)));

/**
 * One pipelined round trip whose queued commands each hand back their own reader: a caller
 * reads its reply through the function `add` returned, never by counting the commands other
 * callers queued before it.
 */
export class RedisBatch {
  private readonly pipeline: ChainableCommander;
  private replies: [Error | null, unknown][] | null = null;

  constructor(redis: RedisConnection) {
    this.pipeline = pipelineOf(redis);
  }

  /**
   * `queue` adds exactly one command; `read` turns its raw reply into a T and throws when it
   * does not parse. The reader answers once `exec` has run.
   */
  add<T>(queue: (pipeline: ChainableCommander) => unknown, read: (raw: unknown) => T): () => Reply<T> {
    const index = this.pipeline.length;
    queue(this.pipeline);
    if (this.pipeline.length !== index + 1) throw new Error(`a batch entry must queue exactly one command, not ${String(this.pipeline.length - index)}`);
    return () => {
      if (this.replies === null) throw new Error('the Redis batch has not run');
      const [err, raw] = this.replies[index] ?? [new Error('the pipeline returned no reply for this command'), null];
      if (err) return { ok: false, error: err };
      try {
        return { ok: true, value: read(raw) };
      } catch (e) {
        return { ok: false, error: asError(e) };
      }
    };
  }

  async exec(): Promise<void> {
    if (this.pipeline.length === 0) {
      this.replies = [];
      return;
    }
    const replies = await this.pipeline.exec();
    if (replies === null) throw new Error('the Redis pipeline was discarded');
    this.replies = replies;
  }
}
