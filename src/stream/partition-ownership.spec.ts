import { PartitionOwnership } from './partition-ownership';

const P = 'transactions-0';
const run = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ offset: String(from + i) }));
const offsets = (messages: readonly { offset: string }[]) => messages.map((m) => Number(m.offset));

/** An owner of P that has fenced it at `committed`. */
function fencedAt(committed: number): PartitionOwnership {
  const ownership = new PartitionOwnership();
  ownership.assign(new Set([P]));
  ownership.fenced(P, BigInt(committed));
  return ownership;
}

describe('partition ownership: the decisions exactly-once rests on', () => {
  it('fences a newly assigned partition before deciding, and skips what the earlier owner committed', () => {
    const ownership = new PartitionOwnership();
    ownership.assign(new Set([P, 'transactions-1']));
    expect(ownership.needsFence(P)).toBe(true);
    ownership.fenced(P, 120n);
    expect(ownership.needsFence(P)).toBe(false);
    // kafkajs fetched from the offset it read at assignment, before the earlier owner's last commit.
    expect(offsets(ownership.toDecide(P, run(100, 130)))).toEqual(offsets(run(120, 130)));
  });

  it('redoes a lost commit whose answer was lost after it landed without deciding it twice (the lost-commit fault)', () => {
    const ownership = fencedAt(100);
    ownership.committed(P, 150n);
    // The commit of [150, 200) lost its answer and could not be aborted: fence again, redo.
    expect(ownership.lost(P)).toBe(true);
    expect(ownership.needsFence(P)).toBe(true);
    // The stable read finds it landed: the redo from 150 decides nothing of it.
    ownership.fenced(P, 200n);
    expect(offsets(ownership.toDecide(P, run(150, 210)))).toEqual([200, 201, 202, 203, 204, 205, 206, 207, 208, 209]);
  });

  it('redoes a lost commit that did not land, from its first message (the broker crash fault)', () => {
    const ownership = fencedAt(100);
    ownership.committed(P, 150n);
    expect(ownership.lost(P)).toBe(true);
    ownership.fenced(P, 150n);
    expect(offsets(ownership.toDecide(P, run(150, 155)))).toEqual([150, 151, 152, 153, 154]);
  });

  it('never decides again what its own commits covered, whatever rewinds the fetch (a seek, a consumer restart)', () => {
    const ownership = fencedAt(0);
    ownership.committed(P, 300n);
    expect(ownership.toDecide(P, run(250, 310)).length).toBe(10);
    // A stale fence result never lowers what is known committed.
    ownership.fenced(P, 200n);
    expect(offsets(ownership.toDecide(P, run(290, 302)))).toEqual([300, 301]);
  });

  it('leaves a lost commit of a partition it no longer owns to the next owner, and ignores its late commits', () => {
    const ownership = fencedAt(100);
    ownership.assign(new Set(['transactions-1']));
    expect(ownership.lost(P)).toBe(false);
    ownership.committed(P, 400n);
    expect(ownership.owns(P)).toBe(false);
  });

  it('fences again on every assignment, even of a partition it kept: another owner may have held it in between', () => {
    const ownership = fencedAt(100);
    ownership.committed(P, 180n);
    ownership.assign(new Set([P]));
    expect(ownership.needsFence(P)).toBe(true);
    // Until it is fenced nothing is assumed committed: the fence's stable read says what is.
    expect(ownership.toDecide(P, run(170, 172)).length).toBe(2);
    ownership.fenced(P, 260n);
    expect(ownership.toDecide(P, run(170, 265)).length).toBe(5);
  });

  it('decides every new message through a stall (no ownership change, nothing lost)', () => {
    const ownership = fencedAt(100);
    ownership.committed(P, 150n);
    expect(offsets(ownership.toDecide(P, run(150, 153)))).toEqual([150, 151, 152]);
    expect(ownership.needsFence(P)).toBe(false);
  });
});
