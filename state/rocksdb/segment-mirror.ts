import type { LocalEntry } from '../internals/local-store.js';
import { IndexedMap } from '../memory/indexed-map.js';

/** Bytes counted per mirrored entry on top of key and value (map slot, index slot, string header). */
const ENTRY_OVERHEAD_BYTES = 80;

/**
 * Whole segments of a window or session store's committed state, copied into memory. A range read on RocksDB opens an
 * iterator (~0.3 ms), and window and session operators read a range per record (a join looks up the other side's
 * buffer, a session merge finds the sessions it touches), mostly in the newest segments. A segment is loaded with one
 * scan the first time a range needs it, kept up to date by every committed write, and from then on answers ranges and
 * point reads synchronously. Bounded by a byte budget: a segment that does not fit stays on RocksDB iterators.
 *
 * Consistency: the copy only ever reflects what RocksDB holds. A change of local state bumps `version` when it
 * starts and again when it has landed; a load that overlapped a change is used for the read that asked for it (it is
 * a consistent snapshot, like any iterator) but not kept, because `written` only updates segments already loaded.
 */
export class SegmentMirror {
  private readonly segments = new Map<number, IndexedMap<Buffer>>();
  private readonly sizes = new Map<number, number>();
  private readonly tooBig = new Set<number>();
  private readonly loading = new Map<number, Promise<IndexedMap<Buffer> | undefined>>();
  private bytes = 0;
  private version = 0;

  /**
   * `complete`: local state started empty (a store just created), so the mirror holds all of it: a segment it does
   * not have is empty, and writes create segments. Once over budget it falls back to loading segments on demand.
   */
  constructor(
    readonly maxBytes: number,
    private complete = false,
  ) {}

  get mirroredBytes(): number {
    return this.bytes;
  }

  segment(id: number): IndexedMap<Buffer> | undefined {
    return this.segments.get(id) ?? (this.complete ? EMPTY : undefined);
  }

  canLoad(id: number): boolean {
    return this.maxBytes > 0 && !this.tooBig.has(id);
  }

  /**
   * Loads a segment (once, whoever asks meanwhile) from `scan`; resolves with its entries, or undefined when it does
   * not fit the budget.
   */
  load(id: number, scan: () => AsyncIterable<LocalEntry[]>): Promise<IndexedMap<Buffer> | undefined> {
    let pending = this.loading.get(id);
    if (pending === undefined) {
      pending = this.read(id, scan).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    return pending;
  }

  private async read(
    id: number,
    scan: () => AsyncIterable<LocalEntry[]>,
  ): Promise<IndexedMap<Buffer> | undefined> {
    const version = this.version;
    const map = new IndexedMap<Buffer>();
    let size = 0;
    for await (const chunk of scan()) {
      for (const entry of chunk) {
        map.set(entry.key, entry.value);
        size += entry.key.length + entry.value.length + ENTRY_OVERHEAD_BYTES;
      }
      if (this.bytes + size > this.maxBytes) {
        this.tooBig.add(id);
        return undefined;
      }
    }
    if (version === this.version && !this.segments.has(id)) {
      this.segments.set(id, map);
      this.sizes.set(id, size);
      this.bytes += size;
    }
    return map;
  }

  /** Local state is about to change: loads in flight will not be kept. */
  beginChange(): void {
    this.version++;
  }

  /**
   * The change has landed in local state: writes (null deletes) and every segment below `dropBelow` dropped.
   * Mirrored segments follow; loads that overlapped the change are not kept (they may have read around it, and
   * segments not loaded yet get no update here).
   */
  landed(
    writes: Iterable<readonly [segment: number, key: string, value: Buffer | null]>,
    dropBelow?: number,
  ): void {
    this.version++;
    if (dropBelow !== undefined) this.droppedBelow(dropBelow);
    for (const [segment, key, value] of writes) {
      if (dropBelow === undefined || segment >= dropBelow) this.written(segment, key, value);
    }
  }

  private written(segment: number, key: string, value: Buffer | null): void {
    let map = this.segments.get(segment);
    if (map === undefined) {
      if (!this.complete || value === null) return;
      map = new IndexedMap<Buffer>();
      this.segments.set(segment, map);
      this.sizes.set(segment, 0);
    }
    const before = map.get(key);
    let delta = 0;
    if (before !== undefined) delta -= key.length + before.length + ENTRY_OVERHEAD_BYTES;
    if (value === null) map.delete(key);
    else {
      map.set(key, value);
      delta += key.length + value.length + ENTRY_OVERHEAD_BYTES;
    }
    this.resize(segment, delta);
  }

  private droppedBelow(id: number): void {
    for (const segment of [...this.segments.keys()]) if (segment < id) this.forget(segment);
    for (const segment of [...this.tooBig]) if (segment < id) this.tooBig.delete(segment);
  }

  clear(): void {
    this.complete = false;
    this.version++;
    this.segments.clear();
    this.sizes.clear();
    this.tooBig.clear();
    this.bytes = 0;
  }

  private resize(segment: number, delta: number): void {
    const size = (this.sizes.get(segment) ?? 0) + delta;
    this.sizes.set(segment, size);
    this.bytes += delta;
    if (this.bytes > this.maxBytes) {
      if (this.complete) {
        // No longer all of local state: from now on segments are loaded when a range needs them.
        this.complete = false;
        this.segments.clear();
        this.sizes.clear();
        this.bytes = 0;
        return;
      }
      // Grown past the budget: this segment goes back to RocksDB iterators.
      this.forget(segment);
      this.tooBig.add(segment);
    }
  }

  private forget(segment: number): void {
    this.bytes -= this.sizes.get(segment) ?? 0;
    this.segments.delete(segment);
    this.sizes.delete(segment);
  }
}

const EMPTY = new IndexedMap<Buffer>();

/** Entries of a mirrored segment in [from, toExclusive), as a LocalStore range returns them. */
export function mirroredRange(
  map: IndexedMap<Buffer>,
  from: string | undefined,
  toExclusive: string | undefined,
  reverse: boolean,
): LocalEntry[] {
  const out: LocalEntry[] = [];
  map.forEachInRange(from, toExclusive, reverse, (key, value) => {
    out.push({ key, value });
  });
  return out;
}
