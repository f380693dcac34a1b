/**
 * A correct read_committed filter for kafkajs 2.2.4, in place of its own (around its Fetch decoders).
 *
 * A read_committed fetch returns records up to the last stable offset together with the
 * transactions aborted in that range, and the client drops their records. kafkajs takes that
 * list in the order the broker sends it and opens at most one aborted transaction per record;
 * the broker lists them in the order they were aborted, not by first offset (the Java client
 * sorts them: apache/kafka#2840). When several producers abort at once (a broker outage), an
 * aborted transaction that started before the first listed one is never opened and its
 * records reach the consumer. The fault tests' reader met it: 162 "duplicate" decisions whose
 * first copy DumpLogSegments showed inside an ABORT-marked transaction. The service reads
 * `transactions` and `fraud-labels` through the same filter, and an upstream that writes them
 * transactionally would hit it too.
 *
 * The rule here is the Java client's: aborted transactions by first offset, every one whose
 * first offset has been reached opened at once, a producer's records dropped from its opening
 * until its ABORT marker. Importing this module installs it (kafka.client.ts and the tests'
 * Kafka helpers do).
 */

/** The slice of kafkajs's decoded record that the filter reads. */
export interface FetchedRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly isControlRecord?: boolean;
  readonly batchContext: { readonly producerId: string; readonly inTransaction: boolean };
}

export interface AbortedTransaction {
  readonly producerId: string;
  readonly firstOffset: string;
}

/** A control record's key: version 0, type 0 (ABORT) or 1 (COMMIT). */
const isAbortMarker = (r: FetchedRecord) => r.isControlRecord === true && r.key !== null && r.key.length >= 4 && r.key.readInt16BE(2) === 0;

/** The records of `records` that belong to no aborted transaction (control records stay: kafkajs drops them after). */
export function keepCommitted<R extends FetchedRecord>(records: readonly R[], aborted: readonly AbortedTransaction[] | undefined): R[] {
  if (aborted === undefined || aborted.length === 0) return [...records];
  const pending = [...aborted].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : BigInt(a.firstOffset) > BigInt(b.firstOffset) ? 1 : 0));
  const open = new Set<string>();
  return records.filter((record) => {
    const offset = BigInt(record.offset);
    while (pending.length > 0 && BigInt(pending[0]?.firstOffset ?? 0) <= offset) open.add(pending.shift()?.producerId ?? '');
    const { producerId, inTransaction } = record.batchContext;
    if (isAbortMarker(record)) {
      open.delete(producerId);
      return true;
    }
    return !(inTransaction && open.has(producerId));
  });
}

/** A decoded Fetch response (v4 and later), as far as the filter needs it. */
interface FetchResponse {
  readonly responses: readonly { readonly partitions: { abortedTransactions?: AbortedTransaction[]; messages: FetchedRecord[] }[] }[];
}
type Decode = (raw: Buffer) => Promise<FetchResponse>;

/**
 * The aborted records of each partition become control records, which kafkajs's Batch drops
 * after its own filter, and the aborted list is emptied so that filter has nothing to do.
 * Marked rather than removed: kafkajs moves a partition's fetch offset on from the records it
 * fetched, and a fetch of nothing but aborted records must still move it.
 */
export function markAborted(response: FetchResponse): FetchResponse {
  for (const topic of response.responses) {
    for (const partition of topic.partitions) {
      const aborted = partition.abortedTransactions;
      if (aborted === undefined || aborted.length === 0) continue;
      const kept = new Set(keepCommitted(partition.messages, aborted));
      partition.messages = partition.messages.map((m) => (kept.has(m) ? m : { ...m, isControlRecord: true }));
      partition.abortedTransactions = [];
    }
  }
  return response;
}

const patched = Symbol('fraud:read-committed');

/**
 * Wraps the decode of every Fetch response version that carries aborted transactions (v4 to
 * v11, the ones kafkajs 2.2.4 has). kafkajs looks `decode` up on these module objects at each
 * call, so this takes effect whenever it runs, before or after kafkajs has loaded.
 */
function install(): void {
  for (let version = 4; version <= 11; version++) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's per-version modules are only reachable by path
    const response = require(`kafkajs/src/protocol/requests/fetch/v${String(version)}/response`) as { decode: Decode; [patched]?: true };
    if (response[patched] === true) continue;
    const decode = response.decode;
    response.decode = async (raw) => markAborted(await decode(raw));
    response[patched] = true;
  }
}

install();
