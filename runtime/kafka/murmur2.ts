/**
 * Kafka's murmur2 (the Java client's `Utils.murmur2`, seed 0x9747b28c), and the partition the Java default
 * partitioner and librdkafka's `murmur2_random` pick for a keyed record: `(murmur2(key) & 0x7fffffff) % partitions`.
 * The runtime needs it where it must place a key itself (e.g. to know which task owns a key, or to check that a topic
 * written by another client is co-partitioned); the producers leave it to librdkafka's `murmur2_random`.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Java's murmur2 of `data`, as a signed 32-bit integer (what `Utils.murmur2` returns). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const blocks = length >> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i << 2;
    let k = data[o] | (data[o + 1] << 8) | (data[o + 2] << 16) | (data[o + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = blocks << 2;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2] << 16;
    if (rest >= 2) h ^= data[tail + 1] << 8;
    h ^= data[tail];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's Java clients (and librdkafka's `murmur2_random`) choose for a non-null key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return (murmur2(key) & 0x7fffffff) % numPartitions;
}
