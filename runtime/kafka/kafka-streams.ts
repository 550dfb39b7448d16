// KafkaStreams: runs a Topology on Kafka (Kafka Streams' KafkaStreams). One instance is one worker: one consumer in
// the group `applicationId`, one producer (transactional under exactly_once_v2), the tasks of its share of the
// partitions. Scale out by starting more instances (processes), each with its own stateDir.
//
//   const streams = new KafkaStreams(builder.build(), { applicationId: 'metrics', bootstrapServers: 'kafka:9092' });
//   streams.setStateListener((state) => console.log(state));
//   await streams.start();   // topics checked/created, global stores loaded, group joined (state REBALANCING)
//   ...                      // RUNNING once the assignment arrived and every task restored its stores
//   await streams.close();   // commit, checkpoints, leave the group: NOT_RUNNING
//
// Threads: librdkafka's blocking calls (consume with a timeout, commits, ListOffsets) and RocksDB share libuv's thread
// pool, 4 threads by default. A worker process should start with UV_THREADPOOL_SIZE=8..16 (set before Node starts;
// `tributary run` sets it), or RocksDB reads wait behind a consume.
import { type Logger, logger as rootLogger } from '../../common/logger.js';
import type { Topology } from '../../operators/graph/topology.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { MetricSample } from '../engine/metrics.js';
import { StreamsMetrics } from '../engine/metrics.js';
import { prepareSerdes } from '../engine/topology-tasks.js';
import {
  type QueryableView,
  queryableView,
  StoreNotQueryableError,
  storeBuilders,
  UnknownStoreError,
} from '../ops/queryable-store.js';
import { prepareTopics } from './internal-topics.js';
import { StateDirectory } from './state-directory.js';
import { StreamThread, type TaskMetadata, type ThreadState } from './stream-thread.js';
import {
  deadLetterTopics,
  type ResolvedStreamsConfig,
  resolveStreamsConfig,
  type StreamsConfig,
} from './streams-config.js';
import { TopicAdmin } from './topic-admin.js';

/**
 * CREATED -> REBALANCING <-> RUNNING -> PENDING_SHUTDOWN -> NOT_RUNNING; ERROR after a failure that stopped the
 * worker (its tasks were closed without committing; close() releases what is left).
 */
export type KafkaStreamsState =
  | 'CREATED'
  | 'REBALANCING'
  | 'RUNNING'
  | 'PENDING_SHUTDOWN'
  | 'NOT_RUNNING'
  | 'ERROR';

export type StateListener = (newState: KafkaStreamsState, oldState: KafkaStreamsState) => void;

export type UncaughtExceptionHandler = (error: Error) => void;

export interface ThreadMetadata {
  readonly threadName: string;
  readonly threadState: KafkaStreamsState;
  readonly activeTasks: readonly TaskMetadata[];
}

export type { TaskMetadata };

const TRANSITIONS: Readonly<Record<KafkaStreamsState, readonly KafkaStreamsState[]>> = {
  CREATED: ['REBALANCING', 'PENDING_SHUTDOWN', 'ERROR'],
  REBALANCING: ['RUNNING', 'PENDING_SHUTDOWN', 'ERROR'],
  RUNNING: ['REBALANCING', 'PENDING_SHUTDOWN', 'ERROR'],
  PENDING_SHUTDOWN: ['NOT_RUNNING'],
  NOT_RUNNING: [],
  ERROR: [],
};

export class KafkaStreams {
  readonly #topology: Topology;
  readonly #config: ResolvedStreamsConfig;
  readonly #metrics = new StreamsMetrics();
  #log: Logger;
  #state: KafkaStreamsState = 'CREATED';
  #stateListener: StateListener | undefined;
  #exceptionHandler: UncaughtExceptionHandler | undefined;
  #error: Error | undefined;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #stateDirectory: StateDirectory | undefined;
  #admin: TopicAdmin | undefined;
  #thread: StreamThread | undefined;
  #clientId = '';

  /** Validates the config (throws StreamsConfigError naming a wrong setting); connects nothing until start(). */
  constructor(topology: Topology, config: StreamsConfig) {
    this.#topology = topology;
    this.#config = resolveStreamsConfig(config);
    this.#log = rootLogger.child({ component: 'kafka-streams', applicationId: this.#config.applicationId });
  }

  state(): KafkaStreamsState {
    return this.#state;
  }

  /** Called on every state change, with the new and the previous state (replaces the previous listener). */
  setStateListener(listener: StateListener | undefined): void {
    this.#stateListener = listener;
  }

  /** Called when a failure stopped the worker (state ERROR). */
  setUncaughtExceptionHandler(handler: UncaughtExceptionHandler | undefined): void {
    this.#exceptionHandler = handler;
  }

  /** The failure that moved the instance to ERROR, if any. */
  get error(): Error | undefined {
    return this.#error;
  }

  /**
   * Locks the state directory, checks the topics (sources and outputs exist, co-partitioned inputs match) and creates
   * the internal ones, prepares serdes, loads global stores and joins the group. Resolves once processing has started
   * (state REBALANCING, RUNNING when the tasks are restored); rejects (state ERROR) when any of that fails.
   */
  start(): Promise<void> {
    if (this.#state !== 'CREATED') {
      return Promise.reject(
        new Error(`start() is only allowed in state CREATED; the state is ${this.#state}`),
      );
    }
    this.#setState('REBALANCING');
    const started = this.#start().catch(async (error) => {
      await this.#release();
      this.#fail(error);
      throw error;
    });
    // close() waits for the start; the failure itself is the caller's (and the exception handler's) to see.
    this.#starting = started.catch(() => undefined);
    return started;
  }

  /**
   * Stops processing: commits, writes checkpoints, closes the tasks and leaves the group (the other workers take over
   * at once). Resolves true once everything is closed, false if `timeoutMs` passed first (closing then goes on in the
   * background). Safe to call in any state and more than once.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<boolean> {
    if (this.#state !== 'ERROR' && this.#state !== 'NOT_RUNNING') this.#setState('PENDING_SHUTDOWN');
    this.#closing ??= this.#close();
    if (options.timeoutMs === undefined) {
      await this.#closing;
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), options.timeoutMs);
    });
    try {
      return await Promise.race([this.#closing.then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Counters of the engine (process-total, skipped-records-total, ...) and the runtime (commit-total, ...). */
  metrics(): MetricSample[] {
    return this.#metrics.samples();
  }

  /** This worker's tasks and their partitions. */
  metadataForLocalThreads(): ThreadMetadata[] {
    if (!this.#thread) return [];
    return [{ threadName: this.#clientId, threadState: this.#state, activeTasks: this.#thread.tasks() }];
  }

  /**
   * A read-only view of this worker's instances of a state store (interactive queries): one per running task, or the
   * global store. `streams.store<ReadOnlyKeyValueStore<string, number>>('counts')`; timestamped stores show plain
   * values unless `{ timestamped: true }`. Throws UnknownStoreError for a name the topology does not have; reads
   * throw StoreNotQueryableError unless the worker is RUNNING or REBALANCING (then only running tasks answer).
   */
  store<S extends QueryableView = QueryableView>(name: string, options: { timestamped?: boolean } = {}): S {
    const builder = storeBuilders(this.#topology).get(name);
    if (!builder) throw new UnknownStoreError(name, [...storeBuilders(this.#topology).keys()]);
    return queryableView(
      builder,
      () => {
        const state = this.#state;
        if (state !== 'RUNNING' && state !== 'REBALANCING') {
          throw new StoreNotQueryableError(`store '${name}' cannot be queried in state ${state}`);
        }
        return this.localStoreInstances(name);
      },
      options,
    ) as S;
  }

  /**
   * @internal The local instances of a state store: one per running task of this worker (restoring tasks are not
   * readable yet), or the global store. For interactive queries (runtime/ops); empty when nothing runs.
   */
  localStoreInstances(name: string): StateStore[] {
    return this.#thread?.storeInstances(name) ?? [];
  }

  async #start(): Promise<void> {
    const c = this.#config;
    this.#stateDirectory = StateDirectory.lock(c.stateDir, c.applicationId);
    this.#clientId = c.clientId ?? `${c.applicationId}-${this.#stateDirectory.workerId.slice(0, 8)}`;
    this.#log = this.#log.child({ worker: this.#clientId });
    this.#admin = await TopicAdmin.connect({
      bootstrapServers: c.bootstrapServers,
      clientId: `${this.#clientId}-admin`,
      overrides: c.admin,
    });
    const layout = await prepareTopics(this.#admin, this.#topology, {
      applicationId: c.applicationId,
      ...(c.replicationFactor !== undefined ? { replicationFactor: c.replicationFactor } : {}),
      deadLetterTopics: deadLetterTopics(c),
      logger: this.#log,
    });
    await prepareSerdes(this.#topology, c.applicationId);
    if (this.#closing) throw new Error('closed while starting');
    this.#thread = await StreamThread.start({
      config: c,
      topology: this.#topology,
      layout,
      stateDirectory: this.#stateDirectory,
      admin: this.#admin,
      clientId: this.#clientId,
      metrics: this.#metrics,
      logger: this.#log,
      onStateChange: (state: ThreadState) => {
        if (this.#state === 'REBALANCING' || this.#state === 'RUNNING') this.#setState(state);
      },
      onFatal: (error) => {
        void this.#release().finally(() => this.#fail(error));
      },
    });
    this.#log.info(
      {
        guarantee: c.processingGuarantee,
        topics: layout.subscribedTopics,
        stateDir: this.#stateDirectory.appDir,
      },
      'started',
    );
  }

  async #close(): Promise<void> {
    await this.#starting;
    try {
      await this.#thread?.shutdown();
    } finally {
      await this.#release();
      if (this.#state === 'PENDING_SHUTDOWN') this.#setState('NOT_RUNNING');
      this.#log.info({ state: this.#state }, 'closed');
    }
  }

  async #release(): Promise<void> {
    const admin = this.#admin;
    this.#admin = undefined;
    if (admin) await admin.close().catch(() => undefined);
    this.#stateDirectory?.release();
  }

  #fail(error: unknown): void {
    const e = error instanceof Error ? error : new Error(String(error));
    this.#error ??= e;
    this.#log.error({ err: e }, 'stopped by an error');
    if (this.#state !== 'ERROR' && TRANSITIONS[this.#state].includes('ERROR')) this.#setState('ERROR');
    else if (this.#state === 'PENDING_SHUTDOWN') this.#setState('NOT_RUNNING');
    try {
      this.#exceptionHandler?.(e);
    } catch (handlerError) {
      this.#log.error({ err: handlerError }, 'the uncaught exception handler threw');
    }
  }

  #setState(next: KafkaStreamsState): void {
    const previous = this.#state;
    if (previous === next) return;
    if (!TRANSITIONS[previous].includes(next)) {
      this.#log.debug({ from: previous, to: next }, 'ignored state transition');
      return;
    }
    this.#state = next;
    this.#log.info({ from: previous, to: next }, 'state change');
    try {
      this.#stateListener?.(next, previous);
    } catch (e) {
      this.#log.error({ err: e }, 'the state listener threw');
    }
  }
}
