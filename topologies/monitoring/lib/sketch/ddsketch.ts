import { DenseStore } from './dense-store.js';
import { type LogIndexMapping, logIndexMapping } from './log-index-mapping.js';

export const DEFAULT_RELATIVE_ACCURACY = 0.01;
/** Per sign; with 1% accuracy 2048 bins span values over 17 orders of magnitude before any collapsing. */
export const DEFAULT_MAX_BINS = 2048;

export interface DDSketchOptions {
  readonly relativeAccuracy?: number;
  readonly maxBins?: number;
}

/**
 * A mergeable quantile sketch with a relative-error guarantee (DDSketch): `quantile(q)` is within
 * `relativeAccuracy` (relative) of the exact lower q-quantile, the sample at rank floor(q * (count - 1)). Merging two
 * sketches gives exactly the sketch of the union of their samples, so rollups of short windows combine into rollups
 * of long ones without loss. Tracks count, sum, min and max exactly. Handles negative values and zero.
 */
export class DDSketch {
  readonly mapping: LogIndexMapping;
  readonly positive: DenseStore;
  /** Magnitudes of the negative samples. */
  readonly negative: DenseStore;
  zeroCount = 0;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  /**
   * The bytes `encodeSketch` made of this sketch, until a sample is added or merged: a rollup aggregate is encoded
   * for its window store and again for the suppression buffer at every flush, unchanged in between.
   */
  encoded: Buffer | undefined = undefined;

  constructor(options: DDSketchOptions = {}) {
    this.mapping = logIndexMapping(options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY);
    const maxBins = options.maxBins ?? DEFAULT_MAX_BINS;
    this.positive = new DenseStore(maxBins);
    this.negative = new DenseStore(maxBins);
  }

  get relativeAccuracy(): number {
    return this.mapping.relativeAccuracy;
  }

  add(value: number): void {
    this.encoded = undefined;
    const mapping = this.mapping;
    if (value > mapping.minIndexableValue) {
      if (value > mapping.maxIndexableValue) throw outOfRange(value, mapping);
      this.positive.add(mapping.index(value));
    } else if (value < -mapping.minIndexableValue) {
      if (value < -mapping.maxIndexableValue) throw outOfRange(value, mapping);
      this.negative.add(mapping.index(-value));
    } else if (Number.isNaN(value)) {
      throw new RangeError('cannot add NaN to a sketch');
    } else {
      this.zeroCount++;
    }
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  /** Adds every sample of `other` to this sketch. */
  merge(other: DDSketch): void {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new RangeError(
        `cannot merge sketches of different relative accuracy (${this.relativeAccuracy} and ${other.relativeAccuracy})`,
      );
    }
    if (other.count === 0) return;
    this.encoded = undefined;
    this.positive.merge(other.positive);
    this.negative.merge(other.negative);
    this.zeroCount += other.zeroCount;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** The value at quantile q in [0, 1]; exact min and max at 0 and 1; NaN when the sketch is empty. */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    if (this.count === 0) return Number.NaN;
    if (q === 0) return this.min;
    if (q === 1) return this.max;
    const rank = q * (this.count - 1);
    return Math.min(this.max, Math.max(this.min, this.valueAtRank(rank)));
  }

  copy(): DDSketch {
    const copy = new DDSketch({ relativeAccuracy: this.relativeAccuracy, maxBins: this.positive.maxBins });
    copy.merge(this);
    return copy;
  }

  /** Representative value of the sample at position floor(rank) in sorted order. */
  private valueAtRank(rank: number): number {
    const negative = this.negative;
    if (rank < negative.total) {
      // Sorted order starts with the negative sample of largest magnitude: walk the negative bins downwards.
      let seen = 0;
      for (let index = negative.maxIndex; index >= negative.minIndex; index--) {
        seen += negative.countAt(index);
        if (seen > rank) return -this.mapping.value(index);
      }
    }
    let seen = negative.total + this.zeroCount;
    if (rank < seen) return 0;
    const positive = this.positive;
    for (let index = positive.minIndex; index <= positive.maxIndex; index++) {
      seen += positive.countAt(index);
      if (seen > rank) return this.mapping.value(index);
    }
    return this.max;
  }
}

function outOfRange(value: number, mapping: LogIndexMapping): RangeError {
  return new RangeError(`cannot add ${value} to a sketch: magnitude above ${mapping.maxIndexableValue}`);
}
