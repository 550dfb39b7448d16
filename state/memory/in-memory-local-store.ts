import { bytesToKey } from '../internals/key-codec.js';
import type { LocalBatch, LocalEntry, LocalStore, RestoreBatch } from '../internals/local-store.js';
import { IndexedMap } from './indexed-map.js';

/** Committed state held in memory: one map per segment, so dropping a segment is deleting one map. */
export class InMemoryLocalStore implements LocalStore {
  readonly synchronous = true;
  readonly stableValues = true;
  readonly durable = false;
  private segments = new Map<number, IndexedMap<Buffer>>();
  private meta = new Map<string, Buffer>();
  private count = 0;

  async open(_fresh: boolean): Promise<void> {
    // Nothing survives a restart in memory: always fresh.
    this.segments = new Map();
    this.meta = new Map();
    this.count = 0;
  }

  get(segment: number, key: string): Buffer | undefined {
    return this.segments.get(segment)?.get(key);
  }

  getMany(segment: number, keys: readonly string[]): (Buffer | undefined)[] {
    const map = this.segments.get(segment);
    return keys.map((key) => map?.get(key));
  }

  range(
    segment: number,
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
  ): LocalEntry[] {
    const out: LocalEntry[] = [];
    this.segments.get(segment)?.forEachInRange(from, toExclusive, reverse, (key, value) => {
      out.push({ key, value });
    });
    return out;
  }

  apply(batch: LocalBatch): void {
    const drop = batch.dropSegmentsBelow;
    if (drop !== undefined) this.dropBelow(drop);
    // forEach with a callback made once: no iterator and no [key, value] array per write (commits after every
    // record in the test driver).
    this.applying = batch;
    batch.writes.forEach(this.applyWrite);
    this.applying = undefined;
    this.putMeta(batch.meta);
  }

  private applying: LocalBatch | undefined;
  private readonly applyWrite = (value: Buffer | null, key: string): void => {
    const batch = this.applying as LocalBatch;
    const segment = batch.segmentOf(key);
    const drop = batch.dropSegmentsBelow;
    if (drop === undefined || segment >= drop) this.write(segment, key, value);
  };

  restore(batch: RestoreBatch): void {
    const drop = batch.dropSegmentsBelow;
    if (drop !== undefined) this.dropBelow(drop);
    for (const record of batch.records) {
      const segment = batch.segmentOf(record.key);
      if (segment >= 0 && (drop === undefined || segment >= drop)) {
        this.write(segment, bytesToKey(record.key), record.value);
      }
    }
    this.putMeta(batch.meta);
  }

  private dropBelow(drop: number): void {
    for (const [id, map] of this.segments) {
      if (id < drop) {
        this.count -= map.size;
        this.segments.delete(id);
      }
    }
  }

  private write(segment: number, key: string, value: Buffer | null): void {
    let map = this.segments.get(segment);
    if (value === null) {
      if (map?.delete(key)) this.count--;
      return;
    }
    if (map === undefined) {
      map = new IndexedMap<Buffer>();
      this.segments.set(segment, map);
    }
    const before = map.size;
    map.set(key, value);
    this.count += map.size - before;
  }

  private putMeta(meta: ReadonlyMap<string, Buffer> | undefined): void {
    if (meta !== undefined) for (const [name, value] of meta) this.meta.set(name, value);
  }

  getMeta(name: string): Buffer | undefined {
    return this.meta.get(name);
  }

  stateId(): undefined {
    return undefined;
  }

  async persist(): Promise<void> {}

  approximateCount(): number {
    return this.count;
  }

  async close(): Promise<void> {
    this.segments = new Map();
    this.meta = new Map();
    this.count = 0;
  }
}
