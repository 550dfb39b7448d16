import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../../../runtime/kafka/murmur2.js';
import { JAVA_BINARY_KEY, JAVA_MURMUR2, PARTITION_COUNTS } from './java-murmur2-golden.js';

describe('murmur2', () => {
  it.each(JAVA_MURMUR2)('hashes %j like the Java client', (key, hash) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(hash);
  });

  it('hashes bytes >= 0x80 like Java (signed bytes, masked)', () => {
    expect(murmur2(Uint8Array.from(JAVA_BINARY_KEY.bytes))).toBe(JAVA_BINARY_KEY.murmur2);
  });

  it.each(JAVA_MURMUR2)('places %j in the partition the Java client picks', (key, _hash, partitions) => {
    const ours = PARTITION_COUNTS.map((n) => partitionForKey(Buffer.from(key, 'utf8'), n));
    expect(ours).toEqual(partitions);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionForKey(Buffer.from('k'), 0)).toThrow(/positive integer/);
    expect(() => partitionForKey(Buffer.from('k'), 2.5)).toThrow(/positive integer/);
  });
});
