// Buffers that release entries in time order: the suppression buffer and the outer-join buffer of stream-stream joins.
// Entries live in memory (synchronous access on the hot path) and are mirrored to a changelogged key-value store of
// bytes, from which init() reloads them: after a restart (restored store) and after a rollback (the store is back at
// its last commit, the processors are recreated). The owning processor's observed stream time is kept in the same
// store, so that after a rollback the same entries are due as before it.
import type { KeyValueStore } from '../../state/api/key-value-store.js';
import type { Headers } from '../api/record.js';

/** One buffered entry: `id` (latin1 of its key bytes) orders entries of equal time. */
export interface BufferedEntry<T> {
  readonly id: string;
  readonly time: number;
  value: T;
}

interface Slot<T> extends BufferedEntry<T> {
  live: boolean;
}

function before<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.id < b.id);
}

/**
 * Entries by id, released by (time, id): a binary heap with lazy deletion. Replacing an entry keeps its time (Kafka
 * Streams' "non-resetting" buffer semantics), so only inserts and removals touch the heap.
 */
export class TimeOrderedIndex<T> {
  private readonly byId = new Map<string, Slot<T>>();
  private heap: Slot<T>[] = [];
  private dead = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): BufferedEntry<T> | undefined {
    return this.byId.get(id);
  }

  /** Adds an entry, or replaces the value of the entry with this id (its time stays). */
  set(id: string, time: number, value: T): BufferedEntry<T> {
    const existing = this.byId.get(id);
    if (existing !== undefined) {
      existing.value = value;
      return existing;
    }
    const slot: Slot<T> = { id, time, value, live: true };
    this.byId.set(id, slot);
    this.push(slot);
    return slot;
  }

  delete(id: string): BufferedEntry<T> | undefined {
    const slot = this.byId.get(id);
    if (slot === undefined) return undefined;
    this.byId.delete(id);
    slot.live = false;
    this.dead++;
    if (this.dead > 64 && this.dead > this.byId.size) this.compact();
    return slot;
  }

  /** The entry released next, if any. */
  peek(): BufferedEntry<T> | undefined {
    while (this.heap.length > 0 && !this.heap[0].live) {
      this.popTop();
      this.dead--;
    }
    return this.heap[0];
  }

  /** Removes and returns the entry released next. */
  pop(): BufferedEntry<T> | undefined {
    const top = this.peek();
    if (top === undefined) return undefined;
    this.popTop();
    this.byId.delete(top.id);
    return top;
  }

  values(): IterableIterator<BufferedEntry<T>> {
    return this.byId.values();
  }

  private compact(): void {
    const live = this.heap.filter((s) => s.live);
    this.heap = [];
    this.dead = 0;
    for (const slot of live) this.push(slot);
  }

  private push(slot: Slot<T>): void {
    const heap = this.heap;
    heap.push(slot);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  private popTop(): void {
    const heap = this.heap;
    const last = heap.pop() as Slot<T>;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < heap.length && before(heap[l], heap[smallest])) smallest = l;
      if (r < heap.length && before(heap[r], heap[smallest])) smallest = r;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }
}

const META = Buffer.of(0);
const NO_TIME = -1;

/**
 * The changelogged mirror of one processor's buffers: entry keys are `<namespace byte><id bytes>` (namespaces from 1),
 * and key `<0>` holds the observed stream time. The store is cached, so repeated writes of a key within a commit
 * interval reach the changelog once.
 */
export class BufferStore {
  private observed = NO_TIME;

  constructor(private readonly store: KeyValueStore<Buffer, Buffer>) {}

  /** Reads everything back (in init()); resolves to the observed stream time (-1 when never set). */
  async load(onEntry: (namespace: number, id: Buffer, value: Buffer) => void): Promise<number> {
    for await (const { key, value } of this.store.all()) {
      if (key.length === 1 && key[0] === 0) {
        if (value.length === 8) this.observed = readTime(value, 0);
        continue;
      }
      onEntry(key[0], key.subarray(1), value);
    }
    return this.observed;
  }

  put(namespace: number, id: Buffer, value: Buffer | null): void {
    const key = Buffer.allocUnsafe(1 + id.length);
    key[0] = namespace;
    id.copy(key, 1);
    this.store.put(key, value);
  }

  /** Raises the persisted observed stream time. */
  observe(time: number): number {
    if (time > this.observed) {
      this.observed = time;
      this.store.put(META, timeBytes(time));
    }
    return this.observed;
  }

  get observedTime(): number {
    return this.observed;
  }
}

const TWO_POW_32 = 4294967296;

/** 8-byte big-endian time (non-negative ms), so that ids of timed entries sort by time. */
export function timeBytes(time: number): Buffer {
  const out = Buffer.allocUnsafe(8);
  writeTime(out, time, 0);
  return out;
}

export function writeTime(out: Buffer, time: number, offset: number): void {
  out.writeInt32BE(Math.floor(time / TWO_POW_32), offset);
  out.writeUInt32BE(time >>> 0, offset + 4);
}

export function readTime(data: Buffer, offset: number): number {
  return data.readInt32BE(offset) * TWO_POW_32 + data.readUInt32BE(offset + 4);
}

/** Headers as bytes for a buffer's changelog (JSON; Buffer values round-trip). */
export function encodeHeaders(headers: Headers): Buffer {
  return Object.keys(headers).length === 0 ? EMPTY : Buffer.from(JSON.stringify(headers), 'utf8');
}

export function decodeHeaders(bytes: Buffer): Headers {
  if (bytes.length === 0) return {};
  return JSON.parse(bytes.toString('utf8'), (_key, value) =>
    value !== null && typeof value === 'object' && value.type === 'Buffer' && Array.isArray(value.data)
      ? Buffer.from(value.data)
      : value,
  ) as Headers;
}

const EMPTY = Buffer.alloc(0);

/** Length-prefixed nullable byte strings, the building block of buffered entries. */
export class BytesWriter {
  private readonly parts: Buffer[] = [];

  time(time: number): this {
    this.parts.push(timeBytes(time));
    return this;
  }

  bytes(bytes: Buffer | null): this {
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(bytes === null ? -1 : bytes.length, 0);
    this.parts.push(len);
    if (bytes !== null) this.parts.push(bytes);
    return this;
  }

  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export class BytesReader {
  private at = 0;

  constructor(private readonly data: Buffer) {}

  time(): number {
    const t = readTime(this.data, this.at);
    this.at += 8;
    return t;
  }

  remaining(): boolean {
    return this.at < this.data.length;
  }

  bytes(): Buffer | null {
    const len = this.data.readInt32BE(this.at);
    this.at += 4;
    if (len < 0) return null;
    const out = this.data.subarray(this.at, this.at + len);
    this.at += len;
    return out;
  }
}
