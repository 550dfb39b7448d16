// The tasks of the current assignment (Kafka Streams' TaskManager): created when their partitions are assigned,
// restored from their changelogs while the loop keeps polling (their partitions stay paused), running once restored,
// closed clean (after a commit, checkpoint written) or dirty (nothing committed: uncommitted state dropped).
import type { Logger } from '../../common/logger.js';
import type { Subtopology } from '../../operators/graph/topology.js';
import type { RestoreListener } from '../../state/api/changelog-reader.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { MemoryBudget } from '../../state/api/store-runtime.js';
import type { ErrorHandlerSettings } from '../engine/error-handlers.js';
import type { StreamsMetrics } from '../engine/metrics.js';
import type { Position } from '../engine/partition-group.js';
import type { RawRecord } from '../engine/raw-record.js';
import { type Clock, type StreamTask, taskId } from '../engine/stream-task.js';
import { type KafkaChangelogReader, RestoreCancelledError } from './kafka-changelog-reader.js';
import type { KafkaRecordCollector } from './kafka-record-collector.js';
import { type PartitionRecords, type TopicPartition, tpKey } from './records.js';
import { RUNTIME_METRICS } from './runtime-metrics.js';
import type { StateDirectory } from './state-directory.js';
import type { StreamConsumer } from './stream-consumer.js';
import { openTask, type TaskEnvironment, type TaskStores } from './task-stores.js';

export type TaskStatus = 'restoring' | 'running';

/** One task of this worker: a StreamTask for sub-topology `subtopology.id` and partition `partition`. */
export class ActiveTask {
  status: TaskStatus = 'restoring';
  /** Settles when restoration ended (restored, failed or cancelled). */
  restoration: Promise<void> = Promise.resolve();
  restored = false;
  restoreError: unknown;
  /** Records that arrived while restoring (none normally: the partitions are paused). */
  readonly early: RawRecord[][] = [];
  /** Stops the restoration when the task is closed before it finished. */
  readonly cancelRestore = new AbortController();

  constructor(
    readonly id: string,
    readonly subtopology: Subtopology,
    readonly partition: number,
    readonly inputs: TopicPartition[],
    readonly task: StreamTask,
    readonly stores: TaskStores,
    /** Offsets the group had committed for the inputs when the task was assigned. */
    readonly committedAtAssignment: Position[],
  ) {}
}

export interface TaskManagerOptions {
  readonly applicationId: string;
  readonly subtopologyOf: ReadonlyMap<string, Subtopology>;
  readonly stateDirectory: StateDirectory;
  readonly consumer: StreamConsumer;
  readonly collector: KafkaRecordCollector;
  readonly reader: KafkaChangelogReader;
  readonly globalStores: ReadonlyMap<string, StateStore>;
  readonly memory: MemoryBudget;
  readonly clock: Clock;
  readonly errors: ErrorHandlerSettings;
  readonly metrics: StreamsMetrics;
  readonly logger: Logger;
  readonly restoreListener: RestoreListener | undefined;
  readonly checkpointAfterRecords: number;
  readonly maxBufferedRecordsPerPartition: number;
}

export class TaskManager {
  readonly #tasks = new Map<string, ActiveTask>();
  /** Task by input partition (tpKey). */
  readonly #byPartition = new Map<string, ActiveTask>();
  /** Partitions paused because their task's buffer is full (restoring tasks' partitions are paused separately). */
  readonly #pausedForBuffer = new Map<string, TopicPartition>();
  readonly #log: Logger;

  readonly #env: TaskEnvironment;

  constructor(private readonly options: TaskManagerOptions) {
    this.#log = options.logger;
    this.#env = { ...options, changelog: options.collector.changelog };
  }

  get size(): number {
    return this.#tasks.size;
  }

  all(): ActiveTask[] {
    return [...this.#tasks.values()];
  }

  running(): ActiveTask[] {
    return this.all().filter((t) => t.status === 'running');
  }

  get restoring(): boolean {
    for (const t of this.#tasks.values()) if (t.status === 'restoring') return true;
    return false;
  }

  /** Any running task has buffered input. */
  get hasBuffered(): boolean {
    for (const t of this.#tasks.values())
      if (t.status === 'running' && t.task.bufferedRecords > 0) return true;
    return false;
  }

  /**
   * Creates the tasks of newly assigned partitions: their partitions are paused, their stores opened, and their
   * restoration started in the background (the loop keeps polling meanwhile).
   */
  async assign(partitions: readonly TopicPartition[]): Promise<void> {
    const o = this.options;
    const groups = new Map<
      string,
      { subtopology: Subtopology; partition: number; inputs: TopicPartition[] }
    >();
    for (const tp of partitions) {
      const st = o.subtopologyOf.get(tp.topic);
      if (!st) throw new Error(`assigned partition ${tp.topic}-${tp.partition} is not read by this topology`);
      const id = taskId(st.id, tp.partition).toString();
      if (this.#tasks.has(id)) throw new Error(`task ${id} is assigned twice`);
      let g = groups.get(id);
      if (!g) {
        g = { subtopology: st, partition: tp.partition, inputs: [] };
        groups.set(id, g);
      }
      g.inputs.push(tp);
    }
    if (groups.size === 0) return;
    o.consumer.pause(partitions);
    const committed = new Map(
      (await o.consumer.committedPositions(partitions)).map((p) => [tpKey(p.topic, p.partition), p]),
    );
    for (const [id, g] of groups) {
      const offsets = g.inputs.flatMap((tp) => {
        const position = committed.get(tpKey(tp.topic, tp.partition));
        return position === undefined ? [] : [position];
      });
      const task = await this.#create(id, g.subtopology, g.partition, g.inputs, offsets);
      this.#tasks.set(id, task);
      for (const tp of g.inputs) this.#byPartition.set(tpKey(tp.topic, tp.partition), task);
      task.restoration = this.#restore(task);
    }
    this.#log.info({ tasks: [...groups.keys()] }, 'tasks assigned');
  }

  /** Hands polled records to their tasks. */
  addRecords(batches: readonly PartitionRecords[]): number {
    let count = 0;
    for (const b of batches) {
      const t = this.#byPartition.get(tpKey(b.topic, b.partition));
      if (!t) {
        // The consumer drops records of partitions it no longer owns; anything else is a bug worth seeing.
        this.#log.warn({ topic: b.topic, partition: b.partition }, 'records for a partition without task');
        continue;
      }
      count += b.records.length;
      if (t.status === 'running') t.task.addRecords(b.records);
      else t.early.push(b.records);
    }
    return count;
  }

  /**
   * Tasks whose restoration finished start running: processors initialized, committed positions set, partitions
   * resumed. A restoration that failed (not cancelled) is thrown.
   */
  async startRestoredTasks(): Promise<ActiveTask[]> {
    const started: ActiveTask[] = [];
    for (const t of this.#tasks.values()) {
      if (t.status !== 'restoring') continue;
      if (t.restoreError !== undefined) throw t.restoreError;
      if (!t.restored) continue;
      await t.task.initialize();
      t.task.setCommittedOffsets(t.committedAtAssignment);
      for (const records of t.early) t.task.addRecords(records);
      t.early.length = 0;
      t.status = 'running';
      this.options.consumer.resume(t.inputs);
      started.push(t);
    }
    if (started.length > 0) this.#log.info({ tasks: started.map((t) => t.id) }, 'tasks restored and running');
    return started;
  }

  /**
   * After a processing round: pauses partitions whose task still holds more than the buffer bound, resumes those that
   * drained to half of it.
   */
  applyBackpressure(): void {
    const max = this.options.maxBufferedRecordsPerPartition;
    const pause: TopicPartition[] = [];
    const resume: TopicPartition[] = [];
    for (const t of this.#tasks.values()) {
      if (t.status !== 'running') continue;
      for (const tp of t.inputs) {
        const key = tpKey(tp.topic, tp.partition);
        const buffered = t.task.bufferedRecordsOf(tp.topic, tp.partition);
        if (this.#pausedForBuffer.has(key)) {
          if (buffered <= max / 2) {
            this.#pausedForBuffer.delete(key);
            resume.push(tp);
          }
        } else if (buffered > max) {
          this.#pausedForBuffer.set(key, tp);
          pause.push(tp);
        }
      }
    }
    if (pause.length > 0) {
      this.options.consumer.pause(pause);
      this.options.metrics.increment(RUNTIME_METRICS.backpressurePauses, {}, pause.length);
    }
    if (resume.length > 0) this.options.consumer.resume(resume);
  }

  /**
   * The transaction aborted: every running task drops its uncommitted state and buffered input and rewinds; the
   * consumer is positioned at the last committed offsets.
   */
  async rollback(): Promise<void> {
    const consumer = this.options.consumer;
    const seekTo = new Map<string, number>();
    const unknown: TopicPartition[] = [];
    for (const t of this.running()) {
      for (const p of await t.task.rollback()) seekTo.set(tpKey(p.topic, p.partition), p.offset);
      for (const tp of t.inputs) {
        const offset = seekTo.get(tpKey(tp.topic, tp.partition));
        if (offset === undefined) unknown.push(tp);
        else await consumer.seek(tp, offset);
      }
    }
    // Partitions nothing was committed for yet (by this worker): back to the group's committed offset or the reset.
    if (unknown.length > 0) await consumer.seekToCommitted(unknown);
    const drained = [...this.#pausedForBuffer.values()];
    this.#pausedForBuffer.clear();
    if (drained.length > 0) consumer.resume(drained);
  }

  /** Closes tasks after a successful commit: stores write their checkpoints. Restorations in progress are stopped. */
  async closeClean(tasks: readonly ActiveTask[]): Promise<void> {
    await this.#close(tasks, false);
  }

  /**
   * Closes tasks without committing (lost partitions, fencing, fatal errors): uncommitted state is dropped; local
   * state only ever held committed writes, so the checkpoints stay true.
   */
  async closeDirty(tasks: readonly ActiveTask[]): Promise<void> {
    await this.#close(tasks, true);
  }

  /** Tasks owning any of these partitions. */
  tasksOf(partitions: readonly TopicPartition[]): ActiveTask[] {
    const out = new Set<ActiveTask>();
    for (const tp of partitions) {
      const t = this.#byPartition.get(tpKey(tp.topic, tp.partition));
      if (t) out.add(t);
    }
    return [...out];
  }

  async #close(tasks: readonly ActiveTask[], dirty: boolean): Promise<void> {
    const o = this.options;
    let failure: unknown;
    for (const t of tasks) {
      if (!this.#tasks.delete(t.id)) continue;
      for (const tp of t.inputs) {
        const key = tpKey(tp.topic, tp.partition);
        this.#byPartition.delete(key);
        this.#pausedForBuffer.delete(key);
      }
      if (t.status === 'restoring') {
        t.cancelRestore.abort();
        o.reader.cancel(t.stores.changelogs);
        await t.restoration;
      }
      try {
        if (dirty) t.stores.state.rollback();
        await t.task.close();
      } catch (e) {
        this.#log.error({ err: e, task: t.id }, 'closing task failed');
        failure ??= e;
      }
      for (const c of t.stores.changelogs) o.collector.resetChangelogCount(c.topic, c.partition);
      o.metrics.increment(RUNTIME_METRICS.tasksClosed, { dirty: String(dirty) });
    }
    if (tasks.length > 0) this.#log.info({ tasks: tasks.map((t) => t.id), dirty }, 'tasks closed');
    if (failure !== undefined) throw failure;
  }

  async #create(
    id: string,
    st: Subtopology,
    partition: number,
    inputs: TopicPartition[],
    committed: Position[],
  ): Promise<ActiveTask> {
    const o = this.options;
    const { task, stores } = await openTask(
      this.#env,
      taskId(st.id, partition),
      st,
      o.stateDirectory.taskDir(id),
    );
    o.metrics.increment(RUNTIME_METRICS.tasksCreated, {});
    return new ActiveTask(id, st, partition, inputs, task, stores, committed);
  }

  async #restore(t: ActiveTask): Promise<void> {
    const manager = t.stores.manager;
    try {
      if (manager !== undefined && t.stores.changelogs.length > 0) {
        const listener = this.options.restoreListener;
        const metrics = this.options.metrics;
        let last = 0;
        await manager.restore(this.options.reader.scoped(t.cancelRestore.signal), {
          listener: {
            onRestoreStart: (p) => {
              last = 0;
              listener?.onRestoreStart?.(p);
            },
            onBatchRestored: (p) => {
              metrics.increment(RUNTIME_METRICS.restoredRecords, { task: t.id }, p.restored - last);
              last = p.restored;
              listener?.onBatchRestored?.(p);
            },
            onRestoreEnd: (p) => listener?.onRestoreEnd?.(p),
          },
        });
      }
      t.restored = true;
    } catch (e) {
      if (!(e instanceof RestoreCancelledError)) t.restoreError = e;
    }
  }
}
