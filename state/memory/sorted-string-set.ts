/**
 * An ordered set of strings for range queries over in-memory state: a list of sorted chunks (the layout of Python's
 * sortedcontainers), so inserts and deletes cost a binary search plus a short array splice, and a range scan walks
 * contiguous arrays. Strings compare by UTF-16 code unit, which for latin1 store keys is bytewise order.
 */

const LOAD = 512;

export class SortedStringSet {
  private chunks: string[][] = [];
  /** Last (largest) string of each chunk: the index a binary search runs on. */
  private maxes: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Builds a set from strings in any order. */
  static from(values: Iterable<string>): SortedStringSet {
    const set = new SortedStringSet();
    const sorted = Array.from(values).sort();
    for (let i = 0; i < sorted.length; i += LOAD) {
      const chunk = sorted.slice(i, i + LOAD);
      set.chunks.push(chunk);
      set.maxes.push(chunk[chunk.length - 1]);
    }
    set.count = sorted.length;
    return set;
  }

  add(value: string): boolean {
    const chunks = this.chunks;
    if (chunks.length === 0) {
      chunks.push([value]);
      this.maxes.push(value);
      this.count = 1;
      return true;
    }
    let ci = lowerBound(this.maxes, value);
    if (ci === chunks.length) ci--;
    const chunk = chunks[ci];
    const pos = lowerBound(chunk, value);
    if (chunk[pos] === value) return false;
    if (pos === chunk.length) {
      chunk.push(value);
      this.maxes[ci] = value;
    } else {
      chunk.splice(pos, 0, value);
    }
    this.count++;
    if (chunk.length > 2 * LOAD) {
      const upper = chunk.splice(LOAD);
      chunks.splice(ci + 1, 0, upper);
      this.maxes.splice(ci, 1, chunk[chunk.length - 1], upper[upper.length - 1]);
    }
    return true;
  }

  delete(value: string): boolean {
    const ci = lowerBound(this.maxes, value);
    if (ci === this.chunks.length) return false;
    const chunk = this.chunks[ci];
    const pos = lowerBound(chunk, value);
    if (chunk[pos] !== value) return false;
    chunk.splice(pos, 1);
    this.count--;
    if (chunk.length === 0) {
      this.chunks.splice(ci, 1);
      this.maxes.splice(ci, 1);
    } else if (pos === chunk.length) {
      this.maxes[ci] = chunk[pos - 1];
    }
    return true;
  }

  clear(): void {
    this.chunks = [];
    this.maxes = [];
    this.count = 0;
  }

  /**
   * Calls `visit` for each string in [from, toExclusive) (undefined bounds are open), ascending or descending.
   * `visit` must not modify the set.
   */
  forEachInRange(
    from: string | undefined,
    toExclusive: string | undefined,
    reverse: boolean,
    visit: (value: string) => void,
  ): void {
    const chunks = this.chunks;
    if (chunks.length === 0) return;
    if (!reverse) {
      let ci = from === undefined ? 0 : lowerBound(this.maxes, from);
      if (ci === chunks.length) return;
      let pos = from === undefined ? 0 : lowerBound(chunks[ci], from);
      for (; ci < chunks.length; ci++, pos = 0) {
        const chunk = chunks[ci];
        for (; pos < chunk.length; pos++) {
          const value = chunk[pos];
          if (toExclusive !== undefined && value >= toExclusive) return;
          visit(value);
        }
      }
    } else {
      let ci: number;
      let pos: number;
      if (toExclusive === undefined) {
        ci = chunks.length - 1;
        pos = chunks[ci].length - 1;
      } else {
        ci = lowerBound(this.maxes, toExclusive);
        if (ci === chunks.length) {
          ci--;
          pos = chunks[ci].length - 1;
        } else {
          pos = lowerBound(chunks[ci], toExclusive) - 1;
        }
      }
      for (; ci >= 0; ci--, pos = ci >= 0 ? chunks[ci].length - 1 : 0) {
        const chunk = chunks[ci];
        for (; pos >= 0; pos--) {
          const value = chunk[pos];
          if (from !== undefined && value < from) return;
          visit(value);
        }
      }
    }
  }
}

/** Index of the first element >= value in a sorted array (the array's length when there is none). */
function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
