import type { MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValue } from '../../operators/api/record.js';
import type { Serde } from '../../schemas/serde.js';
import type { StateStore } from './state-store.js';

/**
 * Reads of a key-value store. A read answered from memory returns the value itself; one that must go to RocksDB
 * returns a promise, so `await store.get(key)` is always right and costs no promise on a cache hit.
 *
 * Ranges follow the bytewise order of serialized keys (inclusive bounds, as in Kafka Streams); that is the natural
 * key order only for order-preserving key serdes (`Serde.orderPreserving`).
 */
export interface ReadOnlyKeyValueStore<K, V> {
  get(key: K): MaybePromise<V | undefined>;
  /** Keys from `from` to `to`, both inclusive; an undefined bound is open. */
  range(from: K | undefined, to: K | undefined): AsyncIterable<KeyValue<K, V>>;
  reverseRange(from: K | undefined, to: K | undefined): AsyncIterable<KeyValue<K, V>>;
  all(): AsyncIterable<KeyValue<K, V>>;
  reverseAll(): AsyncIterable<KeyValue<K, V>>;
  /** Keys whose serialized bytes start with the serialized prefix. */
  prefixScan<P>(prefix: P, prefixSerde: Serde<P>): AsyncIterable<KeyValue<K, V>>;
  approximateNumEntries(): MaybePromise<number>;
}

export interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
  /** Writes are buffered in memory and never wait; a null value deletes the key. */
  put(key: K, value: V | null): void;
  putAll(entries: ReadonlyArray<KeyValue<K, V | null>>): void;
  /** Writes only when the key is absent; returns the value that was there. */
  putIfAbsent(key: K, value: V): MaybePromise<V | undefined>;
  /** Deletes the key; returns the value it had. */
  delete(key: K): MaybePromise<V | undefined>;
}
