// The worker's loop (Kafka Streams' StreamThread): poll, hand records to tasks, process in bounded slices, punctuate,
// commit, bound buffers; rebalance events arrive inside poll() (StreamConsumer), between two slices.
//
//   while running:
//     poll (<= pollMs; 0 when records wait) -> records to tasks (restoring tasks' partitions stay paused)
//     tasks whose restoration finished start running; global topics applied (non-blocking)
//     process in slices until buffers drain, a commit is due or the slice budget is spent (poll stays frequent)
//     wall-clock punctuation; commit when due; pause partitions whose buffer stays full, resume drained ones
//
// Failures (classifyKafkaError, docs/runtime-design.md): 'abortable' aborts the transaction and rolls every task back
// to its last commit; 'migrated' / 'fenced' close the tasks dirty (recreating the producer when fenced) and recreate
// tasks for what is still assigned; anything else stops the worker (ERROR).
import type { Logger } from '../../common/logger.js';
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type { Topology } from '../../operators/graph/topology.js';
import type { StateStore } from '../../state/api/state-store.js';
import type { MemoryBudget } from '../../state/api/store-runtime.js';
import { StreamsError } from '../engine/error-handlers.js';
import type { StreamsMetrics } from '../engine/metrics.js';
import type { Clock } from '../engine/stream-task.js';
import type { KafkaConnectionOptions } from './client-config.js';
import { Committer } from './committer.js';
import { GlobalState } from './global-state.js';
import type { TopicLayout } from './internal-topics.js';
import { KafkaChangelogReader } from './kafka-changelog-reader.js';
import { type KafkaErrorKind, KafkaRuntimeError } from './kafka-errors.js';
import { KafkaRecordCollector, SendRefusedError } from './kafka-record-collector.js';
import { OffsetLister } from './offset-lister.js';
import type { TopicPartition } from './records.js';
import { RestoreConsumer } from './restore-consumer.js';
import { RUNTIME_METRICS } from './runtime-metrics.js';
import type { StateDirectory } from './state-directory.js';
import { type RebalanceListener, StreamConsumer } from './stream-consumer.js';
import { StreamProducer } from './stream-producer.js';
import type { ResolvedStreamsConfig } from './streams-config.js';
import { TaskIdling } from './task-idling.js';
import { type ActiveTask, TaskManager } from './task-manager.js';
import type { TopicAdmin } from './topic-admin.js';

/**
 * Aborted transactions in a row before the worker gives up: a record the broker keeps rejecting (larger than the
 * topic allows, say) would otherwise be retried forever. After one rejection librdkafka fails the next transaction
 * too (OUT_OF_ORDER_SEQUENCE, docs/kafka-client-notes.md), so a transient failure costs two or three.
 */
const MAX_CONSECUTIVE_ABORTS = 10;

/** Timed-out requests in a row (without a commit between) before the worker gives up, and the pause between. */
const MAX_CONSECUTIVE_RETRIES = 30;
const RETRY_BACKOFF_MS = 1_000;

export type ThreadState = 'REBALANCING' | 'RUNNING';

export interface StreamThreadOptions {
  readonly config: ResolvedStreamsConfig;
  readonly topology: Topology;
  readonly layout: TopicLayout;
  readonly stateDirectory: StateDirectory;
  readonly admin: TopicAdmin;
  readonly clientId: string;
  readonly metrics: StreamsMetrics;
  readonly logger: Logger;
  readonly onStateChange: (state: ThreadState) => void;
  /** The loop stopped on an error; the thread has already closed its tasks (dirty) and clients. */
  readonly onFatal: (error: Error) => void;
}

export interface TaskMetadata {
  readonly taskId: string;
  readonly topicPartitions: readonly TopicPartition[];
  readonly state: 'restoring' | 'running';
}

export class StreamThread implements RebalanceListener {
  readonly #o: StreamThreadOptions;
  readonly #config: ResolvedStreamsConfig;
  readonly #log: Logger;
  readonly #clock: Clock = { nowMs: () => Date.now() };
  readonly #memory: MemoryBudget;
  #producer!: StreamProducer;
  #consumer!: StreamConsumer;
  #restoreConsumer!: RestoreConsumer;
  #collector!: KafkaRecordCollector;
  #committer!: Committer;
  #tasks!: TaskManager;
  #idling!: TaskIdling;
  /** The last processing round left records that could be processed at once (budget or commit cut it short). */
  #backlog = false;
  /** A task holds records but waits for another of its partitions (task idling). */
  #waiting = false;
  /** Records per process() call (adapted to how long records take). */
  #chunk = 100;
  #global: GlobalState | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #stopped = false;
  #dirty = false;
  #lastCommit = performance.now();
  #lastPurge = performance.now();
  #purging: Promise<void> | undefined;
  /** Failures since the last successful commit, by kind. */
  readonly #inARow = { aborts: 0, retries: 0 };
  #assignmentReceived = false;
  #state: ThreadState = 'REBALANCING';

  private constructor(options: StreamThreadOptions) {
    this.#o = options;
    this.#config = options.config;
    this.#log = options.logger;
    this.#memory = {
      cacheMaxBytes: options.config.cacheMaxBytes,
      rocksDbMaxBytes: options.config.rocksDbMaxBytes,
    };
  }

  /**
   * Creates the clients, restores global stores to their topics' end, subscribes, and starts the loop. On failure
   * everything created so far is closed.
   */
  static async start(options: StreamThreadOptions): Promise<StreamThread> {
    const thread = new StreamThread(options);
    try {
      await thread.#init();
    } catch (e) {
      await thread.#closeClients();
      throw e;
    }
    thread.#loop = thread.#run();
    return thread;
  }

  get state(): ThreadState {
    return this.#state;
  }

  tasks(): TaskMetadata[] {
    if (!this.#tasks) return [];
    return this.#tasks.all().map((t) => ({ taskId: t.id, topicPartitions: [...t.inputs], state: t.status }));
  }

  /** Instances of a store in this worker's running tasks, or the global store of that name. */
  storeInstances(name: string): StateStore[] {
    const global = this.#global?.stores.get(name);
    if (global) return [global];
    if (!this.#tasks) return [];
    const out: StateStore[] = [];
    for (const t of this.#tasks.running()) {
      const store = t.task.store(name);
      if (store) out.push(store);
    }
    return out;
  }

  /** Stops the loop after its current round, commits, closes the tasks clean (checkpoints) and leaves the group. */
  async shutdown(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
  }

  // ---- setup ----

  async #init(): Promise<void> {
    const c = this.#config;
    const o = this.#o;
    this.#producer = await this.#createProducer();
    this.#collector = new KafkaRecordCollector({
      producer: () => this.#producer,
      partitionCounts: o.layout.partitionCounts,
      applicationId: c.applicationId,
      errors: c,
      metrics: o.metrics,
      logger: this.#log,
    });
    this.#committer = new Committer({
      exactlyOnce: c.exactlyOnce,
      producer: () => this.#producer,
      consumer: () => this.#consumer,
      collector: this.#collector,
      checkpointAfterRecords: c.checkpointAfterRecords,
      metrics: o.metrics,
    });
    this.#global = await GlobalState.open({
      topology: o.topology,
      applicationId: c.applicationId,
      connection: this.#connection('global', c.consumer),
      directory: o.stateDirectory.globalDir(),
      memory: this.#memory,
      collector: this.#collector,
      clock: this.#clock,
      errors: c,
      metrics: o.metrics,
      logger: this.#log.child({ component: 'global' }),
      maxPollRecords: c.maxPollRecords,
      partitionCounts: o.layout.partitionCounts,
      restoreListener: c.restoreListener,
      checkpointAfterRecords: c.checkpointAfterRecords,
    });
    if (this.#global) {
      const applied = await this.#global.bootstrap(() => this.#committer.ensureTransaction());
      o.metrics.increment(RUNTIME_METRICS.globalRecords, {}, applied);
      // Dead-letter records of the bootstrap: commit them now rather than keep a transaction open while joining.
      if (c.exactlyOnce && this.#producer.inTransaction) await this.#producer.commitTransaction();
    }
    if (o.layout.subscribedTopics.length === 0) {
      throw new Error('the topology reads no topic with tasks (only global stores): nothing to run');
    }
    this.#consumer = await StreamConsumer.create({
      ...this.#connection('consumer', c.consumer),
      groupId: c.applicationId,
      topics: o.layout.subscribedTopics,
      listener: this,
      readCommitted: true,
      sessionTimeoutMs: c.sessionTimeoutMs,
      heartbeatIntervalMs: c.heartbeatIntervalMs,
      maxPollIntervalMs: c.maxPollIntervalMs,
      maxPollRecords: c.maxPollRecords,
      onTransientError: (error) => this.#log.warn({ err: error }, 'consumer error (recovering)'),
    });
    this.#restoreConsumer = await RestoreConsumer.create({
      ...this.#connection('restore', c.consumer),
      groupId: `${c.applicationId}-restore`,
    });
    const reader = new KafkaChangelogReader({
      consumer: this.#restoreConsumer,
      offsets: new OffsetLister(this.#restoreConsumer.nativeClient, 10_000),
      openTransactionWaitMs: c.transactionTimeoutMs + 5_000,
    });
    this.#tasks = new TaskManager({
      applicationId: c.applicationId,
      subtopologyOf: o.layout.subtopologyOf,
      stateDirectory: o.stateDirectory,
      consumer: this.#consumer,
      collector: this.#collector,
      reader,
      globalStores: this.#global?.stores ?? new Map<string, StateStore>(),
      memory: this.#memory,
      clock: this.#clock,
      errors: c,
      metrics: o.metrics,
      logger: this.#log,
      restoreListener: c.restoreListener,
      checkpointAfterRecords: c.checkpointAfterRecords,
      maxBufferedRecordsPerPartition: c.maxBufferedRecordsPerPartition,
    });
    this.#idling = new TaskIdling(this.#consumer, c.maxTaskIdleMs);
  }

  #connection(
    role: string,
    overrides: ResolvedStreamsConfig['consumer'],
  ): KafkaConnectionOptions & { overrides: ResolvedStreamsConfig['consumer'] } {
    return {
      bootstrapServers: this.#config.bootstrapServers,
      clientId: `${this.#o.clientId}-${role}`,
      overrides,
    };
  }

  #createProducer(): Promise<StreamProducer> {
    const c = this.#config;
    return StreamProducer.create({
      ...this.#connection('producer', c.producer),
      ...(c.exactlyOnce
        ? {
            transactionalId: `${c.applicationId}-${this.#o.stateDirectory.workerId}`,
            transactionTimeoutMs: c.transactionTimeoutMs,
          }
        : {}),
    });
  }

  // ---- the loop ----

  async #run(): Promise<void> {
    try {
      while (!this.#stopping) await this.#round();
    } catch (error) {
      await this.#closeDirty();
      this.#o.onFatal(asError(error));
      return;
    }
    try {
      await this.#closeClean();
    } catch (error) {
      await this.#closeDirty();
      this.#o.onFatal(asError(error));
    }
  }

  async #round(): Promise<void> {
    try {
      const timeout = this.#backlog ? 0 : this.#tasks.restoring || this.#waiting ? 10 : this.#config.pollMs;
      const batches = await this.#consumer.poll(timeout);
      this.#idling.newRound();
      this.#o.metrics.increment(RUNTIME_METRICS.polls, {});
      if (batches.length > 0) {
        this.#o.metrics.increment(RUNTIME_METRICS.polledRecords, {}, this.#tasks.addRecords(batches));
      }
      if ((await this.#tasks.startRestoredTasks()).length > 0) this.#updateState();
      if (this.#global) {
        const applied = await this.#global.poll(() => this.#committer.ensureTransaction());
        if (applied > 0) {
          this.#dirty = true;
          this.#o.metrics.increment(RUNTIME_METRICS.globalRecords, {}, applied);
        }
      }
      await this.#process();
      await this.#punctuate();
      if (this.#commitDue()) await this.#commit();
      this.#tasks.applyBackpressure();
    } catch (error) {
      await this.#recover(error);
    }
  }

  async #process(): Promise<void> {
    this.#backlog = false;
    this.#waiting = false;
    if (!this.#tasks.hasBuffered) return;
    const running = this.#tasks.running();
    await this.#committer.ensureTransaction();
    const budget = Math.min(1_000, this.#config.maxPollIntervalMs / 4);
    const deadline = performance.now() + budget;
    for (;;) {
      let processed = 0;
      const now = Date.now();
      for (const t of running) {
        if (t.task.bufferedRecords === 0) continue;
        const started = performance.now();
        const r = this.#processTask(t, this.#chunk, now);
        processed += isPromise(r) ? await r : r;
        this.#adaptChunk(performance.now() - started, budget);
        if (performance.now() >= deadline) break;
      }
      if (processed === 0) break;
      this.#dirty = true;
      if (performance.now() >= deadline || this.#commitDue()) {
        this.#backlog = true;
        return;
      }
    }
    for (const t of running) if (t.task.bufferedRecords > 0) this.#waiting = true;
  }

  /** Up to `max` records of one task; a task reading several partitions goes record by record (task idling). */
  #processTask(t: ActiveTask, max: number, now: number): MaybePromise<number> {
    if (t.inputs.length === 1) return t.task.process(max);
    const next = (done: number): MaybePromise<number> => {
      let n = done;
      while (n < max && this.#idling.processable(t, now)) {
        const r = t.task.process(1);
        if (isPromise(r)) return r.then((k) => (k === 0 ? n : next(n + k)));
        if (r === 0) break;
        n += r;
      }
      return n;
    };
    return next(0);
  }

  /**
   * Records per process() call: a call cannot be interrupted, so slow records (an async processor, a store read
   * from disk) shrink the chunk until one call takes a small part of the slice budget; fast ones grow it.
   */
  #adaptChunk(elapsedMs: number, budgetMs: number): void {
    if (elapsedMs > budgetMs / 8) this.#chunk = Math.max(1, Math.floor(this.#chunk / 2));
    else if (elapsedMs < budgetMs / 64) this.#chunk = Math.min(this.#config.maxPollRecords, this.#chunk * 2);
  }

  async #punctuate(): Promise<void> {
    const running = this.#tasks.running();
    if (running.length === 0) return;
    await this.#committer.ensureTransaction();
    for (const t of running) {
      const r = t.task.punctuateWallClock();
      if (isPromise(r) ? await r : r) this.#dirty = true;
    }
  }

  #commitDue(): boolean {
    for (const t of this.#tasks.running()) if (t.task.needsCommit) return true;
    return this.#dirty && performance.now() - this.#lastCommit >= this.#config.commitIntervalMs;
  }

  async #commit(closing?: ReadonlySet<ActiveTask>): Promise<void> {
    await this.#committer.commit(this.#tasks.running(), closing);
    this.#dirty = false;
    this.#lastCommit = performance.now();
    this.#inARow.aborts = 0;
    this.#inARow.retries = 0;
    this.#maybePurge();
  }

  /** Deletes consumed records of repartition topics up to the committed offsets (in the background). */
  #maybePurge(): void {
    const now = performance.now();
    if (this.#purging || now - this.#lastPurge < this.#config.repartitionPurgeIntervalMs) return;
    this.#lastPurge = now;
    const repartition = this.#o.layout.repartitionTopics;
    const offsets = this.#tasks
      .running()
      .flatMap((t) => t.task.consumedPositions())
      .filter((p) => repartition.has(p.topic) && p.offset > 0);
    if (offsets.length === 0) return;
    this.#purging = this.#o.admin
      .deleteRecordsBefore(offsets)
      .catch((err) => this.#log.warn({ err }, 'purging repartition topics failed'))
      .finally(() => {
        this.#purging = undefined;
      });
  }

  // ---- failures ----

  async #recover(error: unknown): Promise<void> {
    const kind = kafkaErrorKind(error);
    if (kind === 'abortable') {
      this.#o.metrics.increment(RUNTIME_METRICS.aborts, {});
      const attempt = this.#failedAgain('aborts', error);
      this.#log.warn({ err: error, attempt }, 'transaction aborted: rolling tasks back to their last commit');
      try {
        const failures = await this.#committer.abort();
        // Records the broker rejected go to the production handler when reprocessing produces them again.
        if (failures.length > 0) await this.#collector.learnRejections(failures);
      } catch (abortError) {
        return this.#recover(abortError);
      }
      await this.#tasks.rollback();
      this.#dirty = false;
      this.#lastCommit = performance.now();
      return;
    }
    if (kind === 'migrated' || kind === 'fenced') {
      this.#log.warn({ err: error, kind }, 'tasks lost: closing them without commit and rejoining');
      await this.#loseAllTasks(kind);
      return;
    }
    if (kind === 'retriable') {
      // A request that timed out (coordinator moving, broker restarting) left the tasks in an unknown state: start
      // them over from the last commit, after a pause.
      const attempt = this.#failedAgain('retries', error);
      this.#log.warn({ err: error, attempt }, 'Kafka request failed: restarting the tasks');
      await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
      await this.#loseAllTasks('migrated');
      return;
    }
    throw error;
  }

  /** Counts one more failure in a row (reset by a commit); past the limit the worker gives up. */
  #failedAgain(what: 'aborts' | 'retries', error: unknown): number {
    const count = ++this.#inARow[what];
    const limit = what === 'aborts' ? MAX_CONSECUTIVE_ABORTS : MAX_CONSECUTIVE_RETRIES;
    if (count > limit) {
      throw new StreamsError(
        `gave up after ${limit} ${what === 'aborts' ? 'aborted transactions' : 'failed attempts'} in a row; the last failure: ${asError(error).message}`,
        'production',
        { cause: error },
      );
    }
    return count;
  }

  /** The group moved on or our producer was fenced: close every task dirty, then recreate what is still assigned. */
  async #loseAllTasks(kind: KafkaErrorKind): Promise<void> {
    await this.#closeWithoutCommit(this.#tasks.all(), kind);
    const assigned = this.#consumer.assignment();
    if (assigned.length > 0) {
      // Re-read from the committed offsets: what the closed tasks had fetched is gone with them.
      this.#setState('REBALANCING');
      await this.#tasks.assign(assigned);
      await this.#consumer.seekToCommitted(assigned);
    }
    // The assignment is known (also when the failure interrupted onPartitionsAssigned before it was reported).
    this.#assignmentReceived = true;
    this.#updateState();
  }

  /**
   * Aborts the open transaction and closes `tasks` dirty. A fenced producer (known, or found out by the abort) is
   * replaced: its transactional id is ours again once the new one's initTransactions ran.
   */
  async #closeWithoutCommit(tasks: readonly ActiveTask[], kind: KafkaErrorKind): Promise<void> {
    let fenced = kind === 'fenced';
    if (!fenced) {
      try {
        await this.#committer.abort();
      } catch (abortError) {
        const k = kafkaErrorKind(abortError);
        if (k === undefined || k === 'retriable') throw abortError;
        fenced = k === 'fenced' || k === 'fatal';
      }
    }
    await this.#tasks.closeDirty(tasks);
    if (fenced) {
      await this.#producer.close();
      this.#producer = await this.#createProducer();
    }
    this.#dirty = false;
    this.#lastCommit = performance.now();
  }

  // ---- rebalance listener (called inside poll, between processing slices) ----

  async onPartitionsRevoked(partitions: readonly TopicPartition[]): Promise<void> {
    const revoked = this.#rebalanceStarted(partitions);
    if (revoked.length === 0) return;
    try {
      await this.#commit(new Set(revoked));
      await this.#tasks.closeClean(revoked);
    } catch (error) {
      const kind = kafkaErrorKind(error);
      if (kind === undefined || kind === 'fatal') throw error;
      this.#log.warn(
        { err: error, kind },
        'commit before revocation failed: closing the tasks without commit',
      );
      await this.#giveUp(revoked, kind);
    }
  }

  async onPartitionsAssigned(partitions: readonly TopicPartition[]): Promise<void> {
    this.#setState('REBALANCING');
    this.#idling.reset();
    await this.#tasks.assign(partitions);
  }

  async onPartitionsLost(partitions: readonly TopicPartition[]): Promise<void> {
    const lost = this.#rebalanceStarted(partitions);
    if (lost.length === 0) return;
    this.#log.warn({ tasks: lost.map((t) => t.id) }, 'partitions lost: closing their tasks without commit');
    await this.#giveUp(lost, 'migrated');
  }

  /** Partitions go away: the worker is rebalancing; returns the tasks owning them. */
  #rebalanceStarted(partitions: readonly TopicPartition[]): ActiveTask[] {
    this.#assignmentReceived = false;
    this.#setState('REBALANCING');
    this.#o.metrics.increment(RUNTIME_METRICS.rebalances, {});
    return this.#tasks.tasksOf(partitions);
  }

  onAssignmentReceived(): void {
    this.#assignmentReceived = true;
    this.#updateState();
  }

  /** Closes `tasks` without commit (aborting the transaction); the other running tasks roll back to their last commit. */
  async #giveUp(tasks: readonly ActiveTask[], kind: KafkaErrorKind): Promise<void> {
    await this.#closeWithoutCommit(tasks, kind);
    await this.#tasks.rollback();
  }

  #updateState(): void {
    if (this.#assignmentReceived && !this.#tasks.restoring) this.#setState('RUNNING');
  }

  #setState(state: ThreadState): void {
    if (this.#state === state || this.#stopped) return;
    this.#state = state;
    this.#o.onStateChange(state);
  }

  // ---- shutdown ----

  async #closeClean(): Promise<void> {
    this.#stopped = true;
    const all = this.#tasks.all();
    let failure: unknown;
    if (this.#tasks.running().length > 0) {
      try {
        await this.#commit(new Set(all));
      } catch (error) {
        this.#log.warn({ err: error }, 'final commit failed: closing tasks without commit');
        await this.#committer.abort().catch(() => undefined);
        await this.#tasks.closeDirty(all);
        // Losing the partitions or the producer at the end is the next owner's business; anything else (a record
        // the 'fail' handler stops on while caches flush) is the application's and must be reported.
        const kind = kafkaErrorKind(error);
        if (kind === undefined || kind === 'fatal') failure = error;
      }
    }
    await this.#tasks.closeClean(this.#tasks.all());
    await this.#closeClients();
    if (failure !== undefined) throw failure;
  }

  async #closeDirty(): Promise<void> {
    this.#stopped = true;
    if (this.#tasks) {
      await this.#committer.abort().catch(() => undefined);
      await this.#tasks.closeDirty(this.#tasks.all()).catch((err) => {
        this.#log.error({ err }, 'closing tasks failed');
      });
    }
    await this.#closeClients();
  }

  async #closeClients(): Promise<void> {
    this.#stopped = true;
    await this.#purging;
    const closing: Array<Promise<unknown> | undefined> = [
      this.#consumer?.close(),
      this.#restoreConsumer?.close(),
      this.#producer?.close(),
      this.#global?.close(),
    ];
    for (const r of await Promise.allSettled(closing)) {
      if (r.status === 'rejected') this.#log.warn({ err: r.reason }, 'closing a client failed');
    }
  }
}

/**
 * The Kafka error kind behind an error: a KafkaRuntimeError itself, or one a refused send carries as its cause (also
 * when a processor or punctuator failure wraps it). Any other StreamsError is the worker's decision to stop.
 */
export function kafkaErrorKind(error: unknown): KafkaErrorKind | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof KafkaRuntimeError) return e.kind;
    if (e instanceof StreamsError && !(e instanceof SendRefusedError)) return undefined;
  }
  return undefined;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
