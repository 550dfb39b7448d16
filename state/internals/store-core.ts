import { andThen, isPromise, type MaybePromise } from '../../common/maybe-promise.js';
import type { Serde } from '../../schemas/serde.js';
import { deserializesCheaply } from '../../schemas/serdes.js';
import type { ChangelogRecord, FlushListener, StoreContext } from '../api/store-runtime.js';
import { type CacheEntry, type CacheNamespace, isCached, RecordCache } from '../cache/record-cache.js';
import { keyToBytes } from './key-codec.js';
import type { LocalBatch, LocalEntry, LocalStore } from './local-store.js';
import { TransactionBuffer } from './transaction-buffer.js';

/**
 * The part every store shape shares, below the typed key layout: record cache -> transaction buffer -> local store,
 * plus changelogging. Keys are store keys (latin1 strings, key-codec.ts); values are typed.
 *
 * Reads look in the cache, then in the transaction buffer (writes flushed in the open transaction), then in committed
 * local state, so a task always sees its own uncommitted writes. Writes go to the cache (write-back, caching enabled)
 * or straight to the changelog and the transaction buffer (write-through). Only `commit()`, which the task calls once
 * the Kafka transaction holding the same changelog records has committed, moves the transaction buffer into local
 * state; `rollback()` drops cache and buffer. Local state is therefore never ahead of the changelog.
 */
export interface StoreCoreOptions<V> {
  readonly name: string;
  readonly context: StoreContext;
  /** The changelog topic, or undefined when logging is disabled. */
  readonly changelogTopic: string | undefined;
  /** The topic serdes are called with (the changelog topic's name even when logging is disabled). */
  readonly serdeTopic: string;
  readonly valueSerde: Serde<V>;
  readonly local: LocalStore;
  /** Caching enabled: dedup writes until flush and emit through the flush listener. */
  readonly writeBack: boolean;
  readonly segmentOf: (key: string) => number;
  /** Everything is in segment 0 (key-value stores). */
  readonly singleSegment?: boolean;
  /** What flush listeners receive as key (window and session stores build a `Windowed<K>` here). */
  readonly listenerKey: (keyObject: unknown, key: string) => unknown;
}

/** A range result: store key and value. */
export interface CoreEntry<V> {
  readonly key: string;
  readonly value: V;
  /** The key's bytes, when local state handed them over. */
  readonly keyBytes?: Buffer;
}

interface Pending<V> {
  readonly key: string;
  /** null: deleted. */
  readonly value: V | null;
}

/**
 * Merges committed entries, arriving in key order (possibly in chunks), with the uncommitted writes of the same range:
 * an uncommitted write replaces the committed entry of its key, an uncommitted delete hides it.
 */
class PendingMerge<V> {
  private next = 0;

  constructor(
    private readonly pending: readonly Pending<V>[],
    private readonly reverse: boolean,
    private readonly accept: ((key: string) => boolean) | undefined,
    private readonly committed: (entry: LocalEntry) => V,
  ) {}

  add(local: readonly LocalEntry[], out: CoreEntry<V>[]): void {
    const pending = this.pending;
    for (let l = 0; l < local.length; l++) {
      const entry = local[l];
      if (this.next === pending.length && this.accept === undefined) {
        // Past the last uncommitted write: no key comparison, so no key string unless the caller wants one.
        out.push(new CommittedEntry(entry, this.committed(entry)));
        continue;
      }
      while (this.next < pending.length && this.before(pending[this.next].key, entry.key)) this.emit(out);
      if (this.next < pending.length && pending[this.next].key === entry.key) {
        this.emit(out);
        continue;
      }
      if (this.accept !== undefined && !this.accept(entry.key)) continue;
      out.push({ key: entry.key, value: this.committed(entry), keyBytes: entry.keyBytes });
    }
  }

  /** The uncommitted writes after the last committed entry. */
  finish(out: CoreEntry<V>[]): void {
    while (this.next < this.pending.length) this.emit(out);
  }

  private emit(out: CoreEntry<V>[]): void {
    const p = this.pending[this.next++];
    if (p.value !== null) out.push({ key: p.key, value: p.value });
  }

  private before(a: string, b: string): boolean {
    return this.reverse ? a > b : a < b;
  }
}

class CommittedEntry<V> implements CoreEntry<V> {
  constructor(
    private readonly local: LocalEntry,
    readonly value: V,
  ) {}

  get key(): string {
    return this.local.key;
  }

  get keyBytes(): Buffer | undefined {
    return this.local.keyBytes;
  }
}

const NO_ENTRIES: LocalEntry[] = [];

/** Most writes one RocksDB batch gets by merging commits: bigger batches write and flush more slowly (measured). */
const MERGED_WRITES_MAX = 10_000;

/** Committed writes on their way to local state. */
interface PendingWrite {
  readonly writes: TransactionBuffer;
  readonly extras: { meta?: Map<string, Buffer>; dropSegmentsBelow?: number };
}

function mergeExtras(into: PendingWrite['extras'], extras: CommitExtras | undefined): void {
  if (extras?.meta !== undefined) {
    into.meta ??= new Map();
    for (const [name, value] of extras.meta) into.meta.set(name, value);
  }
  const drop = extras?.dropSegmentsBelow;
  if (drop !== undefined && (into.dropSegmentsBelow === undefined || drop > into.dropSegmentsBelow)) {
    into.dropSegmentsBelow = drop;
  }
}

function copyExtras(extras: CommitExtras | undefined): PendingWrite['extras'] {
  const copy: PendingWrite['extras'] = {};
  mergeExtras(copy, extras);
  return copy;
}

function batchOf(pending: PendingWrite, segmentOf: (key: string) => number): LocalBatch {
  return {
    writes: pending.writes,
    segmentOf,
    meta: pending.extras.meta,
    dropSegmentsBelow: pending.extras.dropSegmentsBelow,
  };
}

/** Merges two key-ordered lists; on equal keys the newer one's entry wins. */
function overlay<V>(older: Pending<V>[], newer: Pending<V>[], reverse: boolean): Pending<V>[] {
  if (newer.length === 0) return older;
  if (older.length === 0) return newer;
  const merged: Pending<V>[] = [];
  let n = 0;
  for (const o of older) {
    while (n < newer.length && (reverse ? newer[n].key > o.key : newer[n].key < o.key))
      merged.push(newer[n++]);
    if (n < newer.length && newer[n].key === o.key) merged.push(newer[n++]);
    else merged.push(o);
  }
  while (n < newer.length) merged.push(newer[n++]);
  return merged;
}

async function* single<T>(entries: MaybePromise<T[]>): AsyncIterable<T[]> {
  yield await entries;
}

/** Commit-time extras a store shape adds to the batch it applies (window/session metadata, expired segments). */
export interface CommitExtras {
  readonly meta?: ReadonlyMap<string, Buffer>;
  readonly dropSegmentsBelow?: number;
}

export class StoreCore<V> {
  readonly name: string;
  readonly cache: CacheNamespace<V>;
  private readonly serdeTopic: string;
  private readonly changelogTopic: string | undefined;
  private readonly txn = new TransactionBuffer();
  /** The cache entry the last `get` found or added: a write of the same key right after reuses it (see putDirty). */
  private lastRead: CacheEntry<V> | undefined = undefined;
  /**
   * Committed writes not yet in RocksDB: the batch being written, and the batches committed meanwhile (oldest
   * first). Reads look in them before local state, so a commit is visible at once while its write proceeds; writes
   * run one after another, in order. Small commits merge into the last waiting batch (up to MERGED_WRITES_MAX
   * writes), so a task that commits after every record keeps few layers and few RocksDB round trips, while batches
   * stay a size RocksDB writes well.
   */
  private inFlight: PendingWrite | undefined;
  private waiting: PendingWrite[] = [];
  /**
   * The waiting batches as one layer for reads, made when a read meets two or more of them. A caller that never
   * yields to the event loop (a test or benchmark loop processing records synchronously) never lets a write land, and
   * every read then went through one batch per 10k writes: a session merge's range read per record through tens of
   * them (bench/state-window-aggregate.ts --pattern session --persistent). Later commits add to it; it may keep
   * writes that have landed since (their values are local state's then), and goes once no batch waits. It leaves
   * out deletes of keys that nothing below holds (a session merged away before its put ever landed): they hide
   * nothing, and a session merge's range visited hundreds of them.
   */
  private waitingView: TransactionBuffer | undefined;
  private writer: Promise<void> | undefined;
  private applyFailure: unknown;
  /**
   * Committed bytes read ahead by `prefetch()` (null: absent). Write-through stores: a key written since is shadowed by
   * the buffer. Cached stores: only keys with no cache entry and no buffered write; a key leaves when it enters the
   * cache (written, or read and kept), so a read of a prefetched key needs no cache lookup.
   */
  private prefetched = new Map<string, Buffer | null>();
  /** Bumped whenever local state or the cache changes under an in-flight read (commit, rollback, restore). */
  private epoch = 0;
  private emitChain: Promise<void> | undefined;
  private listener: FlushListener<unknown, V> | undefined;
  private sendOldValues = false;
  /**
   * The object each stored Buffer was serialized from (writes without cache) or deserialized to, so that reading the same bytes again (a
   * join buffer read by every record of its window, committed entries in ranges) costs a lookup instead of a
   * deserialization. Keyed by the Buffer itself, so entries die with the bytes. Only where local state hands out the
   * same Buffers again (`LocalStore.stableValues`: memory, RocksDB segment mirrors).
   */
  private readonly decoded: WeakMap<Buffer, V> | undefined;
  /**
   * A flushed delete leaves the cache, as in Kafka Streams' NamedCache: a session store deletes a key at every merge,
   * and keeping those keys as clean "absent" entries filled the cache budget (and its map) with keys nobody reads
   * again. Key-value stores on RocksDB keep them: there an absent entry spares a RocksDB read of a deleted key.
   */
  private readonly dropFlushedDeletes: boolean;

  constructor(private readonly options: StoreCoreOptions<V>) {
    this.name = options.name;
    const ctx = options.context;
    // Not for values that deserialize for less than a WeakMap insertion costs (~200 ns): numbers, bytes.
    this.decoded =
      options.local.stableValues && !deserializesCheaply(options.valueSerde) ? new WeakMap() : undefined;
    this.dropFlushedDeletes = options.local.synchronous || options.singleSegment !== true;
    this.changelogTopic = options.changelogTopic;
    this.serdeTopic = options.serdeTopic;
    this.cache = RecordCache.of(ctx.memory).namespace<V>(`${ctx.taskId}/${options.name}`, (entry) =>
      this.evicted(entry),
    );
  }

  get local(): LocalStore {
    return this.options.local;
  }

  get writeBack(): boolean {
    return this.options.writeBack;
  }

  /** True while the transaction buffer holds writes not yet applied to local state. */
  get hasUncommittedWrites(): boolean {
    return this.txn.size > 0 || this.cache.dirtyCount > 0;
  }

  setFlushListener(listener: FlushListener<unknown, V>, sendOldValues: boolean): boolean {
    if (!this.options.writeBack) return false;
    this.listener = listener;
    this.sendOldValues = sendOldValues;
    return true;
  }

  // ---- reads ----

  /**
   * The serialized value of `key` above local state: this transaction's buffer, then committed buffers still being
   * written (null: deleted; undefined: not there).
   */
  private buffered(key: string): Buffer | null | undefined {
    const current = this.txn.get(key);
    if (current !== undefined) return current;
    const view = this.waitingLayer();
    if (view !== undefined) {
      const value = view.get(key);
      if (value !== undefined) return value;
    } else if (this.waiting.length === 1) {
      const value = this.waiting[0].writes.get(key);
      if (value !== undefined) return value;
    }
    return this.inFlight?.writes.get(key);
  }

  /** The waiting batches as one layer when there are several (made on first need); undefined for 0 or 1. */
  private waitingLayer(): TransactionBuffer | undefined {
    if (this.waitingView === undefined && this.waiting.length >= 2) {
      const view = new TransactionBuffer();
      for (const batch of this.waiting) this.addToView(view, batch.writes);
      this.waitingView = view;
    }
    return this.waitingView;
  }

  /** Adds newer writes to the waiting view, but not a delete that would hide nothing (see `waitingView`). */
  private addToView(view: TransactionBuffer, writes: TransactionBuffer): void {
    const local = this.options.local;
    const segmentOf = this.options.segmentOf;
    const inFlight = this.inFlight?.writes;
    writes.forEach((value, key) => {
      // Every older write of the key is in the view or in flight (batches land in order), or it has landed.
      const hidesNothing =
        value === null &&
        view.get(key) === undefined &&
        inFlight?.get(key) === undefined &&
        local.hasLocally?.(segmentOf(key), key) === false;
      if (!hidesNothing) view.set(key, value);
    });
  }

  /** `localMayHave` false: the caller knows committed local state cannot hold the key (a window newer than it). */
  get(key: string, localMayHave = true): MaybePromise<V | undefined> {
    if (this.options.writeBack && this.prefetched.size > 0) {
      const prefetched = this.prefetched.get(key);
      if (prefetched !== undefined) return this.cacheRead(key, prefetched);
    }
    const entry = this.cache.get(key);
    if (entry !== undefined) {
      this.lastRead = entry;
      return entry.value ?? undefined;
    }
    const buffered = this.buffered(key);
    if (buffered !== undefined) return this.cacheRead(key, buffered);
    const prefetched = this.prefetched.get(key);
    if (prefetched !== undefined) return this.cacheRead(key, prefetched);
    if (!localMayHave) return this.cacheRead(key, null);
    const read = this.options.local.get(this.options.segmentOf(key), key);
    if (!isPromise(read)) return this.cacheRead(key, read ?? null);
    const epoch = this.epoch;
    const insertions = this.cache.insertions;
    return read.then((bytes) => this.afterLocalRead(key, bytes ?? null, epoch, insertions));
  }

  /**
   * Reads keys missing from the cache in one multi-get and keeps their bytes until the next prefetch, so that the
   * next reads of them are synchronous whatever the cache budget (values are deserialized when read).
   */
  prefetch(keys: readonly string[]): Promise<void> | undefined {
    const local = this.options.local;
    if (local.synchronous) return undefined;
    const prefetched = new Map<string, Buffer | null>();
    this.prefetched = prefetched;
    const bySegment = new Map<number, string[]>();
    const only: string[] | undefined = this.options.singleSegment ? [] : undefined;
    if (only !== undefined) bySegment.set(0, only);
    for (const key of keys) {
      if (this.cache.peek(key) !== undefined || this.buffered(key) !== undefined) continue;
      if (only !== undefined) {
        only.push(key);
        continue;
      }
      const segment = this.options.segmentOf(key);
      let list = bySegment.get(segment);
      if (list === undefined) {
        list = [];
        bySegment.set(segment, list);
      }
      if (list[list.length - 1] !== key) list.push(key);
    }
    if (bySegment.size === 0 || only?.length === 0) return undefined;
    const epoch = this.epoch;
    const insertions = this.cache.insertions;
    const reads: Promise<void>[] = [];
    for (const [segment, list] of bySegment) {
      reads.push(
        Promise.resolve(local.getMany(segment, list)).then((values) => {
          // A commit or restore in between may have changed local state under the read: drop what it returned.
          if (epoch !== this.epoch || this.prefetched !== prefetched) return;
          // Keys that entered the cache meanwhile (rare: the task awaits its prefetch) are newer than what was read.
          const recheck = this.options.writeBack && this.cache.insertions !== insertions;
          for (let i = 0; i < list.length; i++) {
            const key = list[i];
            if (recheck && (this.cache.peek(key) !== undefined || this.buffered(key) !== undefined)) continue;
            prefetched.set(key, values[i] ?? null);
          }
        }),
      );
    }
    return Promise.all(reads).then(() => undefined);
  }

  /**
   * The value `key` has now, for a write about to replace it (delete returning the old value). Unlike `get`, a read
   * that must go to RocksDB does not look at the cache again when it completes (the write will have replaced the
   * entry) and caches nothing.
   */
  previous(key: string): MaybePromise<V | undefined> {
    const entry = this.cache.get(key);
    if (entry !== undefined) return entry.value ?? undefined;
    const below = this.buffered(key) ?? this.prefetched.get(key);
    if (below !== undefined) return below === null ? undefined : this.deserialize(below);
    return andThen(this.options.local.get(this.options.segmentOf(key), key), (bytes) =>
      bytes === undefined ? undefined : this.deserialize(bytes),
    );
  }

  private afterLocalRead(
    key: string,
    bytes: Buffer | null,
    epoch: number,
    insertions: number,
  ): MaybePromise<V | undefined> {
    // Local state may have moved while the read was in flight; the cache and buffer are newer than it anyway.
    if (epoch !== this.epoch) return this.get(key);
    // The key had no cache entry when the read started; it can have one now only if an entry was added since.
    if (insertions !== this.cache.insertions) {
      const entry = this.cache.peek(key);
      if (entry !== undefined) return entry.value ?? undefined;
    }
    const buffered = this.buffered(key);
    return this.cacheRead(key, buffered !== undefined ? buffered : bytes);
  }

  /**
   * A value read below the cache for a key the caller has just found absent from it; kept in the cache only when
   * caching is enabled for this store.
   */
  private cacheRead(key: string, bytes: Buffer | null): V | undefined {
    const value = bytes === null ? null : this.deserialize(bytes);
    if (this.options.writeBack) {
      const entry = this.cache.addClean(key, value, bytes);
      this.lastRead = entry;
      // Now in the cache, so no longer prefetched; unless the budget left no room for it (0 bytes): kept, then.
      if (this.prefetched.size > 0 && isCached(entry)) this.prefetched.delete(key);
    }
    return value ?? undefined;
  }

  /**
   * Entries with keys in [from, toExclusive) of the given segments, segment by segment in the order given and in key
   * order within each (descending if `reverse`), uncommitted writes as of this call included. `accept` filters keys
   * before any value is deserialized. Local state is not read for segments above `lastLocalSegment`.
   */
  range(
    segments: readonly number[],
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
    accept?: (key: string) => boolean,
    lastLocalSegment = Number.POSITIVE_INFINITY,
  ): MaybePromise<CoreEntry<V>[]> {
    // Uncommitted writes are taken now: a commit while local state is read must not lose them.
    const merges = segments.map((segment) => this.merge(segment, from, toExclusive, reverse, accept));
    const out: CoreEntry<V>[] = [];
    const step = (i: number): MaybePromise<CoreEntry<V>[]> => {
      for (; i < segments.length; i++) {
        // Segments local state cannot hold anything in are not read at all (an iterator costs ~0.3 ms on RocksDB).
        const local =
          segments[i] > lastLocalSegment
            ? NO_ENTRIES
            : this.options.local.range(segments[i], from, toExclusive, reverse);
        if (isPromise(local)) {
          const merge = merges[i];
          const next = i + 1;
          return local.then((entries) => {
            merge.add(entries, out);
            merge.finish(out);
            return step(next);
          });
        }
        merges[i].add(local, out);
        merges[i].finish(out);
      }
      return out;
    };
    return step(0);
  }

  /** Like `range` over segment 0, read lazily in chunks: long scans of RocksDB state do not materialize. */
  scan(
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
  ): AsyncIterable<CoreEntry<V>[]> {
    // Committed values are deserialized, not looked up in the cache: per entry that lookup needs the key as a string
    // and a probe of a map that may hold 100k+ entries, which costs as much as deserializing a typical value (and far
    // more than a cheap one). Long scans read mostly what the cache does not hold anyway.
    const merge = this.merge(0, from, toExclusive, reverse, undefined, (e) => this.deserialize(e.value));
    const local = this.options.local;
    const chunks =
      local.scan !== undefined
        ? local.scan(0, from, toExclusive, reverse)
        : single(local.range(0, from, toExclusive, reverse));
    return (async function* () {
      for await (const chunk of chunks) {
        const out: CoreEntry<V>[] = [];
        merge.add(chunk, out);
        if (out.length > 0) yield out;
      }
      const out: CoreEntry<V>[] = [];
      merge.finish(out);
      if (out.length > 0) yield out;
    })();
  }

  private merge(
    segment: number,
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
    accept: ((key: string) => boolean) | undefined,
    committed: (entry: LocalEntry) => V = (e) => this.committedValue(e),
  ): PendingMerge<V> {
    return new PendingMerge(
      this.pendingInRange(segment, from, toExclusive, reverse, accept),
      reverse,
      accept,
      committed,
    );
  }

  /**
   * A committed entry's value, taken from the cache when it holds the same (clean) value: for the short ranges of
   * window and session stores, whose aggregates the cache usually holds and whose keys are strings already.
   */
  private committedValue(entry: LocalEntry): V {
    if (this.cache.size === 0) return this.deserialize(entry.value);
    const cached = this.cache.peek(entry.key);
    if (cached !== undefined && !cached.dirty && cached.value !== null) return cached.value;
    return this.deserialize(entry.value);
  }

  /** Uncommitted writes (dirty cache entries over the transaction buffer) in range, sorted; null = deleted. */
  private pendingInRange(
    segment: number,
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
    accept: ((key: string) => boolean) | undefined,
  ): { key: string; value: V | null }[] {
    const segmentOf = this.options.segmentOf;
    const wanted = (key: string) => segmentOf(key) === segment && (accept === undefined || accept(key));
    const layerEntries = (layer: TransactionBuffer) => {
      const out: Pending<V>[] = [];
      layer.forEachInRange(from, toExclusive, reverse, (key, bytes) => {
        if (wanted(key)) out.push({ key, value: bytes === null ? null : this.deserialize(bytes) });
      });
      return out;
    };
    // Oldest first, each newer layer over it: committed buffers still being written, this transaction's, the cache's.
    let merged: Pending<V>[] = [];
    if (this.inFlight !== undefined) merged = layerEntries(this.inFlight.writes);
    const view = this.waitingLayer();
    if (view !== undefined) merged = overlay(merged, layerEntries(view), reverse);
    else for (const batch of this.waiting) merged = overlay(merged, layerEntries(batch.writes), reverse);
    merged = overlay(merged, layerEntries(this.txn), reverse);
    const dirty: Pending<V>[] = [];
    this.cache.forEachDirtyInRange(from, toExclusive, reverse, (entry) => {
      if (wanted(entry.key)) dirty.push({ key: entry.key, value: entry.value });
    });
    return overlay(merged, dirty, reverse);
  }

  /** Counts entries: exact for in-memory local state, an estimate on RocksDB. */
  approximateCount(): MaybePromise<number> {
    const local = this.options.local;
    const pendingValue = new Map<string, boolean>();
    for (const layer of [this.inFlight, ...this.waiting]) {
      layer?.writes.forEach((bytes, key) => {
        pendingValue.set(key, bytes !== null);
      });
    }
    this.txn.forEach((bytes, key) => {
      pendingValue.set(key, bytes !== null);
    });
    for (const entry of this.cache.dirtyEntries()) pendingValue.set(entry.key, entry.value !== null);
    return andThen(local.approximateCount(), (count) => {
      for (const [key, exists] of pendingValue) {
        const committed = local.synchronous
          ? local.get(this.options.segmentOf(key), key) !== undefined
          : !exists; // unknown on RocksDB: assume a put adds a key and a delete removes one
        count += (exists ? 1 : 0) - (committed ? 1 : 0);
      }
      return count;
    });
  }

  // ---- writes ----

  put(key: string, keyObject: unknown, value: V | null, timestamp: number): void {
    if (this.options.writeBack) {
      if (this.prefetched.size > 0) this.prefetched.delete(key); // what was read ahead is older than this write
      this.cache.putDirty(key, keyObject, value, timestamp, this.lastRead);
      return;
    }
    const bytes = value === null ? null : this.serialize(value);
    if (this.changelogTopic !== undefined) this.log(keyToBytes(key), bytes, timestamp);
    this.txn.set(key, bytes);
  }

  // ---- commit cycle ----

  pendingEmits(): Promise<void> | undefined {
    return this.emitChain;
  }

  /** Flushes dirty cache entries: changelog, transaction buffer, then the flush listener, one entry at a time. */
  flush(): MaybePromise<void> {
    const pending = this.emitChain;
    if (pending !== undefined) return pending.then(() => this.flush());
    const dirty = this.cache.dirtyCount;
    if (dirty === 0) return undefined;
    // One update since the last flush (the test driver flushes after every record): no snapshot array.
    if (dirty === 1) return this.flushEntry(this.cache.oldestDirty() as CacheEntry<V>);
    return this.flushEntries(this.cache.dirtyEntries(), 0);
  }

  private flushEntries(entries: CacheEntry<V>[], from: number): MaybePromise<void> {
    for (let i = from; i < entries.length; i++) {
      const emitted = this.flushEntry(entries[i]);
      if (emitted !== undefined && isPromise(emitted)) {
        return emitted.then(() => this.flushEntries(entries, i + 1));
      }
    }
    return undefined;
  }

  /** Writes a dirty entry and emits it; nothing if it is no longer the dirty entry of its key. */
  private flushEntry(entry: CacheEntry<V>): MaybePromise<void> {
    if (!entry.dirty || !isCached(entry)) return undefined;
    const { key, keyObject, value, timestamp } = entry;
    const old = this.write(entry);
    return this.emit(keyObject, key, value, old, timestamp);
  }

  /** A dirty entry the cache evicted: written like a flush; its emit is chained after earlier ones. */
  private evicted(entry: CacheEntry<V>): void {
    const { key, keyObject, value, timestamp } = entry;
    const old = this.write(entry);
    const pending = this.emitChain;
    if (pending !== undefined) {
      this.chainEmit(pending.then(() => this.emit(keyObject, key, value, old, timestamp)));
      return;
    }
    const emitted = this.emit(keyObject, key, value, old, timestamp);
    if (emitted !== undefined && isPromise(emitted)) this.chainEmit(emitted);
  }

  private chainEmit(promise: Promise<void>): void {
    const chained: Promise<void> = promise.then(() => {
      if (this.emitChain === chained) this.emitChain = undefined;
    });
    // Whoever awaits pendingEmits() sees a failure; this handler only keeps it from being reported as unhandled.
    chained.catch(() => {});
    this.emitChain = chained;
  }

  /**
   * Serializes a dirty entry into the changelog and the transaction buffer and marks it clean (a no-op for an entry
   * the cache evicted). Returns the serialized value the store held before this cache cycle when the listener needs
   * it (undefined otherwise).
   */
  private write(entry: CacheEntry<V>): MaybePromise<Buffer | null> | undefined {
    const key = entry.key;
    const value = entry.value;
    let old: MaybePromise<Buffer | null> | undefined;
    if (this.listener !== undefined && (this.sendOldValues || value === null)) {
      // Read before the buffer gets the new value: this is what the store held before this cache cycle.
      old = entry.oldBytes !== undefined ? entry.oldBytes : this.belowCache(key);
    }
    // The cache keeps the object for reads: no need to remember it for these bytes (see `serialize`).
    const bytes = value === null ? null : this.options.valueSerde.serialize(this.serdeTopic, value);
    if (this.changelogTopic !== undefined) {
      // The entry keeps its key's bytes: a key flushed again (an aggregate updated by many records) reuses them.
      entry.keyBytes ??= keyToBytes(key);
      this.log(entry.keyBytes, bytes, entry.timestamp);
    }
    this.txn.set(key, bytes);
    if (bytes === null && this.dropFlushedDeletes) this.cache.remove(entry);
    else this.cache.markClean(entry, bytes);
    return old;
  }

  /** Hands a flushed update to the listener, once the old value (if it is needed) is known. */
  private emit(
    keyObject: unknown,
    key: string,
    value: V | null,
    old: MaybePromise<Buffer | null> | undefined,
    timestamp: number,
  ): MaybePromise<void> {
    if (this.listener === undefined) return undefined;
    if (old !== undefined && isPromise(old)) {
      return old.then((bytes) => this.emitUpdate(keyObject, key, value, bytes, timestamp));
    }
    return this.emitUpdate(keyObject, key, value, old ?? null, timestamp);
  }

  private emitUpdate(
    keyObject: unknown,
    key: string,
    value: V | null,
    oldBytes: Buffer | null,
    timestamp: number,
  ): MaybePromise<void> {
    const listener = this.listener as FlushListener<unknown, V>;
    if (value === null && oldBytes === null) return undefined; // deleted a key that did not exist
    const oldValue = this.sendOldValues && oldBytes !== null ? this.deserializeFresh(oldBytes) : null;
    return listener(this.options.listenerKey(keyObject, key), value, oldValue, timestamp);
  }

  /** The serialized value below the cache: transaction buffer, then committed local state. */
  private belowCache(key: string): MaybePromise<Buffer | null> {
    const buffered = this.buffered(key);
    if (buffered !== undefined) return buffered;
    const prefetched = this.prefetched.get(key);
    if (prefetched !== undefined) return prefetched;
    return andThen(this.options.local.get(this.options.segmentOf(key), key), (bytes) => bytes ?? null);
  }

  /**
   * Hands the transaction buffer to local state (after the Kafka transaction committed). In memory it is applied at
   * once. On RocksDB this returns without waiting for the write: reads see the buffer until the write has landed.
   * Writes run one at a time, in order; buffers committed while one is in flight go together in the next one (the
   * test driver commits after every record). `settled()` waits for them (checkpoints, close); a failed write fails
   * every later commit.
   */
  commit(extras?: CommitExtras): void {
    if (this.applyFailure !== undefined) throw this.applyFailure;
    const writes = this.txn;
    const changes = writes.size > 0 || extras?.meta !== undefined || extras?.dropSegmentsBelow !== undefined;
    if (!changes) return;
    // What was read ahead of the commit is stale for the keys it wrote; the buffer shadows them meanwhile.
    if (this.prefetched.size > 0) {
      writes.forEach((_value, key) => {
        this.prefetched.delete(key);
      });
    }
    const local = this.options.local;
    if (local.synchronous && this.writer === undefined) {
      // Applied at once, synchronously: local state copies what it keeps, so the buffer is emptied and used again.
      local.apply({
        writes,
        segmentOf: this.options.segmentOf,
        meta: extras?.meta,
        dropSegmentsBelow: extras?.dropSegmentsBelow,
      });
      writes.clear();
      this.epoch++;
      return;
    }
    if (this.waitingView !== undefined) this.addToView(this.waitingView, writes);
    const last = this.waiting[this.waiting.length - 1];
    if (last !== undefined && last.writes.size + writes.size <= MERGED_WRITES_MAX) {
      // Committed while a write is in flight: joins the batch written next (newer writes and metadata win).
      last.writes.setAll(writes);
      writes.clear();
      mergeExtras(last.extras, extras);
    } else {
      this.waiting.push({ writes: writes.take(), extras: copyExtras(extras) });
    }
    if (this.writer === undefined) {
      const writer = this.writeAll();
      writer.catch(() => {}); // reported by the next commit and by settled()
      this.writer = writer;
    }
  }

  private async writeAll(): Promise<void> {
    try {
      for (let batch = this.waiting.shift(); batch !== undefined; batch = this.waiting.shift()) {
        if (this.waiting.length === 0) this.waitingView = undefined; // the batch in flight is read on its own
        this.inFlight = batch;
        await this.options.local.apply(batchOf(batch, this.options.segmentOf));
        this.inFlight = undefined;
        this.epoch++; // reads of local state that were in flight may predate this write
      }
    } catch (failure) {
      this.applyFailure ??= failure;
      throw failure;
    } finally {
      this.writer = undefined;
    }
  }

  /** Settles once every queued write to local state has landed; rejects if one failed. */
  settled(): Promise<void> {
    if (this.applyFailure !== undefined) return Promise.reject(this.applyFailure);
    return this.writer ?? Promise.resolve();
  }

  /** Drops everything not committed: the transaction aborted. */
  rollback(): void {
    this.cache.clear();
    this.prefetched = new Map(); // also what a re-init calls: local state may be wiped next
    this.txn.clear();
    this.emitChain = undefined;
    this.epoch++;
  }

  /**
   * Applies committed changelog records to local state directly (no cache, changelog or emits). `segmentOfRecord`
   * gives the segment of a changelog key, or -1 to skip it (an expired window); without it everything goes to
   * segment 0.
   */
  restore(
    records: readonly ChangelogRecord[],
    extras?: CommitExtras,
    segmentOfRecord?: (key: Buffer) => number,
  ): MaybePromise<void> {
    if (this.hasUncommittedWrites || this.inFlight !== undefined || this.waiting.length > 0) {
      throw new Error(`store ${this.name}: cannot restore while it holds uncommitted or unwritten writes`);
    }
    this.cache.clear();
    this.prefetched = new Map();
    this.epoch++;
    return this.options.local.restore({
      records,
      segmentOf: segmentOfRecord ?? (() => 0),
      meta: extras?.meta,
      dropSegmentsBelow: extras?.dropSegmentsBelow,
    });
  }

  /** Forgets everything in memory; call once `settled()`. */
  close(): void {
    this.cache.close();
    this.lastRead = undefined;
    this.prefetched = new Map();
    this.inFlight = undefined;
    this.waiting = [];
    this.waitingView = undefined;
    this.txn.clear();
    this.emitChain = undefined;
    this.epoch++;
  }

  // ---- serdes and changelog ----

  /**
   * Serializes a value written through (no cache); in memory, remembers which object these bytes stand for. Flushes
   * of cached stores skip the memo: the clean cache entry holds the object already, and a WeakMap insertion costs
   * ~200 ns (measured), more than the whole cache hit it would save.
   */
  serialize(value: V): Buffer {
    const bytes = this.options.valueSerde.serialize(this.serdeTopic, value);
    this.decoded?.set(bytes, value);
    return bytes;
  }

  deserialize(bytes: Buffer): V {
    const decoded = this.decoded;
    if (decoded === undefined) return this.options.valueSerde.deserialize(this.serdeTopic, bytes);
    let value = decoded.get(bytes);
    if (value === undefined) {
      value = this.options.valueSerde.deserialize(this.serdeTopic, bytes);
      decoded.set(bytes, value);
    }
    return value;
  }

  /** A new object whatever was remembered: old values must not be an object the caller may have mutated since. */
  private deserializeFresh(bytes: Buffer): V {
    return this.options.valueSerde.deserialize(this.serdeTopic, bytes);
  }

  private log(key: Buffer, value: Buffer | null, timestamp: number): void {
    const topic = this.changelogTopic;
    if (topic === undefined) return;
    this.options.context.changelog.send({
      topic,
      partition: this.options.context.partition,
      key,
      value,
      timestamp,
    });
  }
}
