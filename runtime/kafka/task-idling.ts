// When a task reading several partitions (a join, a merge) may process (Kafka Streams' max.task.idle.ms, KIP-695).
// Records are processed in timestamp order across the task's partitions, but only among what was fetched: if one side
// is empty only because its records have not arrived yet, processing the other side now would join against a table
// that misses rows it will have a moment later. So a task with an empty partition waits while that partition still has
// records on the broker (the consumer's position is below the high watermark it last saw), and - when maxTaskIdleMs
// > 0 - also up to maxTaskIdleMs for records that may still be produced.
import type { NativeConsumer } from './rdkafka.js';
import { type TopicPartition, tpKey } from './records.js';
import type { StreamConsumer } from './stream-consumer.js';
import type { ActiveTask } from './task-manager.js';

/**
 * Longest wait for a partition with lag. Under read_committed the high watermark the client caches includes records
 * of transactions still open (docs/kafka-client-notes.md), which are not fetchable yet: lag may look positive while
 * nothing can arrive, so waiting for it is bounded.
 */
const LAG_WAIT_CAP_MS = 2_000;

export class TaskIdling {
  /** When each task first found itself unable to process (by task id). */
  readonly #blockedSince = new Map<string, number>();
  /** Lag of empty partitions, computed once per poll round (nothing is fetched within a round). */
  #lagging = new Map<string, boolean>();

  constructor(
    private readonly consumer: StreamConsumer,
    /** -1: never wait; 0: wait only while an empty partition has lag; > 0: also wait that long without lag. */
    private readonly maxTaskIdleMs: number,
  ) {}

  /** Call after each poll: lag is re-read lazily for the new round. */
  newRound(): void {
    this.#lagging = new Map();
  }

  /** Tasks reading one partition always process; the others only when no empty partition should be waited for. */
  processable(t: ActiveTask, now: number): boolean {
    const inputs = t.inputs;
    if (inputs.length === 1 || this.maxTaskIdleMs < 0) return true;
    let empty = 0;
    let lagging = false;
    for (const tp of inputs) {
      if (t.task.bufferedRecordsOf(tp.topic, tp.partition) > 0) continue;
      empty++;
      if (!lagging && this.#hasLag(t, tp)) lagging = true;
    }
    if (empty === 0) {
      this.#blockedSince.delete(t.id);
      return true;
    }
    if (empty === inputs.length) return false;
    const limit = lagging ? Math.max(this.maxTaskIdleMs, LAG_WAIT_CAP_MS) : this.maxTaskIdleMs;
    let since = this.#blockedSince.get(t.id);
    if (since === undefined) {
      since = now;
      this.#blockedSince.set(t.id, since);
    }
    return now - since >= limit;
  }

  /** Tasks are about to be closed and recreated (rebalance): their waits start over. */
  reset(): void {
    this.#blockedSince.clear();
  }

  #hasLag(t: ActiveTask, tp: TopicPartition): boolean {
    const key = tpKey(tp.topic, tp.partition);
    let lag = this.#lagging.get(key);
    if (lag === undefined) {
      lag = this.#computeLag(t, tp, key);
      this.#lagging.set(key, lag);
    }
    return lag;
  }

  #computeLag(t: ActiveTask, tp: TopicPartition, key: string): boolean {
    let low: number;
    let high: number;
    try {
      ({ lowOffset: low, highOffset: high } = (
        this.consumer.nativeClient as NativeConsumer
      ).getWatermarkOffsets(tp.topic, tp.partition));
    } catch {
      return true; // not fetched yet: records may be there
    }
    if (high < 0) return true;
    // Nothing returned since assignment: the consumer reads from the committed offset (or the log start).
    const position =
      this.consumer.position([tp]).get(key) ??
      t.committedAtAssignment.find((p) => p.topic === tp.topic && p.partition === tp.partition)?.offset ??
      Math.max(low, 0);
    return position < high;
  }
}
