import type { Serde } from '../../schemas/serde.js';
import { bytesToKey, keyToBytes } from './key-codec.js';

/**
 * Serializes a store's keys to store-key strings. Remembers the last primitive key, because a processor typically
 * reads and then writes the same key: the second call costs nothing. (Object keys are not remembered: the caller
 * could have mutated the object in between.)
 */
export class KeyEncoder<K> {
  private lastKey: unknown = undefined;
  private lastEncoded = '';

  constructor(
    private readonly serde: Serde<K>,
    /** The topic serdes are called with: the store's changelog topic, as in Kafka Streams. */
    readonly topic: string,
    private readonly storeName: string,
  ) {}

  /** Primitive keys of the last prefetch and their encodings: the reads that follow need not serialize them again. */
  private prefetched: Map<unknown, string> | undefined;

  encode(key: K): string {
    if (key === this.lastKey && key !== undefined) return this.lastEncoded;
    if (this.prefetched !== undefined) {
      const encoded = this.prefetched.get(key);
      if (encoded !== undefined) return encoded;
    }
    if (key === null || key === undefined) {
      throw new TypeError(`store ${this.storeName}: keys cannot be null or undefined`);
    }
    const encoded = bytesToKey(this.serde.serialize(this.topic, key));
    if (typeof key !== 'object') {
      this.lastKey = key;
      this.lastEncoded = encoded;
    }
    return encoded;
  }

  /** Encodes the keys of a prefetch, remembering them (replacing the previous prefetch's) for the reads to come. */
  encodePrefetch(keys: readonly unknown[]): string[] {
    this.prefetched = undefined;
    const remembered = new Map<unknown, string>();
    const encoded = keys.map((key) => {
      const e = this.encode(key as K);
      if (typeof key !== 'object') remembered.set(key, e);
      return e;
    });
    this.prefetched = remembered;
    return encoded;
  }

  /** Serializes something else with its own serde (a prefix-scan prefix) to a store-key string. */
  encodeWith<P>(value: P, serde: Serde<P>): string {
    return bytesToKey(serde.serialize(this.topic, value));
  }

  decode(encoded: string): K {
    return this.serde.deserialize(this.topic, keyToBytes(encoded));
  }

  decodeBytes(bytes: Buffer): K {
    return this.serde.deserialize(this.topic, bytes);
  }
}
