import { perBudget } from '../internals/per-budget.js';

/**
 * How RocksDB's memory is shared within `MemoryBudget.rocksDbMaxBytes`, for all persistent stores of a process.
 *
 * What rocksdb-native lets us set, per column family (each store is one RocksDB instance with one column family):
 * the memtable size (`writeBufferSize`), how many memtables may exist (`maxWriteBufferNumber`), and whether a block
 * cache is used at all: the block cache is RocksDB's default LRU cache of 32 MiB, one per column family; its size
 * cannot be set and caches cannot be shared between stores.
 *
 * Policy: a store reserves its share when it opens and returns it when it closes. It gets
 *   writeBufferSize = clamp(remaining / 8, 1 MiB, 16 MiB), 2 memtables
 *   a block cache only if, after its memtables, at least 2 x 32 MiB would remain (half is kept for stores opening
 *   later: a task cannot know how many will follow)
 *   then, window and session stores, and key-value stores created empty, a mirror of committed state
 *   (segment-mirror.ts) of min(left / 4, mirrorMaxBytes = 64 MiB), `left` being what remains after its memtables and
 *   block cache, or none if that is under 1 MiB
 * where `remaining` is the budget minus what open stores reserved. The first stores of a process thus get full-size
 * memtables and block caches; later ones get smaller memtables and read through the OS page cache instead.
 *
 * Limits: the 1 MiB floor means a process with very many stores can reserve more than the budget (`overBudget`);
 * memtables can briefly exceed their size; with the block cache off, index and filter blocks are held by table
 * readers outside any budget and grow with data size; iterators pin blocks; compactions use memory of their own; the
 * OS page cache is not counted. The budget bounds what Tributary configures, not the process's resident size.
 */
export const BLOCK_CACHE_BYTES = 32 * 1024 * 1024;
export const MAX_WRITE_BUFFER_BYTES = 16 * 1024 * 1024;
export const MIN_WRITE_BUFFER_BYTES = 1024 * 1024;
export const WRITE_BUFFER_NUMBER = 2;
export const DEFAULT_MIRROR_MAX_BYTES = 64 * 1024 * 1024;
/** A smaller mirror would hold too little to be worth loading. */
export const MIN_MIRROR_BYTES = 1024 * 1024;

export interface RocksDbReservation {
  /** What this counts against the budget. */
  readonly bytes: number;
  release(): void;
}

export interface RocksDbAllotment extends RocksDbReservation {
  readonly writeBufferSize: number;
  readonly maxWriteBufferNumber: number;
  readonly blockCache: boolean;
}

export class RocksDbMemory {
  private reserved = 0;
  private open = 0;

  constructor(
    readonly maxBytes: number,
    readonly mirrorMaxBytes = DEFAULT_MIRROR_MAX_BYTES,
  ) {
    if (!(maxBytes >= 0)) throw new RangeError(`rocksDbMaxBytes must be >= 0, got ${maxBytes}`);
    if (!(mirrorMaxBytes >= 0)) throw new RangeError(`mirrorMaxBytes must be >= 0, got ${mirrorMaxBytes}`);
  }

  /** The ledger of the process that uses `budget`: one per MemoryBudget object. */
  static readonly of = perBudget(
    (budget) => new RocksDbMemory(budget.rocksDbMaxBytes, budget.mirrorMaxBytes),
  );

  get reservedBytes(): number {
    return this.reserved;
  }

  get openStores(): number {
    return this.open;
  }

  get overBudget(): boolean {
    return this.reserved > this.maxBytes;
  }

  /** Memtables and block cache of a store that opens now. */
  reserve(): RocksDbAllotment {
    const remaining = Math.max(0, this.maxBytes - this.reserved);
    const writeBufferSize = Math.min(
      MAX_WRITE_BUFFER_BYTES,
      Math.max(MIN_WRITE_BUFFER_BYTES, Math.floor(remaining / 8)),
    );
    const buffers = writeBufferSize * WRITE_BUFFER_NUMBER;
    const blockCache = remaining - buffers >= 2 * BLOCK_CACHE_BYTES;
    const bytes = buffers + (blockCache ? BLOCK_CACHE_BYTES : 0);
    return {
      writeBufferSize,
      maxWriteBufferNumber: WRITE_BUFFER_NUMBER,
      blockCache,
      ...this.take(bytes, true),
    };
  }

  /** A mirror of committed state for a store that opened (zero bytes: none). */
  reserveMirror(): RocksDbReservation {
    const left = Math.max(0, this.maxBytes - this.reserved);
    const share = Math.min(this.mirrorMaxBytes, Math.floor(left / 4));
    return this.take(share >= MIN_MIRROR_BYTES ? share : 0, false);
  }

  private take(bytes: number, store: boolean): RocksDbReservation {
    this.reserved += bytes;
    if (store) this.open++;
    let released = false;
    return {
      bytes,
      release: () => {
        if (released) return;
        released = true;
        this.reserved -= bytes;
        if (store) this.open--;
      },
    };
  }
}
