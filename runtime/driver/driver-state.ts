// The test driver's state: each task's stores under a TaskStateManager, with changelog records counted, not kept.
//
// The driver has no changelog to restore from: local state of persistent stores is trusted as the checkpoint
// vouches for it (a driver reopened on the same stateDir resumes it), and in-memory stores start empty. Positions
// stay at their value when the driver opened, so a checkpoint never points past the (empty) changelog of the next run.
import { join } from 'node:path';
import type { Subtopology } from '../../operators/graph/topology.js';
import type { ChangelogReader } from '../../state/api/changelog-reader.js';
import type { ChangelogWriter, MemoryBudget } from '../../state/api/store-runtime.js';
import { TaskStateManager } from '../../state/task-state-manager.js';
import { STATELESS_TASK_STATE, type TaskState } from '../engine/task-state.js';

const NO_CHANGELOG: ChangelogReader = {
  beginningOffset: async () => 0,
  endOffset: async () => 0,
  read: async () => ({ records: [], nextOffset: 0 }),
};

const NO_POSITIONS: ReadonlyMap<string, number> = new Map();

/** Changelog records written to one topic. */
interface ChangelogCount {
  readonly topic: string;
  count: number;
}

export class DriverState {
  private readonly written = new Map<string, ChangelogCount>();
  /** The topic of the previous changelog record: usually the next one's too (no map lookup per record). */
  private last: ChangelogCount | undefined;
  private readonly writer: ChangelogWriter = {
    send: (record) => {
      let counted = this.last;
      if (counted === undefined || counted.topic !== record.topic) {
        counted = this.written.get(record.topic);
        if (counted === undefined) {
          counted = { topic: record.topic, count: 0 };
          this.written.set(record.topic, counted);
        }
        this.last = counted;
      }
      counted.count++;
    },
  };
  /** One budget object per driver: stores share caches and RocksDB memory by its identity. */
  private readonly memory: MemoryBudget;

  constructor(
    readonly applicationId: string,
    readonly stateDir: string,
    cacheMaxBytes: number,
  ) {
    this.memory = { cacheMaxBytes, rocksDbMaxBytes: 64 * 1024 * 1024 };
  }

  /** `currentTimestamp`: event time of the record the task is processing (stamps changelog records). */
  async open(taskId: string, st: Subtopology, currentTimestamp: () => number): Promise<TaskState> {
    if (st.stores.length === 0) return STATELESS_TASK_STATE;
    const manager = new TaskStateManager({
      applicationId: this.applicationId,
      taskId,
      partition: 0,
      taskDir: join(this.stateDir, this.applicationId, taskId),
      changelog: this.writer,
      memory: this.memory,
      currentTimestamp,
    });
    for (const { builder } of st.stores) manager.register(builder);
    await manager.initialize();
    await manager.restore(NO_CHANGELOG);
    // The driver commits with changelogEndOffsets() (none): positions stay where the driver opened them.
    return manager;
  }

  /** How many changelog records each changelog topic received (tests may check logging happened). */
  changelogRecordCounts(): ReadonlyMap<string, number> {
    return new Map([...this.written.values()].map((c) => [c.topic, c.count]));
  }

  changelogEndOffsets(): ReadonlyMap<string, number> {
    return NO_POSITIONS;
  }
}
