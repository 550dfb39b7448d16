import { andThen, type MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValue } from '../../operators/api/record.js';
import type { Serde } from '../../schemas/serde.js';
import type { KeyValueStore } from '../api/key-value-store.js';
import { flatten } from './async-entries.js';
import { CoreBackedStore, type StoreParts } from './core-backed-store.js';
import { after, prefixEnd } from './key-codec.js';
import type { CoreEntry } from './store-core.js';

/** A key-value store over the store core: store key = serialized key, one segment. */
export class KeyValueStoreImpl<K, V> extends CoreBackedStore<K, V> implements KeyValueStore<K, V> {
  constructor(parts: StoreParts<K, V>) {
    super(parts, { segmentOf: () => 0, singleSegment: true, listenerKey: (keyObject) => keyObject });
  }

  get(key: K): MaybePromise<V | undefined> {
    return this.core.get(this.keys.encode(key));
  }

  put(key: K, value: V | null): void {
    this.core.put(this.keys.encode(key), key, value, this.timestampFor(value));
  }

  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void {
    for (const entry of entries) this.put(entry.key, entry.value);
  }

  putIfAbsent(key: K, value: V): MaybePromise<V | undefined> {
    return andThen(this.get(key), (old) => {
      if (old === undefined) this.put(key, value);
      return old;
    });
  }

  /** Deletes at once (like every write); only the old value it returns may take a read of RocksDB. */
  delete(key: K): MaybePromise<V | undefined> {
    const encoded = this.keys.encode(key);
    const old = this.core.previous(encoded);
    this.core.put(encoded, key, null, this.timestampFor(null));
    return old;
  }

  range(from: K | undefined, to: K | undefined): AsyncIterable<KeyValue<K, V>> {
    return this.scan(from, to, false);
  }

  reverseRange(from: K | undefined, to: K | undefined): AsyncIterable<KeyValue<K, V>> {
    return this.scan(from, to, true);
  }

  all(): AsyncIterable<KeyValue<K, V>> {
    return this.scan(undefined, undefined, false);
  }

  reverseAll(): AsyncIterable<KeyValue<K, V>> {
    return this.scan(undefined, undefined, true);
  }

  prefixScan<P>(prefix: P, prefixSerde: Serde<P>): AsyncIterable<KeyValue<K, V>> {
    const from = this.keys.encodeWith(prefix, prefixSerde);
    return this.decoded(this.core.scan(from, prefixEnd(from), false));
  }

  approximateNumEntries(): MaybePromise<number> {
    return this.core.approximateCount();
  }

  prefetch(keys: readonly unknown[]): Promise<void> | undefined {
    return this.core.prefetch(this.keys.encodePrefetch(keys));
  }

  private scan(from: K | undefined, to: K | undefined, reverse: boolean): AsyncIterable<KeyValue<K, V>> {
    const lo = from === undefined ? undefined : this.keys.encode(from);
    const hi = to === undefined ? undefined : after(this.keys.encode(to));
    if (lo !== undefined && hi !== undefined && lo >= hi) return this.decoded(NOTHING);
    return this.decoded(this.core.scan(lo, hi, reverse));
  }

  private decoded(chunks: AsyncIterable<readonly CoreEntry<V>[]>): AsyncIterable<KeyValue<K, V>> {
    const keys = this.keys;
    return flatten(
      chunks,
      (entry): KeyValue<K, V> => ({
        key: entry.keyBytes !== undefined ? keys.decodeBytes(entry.keyBytes) : keys.decode(entry.key),
        value: entry.value,
      }),
    );
  }
}

const NOTHING: AsyncIterable<never[]> = {
  async *[Symbol.asyncIterator]() {},
};
