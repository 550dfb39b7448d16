// One sub-topology running for one partition (Kafka Streams' StreamTask). The test driver and the Kafka runtime both
// run tasks; they differ only in where input comes from, where output goes and when commits happen.
import type { Logger } from '../../common/logger.js';
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type {
  Cancellable,
  Processor,
  ProcessorContext,
  PunctuationType,
  Punctuator,
  TaskId,
} from '../../operators/api/processor.js';
import type { RecordMetadata, StreamRecord } from '../../operators/api/record.js';
import { type SourceNodeDef, supplierFn } from '../../operators/graph/nodes.js';
import { internalTopicName, type Subtopology } from '../../operators/graph/topology.js';
import { SerdeNotReadyError } from '../../schemas/serde.js';
import { isStringSerde } from '../../schemas/serdes.js';
import type { StateStore } from '../../state/api/state-store.js';
import {
  type ErrorHandlerSettings,
  type FailedRecord,
  handleFailure,
  StreamsError,
} from './error-handlers.js';
import { type Counter, METRICS, type StreamsMetrics } from './metrics.js';
import {
  decodePartitionTime,
  type InputPartition,
  PartitionGroup,
  type Position,
} from './partition-group.js';
import { ProcessorFailure, ProcessorNode, type TaskServices } from './processor-node.js';
import { PunctuationQueue } from './punctuation-queue.js';
import type { RawRecord } from './raw-record.js';
import type { RecordCollector } from './record-collector.js';
import { sinkProcessor } from './sink-processor.js';
import type { TaskState } from './task-state.js';

export function taskId(subtopology: number, partition: number): TaskId {
  const text = `${subtopology}_${partition}`;
  return { subtopology, partition, toString: () => text };
}

export interface Clock {
  nowMs(): number;
}

export interface StreamTaskConfig {
  readonly id: TaskId;
  readonly applicationId: string;
  readonly subtopology: Subtopology;
  /** The task's stores, opened and restored by the executor. */
  readonly state: TaskState;
  /** Global stores, readable by every processor. */
  readonly globalStores?: ReadonlyMap<string, StateStore>;
  readonly collector: RecordCollector;
  readonly clock: Clock;
  readonly errors: ErrorHandlerSettings;
  readonly metrics: StreamsMetrics;
  readonly logger: Logger;
}

interface SourceBinding {
  readonly topic: string;
  readonly def: SourceNodeDef;
  readonly node: ProcessorNode;
}

export class StreamTask implements TaskServices {
  readonly id: TaskId;
  readonly applicationId: string;
  readonly metrics: StreamsMetrics;
  private readonly input = new PartitionGroup();
  private readonly streamTimeSchedules = new PunctuationQueue();
  private readonly wallClockSchedules = new PunctuationQueue();
  private sources = new Map<string, SourceBinding>();
  /** The source of the previous record: usually the next record's too (no map lookup per record). */
  private lastSource: SourceBinding | undefined;
  private nodes: ProcessorNode[] = [];
  private streamTime = -1;
  private committedStreamTime = -1;
  private current: RawRecord | undefined;
  /** Event time of the record being processed, or the time of the running punctuation (stamps changelog records). */
  private currentTime = -1;
  private inflight: Promise<void>[] = [];
  /**
   * The key of the last input record and the bytes it was read from, when its source reads keys with the built-in
   * string serde (else null bytes): see `inputKeyBytes`. Kept after the record, for the emits of the next flush.
   */
  private inputKey: unknown = undefined;
  private inputKeyBytes: Buffer | null = null;
  /** Whether `inputKeyBytes` are ASCII; undefined until a sink asks. */
  private inputKeyAscii: boolean | undefined = undefined;
  private commitRequested = false;
  private readonly log: Logger;
  private readonly processedCounter: Counter;

  constructor(private readonly config: StreamTaskConfig) {
    this.id = config.id;
    this.applicationId = config.applicationId;
    this.metrics = config.metrics;
    this.log = config.logger.child({ task: config.id.toString() });
    this.processedCounter = config.metrics.counter(METRICS.processedRecords, { task: config.id.toString() });
  }

  /** Instantiates the processors and runs their init(); stores must already be open and restored. */
  async initialize(): Promise<void> {
    this.instantiate();
    for (const node of this.nodes) await node.init();
  }

  // ---- input ----

  addRecords(records: readonly RawRecord[]): void {
    if (records.length === 0) return;
    const { topic, partition } = records[0];
    if (!this.sources.has(topic)) throw new Error(`task ${this.id}: no source reads topic '${topic}'`);
    this.input.add(topic, partition, records);
  }

  addRecord(record: RawRecord): void {
    const current = this.input.current;
    // The partition of the previous record is known to be read by a source: no lookup (the driver adds one at a time).
    if (current === undefined || current.topic !== record.topic || current.partition !== record.partition) {
      if (!this.sources.has(record.topic))
        throw new Error(`task ${this.id}: no source reads topic '${record.topic}'`);
    }
    this.input.push(record);
  }

  get bufferedRecords(): number {
    return this.input.size;
  }

  bufferedRecordsOf(topic: string, partition: number): number {
    return this.input.sizeOf(topic, partition);
  }

  /** Physical topics this task reads. */
  inputTopics(): string[] {
    return [...this.sources.keys()];
  }

  /**
   * Processes up to `maxRecords` buffered records in event-time order across partitions, each depth-first through the
   * sub-topology, followed by due stream-time punctuations. Resolves to the number of records processed.
   */
  process(maxRecords = Number.POSITIVE_INFINITY): MaybePromise<number> {
    return this.processFrom(0, maxRecords);
  }

  private processFrom(done: number, max: number): MaybePromise<number> {
    let count = done;
    while (count < max) {
      const raw = this.input.next();
      if (!raw) break;
      count++;
      const r = this.processRecord(raw, false);
      if (r !== undefined && isPromise(r)) return r.then(() => this.processFrom(count, max));
    }
    return count;
  }

  private sourceOf(topic: string): SourceBinding {
    const last = this.lastSource;
    if (last !== undefined && last.topic === topic) return last;
    const binding = this.sources.get(topic) as SourceBinding;
    this.lastSource = binding;
    return binding;
  }

  private processRecord(raw: RawRecord, retried: boolean): MaybePromise<void> {
    const binding = this.sourceOf(raw.topic);
    const { def } = binding;
    this.current = raw;
    let key: unknown = null;
    let value: unknown = null;
    try {
      if (raw.key !== null) key = def.keySerde.deserialize(raw.topic, raw.key, raw.headers);
      if (raw.value !== null) value = def.valueSerde.deserialize(raw.topic, raw.value, raw.headers);
    } catch (error) {
      if (error instanceof SerdeNotReadyError && !retried) {
        return error.prepare().then(() => this.processRecord(raw, true));
      }
      this.fail({
        kind: 'deserialization',
        error,
        taskId: this.id.toString(),
        processor: def.name,
        source: raw,
      });
      return this.finishRecord(raw);
    }
    this.rememberInputKey(def, raw, key);
    const timestamp = this.extractTimestamp(def, raw, key, value);
    if (timestamp === undefined) return this.finishRecord(raw);
    if (timestamp > this.streamTime) this.streamTime = timestamp;
    this.currentTime = timestamp;
    const record: StreamRecord<unknown, unknown> = { key, value, timestamp, headers: raw.headers };
    let r: MaybePromise<void>;
    try {
      // A source node only forwards (passThrough): forwarding from it directly saves a hop per record. Errors are tagged
      // by the node that threw them either way.
      r = binding.node.forward(record);
    } catch (error) {
      this.processingFailed(error, raw);
      return this.finishRecord(raw);
    }
    if (r !== undefined && isPromise(r)) {
      return r.then(
        () => this.finishRecord(raw),
        (error) => {
          this.processingFailed(error, raw);
          return this.finishRecord(raw);
        },
      );
    }
    return this.finishRecord(raw);
  }

  private rememberInputKey(def: SourceNodeDef, raw: RawRecord, key: unknown): void {
    this.inputKeyAscii = undefined;
    if (raw.key !== null && isStringSerde(def.keySerde)) {
      this.inputKey = key;
      this.inputKeyBytes = raw.key;
    } else {
      this.inputKey = undefined;
      this.inputKeyBytes = null;
    }
  }

  /**
   * The bytes the string serde would write for `key` when it is the key of the last input record, read with the
   * string serde: those bytes themselves. Most topologies write the key they read unchanged (filter, mapValues,
   * aggregations by key), and a sink need not encode it again. Only ASCII bytes qualify: they are exactly what
   * encoding their string gives, whereas invalid UTF-8 read as U+FFFD would be written differently.
   */
  inputKeyBytesFor(key: string): Buffer | undefined {
    const bytes = this.inputKeyBytes;
    if (bytes === null || key !== this.inputKey) return undefined;
    this.inputKeyAscii ??= isAscii(bytes);
    return this.inputKeyAscii ? bytes : undefined;
  }

  /** After a record: wait for forwards nobody awaited, advance the position, run due stream-time punctuations. */
  private finishRecord(raw: RawRecord): MaybePromise<void> {
    if (this.inflight.length > 0) return this.awaitInflight(raw);
    const emits = this.config.state.pendingEmits();
    if (emits !== undefined) {
      return emits.then(
        () => this.finishRecord(raw),
        (error) => {
          this.processingFailed(error, raw);
          return this.finishRecord(raw);
        },
      );
    }
    this.partitionOf(raw).consumedOffset = raw.offset + 1;
    this.current = undefined;
    this.processedCounter.value++;
    const p = this.streamTimeSchedules.mayPunctuate(this.streamTime);
    return isPromise(p) ? p.then(noop) : undefined;
  }

  private awaitInflight(raw: RawRecord): Promise<void> {
    const pending = this.inflight;
    this.inflight = [];
    return Promise.all(pending).then(
      () => this.finishRecord(raw),
      (error) => {
        this.processingFailed(error, raw);
        return this.finishRecord(raw);
      },
    );
  }

  /** The input partition a record came from (the one the partition group just picked, on the hot path). */
  private partitionOf(raw: RawRecord): InputPartition {
    const current = this.input.current;
    return current !== undefined && current.topic === raw.topic && current.partition === raw.partition
      ? current
      : this.input.partition(raw.topic, raw.partition);
  }

  private extractTimestamp(
    def: SourceNodeDef,
    raw: RawRecord,
    key: unknown,
    value: unknown,
  ): number | undefined {
    const input = this.partitionOf(raw);
    const partitionTime = input.partitionTime;
    const ts = def.timestampExtractor
      ? def.timestampExtractor(
          {
            topic: raw.topic,
            partition: raw.partition,
            offset: raw.offset,
            key,
            value,
            timestamp: raw.timestamp,
          },
          partitionTime,
        )
      : raw.timestamp;
    if (!Number.isFinite(ts) || ts < 0) {
      this.metrics.increment(METRICS.skippedRecords, {
        task: this.id.toString(),
        reason: 'invalid-timestamp',
      });
      this.log.warn(
        { topic: raw.topic, partition: raw.partition, offset: raw.offset, timestamp: ts },
        'skipping record with an invalid (negative or non-finite) timestamp',
      );
      return undefined;
    }
    if (ts > partitionTime) input.partitionTime = ts;
    return ts;
  }

  private processingFailed(error: unknown, raw: RawRecord): void {
    if (error instanceof StreamsError) throw error;
    const processor = error instanceof ProcessorFailure ? error.processor : undefined;
    const cause = error instanceof ProcessorFailure ? error.error : error;
    if (cause instanceof StreamsError) throw cause;
    this.fail({ kind: 'processing', error: cause, taskId: this.id.toString(), processor, source: raw });
  }

  private fail(failure: FailedRecord): void {
    const setting =
      failure.kind === 'deserialization'
        ? this.config.errors.deserializationExceptionHandler
        : failure.kind === 'processing'
          ? this.config.errors.processingExceptionHandler
          : this.config.errors.productionExceptionHandler;
    handleFailure(setting, failure, {
      collector: this.config.collector,
      onSkip: (f, message) => {
        this.metrics.increment(METRICS.skippedRecords, { task: this.id.toString(), reason: f.kind });
        this.log.warn({ err: f.error }, `skipped record: ${message}`);
      },
    });
  }

  // ---- time ----

  /** Fires due wall-clock punctuations; true if any fired. */
  punctuateWallClock(): MaybePromise<boolean> {
    return this.wallClockSchedules.mayPunctuate(this.config.clock.nowMs());
  }

  get streamTimeMsValue(): number {
    return this.streamTime;
  }

  // ---- commit cycle ----

  get needsCommit(): boolean {
    return this.commitRequested;
  }

  /**
   * Phase 1 of a commit: stores flush their caches (emitting downstream and writing changelog records). Then
   * `consumedPositions()` are the offsets to commit for this task's input partitions.
   */
  prepareCommit(): MaybePromise<void> {
    const r = this.config.state.flush();
    return isPromise(r) ? r.then(() => this.settleInflight()) : this.settleInflight();
  }

  /** Waits for forwards the flush started and nobody awaited. */
  private settleInflight(): MaybePromise<void> {
    if (this.inflight.length === 0) return;
    const pending = this.inflight;
    this.inflight = [];
    return Promise.all(pending).then(() => this.settleInflight());
  }

  /** Offsets of the next records to process, per input partition: what a commit commits. */
  consumedPositions(): Position[] {
    return this.input.consumed();
  }

  /** Phase 2, after the Kafka transaction (or offset commit) succeeded: stores apply their writes and checkpoint. */
  postCommit(changelogOffsets: ReadonlyMap<string, number>): MaybePromise<void> {
    const r = this.config.state.commit(changelogOffsets);
    return isPromise(r) ? r.then(() => this.committedNow()) : this.committedNow();
  }

  private committedNow(): void {
    this.input.markCommitted();
    this.committedStreamTime = this.streamTime;
    this.commitRequested = false;
  }

  /**
   * The transaction aborted: drop uncommitted state and buffered input, recreate the processors, and return the
   * positions to rewind the consumer to (the last committed ones).
   */
  async rollback(): Promise<Position[]> {
    this.config.state.rollback();
    this.input.clear();
    this.input.rewind();
    this.inflight = [];
    await this.closeProcessors();
    this.streamTime = this.committedStreamTime;
    this.commitRequested = false;
    await this.initialize();
    return this.input.committed();
  }

  /**
   * Sets the committed positions known at assignment (from the group's committed offsets). Partition times committed
   * with them restore the task's stream time, so stream-time punctuation and `currentStreamTimeMs()` continue where
   * the previous owner of the task stopped.
   */
  setCommittedOffsets(offsets: readonly Position[]): void {
    for (const o of offsets) {
      const p = this.input.partition(o.topic, o.partition);
      p.committedOffset = o.offset;
      p.consumedOffset = o.offset;
      const partitionTime = decodePartitionTime(o.metadata);
      if (partitionTime > p.partitionTime) p.partitionTime = partitionTime;
      if (partitionTime > this.streamTime) this.streamTime = partitionTime;
    }
    this.committedStreamTime = this.streamTime;
  }

  async close(): Promise<void> {
    await this.closeProcessors();
    await this.config.state.close();
  }

  // ---- TaskServices ----

  get taskId(): TaskId {
    return this.id;
  }

  /** The input record being processed (its bytes), if any: what a dead-letter record of a send failure carries. */
  currentRecord(): RawRecord | undefined {
    return this.current;
  }

  recordMetadata(): RecordMetadata | undefined {
    const c = this.current;
    return c ? { topic: c.topic, partition: c.partition, offset: c.offset } : undefined;
  }

  streamTimeMs(): number {
    return this.streamTime;
  }

  /** Event time of the record being processed, or the running punctuation's time. */
  currentTimestampMs(): number {
    return this.currentTime;
  }

  wallClockMs(): number {
    return this.config.clock.nowMs();
  }

  store(name: string): StateStore | undefined {
    return this.config.state.store(name) ?? this.config.globalStores?.get(name);
  }

  isGlobalStore(name: string): boolean {
    return this.config.globalStores?.has(name) ?? false;
  }

  schedule(
    node: ProcessorNode,
    intervalMs: number,
    type: PunctuationType,
    punctuator: Punctuator,
  ): Cancellable {
    const run = (p: Punctuator, timestampMs: number): MaybePromise<void> => {
      this.metrics.increment(METRICS.punctuations, {
        task: this.id.toString(),
        processor: node.nodeName,
        type,
      });
      const previous = this.current;
      const previousTime = this.currentTime;
      this.current = undefined;
      this.currentTime = timestampMs;
      try {
        const r = p(timestampMs);
        const settle = () => {
          this.current = previous;
          this.currentTime = previousTime;
          if (this.inflight.length === 0) return undefined;
          const pending = this.inflight;
          this.inflight = [];
          return Promise.all(pending).then(() => undefined);
        };
        return isPromise(r) ? r.then(settle) : settle();
      } catch (e) {
        this.current = previous;
        this.currentTime = previousTime;
        throw new ProcessorFailure(node.nodeName, e);
      }
    };
    return type === 'stream-time'
      ? this.streamTimeSchedules.schedule(0, intervalMs, punctuator, run)
      : this.wallClockSchedules.schedule(this.config.clock.nowMs() + intervalMs, intervalMs, punctuator, run);
  }

  requestCommit(): void {
    this.commitRequested = true;
  }

  track(pending: Promise<void>): void {
    this.inflight.push(pending);
  }

  // ---- wiring ----

  private instantiate(): void {
    const st = this.config.subtopology;
    const nodes = new Map<string, ProcessorNode>();
    this.sources = new Map();
    this.lastSource = undefined;
    for (const def of st.nodes) {
      const processor = this.processorFor(def);
      const node = new ProcessorNode(def.name, processor, this, def.type === 'processor' ? def.stores : []);
      nodes.set(def.name, node);
      if (def.type === 'source') {
        for (const topic of def.topics) {
          const physical = def.internal ? internalTopicName(this.applicationId, topic) : topic;
          this.sources.set(physical, { topic: physical, def, node });
        }
      }
    }
    for (const def of st.nodes) {
      const node = nodes.get(def.name) as ProcessorNode;
      for (const child of st.children.get(def.name) ?? []) node.addChild(nodes.get(child) as ProcessorNode);
    }
    this.nodes = [...nodes.values()];
  }

  private processorFor(def: Subtopology['nodes'][number]): Processor<unknown, unknown, unknown, unknown> {
    switch (def.type) {
      case 'source':
        return passThrough();
      case 'sink':
        return sinkProcessor(def, {
          applicationId: this.applicationId,
          collector: this.config.collector,
          inputKeyBytes: (key) => this.inputKeyBytesFor(key),
          onSerializationError: (error, output, processor) =>
            this.fail({
              kind: 'production',
              error,
              taskId: this.id.toString(),
              processor,
              output,
              ...(this.current ? { source: this.current } : {}),
            }),
        });
      case 'processor':
        return supplierFn(def.supplier)();
    }
  }

  private async closeProcessors(): Promise<void> {
    this.streamTimeSchedules.clear();
    this.wallClockSchedules.clear();
    for (const node of this.nodes) {
      try {
        await node.close();
      } catch (e) {
        this.log.warn({ err: e, processor: node.nodeName }, 'processor close failed');
      }
    }
    this.nodes = [];
  }
}

function noop(): void {}

function isAscii(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > 0x7f) return false;
  return true;
}

/** Source nodes only forward what the task deserialized. */
function passThrough(): Processor<unknown, unknown, unknown, unknown> {
  let context: ProcessorContext<unknown, unknown>;
  return {
    init(ctx) {
      context = ctx;
    },
    process(record) {
      return context.forward(record);
    },
  };
}
