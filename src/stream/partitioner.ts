import './send-messages';
import { Partitioners, type ICustomPartitioner } from 'kafkajs';

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, which kafkajs's default partitioner
 * ports), in 32-bit integer arithmetic. kafkajs computes it with its 64-bit Long class, an
 * object per step: with its Long helpers it was 7% of a steady run's allocations. Every
 * product is only read through its low 32 bits, so `Math.imul` gives the same hash.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] ?? 0) | ((data[i + 1] ?? 0) << 8) | ((data[i + 2] ?? 0) << 16) | ((data[i + 3] ?? 0) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] ?? 0) << 16;
  if (rest >= 2) h ^= (data[whole + 1] ?? 0) << 8;
  if (rest >= 1) h = Math.imul(h ^ (data[whole] ?? 0), M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  return h ^ (h >>> 15);
}

/** Keys are ids of a few dozen bytes: encoded into one reused buffer instead of a new one each. */
const scratch = Buffer.alloc(1024);

function keyBytes(key: Buffer | string): Uint8Array {
  if (typeof key !== 'string') return key;
  // A UTF-16 unit takes at most 3 bytes of UTF-8, so a key this short always fits.
  if (key.length * 3 > scratch.length) return Buffer.from(key);
  return scratch.subarray(0, scratch.write(key));
}

/**
 * kafkajs's DefaultPartitioner with the hash above: an explicit partition wins, then a key
 * picks `murmur2(key) & 0x7fffffff % partitions` exactly as kafkajs and the Java client do
 * (other producers of the same topics agree on a key's partition), and a message without
 * either goes to kafkajs's own round robin.
 */
export const KeyPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== undefined) return message.partition;
    if (message.key !== undefined && message.key !== null) return (murmur2(keyBytes(message.key)) & 0x7fffffff) % partitionMetadata.length;
    return fallback(args);
  };
};
