/**
 * What this instance knows about the partitions it owns, and the three decisions the Kafka
 * path's exactly-once rests on, apart from kafkajs so each can be tested on its own:
 * - **fence** before deciding anything of a partition that is newly assigned, or whose commit
 *   had an unknown outcome: initialise its transactional producer (fencing any earlier owner)
 *   and read its committed offset stable (TransactionsConsumer.fence);
 * - **skip** every message below what is known committed: the offset read when fencing, then
 *   each of this owner's own commits. Whatever rewinds the fetch position (a redo, a seek, a
 *   redelivery), a committed message never gets a second decision;
 * - **redo** after a lost commit: fence again and consume again from the first dropped offset,
 *   if the partition is still this instance's.
 */
export class PartitionOwnership {
  private owned = new Set<string>();
  private unfenced = new Set<string>();
  /** Per owned partition: every message below this offset is committed. */
  private readonly committedBelow = new Map<string, bigint>();

  /** A new assignment: every partition in it is fenced again. Returns the partitions no longer owned. */
  assign(keys: ReadonlySet<string>): string[] {
    const gone = [...this.owned].filter((key) => !keys.has(key));
    this.owned = new Set(keys);
    this.unfenced = new Set(keys);
    this.committedBelow.clear();
    return gone;
  }

  get ownedKeys(): ReadonlySet<string> {
    return this.owned;
  }

  owns(key: string): boolean {
    return this.owned.has(key);
  }

  needsFence(key: string): boolean {
    return this.unfenced.has(key);
  }

  /** Fenced: `committedOffset` is the group's committed offset read (stable) after the fence. */
  fenced(key: string, committedOffset: bigint): void {
    this.unfenced.delete(key);
    this.raise(key, committedOffset);
  }

  /** One of this owner's commits landed: everything below `nextOffset` is committed. */
  committed(key: string, nextOffset: bigint): void {
    if (this.owned.has(key)) this.raise(key, nextOffset);
  }

  /** The messages of a fetched run still to decide: those at or past the committed offset. */
  toDecide<M extends { readonly offset: string }>(key: string, messages: readonly M[]): M[] {
    const below = this.committedBelow.get(key);
    return below === undefined ? [...messages] : messages.filter((m) => BigInt(m.offset) >= below);
  }

  /**
   * A commit whose outcome is unknown (its abort failed): true when the partition is still
   * owned, and must then be fenced again and consumed again from the first dropped offset.
   */
  lost(key: string): boolean {
    if (!this.owned.has(key)) return false;
    this.unfenced.add(key);
    return true;
  }

  private raise(key: string, offset: bigint): void {
    const known = this.committedBelow.get(key);
    if (known === undefined || offset > known) this.committedBelow.set(key, offset);
  }
}
