// The test driver's state: builds each task's stores, with changelogs kept in memory.
import { join } from 'node:path';
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import { internalTopicName, type Subtopology } from '../../operators/graph/topology.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { ChangelogWriter, MemoryBudget, StoreRuntime } from '../../state/api/store-runtime.js';
import type { TaskState } from '../engine/task-state.js';

type Store = StateStore & StoreRuntime;

export class DriverState {
  /** Changelog records per topic, in the order the stores wrote them. */
  private readonly changelogs = new Map<string, number>();
  private readonly writer: ChangelogWriter = {
    send: (record) => {
      this.changelogs.set(record.topic, (this.changelogs.get(record.topic) ?? 0) + 1);
    },
  };

  constructor(
    readonly applicationId: string,
    readonly stateDir: string,
    cacheMaxBytes: number,
  ) {
    // One budget object per driver: stores share caches and RocksDB memory by its identity.
    this.memory = { cacheMaxBytes, rocksDbMaxBytes: 64 * 1024 * 1024 };
  }

  private readonly memory: MemoryBudget;

  /** `currentTimestamp`: event time of the record the task is processing (stamps changelog records). */
  async open(taskId: string, st: Subtopology, currentTimestamp: () => number): Promise<TaskState> {
    const stores = new Map<string, Store>();
    for (const { builder } of st.stores) {
      const store = builder.build({
        applicationId: this.applicationId,
        taskId,
        partition: 0,
        taskDir: join(this.stateDir, this.applicationId, taskId),
        changelogTopic: builder.loggingEnabled
          ? internalTopicName(this.applicationId, `${builder.name}-changelog`)
          : undefined,
        changelog: this.writer,
        memory: this.memory,
        currentTimestamp,
      });
      await store.init({ fresh: false });
      stores.set(builder.name, store);
    }
    return new StoresOfTask(stores);
  }

  /** End offset of every changelog written so far. */
  changelogEndOffsets(): ReadonlyMap<string, number> {
    return this.changelogs;
  }
}

class StoresOfTask implements TaskState {
  private readonly list: Store[];

  constructor(private readonly stores: ReadonlyMap<string, Store>) {
    this.list = [...stores.values()];
  }

  store(name: string): Store | undefined {
    return this.stores.get(name);
  }

  flush(): MaybePromise<void> {
    return inOrder(this.list, (s) => s.flush());
  }

  commit(): MaybePromise<void> {
    return inOrder(this.list, (s) => s.commit());
  }

  rollback(): void {
    for (const s of this.stores.values()) s.rollback();
  }

  async close(): Promise<void> {
    for (const s of this.stores.values()) await s.close();
  }
}

/** Runs `step` on each store in turn, waiting only for steps that return a promise. */
function inOrder(stores: Store[], step: (store: Store) => MaybePromise<void>, from = 0): MaybePromise<void> {
  for (let i = from; i < stores.length; i++) {
    const r = step(stores[i]);
    if (isPromise(r)) return r.then(() => inOrder(stores, step, i + 1));
  }
}
