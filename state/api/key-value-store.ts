import type { MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValue, ValueAndTimestamp } from '../../operators/api/record.js';
import type { Serde } from '../../schemas/serde.js';
import type { StateStore } from './state-store.js';

/**
 * Reads of a key-value store. A read answered from memory returns the value itself; one that must go to RocksDB
 * returns a promise, so `await store.get(key)` is always right and costs no promise on a cache hit.
 *
 * Ranges follow the bytewise order of serialized keys (inclusive bounds, as in Kafka Streams); that is the natural
 * key order only for order-preserving key serdes (`Serde.orderPreserving`): the built-in string and bytes serdes, and
 * the int/long serdes for non-negative numbers only (negative numbers sort after positive ones). A range whose `from`
 * serializes after its `to` is empty. Iterators see the store as it was when the range was opened.
 *
 * Values handed out by a store are shared with its cache: treat them as immutable, or put what you changed (mutating
 * a value and putting it back is fine; mutating it without a put leaves the cache and the store disagreeing).
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
  /**
   * Writes only when the key is absent; returns the value that was there. Deciding needs a read, so on a RocksDB
   * store whose key is not in memory the write happens only once the returned promise settles: await it.
   */
  putIfAbsent(key: K, value: V): MaybePromise<V | undefined>;
  /** Deletes the key at once; returns the value it had (a promise if that needs a read of RocksDB). */
  delete(key: K): MaybePromise<V | undefined>;
}

/** A key-value store whose values carry the timestamp of the record that last updated them (KTable stores). */
export type TimestampedKeyValueStore<K, V> = KeyValueStore<K, ValueAndTimestamp<V>>;
export type ReadOnlyTimestampedKeyValueStore<K, V> = ReadOnlyKeyValueStore<K, ValueAndTimestamp<V>>;
