/**
 * Reads changelog partitions for state restoration: manually assigned (no group membership, no commits), from a
 * checkpointed offset or the beginning, up to the end offset captured when the partition was added, under
 * read_committed.
 *
 * "Caught up" is `position >= endOffset`, where the end offset is the last stable offset (LSO) the broker reports to
 * a read_committed client. Never compare the last record's offset + 1: transaction markers and aborted records
 * occupy offsets too, so a changelog written transactionally ends with a marker that no record ever reaches.
 * librdkafka's position moves past markers and aborted records (measured: after the last committed record at offset
 * 2 followed by two aborted transactions, position = end offset = 12), and the partition-EOF event confirms it.
 */
import { type KafkaConnectionOptions, librdkafkaConfig } from './client-config.js';
import { wrapKafkaError } from './kafka-errors.js';
import { OffsetLister } from './offset-lister.js';
import {
  call,
  connect,
  createNativeConsumer,
  disconnect,
  type NativeConsumer,
  type RdMessage,
  type RdTopicPartitionOffset,
} from './rdkafka.js';
import { groupByPartition, type PartitionRecords, type TopicPartition, tpKey } from './records.js';

export interface RestoreConsumerOptions extends KafkaConnectionOptions {
  /** librdkafka requires a group.id for any consumer; this one never joins or commits. */
  readonly groupId?: string;
  /** Most records one poll() returns. Default 10000. */
  readonly maxPollRecords?: number;
  readonly connectTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

/** A checkpoint beyond the changelog's end: the local state cannot be trusted (e.g. the topic was recreated). */
export class RestoreOffsetOutOfRangeError extends Error {
  constructor(
    readonly partition: TopicPartition,
    readonly checkpointOffset: number,
    readonly endOffset: number,
  ) {
    super(
      `checkpointed offset ${checkpointOffset} of ${partition.topic}-${partition.partition} is beyond the changelog's ` +
        `end offset ${endOffset}: wipe the local state and restore from the beginning`,
    );
    this.name = 'RestoreOffsetOutOfRangeError';
  }
}

export interface RestoreStart extends TopicPartition {
  /** First offset to restore (a checkpointed offset), or 'beginning' (no checkpoint: full restore). */
  readonly from: number | 'beginning';
}

export interface RestoreProgress extends TopicPartition {
  /** Where restoration started (resolved from 'beginning' to the log start offset). */
  readonly startOffset: number;
  /** The read_committed end offset captured when the partition was added: restoration stops there. */
  readonly endOffset: number;
  /** Next offset to read. */
  readonly position: number;
  readonly restoredRecords: number;
}

export interface RestoreBatch {
  /** Records per partition in offset order, none at or beyond the partition's end offset. */
  readonly records: PartitionRecords[];
  /** Partitions that reached their end offset in this poll (they are no longer assigned). */
  readonly completed: RestoreProgress[];
}

interface Tracked {
  readonly tp: TopicPartition;
  readonly startOffset: number;
  readonly endOffset: number;
  position: number;
  restoredRecords: number;
}

export class RestoreConsumer {
  readonly #native: NativeConsumer;
  readonly #maxPollRecords: number;
  #offsets!: OffsetLister;
  readonly #tracked = new Map<string, Tracked>();
  /** EOF events seen during the current poll, by tpKey -> offset. */
  readonly #eof = new Map<string, number>();

  private constructor(native: NativeConsumer, options: RestoreConsumerOptions) {
    this.#native = native;
    this.#maxPollRecords = options.maxPollRecords ?? 10_000;
  }

  static async create(options: RestoreConsumerOptions): Promise<RestoreConsumer> {
    const native = createNativeConsumer(
      librdkafkaConfig(options, {
        'group.id': options.groupId ?? `${options.clientId ?? 'tributary'}-restore`,
        'isolation.level': 'read_committed',
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'enable.partition.eof': true,
        // A fetch at the end of a partition is held by the broker up to fetch.wait.max.ms (500 ms by default) before
        // the EOF that completes a restoration arrives: with stores restored one after another, a task with three
        // stores took 2-8 s to restore a few hundred records after a kill -9 (measured), 1 s with 10 ms.
        'fetch.wait.max.ms': 10,
        'auto.offset.reset': 'earliest',
        'allow.auto.create.topics': false,
      }),
    );
    const consumer = new RestoreConsumer(native, options);
    native.on('partition.eof', (eof) => consumer.#eof.set(tpKey(eof.topic, eof.partition), eof.offset));
    await connect(native, options.connectTimeoutMs ?? 30_000);
    native.setDefaultIsTimeoutOnlyForFirstMessage(true);
    consumer.#offsets = new OffsetLister(native, options.requestTimeoutMs ?? 10_000);
    return consumer;
  }

  /**
   * The underlying client, for an OffsetLister on this consumer's connections: they carry no long-held fetches
   * (fetch.wait.max.ms 10), unlike the stream consumer's, where a ListOffsets waits behind a fetch the broker holds
   * for up to 500 ms. Internal to runtime/kafka.
   */
  get nativeClient(): NativeConsumer {
    return this.#native;
  }

  /**
   * Adds partitions to restore. Captures each one's end offset now; partitions with nothing to restore complete
   * immediately (returned with position = endOffset, not assigned).
   */
  async assign(starts: readonly RestoreStart[]): Promise<RestoreProgress[]> {
    const toAssign: RdTopicPartitionOffset[] = [];
    const completed: RestoreProgress[] = [];
    for (const start of starts) {
      if (this.#tracked.has(tpKey(start.topic, start.partition))) {
        throw new Error(`${start.topic}-${start.partition} is already being restored`);
      }
    }
    const bounds = await this.#bounds(starts);
    for (const start of starts) {
      const key = tpKey(start.topic, start.partition);
      const { lowOffset, highOffset } = bounds.get(key) as { lowOffset: number; highOffset: number };
      if (start.from !== 'beginning' && start.from > highOffset) {
        throw new RestoreOffsetOutOfRangeError(start, start.from, highOffset);
      }
      const startOffset = start.from === 'beginning' ? lowOffset : Math.max(start.from, lowOffset);
      const tracked: Tracked = {
        tp: { topic: start.topic, partition: start.partition },
        startOffset,
        endOffset: highOffset,
        position: startOffset,
        restoredRecords: 0,
      };
      if (startOffset >= highOffset) {
        completed.push(progressOf(tracked));
        continue;
      }
      this.#tracked.set(key, tracked);
      toAssign.push({ topic: start.topic, partition: start.partition, offset: startOffset });
    }
    if (toAssign.length > 0) this.#native.incrementalAssign(toAssign);
    return completed;
  }

  /** Stops restoring these partitions (task closed or migrated meanwhile). */
  unassign(partitions: readonly TopicPartition[]): void {
    const removed = partitions.filter((tp) => this.#tracked.delete(tpKey(tp.topic, tp.partition)));
    if (removed.length > 0) {
      this.#native.incrementalUnassign(removed.map((tp) => ({ topic: tp.topic, partition: tp.partition })));
    }
  }

  /** Partitions still being restored. */
  progress(): RestoreProgress[] {
    return [...this.#tracked.values()].map(progressOf);
  }

  get active(): number {
    return this.#tracked.size;
  }

  async poll(timeoutMs: number): Promise<RestoreBatch> {
    if (this.#tracked.size === 0) return { records: [], completed: [] };
    this.#eof.clear();
    this.#native.setDefaultConsumeTimeout(timeoutMs);
    let messages: RdMessage[];
    try {
      messages = await call<RdMessage[]>((cb) => this.#native.consume(this.#maxPollRecords, cb));
    } catch (err) {
      throw wrapKafkaError('restore consume', err);
    }
    const records = groupByPartition(messages, (message, key) => {
      const tracked = this.#tracked.get(key);
      if (!tracked || message.offset >= tracked.endOffset) return false;
      tracked.restoredRecords++;
      return true;
    });
    const completed: RestoreProgress[] = [];
    const positions = this.#native.position([...this.#tracked.values()].map((t) => ({ ...t.tp })));
    for (const p of positions) {
      const key = tpKey(p.topic, p.partition);
      const tracked = this.#tracked.get(key) as Tracked;
      if (p.offset >= 0) tracked.position = p.offset;
      const eofAt = this.#eof.get(key);
      if (eofAt !== undefined && eofAt >= tracked.endOffset)
        tracked.position = Math.max(tracked.position, eofAt);
      if (tracked.position >= tracked.endOffset) completed.push(progressOf(tracked));
    }
    this.unassign(completed);
    return { records, completed };
  }

  async close(): Promise<void> {
    this.#tracked.clear();
    await disconnect(this.#native);
  }

  /** Log start and read_committed end (last stable offset) per tpKey: two ListOffsets requests for all. */
  async #bounds(
    partitions: readonly TopicPartition[],
  ): Promise<Map<string, { lowOffset: number; highOffset: number }>> {
    try {
      const [lows, highs] = await Promise.all([
        this.#offsets.list(partitions, 'earliest', true),
        this.#offsets.list(partitions, 'latest', true),
      ]);
      const result = new Map<string, { lowOffset: number; highOffset: number }>();
      for (const low of lows)
        result.set(tpKey(low.topic, low.partition), { lowOffset: low.offset, highOffset: -1 });
      for (const high of highs) {
        const entry = result.get(tpKey(high.topic, high.partition));
        if (entry) entry.highOffset = high.offset;
      }
      return result;
    } catch (err) {
      throw wrapKafkaError(
        `offsets of ${partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(', ')}`,
        err,
      );
    }
  }
}

function progressOf(t: Tracked): RestoreProgress {
  return {
    topic: t.tp.topic,
    partition: t.tp.partition,
    startOffset: t.startOffset,
    endOffset: t.endOffset,
    position: t.position,
    restoredRecords: t.restoredRecords,
  };
}
