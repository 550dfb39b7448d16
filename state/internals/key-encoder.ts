import type { Serde } from '../../schemas/serde.js';
import { isStringSerde } from '../../schemas/serdes.js';
import { bytesToKey, keyToBytes } from './key-codec.js';

/** True when every char of `text` is ASCII (its UTF-8 bytes are then its char codes). */
function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Serializes a store's keys to store-key strings. Remembers the last primitive key, because a processor typically
 * reads and then writes the same key: the second call costs nothing. (Object keys are not remembered: the caller
 * could have mutated the object in between.)
 */
export class KeyEncoder<K> {
  private lastKey: unknown = undefined;
  private lastEncoded = '';
  /**
   * Keys of the built-in string serde: an ASCII string is its own store key (its UTF-8 bytes read as latin1 give the
   * same string back). Saves a serialization and a bytes-to-string conversion per key (~170 ns for a 10-char key).
   */
  private readonly asciiIsItself: boolean;

  constructor(
    private readonly serde: Serde<K>,
    /** The topic serdes are called with: the store's changelog topic, as in Kafka Streams. */
    readonly topic: string,
    private readonly storeName: string,
  ) {
    this.asciiIsItself = isStringSerde(serde);
  }

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
    const encoded =
      this.asciiIsItself && typeof key === 'string' && isAscii(key)
        ? key
        : bytesToKey(this.serde.serialize(this.topic, key));
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
    if (this.asciiIsItself && isAscii(encoded)) return encoded as K;
    return this.serde.deserialize(this.topic, keyToBytes(encoded));
  }

  decodeBytes(bytes: Buffer): K {
    return this.serde.deserialize(this.topic, bytes);
  }
}
