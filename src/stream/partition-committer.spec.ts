import type { Message } from 'kafkajs';
import { mergeBatches, PartitionCommitter, type CommitOutcome, type DecidedBatch } from './partition-committer';

const batch = (from: number, to: number): DecidedBatch => ({
  firstOffset: String(from),
  nextOffset: String(to + 1),
  decisions: Array.from({ length: to - from + 1 }, (_, i): Message => ({ key: `tx-${String(from + i)}`, value: 'd' })),
  reviews: [],
  deadLetters: [],
  highWatermark: String(to + 10),
});
const heartbeat = () => Promise.resolve();
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A commit the test settles by hand, recording what each transaction carried. */
function manualKafka() {
  const transactions: { offsets: string[]; nextOffset: string; finish: (o: CommitOutcome) => void }[] = [];
  const drops: { from: string; outcome: string }[] = [];
  const committer = new PartitionCommitter(
    (b) => new Promise<CommitOutcome>((finish) => transactions.push({ offsets: b.decisions.map((m) => String(m.key)), nextOffset: b.nextOffset, finish })),
    (from, outcome) => drops.push({ from, outcome }),
  );
  return { committer, transactions, drops };
}

describe('PartitionCommitter', () => {
  it('commits in order, merging the batches that waited behind a commit into one transaction', async () => {
    const { committer, transactions } = manualKafka();
    const first = committer.submit(batch(0, 1), 0, heartbeat);
    const second = committer.submit(batch(2, 3), 0, heartbeat);
    const third = committer.submit(batch(4, 4), 0, heartbeat);
    expect(transactions).toHaveLength(1);
    transactions[0]?.finish('committed');
    expect(await first).toBe(true);
    await tick();
    expect(transactions).toHaveLength(2);
    expect(transactions[1]?.offsets).toEqual(['tx-2', 'tx-3', 'tx-4']);
    expect(transactions[1]?.nextOffset).toBe('5');
    transactions[1]?.finish('committed');
    expect([await second, await third]).toEqual([true, true]);
    await committer.idle();
  });

  it('after a failed commit drops everything behind it, moves the epoch and refuses batches decided before', async () => {
    const { committer, transactions, drops } = manualKafka();
    const first = committer.submit(batch(10, 11), 0, heartbeat);
    const behind = committer.submit(batch(12, 13), 0, heartbeat);
    transactions[0]?.finish('lost');
    expect([await first, await behind]).toEqual([false, false]);
    expect(drops).toEqual([{ from: '10', outcome: 'lost' }]);
    expect(committer.epoch).toBe(1);
    // A batch decided before the drop would commit past the gap: refused.
    expect(committer.submit(batch(14, 15), 0, heartbeat)).toBeNull();
    expect(transactions).toHaveLength(1);
    // The redo, decided under the new epoch, commits.
    const redo = committer.submit(batch(10, 15), 1, heartbeat);
    transactions[1]?.finish('committed');
    expect(await redo).toBe(true);
  });

  it('holds the caller back while more than one batch waits behind the commit in flight, and is idle only when all landed', async () => {
    const { committer, transactions } = manualKafka();
    void committer.submit(batch(0, 0), 0, heartbeat);
    void committer.submit(batch(1, 1), 0, heartbeat);
    let roomy = false;
    void committer.room().then(() => (roomy = true));
    await tick();
    expect(roomy).toBe(true); // one waiting is allowed
    void committer.submit(batch(2, 2), 0, heartbeat);
    roomy = false;
    void committer.room().then(() => (roomy = true));
    let idle = false;
    void committer.idle().then(() => (idle = true));
    await tick();
    expect(roomy).toBe(false);
    transactions[0]?.finish('committed');
    await tick();
    expect(roomy).toBe(true); // the two waiting went into the next transaction
    expect(idle).toBe(false);
    transactions[1]?.finish('committed');
    await tick();
    expect(idle).toBe(true);
  });

  it('once closed, drops what waits, refuses new batches and lets the commit in flight finish', async () => {
    const { committer, transactions } = manualKafka();
    const inFlight = committer.submit(batch(0, 0), 0, heartbeat);
    const waiting = committer.submit(batch(1, 1), 0, heartbeat);
    committer.close();
    expect(await waiting).toBe(false);
    expect(committer.submit(batch(2, 2), 0, heartbeat)).toBeNull();
    transactions[0]?.finish('committed');
    expect(await inFlight).toBe(true);
    await committer.idle();
    expect(transactions).toHaveLength(1);
  });

  it('a commit that throws counts as lost', async () => {
    const drops: string[] = [];
    const committer = new PartitionCommitter(
      () => Promise.reject(new Error('broker gone')),
      (_from, outcome) => drops.push(outcome),
    );
    expect(await committer.submit(batch(0, 0), 0, heartbeat)).toBe(false);
    expect(drops).toEqual(['lost']);
  });
});

describe('mergeBatches', () => {
  it('keeps the messages in offset order and commits past the last batch', () => {
    const merged = mergeBatches([batch(0, 1), batch(2, 2)]);
    expect(merged.decisions.map((m) => m.key)).toEqual(['tx-0', 'tx-1', 'tx-2']);
    expect(merged).toMatchObject({ firstOffset: '0', nextOffset: '3', highWatermark: '12' });
  });
});
