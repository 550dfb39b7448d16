import { SortedStringSet } from '../memory/sorted-string-set.js';
import type { BatchWrites } from './local-store.js';

/** Up to this many writes, a lookup scans the log instead of building a map (the test driver commits per record). */
const SCAN_MAX = 8;
/**
 * Past this many writes an unindexed log is indexed, which drops superseded writes: a write-through store that updates
 * a few keys many times between commits must not keep every superseded value until the commit.
 */
const UNINDEXED_MAX = 16_384;
/** A cleared buffer keeps arrays up to this capacity; bigger ones (a large commit) are dropped. */
const KEEP_CAPACITY_MAX = 1024;
/** What an unused slot of the key array holds (a string, so the array keeps one element kind). */
const EMPTY_KEY = '';

/**
 * Writes by store key, serialized (null: a delete): the open transaction's, and the committed batches on their way
 * to local state.
 *
 * A log in write order (two arrays), indexed by key only when something needs it: a lookup of a log longer than a
 * few writes (a read that missed the cache), a range query, or a long log. Until then a write costs an array push
 * instead of a map insertion (~100 ns with the 10k distinct keys of a commit, measured), and the log may hold a key
 * more than once: visiting it in order (`forEach`, what a local-state apply does) applies the last write last. Once
 * indexed, a key keeps the position of its first write and takes the newest value, as a Map would.
 */
export class TransactionBuffer implements BatchWrites {
  /**
   * The log is keys[0, count) and values[0, count). The arrays keep their capacity when the buffer is cleared: the
   * test driver commits after every record, and `length = 0` dropped both backing stores, so every commit allocated
   * two new ones (~300 bytes per record in bench/driver-throughput.ts (b), measured).
   */
  private keys: string[] = [];
  private values: (Buffer | null)[] = [];
  private count = 0;
  /** Position of each key in the log, once indexed; the log then holds each key once. */
  private positions: Map<string, number> | undefined = undefined;
  /** The keys in order, once a range query asked for them; maintained from then on. */
  private sorted: SortedStringSet | undefined = undefined;

  /** Writes in the log: the number of keys once indexed, possibly more before. */
  get size(): number {
    return this.count;
  }

  get(key: string): Buffer | null | undefined {
    const keys = this.keys;
    const n = this.count;
    if (n === 0) return undefined;
    if (this.positions === undefined) {
      if (n <= SCAN_MAX) {
        for (let i = n - 1; i >= 0; i--) if (keys[i] === key) return this.values[i];
        return undefined;
      }
      this.index();
    }
    const at = (this.positions as Map<string, number>).get(key);
    return at === undefined ? undefined : this.values[at];
  }

  set(key: string, value: Buffer | null): void {
    const positions = this.positions;
    if (positions !== undefined) {
      const at = positions.get(key);
      if (at !== undefined) {
        this.values[at] = value;
        return;
      }
      positions.set(key, this.count);
      this.sorted?.add(key);
    } else if (this.count >= UNINDEXED_MAX) {
      this.index();
      this.set(key, value);
      return;
    }
    this.keys[this.count] = key;
    this.values[this.count] = value;
    this.count++;
  }

  /** Appends another buffer's writes, which are newer than these. */
  setAll(newer: TransactionBuffer): void {
    const keys = newer.keys;
    const values = newer.values;
    for (let i = 0; i < newer.count; i++) this.set(keys[i], values[i]);
  }

  /** Visits the writes in order; a key written twice before the log was indexed is visited twice, newest last. */
  forEach(visit: (value: Buffer | null, key: string) => void): void {
    const keys = this.keys;
    const values = this.values;
    for (let i = 0; i < this.count; i++) visit(values[i], keys[i]);
  }

  /** Visits the newest write of each key in [from, toExclusive), in key order (descending if `reverse`). */
  forEachInRange(
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
    visit: (key: string, value: Buffer | null) => void,
  ): void {
    const n = this.count;
    if (n === 0) return;
    if (n === 1) {
      const key = this.keys[0];
      if ((from === undefined || key >= from) && (toExclusive === undefined || key < toExclusive)) {
        visit(key, this.values[0]);
      }
      return;
    }
    if (this.positions === undefined) this.index();
    const positions = this.positions as Map<string, number>;
    this.sorted ??= SortedStringSet.from(positions.keys());
    const values = this.values;
    this.sorted.forEachInRange(from, toExclusive, reverse, (key) => {
      visit(key, values[positions.get(key) as number]);
    });
  }

  /** Hands the writes over as a new buffer and leaves this one empty. */
  take(): TransactionBuffer {
    const taken = new TransactionBuffer();
    taken.keys = this.keys;
    taken.values = this.values;
    taken.count = this.count;
    taken.positions = this.positions;
    taken.sorted = this.sorted;
    this.keys = [];
    this.values = [];
    this.count = 0;
    this.positions = undefined;
    this.sorted = undefined;
    return taken;
  }

  /**
   * Empties the buffer, keeping its arrays' capacity for the next writes (no allocation per commit) unless a large
   * commit grew them: those are let go rather than held at their peak size.
   */
  clear(): void {
    if (this.keys.length > KEEP_CAPACITY_MAX) {
      this.keys = [];
      this.values = [];
    } else {
      // The slots are overwritten by the next writes; until then they must not keep keys and values alive.
      this.forgetSlots(0, this.count);
    }
    this.count = 0;
    this.positions = undefined;
    this.sorted = undefined;
  }

  /** Maps each key to its position, keeping the first position and the newest value of a key written twice. */
  private index(): void {
    const keys = this.keys;
    const values = this.values;
    const positions = new Map<string, number>();
    const n = this.count;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const key = keys[i];
      const at = positions.get(key);
      if (at !== undefined) {
        values[at] = values[i];
        continue;
      }
      positions.set(key, kept);
      keys[kept] = key;
      values[kept] = values[i];
      kept++;
    }
    this.forgetSlots(kept, n);
    this.count = kept;
    this.positions = positions;
  }

  /** Unused slots [from, to) let go of their keys and values. */
  private forgetSlots(from: number, to: number): void {
    const keys = this.keys;
    const values = this.values;
    for (let i = from; i < to; i++) {
      keys[i] = EMPTY_KEY;
      values[i] = null;
    }
  }
}
