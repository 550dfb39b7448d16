import { perBudget } from '../internals/per-budget.js';
import { SortedStringSet } from '../memory/sorted-string-set.js';

/**
 * The record cache: Kafka Streams' ThreadCache, process-wide. Every store has a namespace in it; all namespaces share
 * one byte budget (`MemoryBudget.cacheMaxBytes`).
 *
 * Entries hold values as objects, so a read that hits never deserializes; values are serialized when a dirty entry
 * is flushed. An entry is either clean (equal to what the store holds below the cache) or dirty (a write not flushed
 * yet; flushing dedups all the writes made to its key since the last flush).
 *
 * Eviction when the budget is exceeded: clean entries of any store go first, least recently used first (dropping one
 * has no side effect). Then dirty entries of the store being written, least recently written first: evicting one
 * flushes it, which emits downstream from inside that store's put, as in Kafka Streams. Dirty entries of other stores
 * are never evicted, because their emits would run inside another processor's (or task's) record; they become clean
 * at their store's next flush. The budget can therefore be exceeded by dirty entries of stores that are not being
 * written until they commit.
 *
 * Sizes are estimates: a dirty value has not been serialized, so it counts with the size of its last serialized form
 * (or `UNKNOWN_VALUE_BYTES`) until it is flushed.
 */

/** Bytes counted per entry on top of key and value: the entry object, its map slot and list links. */
export const ENTRY_OVERHEAD_BYTES = 96;
/** Estimate for a value whose serialized size is not known yet. */
export const UNKNOWN_VALUE_BYTES = 64;

export interface CacheEntry<V> {
  prev: CacheEntry<V> | undefined;
  next: CacheEntry<V> | undefined;
  /** Bytes counted for the entry; 0 once it left the cache. */
  size: number;
  dirty: boolean;
  /**
   * Dirty entries: the serialized value the store held before this cache cycle; null when it had none, undefined when
   * not known yet (looked up at flush if needed).
   */
  oldBytes: Buffer | null | undefined;
  timestamp: number;
  /** The key's bytes once a flush needed them (changelog records); the same for the entry's whole life. */
  keyBytes: Buffer | undefined;
  readonly namespace: CacheNamespace<V>;
  readonly key: string;
  /** The key as the user gave it (what flush listeners receive); undefined for entries loaded by a read. */
  keyObject: unknown;
  /** Current value; null for a deleted key. */
  value: V | null;
  /** Serialized current value: null for a deleted key, undefined while a dirty value is not serialized. */
  bytes: Buffer | null | undefined;
}

/**
 * A new entry, made by an object literal rather than a class constructor: V8 pretenures the objects of a literal
 * whose objects mostly survive (cache entries live long) and allocates them in old space directly, instead of copying
 * each one through the young generation. Filling a cache with 200k entries took half the scavenges (measured).
 */
function newEntry<V>(
  namespace: CacheNamespace<V>,
  key: string,
  keyObject: unknown,
  value: V | null,
  bytes: Buffer | null | undefined,
  dirty: boolean,
): CacheEntry<V> {
  return {
    prev: undefined,
    next: undefined,
    size: 0,
    dirty,
    oldBytes: undefined,
    timestamp: 0,
    keyBytes: undefined,
    namespace,
    key,
    keyObject,
    value,
    bytes,
  };
}

/**
 * True while the entry is in its namespace: every entry in the cache counts at least ENTRY_OVERHEAD_BYTES, and
 * `remove` zeroes the size. Spares a lookup in the namespace's map (hundreds of ns in a cache of 100k+ entries).
 */
export function isCached<V>(entry: CacheEntry<V>): boolean {
  return entry.size > 0;
}

/** A doubly linked list threaded through the entries' prev/next fields: O(1) append, unlink and move. */
class EntryList<V> {
  head: CacheEntry<V> | undefined = undefined;
  tail: CacheEntry<V> | undefined = undefined;
  length = 0;

  append(entry: CacheEntry<V>): void {
    entry.prev = this.tail;
    entry.next = undefined;
    if (this.tail === undefined) this.head = entry;
    else this.tail.next = entry;
    this.tail = entry;
    this.length++;
  }

  unlink(entry: CacheEntry<V>): void {
    if (entry.prev === undefined) this.head = entry.next;
    else entry.prev.next = entry.next;
    if (entry.next === undefined) this.tail = entry.prev;
    else entry.next.prev = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
    this.length--;
  }

  /** Forgets every entry at once (their links are left as they are: the entries are dropped with the list). */
  reset(): void {
    this.head = undefined;
    this.tail = undefined;
    this.length = 0;
  }

  moveToTail(entry: CacheEntry<V>): void {
    if (this.tail === entry) return;
    this.unlink(entry);
    this.append(entry);
  }
}

export class RecordCache {
  private sizeBytes = 0;
  /** Clean entries of all namespaces, least recently used first. */
  private readonly clean = new EntryList<unknown>();

  constructor(readonly maxBytes: number) {
    if (!(maxBytes >= 0)) throw new RangeError(`cacheMaxBytes must be >= 0, got ${maxBytes}`);
  }

  /** The cache of the process that uses `budget`: one per MemoryBudget object. */
  static readonly of = perBudget((budget) => new RecordCache(budget.cacheMaxBytes));

  get currentSizeBytes(): number {
    return this.sizeBytes;
  }

  get entryCount(): number {
    let count = this.clean.length;
    for (const ns of this.namespaces) count += ns.dirtyCount;
    return count;
  }

  private readonly namespaces = new Set<CacheNamespace<unknown>>();

  namespace<V>(name: string, onEvictDirty: (entry: CacheEntry<V>) => void): CacheNamespace<V> {
    const ns = new CacheNamespace<V>(this, name, onEvictDirty);
    this.namespaces.add(ns as CacheNamespace<unknown>);
    return ns;
  }

  /** @internal */
  forget(ns: CacheNamespace<unknown>): void {
    this.namespaces.delete(ns);
  }

  /** @internal */
  cleanList<V>(): EntryList<V> {
    return this.clean as EntryList<V>;
  }

  /** @internal */
  resize(delta: number): void {
    this.sizeBytes += delta;
  }

  /** Evicts until the cache fits its budget, or only dirty entries of other namespaces are left. */
  evict<V>(writer: CacheNamespace<V>): void {
    while (this.sizeBytes > this.maxBytes) {
      const lru = this.clean.head;
      if (lru !== undefined) {
        lru.namespace.remove(lru);
        continue;
      }
      if (!writer.evictOldestDirty()) return;
    }
  }
}

/** One store's part of the record cache. */
export class CacheNamespace<V> {
  private readonly entries = new Map<string, CacheEntry<V>>();
  /** Dirty entries, least recently written first (flush order). */
  private readonly dirty = new EntryList<V>();
  /** Keys of the dirty entries in order, kept once a range query has asked for it. */
  private dirtyIndex: SortedStringSet | undefined;
  /** Counts entries added for keys that had none: tells a reader whether a key it found absent may be cached now. */
  insertions = 0;

  constructor(
    readonly cache: RecordCache,
    readonly name: string,
    private readonly onEvictDirty: (entry: CacheEntry<V>) => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get dirtyCount(): number {
    return this.dirty.length;
  }

  /** The entry for `key`, marked as recently used. */
  get(key: string): CacheEntry<V> | undefined {
    const entry = this.entries.get(key);
    if (entry !== undefined && !entry.dirty) this.cache.cleanList<V>().moveToTail(entry);
    return entry;
  }

  /** The entry for `key` without touching recency. */
  peek(key: string): CacheEntry<V> | undefined {
    return this.entries.get(key);
  }

  /** Caches a value read from below the cache. Does nothing when the key already has an entry. */
  putClean(key: string, value: V | null, bytes: Buffer | null): void {
    if (!this.entries.has(key)) this.addClean(key, value, bytes);
  }

  /**
   * Caches a value read from below the cache for a key the caller knows is absent (one map lookup less). Returns the
   * entry, which eviction may already have dropped again (a budget of 0).
   */
  addClean(key: string, value: V | null, bytes: Buffer | null): CacheEntry<V> {
    const entry = newEntry<V>(this, key, undefined, value, bytes, false);
    this.insertions++;
    this.entries.set(key, entry);
    this.cache.cleanList<V>().append(entry);
    this.setSize(entry, sizeOf(key, bytes));
    this.cache.evict(this);
    return entry;
  }

  /**
   * Records a write. Returns the entry, which eviction may already have flushed out of the cache. `known` is an entry
   * of this namespace the caller has just read (an aggregation reads a key, then writes it): used when it is still
   * the cached entry of `key`, which spares a second lookup in a map of possibly 100k+ entries.
   */
  putDirty(
    key: string,
    keyObject: unknown,
    value: V | null,
    timestamp: number,
    known?: CacheEntry<V>,
  ): CacheEntry<V> {
    let entry = known !== undefined && isCached(known) && known.key === key ? known : this.entries.get(key);
    if (entry === undefined) {
      entry = newEntry<V>(this, key, keyObject, value, undefined, true);
      this.insertions++;
      this.entries.set(key, entry);
      this.dirty.append(entry);
      this.dirtyIndex?.add(key);
      this.setSize(entry, key.length + UNKNOWN_VALUE_BYTES + ENTRY_OVERHEAD_BYTES);
    } else {
      if (entry.dirty) {
        this.dirty.moveToTail(entry);
      } else {
        this.cache.cleanList<V>().unlink(entry);
        entry.dirty = true;
        entry.oldBytes = entry.bytes;
        this.dirty.append(entry);
        this.dirtyIndex?.add(key);
      }
      entry.keyObject = keyObject;
      entry.value = value;
      entry.bytes = undefined;
    }
    entry.timestamp = timestamp;
    this.cache.evict(this);
    return entry;
  }

  /** Marks a flushed dirty entry clean; its serialized value is now below the cache. */
  markClean(entry: CacheEntry<V>, bytes: Buffer | null): void {
    if (!entry.dirty || !isCached(entry)) return;
    this.dirty.unlink(entry);
    this.unindexDirty(entry.key);
    entry.dirty = false;
    entry.oldBytes = undefined;
    entry.bytes = bytes;
    this.cache.cleanList<V>().append(entry);
    this.setSize(entry, sizeOf(entry.key, bytes));
  }

  /** The least recently written dirty entry (flushed first). */
  oldestDirty(): CacheEntry<V> | undefined {
    return this.dirty.head;
  }

  /** The dirty entries in flush order (a snapshot: flushing may change the list). */
  dirtyEntries(): CacheEntry<V>[] {
    const out: CacheEntry<V>[] = [];
    for (let e = this.dirty.head; e !== undefined; e = e.next) out.push(e);
    return out;
  }

  /** Visits dirty entries with keys in [from, toExclusive), in key order. */
  forEachDirtyInRange(
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
    visit: (entry: CacheEntry<V>) => void,
  ): void {
    const count = this.dirty.length;
    if (count === 0) return;
    if (this.dirtyIndex === undefined && count <= SORT_DIRTY_MAX) {
      // A few dirty entries (the test driver flushes after every record): sorting those in range costs less than
      // keeping an ordered index up to date on every write.
      const found: CacheEntry<V>[] = [];
      for (let e = this.dirty.head; e !== undefined; e = e.next) {
        if ((from === undefined || e.key >= from) && (toExclusive === undefined || e.key < toExclusive)) {
          found.push(e);
        }
      }
      if (found.length > 1) found.sort(reverse ? byKeyDescending : byKeyAscending);
      for (let i = 0; i < found.length; i++) visit(found[i]);
      return;
    }
    if (this.dirtyIndex === undefined) {
      const keys: string[] = [];
      for (let e = this.dirty.head; e !== undefined; e = e.next) keys.push(e.key);
      this.dirtyIndex = SortedStringSet.from(keys);
    }
    this.dirtyIndex.forEachInRange(from, toExclusive, reverse, (key) => visit(this.entries.get(key)!));
  }

  /** Drops an entry (clean or dirty) without flushing it. */
  remove(entry: CacheEntry<V>): void {
    if (!isCached(entry)) return;
    this.entries.delete(entry.key);
    if (entry.dirty) {
      this.dirty.unlink(entry);
      this.unindexDirty(entry.key);
    } else {
      this.cache.cleanList<V>().unlink(entry);
    }
    this.cache.resize(-entry.size);
    entry.size = 0;
  }

  /** Drops every entry, dirty ones included (rollback, close). */
  clear(): void {
    // Clean entries leave the shared LRU list one by one; the rest goes at once (no map deletion per entry).
    const clean = this.cache.cleanList<V>();
    let freed = 0;
    for (const entry of this.entries.values()) {
      if (!entry.dirty) clean.unlink(entry);
      freed += entry.size;
      entry.size = 0;
    }
    this.entries.clear();
    this.dirty.reset();
    this.dirtyIndex = undefined;
    this.cache.resize(-freed);
  }

  /** Closes the namespace: its entries leave the shared budget. */
  close(): void {
    this.clear();
    this.cache.forget(this as CacheNamespace<unknown>);
  }

  /** @internal Flushes and drops the least recently written dirty entry; false when there is none. */
  evictOldestDirty(): boolean {
    const entry = this.dirty.head;
    if (entry === undefined) return false;
    this.remove(entry);
    this.onEvictDirty(entry);
    return true;
  }

  /** Takes a key out of the dirty index; the index goes once no dirty entry is left (it is rebuilt on demand). */
  private unindexDirty(key: string): void {
    if (this.dirtyIndex === undefined) return;
    if (this.dirty.length === 0) this.dirtyIndex = undefined;
    else this.dirtyIndex.delete(key);
  }

  private setSize(entry: CacheEntry<V>, size: number): void {
    this.cache.resize(size - entry.size);
    entry.size = size;
  }
}

/** Up to this many dirty entries, a range query sorts them instead of building the ordered dirty index. */
const SORT_DIRTY_MAX = 32;

function byKeyAscending(a: { readonly key: string }, b: { readonly key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function byKeyDescending(a: { readonly key: string }, b: { readonly key: string }): number {
  return byKeyAscending(b, a);
}

function sizeOf(key: string, bytes: Buffer | null): number {
  return key.length + (bytes === null ? 0 : bytes.length) + ENTRY_OVERHEAD_BYTES;
}
