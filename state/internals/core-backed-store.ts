import type { MaybePromise } from '../../common/maybe-promise.js';
import type { Serde } from '../../schemas/serde.js';
import type { ChangelogRecord, FlushListener, StoreContext, StoreRuntime } from '../api/store-runtime.js';
import { KeyEncoder } from './key-encoder.js';
import type { LocalStore } from './local-store.js';
import { type CommitExtras, StoreCore } from './store-core.js';

/** What a builder hands a store shape's constructor. */
export interface StoreParts<K, V> {
  readonly name: string;
  readonly persistent: boolean;
  readonly context: StoreContext;
  readonly changelogTopic: string | undefined;
  readonly serdeTopic: string;
  readonly local: LocalStore;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  readonly cachingEnabled: boolean;
  /** Timestamped stores stamp changelog records and emits with the value's timestamp instead of the record's. */
  readonly timestampOf?: (value: V) => number;
}

/** How a store shape lays its entries out over the core. */
export interface StoreLayout {
  readonly segmentOf: (storeKey: string) => number;
  readonly singleSegment?: boolean;
  /** What flush listeners receive as key. */
  readonly listenerKey: (keyObject: unknown, storeKey: string) => unknown;
}

/** The StoreRuntime side of every store shape: owns the StoreCore and key encoding, with hooks for time-based shapes. */
export abstract class CoreBackedStore<K, V> implements StoreRuntime {
  readonly name: string;
  readonly persistent: boolean;
  protected readonly core: StoreCore<V>;
  protected readonly keys: KeyEncoder<K>;
  private readonly context: StoreContext;
  private readonly timestampOf: ((value: V) => number) | undefined;

  constructor(parts: StoreParts<K, V>, layout: StoreLayout) {
    this.name = parts.name;
    this.persistent = parts.persistent;
    this.context = parts.context;
    this.timestampOf = parts.timestampOf;
    this.core = new StoreCore<V>({
      name: parts.name,
      context: parts.context,
      changelogTopic: parts.changelogTopic,
      serdeTopic: parts.serdeTopic,
      valueSerde: parts.valueSerde,
      local: parts.local,
      writeBack: parts.cachingEnabled,
      segmentOf: layout.segmentOf,
      singleSegment: layout.singleSegment,
      listenerKey: layout.listenerKey,
    });
    this.keys = new KeyEncoder(parts.keySerde, parts.serdeTopic, parts.name);
  }

  /** The time a write is stamped with: the value's own for timestamped stores, else the current record's. */
  protected timestampFor(value: V | null): number {
    return value !== null && this.timestampOf !== undefined
      ? this.timestampOf(value)
      : this.context.currentTimestamp();
  }

  async init(options: { fresh: boolean }): Promise<void> {
    await this.core.settled().catch(() => {}); // a second init starts over whatever happened to earlier writes
    this.core.rollback(); // a second init (the state manager starting a store afresh) forgets everything cached
    await this.core.local.open(options.fresh);
    await this.loaded();
  }

  /** Called once local state is open: time-based stores read their metadata here. */
  protected loaded(): MaybePromise<void> {
    return undefined;
  }

  localStateId(): string | undefined {
    return this.core.local.stateId();
  }

  async persistLocalState(): Promise<void> {
    await this.core.settled();
    await this.core.local.persist();
  }

  async restore(records: readonly ChangelogRecord[]): Promise<void> {
    await this.core.restore(records);
  }

  setFlushListener(listener: FlushListener<unknown, unknown>, sendOldValues = true): boolean {
    return this.core.setFlushListener(listener as FlushListener<unknown, V>, sendOldValues);
  }

  pendingEmits(): Promise<void> | undefined {
    return this.core.pendingEmits();
  }

  flush(): MaybePromise<void> {
    return this.core.flush();
  }

  /** Never waits: in memory the buffer is applied at once, on RocksDB its write proceeds in the background. */
  commit(): void {
    const extras = this.commitExtras();
    // Marked committed before the apply starts: reads meanwhile still find the writes in the transaction buffer, and
    // what time-based stores know about local state (nothing newer than the committed time) must not lag behind it.
    this.committed();
    this.core.commit(extras);
  }

  /** Metadata and segment drops to apply with the transaction buffer. */
  protected commitExtras(): CommitExtras | undefined {
    return undefined;
  }

  /** Called after a commit applied: time-based stores remember what is now committed. */
  protected committed(): void {}

  rollback(): void {
    this.core.rollback();
    this.rolledBack();
  }

  /** Called after a rollback: time-based stores return to their committed stream time. */
  protected rolledBack(): void {}

  async close(): Promise<void> {
    let failure: unknown;
    await this.core.settled().catch((e: unknown) => {
      failure = e;
    });
    this.core.close();
    await this.core.local.close();
    if (failure !== undefined) throw failure;
  }
}
