import type { MaybePromise } from '../../common/maybe-promise.js';
import type { Serde } from '../../schemas/serde.js';
import type { ChangelogRecord, FlushListener, StoreContext, StoreRuntime } from '../api/store-runtime.js';
import type { LocalStore } from './local-store.js';
import type { CommitExtras, StoreCore } from './store-core.js';

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
}

/** The StoreRuntime side of every store shape: delegates to its StoreCore, with hooks for time-based shapes. */
export abstract class CoreBackedStore<V> implements StoreRuntime {
  protected abstract readonly core: StoreCore<V>;

  constructor(
    readonly name: string,
    readonly persistent: boolean,
  ) {}

  async init(options: { fresh: boolean }): Promise<void> {
    this.core.rollback(); // a second init (the state manager starting a store afresh) forgets everything cached
    await this.core.local.open(options.fresh);
    await this.loaded();
  }

  localStateId(): string | undefined {
    return this.core.local.stateId();
  }

  persistLocalState(): Promise<void> {
    return this.core.local.persist();
  }

  /** Called once local state is open: time-based stores read their metadata here. */
  protected loaded(): MaybePromise<void> {
    return undefined;
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

  async commit(): Promise<void> {
    await this.core.commit(this.commitExtras());
    this.committed();
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
    this.core.close();
    await this.core.local.close();
  }
}
