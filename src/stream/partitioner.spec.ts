import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { KeyPartitioner, murmur2 } from './partitioner';

// kafkajs's own port of the Java client's hash: the reference this one must equal bit for bit.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs does not export it; a test-only deep import of a pure function
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;

const partitionMetadata = Array.from({ length: 6 }, (_, partitionId) => ({
  partitionId,
  leader: 1,
  replicas: [1],
  isr: [1],
  offlineReplicas: [],
  partitionErrorCode: 0,
}));
const args = (message: PartitionerArgs['message']): PartitionerArgs => ({ topic: 'decisions', partitionMetadata, message });

describe('the key partitioner', () => {
  it('hashes every key length and byte value exactly as kafkajs (and so the Java client) does', () => {
    for (let length = 0; length < 200; length++) {
      for (let round = 0; round < 20; round++) {
        const key = randomBytes(length);
        expect(murmur2(key)).toBe(kafkajsMurmur2(key));
      }
    }
  });

  it('matches the hashes the Java client documents for known keys', () => {
    // From Apache Kafka's UtilsTest.testMurmur2.
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
  });

  it('sends each keyed message to the partition kafkajs would, for ASCII, non-ASCII and long keys', () => {
    const ours = KeyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const keys = [
      ...Array.from({ length: 2000 }, (_, i) => `tx-${randomBytes(8).toString('hex')}-${String(i)}`),
      'carte-é-ü-😀',
      'x'.repeat(5000),
      Buffer.from('buffer-key'),
    ];
    for (const key of keys) expect(ours(args({ key, value: 'v' }))).toBe(theirs(args({ key, value: 'v' })));
  });

  it('keeps an explicit partition, and spreads keyless messages over the partitions', () => {
    const ours = KeyPartitioner();
    expect(ours(args({ key: 'k', value: 'v', partition: 4 }))).toBe(4);
    const seen = new Set(Array.from({ length: 60 }, () => ours(args({ value: 'v' }))));
    expect(seen.size).toBe(6);
  });
});
