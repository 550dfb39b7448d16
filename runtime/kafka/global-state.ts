// Global stores on a worker (Kafka Streams' GlobalStreamThread, run inside the stream thread's loop): every partition
// of each global topic is read by a consumer without group (the topic is the store's changelog; the store's own
// logging is off). At start the stores are brought to the topics' read_committed end before any task processes, then
// each loop round applies what arrived, without blocking.
//
// Global checkpoint (Kafka Streams' global `.checkpoint`): `<stateDir>/<applicationId>/global/.checkpoint` records,
// per store and topic partition, the offset up to which the store's local state has applied the topic, and the
// identity of that local state. It is written after the applied records are durable (persistLocalState): once the
// bootstrap caught up, every `checkpointAfterRecords` applied records, and at close. At start a persistent store
// resumes from it and reads only the tail; a missing or corrupt checkpoint, another local state than the one it
// describes, or an offset outside the partition's log (below its start: retention deleted records the store never
// saw; beyond its end: the topic was recreated) wipes the store and rebuilds it from the beginning. In-memory global
// stores always rebuild. Records between the checkpoint and a crash are applied a second time on restart, which
// leaves a key-value store as the topic says (each key ends at its last value).
//
// Each global store runs as a StreamTask over the one-source sub-topology the test driver uses too, so timestamp
// extractors, deserialization handlers and the store's processor behave the same.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.js';
import type { Topology } from '../../operators/graph/topology.js';
import type { RestoreListener, RestoreProgress } from '../../state/api/changelog-reader.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { ChangelogWriter, MemoryBudget, StoreRuntime } from '../../state/api/store-runtime.js';
import {
  type CheckpointEntry,
  type CheckpointRead,
  readCheckpoint,
  writeCheckpoint,
} from '../../state/checkpoint-file.js';
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
  type RdMessage,
} from './rdkafka.js';
import { groupByPartition, type TopicPartition, tpKey } from './records.js';
import { RUNTIME_METRICS } from './runtime-metrics.js';
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
  /** `<stateDir>/<applicationId>/global`: global stores' local state and their checkpoint, kept across starts. */
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
  /** Told about each global store partition's restoration at start (records read up to the topic's end). */
  readonly restoreListener?: RestoreListener | undefined;
  /** Records applied after which the global checkpoint is written again while running. */
  readonly checkpointAfterRecords: number;
}

interface GlobalTask {
  readonly task: StreamTask;
  readonly stores: TaskStores;
  readonly storeName: string;
  readonly store: (StateStore & StoreRuntime) | undefined;
  readonly partitions: readonly TopicPartition[];
}

export class GlobalState {
  readonly stores = new Map<string, StateStore>();
  readonly #tasks: GlobalTask[] = [];
  /** Global task by topic. */
  readonly #byTopic = new Map<string, StreamTask>();
  readonly #eof = new Map<string, number>();
  /** Next offset to apply per partition (tpKey): where the checkpoint says a restart resumes. */
  readonly #positions = new Map<string, number>();
  /** Records applied per partition (tpKey) since the start, for restoration progress. */
  readonly #applied = new Map<string, number>();
  #native: NativeConsumer | undefined;
  #offsets: OffsetLister | undefined;
  #partitions: TopicPartition[] = [];
  #sinceCheckpoint = 0;

  private constructor(private readonly options: GlobalStateOptions) {}

  /**
   * Opens the global stores (resumed from the global checkpoint where it vouches for them, else wiped) and a consumer
   * of all their topics' partitions, positioned where each store left off; undefined without global stores.
   */
  static async open(options: GlobalStateOptions): Promise<GlobalState | undefined> {
    if (options.topology.globalStores.length === 0) return undefined;
    const global = new GlobalState(options);
    try {
      await global.#connect();
      await global.#openTasks();
      global.#assign();
    } catch (e) {
      await global.close();
      throw e;
    }
    return global;
  }

  /**
   * Reads every partition to its read_committed end offset as of now, applying the records: afterwards the stores
   * reflect everything committed to their topics before the call. `beforeProcessing` runs before records are
   * processed (the stream thread opens its transaction there: dead-letter records go into it). Writes the global
   * checkpoint once caught up; returns the records applied.
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
    const starts = new Map(this.#positions);
    this.#restoreProgress('onRestoreStart', starts, ends);
    let applied = 0;
    const caughtUp = () =>
      native.position(this.#partitions.map((tp) => ({ ...tp }))).every((p) => {
        const key = tpKey(p.topic, p.partition);
        const end = ends.get(key) ?? 0;
        const position = Math.max(p.offset ?? -1, this.#positions.get(key) ?? -1);
        return end === 0 || position >= end || (this.#eof.get(key) ?? -1) >= end;
      });
    while (!caughtUp()) applied += await this.#pollOnce(100, beforeProcessing);
    this.#restoreProgress('onRestoreEnd', starts, ends);
    this.options.metrics.increment(RUNTIME_METRICS.globalRestoredRecords, {}, applied);
    await this.checkpoint();
    this.options.logger.info({ records: applied, stores: [...this.stores.keys()] }, 'global stores restored');
    return applied;
  }

  /** Applies what arrived on the global topics since the last call, without waiting for more. */
  async poll(beforeProcessing: () => Promise<void>): Promise<number> {
    const applied = await this.#pollOnce(0, beforeProcessing);
    if (this.#sinceCheckpoint >= this.options.checkpointAfterRecords) await this.checkpoint();
    return applied;
  }

  /**
   * Writes the global checkpoint: the next offset to apply per partition of each persistent store, once the store's
   * applied records are durable.
   */
  async checkpoint(): Promise<void> {
    const entries = new Map<string, CheckpointEntry>();
    for (const t of this.#tasks) {
      const storeId = t.store?.localStateId?.();
      if (t.store === undefined || !t.store.persistent || storeId === undefined) continue;
      await t.store.persistLocalState?.();
      for (const tp of t.partitions) {
        const offset = this.#positions.get(tpKey(tp.topic, tp.partition));
        if (offset === undefined) continue;
        entries.set(entryName(t.storeName, tp), {
          topic: tp.topic,
          partition: tp.partition,
          offset,
          storeId,
        });
      }
    }
    this.#sinceCheckpoint = 0;
    if (entries.size > 0) await writeCheckpoint(this.options.directory, entries);
  }

  /** Checkpoints (best effort: applied state is never ahead of nothing) and closes the consumer and the stores. */
  async close(): Promise<void> {
    const native = this.#native;
    this.#native = undefined;
    if (native) await disconnect(native).catch(() => undefined);
    if (this.#positions.size > 0) {
      await this.checkpoint().catch((err) =>
        this.options.logger.warn({ err }, 'writing the global checkpoint failed'),
      );
    }
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
    const batches = groupByPartition(messages, () => true);
    const touched = new Set<StreamTask>();
    for (const batch of batches) {
      const task = this.#byTopic.get(batch.topic) as StreamTask;
      task.addRecords(batch.records);
      touched.add(task);
    }
    await beforeProcessing();
    for (const task of touched) {
      await task.process();
      // Applied at once: global stores have no changelog to commit with; their position goes to the global
      // checkpoint.
      await task.prepareCommit();
      await task.postCommit(NO_OFFSETS);
    }
    for (const batch of batches) {
      const key = tpKey(batch.topic, batch.partition);
      this.#positions.set(key, batch.records[batch.records.length - 1].offset + 1);
      this.#applied.set(key, (this.#applied.get(key) ?? 0) + batch.records.length);
    }
    this.#sinceCheckpoint += messages.length;
    return messages.length;
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
  }

  /** Opens each global store's task, resuming its local state when the global checkpoint vouches for it. */
  async #openTasks(): Promise<void> {
    const o = this.options;
    const checkpoint = await readCheckpoint(o.directory);
    const all = o.topology.globalStores.flatMap((g) => g.source.topics.flatMap((t) => this.#partitionsOf(t)));
    const [earliest, latest] = await this.#logBounds(all);
    for (const [i, g] of o.topology.globalStores.entries()) {
      const st = globalStoreSubtopology(o.topology, i);
      const dir = join(o.directory, `${st.id}_0`);
      const partitions = g.source.topics.flatMap((t) => this.#partitionsOf(t));
      let opened = await this.#openTask(st, dir, g.store.name, partitions);
      const reason = whyNotResume(checkpoint, opened, earliest, latest);
      if (reason === undefined) {
        for (const tp of partitions) {
          const entry = checkpointEntry(checkpoint, opened.storeName, tp) as CheckpointEntry;
          this.#positions.set(tpKey(tp.topic, tp.partition), entry.offset);
        }
      } else {
        if (opened.store?.persistent) {
          o.logger.info(
            { store: g.store.name, reason },
            'global store rebuilt from the beginning of its topic',
          );
          // Whatever is on disk is not vouched for: start from an empty directory.
          await opened.task.close();
          rmSync(dir, { recursive: true, force: true });
          opened = await this.#openTask(st, dir, g.store.name, partitions);
        }
        for (const tp of partitions) {
          const key = tpKey(tp.topic, tp.partition);
          this.#positions.set(key, earliest.get(key) ?? 0);
        }
      }
      this.#tasks.push(opened);
      await opened.task.initialize();
      if (opened.store) this.stores.set(g.store.name, opened.store);
      for (const topic of g.source.topics) this.#byTopic.set(topic, opened.task);
      this.#partitions.push(...partitions);
    }
  }

  async #openTask(
    st: ReturnType<typeof globalStoreSubtopology>,
    dir: string,
    storeName: string,
    partitions: readonly TopicPartition[],
  ): Promise<GlobalTask> {
    const o = this.options;
    const { task, stores } = await openTask(
      { ...o, changelog: NO_CHANGELOG, checkpointAfterRecords: Number.MAX_SAFE_INTEGER },
      taskId(st.id, 0),
      st,
      dir,
    );
    return { task, stores, storeName, store: stores.manager?.store(storeName), partitions };
  }

  #partitionsOf(topic: string): TopicPartition[] {
    const count = this.options.partitionCounts.get(topic);
    if (count === undefined) throw new Error(`partition count of global topic ${topic} is unknown`);
    return Array.from({ length: count }, (_, partition) => ({ topic, partition }));
  }

  /** Log start and end (high watermark) per partition (tpKey). */
  async #logBounds(
    partitions: readonly TopicPartition[],
  ): Promise<[ReadonlyMap<string, number>, ReadonlyMap<string, number>]> {
    const lister = this.#offsets as OffsetLister;
    try {
      const [starts, ends] = await Promise.all([
        lister.list(partitions, 'earliest', false),
        lister.list(partitions, 'latest', false),
      ]);
      const byTp = (list: typeof starts) => new Map(list.map((o) => [tpKey(o.topic, o.partition), o.offset]));
      return [byTp(starts), byTp(ends)];
    } catch (err) {
      throw wrapKafkaError('global topics log bounds', err);
    }
  }

  /** Assigns every partition at the offset its store resumes from. */
  #assign(): void {
    (this.#native as NativeConsumer).incrementalAssign(
      this.#partitions.map((tp) => ({
        ...tp,
        offset: this.#positions.get(tpKey(tp.topic, tp.partition)) ?? 0,
      })),
    );
  }

  #restoreProgress(
    step: 'onRestoreStart' | 'onRestoreEnd',
    starts: ReadonlyMap<string, number>,
    ends: ReadonlyMap<string, number>,
  ): void {
    const listener = this.options.restoreListener?.[step];
    if (listener === undefined) return;
    for (const t of this.#tasks) {
      for (const tp of t.partitions) {
        const key = tpKey(tp.topic, tp.partition);
        const startOffset = starts.get(key) ?? 0;
        const endOffset = ends.get(key) ?? 0;
        const progress: RestoreProgress = {
          storeName: t.storeName,
          topic: tp.topic,
          partition: tp.partition,
          startOffset,
          endOffset,
          restored: step === 'onRestoreStart' ? 0 : (this.#applied.get(key) ?? 0),
          total: Math.max(0, endOffset - startOffset),
          recordsPerSecond: 0,
        };
        listener.call(this.options.restoreListener, progress);
      }
    }
  }
}

function entryName(storeName: string, tp: TopicPartition): string {
  return `${storeName}/${tp.topic}/${tp.partition}`;
}

function checkpointEntry(
  checkpoint: CheckpointRead,
  storeName: string,
  tp: TopicPartition,
): CheckpointEntry | undefined {
  if (checkpoint.status !== 'ok') return undefined;
  const entry = checkpoint.stores.get(entryName(storeName, tp));
  return entry?.topic === tp.topic && entry.partition === tp.partition ? entry : undefined;
}

/** Why a global store cannot resume from the checkpoint; undefined when it can. */
function whyNotResume(
  checkpoint: CheckpointRead,
  t: GlobalTask,
  earliest: ReadonlyMap<string, number>,
  latest: ReadonlyMap<string, number>,
): string | undefined {
  const storeId = t.store?.localStateId?.();
  if (t.store === undefined || !t.store.persistent || storeId === undefined) return 'in-memory store';
  if (checkpoint.status === 'missing') return 'no checkpoint';
  if (checkpoint.status === 'corrupt') return `corrupt checkpoint (${checkpoint.reason})`;
  for (const tp of t.partitions) {
    const entry = checkpointEntry(checkpoint, t.storeName, tp);
    if (entry === undefined) return `no checkpoint entry for ${tp.topic}-${tp.partition}`;
    if (entry.storeId !== storeId) return 'local state is not the one the checkpoint describes';
    const key = tpKey(tp.topic, tp.partition);
    const start = earliest.get(key) ?? 0;
    const end = latest.get(key) ?? 0;
    if (entry.offset < start) {
      return `checkpoint offset ${entry.offset} of ${tp.topic}-${tp.partition} is below the log start ${start}`;
    }
    if (entry.offset > end) {
      return `checkpoint offset ${entry.offset} of ${tp.topic}-${tp.partition} is beyond the log end ${end}`;
    }
  }
  return undefined;
}
