// KTable.suppress() (Kafka Streams' KTableSuppressProcessor): holds back a table's updates, keeping the latest per key,
// and releases them in time order once due: when their window closes (untilWindowCloses: one final result per window)
// or when they have waited a time limit (untilTimeLimit). The buffer is a changelogged store (time-ordered-buffer.ts),
// so it survives restarts and rollbacks.
import { isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import { StreamsError } from '../../runtime/engine/error-handlers.js';
import type { ForwardsOldValues, InternalProcessorContext } from '../../runtime/engine/processor-node.js';
import type { AnySerde } from '../../schemas/serde.js';
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { Processor, ProcessorContext } from '../api/processor.js';
import type { Headers, StreamRecord, Windowed } from '../api/record.js';
import { internalTopicName } from '../graph/topology.js';
import { changelogTopicName } from '../graph/topology-builder.js';
import type { Change } from './change.js';
import { forEachInOrder } from './sequence.js';
import {
  type BufferedEntry,
  BufferStore,
  BytesReader,
  decodeHeaders,
  encodeHeaders,
  TimeOrderedIndex,
  writeTime,
} from './time-ordered-buffer.js';

export interface SuppressSpec {
  readonly storeName: string;
  /** windowClose: release at window end + delayMs, once per window; timeLimit: release delayMs after the update. */
  readonly mode: 'windowClose' | 'timeLimit';
  readonly delayMs: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly onFull: 'shutdown' | 'emitEarly';
  readonly keySerde: AnySerde;
  readonly valueSerde: AnySerde;
}

interface Buffered {
  readonly key: unknown;
  readonly keyBytes: Buffer;
  /** The value downstream saw last (before the first buffered update): the emitted Change's old value. */
  readonly prior: unknown;
  readonly priorBytes: Buffer | null;
  readonly newValue: unknown;
  readonly newBytes: Buffer | null;
  readonly timestamp: number;
  readonly headers: Headers;
  readonly size: number;
}

const ENTRIES = 1;

export class SuppressProcessor
  implements Processor<unknown, Change<unknown>, unknown, Change<unknown>>, ForwardsOldValues
{
  /** Old values are only buffered to be forwarded: upstream sends them only if a child downstream reads them. */
  readonly forwardsOldValues = true;
  private ctx!: InternalProcessorContext<unknown, Change<unknown>>;
  private store!: BufferStore;
  private topic = '';
  private readonly index = new TimeOrderedIndex<Buffered>();
  private bytes = 0;

  constructor(private readonly spec: SuppressSpec) {}

  init(context: ProcessorContext<unknown, Change<unknown>>): Promise<void> {
    this.ctx = context as InternalProcessorContext<unknown, Change<unknown>>;
    this.topic = internalTopicName(context.applicationId, changelogTopicName(this.spec.storeName));
    this.store = new BufferStore(context.getStateStore<KeyValueStore<Buffer, Buffer>>(this.spec.storeName));
    return this.store
      .load((namespace, id, value) => {
        if (namespace === ENTRIES) this.restore(id, value);
      })
      .then(() => undefined);
  }

  process(record: StreamRecord<unknown, Change<unknown>>): MaybePromise<void> {
    const { spec } = this;
    const observed = this.store.observe(record.timestamp);
    if (record.key == null) {
      this.ctx.recordDropped('null-key');
      return;
    }
    let time = record.timestamp;
    if (spec.mode === 'windowClose') {
      time = (record.key as Windowed<unknown>).window.end;
      // Upstream only updates open windows; an update of a closed window means upstream forgot its stream time
      // (restart, rollback) and accepted a late record. Its window's final result was emitted: drop it, counted.
      if (time + spec.delayMs <= observed) {
        this.ctx.recordDropped('late');
        return;
      }
    }
    const keyBytes = spec.keySerde.serialize(this.topic, record.key);
    const id = keyBytes.toString('latin1');
    const existing = this.index.get(id);
    const { newValue, oldValue } = record.value;
    const prior = existing ? existing.value.prior : oldValue;
    const priorBytes = existing
      ? existing.value.priorBytes
      : oldValue == null
        ? null
        : spec.valueSerde.serialize(this.topic, oldValue);
    const newBytes = newValue == null ? null : spec.valueSerde.serialize(this.topic, newValue);
    const entryTime = existing ? existing.time : time;
    const encoded = encodeEntry(entryTime, record.timestamp, record.headers, priorBytes, newBytes);
    const entry: Buffered = {
      key: record.key,
      keyBytes,
      prior,
      priorBytes,
      newValue,
      newBytes,
      timestamp: record.timestamp,
      headers: record.headers,
      size: 8 + keyBytes.length + encoded.length,
    };
    if (existing) this.bytes -= existing.value.size;
    this.bytes += entry.size;
    this.index.set(id, entryTime, entry);
    this.store.put(ENTRIES, keyBytes, encoded);
    return this.release(observed);
  }

  /** Releases what is due, then what the buffer cannot hold (emitEarly), or fails (shutdown). */
  private release(observed: number): MaybePromise<void> {
    const due: BufferedEntry<Buffered>[] = [];
    const deadline = observed - this.spec.delayMs;
    for (
      let next = this.index.peek();
      next !== undefined && next.time <= deadline;
      next = this.index.peek()
    ) {
      due.push(this.take());
    }
    if (this.overCapacity()) {
      if (this.spec.onFull === 'shutdown') {
        throw new StreamsError(
          `suppress '${this.ctx.nodeName}': the buffer exceeded its capacity (${this.index.size}/${limit(this.spec.maxRecords)} records, ${this.bytes}/${limit(this.spec.maxBytes)} bytes) and is configured to shut down when full`,
          'processing',
        );
      }
      while (this.overCapacity()) due.push(this.take());
    }
    if (due.length === 0) return;
    return forEachInOrder(due, (e) => this.emit(e.value));
  }

  private take(): BufferedEntry<Buffered> {
    const entry = this.index.pop() as BufferedEntry<Buffered>;
    this.bytes -= entry.value.size;
    this.store.put(ENTRIES, entry.value.keyBytes, null);
    return entry;
  }

  private overCapacity(): boolean {
    return this.index.size > this.spec.maxRecords || this.bytes > this.spec.maxBytes;
  }

  private emit(entry: Buffered): MaybePromise<void> {
    // A window's final tombstone says nothing downstream has not seen: nothing was emitted for it before.
    if (entry.newValue == null && this.spec.mode === 'windowClose') return;
    const r = this.ctx.forward({
      key: entry.key,
      value: { newValue: entry.newValue ?? null, oldValue: entry.prior ?? null },
      timestamp: entry.timestamp,
      headers: entry.headers,
    });
    return r !== undefined && isPromise(r) ? r : undefined;
  }

  private restore(keyBytes: Buffer, bytes: Buffer): void {
    const { spec } = this;
    const reader = new BytesReader(bytes);
    const time = reader.time();
    const timestamp = reader.time();
    const priorBytes = reader.bytes();
    const newBytes = reader.bytes();
    const headerBytes = reader.bytes();
    const copy = Buffer.from(keyBytes);
    const entry: Buffered = {
      key: spec.keySerde.deserialize(this.topic, copy),
      keyBytes: copy,
      prior: priorBytes === null ? null : spec.valueSerde.deserialize(this.topic, priorBytes),
      priorBytes,
      newValue: newBytes === null ? null : spec.valueSerde.deserialize(this.topic, newBytes),
      newBytes,
      timestamp,
      headers: headerBytes === null ? {} : decodeHeaders(headerBytes),
      size: 8 + copy.length + bytes.length,
    };
    this.bytes += entry.size;
    this.index.set(copy.toString('latin1'), time, entry);
  }
}

function limit(max: number): string {
  return Number.isFinite(max) ? String(max) : 'unbounded';
}

function encodeEntry(
  time: number,
  timestamp: number,
  headers: Headers,
  priorBytes: Buffer | null,
  newBytes: Buffer | null,
): Buffer {
  // The layout of BytesWriter's time, time, bytes, bytes, bytes, written into one allocation: this runs for every
  // buffered update (every record, where the task commits after each), and the writer's seven small Buffers showed.
  const headerBytes = encodeHeaders(headers);
  const priorLength = priorBytes === null ? 0 : priorBytes.length;
  const newLength = newBytes === null ? 0 : newBytes.length;
  const out = Buffer.allocUnsafe(8 + 8 + 12 + priorLength + newLength + headerBytes.length);
  writeTime(out, time, 0);
  writeTime(out, timestamp, 8);
  let at = writeBytes(out, 16, priorBytes);
  at = writeBytes(out, at, newBytes);
  writeBytes(out, at, headerBytes);
  return out;
}

/** A length-prefixed nullable byte string at `at` (BytesWriter.bytes' layout); returns the offset after it. */
function writeBytes(out: Buffer, at: number, bytes: Buffer | null): number {
  out.writeInt32BE(bytes === null ? -1 : bytes.length, at);
  if (bytes === null) return at + 4;
  out.set(bytes, at + 4);
  return at + 4 + bytes.length;
}
