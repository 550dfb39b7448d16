import type { Aggregation } from '../../../schemas/monitoring/enums.js';

/** Count, sum, min and max of the samples of one series in one window: enough for every rule aggregation. */
export interface WindowStats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export function emptyWindowStats(): WindowStats {
  return { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
}

/** Adds a sample in place (aggregators run per record: no copy). Returns `stats`. */
export function addToWindowStats<S extends WindowStats>(stats: S, value: number): S {
  stats.count++;
  stats.sum += value;
  if (value < stats.min) stats.min = value;
  if (value > stats.max) stats.max = value;
  return stats;
}

/** Adds every sample of `other` to `stats` in place. Returns `stats`. */
export function mergeWindowStats<S extends WindowStats>(stats: S, other: WindowStats): S {
  stats.count += other.count;
  stats.sum += other.sum;
  if (other.min < stats.min) stats.min = other.min;
  if (other.max > stats.max) stats.max = other.max;
  return stats;
}

/** The value a rule compares with its threshold; NaN for an empty window (no data, never compared). */
export function aggregateValue(aggregation: Aggregation, stats: WindowStats): number {
  if (stats.count === 0) return Number.NaN;
  switch (aggregation) {
    case 'avg':
      return stats.sum / stats.count;
    case 'sum':
      return stats.sum;
    case 'min':
      return stats.min;
    case 'max':
      return stats.max;
    case 'count':
      return stats.count;
  }
}
