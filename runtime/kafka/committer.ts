// The commit cycles (docs/runtime-design.md):
//
// exactly_once_v2 (KIP-447): one transaction per commit interval carries the tasks' outputs, changelog records and
//   consumed offsets (sendOffsets with the consumer's group metadata, which fences zombies). Stores apply their
//   buffered writes only after the commit succeeded (postCommit), so local state never holds an aborted write.
// at_least_once: flush the producer (every record acknowledged), then commit the offsets, then postCommit.
//
// Changelog positions for checkpoints are read (one ListOffsets) only for tasks that wrote checkpointAfterRecords
// changelog records since their last checkpoint, or that are about to close: after the commit and before any send
// of the next transaction, so the log end is exactly past the committed records (docs/kafka-client-notes.md).
import { isPromise } from '../../common/maybe-promise.js';
import type { StreamsMetrics } from '../engine/metrics.js';
import type { Position } from '../engine/partition-group.js';
import type { DeliveryFailure } from './delivery-tracker.js';
import { KafkaRuntimeError } from './kafka-errors.js';
import type { KafkaRecordCollector } from './kafka-record-collector.js';
import { type TopicPartition, tpKey } from './records.js';
import { RUNTIME_METRICS } from './runtime-metrics.js';
import type { StreamConsumer } from './stream-consumer.js';
import { DeliveryFailedError, type StreamProducer } from './stream-producer.js';
import type { ActiveTask } from './task-manager.js';

const NO_OFFSETS: ReadonlyMap<string, number> = new Map();

export interface CommitterOptions {
  readonly exactlyOnce: boolean;
  readonly producer: () => StreamProducer;
  readonly consumer: () => StreamConsumer;
  readonly collector: KafkaRecordCollector;
  readonly checkpointAfterRecords: number;
  readonly metrics: StreamsMetrics;
}

export class Committer {
  constructor(private readonly options: CommitterOptions) {}

  /** exactly_once_v2: makes sure a transaction is open before anything is sent. */
  async ensureTransaction(): Promise<void> {
    if (!this.options.exactlyOnce) return;
    const producer = this.options.producer();
    if (!producer.inTransaction) await producer.beginTransaction();
  }

  /**
   * Commits the running tasks' progress. `closing` tasks always get their changelog positions, so that closing
   * writes a checkpoint at the end of what they committed. Errors are KafkaRuntimeErrors with their kind (a
   * failed delivery under at_least_once is abortable: the thread redoes the work since the last commit).
   */
  async commit(tasks: readonly ActiveTask[], closing: ReadonlySet<ActiveTask> = new Set()): Promise<void> {
    const o = this.options;
    const started = performance.now();
    await this.ensureTransaction();
    for (const t of tasks) {
      const r = t.task.prepareCommit();
      if (isPromise(r)) await r;
    }
    const offsets: Position[] = [];
    for (const t of tasks) for (const p of t.task.consumedPositions()) offsets.push(p);
    const producer = o.producer();
    if (o.exactlyOnce) {
      await producer.commitTransaction({ consumer: o.consumer(), offsets });
    } else {
      await this.#flushAtLeastOnce(producer);
      try {
        await o.consumer().commitOffsets(offsets);
      } catch (err) {
        throw err instanceof KafkaRuntimeError ? err : new KafkaRuntimeError('committing offsets', err);
      }
    }
    const positions = await this.#changelogPositions(producer, tasks, closing);
    for (const t of tasks) {
      const r = t.task.postCommit(positions.get(t) ?? NO_OFFSETS);
      if (isPromise(r)) await r;
    }
    o.collector.committed();
    o.metrics.increment(RUNTIME_METRICS.commits, {});
    o.metrics.increment(RUNTIME_METRICS.commitLatencyMs, {}, performance.now() - started);
  }

  /**
   * exactly_once_v2: aborts the open transaction (none of its records or offsets become visible). Returns the records
   * whose delivery failed in it.
   */
  async abort(): Promise<readonly DeliveryFailure[]> {
    if (!this.options.exactlyOnce) {
      const failures = this.#failedDeliveries;
      this.#failedDeliveries = [];
      return failures;
    }
    const producer = this.options.producer();
    return producer.inTransaction ? producer.abortTransaction() : [];
  }

  /** at_least_once: records of the last failed flush, handed out by abort() as an aborted transaction's are. */
  #failedDeliveries: readonly DeliveryFailure[] = [];

  /**
   * at_least_once: a failed delivery means records are missing (every record of a batch the broker refused). The
   * error (abortable) makes the thread roll the tasks back and redo the work since the last commit, which writes
   * the records again (duplicates are allowed here); a record the broker rejected on its own goes to the production
   * handler then, as under exactly_once_v2.
   */
  async #flushAtLeastOnce(producer: StreamProducer): Promise<void> {
    try {
      await producer.flush();
    } catch (err) {
      if (err instanceof DeliveryFailedError) this.#failedDeliveries = err.failures;
      throw err;
    }
  }

  async #changelogPositions(
    producer: StreamProducer,
    tasks: readonly ActiveTask[],
    closing: ReadonlySet<ActiveTask>,
  ): Promise<Map<ActiveTask, Map<string, number>>> {
    const o = this.options;
    const due: ActiveTask[] = [];
    for (const t of tasks) {
      const changelogs = t.stores.changelogs;
      if (changelogs.length === 0) continue;
      if (closing.has(t)) {
        due.push(t);
        continue;
      }
      let written = 0;
      for (const c of changelogs) written += o.collector.changelogCount(c.topic, c.partition);
      if (written > 0 && written >= o.checkpointAfterRecords) due.push(t);
    }
    const result = new Map<ActiveTask, Map<string, number>>();
    if (due.length === 0) return result;
    const partitions: TopicPartition[] = due.flatMap((t) => [...t.stores.changelogs]);
    const ends = await producer.logEndOffsets(partitions);
    const byTp = new Map(ends.map((e) => [tpKey(e.topic, e.partition), e.offset]));
    for (const t of due) {
      const map = new Map<string, number>();
      for (const c of t.stores.changelogs) {
        const end = byTp.get(tpKey(c.topic, c.partition));
        if (end !== undefined) map.set(c.topic, end);
        o.collector.resetChangelogCount(c.topic, c.partition);
      }
      result.set(t, map);
    }
    return result;
  }
}
