// The state layer's ChangelogReader on Kafka: every task restoring on this worker reads its changelog partitions
// through one RestoreConsumer (manual assignment, read_committed). Reads of several tasks run concurrently; polls are
// serialized and their records are handed to the partition they belong to.
import type {
  ChangelogBatch,
  ChangelogPartition,
  ChangelogReader,
} from '../../state/api/changelog-reader.js';
import type { ChangelogRecord } from '../../state/api/store-runtime.js';
import type { OffsetLister } from './offset-lister.js';
import { tpKey } from './records.js';
import type { RestoreConsumer } from './restore-consumer.js';

/** The task stopped restoring (revoked or closed) while a read of its changelog was waiting. */
export class RestoreCancelledError extends Error {
  constructor(changelog: ChangelogPartition) {
    super(`restoration of ${changelog.topic}-${changelog.partition} was cancelled`);
    this.name = 'RestoreCancelledError';
  }
}

interface PartitionReadState {
  readonly changelog: ChangelogPartition;
  /** Records polled and not yet handed out, in offset order. */
  buffer: ChangelogRecord[];
  /** Offset the next read must ask for to continue without re-positioning the consumer. */
  next: number;
  /** Position once the consumer reached the partition's end (it is then unassigned). */
  doneAt: number | undefined;
  cancelled: boolean;
}

export interface KafkaChangelogReaderOptions {
  readonly consumer: RestoreConsumer;
  readonly offsets: OffsetLister;
  /**
   * How long endOffset() waits for a transaction left open on the changelog (by a crashed previous owner) to be
   * resolved. Until then the read_committed end stops before it, and records committed after it by a later owner would
   * be missed. Default 15 000 (above the default transaction timeout).
   */
  readonly openTransactionWaitMs?: number;
  readonly pollMs?: number;
}

export class KafkaChangelogReader implements ChangelogReader {
  readonly #consumer: RestoreConsumer;
  readonly #offsets: OffsetLister;
  readonly #openTransactionWaitMs: number;
  readonly #pollMs: number;
  readonly #partitions = new Map<string, PartitionReadState>();
  #polling: Promise<void> | undefined;

  constructor(options: KafkaChangelogReaderOptions) {
    this.#consumer = options.consumer;
    this.#offsets = options.offsets;
    this.#openTransactionWaitMs = options.openTransactionWaitMs ?? 15_000;
    this.#pollMs = options.pollMs ?? 100;
  }

  async beginningOffset(changelog: ChangelogPartition): Promise<number> {
    const [o] = await this.#offsets.list([changelog], 'earliest', true);
    return o.offset;
  }

  endOffset(changelog: ChangelogPartition): Promise<number> {
    return this.#endOffset(changelog, undefined);
  }

  read(changelog: ChangelogPartition, fromOffset: number, maxRecords: number): Promise<ChangelogBatch> {
    return this.#read(changelog, fromOffset, maxRecords, undefined);
  }

  /** The reader one task restores through: aborting `signal` makes its waiting calls reject with RestoreCancelledError. */
  scoped(signal: AbortSignal): ChangelogReader {
    return {
      beginningOffset: (changelog) => this.beginningOffset(changelog),
      endOffset: (changelog) => this.#endOffset(changelog, signal),
      read: (changelog, from, max) => this.#read(changelog, from, max, signal),
    };
  }

  async #endOffset(changelog: ChangelogPartition, signal: AbortSignal | undefined): Promise<number> {
    const deadline = Date.now() + this.#openTransactionWaitMs;
    for (;;) {
      if (signal?.aborted) throw new RestoreCancelledError(changelog);
      const [[stable], [high]] = await Promise.all([
        this.#offsets.list([changelog], 'latest', true),
        this.#offsets.list([changelog], 'latest', false),
      ]);
      if (stable.offset >= high.offset || Date.now() >= deadline) return stable.offset;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async #read(
    changelog: ChangelogPartition,
    fromOffset: number,
    maxRecords: number,
    signal: AbortSignal | undefined,
  ): Promise<ChangelogBatch> {
    if (signal?.aborted) throw new RestoreCancelledError(changelog);
    const key = tpKey(changelog.topic, changelog.partition);
    let state = this.#partitions.get(key);
    if (!state || state.next !== fromOffset) state = await this.#position(key, changelog, fromOffset, signal);
    while (state.buffer.length === 0 && state.doneAt === undefined) {
      if (state.cancelled || signal?.aborted) throw new RestoreCancelledError(changelog);
      await this.#pollOnce();
    }
    if (state.cancelled || signal?.aborted) throw new RestoreCancelledError(changelog);
    const records = state.buffer.length <= maxRecords ? state.buffer : state.buffer.slice(0, maxRecords);
    state.buffer = records === state.buffer ? [] : state.buffer.slice(maxRecords);
    let nextOffset = records.length > 0 ? records[records.length - 1].offset + 1 : state.next;
    if (state.buffer.length === 0 && state.doneAt !== undefined) {
      // Past the last record lie transaction markers (and aborted records): the end position covers them.
      nextOffset = Math.max(nextOffset, state.doneAt);
      this.#partitions.delete(key);
    }
    state.next = nextOffset;
    return { records, nextOffset };
  }

  /** Stops reading these changelog partitions; a read waiting on one of them rejects with RestoreCancelledError. */
  cancel(changelogs: readonly ChangelogPartition[]): void {
    const active: ChangelogPartition[] = [];
    for (const c of changelogs) {
      const key = tpKey(c.topic, c.partition);
      const state = this.#partitions.get(key);
      if (!state) continue;
      state.cancelled = true;
      this.#partitions.delete(key);
      if (state.doneAt === undefined) active.push(c);
    }
    if (active.length > 0) this.#consumer.unassign(active);
  }

  async #position(
    key: string,
    changelog: ChangelogPartition,
    from: number,
    signal: AbortSignal | undefined,
  ): Promise<PartitionReadState> {
    const previous = this.#partitions.get(key);
    if (previous) this.#partitions.delete(key);
    // Also drops an assignment a cancelled read left behind (cancelled while its assign was in flight).
    this.#consumer.unassign([changelog]);
    const state: PartitionReadState = {
      changelog,
      buffer: [],
      next: from,
      doneAt: undefined,
      cancelled: false,
    };
    this.#partitions.set(key, state);
    const completed = await this.#consumer.assign([{ ...changelog, from }]);
    for (const c of completed) state.doneAt = c.position;
    if (state.cancelled || signal?.aborted) {
      // Cancelled while assigning: cancel() could not unassign what was not assigned yet.
      if (this.#partitions.get(key) === state) this.#partitions.delete(key);
      this.#consumer.unassign([changelog]);
      throw new RestoreCancelledError(changelog);
    }
    return state;
  }

  /** One poll for all partitions being read; concurrent callers share it. */
  #pollOnce(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #poll(): Promise<void> {
    const { records, completed } = await this.#consumer.poll(this.#pollMs);
    for (const batch of records) {
      const state = this.#partitions.get(tpKey(batch.topic, batch.partition));
      if (!state) continue;
      for (const r of batch.records) {
        // A changelog record always has a key; one without is not state (and cannot be restored).
        if (r.key === null) continue;
        state.buffer.push({
          key: r.key,
          value: r.value,
          timestamp: r.timestamp,
          offset: r.offset,
          headers: r.headers,
        });
      }
    }
    for (const c of completed) {
      const state = this.#partitions.get(tpKey(c.topic, c.partition));
      if (state) state.doneAt = c.position;
    }
  }
}
