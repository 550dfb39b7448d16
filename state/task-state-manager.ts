import { isPromise, type MaybePromise } from '../common/maybe-promise.js';
import type { ChangelogPartition, ChangelogReader, RestoreListener } from './api/changelog-reader.js';
import type { StateStore } from './api/state-store.js';
import type { StoreBuilder } from './api/store-builder.js';
import type { ChangelogWriter, MemoryBudget, StoreContext, StoreRuntime } from './api/store-runtime.js';
import { restoreStore } from './changelog/restore-store.js';
import { type CheckpointEntry, readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import { changelogTopicFor } from './internals/store-builder-impl.js';

type Store = StateStore & StoreRuntime;

const DEFAULT_CHECKPOINT_AFTER = 10_000;
const NO_OFFSETS: ReadonlyMap<string, number> = new Map();

export interface TaskStateManagerOptions {
  readonly applicationId: string;
  /** `<subtopology>_<partition>`. */
  readonly taskId: string;
  readonly partition: number;
  /** `<stateDir>/<applicationId>/<taskId>`; undefined when nothing is kept on disk (test driver in memory). */
  readonly taskDir: string | undefined;
  readonly changelog: ChangelogWriter;
  /** One object per process: stores share their cache and RocksDB budgets by its identity. */
  readonly memory: MemoryBudget;
  /** Event time of the record being processed (see StoreContext.currentTimestamp). */
  readonly currentTimestamp: () => number;
  /**
   * Write the checkpoint after a commit only once this many changelog offsets were committed since the last one
   * (default 10 000, Kafka Streams' threshold under exactly-once; `close()` always writes one). A checkpoint first
   * makes RocksDB's data durable (memtables flushed to synced files), which is too costly for every 100 ms commit;
   * it is an optimisation (less changelog to replay after a crash), never needed for correctness.
   */
  readonly checkpointAfterRecords?: number;
}

interface Registered {
  readonly store: Store;
  readonly changelog: ChangelogPartition | undefined;
  /** Changelog offset local state reflects: all records below it are applied. Undefined until known. */
  position: number | undefined;
}

export interface RestoreOptions {
  /** Records per read (default 10 000). */
  readonly batchSize?: number;
  readonly listener?: RestoreListener;
}

/**
 * The state of one task (Kafka Streams' ProcessorStateManager): builds and registers the task's stores, decides for
 * each persistent store whether its local state can be resumed, restores every logged store from its changelog, and
 * drives the commit cycle over all of them, writing the checkpoint file after commits.
 *
 * Resume or start fresh: a persistent store resumes only when the checkpoint file is present and valid, has an entry
 * for it on the same changelog partition, and that entry names the local state the store opened (its `storeId`).
 * Anything else means its local state is wiped (`init({ fresh: true })`) and restored from the beginning of the
 * changelog: state is never silently wrong. In-memory stores always restore from the beginning.
 *
 * Lifecycle: `register` (all stores) -> `initialize` -> `restore` -> { `flush` -> (Kafka commit) -> `commit` | `rollback` }*
 * -> `close`.
 */
export class TaskStateManager {
  private readonly registered = new Map<string, Registered>();
  /** The same entries in registration order: the per-record calls below loop over it without an iterator. */
  private readonly list: Registered[] = [];
  private initialized = false;
  private recordsSinceCheckpoint = 0;
  /** Why stores start fresh, for logs and tests. */
  readonly freshReasons = new Map<string, string>();

  constructor(private readonly options: TaskStateManagerOptions) {}

  get taskId(): string {
    return this.options.taskId;
  }

  /** Builds a store for this task and registers it. All stores must be registered before `initialize()`. */
  register<S extends StateStore>(builder: StoreBuilder<S>): S & StoreRuntime {
    if (this.initialized)
      throw new Error(`task ${this.options.taskId}: store ${builder.name} registered after initialize()`);
    if (this.registered.has(builder.name)) {
      throw new Error(`task ${this.options.taskId}: store ${builder.name} is registered twice`);
    }
    const o = this.options;
    const changelogTopic = builder.loggingEnabled
      ? changelogTopicFor(o.applicationId, builder.name)
      : undefined;
    const context: StoreContext = {
      applicationId: o.applicationId,
      taskId: o.taskId,
      partition: o.partition,
      taskDir: o.taskDir,
      changelogTopic,
      changelog: o.changelog,
      memory: o.memory,
      currentTimestamp: o.currentTimestamp,
    };
    const store = builder.build(context);
    const registered: Registered = {
      store,
      changelog: changelogTopic === undefined ? undefined : { topic: changelogTopic, partition: o.partition },
      position: undefined,
    };
    this.registered.set(builder.name, registered);
    this.list.push(registered);
    return store;
  }

  store(name: string): Store | undefined {
    return this.registered.get(name)?.store;
  }

  get stores(): ReadonlyMap<string, Store> {
    return new Map([...this.registered].map(([name, r]) => [name, r.store]));
  }

  /** The changelog partitions of the task's logged stores (what the runtime must create and read). */
  changelogPartitions(): ReadonlyMap<string, ChangelogPartition> {
    const out = new Map<string, ChangelogPartition>();
    for (const [name, r] of this.registered) if (r.changelog !== undefined) out.set(name, r.changelog);
    return out;
  }

  /** The changelog position each logged store's local state reflects (after restore and commits). */
  positions(): ReadonlyMap<string, number | undefined> {
    const out = new Map<string, number | undefined>();
    for (const [name, r] of this.registered) if (r.changelog !== undefined) out.set(name, r.position);
    return out;
  }

  /** Reads the checkpoint and opens every store, resuming local state only where the checkpoint vouches for it. */
  async initialize(): Promise<void> {
    if (this.initialized) throw new Error(`task ${this.options.taskId}: initialize() called twice`);
    this.initialized = true;
    const taskDir = this.options.taskDir;
    const checkpoint = taskDir !== undefined ? await readCheckpoint(taskDir) : undefined;
    for (const [name, r] of this.registered) {
      if (!r.store.persistent || taskDir === undefined) {
        await r.store.init({ fresh: true });
        continue;
      }
      if (r.changelog === undefined) {
        // Unlogged and persistent: local state is all there is, and it only ever holds committed writes.
        await r.store.init({ fresh: false });
        continue;
      }
      const entry = checkpoint?.status === 'ok' ? checkpoint.stores.get(name) : undefined;
      const reason = whyNotResume(checkpoint, entry, r.changelog);
      if (reason === undefined) {
        await r.store.init({ fresh: false });
        if (r.store.localStateId?.() === entry!.storeId) {
          r.position = entry!.offset;
          continue;
        }
        this.freshReasons.set(name, 'local state is not the one the checkpoint describes');
      } else {
        this.freshReasons.set(name, reason);
      }
      await r.store.init({ fresh: true });
    }
  }

  /**
   * Brings every logged store up to the end of its changelog: from its checkpointed position when resumed, else from
   * the beginning. A checkpoint beyond the changelog's end (topic recreated or truncated) also means a full restore.
   */
  async restore(reader: ChangelogReader, options: RestoreOptions = {}): Promise<void> {
    this.checkInitialized();
    for (const [name, r] of this.registered) {
      if (r.changelog === undefined) continue;
      const end = await reader.endOffset(r.changelog);
      if (r.position !== undefined && r.position > end) {
        this.freshReasons.set(name, `checkpoint offset ${r.position} is beyond the changelog end ${end}`);
        await r.store.init({ fresh: true });
        r.position = undefined;
      }
      const start = r.position ?? (await reader.beginningOffset(r.changelog));
      r.position = await restoreStore(r.store, name, r.changelog, reader, start, end, options);
    }
  }

  /**
   * Settles when the emits that cache evictions started (inside `put()`) have settled; undefined when none is
   * outstanding. The task awaits it after each record so that eviction emits keep depth-first order.
   */
  pendingEmits(): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined;
    const list = this.list;
    for (let i = 0; i < list.length; i++) {
      const p = list[i].store.pendingEmits();
      if (p === undefined) continue;
      if (pending === undefined) pending = [p];
      else pending.push(p);
    }
    return pending === undefined ? undefined : Promise.all(pending).then(() => undefined);
  }

  /** Flushes every store's cache (emits downstream, writes changelog records), one store after the other. */
  flush(): Promise<void> | undefined {
    return this.flushFrom(0);
  }

  private flushFrom(from: number): Promise<void> | undefined {
    const list = this.list;
    for (let i = from; i < list.length; i++) {
      const flushed = list[i].store.flush();
      if (isPromise(flushed)) return flushed.then(() => this.flushFrom(i + 1));
    }
    return undefined;
  }

  /**
   * After the Kafka transaction committed: applies every store's transaction buffer to local state, then records the
   * changelog positions the caller reports (changelog topic -> offset after the last record this task wrote to it,
   * known from the producer's delivery reports) and writes the checkpoint.
   */
  commit(changelogEndOffsets: ReadonlyMap<string, number> = NO_OFFSETS): MaybePromise<void> {
    this.checkInitialized();
    return this.commitFrom(0, changelogEndOffsets);
  }

  private commitFrom(from: number, changelogEndOffsets: ReadonlyMap<string, number>): MaybePromise<void> {
    const list = this.list;
    for (let i = from; i < list.length; i++) {
      const committed = list[i].store.commit();
      if (isPromise(committed)) return committed.then(() => this.commitFrom(i + 1, changelogEndOffsets));
    }
    return this.committed(changelogEndOffsets);
  }

  /** After every store committed: records the changelog positions, and checkpoints when enough moved. */
  private committed(changelogEndOffsets: ReadonlyMap<string, number>): MaybePromise<void> {
    if (changelogEndOffsets.size === 0) return undefined; // nothing moved (the test driver reports no offsets)
    let moved = false;
    for (const r of this.list) {
      if (r.changelog === undefined) continue;
      const offset = changelogEndOffsets.get(r.changelog.topic);
      if (offset === undefined) continue;
      if (r.position !== undefined && offset < r.position) {
        throw new Error(
          `task ${this.options.taskId}: changelog ${r.changelog.topic} offset went back from ${r.position} to ${offset}`,
        );
      }
      this.recordsSinceCheckpoint += offset - (r.position ?? offset);
      moved ||= offset !== r.position;
      r.position = offset;
    }
    if (
      moved &&
      this.recordsSinceCheckpoint >= (this.options.checkpointAfterRecords ?? DEFAULT_CHECKPOINT_AFTER)
    ) {
      return this.checkpoint();
    }
    return undefined;
  }

  /** The transaction aborted: every store drops what it did not commit. */
  rollback(): void {
    for (const r of this.registered.values()) r.store.rollback();
  }

  /** Writes the checkpoint for the persistent logged stores whose position is known. */
  async checkpoint(): Promise<void> {
    const taskDir = this.options.taskDir;
    if (taskDir === undefined) return;
    const entries = new Map<string, CheckpointEntry>();
    for (const [name, r] of this.registered) {
      const storeId = r.store.localStateId?.();
      if (
        !r.store.persistent ||
        r.changelog === undefined ||
        r.position === undefined ||
        storeId === undefined
      ) {
        continue;
      }
      await r.store.persistLocalState?.();
      entries.set(name, { ...r.changelog, offset: r.position, storeId });
    }
    if (entries.size === 0) return;
    await writeCheckpoint(taskDir, entries);
    this.recordsSinceCheckpoint = 0;
  }

  /** Closes every store, after writing a final checkpoint (positions reflect committed state only). */
  async close(): Promise<void> {
    if (this.initialized) await this.checkpoint();
    const errors: unknown[] = [];
    for (const r of this.registered.values()) {
      try {
        await r.store.close();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length > 0)
      throw new AggregateError(errors, `task ${this.options.taskId}: closing stores failed`);
  }

  private checkInitialized(): void {
    if (!this.initialized) throw new Error(`task ${this.options.taskId}: initialize() first`);
  }
}

function whyNotResume(
  checkpoint: Awaited<ReturnType<typeof readCheckpoint>> | undefined,
  entry: CheckpointEntry | undefined,
  changelog: ChangelogPartition,
): string | undefined {
  if (checkpoint === undefined || checkpoint.status === 'missing') return 'no checkpoint';
  if (checkpoint.status === 'corrupt') return `corrupt checkpoint (${checkpoint.reason})`;
  if (entry === undefined) return 'no checkpoint entry for this store';
  if (entry.topic !== changelog.topic || entry.partition !== changelog.partition) {
    return `checkpoint is for ${entry.topic}/${entry.partition}`;
  }
  return undefined;
}
