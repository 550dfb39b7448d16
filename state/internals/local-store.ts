import type { MaybePromise } from '../../common/maybe-promise.js';
import type { ChangelogRecord } from '../api/store-runtime.js';

/**
 * Committed local state of one store, below the record cache and the transaction buffer: serialized values by store
 * key (latin1 strings, see key-codec.ts), grouped in time segments. Key-value stores use segment 0 only; window and
 * session stores put each entry in the segment of its time so that expired data is dropped a segment at a time.
 * Implemented in memory (memory/in-memory-local-store.ts) and on RocksDB (rocksdb/).
 *
 * Only the store core calls it, and only with committed data: `apply` after the Kafka transaction committed, and
 * restored changelog records.
 */
export interface LocalStore {
  /** True when every read returns a value (never a promise): the in-memory implementation. */
  readonly synchronous: boolean;
  /**
   * True when reading an entry twice usually returns the same Buffer (held in memory), so remembering what a Buffer
   * deserializes to pays off; false when reads return new Buffers (RocksDB key-value stores).
   */
  readonly stableValues: boolean;
  /**
   * True when local state outlives `close()` and is found again by `open(false)` (RocksDB), so its metadata is read
   * back; false in memory, where every `open()` starts empty and metadata would only be written.
   */
  readonly durable: boolean;
  /** Opens local state (again, if open: then `fresh` wipes it too); `fresh` wipes what a persistent store had. */
  open(fresh: boolean): Promise<void>;
  get(segment: number, key: string): MaybePromise<Buffer | undefined>;
  /** Whether local state holds `key`, when that is known without a read (RocksDB: a mirrored segment); else undefined. */
  hasLocally?(segment: number, key: string): boolean | undefined;
  /** Reads many keys at once (prefetch); the result is aligned with `keys`. */
  getMany(segment: number, keys: readonly string[]): MaybePromise<(Buffer | undefined)[]>;
  /** Entries with keys in [from, toExclusive) of one segment, in key order (descending if `reverse`). */
  range(
    segment: number,
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
  ): MaybePromise<LocalEntry[]>;
  /** The same entries in chunks, read lazily (long scans of asynchronous stores); absent when `range` is cheap. */
  scan?(
    segment: number,
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
  ): AsyncIterable<LocalEntry[]>;
  /**
   * Applies writes atomically where the implementation can (one RocksDB write batch): puts and deletes (null), the
   * store's metadata (e.g. observed stream time), and dropping every segment below `dropSegmentsBelow`.
   */
  apply(batch: LocalBatch): MaybePromise<void>;
  /** Applies restored changelog records in order (a later record of a key wins), in one batch where possible. */
  restore(batch: RestoreBatch): MaybePromise<void>;
  getMeta(name: string): MaybePromise<Buffer | undefined>;
  /** Identity of the state `open()` found or created (persistent stores); undefined in memory. */
  stateId(): string | undefined;
  /** Makes applied writes durable against a machine crash (RocksDB: flush memtables); nothing to do in memory. */
  persist(): Promise<void>;
  /** Number of entries (exact in memory, an estimate on RocksDB). */
  approximateCount(): MaybePromise<number>;
  close(): Promise<void>;
}

export interface LocalEntry {
  readonly key: string;
  readonly value: Buffer;
  /** The key's bytes when the store has them at hand (decoding from them saves a string-to-Buffer copy). */
  readonly keyBytes?: Buffer;
}

/** Writes by key (null deletes): a Map, or the store core's transaction buffer. */
export interface BatchWrites {
  readonly size: number;
  /** Visits every write, in the order the keys were written. */
  forEach(visit: (value: Buffer | null, key: string) => void): void;
}

export interface LocalBatch {
  /** Writes by key; null deletes. */
  readonly writes: BatchWrites;
  /** The segment each written key belongs to. */
  readonly segmentOf: (key: string) => number;
  readonly meta?: ReadonlyMap<string, Buffer>;
  readonly dropSegmentsBelow?: number;
}

export interface RestoreBatch {
  readonly records: readonly ChangelogRecord[];
  /** The segment of a changelog key (its bytes are the store key), or -1 to skip the record. */
  readonly segmentOf: (key: Buffer) => number;
  readonly meta?: ReadonlyMap<string, Buffer>;
  readonly dropSegmentsBelow?: number;
}
