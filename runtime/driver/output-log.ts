// The records one output topic of the test driver holds until a test reads them, kept as bytes in one arena.
import type { Headers } from '../../operators/api/record.js';
import type { OutputRecord } from '../engine/record-collector.js';

/** Offsets kept per record: key start, key length, value start, value length. */
const STRIDE = 4;
const INITIAL_RECORDS = 1024;
const INITIAL_BYTES = 64 * 1024;
/** A null key or value (a length no bytes have). */
const NULL = -1;

/** Makes what a read returns from a record's parts (its Buffers are the reader's own). */
export type OutputRecordMaker<T> = (
  key: Buffer | null,
  value: Buffer | null,
  timestamp: number,
  headers: Headers,
  partition: number | undefined,
) => T;

/**
 * Why not an array of the records the sinks sent: a test often reads its outputs only after thousands of records,
 * and until then every record object and its key and value Buffers survived young-generation collections, which
 * copy (then promote) them: much of the GC work of a driver run (bench/driver-throughput.ts case (b)). Here a record
 * is four offsets in an Int32Array plus its bytes copied into one arena, reused once everything is read; the record
 * sent and its Buffers die young. Reads copy the bytes out, so the arena can be reused.
 *
 * Timestamps stay in a plain array, as the numbers they were: one read back from a Float64Array is a heap number even
 * when integral, and record objects of the same shape (TestRecord, StreamRecord) share a hidden class in V8, so one
 * such timestamp turned that class's timestamp field into a boxed double for every record the engine makes (pipeInput
 * of bench/driver-throughput.ts (b) ran at 2/3 speed in most runs).
 */
export class OutputLog {
  private table = new Int32Array(STRIDE * INITIAL_RECORDS);
  private timestamps: number[] = [];
  private partitions: (number | undefined)[] = [];
  /**
   * Headers per record; undefined for none, cleared as records are read. Empty headers are not kept: every piped
   * record gets its own empty `{}`, and each would otherwise stay alive (and be copied by young-generation
   * collections) until the test reads.
   */
  private headers: (Headers | undefined)[] = [];
  private arena = Buffer.allocUnsafe(INITIAL_BYTES);
  private position = 0;
  /** Records [head, count) of the table are unread. */
  private head = 0;
  private count = 0;

  constructor(readonly topic: string) {}

  get size(): number {
    return this.count - this.head;
  }

  append(record: OutputRecord): void {
    const key = record.key;
    const value = record.value;
    const bytes = (key === null ? 0 : key.length) + (value === null ? 0 : value.length);
    if (this.position + bytes > this.arena.length) this.makeRoom(bytes);
    if ((this.count + 1) * STRIDE > this.table.length) this.growTable();
    const at = this.count * STRIDE;
    const table = this.table;
    table[at] = this.position;
    table[at + 1] = key === null ? NULL : this.copy(key);
    table[at + 2] = this.position;
    table[at + 3] = value === null ? NULL : this.copy(value);
    this.timestamps[this.count] = record.timestamp;
    this.partitions[this.count] = record.partition;
    this.headers[this.count] = hasAny(record.headers) ? record.headers : undefined;
    this.count++;
  }

  /**
   * Removes up to `max` records, oldest first, and returns what `make` makes of each (a test record, decoded straight
   * from the log: no intermediate record object per read record). A record is removed before it is made: when `make`
   * throws (a value its serde cannot read), that record and those before it are gone, the rest stay.
   */
  take<T>(max: number, make: OutputRecordMaker<T>): T[] {
    const n = Math.min(max, this.size);
    const out: T[] = new Array(n);
    const table = this.table;
    try {
      for (let i = 0; i < n; i++) {
        const r = this.head++;
        const at = r * STRIDE;
        const headers = this.headers[r];
        this.headers[r] = undefined;
        out[i] = make(
          this.bytesAt(table[at], table[at + 1]),
          this.bytesAt(table[at + 2], table[at + 3]),
          this.timestamps[r],
          headers ?? {},
          this.partitions[r],
        );
      }
    } finally {
      if (this.head === this.count) {
        this.head = 0;
        this.count = 0;
        this.position = 0;
      }
    }
    return out;
  }

  private bytesAt(start: number, length: number): Buffer | null {
    if (length === NULL) return null;
    const out = Buffer.allocUnsafe(length);
    this.arena.copy(out, 0, start, start + length);
    return out;
  }

  private copy(bytes: Buffer): number {
    const n = bytes.length;
    const arena = this.arena;
    const at = this.position;
    // Keys and values are mostly a few bytes: a loop costs less than the native copy then.
    if (n <= 32) for (let i = 0; i < n; i++) arena[at + i] = bytes[i];
    else arena.set(bytes, at);
    this.position = at + n;
    return n;
  }

  /** Drops the bytes of records already read, and grows the arena if that is not enough for `bytes` more. */
  private makeRoom(bytes: number): void {
    const from = this.firstUnreadByte();
    const live = this.position - from;
    const size = Math.max(this.arena.length, 2 * (live + bytes));
    const arena = size === this.arena.length ? this.arena : Buffer.allocUnsafe(size);
    this.arena.copy(arena, 0, from, this.position);
    this.arena = arena;
    this.position = live;
    const table = this.table;
    for (let r = this.head; r < this.count; r++) {
      table[r * STRIDE] -= from;
      table[r * STRIDE + 2] -= from;
    }
  }

  private firstUnreadByte(): number {
    return this.head === this.count ? this.position : this.table[this.head * STRIDE];
  }

  /** Drops the entries of records already read, and grows the table if that is not enough for one more. */
  private growTable(): void {
    const live = this.count - this.head;
    const length = Math.max(this.table.length, 2 * (live + 1) * STRIDE);
    const table = length === this.table.length ? this.table : new Int32Array(length);
    if (table === this.table) table.copyWithin(0, this.head * STRIDE, this.count * STRIDE);
    else table.set(this.table.subarray(this.head * STRIDE, this.count * STRIDE));
    this.table = table;
    this.headers = this.headers.slice(this.head, this.count);
    this.timestamps = this.timestamps.slice(this.head, this.count);
    this.partitions = this.partitions.slice(this.head, this.count);
    this.head = 0;
    this.count = live;
  }
}

function hasAny(headers: Headers): boolean {
  for (const _ in headers) return true;
  return false;
}
