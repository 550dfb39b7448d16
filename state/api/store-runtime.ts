/**
 * The contract between a store instance and the task that owns it (internal: not exported from the package root).
 *
 * Exactly-once rests on one rule: local state never holds writes of a transaction that might abort. Every write goes
 * to memory first (the record cache and the store's transaction buffer) and reaches RocksDB only in `commit()`, which
 * the task calls after the Kafka transaction carrying the same writes' changelog records has committed. A crash
 * between the two leaves RocksDB behind its changelog, never ahead: restoration replays the tail.
 *
 * One commit cycle, driven by the task:
 *   1. `flush()`    - the record cache emits its dirty entries downstream (flush listeners) and writes them to the
 *                     changelog and the transaction buffer. May forward records, so it may return a promise.
 *   2. (the runtime commits the Kafka transaction: outputs, changelog records, consumed offsets)
 *   3. `commit()`   - the transaction buffer is handed to local state: reads see it from now on. In memory it is
 *                     applied at once; on RocksDB the write proceeds in the background, in order behind earlier
 *                     ones (the task need not wait for the disk). The task's state manager writes the checkpoint
 *                     file (changelog offset per store) only after `persistLocalState()`, which waits for it.
 *   or `rollback()` - the transaction aborted: cache and buffer are dropped, reads see the last committed state.
 */
import type { MaybePromise } from '../../common/maybe-promise.js';
import type { Headers } from '../../operators/api/record.js';

/** A record of a changelog topic: serialized key and value (null = tombstone) and where it was read from. */
export interface ChangelogRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly offset: number;
  readonly headers?: Headers;
}

/**
 * Sends a store's updates to its changelog topic partition. Provided by the runtime (inside the current Kafka
 * transaction) or by the test driver (in memory). Fire-and-forget: failures surface when the transaction commits.
 */
export interface ChangelogWriter {
  send(record: {
    topic: string;
    partition: number;
    key: Buffer;
    value: Buffer | null;
    timestamp: number;
    headers?: Headers;
  }): void;
}

/**
 * Process-wide budget shared by all record caches (bytes) and by RocksDB memtables/block cache. Stores share a budget
 * by object identity: pass the same `MemoryBudget` object to every `StoreContext` of a process (the record cache and
 * the RocksDB allotments are keyed by it).
 */
export interface MemoryBudget {
  /** Bytes all record caches of the process may hold together; 0 disables caching of emits. */
  readonly cacheMaxBytes: number;
  /** Bytes RocksDB may use for write buffers and block cache, shared by all open persistent stores. */
  readonly rocksDbMaxBytes: number;
  /**
   * Most bytes of committed state one persistent store keeps in memory besides RocksDB, so that its reads need not
   * wait (window and session stores: recent segments; key-value stores created empty: everything while it fits).
   * Taken from `rocksDbMaxBytes`; default 64 MiB, 0 disables.
   */
  readonly mirrorMaxBytes?: number;
}

export interface StoreContext {
  readonly applicationId: string;
  /** `<subtopology>_<partition>`, e.g. `1_3`. */
  readonly taskId: string;
  readonly partition: number;
  /** Task directory for persistent stores (`<stateDir>/<applicationId>/<taskId>`); undefined for the driver's in-memory runs. */
  readonly taskDir: string | undefined;
  /** Full changelog topic name, or undefined when logging is disabled. */
  readonly changelogTopic: string | undefined;
  readonly changelog: ChangelogWriter;
  readonly memory: MemoryBudget;
  /**
   * Event time (ms) of the record being processed, or the punctuation time inside a punctuator. Stamps changelog
   * records and the updates the record cache emits (timestamped stores use the value's own timestamp instead).
   */
  currentTimestamp(): number;
}

/**
 * Called for each dirty entry the record cache emits (on flush or eviction): the new value, the value the store held
 * before this cache cycle (KTable `Change` semantics; null when the listener was registered with `sendOldValues` false),
 * and the timestamp of the last update. Window and session stores pass the key as a `Windowed<K>`.
 * A deleted key that did not exist before the cycle is not emitted (both values would be null).
 */
export type FlushListener<K, V> = (
  key: K,
  newValue: V | null,
  oldValue: V | null,
  timestamp: number,
) => MaybePromise<void>;

export interface StoreRuntime {
  /**
   * Opens local state. `fresh` discards whatever a persistent store has on disk: the task's state manager asks for it
   * when no trustworthy checkpoint vouches for that data (missing or corrupt checkpoint), and then restores from the
   * beginning of the changelog.
   */
  init(options: { fresh: boolean }): Promise<void>;
  /** Applies committed changelog records directly to local state (no cache, no changelog, no emits). */
  restore(records: readonly ChangelogRecord[]): Promise<void>;
  /** Loads these keys into memory so the next records' reads are synchronous. Optional optimisation. */
  prefetch?(keys: readonly unknown[]): Promise<void> | undefined;
  /**
   * DSL operators register a listener to forward updates when caching is enabled; returns false when caching is
   * disabled (the operator then forwards each update itself). `sendOldValues` (default true) passes the old value of
   * each update; an operator whose downstream never reads `Change.oldValue` can pass false to save a deserialization
   * per emit.
   *
   * The cache also emits when it evicts a dirty entry to stay within its byte budget: then the listener runs
   * synchronously inside `put()`. A listener that returns a promise there is not awaited by `put()` (writes never
   * wait): see `pendingEmits()`.
   */
  setFlushListener?(listener: FlushListener<unknown, unknown>, sendOldValues?: boolean): boolean;
  /**
   * Settles when the emits of evictions made so far have settled; undefined when none is outstanding (the usual case:
   * a promise exists only if a listener returned one). The task awaits it after each record, before the next one, so
   * that eviction emits keep depth-first order. `flush()` awaits it too.
   */
  pendingEmits(): Promise<void> | undefined;
  flush(): MaybePromise<void>;
  /**
   * Persistent stores: an identity of the local state opened by `init()`, new whenever that state is created afresh.
   * The task's state manager records it in the checkpoint and resumes local state only when it matches, so a
   * checkpoint never vouches for a state directory that was deleted or replaced. Undefined for in-memory stores.
   */
  localStateId?(): string | undefined;
  /**
   * Makes committed local state durable against a machine crash (RocksDB: flushes memtables to synced files). The
   * state manager calls it before writing a checkpoint that vouches for that state.
   */
  persistLocalState?(): Promise<void>;
  /**
   * Synchronous (no promise) for Tributary's stores, in memory and on RocksDB alike: the test driver commits after
   * every record. Reads see the transaction at once; see the commit cycle above for when it is on disk.
   */
  commit(): MaybePromise<void>;
  rollback(): void;
  close(): Promise<void>;
}
