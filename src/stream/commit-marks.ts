import type { Redis } from 'ioredis';

// Raises the mark, never lowers it (commits of one partition may be recorded out of order
// across a handover), and keeps it for MARK_TTL_MS after the latest commit.
const RAISE = `
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`;

/**
 * Long enough to cover any handover (a rebalance, or a session timeout after a crash) and
 * short enough that a deleted and re-created topic soon stops being judged by the old one's marks.
 */
const MARK_TTL_MS = 10 * 60_000;

/**
 * Per partition, the offset after the latest transaction this consumer group committed, kept
 * in Redis beside Kafka's own committed offset.
 *
 * Kafka applies a transaction's offsets to the group asynchronously, after the transaction
 * has completed: an OffsetFetch a few milliseconds later can still return the offset from
 * before it (KIP-447's `require_stable` fixes this in OffsetFetch v7, which kafkajs does not
 * speak). A new owner of a partition, or this instance after a rebalance that kept it, that read
 * that stale offset would take the just-committed batch for one left aborted and produce its
 * decisions again. The mark is written once the commit has returned, before the next commit
 * of the partition and before this instance leaves the group, so whoever fences the partition
 * next reads it; the larger of the two offsets is where undecided messages start.
 */
export class CommitMarks {
  constructor(
    private readonly redis: Redis,
    private readonly groupId: string,
  ) {}

  private key(topic: string, partition: number): string {
    return `fd:k:{${this.groupId}}:${topic}:${String(partition)}`;
  }

  async raise(topic: string, partition: number, nextOffset: string): Promise<void> {
    await this.redis.eval(RAISE, 1, this.key(topic, partition), nextOffset, MARK_TTL_MS);
  }

  /** The mark, or null when none is kept (none committed lately, or it expired). */
  async read(topic: string, partition: number): Promise<bigint | null> {
    const raw = await this.redis.get(this.key(topic, partition));
    return raw !== null && /^\d+$/.test(raw) ? BigInt(raw) : null;
  }
}
