import type { Kafka } from 'kafkajs';

const OFFSET_FETCH = 9;
/** The first OffsetFetch with `require_stable` (KIP-447, Kafka 2.5). */
const STABLE_VERSION = 7;
/**
 * Error codes after which the same read is tried again: UNSTABLE_OFFSET_COMMIT (88: a
 * transaction is still applying its offsets), COORDINATOR_LOAD_IN_PROGRESS (14),
 * COORDINATOR_NOT_AVAILABLE (15) and NOT_COORDINATOR (16), as on a new group or a moved coordinator.
 */
const RETRIABLE = new Set([14, 15, 16, 88]);
/** Between reads while the broker says to ask again (milliseconds, on a healthy broker). */
const RETRY_MS = 20;
/** Then the read fails, and the caller's own retry, which logs, takes over. */
const RETRY_FOR_MS = 10_000;

export interface PartitionOffset {
  readonly partition: number;
  /** The committed offset; -1 when the group has none for the partition. */
  readonly offset: bigint;
}

/** Thrown while the broker says to ask again: a transaction is still applying its offsets, or the coordinator is moving. */
export class NotYet extends Error {
  constructor(readonly code: number) {
    super(`the group's offsets are not readable yet (Kafka error code ${String(code)})`);
  }
}

// The flexible-version wire types OffsetFetch v7 uses (KIP-482): unsigned varints, compact
// strings and arrays (length + 1), and an empty tagged-field section after each structure.
const uvarint = (n: number): Buffer => {
  const bytes: number[] = [];
  let rest = n;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
};
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const compactString = (s: string): Buffer => {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([uvarint(bytes.length + 1), bytes]);
};
const compactArray = (items: readonly Buffer[]): Buffer => Buffer.concat([uvarint(items.length + 1), ...items]);
const NO_TAGS = Buffer.from([0]);

/** OffsetFetch v7 for one topic's partitions with `require_stable` set, as the body after kafkajs's request header. */
export function encodeOffsetFetch(groupId: string, topic: string, partitions: readonly number[]): Buffer {
  return Buffer.concat([
    // kafkajs writes request header v1; v2, which flexible versions use, adds these tagged fields.
    NO_TAGS,
    compactString(groupId),
    compactArray([Buffer.concat([compactString(topic), compactArray(partitions.map(int32)), NO_TAGS])]),
    Buffer.from([1]), // require_stable
    NO_TAGS,
  ]);
}

/** Reads the flexible wire types from a response. */
class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}
  uvarint(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = this.buf.readUInt8(this.at++);
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
  }
  int16(): number {
    const v = this.buf.readInt16BE(this.at);
    this.at += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.at);
    this.at += 4;
    return v;
  }
  int64(): bigint {
    const v = this.buf.readBigInt64BE(this.at);
    this.at += 8;
    return v;
  }
  /** A compact (nullable) string, skipped. */
  skipString(): void {
    const length = this.uvarint() - 1; // read before `at` is: the varint moves it
    this.at += Math.max(0, length);
  }
  array<T>(item: () => T): T[] {
    const n = this.uvarint() - 1;
    return Array.from({ length: Math.max(0, n) }, item);
  }
  skipTags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint(); // tag
      const size = this.uvarint();
      this.at += size;
    }
  }
}

/**
 * The partitions' committed offsets from an OffsetFetch v7 response (after the correlation
 * id); throws NotYet when the broker says to ask again, and an Error for any other error code.
 */
export function decodeOffsetFetch(raw: Buffer): PartitionOffset[] {
  const r = new Reader(raw);
  r.skipTags(); // response header v1
  r.int32(); // throttle_time_ms
  const codes: number[] = [];
  const offsets = r
    .array(() => {
      r.skipString(); // topic name
      const partitions = r.array(() => {
        const partition = r.int32();
        const offset = r.int64();
        r.int32(); // committed_leader_epoch
        r.skipString(); // metadata
        codes.push(r.int16());
        r.skipTags();
        return { partition, offset };
      });
      r.skipTags();
      return partitions;
    })
    .flat();
  codes.push(r.int16());
  const failed = codes.find((c) => c !== 0);
  if (failed !== undefined && RETRIABLE.has(failed)) throw new NotYet(failed);
  if (failed !== undefined) throw new Error(`OffsetFetch failed with Kafka error code ${String(failed)}`);
  return offsets;
}

/** What kafkajs's request writer takes from a request's encode(): its Encoder's buffer, twice over. */
const asEncoder = (buf: Buffer) => ({ buf, buffer: buf });

/** The slice of kafkajs's internal broker and cluster this reader uses. */
interface CoordinatorBroker {
  readonly versions: Record<number, { readonly maxVersion: number } | undefined>;
  readonly connectionPool: { send(request: unknown): Promise<PartitionOffset[]> };
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(args: { groupId: string }): Promise<CoordinatorBroker>;
}

/**
 * Reads a consumer group's committed offsets as they stand once every transaction touching
 * them has completed.
 *
 * Kafka applies a transaction's offsets to the group after the transaction has completed; a
 * plain OffsetFetch in between returns the offset from before it. A partition's new owner (or
 * this instance, after a rebalance that kept it) that read that offset would take a committed
 * batch for an aborted one and produce its decisions a second time, as a SIGKILL test caught.
 * With `require_stable` the broker answers UNSTABLE_OFFSET_COMMIT until the offsets are
 * applied, and this reader asks again. kafkajs has no such request (it stops at OffsetFetch
 * v4), so it is sent through kafkajs's own cluster and connection, which bring its
 * connection, authentication and coordinator handling with them.
 */
export class StableOffsets {
  private readonly cluster: InternalCluster;

  constructor(
    kafka: Kafka,
    private readonly groupId: string,
  ) {
    // kafkajs keeps its cluster factory under a symbol; admin() builds its cluster the same way.
    const factory = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
    const create = factory === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[factory];
    if (typeof create !== 'function') throw new Error('this kafkajs version has no cluster factory to read stable offsets with');
    this.cluster = (create as (options: object) => InternalCluster)({ allowAutoTopicCreation: false });
  }

  connect(): Promise<void> {
    return this.cluster.connect();
  }

  disconnect(): Promise<void> {
    return this.cluster.disconnect();
  }

  /** The committed offset of each partition (-1 for none), waiting out transactions still applying theirs. */
  async read(topic: string, partitions: readonly number[]): Promise<PartitionOffset[]> {
    const giveUpAt = performance.now() + RETRY_FOR_MS;
    for (;;) {
      const coordinator = await this.cluster.findGroupCoordinator({ groupId: this.groupId });
      const version = coordinator.versions[OFFSET_FETCH]?.maxVersion ?? 0;
      if (version < STABLE_VERSION)
        throw new Error(`the broker speaks OffsetFetch up to v${String(version)}; exactly-once needs v${String(STABLE_VERSION)} (Kafka 2.5 or later)`);
      try {
        return await coordinator.connectionPool.send({
          request: {
            apiKey: OFFSET_FETCH,
            apiVersion: STABLE_VERSION,
            apiName: 'OffsetFetch',
            encode: () => Promise.resolve(asEncoder(encodeOffsetFetch(this.groupId, topic, partitions))),
          },
          response: { decode: (raw: Buffer) => Promise.resolve(decodeOffsetFetch(raw)), parse: (offsets: PartitionOffset[]) => Promise.resolve(offsets) },
          logResponseError: false,
        });
      } catch (err) {
        if (!(err instanceof NotYet) || performance.now() > giveUpAt) throw err;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }
}
