/**
 * DDSketch's logarithmic mapping (Masson, Rim, Lee, VLDB 2019): a positive value x goes to bin
 * i = ceil(log_gamma(x)) with gamma = (1 + a) / (1 - a), so that every x in bin i, (gamma^(i-1), gamma^i], lies within
 * relative distance a of the bin's representative value gamma^(i-1) * (1 + a).
 */
export class LogIndexMapping {
  readonly gamma: number;
  /** Values below this (in magnitude) are counted as zero: their bin index would underflow. */
  readonly minIndexableValue: number;
  /** Values above this (in magnitude) cannot be sketched: their representative would overflow. */
  readonly maxIndexableValue: number;
  private readonly multiplier: number;

  constructor(readonly relativeAccuracy: number) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
      throw new RangeError(`relative accuracy must be in (0, 1), got ${relativeAccuracy}`);
    }
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.multiplier = 1 / Math.log(this.gamma);
    const minNormal = 2.2250738585072014e-308;
    this.minIndexableValue = minNormal * this.gamma;
    this.maxIndexableValue = Number.MAX_VALUE / this.gamma;
  }

  index(value: number): number {
    return Math.ceil(Math.log(value) * this.multiplier);
  }

  /** The value reported for every sample of bin `index`. */
  value(index: number): number {
    return Math.exp((index - 1) / this.multiplier) * (1 + this.relativeAccuracy);
  }
}

const mappings = new Map<number, LogIndexMapping>();

/** Mappings are immutable: sketches of the same accuracy share one. */
export function logIndexMapping(relativeAccuracy: number): LogIndexMapping {
  let mapping = mappings.get(relativeAccuracy);
  if (mapping === undefined) {
    mapping = new LogIndexMapping(relativeAccuracy);
    mappings.set(relativeAccuracy, mapping);
  }
  return mapping;
}
