import type { MaybePromise } from '../../common/maybe-promise.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { StoreRuntime } from '../../state/api/store-runtime.js';

/**
 * The stores of one task, as the task uses them (implemented by the state layer's task state manager, which also
 * opens, restores and checkpoints them for the executor).
 */
export interface TaskState {
  store(name: string): (StateStore & StoreRuntime) | undefined;
  /**
   * Emits started by cache evictions inside `put()` that have not settled (undefined when none): the task waits for
   * them after each record, before the next, to keep depth-first order.
   */
  pendingEmits(): Promise<void> | undefined;
  /** Commit phase 1: every store flushes its cache (may forward records downstream). */
  flush(): MaybePromise<void>;
  /**
   * Commit phase 2, after the Kafka transaction committed: every store applies its buffered writes, then the
   * checkpoint records `changelogOffsets` (changelog topic -> offset after the last record this task wrote there).
   */
  commit(changelogOffsets: ReadonlyMap<string, number>): MaybePromise<void>;
  /** The transaction aborted: every store drops its uncommitted writes and cache. */
  rollback(): void;
  close(): Promise<void>;
}

/** The state of a task without stores: its commit cycle costs nothing. */
export const STATELESS_TASK_STATE: TaskState = {
  store: () => undefined,
  pendingEmits: () => undefined,
  flush: () => undefined,
  commit: () => undefined,
  rollback: () => undefined,
  close: async () => undefined,
};
