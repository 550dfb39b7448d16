import type { MaybePromise } from '../../common/maybe-promise.js';
import type { StreamsMetrics } from '../../runtime/engine/metrics.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { RecordMetadata, StreamRecord } from './record.js';

/** Stream time advances with record timestamps; wall-clock time with the system clock (Kafka Streams' PunctuationType). */
export type PunctuationType = 'stream-time' | 'wall-clock-time';

/** Called with the time (stream or wall-clock, ms) at which the punctuation is due. */
export type Punctuator = (timestampMs: number) => MaybePromise<void>;

export interface Cancellable {
  cancel(): void;
}

/** Identifies a task: one per sub-topology and input partition. Its string form is `<subtopology>_<partition>`. */
export interface TaskId {
  readonly subtopology: number;
  readonly partition: number;
  toString(): string;
}

/**
 * What a processor can do besides receiving records (Kafka Streams' `api.ProcessorContext`).
 * KForward/VForward type what it may forward downstream.
 */
export interface ProcessorContext<KForward = unknown, VForward = unknown> {
  readonly applicationId: string;
  readonly taskId: TaskId;
  /** Topic, partition and offset of the input record being processed; undefined inside punctuators. */
  recordMetadata(): RecordMetadata | undefined;
  /** The task's stream time: the largest record timestamp it has seen (ms). */
  currentStreamTimeMs(): number;
  /** Wall-clock time (ms); the test driver's mocked clock under test. */
  currentSystemTimeMs(): number;
  /**
   * Sends a record to all children, or to the named child. Returns a promise only when a downstream processor
   * awaited something; await it before forwarding the next record (the task also waits for it before its next input).
   */
  forward(record: StreamRecord<KForward, VForward>, childName?: string): MaybePromise<void>;
  /** A store connected to this processor (`stores` option of `process`, or `builder.addStateStore`). */
  getStateStore<S extends StateStore>(name: string): S;
  /** Calls `punctuator` every `intervalMs` of stream time or wall-clock time until cancelled. */
  schedule(intervalMs: number, type: PunctuationType, punctuator: Punctuator): Cancellable;
  /** Asks for a commit as soon as possible. */
  commit(): void;
  /**
   * The application's metrics (exported to Prometheus by the runtime, readable from the test driver): count what
   * your processor drops or skips, e.g. `metrics.increment('dropped-records-total', { task, processor, reason })`.
   */
  readonly metrics: StreamsMetrics;
}

/**
 * A record-at-a-time processor (Kafka Streams' `api.Processor`). `process` may be async (e.g. to await a store read
 * that missed the cache); the task processes the next record of the partition only once it has settled.
 */
export interface Processor<KIn, VIn, KOut = never, VOut = never> {
  init?(context: ProcessorContext<KOut, VOut>): MaybePromise<void>;
  process(record: StreamRecord<KIn, VIn>): MaybePromise<void>;
  close?(): MaybePromise<void>;
}

/** Creates a fresh processor for each task (a function, or an object with `get()` as in Kafka Streams). */
export type ProcessorSupplier<KIn, VIn, KOut = never, VOut = never> =
  | (() => Processor<KIn, VIn, KOut, VOut>)
  | { get(): Processor<KIn, VIn, KOut, VOut> };
