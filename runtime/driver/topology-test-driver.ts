// TopologyTestDriver: runs a topology's real processors and stores in memory, without a broker, deterministically
// (Kafka Streams' TopologyTestDriver). Every piped record is processed completely - through repartition topics too -
// and committed before pipeInput resolves, so caches flush after each input record, as in Kafka Streams' driver.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logger } from '../../common/logger.js';
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type { Headers, ValueAndTimestamp } from '../../operators/api/record.js';
import { internalTopicName, type Subtopology, type Topology } from '../../operators/graph/topology.js';
import type { Serde } from '../../schemas/serde.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { SessionStore } from '../../state/api/session-store.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { WindowStore } from '../../state/api/window-store.js';
import type { ErrorHandlerSettings } from '../engine/error-handlers.js';
import { StreamsMetrics } from '../engine/metrics.js';
import type { RawRecord } from '../engine/raw-record.js';
import type { RecordCollector } from '../engine/record-collector.js';
import { plainKeyValueView, plainWindowView } from '../engine/store-views.js';
import { type Clock, StreamTask, taskId } from '../engine/stream-task.js';
import { globalStoreSubtopology, prepareSerdes } from '../engine/topology-tasks.js';
import { DriverState } from './driver-state.js';
import { OutputLog } from './output-log.js';
import { type InputTopicOptions, type ProcessInput, TestInputTopic, TestOutputTopic } from './test-topics.js';

export interface TopologyTestDriverConfig extends ErrorHandlerSettings {
  /** Prefix of internal topic names (default `test-driver`). */
  readonly applicationId?: string;
  /** Initial mocked wall-clock time, and default time of input topics (default 0: deterministic). */
  readonly startTimeMs?: number;
  /**
   * Directory for persistent (RocksDB) stores. Default: a fresh temporary directory removed on close(). Reopening a
   * driver on the same directory resumes from the local state (restart tests).
   */
  readonly stateDir?: string;
  /** Record cache budget in bytes (default 10 MiB); caches flush after every input record. */
  readonly cacheMaxBytes?: number;
}

type SerdeOf<T> = Serde<NonNullable<T>>;

const RESOLVED: Promise<void> = Promise.resolve();

/** What the driver knows about one topic, looked up once per record written to or piped into it. */
interface TopicState {
  readonly name: string;
  /** The task whose source reads the topic (its records are processed in turn). */
  readonly reader: StreamTask | undefined;
  /** Internal topics are not kept for reading (repartition topics would grow without bound). */
  readonly internal: boolean;
  nextOffset: number;
  /** Records written and not read yet; the same log as in `outputs` once the topic got a record. */
  outputs: OutputLog | undefined;
  produced: boolean;
  /** Processes a record piped into the topic (made once per topic, not per record). */
  readonly process: ProcessInput;
}

export class TopologyTestDriver {
  readonly applicationId: string;
  private readonly clock: { nowMs: number };
  private readonly metricsRegistry = new StreamsMetrics();
  private readonly tasks = new Map<number, StreamTask>();
  private readonly globalTasks: StreamTask[] = [];
  private readonly readers = new Map<string, StreamTask>();
  /** Records written to each topic and not yet read by an output topic. */
  private readonly outputs = new Map<string, OutputLog>();
  /** Created on a topic's first record, once the driver is initialized (readers are known). */
  private readonly topicStates = new Map<string, TopicState>();
  private lastInput: TopicState | undefined;
  private lastOutput: TopicState | undefined;
  private readonly produced = new Set<string>();
  private readonly internalTopics: ReadonlySet<string>;
  private readonly state: DriverState;
  private readonly ownsStateDir: boolean;
  private readonly ready: Promise<void>;
  private closed = false;
  /** Serializes pipes and clock advances: the driver processes one thing at a time, like a stream thread. */
  private queue: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  private initialized = false;
  /** Global tasks first (their stores feed joins), then sub-topologies in order. */
  private taskList: StreamTask[] = [];

  constructor(
    private readonly topology: Topology,
    private readonly config: TopologyTestDriverConfig = {},
  ) {
    this.applicationId = config.applicationId ?? 'test-driver';
    this.clock = { nowMs: config.startTimeMs ?? 0 };
    this.ownsStateDir = config.stateDir === undefined;
    const stateDir = config.stateDir ?? mkdtempSync(join(tmpdir(), 'tributary-driver-'));
    this.state = new DriverState(this.applicationId, stateDir, config.cacheMaxBytes ?? 10 * 1024 * 1024);
    this.internalTopics = new Set(
      topology.internalTopics.map((t) => internalTopicName(this.applicationId, t.name)),
    );
    this.ready = this.initialize();
    // Surface initialization errors on first use, not as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  private async initialize(): Promise<void> {
    await prepareSerdes(this.topology, this.applicationId);
    const clock: Clock = { nowMs: () => this.clock.nowMs };
    const collector = this.collector();
    const globalStores = new Map<string, StateStore>();
    for (const [i, g] of this.topology.globalStores.entries()) {
      const st = globalStoreSubtopology(this.topology, i);
      const task = await this.createTask(st, collector, clock, new Map());
      const store = task.store(g.store.name);
      if (store) globalStores.set(g.store.name, store);
      this.globalTasks.push(task);
    }
    for (const st of this.topology.subtopologies) {
      const task = await this.createTask(st, collector, clock, globalStores);
      this.tasks.set(st.id, task);
    }
    this.taskList = [...this.globalTasks, ...this.tasks.values()];
    for (const task of this.taskList) {
      for (const topic of task.inputTopics()) this.readers.set(topic, task);
    }
    // States made before every reader was known (nothing is piped before this point).
    this.topicStates.clear();
    this.lastInput = undefined;
    this.lastOutput = undefined;
    this.initialized = true;
  }

  private async createTask(
    st: Subtopology,
    collector: RecordCollector,
    clock: Clock,
    globalStores: ReadonlyMap<string, StateStore>,
  ): Promise<StreamTask> {
    const id = taskId(st.id, 0);
    const ref: { task?: StreamTask } = {};
    const state = await this.state.open(id.toString(), st, () => ref.task?.currentTimestampMs() ?? -1);
    const task = new StreamTask({
      id,
      applicationId: this.applicationId,
      subtopology: st,
      state,
      globalStores,
      collector,
      clock,
      errors: this.config,
      metrics: this.metricsRegistry,
      logger,
    });
    ref.task = task;
    await task.initialize();
    return task;
  }

  // ---- topics ----

  createInputTopic<K, V>(
    name: string,
    keySerde: SerdeOf<K>,
    valueSerde: SerdeOf<V>,
    options: InputTopicOptions = {},
  ): TestInputTopic<K, V> {
    return new TestInputTopic<K, V>(
      name,
      keySerde,
      valueSerde,
      {
        pipe: (topic, count, pipeAt) => this.pipe(topic, count, pipeAt),
        pipeOne: (topic, key, value, timestamp, headers) =>
          this.pipeOne(topic, key, value, timestamp, headers),
      },
      options.startTimestampMs ?? this.config.startTimeMs ?? 0,
      options.autoAdvanceMs ?? 0,
    );
  }

  createOutputTopic<K, V>(name: string, keySerde: SerdeOf<K>, valueSerde: SerdeOf<V>): TestOutputTopic<K, V> {
    return new TestOutputTopic<K, V>(name, keySerde, valueSerde, {
      take: (topic, max, make) => this.outputs.get(topic)?.take(max, make) ?? [],
      peekSize: (topic) => this.outputs.get(topic)?.size ?? 0,
    });
  }

  /** Topics the topology has written to (user and internal topics). */
  producedTopicNames(): string[] {
    return [...this.produced];
  }

  // ---- time ----

  /** Advances the mocked wall clock and fires due wall-clock punctuations (once each, as Kafka Streams' driver). */
  advanceWallClockTime(ms: number): Promise<void> {
    if (ms < 0) return Promise.reject(new RangeError('advanceWallClockTime: ms must not be negative'));
    return this.serialized(async () => {
      this.clock.nowMs += ms;
      for (const task of this.tasks.values()) await task.punctuateWallClock();
      await this.settle();
    });
  }

  /** The mocked wall-clock time. */
  get wallClockTimeMs(): number {
    return this.clock.nowMs;
  }

  // ---- stores ----

  /** A key-value store by name; for timestamped stores, a view of the plain values (as Kafka Streams' driver). */
  getKeyValueStore<K, V>(name: string): KeyValueStore<K, V> {
    const store = this.storeOf(name);
    return (this.isTimestamped(name) ? plainKeyValueView(store as never) : store) as KeyValueStore<K, V>;
  }

  getTimestampedKeyValueStore<K, V>(name: string): KeyValueStore<K, ValueAndTimestamp<V>> {
    return this.storeOf(name) as never;
  }

  /** A window store by name; for timestamped window stores, a view of the plain values. */
  getWindowStore<K, V>(name: string): WindowStore<K, V> {
    const store = this.storeOf(name);
    return (this.isTimestamped(name) ? plainWindowView(store as never) : store) as WindowStore<K, V>;
  }

  getTimestampedWindowStore<K, V>(name: string): WindowStore<K, ValueAndTimestamp<V>> {
    return this.storeOf(name) as never;
  }

  getSessionStore<K, V>(name: string): SessionStore<K, V> {
    return this.storeOf(name) as SessionStore<K, V>;
  }

  getStateStore<S extends StateStore>(name: string): S {
    return this.storeOf(name) as S;
  }

  /** Engine metrics (dropped-records-total, skipped-records-total, ...). */
  get metrics(): StreamsMetrics {
    return this.metricsRegistry;
  }

  /** Resolves once stores are open and serdes prepared; pipeInput waits for it too. */
  async init(): Promise<this> {
    await this.ready;
    return this;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    try {
      await this.ready;
      for (const task of this.taskList) await task.close();
    } finally {
      if (this.ownsStateDir) rmSync(this.state.stateDir, { recursive: true, force: true });
    }
  }

  // ---- processing ----

  private isTimestamped(name: string): boolean {
    const builders = [
      ...this.topology.subtopologies.flatMap((st) => st.stores.map((s) => s.builder)),
      ...this.topology.globalStores.map((g) => g.store),
    ];
    return builders.find((b) => b.name === name)?.kind.startsWith('timestamped') ?? false;
  }

  private storeOf(name: string): StateStore {
    for (const task of this.taskList) {
      const store = task.store(name);
      if (store) return store;
    }
    throw new Error(
      `no state store named '${name}' in this topology (is the driver initialized? await driver.init())`,
    );
  }

  private pipe(
    topic: string,
    count: number,
    pipeAt: (i: number, process: ProcessInput) => MaybePromise<void>,
  ): Promise<void> {
    // Fast path: nothing in flight, so process synchronously and hand back a settled promise.
    if (this.initialized && this.inFlight === 0 && !this.closed) {
      try {
        const r = this.pipeFrom(this.inputTopic(topic), 0, count, pipeAt);
        return r === undefined ? RESOLVED : this.track(r);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.serialized(() => this.pipeFrom(this.inputTopic(topic), 0, count, pipeAt));
  }

  /** `pipe` of a single record. */
  private pipeOne(
    topic: string,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: Headers,
  ): Promise<void> {
    if (this.initialized && this.inFlight === 0 && !this.closed) {
      try {
        const r = this.processInput(this.inputTopic(topic), key, value, timestamp, headers);
        return r === undefined ? RESOLVED : this.track(r);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.serialized(() => this.processInput(this.inputTopic(topic), key, value, timestamp, headers));
  }

  private inputTopic(topic: string): TopicState {
    // Usually the topic of the previous record: tests pipe into one topic at a time.
    const last = this.lastInput;
    if (last !== undefined && last.name === topic) return last;
    const state = this.topicState(topic);
    if (state.reader === undefined)
      throw new Error(`unknown input topic '${topic}': no source of this topology reads it`);
    this.lastInput = state;
    return state;
  }

  private topicState(topic: string): TopicState {
    let state = this.topicStates.get(topic);
    if (state === undefined) {
      const created: TopicState = {
        name: topic,
        reader: this.readers.get(topic),
        internal: this.internalTopics.has(topic),
        nextOffset: 0,
        outputs: this.outputs.get(topic),
        produced: this.produced.has(topic),
        process: (key, value, timestamp, headers) =>
          this.processInput(created, key, value, timestamp, headers),
      };
      state = created;
      this.topicStates.set(topic, state);
    }
    return state;
  }

  /** Processes records `from` to `count` one by one, each completely (and committed) before the next. */
  private pipeFrom(
    topic: TopicState,
    from: number,
    count: number,
    pipeAt: (i: number, process: ProcessInput) => MaybePromise<void>,
  ): Promise<void> | undefined {
    for (let i = from; i < count; i++) {
      const r = pipeAt(i, topic.process);
      if (r !== undefined && isPromise(r)) return r.then(() => this.pipeFrom(topic, i + 1, count, pipeAt));
    }
    return undefined;
  }

  /** Processes one input record completely (repartition topics too) and commits. */
  private processInput(
    topic: TopicState,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: Headers,
  ): MaybePromise<void> {
    (topic.reader as StreamTask).addRecord(this.rawRecord(topic, key, value, timestamp, headers));
    return this.settle();
  }

  /** Processes until no task has input left (repartition topics included), then commits every task. */
  private settle(): MaybePromise<void> {
    const tasks = this.taskList;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i];
      if (task.bufferedRecords === 0) continue;
      const r = task.process();
      return isPromise(r) ? r.then(() => this.settle()) : this.settle();
    }
    return this.flushAll(0);
  }

  /** Commit phase 1 for every task; flushing caches may produce more input (repartition), processed first. */
  private flushAll(from: number): MaybePromise<void> {
    const tasks = this.taskList;
    for (let i = from; i < tasks.length; i++) {
      const r = tasks[i].prepareCommit();
      if (isPromise(r)) return r.then(() => this.flushAll(i + 1));
    }
    for (let i = 0; i < tasks.length; i++) if (tasks[i].bufferedRecords > 0) return this.settle();
    return this.commitAll(0);
  }

  private commitAll(from: number): MaybePromise<void> {
    const offsets = this.state.changelogEndOffsets();
    const tasks = this.taskList;
    for (let i = from; i < tasks.length; i++) {
      const r = tasks[i].postCommit(offsets);
      if (isPromise(r)) return r.then(() => this.commitAll(i + 1));
    }
  }

  private rawRecord(
    topic: TopicState,
    key: Buffer | null,
    value: Buffer | null,
    timestamp: number,
    headers: Headers,
  ): RawRecord {
    return { topic: topic.name, partition: 0, offset: topic.nextOffset++, key, value, timestamp, headers };
  }

  private collector(): RecordCollector {
    return {
      send: (record) => {
        // Usually the topic of the previous record (a topology with one sink).
        let topic = this.lastOutput;
        if (topic === undefined || topic.name !== record.topic) {
          topic = this.topicState(record.topic);
          this.lastOutput = topic;
        }
        if (!topic.produced) {
          topic.produced = true;
          this.produced.add(record.topic);
        }
        // As in Kafka Streams' driver, a record written to a topic the topology reads is processed in turn.
        if (topic.reader !== undefined) {
          topic.reader.addRecord(
            this.rawRecord(topic, record.key, record.value, record.timestamp, record.headers),
          );
        }
        if (topic.internal) return;
        if (topic.outputs === undefined) {
          topic.outputs = new OutputLog(record.topic);
          this.outputs.set(record.topic, topic.outputs);
        }
        topic.outputs.append(record);
      },
      partitionsFor: () => 1,
    };
  }

  /** Runs `work` after everything in flight, once the driver is initialized. */
  private serialized(work: () => MaybePromise<void>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the driver is closed'));
    return this.track(this.queue.then(() => this.ready).then(work));
  }

  private track(p: Promise<void>): Promise<void> {
    this.inFlight++;
    const done = () => {
      this.inFlight--;
    };
    p.then(done, done);
    this.queue = p.catch(() => undefined);
    return p;
  }
}
