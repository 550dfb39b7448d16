const GROWTH_HEADROOM = 32;
// Shared by every empty store (never written: any add reallocates first).
const NO_COUNTS: number[] = [];

/**
 * Bin counts of a DDSketch for a contiguous range of bin indexes. When more than `maxBins` bins would be needed, the
 * lowest bins are folded into the lowest kept one (DataDog's "collapsing lowest" store): memory stays bounded and the
 * accuracy guarantee is lost only for the smallest values of a sketch spanning more than gamma^maxBins.
 */
export class DenseStore {
  /**
   * A plain array, not a Float64Array: a typed array of more than 64 bytes gets its own off-heap ArrayBuffer, which
   * costs a malloc to create and keeps every scavenge busy tracking it; with a sketch decoded, encoded and replaced
   * per record that tracking was most of the rollups' garbage-collection time (measured). Counts are integers, so
   * V8 keeps them as small integers in place.
   */
  private counts = NO_COUNTS;
  /** Bin index of counts[0]. */
  private offset = 0;
  /** Range of bins that may be non-empty; minIndex > maxIndex when the store is empty. */
  minIndex = Number.POSITIVE_INFINITY;
  maxIndex = Number.NEGATIVE_INFINITY;
  total = 0;

  constructor(readonly maxBins: number) {}

  add(index: number, count = 1): void {
    if (index < this.minIndex || index > this.maxIndex) index = this.extendTo(index);
    this.counts[index - this.offset] += count;
    this.total += count;
  }

  /** Makes room for bins `min..max` with one allocation (decoding knows the range up front). */
  reserve(min: number, max: number): void {
    if (this.minIndex > this.maxIndex && max - min + 1 <= this.maxBins) this.reallocate(min, max);
    this.extendTo(min);
    this.extendTo(max);
  }

  /** Count in bin `index` (0 outside the stored range). */
  countAt(index: number): number {
    return index < this.minIndex || index > this.maxIndex ? 0 : this.counts[index - this.offset];
  }

  merge(other: DenseStore): void {
    if (other.total === 0) return;
    // Extend once to both ends so the loop below only adds.
    this.extendTo(other.minIndex);
    this.extendTo(other.maxIndex);
    for (let index = other.minIndex; index <= other.maxIndex; index++) {
      const count = other.counts[index - other.offset];
      if (count !== 0) this.add(index, count);
    }
  }

  copy(): DenseStore {
    const copy = new DenseStore(this.maxBins);
    copy.counts = this.counts.slice();
    copy.offset = this.offset;
    copy.minIndex = this.minIndex;
    copy.maxIndex = this.maxIndex;
    copy.total = this.total;
    return copy;
  }

  /**
   * Makes room for `index`, collapsing the lowest bins when the range would exceed `maxBins`. Returns the bin the
   * count must go to: `index` itself, or the lowest kept bin when `index` falls below the collapsed range.
   */
  private extendTo(index: number): number {
    const empty = this.minIndex > this.maxIndex;
    let newMin = empty ? index : Math.min(this.minIndex, index);
    const newMax = empty ? index : Math.max(this.maxIndex, index);
    if (newMax - newMin + 1 > this.maxBins) newMin = newMax - this.maxBins + 1;
    let collapsed = 0;
    if (!empty && newMin > this.minIndex) {
      for (let i = this.minIndex; i < Math.min(newMin, this.maxIndex + 1); i++) {
        collapsed += this.counts[i - this.offset];
        this.counts[i - this.offset] = 0;
      }
    }
    if (newMin < this.offset || newMax >= this.offset + this.counts.length) this.reallocate(newMin, newMax);
    this.counts[newMin - this.offset] += collapsed;
    this.minIndex = newMin;
    this.maxIndex = newMax;
    return Math.max(index, newMin);
  }

  private reallocate(newMin: number, newMax: number): void {
    const span = newMax - newMin + 1;
    const length = Math.min(this.maxBins, span + GROWTH_HEADROOM);
    // Spread the headroom on both sides: sketches grow in either direction.
    const offset = newMin - Math.floor((length - span) / 2);
    const counts = new Array<number>(length).fill(0);
    for (let i = Math.max(this.minIndex, newMin); i <= this.maxIndex; i++) {
      counts[i - offset] = this.counts[i - this.offset];
    }
    this.counts = counts;
    this.offset = offset;
  }
}
