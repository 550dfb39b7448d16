/**
 * The stream thread's group consumer: a poll loop the runtime drives, eager rebalancing with a listener that may await
 * (commit) before partitions are given up, pause/resume/seek, read_committed, and the group metadata the
 * transactional producer sends with the offsets (KIP-447).
 *
 * How librdkafka behaves here (read in deps/librdkafka/src/rdkafka_cgrp.c, measured in
 * test/integration/runtime/stream-consumer.test.ts; details in docs/kafka-client-notes.md):
 * - Heartbeats run on librdkafka's own thread: slow processing never delays them, so `session.timeout.ms` only
 *   detects dead processes. What slow processing can exceed is `max.poll.interval.ms`: the time between two calls
 *   into consume. Past it librdkafka leaves the group by itself and then reports the assignment as lost. The runtime
 *   must therefore call `poll()` at least every `maxPollIntervalMs`, processing in bounded slices between polls.
 * - Rebalance callbacks are only served inside consume. With a JavaScript rebalance callback librdkafka pauses the
 *   assigned partitions, hands the event over and waits (bounded by the rebalance timeout = max.poll.interval.ms of
 *   the members) until the application calls unassign/assign. This class queues the event and handles it at the next
 *   `poll()`, between two processing slices: the listener runs while no record is being processed, and the group
 *   generation stays valid until it returns, so a transactional commit with sendOffsets succeeds in
 *   onPartitionsRevoked.
 * - Assignment is `range` over the classic protocol (eager): partition p of every co-subscribed topic lands on the
 *   same member, which co-partitioned joins need. librdkafka offers no custom assignor.
 */
import type { MaybePromise } from '../../common/maybe-promise.js';
import type { Position } from '../engine/partition-group.js';
import { type KafkaConnectionOptions, librdkafkaConfig } from './client-config.js';
import { classifyKafkaError, errorCode, KafkaRuntimeError, wrapKafkaError } from './kafka-errors.js';
import {
  call,
  connect,
  createNativeConsumer,
  disconnect,
  ErrorCodes,
  type LibrdKafkaError,
  type NativeConsumer,
  OFFSET_BEGINNING,
  OFFSET_END,
  type RdCommittedOffset,
  type RdMessage,
  type RdTopicPartition,
  type RdTopicPartitionOffset,
} from './rdkafka.js';
import { groupByPartition, type PartitionRecords, type TopicPartition, tpKey } from './records.js';

export interface RebalanceListener {
  /**
   * The partitions are about to be given up (eager rebalance: all of them, or the consumer is closing). The consumer
   * keeps its group generation until the returned promise settles: commit here (with sendOffsets) and close tasks.
   */
  onPartitionsRevoked(partitions: readonly TopicPartition[]): MaybePromise<void>;
  /** The partitions were assigned and are being fetched from their committed offsets (pause/seek allowed here). */
  onPartitionsAssigned(partitions: readonly TopicPartition[]): MaybePromise<void>;
  /**
   * The partitions were already taken away (session timeout, max.poll.interval.ms exceeded): another member may own
   * them now, so nothing may be committed. Close the tasks without committing.
   */
  onPartitionsLost(partitions: readonly TopicPartition[]): MaybePromise<void>;
  /**
   * Optional: a rebalance ended with this member's new assignment, also when it is empty (then
   * onPartitionsAssigned is not called). Lets a member with nothing to do know it has joined the group.
   */
  onAssignmentReceived?(assignment: readonly TopicPartition[]): MaybePromise<void>;
}

export interface StreamConsumerOptions extends KafkaConnectionOptions {
  readonly groupId: string;
  /** Source (and repartition) topics. */
  readonly topics: readonly string[];
  readonly listener: RebalanceListener;
  /** Default true: transactions that abort never reach the tasks. */
  readonly readCommitted?: boolean;
  /** Where a partition without committed offset starts. Default 'earliest' (Kafka Streams' default). */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /** Default 45000 (the Java clients' default). */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** Default 300000. The runtime must call poll() at least this often; it is also the group's rebalance timeout. */
  readonly maxPollIntervalMs?: number;
  /** Most records one poll() returns (Kafka Streams' max.poll.records). Default 1000. */
  readonly maxPollRecords?: number;
  /**
   * Consumer errors librdkafka recovers from by itself (broker down, max poll exceeded...) are reported here, for
   * logging; the runtime needs no action (a lost assignment arrives through the listener).
   */
  readonly onTransientError?: (error: KafkaRuntimeError) => void;
  readonly connectTimeoutMs?: number;
}

type RebalanceEvent =
  | { readonly kind: 'assign'; readonly partitions: TopicPartition[] }
  | { readonly kind: 'revoke'; readonly partitions: TopicPartition[]; readonly lost: boolean };

export class StreamConsumer {
  readonly #native: NativeConsumer;
  readonly #listener: RebalanceListener;
  readonly #maxPollRecords: number;
  readonly #autoOffsetReset: 'earliest' | 'latest';
  readonly #onTransientError: ((error: KafkaRuntimeError) => void) | undefined;
  readonly #pending: RebalanceEvent[] = [];
  /** What we own (assign() called, unassign() not yet), by tpKey. */
  readonly #assignment = new Map<string, TopicPartition>();
  readonly #paused = new Map<string, TopicPartition>();
  /** Partitions given up since the poll in flight started: records fetched for them before are dropped. */
  #revokedDuringPoll: Set<string> | undefined;
  #polling = false;
  #closing = false;
  #closed = false;

  private constructor(native: NativeConsumer, options: StreamConsumerOptions) {
    this.#native = native;
    this.#listener = options.listener;
    this.#maxPollRecords = options.maxPollRecords ?? 1000;
    this.#autoOffsetReset = options.autoOffsetReset ?? 'earliest';
    this.#onTransientError = options.onTransientError;
  }

  /** Connects and subscribes; the group is joined by the first polls. */
  static async create(options: StreamConsumerOptions): Promise<StreamConsumer> {
    if (options.topics.length === 0)
      throw new Error('StreamConsumer needs at least one topic to subscribe to');
    let self: StreamConsumer | undefined;
    const config = librdkafkaConfig(options, {
      'group.id': options.groupId,
      'partition.assignment.strategy': 'range',
      'isolation.level': options.readCommitted === false ? 'read_uncommitted' : 'read_committed',
      'auto.offset.reset': options.autoOffsetReset ?? 'earliest',
      // Offsets are committed by the runtime: in the transaction (EOS) or explicitly after a flush (at-least-once).
      'enable.auto.commit': false,
      'enable.auto.offset.store': false,
      'session.timeout.ms': options.sessionTimeoutMs ?? 45_000,
      'heartbeat.interval.ms': options.heartbeatIntervalMs ?? 3_000,
      'max.poll.interval.ms': options.maxPollIntervalMs ?? 300_000,
      // A source topic that does not exist must not be created with broker defaults behind the user's back.
      'allow.auto.create.topics': false,
    });
    const native = createNativeConsumer({
      ...config,
      rebalance_cb: (err: LibrdKafkaError, partitions: RdTopicPartition[]) => {
        if (self) self.#onRebalance(err, partitions);
      },
    });
    self = new StreamConsumer(native, options);
    // librdkafka's own error events (brokers down, fatal consumer errors) are informational: it retries by itself,
    // and an error that matters also fails the next consume or commit, which classifies it. The event carries only
    // a message (the binding passes no code and no fatal flag), so classifying it here would call every one fatal.
    native.on('event.error', (err) =>
      options.onTransientError?.(new KafkaRuntimeError('consumer', err, 'retriable')),
    );
    await connect(native, options.connectTimeoutMs ?? 30_000);
    // Return as soon as the queue is drained once a first record arrived, instead of waiting out the timeout.
    native.setDefaultIsTimeoutOnlyForFirstMessage(true);
    native.subscribe([...options.topics]);
    return self;
  }

  /** The underlying client; the producer reads its group metadata in sendOffsets. Internal to runtime/kafka. */
  get nativeClient(): NativeConsumer {
    return this.#native;
  }

  /**
   * Handles rebalance events (awaiting the listener), then returns the records that arrived within `timeoutMs`,
   * grouped per partition in offset order (at most maxPollRecords in total). Must not be called concurrently.
   */
  async poll(timeoutMs: number): Promise<PartitionRecords[]> {
    this.#assertOpen();
    if (this.#polling) throw new Error('StreamConsumer.poll() called while another poll() is in flight');
    this.#polling = true;
    try {
      await this.#handleRebalanceEvents();
      const revoked = new Set<string>();
      this.#revokedDuringPoll = revoked;
      const messages = await this.#consume(timeoutMs);
      await this.#handleRebalanceEvents();
      this.#revokedDuringPoll = undefined;
      return groupByPartition(messages, (_, key) => !revoked.has(key) && this.#assignment.has(key));
    } finally {
      this.#revokedDuringPoll = undefined;
      this.#polling = false;
    }
  }

  /** Partitions this consumer owns now. */
  assignment(): TopicPartition[] {
    return [...this.#assignment.values()];
  }

  /** Stops fetching these partitions; records already returned stay valid, fetching resumes after them. */
  pause(partitions: readonly TopicPartition[]): void {
    const owned = this.#owned(partitions);
    if (owned.length === 0) return;
    this.#native.pause(owned.map(plain));
    for (const tp of owned) this.#paused.set(tpKey(tp.topic, tp.partition), tp);
  }

  resume(partitions: readonly TopicPartition[]): void {
    const owned = this.#owned(partitions).filter((tp) => this.#paused.has(tpKey(tp.topic, tp.partition)));
    if (owned.length === 0) return;
    this.#native.resume(owned.map(plain));
    for (const tp of owned) this.#paused.delete(tpKey(tp.topic, tp.partition));
  }

  paused(): TopicPartition[] {
    return [...this.#paused.values()];
  }

  /**
   * The next poll returns this partition's records from `offset` on. Records fetched but not yet returned are
   * discarded by librdkafka; records already returned are the caller's to drop (rollback).
   */
  async seek(tp: TopicPartition, offset: number, timeoutMs = 10_000): Promise<void> {
    this.#assertOpen();
    if (!this.#assignment.has(tpKey(tp.topic, tp.partition))) {
      throw new Error(`cannot seek ${tp.topic}-${tp.partition}: not assigned to this consumer`);
    }
    try {
      await call((cb) =>
        this.#native.seek({ topic: tp.topic, partition: tp.partition, offset }, timeoutMs, cb),
      );
    } catch (err) {
      throw wrapKafkaError(`seek ${tp.topic}-${tp.partition} to ${offset}`, err);
    }
  }

  /** Committed offsets (next offset to read) per tpKey; partitions without a commit are absent. */
  async committed(partitions: readonly TopicPartition[], timeoutMs = 10_000): Promise<Map<string, number>> {
    const positions = await this.committedPositions(partitions, timeoutMs);
    return new Map(positions.map((p) => [tpKey(p.topic, p.partition), p.offset]));
  }

  /** Committed positions with their commit metadata; partitions without a commit are absent. */
  async committedPositions(partitions: readonly TopicPartition[], timeoutMs = 10_000): Promise<Position[]> {
    this.#assertOpen();
    if (partitions.length === 0) return [];
    let offsets: RdCommittedOffset[];
    try {
      offsets = await call<RdCommittedOffset[]>((cb) =>
        this.#native.committed(partitions.map(plain), timeoutMs, cb),
      );
    } catch (err) {
      throw wrapKafkaError('fetching committed offsets', err);
    }
    return offsets
      .filter((o) => o.offset >= 0)
      .map((o) => ({
        topic: o.topic,
        partition: o.partition,
        offset: o.offset,
        ...(typeof o.metadata === 'string' && o.metadata.length > 0 ? { metadata: o.metadata } : {}),
      }));
  }

  /**
   * Rewinds the partitions to their committed offsets (after an aborted transaction), or to auto.offset.reset when
   * nothing was committed yet.
   */
  async seekToCommitted(partitions: readonly TopicPartition[], timeoutMs = 10_000): Promise<void> {
    const committed = await this.committed(partitions, timeoutMs);
    const reset = this.#autoOffsetReset === 'earliest' ? OFFSET_BEGINNING : OFFSET_END;
    await Promise.all(
      partitions.map((tp) => this.seek(tp, committed.get(tpKey(tp.topic, tp.partition)) ?? reset, timeoutMs)),
    );
  }

  /** Commits offsets (next offset to read) outside a transaction: the at-least-once commit. Waits for the broker. */
  async commitOffsets(
    offsets: ReadonlyArray<TopicPartition & { readonly offset: number; readonly metadata?: string }>,
  ): Promise<void> {
    this.#assertOpen();
    if (offsets.length === 0) return;
    const native = this.#native as unknown as {
      commitCb(toppars: RdTopicPartitionOffset[], cb: (err: unknown) => void): void;
    };
    try {
      await call((cb) =>
        native.commitCb(
          offsets.map((o) => ({
            topic: o.topic,
            partition: o.partition,
            offset: o.offset,
            ...(o.metadata !== undefined ? { metadata: o.metadata } : {}),
          })),
          cb,
        ),
      );
    } catch (err) {
      throw wrapKafkaError('committing offsets', err);
    }
  }

  /** Next offset to be returned per partition (after the last record returned), by tpKey. */
  position(partitions: readonly TopicPartition[]): Map<string, number> {
    const result = new Map<string, number>();
    if (partitions.length === 0) return result;
    for (const o of this.#native.position(partitions.map(plain))) {
      if (o.offset >= 0) result.set(tpKey(o.topic, o.partition), o.offset);
    }
    return result;
  }

  /**
   * Leaves the group. Close (and commit) the tasks before calling this: the listener is not called, pending
   * rebalance events are dropped, and the partitions are released.
   */
  async close(): Promise<void> {
    if (this.#closed || this.#closing) return;
    this.#closing = true;
    this.#pending.length = 0;
    try {
      if (this.#assignment.size > 0) this.#native.unassign();
      this.#assignment.clear();
      this.#paused.clear();
      this.#native.unsubscribe();
    } catch {
      // Already disconnected by a fatal error: disconnect below is all that is left to do.
    }
    try {
      await disconnect(this.#native);
    } finally {
      this.#closed = true;
    }
  }

  #onRebalance(err: LibrdKafkaError, partitions: RdTopicPartition[]): void {
    const tps = partitions.map((p) => ({ topic: p.topic, partition: p.partition }));
    if (this.#closing) {
      // Leaving: release whatever librdkafka hands over so that close() does not wait for us. This runs from the
      // client's event dispatcher, where a throw would be an uncaught exception.
      try {
        if (err.code === ErrorCodes.ERR__ASSIGN_PARTITIONS) this.#native.assign([]);
        else this.#native.unassign();
      } catch {
        // disconnected meanwhile: nothing left to release
      }
      return;
    }
    if (err.code === ErrorCodes.ERR__ASSIGN_PARTITIONS) {
      this.#pending.push({ kind: 'assign', partitions: tps });
    } else if (err.code === ErrorCodes.ERR__REVOKE_PARTITIONS) {
      this.#pending.push({ kind: 'revoke', partitions: tps, lost: this.#native.assignmentLost() });
    } else {
      // librdkafka reports a failed assignment as a rebalance error: give everything up and rejoin.
      this.#pending.push({ kind: 'revoke', partitions: this.assignment(), lost: true });
    }
  }

  async #handleRebalanceEvents(): Promise<void> {
    while (this.#pending.length > 0) {
      const event = this.#pending.shift() as RebalanceEvent;
      if (event.kind === 'revoke') await this.#revoke(event.partitions, event.lost);
      else await this.#assign(event.partitions);
    }
  }

  async #revoke(partitions: TopicPartition[], lost: boolean): Promise<void> {
    // Eager protocol: the event lists the whole assignment. Only partitions we really own are reported.
    const owned = this.#owned(partitions);
    let failure: unknown;
    try {
      if (owned.length > 0) {
        if (lost) await this.#listener.onPartitionsLost(owned);
        else await this.#listener.onPartitionsRevoked(owned);
      }
    } catch (err) {
      failure = err;
    }
    // Whatever the listener did, librdkafka waits for the unassign: the group cannot move on without it.
    const stillPaused = owned.filter((tp) => this.#paused.has(tpKey(tp.topic, tp.partition)));
    if (stillPaused.length > 0) this.#native.resume(stillPaused.map(plain));
    this.#native.unassign();
    for (const tp of owned) {
      const key = tpKey(tp.topic, tp.partition);
      this.#assignment.delete(key);
      this.#paused.delete(key);
      this.#revokedDuringPoll?.add(key);
    }
    if (failure !== undefined) throw failure;
  }

  async #assign(partitions: TopicPartition[]): Promise<void> {
    this.#native.assign(partitions.map(plain));
    for (const tp of partitions) this.#assignment.set(tpKey(tp.topic, tp.partition), tp);
    if (partitions.length > 0) await this.#listener.onPartitionsAssigned(partitions);
    await this.#listener.onAssignmentReceived?.(partitions);
  }

  async #consume(timeoutMs: number): Promise<RdMessage[]> {
    this.#native.setDefaultConsumeTimeout(timeoutMs);
    try {
      return await call<RdMessage[]>((cb) => this.#native.consume(this.#maxPollRecords, cb));
    } catch (err) {
      const code = errorCode(err);
      const kind = classifyKafkaError(err);
      // librdkafka recovers from these by itself (reconnects, rejoins after max.poll.interval.ms); the lost
      // assignment, if any, arrives as a rebalance event.
      if (kind === 'retriable' || kind === 'migrated' || code === ErrorCodes.ERR__PARTITION_EOF) {
        this.#onTransientError?.(new KafkaRuntimeError('consume', err, kind));
        return [];
      }
      throw new KafkaRuntimeError('consume', err, kind === 'abortable' ? 'fatal' : kind);
    }
  }

  #owned(partitions: readonly TopicPartition[]): TopicPartition[] {
    return partitions.filter((tp) => this.#assignment.has(tpKey(tp.topic, tp.partition)));
  }

  #assertOpen(): void {
    if (this.#closed || this.#closing) throw new Error('StreamConsumer is closed');
  }
}

function plain(tp: TopicPartition): RdTopicPartition {
  return { topic: tp.topic, partition: tp.partition };
}
