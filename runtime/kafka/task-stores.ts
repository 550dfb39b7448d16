// Opens the stores of one task on this worker: a TaskStateManager over the task's directory, writing changelog
// records through the worker's producer. Tasks without stores get a state whose commit cycle costs nothing.
import type { Subtopology } from '../../operators/graph/topology.js';
import type { ChangelogWriter, MemoryBudget } from '../../state/api/store-runtime.js';
import { TaskStateManager } from '../../state/task-state-manager.js';
import { STATELESS_TASK_STATE, type TaskState } from '../engine/task-state.js';
import type { TopicPartition } from './records.js';

export interface TaskStores {
  readonly state: TaskState;
  /** Undefined for a task without stores. */
  readonly manager: TaskStateManager | undefined;
  /** Changelog partitions of the task's logged stores. */
  readonly changelogs: readonly TopicPartition[];
}

export interface TaskStoresOptions {
  readonly applicationId: string;
  readonly taskId: string;
  readonly partition: number;
  readonly taskDir: string;
  readonly subtopology: Subtopology;
  readonly changelog: ChangelogWriter;
  readonly memory: MemoryBudget;
  readonly currentTimestamp: () => number;
  readonly checkpointAfterRecords: number;
}

/** Registers the task's stores and opens them (resuming local state where the checkpoint vouches for it). */
export async function openTaskStores(options: TaskStoresOptions): Promise<TaskStores> {
  const st = options.subtopology;
  if (st.stores.length === 0) return { state: STATELESS_TASK_STATE, manager: undefined, changelogs: [] };
  const manager = new TaskStateManager({
    applicationId: options.applicationId,
    taskId: options.taskId,
    partition: options.partition,
    taskDir: options.taskDir,
    changelog: options.changelog,
    memory: options.memory,
    currentTimestamp: options.currentTimestamp,
    checkpointAfterRecords: options.checkpointAfterRecords,
  });
  for (const { builder } of st.stores) manager.register(builder);
  try {
    await manager.initialize();
  } catch (e) {
    await manager.close().catch(() => undefined);
    throw e;
  }
  return { state: manager, manager, changelogs: [...manager.changelogPartitions().values()] };
}
