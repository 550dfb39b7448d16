import type { AlertRule } from '../../../../schemas/monitoring/alert-rule.js';
import { emptyWindowStats, mergeWindowStats, type WindowStats } from '../window-stats.js';

/**
 * The hopping windows of a rule: windows of `windowMs` ending at every multiple of `hopMs` (the evaluation interval),
 * `[end - windowMs, end)`. Samples are kept in buckets of `bucketMs` (gcd of both), so a sample updates one bucket
 * instead of every window that contains it, and a window is the merge of its buckets.
 */
export interface WindowGeometry {
  readonly windowMs: number;
  readonly hopMs: number;
  readonly bucketMs: number;
}

/** Count, sum, min and max of the samples in one bucket, and the time of its latest sample. */
export interface RuleBucket extends WindowStats {
  readonly start: number;
  lastAt: number;
}

/** What the alerting topology keeps per rule and series between evaluations. Plain JSON-safe data. */
export interface RuleSeriesWindow {
  /** Every window ending at or before this time has been evaluated (or was closed before the series showed up). */
  evaluatedUntil: number;
  /** Buckets that belong to windows not evaluated yet, by start, ascending. */
  buckets: RuleBucket[];
}

export function windowGeometry(rule: Pick<AlertRule, 'windowMs' | 'evaluationIntervalMs'>): WindowGeometry {
  return {
    windowMs: rule.windowMs,
    hopMs: rule.evaluationIntervalMs,
    bucketMs: gcd(rule.windowMs, rule.evaluationIntervalMs),
  };
}

/** The end of the latest closed window: stream time has passed its end plus the grace period. */
export function closedUntil(geometry: WindowGeometry, streamTimeMs: number, graceMs: number): number {
  return floorTo(streamTimeMs - graceMs, geometry.hopMs);
}

/** The end of the latest window containing a sample at `timestamp`; a sample whose latest window closed is late. */
export function lastWindowEndOf(geometry: WindowGeometry, timestamp: number): number {
  return floorTo(timestamp + geometry.windowMs, geometry.hopMs);
}

export function newRuleSeriesWindow(evaluatedUntil: number): RuleSeriesWindow {
  return { evaluatedUntil, buckets: [] };
}

/** Adds a sample in place (per record: no copy). */
export function addToRuleWindow(
  window: RuleSeriesWindow,
  geometry: WindowGeometry,
  timestamp: number,
  value: number,
): void {
  const start = floorTo(timestamp, geometry.bucketMs);
  const buckets = window.buckets;
  let i = buckets.length;
  // Samples mostly arrive in order: search from the newest bucket.
  while (i > 0 && buckets[i - 1].start > start) i--;
  let bucket = i > 0 && buckets[i - 1].start === start ? buckets[i - 1] : undefined;
  if (bucket === undefined) {
    bucket = ruleBucket(start, 0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, timestamp);
    if (i === buckets.length) buckets.push(bucket);
    else buckets.splice(i, 0, bucket);
  }
  // Inline rather than addToWindowStats: that one also sees plain WindowStats, and a shared, polymorphic add cost
  // more than the rest of a sample's bookkeeping (measured).
  bucket.count++;
  bucket.sum += value;
  if (value < bucket.min) bucket.min = value;
  if (value > bucket.max) bucket.max = value;
  if (timestamp > bucket.lastAt) bucket.lastAt = timestamp;
}

/**
 * A bucket. Every bucket is made here, new or deserialized, so that all have one shape (property order) and the
 * per-sample code above stays monomorphic.
 */
export function ruleBucket(
  start: number,
  count: number,
  sum: number,
  min: number,
  max: number,
  lastAt: number,
): RuleBucket {
  return { start, count, sum, min, max, lastAt };
}

/**
 * Ends of the windows in (`after`, `upTo`] that hold samples and start at or after `since` (null: no bound),
 * ascending: the evaluations due.
 */
export function windowEndsWithData(
  window: RuleSeriesWindow,
  geometry: WindowGeometry,
  after: number,
  upTo: number,
  since: number | null,
): number[] {
  const { windowMs, hopMs } = geometry;
  const ends = new Set<number>();
  for (const bucket of window.buckets) {
    // Buckets align with window bounds (bucketMs divides both sizes), so the windows holding a bucket are those with
    // start <= bucket.start < end, i.e. end in (bucket.start, bucket.start + windowMs].
    const first = Math.max(floorTo(bucket.start, hopMs), floorTo(after, hopMs)) + hopMs;
    const last = Math.min(floorTo(bucket.start + windowMs, hopMs), upTo);
    for (let end = first; end <= last; end += hopMs) {
      if (since === null || end - windowMs >= since) ends.add(end);
    }
  }
  return [...ends].sort((a, b) => a - b);
}

/** Stats of the window ending at `end`, and the time of its latest sample (-Infinity when empty). */
export function statsOfWindow(
  window: RuleSeriesWindow,
  geometry: WindowGeometry,
  end: number,
): { readonly stats: WindowStats; readonly lastAt: number } {
  const stats = emptyWindowStats();
  let lastAt = Number.NEGATIVE_INFINITY;
  const start = end - geometry.windowMs;
  for (const bucket of window.buckets) {
    if (bucket.start < start || bucket.start >= end) continue;
    mergeWindowStats(stats, bucket);
    if (bucket.lastAt > lastAt) lastAt = bucket.lastAt;
  }
  return { stats, lastAt };
}

/** Drops, in place, buckets that no window after `evaluatedUntil` contains. */
export function pruneRuleWindow(window: RuleSeriesWindow, geometry: WindowGeometry): void {
  const firstNeeded = window.evaluatedUntil + geometry.hopMs - geometry.windowMs;
  let drop = 0;
  while (drop < window.buckets.length && window.buckets[drop].start + geometry.bucketMs <= firstNeeded)
    drop++;
  if (drop > 0) window.buckets.splice(0, drop);
}

function floorTo(value: number, unit: number): number {
  return Math.floor(value / unit) * unit;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
