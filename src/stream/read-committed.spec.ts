import { keepCommitted, markAborted, type AbortedTransaction, type FetchedRecord } from './read-committed';

const record = (offset: number, producerId: number, key = `tx-${String(offset)}`): FetchedRecord => ({
  offset: String(offset),
  key: Buffer.from(key),
  batchContext: { producerId: String(producerId), inTransaction: true },
});
/** A transaction's end marker: key version 0, type 0 (ABORT) or 1 (COMMIT). */
const marker = (offset: number, producerId: number, type: 'ABORT' | 'COMMIT'): FetchedRecord => ({
  offset: String(offset),
  key: Buffer.from([0, 0, 0, type === 'ABORT' ? 0 : 1]),
  isControlRecord: true,
  batchContext: { producerId: String(producerId), inTransaction: true },
});
const aborted = (producerId: number, firstOffset: number): AbortedTransaction => ({ producerId: String(producerId), firstOffset: String(firstOffset) });
const offsetsOf = (records: readonly FetchedRecord[]) => records.filter((r) => r.isControlRecord !== true).map((r) => Number(r.offset));

/**
 * The shape the fault test met on a decisions partition: four producers' transactions
 * interleaved, one committed, three aborted by a broker outage, listed in abort order.
 */
const interleaved = [
  record(10, 9),
  record(11, 9),
  record(12, 11),
  record(13, 7),
  record(14, 8),
  record(15, 12),
  marker(16, 8, 'COMMIT'),
  marker(17, 7, 'ABORT'),
  marker(18, 11, 'ABORT'),
  marker(19, 12, 'ABORT'),
  marker(20, 9, 'ABORT'),
  record(21, 9),
  marker(22, 9, 'COMMIT'),
];
const abortOrder = [aborted(7, 13), aborted(11, 12), aborted(12, 15), aborted(9, 10)];

describe('the read_committed filter', () => {
  it('drops every aborted transaction of interleaved producers, whatever order the broker lists them in', () => {
    expect(offsetsOf(keepCommitted(interleaved, abortOrder))).toEqual([14, 21]);
  });

  it('is needed: kafkajs 2.2.4 lets the records of an aborted transaction through on the same fetch', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs's own filter, by path, to show what it misses
    const kafkajs = require('kafkajs/src/consumer/filterAbortedMessages') as (args: {
      messages: FetchedRecord[];
      abortedTransactions: AbortedTransaction[];
    }) => FetchedRecord[];
    expect(offsetsOf(kafkajs({ messages: [...interleaved], abortedTransactions: abortOrder }))).toContain(10);
  });

  it('drops the records of aborted transactions that began before the fetch did', () => {
    // Both began before offset 50, where this fetch starts; the first record is the second one's.
    const fetched = [record(50, 2), record(51, 1), record(52, 3), marker(53, 1, 'ABORT'), marker(54, 2, 'ABORT')];
    expect(offsetsOf(keepCommitted(fetched, [aborted(1, 40), aborted(2, 45)]))).toEqual([52]);
  });

  it("keeps a producer's records after its ABORT marker, and everything when nothing was aborted", () => {
    const fetched = [record(1, 5), marker(2, 5, 'ABORT'), record(3, 5), marker(4, 5, 'COMMIT')];
    expect(offsetsOf(keepCommitted(fetched, [aborted(5, 1)]))).toEqual([3]);
    expect(offsetsOf(keepCommitted(fetched, []))).toEqual([1, 3]);
    expect(offsetsOf(keepCommitted(fetched, undefined))).toEqual([1, 3]);
  });

  it('marks aborted records as control records in a fetch response, so kafkajs still moves the fetch offset past them', () => {
    const response = { responses: [{ partitions: [{ abortedTransactions: abortOrder, messages: [...interleaved] }] }] };
    const [partition] = markAborted(response).responses[0]?.partitions ?? [];
    expect(partition?.messages).toHaveLength(interleaved.length);
    expect(offsetsOf(partition?.messages ?? [])).toEqual([14, 21]);
    expect(partition?.abortedTransactions).toEqual([]);
  });
});
