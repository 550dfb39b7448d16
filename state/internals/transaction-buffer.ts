import { IndexedMap } from '../memory/indexed-map.js';

/**
 * The writes of a store's open transaction: store key -> serialized value (null: a delete), in the order they were
 * made. The first key lives in two fields and a map is made only for a second one: the test driver commits after
 * every record, when a buffer usually holds a single write, and a new Map per commit (its hash table, ~200 bytes)
 * was most of what a commit allocated.
 */
export class TransactionBuffer {
  private firstKey: string | undefined = undefined;
  private firstValue: Buffer | null = null;
  private more: IndexedMap<Buffer | null> | undefined = undefined;

  get size(): number {
    if (this.more !== undefined) return this.more.size;
    return this.firstKey === undefined ? 0 : 1;
  }

  get(key: string): Buffer | null | undefined {
    if (this.more !== undefined) return this.more.get(key);
    return key === this.firstKey ? this.firstValue : undefined;
  }

  set(key: string, value: Buffer | null): void {
    if (this.more !== undefined) {
      this.more.set(key, value);
      return;
    }
    if (this.firstKey === undefined || this.firstKey === key) {
      this.firstKey = key;
      this.firstValue = value;
      return;
    }
    const more = new IndexedMap<Buffer | null>();
    more.set(this.firstKey, this.firstValue);
    more.set(key, value);
    this.more = more;
  }

  /** Visits every write in the order the keys were first written. */
  forEach(visit: (value: Buffer | null, key: string) => void): void {
    if (this.more !== undefined) this.more.map.forEach(visit);
    else if (this.firstKey !== undefined) visit(this.firstValue, this.firstKey);
  }

  /** Visits the writes with keys in [from, toExclusive) in key order (descending if `reverse`). */
  forEachInRange(
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
    visit: (key: string, value: Buffer | null) => void,
  ): void {
    if (this.more !== undefined) {
      this.more.forEachInRange(from, toExclusive, reverse, visit);
      return;
    }
    const key = this.firstKey;
    if (key === undefined) return;
    if ((from === undefined || key >= from) && (toExclusive === undefined || key < toExclusive)) {
      visit(key, this.firstValue);
    }
  }

  /** Hands the writes over as an IndexedMap and leaves the buffer empty. */
  take(): IndexedMap<Buffer | null> {
    let writes = this.more;
    if (writes === undefined) {
      writes = new IndexedMap<Buffer | null>();
      if (this.firstKey !== undefined) writes.set(this.firstKey, this.firstValue);
    }
    this.clear();
    return writes;
  }

  clear(): void {
    this.firstKey = undefined;
    this.firstValue = null;
    this.more = undefined;
  }
}
