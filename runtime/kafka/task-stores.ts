// Opens one task on this worker: its stores under a TaskStateManager over the task's directory (changelog records go
// through the worker's producer; tasks without stores get a state whose commit cycle costs nothing) and the
// StreamTask running its sub-topology over them. Stores are opened, not restored: restoring is the caller's step.
import type { Logger } from '../../common/logger.js';
import type { TaskId } from '../../operators/api/processor.js';
import type { Subtopology } from '../../operators/graph/topology.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { ChangelogWriter, MemoryBudget } from '../../state/api/store-runtime.js';
import { TaskStateManager } from '../../state/task-state-manager.js';
import type { ErrorHandlerSettings } from '../engine/error-handlers.js';
import type { StreamsMetrics } from '../engine/metrics.js';
import { type Clock, StreamTask } from '../engine/stream-task.js';
import { STATELESS_TASK_STATE, type TaskState } from '../engine/task-state.js';
import type { KafkaRecordCollector } from './kafka-record-collector.js';
import type { TopicPartition } from './records.js';

export interface TaskStores {
  readonly state: TaskState;
  /** Undefined for a task without stores. */
  readonly manager: TaskStateManager | undefined;
  /** Changelog partitions of the task's logged stores. */
  readonly changelogs: readonly TopicPartition[];
}

/** What every task of a worker shares. */
export interface TaskEnvironment {
  readonly applicationId: string;
  readonly collector: KafkaRecordCollector;
  readonly changelog: ChangelogWriter;
  readonly memory: MemoryBudget;
  readonly globalStores?: ReadonlyMap<string, StateStore>;
  readonly clock: Clock;
  readonly errors: ErrorHandlerSettings;
  readonly metrics: StreamsMetrics;
  readonly logger: Logger;
  readonly checkpointAfterRecords: number;
}

export interface OpenedTask {
  readonly task: StreamTask;
  readonly stores: TaskStores;
}

/** Opens the stores of task `id` in `taskDir` and creates its StreamTask (not initialized: restore first). */
export async function openTask(
  env: TaskEnvironment,
  id: TaskId,
  subtopology: Subtopology,
  taskDir: string,
): Promise<OpenedTask> {
  const ref: { task?: StreamTask } = {};
  const stores = await openTaskStores(
    env,
    id,
    subtopology,
    taskDir,
    () => ref.task?.currentTimestampMs() ?? -1,
  );
  const task = new StreamTask({
    id,
    applicationId: env.applicationId,
    subtopology,
    state: stores.state,
    ...(env.globalStores ? { globalStores: env.globalStores } : {}),
    // Sends of this task: a failure goes to the production handler with the task's input record.
    collector: env.collector.forTask(() => ref.task),
    clock: env.clock,
    errors: env.errors,
    metrics: env.metrics,
    logger: env.logger,
  });
  ref.task = task;
  return { task, stores };
}

/** Registers the task's stores and opens them (resuming local state where the checkpoint vouches for it). */
async function openTaskStores(
  env: TaskEnvironment,
  id: TaskId,
  st: Subtopology,
  taskDir: string,
  currentTimestamp: () => number,
): Promise<TaskStores> {
  if (st.stores.length === 0) return { state: STATELESS_TASK_STATE, manager: undefined, changelogs: [] };
  const manager = new TaskStateManager({
    applicationId: env.applicationId,
    taskId: id.toString(),
    partition: id.partition,
    taskDir,
    changelog: env.changelog,
    memory: env.memory,
    currentTimestamp,
    checkpointAfterRecords: env.checkpointAfterRecords,
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
