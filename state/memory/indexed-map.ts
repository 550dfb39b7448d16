import { SortedStringSet } from './sorted-string-set.js';

/**
 * A Map with string keys that can also answer ordered range queries. The ordered index is built only when the first
 * range query arrives and maintained from then on, so stores used only for point reads and writes (most aggregations)
 * never pay for ordering.
 */
export class IndexedMap<V> {
  readonly map = new Map<string, V>();
  private index: SortedStringSet | undefined;

  constructor(ordered = false) {
    if (ordered) this.index = new SortedStringSet();
  }

  get size(): number {
    return this.map.size;
  }

  /** True once a range query has been made: callers carry this over when they replace the map. */
  get ordered(): boolean {
    return this.index !== undefined;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  set(key: string, value: V): void {
    if (this.index === undefined) {
      this.map.set(key, value);
      return;
    }
    // One hash lookup instead of has() then set(): the map grew if and only if the key is new.
    const before = this.map.size;
    this.map.set(key, value);
    if (this.map.size !== before) this.index.add(key);
  }

  delete(key: string): boolean {
    if (!this.map.delete(key)) return false;
    this.index?.delete(key);
    return true;
  }

  clear(): void {
    this.map.clear();
    this.index?.clear();
  }

  /** Visits keys in [from, toExclusive) in order; `visit` must not modify the map. */
  forEachInRange(
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
    visit: (key: string, value: V) => void,
  ): void {
    if (this.map.size === 0) return;
    if (this.index === undefined) this.index = SortedStringSet.from(this.map.keys());
    const map = this.map;
    this.index.forEachInRange(from, toExclusive, reverse, (key) => visit(key, map.get(key) as V));
  }
}
