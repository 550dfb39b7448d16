/**
 * What `Stores.inMemoryKeyValueStore(...)` and friends return: which implementation a store uses and its time
 * parameters. A builder (`Stores.keyValueStoreBuilder(supplier, keySerde, valueSerde)`) adds serdes, caching and
 * logging. Unlike Kafka Streams' suppliers these are descriptions, not factories: Tributary's stores are its own.
 *
 * The timestamped suppliers (`persistentTimestampedKeyValueStore`, ...) exist for Kafka Streams parity; the value
 * format (plain or `ValueAndTimestamp`) is decided by the builder, so any supplier works with any builder of its kind.
 */
export interface KeyValueBytesStoreSupplier {
  readonly kind: 'key-value';
  readonly name: string;
  /** RocksDB (true) or memory (false). */
  readonly persistent: boolean;
}

export interface WindowBytesStoreSupplier {
  readonly kind: 'window';
  readonly name: string;
  readonly persistent: boolean;
  /** How long a window is kept, measured from its start against the newest window start seen (ms). */
  readonly retentionMs: number;
  readonly windowSizeMs: number;
  /** Keep every put instead of overwriting (stream-stream join buffers). Such stores cannot be cached. */
  readonly retainDuplicates: boolean;
  /** Width of the time segments expired data is dropped by: max(retentionMs / 2, 60 s), as in Kafka Streams. */
  readonly segmentIntervalMs: number;
}

export interface SessionBytesStoreSupplier {
  readonly kind: 'session';
  readonly name: string;
  readonly persistent: boolean;
  /** How long a session is kept, measured from its end against the newest session end seen (ms). */
  readonly retentionMs: number;
  readonly segmentIntervalMs: number;
}

export interface WindowStoreOptions {
  readonly retentionMs: number;
  readonly windowSizeMs: number;
  readonly retainDuplicates?: boolean;
}

export interface SessionStoreOptions {
  readonly retentionMs: number;
}
