// Global stores on a worker (Kafka Streams' GlobalStreamThread, run inside the stream thread's loop): every partition
// of each global topic is read by a consumer without group (the topic is the store's changelog; the store's own
// logging is off). At start the stores are rebuilt from the beginning to the topics' read_committed end before any
// task processes, then each loop round applies what arrived, without blocking.
//
// Each global store runs as a StreamTask over the one-source sub-topology the test driver uses too, so timestamp
// extractors, deserialization handlers and the store's processor behave the same.
import { join } from 'node:path';
import type { Logger } from '../../common/logger.js';
import type { Topology } from '../../operators/graph/topology.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { ChangelogWriter, MemoryBudget } from '../../state/api/store-runtime.js';
import type { ErrorHandlerSettings } from '../engine/error-handlers.js';
import type { StreamsMetrics } from '../engine/metrics.js';
import { type Clock, type StreamTask, taskId } from '../engine/stream-task.js';
import { globalStoreSubtopology } from '../engine/topology-tasks.js';
import { type KafkaConnectionOptions, librdkafkaConfig } from './client-config.js';
import { wrapKafkaError } from './kafka-errors.js';
import type { KafkaRecordCollector } from './kafka-record-collector.js';
import { OffsetLister } from './offset-lister.js';
import {
  call,
  connect,
  createNativeConsumer,
  disconnect,
  type NativeConsumer,
  OFFSET_BEGINNING,
  type RdMessage,
} from './rdkafka.js';
import { groupByPartition, type TopicPartition, tpKey } from './records.js';
import { openTask, type TaskStores } from './task-stores.js';

const NO_OFFSETS: ReadonlyMap<string, number> = new Map();

/** Global stores write no changelog: a send here is a bug. */
const NO_CHANGELOG: ChangelogWriter = {
  send: (record) => {
    throw new Error(
      `a global store tried to write changelog topic ${record.topic}: global stores are not logged`,
    );
  },
};

export interface GlobalStateOptions {
  readonly topology: Topology;
  readonly applicationId: string;
  readonly connection: KafkaConnectionOptions;
  /** Wiped at every start: global stores are rebuilt from their topics. */
  readonly directory: string;
  readonly memory: MemoryBudget;
  /** Dead-letter records of global records that cannot be read go through the worker's collector. */
  readonly collector: KafkaRecordCollector;
  readonly clock: Clock;
  readonly errors: ErrorHandlerSettings;
  readonly metrics: StreamsMetrics;
  readonly logger: Logger;
  readonly maxPollRecords: number;
  /** Partition counts of the global topics. */
  readonly partitionCounts: ReadonlyMap<string, number>;
}

interface GlobalTask {
  readonly task: StreamTask;
  readonly stores: TaskStores;
}

export class GlobalState {
  readonly stores = new Map<string, StateStore>();
  readonly #tasks: GlobalTask[] = [];
  /** Global task by topic. */
  readonly #byTopic = new Map<string, StreamTask>();
  readonly #eof = new Map<string, number>();
  #native: NativeConsumer | undefined;
  #offsets: OffsetLister | undefined;
  #partitions: TopicPartition[] = [];

  private constructor(private readonly options: GlobalStateOptions) {}

  /** Opens the global stores (empty) and a consumer of all their topics' partitions; undefined without global stores. */
  static async open(options: GlobalStateOptions): Promise<GlobalState | undefined> {
    if (options.topology.globalStores.length === 0) return undefined;
    const global = new GlobalState(options);
    try {
      await global.#openTasks();
      await global.#connect();
    } catch (e) {
      await global.close();
      throw e;
    }
    return global;
  }

  /**
   * Reads every partition to its read_committed end offset as of now, applying the records: afterwards the stores
   * reflect everything committed to their topics before the call. `beforeProcessing` runs before records are
   * processed (the stream thread opens its transaction there: dead-letter records go into it).
   */
  async bootstrap(beforeProcessing: () => Promise<void>): Promise<number> {
    const native = this.#native as NativeConsumer;
    let ends: Map<string, number>;
    try {
      const list = await (this.#offsets as OffsetLister).list(this.#partitions, 'latest', true);
      ends = new Map(list.map((o) => [tpKey(o.topic, o.partition), o.offset]));
    } catch (err) {
      throw wrapKafkaError('global topics end offsets', err);
    }
    let applied = 0;
    const caughtUp = () =>
      native.position(this.#partitions.map((tp) => ({ ...tp }))).every((p) => {
        const key = tpKey(p.topic, p.partition);
        const end = ends.get(key) ?? 0;
        return end === 0 || p.offset >= end || (this.#eof.get(key) ?? -1) >= end;
      });
    while (!caughtUp()) applied += await this.#pollOnce(100, beforeProcessing);
    this.options.logger.info({ records: applied, stores: [...this.stores.keys()] }, 'global stores restored');
    return applied;
  }

  /** Applies what arrived on the global topics since the last call, without waiting for more. */
  poll(beforeProcessing: () => Promise<void>): Promise<number> {
    return this.#pollOnce(0, beforeProcessing);
  }

  async close(): Promise<void> {
    const native = this.#native;
    this.#native = undefined;
    if (native) await disconnect(native).catch(() => undefined);
    for (const { task } of this.#tasks) {
      try {
        await task.close();
      } catch (e) {
        this.options.logger.warn({ err: e, task: task.id.toString() }, 'closing a global task failed');
      }
    }
    this.#tasks.length = 0;
  }

  async #pollOnce(timeoutMs: number, beforeProcessing: () => Promise<void>): Promise<number> {
    const native = this.#native as NativeConsumer;
    native.setDefaultConsumeTimeout(timeoutMs);
    let messages: RdMessage[];
    try {
      messages = await call<RdMessage[]>((cb) => native.consume(this.options.maxPollRecords, cb));
    } catch (err) {
      throw wrapKafkaError('global consume', err);
    }
    if (messages.length === 0) return 0;
    const touched = new Set<StreamTask>();
    for (const batch of groupByPartition(messages, () => true)) {
      const task = this.#byTopic.get(batch.topic) as StreamTask;
      task.addRecords(batch.records);
      touched.add(task);
    }
    await beforeProcessing();
    for (const task of touched) {
      await task.process();
      // Applied at once: global stores have no changelog to commit with, and their topic offsets are not committed
      // (they are rebuilt at every start).
      await task.prepareCommit();
      await task.postCommit(NO_OFFSETS);
    }
    return messages.length;
  }

  async #openTasks(): Promise<void> {
    const o = this.options;
    for (const [i, g] of o.topology.globalStores.entries()) {
      const st = globalStoreSubtopology(o.topology, i);
      const { task, stores } = await openTask(
        { ...o, changelog: NO_CHANGELOG, checkpointAfterRecords: Number.MAX_SAFE_INTEGER },
        taskId(st.id, 0),
        st,
        join(o.directory, `${st.id}_0`),
      );
      this.#tasks.push({ task, stores });
      await task.initialize();
      const store = task.store(g.store.name);
      if (store) this.stores.set(g.store.name, store);
      for (const topic of g.source.topics) this.#byTopic.set(topic, task);
    }
  }

  async #connect(): Promise<void> {
    const o = this.options;
    const native = createNativeConsumer(
      librdkafkaConfig(o.connection, {
        // Required by librdkafka for any consumer; never joined (manual assignment) and never committed.
        'group.id': `${o.applicationId}-global`,
        'isolation.level': 'read_committed',
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'enable.partition.eof': true,
        'auto.offset.reset': 'earliest',
        'allow.auto.create.topics': false,
      }) as never,
    );
    native.on('partition.eof', (eof) => this.#eof.set(tpKey(eof.topic, eof.partition), eof.offset));
    await connect(native, 30_000);
    this.#native = native;
    native.setDefaultIsTimeoutOnlyForFirstMessage(true);
    this.#offsets = new OffsetLister(native, 10_000);
    this.#partitions = [];
    for (const topic of this.#byTopic.keys()) {
      const count = o.partitionCounts.get(topic);
      if (count === undefined) throw new Error(`partition count of global topic ${topic} is unknown`);
      for (let p = 0; p < count; p++) this.#partitions.push({ topic, partition: p });
    }
    native.incrementalAssign(this.#partitions.map((tp) => ({ ...tp, offset: OFFSET_BEGINNING })));
  }
}
