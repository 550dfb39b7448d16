// Windowed stream-stream joins (Kafka Streams' KStreamJoinWindow and KStreamKStreamJoin with KIP-633's fix of spurious
// left/outer results). Each side writes its records to its own window store (retaining duplicates) and, per record,
// looks up the other side's store within the join window. A left/outer record that found no partner waits in a shared
// outer-join buffer and is emitted with null only once its window and grace have passed without a partner arriving.
// One deliberate difference: Kafka Streams emits an out-of-order record's null result at once when its window (without
// grace) is already behind stream time, and then also the real join if a partner arrives within grace (two results
// for one record); here such a record waits in the buffer like any other, so it gets exactly one result.
import { andThen, isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type { InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { AnySerde } from '../../schemas/serde.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { WindowedValue, WindowStore } from '../../state/api/window-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { StreamRecord } from '../api/record.js';
import { internalTopicName } from '../graph/topology.js';
import { changelogTopicName } from '../graph/topology-builder.js';
import { forEachInOrder } from './sequence.js';
import type { ValueJoiner } from './stream-table-join.js';
import {
  type BufferedEntry,
  BufferStore,
  BytesReader,
  BytesWriter,
  readTime,
  TimeOrderedIndex,
  timeBytes,
} from './time-ordered-buffer.js';

type Rec = StreamRecord<unknown, unknown>;

/**
 * Writes each record into its side's window store after forwarding it to the join (as Kafka Streams does). A record
 * older than the store's retention still joins what the other side holds but cannot be buffered for later partners:
 * counted as expired-window-record-drop-total (Kafka Streams' store metric), never silently.
 */
export class JoinWindowProcessor implements Processor<unknown, unknown, unknown, unknown> {
  private ctx!: InternalProcessorContext<unknown, unknown>;
  private store!: WindowStore<unknown, unknown>;
  private observed = -1;

  constructor(
    private readonly storeName: string,
    private readonly retentionMs: number,
  ) {}

  init(context: ProcessorContext<unknown, unknown>): void {
    this.ctx = context as InternalProcessorContext<unknown, unknown>;
    this.store = context.getStateStore(this.storeName);
  }

  process(record: Rec): MaybePromise<void> {
    const r = this.ctx.forward(record);
    if (r !== undefined && isPromise(r)) return r.then(() => this.put(record));
    this.put(record);
  }

  private put(record: Rec): void {
    if (record.key == null || record.value == null) return;
    if (record.timestamp > this.observed) this.observed = record.timestamp;
    if (record.timestamp <= this.observed - this.retentionMs) {
      this.ctx.metrics.increment('expired-window-record-drop-total', {
        task: this.ctx.taskId.toString(),
        processor: this.ctx.nodeName,
        store: this.storeName,
      });
      return;
    }
    this.store.put(record.key, record.value, record.timestamp);
  }
}

export type JoinSide = 'left' | 'right';

export interface OuterBufferSpec {
  readonly storeName: string;
  readonly keySerde: AnySerde;
  readonly leftValueSerde: AnySerde;
  readonly rightValueSerde: AnySerde;
}

export interface StreamJoinSpec {
  readonly side: JoinSide;
  readonly otherStoreName: string;
  /** This side's unmatched records produce results (left side of left/outer joins, right side of outer joins). */
  readonly outer: boolean;
  /** JoinWindows' beforeMs and afterMs (left-side view) and grace. */
  readonly beforeMs: number;
  readonly afterMs: number;
  readonly graceMs: number;
  /** The user's joiner: (left value, right value, key). */
  readonly joiner: ValueJoiner;
  /** Left and outer joins: the buffer of records waiting for a partner. */
  readonly outerBuffer: OuterBufferSpec | undefined;
}

export class StreamStreamJoinProcessor implements Processor<unknown, unknown, unknown, unknown> {
  private ctx!: InternalProcessorContext<unknown, unknown>;
  private otherStore!: WindowStore<unknown, unknown>;
  private buffer: OuterJoinBuffer | undefined;
  private bufferStore: KeyValueStore<Buffer, Buffer> | undefined;
  /** How far before and after this side's record the other side's records join it. */
  private readonly lookBefore: number;
  private readonly lookAfter: number;

  constructor(private readonly spec: StreamJoinSpec) {
    this.lookBefore = spec.side === 'left' ? spec.beforeMs : spec.afterMs;
    this.lookAfter = spec.side === 'left' ? spec.afterMs : spec.beforeMs;
  }

  init(context: ProcessorContext<unknown, unknown>): MaybePromise<void> {
    this.ctx = context as InternalProcessorContext<unknown, unknown>;
    this.otherStore = context.getStateStore(this.spec.otherStoreName);
    const outer = this.spec.outerBuffer;
    if (outer === undefined) return;
    // Both sides of a join share one outer buffer per task: the first to initialize loads it.
    const store = context.getStateStore<KeyValueStore<Buffer, Buffer>>(outer.storeName);
    this.bufferStore = store;
    let shared = SHARED_BUFFERS.get(store);
    if (shared === undefined) {
      shared = new OuterJoinBuffer(store, outer, this.spec, context.applicationId);
      SHARED_BUFFERS.set(store, shared);
    }
    this.buffer = shared;
    return shared.ready;
  }

  close(): void {
    // A rollback recreates the processors: the next init reloads the buffer from its (rolled back) store.
    if (this.bufferStore !== undefined) SHARED_BUFFERS.delete(this.bufferStore);
  }

  process(record: Rec): MaybePromise<void> {
    const buffer = this.buffer;
    const streamTime = buffer === undefined ? record.timestamp : buffer.observe(record.timestamp);
    if (record.value == null) {
      this.ctx.recordDropped('null-value');
      return;
    }
    if (record.key == null) {
      // Left/outer joins keep a record without a key (KIP-962): it can never have a partner.
      if (this.spec.outer) return this.forwardJoined(record, record.value, null, record.timestamp);
      this.ctx.recordDropped('null-key');
      return;
    }
    const emitted =
      buffer !== undefined && record.timestamp === streamTime
        ? buffer.emitClosed(record, this.ctx)
        : undefined;
    return andThen(emitted, () => this.join(record, streamTime));
  }

  private join(record: Rec, streamTime: number): MaybePromise<void> {
    const ts = record.timestamp;
    const from = Math.max(0, ts - this.lookBefore);
    const to = Math.max(0, ts + this.lookAfter);
    return andThen(this.otherStore.fetch(record.key, from, to), (partners) => {
      if (partners.length > 0) return forEachInOrder(partners, (other) => this.joinWith(record, other));
      if (!this.spec.outer) return;
      const buffer = this.buffer;
      // Once this record's window (plus grace) has passed, no partner can come: emit now; else wait in the buffer.
      if (buffer === undefined || ts + this.lookAfter + this.spec.graceMs < streamTime) {
        return this.forwardJoined(record, record.value, null, ts);
      }
      buffer.add(this.spec.side, record.key, ts, record.value);
    });
  }

  private joinWith(record: Rec, other: WindowedValue<unknown>): MaybePromise<void> {
    this.buffer?.remove(this.spec.side === 'left' ? 'right' : 'left', record.key, other.windowStart);
    return this.forwardJoined(
      record,
      record.value,
      other.value,
      Math.max(record.timestamp, other.windowStart),
    );
  }

  private forwardJoined(
    record: Rec,
    thisValue: unknown,
    otherValue: unknown,
    timestamp: number,
  ): MaybePromise<void> {
    const value =
      this.spec.side === 'left'
        ? this.spec.joiner(thisValue, otherValue, record.key)
        : this.spec.joiner(otherValue, thisValue, record.key);
    return this.ctx.forward({ key: record.key, value, timestamp, headers: record.headers });
  }
}

// Per task, keyed by the outer buffer's store instance (stores outlive processors; close() drops the entry).
const SHARED_BUFFERS = new WeakMap<object, OuterJoinBuffer>();

const NAMESPACE: Record<JoinSide, number> = { left: 1, right: 2 };

interface Waiting {
  readonly key: unknown;
  readonly keyBytes: Buffer;
  readonly values: unknown[];
  readonly encoded: Buffer[];
}

/**
 * Records of both sides waiting for a partner, by (time, key), mirrored to a changelogged store together with the
 * join's stream time (the largest timestamp either side has seen).
 */
class OuterJoinBuffer {
  readonly ready: Promise<void>;
  private readonly store: BufferStore;
  private readonly topic: string;
  private readonly waiting: Record<JoinSide, TimeOrderedIndex<Waiting>> = {
    left: new TimeOrderedIndex(),
    right: new TimeOrderedIndex(),
  };
  private streamTime = -1;

  constructor(
    kvStore: KeyValueStore<Buffer, Buffer>,
    private readonly spec: OuterBufferSpec,
    private readonly join: Pick<StreamJoinSpec, 'beforeMs' | 'afterMs' | 'graceMs' | 'joiner'>,
    applicationId: string,
  ) {
    this.store = new BufferStore(kvStore);
    this.topic = internalTopicName(applicationId, changelogTopicName(spec.storeName));
    this.ready = this.store
      .load((namespace, id, value) =>
        this.restore(namespace === NAMESPACE.left ? 'left' : 'right', id, value),
      )
      .then((time) => {
        this.streamTime = time;
      });
  }

  observe(timestamp: number): number {
    this.streamTime = this.store.observe(timestamp);
    return this.streamTime;
  }

  add(side: JoinSide, key: unknown, time: number, value: unknown): void {
    const keyBytes = this.spec.keySerde.serialize(this.topic, key);
    const idBytes = Buffer.concat([timeBytes(time), keyBytes]);
    const id = idBytes.toString('latin1');
    const serde = side === 'left' ? this.spec.leftValueSerde : this.spec.rightValueSerde;
    const index = this.waiting[side];
    const existing = index.get(id);
    const entry: Waiting = existing?.value ?? { key, keyBytes, values: [], encoded: [] };
    entry.values.push(value);
    entry.encoded.push(serde.serialize(this.topic, value));
    index.set(id, time, entry);
    const writer = new BytesWriter();
    for (const e of entry.encoded) writer.bytes(e);
    this.store.put(NAMESPACE[side], idBytes, writer.done());
  }

  /** A partner arrived for the record(s) of `side` at `time`: they will never need a null result. */
  remove(side: JoinSide, key: unknown, time: number): void {
    const index = this.waiting[side];
    if (index.size === 0) return;
    const idBytes = Buffer.concat([timeBytes(time), this.spec.keySerde.serialize(this.topic, key)]);
    if (index.delete(idBytes.toString('latin1')) !== undefined)
      this.store.put(NAMESPACE[side], idBytes, null);
  }

  /**
   * Emits, with null for the missing side, the waiting records whose window has closed: a left record at t can be
   * joined by right records up to t + afterMs, a right record by left records up to t + beforeMs, plus grace.
   */
  emitClosed(trigger: Rec, ctx: ProcessorContext<unknown, unknown>): MaybePromise<void> {
    const left = this.takeClosed('left', this.join.afterMs);
    const right = this.takeClosed('right', this.join.beforeMs);
    if (left.length === 0 && right.length === 0) return;
    // Kafka Streams' buffer order: time, then right before left, then key bytes.
    const due = [
      ...right.map((e) => ({ side: 'right' as const, e })),
      ...left.map((e) => ({ side: 'left' as const, e })),
    ].sort(
      (a, b) =>
        a.e.time - b.e.time || (a.side === b.side ? (a.e.id < b.e.id ? -1 : 1) : a.side === 'right' ? -1 : 1),
    );
    const results: Rec[] = [];
    for (const { side, e } of due) {
      for (const value of e.value.values) {
        results.push({
          key: e.value.key,
          value:
            side === 'left'
              ? this.join.joiner(value, null, e.value.key)
              : this.join.joiner(null, value, e.value.key),
          timestamp: e.time,
          headers: trigger.headers,
        });
      }
    }
    return forEachInOrder(results, (r) => ctx.forward(r));
  }

  private takeClosed(side: JoinSide, lookAheadMs: number): BufferedEntry<Waiting>[] {
    const index = this.waiting[side];
    const out: BufferedEntry<Waiting>[] = [];
    for (
      let e = index.peek();
      e !== undefined && e.time + lookAheadMs + this.join.graceMs < this.streamTime;
      e = index.peek()
    ) {
      index.pop();
      this.store.put(NAMESPACE[side], Buffer.concat([timeBytes(e.time), e.value.keyBytes]), null);
      out.push(e);
    }
    return out;
  }

  private restore(side: JoinSide, idBytes: Buffer, bytes: Buffer): void {
    const time = readTime(idBytes, 0);
    const keyBytes = Buffer.from(idBytes.subarray(8));
    const serde = side === 'left' ? this.spec.leftValueSerde : this.spec.rightValueSerde;
    const reader = new BytesReader(bytes);
    const entry: Waiting = {
      key: this.spec.keySerde.deserialize(this.topic, keyBytes),
      keyBytes,
      values: [],
      encoded: [],
    };
    for (
      let b = reader.remaining() ? reader.bytes() : null;
      b !== null;
      b = reader.remaining() ? reader.bytes() : null
    ) {
      const copy = Buffer.from(b);
      entry.encoded.push(copy);
      entry.values.push(serde.deserialize(this.topic, copy));
    }
    this.waiting[side].set(Buffer.from(idBytes).toString('latin1'), time, entry);
  }
}
