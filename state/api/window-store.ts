import type { MaybePromise } from '../../common/maybe-promise.js';
import type { KeyValue, ValueAndTimestamp, Windowed } from '../../operators/api/record.js';
import type { StateStore } from './state-store.js';

/** One window of one key: when it starts, and its value. */
export interface WindowedValue<V> {
  readonly windowStart: number;
  readonly value: V;
}

/**
 * Reads of a window store: values per key and window start, kept for the store's retention period.
 * Time bounds are inclusive and refer to window start times, as in Kafka Streams. Windows older than the retention
 * period (window start <= newest window start seen - retentionMs) are never returned. Times are non-negative.
 * With `retainDuplicates`, `fetch(key, windowStart)` returns the first value put for that window, the ranged reads
 * return every duplicate in the order they were put.
 */
export interface ReadOnlyWindowStore<K, V> {
  /** The value of one window of one key. */
  fetch(key: K, windowStart: number): MaybePromise<V | undefined>;
  /** The windows of one key starting within [timeFrom, timeTo], oldest first. */
  fetch(key: K, timeFrom: number, timeTo: number): MaybePromise<WindowedValue<V>[]>;
  /** The same, newest first. */
  backwardFetch(key: K, timeFrom: number, timeTo: number): MaybePromise<WindowedValue<V>[]>;
  /** Every key's windows starting within [timeFrom, timeTo], by window start then key. */
  fetchAll(timeFrom: number, timeTo: number): AsyncIterable<KeyValue<Windowed<K>, V>>;
  backwardFetchAll(timeFrom: number, timeTo: number): AsyncIterable<KeyValue<Windowed<K>, V>>;
  all(): AsyncIterable<KeyValue<Windowed<K>, V>>;
  backwardAll(): AsyncIterable<KeyValue<Windowed<K>, V>>;
}

export interface WindowStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
  /**
   * Writes the value of key's window starting at `windowStart`; null deletes it. Writes for windows older than the
   * retention period (relative to the newest window start seen) are dropped. With `retainDuplicates`, every put is
   * kept (stream-stream join buffers) instead of overwriting.
   */
  put(key: K, value: V | null, windowStart: number): void;
  readonly windowSizeMs: number;
  readonly retentionMs: number;
}

export type TimestampedWindowStore<K, V> = WindowStore<K, ValueAndTimestamp<V>>;
export type ReadOnlyTimestampedWindowStore<K, V> = ReadOnlyWindowStore<K, ValueAndTimestamp<V>>;
